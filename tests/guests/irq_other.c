/* Beside irq_gic and irq_pt: sprays SGIs at every target it can name and tries to enable,
 * route and trigger the SPI that irq_pt owns; it must only ever reach its own vGIC. */
#include "tests/guests/common/gic.h"

#define SGI_MINE    14
#define SGI_FOREIGN 15 /* what irq_gic sprays */
#define PT_SPI      40 /* irq_pt's passthrough UART */

static volatile uint32_t seen[1024];

static void on_irq(uint64_t entry)
{
    uint32_t iar = gic_ack(), intid = gic_iar_intid(iar);
    if (intid >= 1020)
        return;
    seen[intid]++;
    gic_eoi(iar);
}

int guest_main(void)
{
    if (gic_probe() < 0) {
        check(false, "gic_found", "no GIC");
        return guest_failures;
    }
    guest_set_irq_hook(on_irq);
    gic_dist_init();
    gic_cpu_init();
    for (uint32_t i = 0; i < 16; i++) {
        gic_set_prio(i, 0x80);
        gic_enable(i);
    }
    irq_unmask();
    gic_sgi(SGI_MINE, 1);
    udelay(5000);
    check(seen[SGI_MINE] == 1, "other_own_sgi", "own SGI taken %u times", seen[SGI_MINE]);
    /* The SPI the other VM owns is, here, only a virtual interrupt of this VM's own. */
    gic_set_prio(PT_SPI, 0x80);
    gic_route(PT_SPI, 0);
    gic_enable(PT_SPI);
    /* Long enough to overlap the other VMs' whole runs (this VM is created first). */
    uint64_t end = cntvct() + us_to_ticks(3000000);
    unsigned sprays = 0;
    while (cntvct() < end) {
        gic_pend(PT_SPI);
        gic_sgi(SGI_MINE, 0xfffe); /* every vCPU but itself: none exist */
        gic_sgi_others(SGI_MINE);
        if (gic.version == 3)
            for (uint64_t rs = 1; rs < 16; rs++)
                sysreg_write(icc_sgi1r_el1, (uint64_t)SGI_MINE << 24 | rs << 44 | 0xffff);
        sprays++;
        sleep_us(1000);
    }
    sleep_us(5000);
    irq_mask();
    check(seen[SGI_MINE] == 1, "other_sgi_spray_goes_nowhere", "own SGI taken %u times", seen[SGI_MINE]);
    check(seen[PT_SPI] == sprays, "other_spi_stays_virtual", "%u of %u", seen[PT_SPI], sprays);
    check(seen[SGI_FOREIGN] == 0, "other_no_foreign_sgi", "%u", seen[SGI_FOREIGN]);
    return guest_failures;
}
