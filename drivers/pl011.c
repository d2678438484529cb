#include "drivers/pl011.h"

#define UARTDR   0x000
#define UARTFR   0x018
#define UARTIMSC 0x038
#define UARTICR  0x044
#define FR_TXFF  (1u << 5) /* transmit FIFO full */
#define FR_RXFE  (1u << 4) /* receive FIFO empty */
#define INT_RX   (1u << 4)
#define INT_RT   (1u << 6)

static volatile uint8_t *pl011_base;

static inline uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(pl011_base + off); }
static inline void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(pl011_base + off) = v; }

/* The firmware (or QEMU) has already configured baud rate and line control; we only use the
 * data path, as Linux's earlycon does. */
void pl011_init(uint64_t base) { pl011_base = (volatile uint8_t *)(uintptr_t)base; }

bool pl011_present(void) { return pl011_base != 0; }

void pl011_putc(char c)
{
    if (!pl011_base)
        return;
    while (rd(UARTFR) & FR_TXFF)
        ;
    wr(UARTDR, (uint8_t)c);
}

bool pl011_try_putc(char c)
{
    if (!pl011_base)
        return true; /* no UART: the byte is gone either way */
    if (rd(UARTFR) & FR_TXFF)
        return false;
    wr(UARTDR, (uint8_t)c);
    return true;
}

int pl011_getc(void)
{
    if (!pl011_base || (rd(UARTFR) & FR_RXFE))
        return -1;
    return (int)(rd(UARTDR) & 0xff);
}

void pl011_enable_rx_irq(void)
{
    if (pl011_base)
        wr(UARTICR, INT_RX | INT_RT); /* at boot: nothing received yet is announced */
    pl011_rx_irq(true);
}

/* UARTIMSC (DDI 0183 3.3.10): RXIM and RTIM raise the interrupt while data waits. The raw
 * status is left alone: clearing RXRIS while the FIFO holds data would lose the only edge
 * that announces it (a full FIFO receives nothing more to raise it again). */
void pl011_rx_irq(bool on)
{
    if (!pl011_base)
        return;
    wr(UARTIMSC, on ? INT_RX | INT_RT : 0);
}
