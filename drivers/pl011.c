/* Arm PrimeCell UART PL011 (TRM DDI 0183) as the hypervisor's console. */
#include "drivers/uart.h"
#include "drivers/pl011_regs.h"

static volatile uint8_t *pl011_base;

static inline uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(pl011_base + off); }
static inline void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(pl011_base + off) = v; }

/* The firmware (or QEMU) has already configured baud rate and line control; we only use the
 * data path, as Linux's earlycon does. */
static void pl011_init(uint64_t base) { pl011_base = (volatile uint8_t *)(uintptr_t)base; }

static void pl011_putc(char c)
{
    while (rd(UARTFR) & FR_TXFF)
        ;
    wr(UARTDR, (uint8_t)c);
}

static bool pl011_try_putc(char c)
{
    if (rd(UARTFR) & FR_TXFF)
        return false;
    wr(UARTDR, (uint8_t)c);
    return true;
}

static int pl011_getc(void)
{
    if (rd(UARTFR) & FR_RXFE)
        return -1;
    return (int)(rd(UARTDR) & 0xff);
}

/* UARTIMSC (DDI 0183 3.3.10): RXIM and RTIM raise the interrupt while data waits. The raw
 * status is left alone: clearing RXRIS while the FIFO holds data would lose the only edge
 * that announces it (a full FIFO receives nothing more to raise it again). */
static void pl011_rx_irq(bool on) { wr(UARTIMSC, on ? INT_RX | INT_RT : 0); }

static void pl011_rx_irq_start(void)
{
    wr(UARTICR, INT_RX | INT_RT); /* at boot: nothing received yet is announced */
    pl011_rx_irq(true);
}

static const char *const pl011_compat[] = { "arm,pl011", 0 };

const struct uart_driver pl011_uart = {
    .name = "PL011",
    .compatibles = pl011_compat,
    .init = pl011_init,
    .putc = pl011_putc,
    .try_putc = pl011_try_putc,
    .getc = pl011_getc,
    .rx_irq = pl011_rx_irq,
    .rx_irq_start = pl011_rx_irq_start,
};
