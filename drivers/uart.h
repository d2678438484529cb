/* The hypervisor's console UART, whichever kind the host device tree names: one small driver
 * per kind (drivers/pl011.c, drivers/cadence_uart.c, drivers/imx_uart.c), chosen by the UART
 * node's `compatible` (docs/boards.md). Core calls only the uart_* functions below; a new
 * board with a new kind of UART is one new driver file and one row in uart.c's table. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>
#include <stdbool.h>

struct fdt;

struct uart_driver {
    const char *name;               /* for the banner: "PL011" */
    const char *const *compatibles; /* NULL-terminated */
    void (*init)(uint64_t base);    /* data path only: the firmware set the line up */
    void (*putc)(char c);
    bool (*try_putc)(char c);
    /* queues c unless the transmit FIFO is full (then false) */ /* waits while the transmit FIFO is full */
    int (*getc)(void);                                           /* a received character, or -1 when none waits */
    void (*rx_irq)(bool on);                                     /* the receive interrupt, raised while data waits */
    void (*rx_irq_start)(void); /* once, at boot: forget stale status, then rx_irq(true) */
};

/* The driver for a node of the host DTB, or NULL when no driver knows its compatible. */
const struct uart_driver *uart_match(const struct fdt *f, int node);
/* A node of the host DTB that some driver knows (after `after`, -1 for the first), or < 0. */
int uart_next_known(const struct fdt *f, int after);

/* Makes d, at base, the console; until then the calls below do nothing. */
void uart_select(const struct uart_driver *d, uint64_t base);
const char *uart_name(void);
void uart_putc(char c);
/* Queues c unless the transmit FIFO is full (then false); true without a console. */
bool uart_try_putc(char c);
int uart_getc(void);
void uart_enable_rx_irq(void);
void uart_rx_irq(bool on);

#endif
