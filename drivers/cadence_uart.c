/* Cadence UART (Zynq UltraScale+ MPSoC TRM UG1085, chapter 21 and its register reference;
 * Linux binding cdns,uart.yaml) as the hypervisor's console: the UART of Xilinx ZynqMP and
 * Zynq-7000. */
#include "drivers/uart.h"

#define CR        0x00 /* control */
#define IER       0x08 /* interrupt enable (write 1 to enable) */
#define IDR       0x0c /* interrupt disable (write 1 to disable) */
#define ISR       0x14 /* channel interrupt status, sticky: write 1 to clear */
#define RXWM      0x20 /* receiver FIFO trigger level */
#define SR        0x2c /* channel status */
#define FIFO      0x30 /* transmit and receive FIFO */
#define CR_RXEN   (1u << 2)
#define CR_RXDIS  (1u << 3)
#define CR_TXEN   (1u << 4)
#define CR_TXDIS  (1u << 5)
#define SR_RXEMPT (1u << 1)
#define SR_TXFULL (1u << 4)
#define INT_RTRIG (1u << 0) /* receive FIFO at or above RXWM */
#define INT_TOUT  (1u << 8) /* receiver timeout */

static volatile uint8_t *base_va;

static inline uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(base_va + off); }
static inline void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(base_va + off) = v; }

/* Baud rate and framing are the firmware's; the transmitter and receiver are turned on in
 * case nothing did (QEMU's -kernel boot leaves them disabled, as the UART resets). */
static void cdns_init(uint64_t base)
{
    base_va = (volatile uint8_t *)(uintptr_t)base;
    wr(CR, (rd(CR) & ~(CR_RXDIS | CR_TXDIS)) | CR_RXEN | CR_TXEN);
}

static void cdns_putc(char c)
{
    while (rd(SR) & SR_TXFULL)
        ;
    wr(FIFO, (uint8_t)c);
}

static bool cdns_try_putc(char c)
{
    if (rd(SR) & SR_TXFULL)
        return false;
    wr(FIFO, (uint8_t)c);
    return true;
}

/* ISR bits are sticky events, not levels: clearing them before looking at the FIFO means a
 * character that arrives after the look sets them again and raises a new interrupt, and none
 * is lost between the two. */
static int cdns_getc(void)
{
    wr(ISR, INT_RTRIG | INT_TOUT);
    if (rd(SR) & SR_RXEMPT)
        return -1;
    return (int)(rd(FIFO) & 0xff);
}

static void cdns_rx_irq(bool on) { wr(on ? IER : IDR, INT_RTRIG | INT_TOUT); }

static void cdns_rx_irq_start(void)
{
    wr(RXWM, 1); /* one character is enough to announce input */
    wr(ISR, INT_RTRIG | INT_TOUT);
    cdns_rx_irq(true);
}

static const char *const cdns_compat[] = { "cdns,uart-r1p12", "cdns,uart-r1p8", "xlnx,zynqmp-uart", "xlnx,xuartps", 0 };

const struct uart_driver cadence_uart = {
    .name = "Cadence UART",
    .compatibles = cdns_compat,
    .init = cdns_init,
    .putc = cdns_putc,
    .try_putc = cdns_try_putc,
    .getc = cdns_getc,
    .rx_irq = cdns_rx_irq,
    .rx_irq_start = cdns_rx_irq_start,
};
