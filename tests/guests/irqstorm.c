/* Two roles, chosen by the number of CPUs in its device tree (tests/configs/kick.dts):
 *  - storm (2 vCPUs): vCPU1, placed on a CPU it shares with another VM, stays off (never
 *    started: the deepest sleep, and a deterministic one); vCPU0, on a CPU of its own, makes
 *    an SPI routed to vCPU1 pending and clears it again, as fast as it can, forever: each set
 *    is news for vCPU1 (a kick), the clear lets the next one be news too.
 *  - neighbour (1 vCPU): spins on the shared CPU and reports how many IRQ exits it took per
 *    second (ELVISOR_EXIT_COUNTERS): the storm must not force exits on it (issue 13 item 8). */
#include "tests/guests/common/gic.h"

#define ELVISOR_EXIT_COUNT 0xc6000001u
#define EXITC_IRQ          7 /* enum exit_class in core/vm.h */
#define STORM_SPI          40
/* The neighbour's budget: slice-end ticks and its own timer only (10 ms slices: 100/s). */
#define MAX_IRQ_EXITS_PER_S 400

static unsigned nr_cpus(void)
{
    int cpus = fdt_path_offset(&guest_fdt, "/cpus"), n = 0;
    for (int node = fdt_first_subnode(&guest_fdt, cpus); node >= 0; node = fdt_next_subnode(&guest_fdt, node))
        n++;
    return (unsigned)n;
}

static __attribute__((noreturn)) int storm(void)
{
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(STORM_SPI, 0x80);
    gic_route(STORM_SPI, 1);
    gic_enable(STORM_SPI);
    for (uint64_t n = 1;; n++) {
        gic_bit(GICD_ISPENDR, STORM_SPI);
        gic_bit(GICD_ICPENDR, STORM_SPI);
        if (n % 100000 == 0)
            gprintf("irqstorm: %lu interrupts raised\n", (unsigned long)n);
    }
}

static int neighbour(void)
{
    udelay(500000); /* the storm is under way */
    uint64_t t0 = cntvct(), e0 = hvc_call(ELVISOR_EXIT_COUNT, EXITC_IRQ, 0, 0);
    udelay(2000000);
    uint64_t us = ticks_to_us(cntvct() - t0), e = hvc_call(ELVISOR_EXIT_COUNT, EXITC_IRQ, 0, 0) - e0;
    uint64_t per_s = e * 1000000 / (us ? us : 1);
    gprintf("neighbour: %lu IRQ exits in %lu ms: %lu/s\n", (unsigned long)e, (unsigned long)(us / 1000),
            (unsigned long)per_s);
    check(per_s <= MAX_IRQ_EXITS_PER_S, "neighbour_not_kicked", "%lu IRQ exits/s (at most %u)", (unsigned long)per_s,
          MAX_IRQ_EXITS_PER_S);
    return guest_failures;
}

int guest_main(void)
{
    if (gic_probe() < 0) {
        check(false, "gic_probe", "no GIC in the device tree");
        return guest_failures;
    }
    return nr_cpus() > 1 ? storm() : neighbour();
}
