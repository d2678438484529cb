/* The guest's PMUv3 (vdev/vpmu.c, docs/interrupts.md), seen from a guest: advertised in
 * ID_AA64DFR0_EL1 and in its device tree (arm,armv8-pmuv3 on PPI 7 = INTID 23); PMCR_EL0.N
 * counters, those beyond UNDEFINED; the cycle counter and an instructions-retired counter count
 * a loop plausibly; EL1 excluded counts nothing, EL2 cannot be asked for; the counters stop
 * while the vCPU is descheduled (tests/configs/pmu.dts runs it alone on a CPU, "pmu", and twice
 * on one CPU, "pmu-a" and "pmu-b", which time-share it); an overflow raises PPI 23 once, and
 * the interrupt ends when the guest clears the overflow. In a VM whose configuration turns the PMU
 * off (bootargs "no-pmu" beside cpu-features "no-pmu"): PMUVer 0, no node, every PMU register
 * UNDEFINED. */
#include "tests/guests/common/gic.h"
#include "lib/string.h"

#define PMU_INTID 23
/* PMCR_EL0 (Arm ARM D24.6.18). */
#define PMCR_E       (1u << 0)
#define PMCR_P       (1u << 1)
#define PMCR_C       (1u << 2)
#define PMCR_LC      (1u << 6)
#define PMCR_N(pmcr) (((pmcr) >> 11) & 0x1f)
#define CYCLE_BIT    (1u << 31)
/* PMEVTYPER<n>_EL0 (D24.6.12). */
#define TYPE_P   (1u << 31) /* not at EL1 */
#define TYPE_NSH (1u << 27) /* at EL2 */
#define TYPE_M   (1u << 26)
#define TYPE_NSK (1u << 29)
/* Events (D13.11). */
#define EV_INST_RETIRED 0x08
#define EV_CPU_CYCLES   0x11
#define LOOP_INSNS      3 /* subs, cbnz, and the add of the loop below */

static volatile uint32_t pmu_irqs, others;
static volatile uint64_t ovs_at_irq;
static unsigned n_counters;
/* bootargs "pmu-timing": time is instructions (QEMU -icount), so that time away from the CPU
 * is the other VM's, not the host's (tests/configs/pmu-icount.dts). */
static bool timing;

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }

/* 3 instructions an iteration, nothing else. */
static void loop(uint64_t n)
{
    uint64_t x = 0;
    __asm__ volatile("1: add %1, %1, #1\n subs %0, %0, #1\n b.ne 1b" : "+r"(n), "+r"(x));
}

static void on_irq(uint64_t entry_vct)
{
    uint32_t iar = gic_ack(), intid = gic_iar_intid(iar);
    if (intid >= 1020)
        return;
    if (intid == PMU_INTID) {
        pmu_irqs++;
        ovs_at_irq = sysreg_read(pmovsclr_el0);
        sysreg_write(pmovsclr_el0, ovs_at_irq); /* the source goes quiet before the EOI */
        isb();
    } else {
        others++;
    }
    gic_eoi(iar);
}

static bool undefined_read_evcntr(unsigned n)
{
    uint64_t esr = 0;
    fault_expect();
    /* PMEVCNTR<n>_EL0 = S3_3_C14_C(8 + n/8)_(n%8), only the few numbers tried here. */
    switch (n) {
    case 1:
        (void)sysreg_read(s3_3_c14_c8_1);
        break;
    case 2:
        (void)sysreg_read(s3_3_c14_c8_2);
        break;
    case 4:
        (void)sysreg_read(s3_3_c14_c8_4);
        break;
    case 6:
        (void)sysreg_read(s3_3_c14_c8_6);
        break;
    case 8:
        (void)sysreg_read(s3_3_c14_c9_0);
        break;
    default:
        (void)sysreg_read(s3_3_c14_c11_6);
        break; /* 30 */
    }
    return fault_taken(&esr, 0);
}

/* ---- (a) what the guest is told ---- */

static bool test_advertised(void)
{
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    unsigned ver = (dfr0 >> 8) & 0xf;
    check(ver >= 1 && ver <= 6, "pmu_pmuver_advertised", "ID_AA64DFR0_EL1 0x%lx, PMUVer %u", (unsigned long)dfr0, ver);
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,armv8-pmuv3");
    int len = 0;
    const uint32_t *irq = node >= 0 ? fdt_getprop(&guest_fdt, node, "interrupts", &len) : 0;
    bool ppi7 = irq && len == 12 && __builtin_bswap32(irq[0]) == 1 && __builtin_bswap32(irq[1]) == PMU_INTID - 16 &&
                (__builtin_bswap32(irq[2]) & 0xf) == 4;
    check(ppi7, "pmu_dt_node", "node %d, interrupts %d bytes", node, len);
    uint64_t pmcr = sysreg_read(pmcr_el0);
    n_counters = PMCR_N(pmcr);
    check(n_counters >= 2, "pmu_counters", "PMCR_EL0 0x%lx: N = %u", (unsigned long)pmcr, n_counters);
    gprintf("pmu: PMUVer %u, %u event counters, PMCEID0 0x%lx\n", ver, n_counters,
            (unsigned long)sysreg_read(pmceid0_el0));
    /* Beyond N: UNDEFINED; below: a counter. */
    bool below = n_counters >= 2 && !undefined_read_evcntr(1);
    bool beyond = n_counters >= 31 || undefined_read_evcntr(n_counters > 8 ? 30 : n_counters);
    check(below && beyond, "pmu_counter_range", "PMEVCNTR1 accessible %d, PMEVCNTR%u UNDEFINED %d", below, n_counters,
          beyond);
    return ver >= 1 && n_counters >= 2;
}

/* ---- (b) counting ---- */

static void setup_counters(void)
{
    sysreg_write(pmcr_el0, PMCR_P | PMCR_C | PMCR_LC);
    sysreg_write(pmcntenclr_el0, ~0UL);
    sysreg_write(pmintenclr_el1, ~0UL);
    sysreg_write(pmovsclr_el0, ~0UL);
    sysreg_write(pmevtyper0_el0, EV_CPU_CYCLES);
    sysreg_write(pmevtyper1_el0, EV_INST_RETIRED);
    sysreg_write(pmccfiltr_el0, 0);
    sysreg_write(pmevcntr0_el0, 0);
    sysreg_write(pmevcntr1_el0, 0);
    sysreg_write(pmccntr_el0, 0);
    sysreg_write(pmcntenset_el0, CYCLE_BIT | 3);
    isb();
}

static void start(void)
{
    sysreg_write(pmcr_el0, PMCR_E | PMCR_LC | PMCR_P | PMCR_C);
    isb();
}

static void stop(void)
{
    sysreg_write(pmcr_el0, PMCR_LC);
    isb();
}

static void test_counting(void)
{
    const uint64_t iters = 200000;
    setup_counters();
    uint64_t t0 = cntvct();
    start();
    loop(iters);
    stop();
    uint64_t t1 = cntvct();
    uint64_t cyc = sysreg_read(pmccntr_el0), ev_cyc = sysreg_read(pmevcntr0_el0), insns = sysreg_read(pmevcntr1_el0);
    gprintf("pmu: %lu iterations: %lu cycles (event: %lu), %lu instructions, %lu us\n", (unsigned long)iters,
            (unsigned long)cyc, (unsigned long)ev_cyc, (unsigned long)insns, (unsigned long)ticks_to_us(t1 - t0));
    /* Plausible: at least the loop's instructions, at most 8 an executed cycle; at least a
     * cycle per 8 instructions (no CPU retires more); the event counter of cycles agrees with
     * the cycle counter. */
    if (sysreg_read(pmceid0_el0) & (1u << EV_INST_RETIRED))
        check(insns >= LOOP_INSNS * iters && insns <= 8 * cyc + 1000, "pmu_instructions_plausible",
              "%lu for %lu loop instructions, %lu cycles", (unsigned long)insns, (unsigned long)(LOOP_INSNS * iters),
              (unsigned long)cyc);
    else /* QEMU counts instructions only with -icount (tests/system/test_pmu.py runs both) */
        gprintf("pmu: INST_RETIRED not implemented (PMCEID0_EL0)\n");
    check(cyc >= LOOP_INSNS * iters / 8 && cyc > 0, "pmu_cycles_plausible", "%lu", (unsigned long)cyc);
    check(ev_cyc + ev_cyc / 10 + 1000 >= cyc && cyc + cyc / 10 + 1000 >= ev_cyc, "pmu_cycle_event_agrees",
          "PMCCNTR %lu, CPU_CYCLES counter %lu", (unsigned long)cyc, (unsigned long)ev_cyc);
    /* Stopped: no more counting. */
    loop(10000);
    check(sysreg_read(pmccntr_el0) == cyc && sysreg_read(pmevcntr1_el0) == insns, "pmu_stopped_no_count", "%lu -> %lu",
          (unsigned long)cyc, (unsigned long)sysreg_read(pmccntr_el0));
}

/* EL filters: EL1 excluded counts nothing at EL1; NSH (count EL2) cannot be set (the guest
 * sees a CPU without EL2, where it is RES0). Through PMXEVTYPER_EL0 too. */
static void test_filters(void)
{
    setup_counters();
    sysreg_write(pmevtyper1_el0, EV_INST_RETIRED | TYPE_P);
    sysreg_write(pmccfiltr_el0, TYPE_P);
    start();
    loop(100000);
    stop();
    uint64_t insns = sysreg_read(pmevcntr1_el0), cyc = sysreg_read(pmccntr_el0);
    check(insns == 0 && cyc == 0, "pmu_exclude_el1", "%lu instructions, %lu cycles counted at EL1",
          (unsigned long)insns, (unsigned long)cyc);
    sysreg_write(pmevtyper1_el0, EV_INST_RETIRED | TYPE_NSH | TYPE_NSK | TYPE_M);
    sysreg_write(pmccfiltr_el0, TYPE_NSH);
    sysreg_write(pmselr_el0, 0);
    isb();
    sysreg_write(pmxevtyper_el0, EV_CPU_CYCLES | TYPE_NSH);
    uint64_t t1 = sysreg_read(pmevtyper1_el0), cf = sysreg_read(pmccfiltr_el0), t0 = sysreg_read(pmxevtyper_el0);
    check(t1 == EV_INST_RETIRED && cf == 0 && t0 == EV_CPU_CYCLES, "pmu_no_el2_filter",
          "PMEVTYPER1 0x%lx, PMCCFILTR 0x%lx, PMEVTYPER0 0x%lx", (unsigned long)t1, (unsigned long)cf,
          (unsigned long)t0);
    /* PMXEVCNTR_EL0 reaches the selected counter. */
    sysreg_write(pmselr_el0, 1);
    isb();
    sysreg_write(pmxevcntr_el0, 12345);
    check(sysreg_read(pmevcntr1_el0) == 12345, "pmu_xevcntr", "0x%lx", (unsigned long)sysreg_read(pmevcntr1_el0));
}

/* ---- (c) only while running ---- */

/* Spins us microseconds with the counters on, reading the virtual counter: a step of more than
 * a quarter millisecond is time the vCPU did not run. Returns the cycles counted; *ran and
 * *away are the ticks run and not. */
static uint64_t spin_counted(uint64_t us, uint64_t *ran, uint64_t *away)
{
    uint64_t gap = us_to_ticks(250);
    setup_counters();
    *ran = *away = 0;
    uint64_t prev = cntvct(), end = prev + us_to_ticks(us);
    start();
    while (prev < end) {
        loop(20);
        uint64_t now = cntvct();
        if (now - prev > gap)
            *away += now - prev;
        else
            *ran += now - prev;
        prev = now;
    }
    stop();
    return sysreg_read(pmccntr_el0);
}

static void test_only_while_running(void)
{
    /* The rate, cycles per 1024 ticks, over short spins (shorter than a time slice): the
     * lowest of those not interrupted. */
    uint64_t ran, away, rate = ~0UL;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t c = spin_counted(300, &ran, &away);
        if (!away && ran && c * 1024 / ran < rate)
            rate = c * 1024 / ran;
    }
    uint64_t cyc = spin_counted(200000, &ran, &away);
    gprintf("pmu: 200 ms spin: ran %lu us, away %lu us, %lu cycles (%lu per 1024 ticks running)\n",
            (unsigned long)ticks_to_us(ran), (unsigned long)ticks_to_us(away), (unsigned long)cyc, (unsigned long)rate);
    if (rate == ~0UL) {
        check(false, "pmu_rate", "every short spin was interrupted");
        return;
    }
    /* It counts while the vCPU runs: at least 80% of the running time's cycles. */
    uint64_t expect = rate * ran / 1024;
    check(cyc >= expect - expect / 5, "pmu_counts_while_running", "%lu cycles, %lu expected from %lu us run",
          (unsigned long)cyc, (unsigned long)expect, (unsigned long)ticks_to_us(ran));
    /* And not while it is away: where the vCPU was away long enough to tell (tests/configs/pmu.dts
     * has two VMs time-share a CPU for that), at most the running time's cycles and half of the
     * time away's (which all of it would add if counted). */
    if (!timing || away < ran / 2) {
        gprintf("pmu: %s\n",
                timing ? "not descheduled enough to tell" : "time away not judged (bootargs: no pmu-timing)");
        return;
    }
    uint64_t bound = (ran + away / 2) * rate / 1024;
    check(cyc <= bound, "pmu_not_counted_away", "%lu cycles, at most %lu: %lu us run, %lu us away", (unsigned long)cyc,
          (unsigned long)bound, (unsigned long)ticks_to_us(ran), (unsigned long)ticks_to_us(away));
}

/* ---- (d) the overflow interrupt ---- */

static bool wait_irqs(uint32_t n, uint64_t us)
{
    uint64_t end = cntvct() + us_to_ticks(us);
    while (pmu_irqs < n && cntvct() < end)
        ;
    return pmu_irqs >= n;
}

static void test_overflow(void)
{
    setup_counters();
    /* Event counter 0 (cycles) 20000 below its 32-bit overflow, its interrupt enabled. */
    sysreg_write(pmevcntr0_el0, 0xffffffffUL - 20000);
    sysreg_write(pmcntenclr_el0, CYCLE_BIT | 2);
    sysreg_write(pmintenset_el1, 1);
    sysreg_write(pmcr_el0, PMCR_E | PMCR_LC);
    isb();
    irq_unmask();
    bool got = wait_irqs(1, 2000000);
    udelay(20000); /* once: cleared in the handler, it does not come back */
    irq_mask();
    check(got && pmu_irqs == 1 && (ovs_at_irq & 1), "pmu_overflow_irq", "%u interrupts, PMOVS 0x%lx", pmu_irqs,
          (unsigned long)ovs_at_irq);
    check((sysreg_read(pmovsset_el0) & 1) == 0, "pmu_overflow_cleared", "PMOVSSET 0x%lx",
          (unsigned long)sysreg_read(pmovsset_el0));

    /* The cycle counter (LC = 0: overflows at 32 bits), set pending with interrupts masked: taken
     * when unmasked. */
    stop();
    sysreg_write(pmintenclr_el1, ~0UL);
    sysreg_write(pmcntenclr_el0, ~0UL);
    sysreg_write(pmccntr_el0, 0xffffffffUL - 20000);
    sysreg_write(pmcntenset_el0, CYCLE_BIT);
    sysreg_write(pmintenset_el1, CYCLE_BIT);
    sysreg_write(pmcr_el0, PMCR_E);
    isb();
    uint64_t end = cntvct() + us_to_ticks(2000000);
    while (!(sysreg_read(pmovsset_el0) & CYCLE_BIT) && cntvct() < end)
        ;
    bool flagged = sysreg_read(pmovsset_el0) & CYCLE_BIT;
    udelay(2000);
    bool pending = gic_is_pending(PMU_INTID);
    irq_unmask();
    got = wait_irqs(2, 1000000);
    udelay(20000);
    irq_mask();
    check(flagged && pending && got && pmu_irqs == 2 && (ovs_at_irq & CYCLE_BIT), "pmu_cycle_overflow_irq",
          "flagged %d, pending %d, %u interrupts, PMOVS 0x%lx", flagged, pending, pmu_irqs, (unsigned long)ovs_at_irq);

    /* Disabling the interrupt withdraws it: flagged, not enabled, not pending. */
    stop();
    sysreg_write(pmintenclr_el1, ~0UL);
    sysreg_write(pmovsset_el0, CYCLE_BIT);
    sysreg_write(pmcr_el0, PMCR_E);
    isb();
    udelay(2000);
    bool quiet = !gic_is_pending(PMU_INTID);
    sysreg_write(pmintenset_el1, CYCLE_BIT); /* and enabling it raises it */
    isb();
    udelay(2000);
    bool raised = gic_is_pending(PMU_INTID);
    sysreg_write(pmovsclr_el0, ~0UL);
    isb();
    udelay(2000);
    bool lowered = !gic_is_pending(PMU_INTID);
    check(quiet && raised && lowered && pmu_irqs == 2, "pmu_irq_follows_flags", "quiet %d raised %d lowered %d, %u",
          quiet, raised, lowered, pmu_irqs);
    stop();
    sysreg_write(pmintenclr_el1, ~0UL);
    sysreg_write(pmcntenclr_el0, ~0UL);
}

/* ---- (e) a VM whose configuration turns the PMU off (cpu-features "no-pmu", bootargs "no-pmu") ---- */

/* The read or write of one PMU register, by number: whether it was UNDEFINED (EC 0). */
static bool undefined_access(unsigned which)
{
    uint64_t esr = 0;
    fault_expect();
    switch (which) {
    case 0:
        (void)sysreg_read(pmcr_el0);
        break;
    case 1:
        sysreg_write(pmcr_el0, PMCR_E);
        break;
    case 2:
        (void)sysreg_read(pmccntr_el0);
        break;
    case 3:
        sysreg_write(pmcntenset_el0, CYCLE_BIT);
        break;
    case 4:
        (void)sysreg_read(pmuserenr_el0);
        break;
    case 5:
        (void)sysreg_read(pmccfiltr_el0);
        break;
    default:
        (void)sysreg_read(s3_3_c14_c8_0); /* PMEVCNTR0_EL0 */
        break;
    }
    return fault_taken(&esr, 0) && (esr >> 26) == 0;
}

static void test_turned_off(void)
{
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    check(((dfr0 >> 8) & 0xf) == 0, "pmu_off_pmuver", "ID_AA64DFR0_EL1 0x%lx", (unsigned long)dfr0);
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,armv8-pmuv3");
    check(node < 0, "pmu_off_no_dt_node", "arm,armv8-pmuv3 node at %d", node);
    unsigned undefs = 0;
    for (unsigned i = 0; i < 7; i++)
        undefs += undefined_access(i);
    check(undefs == 7, "pmu_off_undefined", "%u of 7 PMU accesses UNDEFINED", undefs);
}

int guest_main(void)
{
    if (gic_probe() < 0) {
        check(false, "gic_found", "no GIC in the device tree");
        return guest_failures;
    }
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    if (args && strcmp(args, "no-pmu") == 0) {
        test_turned_off();
        return guest_failures;
    }
    /* The first access: UNDEFINED without a PMU. */
    uint64_t esr = 0;
    fault_expect();
    (void)sysreg_read(pmcr_el0);
    bool undef = fault_taken(&esr, 0);
    check(!undef, "pmu_accessible", "PMCR_EL0 UNDEFINED (ESR 0x%lx)", (unsigned long)esr);
    if (undef || !test_advertised())
        return guest_failures;
    timing = args && strcmp(args, "pmu-timing") == 0;
    guest_set_irq_hook(on_irq);
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(PMU_INTID, 0x40);
    gic_enable(PMU_INTID);
    test_counting();
    test_filters();
    test_only_while_running();
    test_overflow();
    check(others == 0, "pmu_no_other_interrupts", "%u", others);
    return guest_failures;
}
