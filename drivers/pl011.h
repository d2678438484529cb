/* Physical PL011 UART owned by the hypervisor (Arm PrimeCell UART PL011 TRM, DDI 0183). */
#ifndef DRIVERS_PL011_H
#define DRIVERS_PL011_H

#include <stdint.h>
#include <stdbool.h>

void pl011_init(uint64_t base);
/* Waits while the transmit FIFO is full. */
void pl011_putc(char c);
/* Queues c unless the transmit FIFO is full (then false). */
bool pl011_try_putc(char c);
/* Returns a received character, or -1 when the receive FIFO is empty. */
int pl011_getc(void);
bool pl011_present(void);
void pl011_enable_rx_irq(void);
void pl011_rx_irq(bool on);

#endif
