/* The i.MX UART (i.MX 8M Plus Applications Processor Reference Manual, IMX8MPRM, chapter
 * "Universal Asynchronous Receiver/Transmitter (UART)"; Linux binding fsl-imx-uart.yaml) as the
 * hypervisor's console: the UART of NXP's i.MX 6, 7 and 8M SoCs. */
#include "drivers/uart.h"

#define URXD         0x00 /* receiver register: one character per read */
#define UTXD         0x40 /* transmitter register */
#define UCR1         0x80 /* control 1 */
#define UCR2         0x84 /* control 2 */
#define UCR4         0x8c /* control 4 */
#define USR2         0x98 /* status 2 */
#define UTS          0xb4 /* test: FIFO levels */
#define URXD_CHARRDY (1u << 15)
#define UCR1_UARTEN  (1u << 0)
#define UCR2_SRST    (1u << 0) /* active low: 1 leaves the UART out of reset */
#define UCR2_RXEN    (1u << 1)
#define UCR2_TXEN    (1u << 2)
#define UCR4_DREN    (1u << 0) /* interrupt while USR2.RDR */
#define USR2_RDR     (1u << 0) /* at least one character in the receive FIFO */
#define UTS_TXFULL   (1u << 4)

static volatile uint8_t *base_va;

static inline uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(base_va + off); }
static inline void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(base_va + off) = v; }

/* Baud rate, framing and flow control are the firmware's; the UART, its transmitter and its
 * receiver are turned on in case nothing did (they reset off, and QEMU's -kernel boot has no
 * firmware). */
static void imx_init(uint64_t base)
{
    base_va = (volatile uint8_t *)(uintptr_t)base;
    wr(UCR1, rd(UCR1) | UCR1_UARTEN);
    wr(UCR2, rd(UCR2) | UCR2_SRST | UCR2_RXEN | UCR2_TXEN);
}

static void imx_putc(char c)
{
    while (rd(UTS) & UTS_TXFULL)
        ;
    wr(UTXD, (uint8_t)c);
}

static bool imx_try_putc(char c)
{
    if (rd(UTS) & UTS_TXFULL)
        return false;
    wr(UTXD, (uint8_t)c);
    return true;
}

static int imx_getc(void)
{
    if (!(rd(USR2) & USR2_RDR))
        return -1;
    uint32_t v = rd(URXD);
    return (v & URXD_CHARRDY) ? (int)(v & 0xff) : -1;
}

/* RDR is a level, not an event: the interrupt stays raised while a character waits. */
static void imx_rx_irq(bool on)
{
    uint32_t v = rd(UCR4);
    wr(UCR4, on ? v | UCR4_DREN : v & ~UCR4_DREN);
}

static void imx_rx_irq_start(void) { imx_rx_irq(true); }

static const char *const imx_compat[] = { "fsl,imx21-uart", "fsl,imx6q-uart", "fsl,imx8mp-uart", "fsl,imx8mq-uart", 0 };

const struct uart_driver imx_uart = {
    .name = "i.MX UART",
    .compatibles = imx_compat,
    .init = imx_init,
    .putc = imx_putc,
    .try_putc = imx_try_putc,
    .getc = imx_getc,
    .rx_irq = imx_rx_irq,
    .rx_irq_start = imx_rx_irq_start,
};
