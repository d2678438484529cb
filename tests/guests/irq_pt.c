/* A passthrough level-triggered SPI: QEMU virt's second PL011 (UART1) with its SPI. The guest
 * raises the line itself (UARTIMSC.TXIM with the TX interrupt set), and the interrupt must be
 * taken again after each EOI until the device line is cleared: the physical interrupt is only
 * deactivated by the guest's EOI, through the list register's HW bit. */
#include "tests/guests/common/gic.h"

#define UART_DR   0x000
#define UART_CR   0x030
#define UART_IMSC 0x038
#define UART_MIS  0x040
#define UART_ICR  0x044
#define INT_TX    (1u << 5)

static uintptr_t uart1;
static uint32_t spi;
static volatile uint32_t taken, mis_seen;

static void on_irq(uint64_t entry)
{
    uint32_t iar = gic_ack(), intid = gic_iar_intid(iar);
    if (intid >= 1020)
        return;
    if (intid == spi) {
        taken++;
        mis_seen |= mmio_rd(uart1 + UART_MIS);
        if (taken >= 3) { /* clear the source, then EOI */
            mmio_wr(uart1 + UART_IMSC, 0);
            mmio_wr(uart1 + UART_ICR, INT_TX);
        }
    }
    gic_eoi(iar);
}

int guest_main(void)
{
    if (gic_probe() < 0) {
        check(false, "gic_found", "no GIC");
        return guest_failures;
    }
    /* The passthrough device appears at its physical address (tests/configs/irq.dts); the
     * generated device tree describes only emulated devices. */
    uart1 = 0x09040000;
    spi = 40;
    guest_set_irq_hook(on_irq);
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(spi, 0x80);
    gic_route(spi, 0);
    /* Level-sensitive: GICD_ICFGR bit [2n+1] = 0 (the reset value). */
    check(((mmio_rd(gic.d + GICD_ICFGR + 4 * (spi / 16)) >> (2 * (spi % 16) + 1)) & 1) == 0, "pt_spi_level",
          "configured edge");
    gic_enable(spi);
    mmio_wr(uart1 + UART_CR, 0x301); /* UARTEN, TXE, RXE */
    mmio_wr(uart1 + UART_ICR, 0x7ff);
    mmio_wr(uart1 + UART_IMSC, INT_TX);
    irq_unmask();
    mmio_wr(uart1 + UART_DR, '.'); /* transmitted at once: TX interrupt raised */
    uint64_t end = cntvct() + us_to_ticks(2000000);
    while (taken < 3 && cntvct() < end)
        ;
    sleep_us(100000); /* and nothing after the line is cleared */
    irq_mask();
    check(taken == 3, "pt_level_spi_until_cleared", "taken %u times (want 3)", taken);
    check(mis_seen & INT_TX, "pt_device_raised_it", "UARTMIS 0x%x", mis_seen);
    /* Still quiet while the other VM pends and enables its own INTID 40 (for 3 s from its start). */
    sleep_us(2000000);
    check(taken == 3, "pt_untouched_by_other_vm", "taken %u times", taken);
    return guest_failures;
}
