/* The EL1 physical timer (CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTP_TVAL_EL0; PPI 14 = INTID 30), seen
 * from a guest (vdev/vptimer.c, docs/interrupts.md): its registers read back as written, TVAL
 * counts down, ISTATUS after the deadline; its interrupt on time while the vCPU spins with
 * interrupts enabled and while it sleeps in WFI; masking, disabling or moving the deadline
 * withdraws it. tests/configs/ptimer.dts runs it twice: "ptimer" alone on its CPU (WFI is not
 * trapped there) and "ptimer-shared", whose two vCPUs share one CPU (vCPU 1 spins), so that
 * vCPU 0 waits descheduled in WFI and is descheduled by time slicing while it spins; that one
 * then resets its VM with both vCPUs' timers armed, and each boot checks it starts clean. */
#include "tests/guests/common/gic.h"

#define PSCI_CPU_ON        0xc4000003u
#define PSCI_CPU_OFF       0x84000002u
#define PSCI_SYSTEM_RESET  0x84000009u
#define ELVISOR_EXIT_COUNT 0xc6000001u
#define EXITC_WFI          2
#define PTIMER_INTID       30
/* CNTP_CTL_EL0 (Arm ARM D24.10): ENABLE [0], IMASK [1], ISTATUS [2]. */
#define CTL_ENABLE  1u
#define CTL_IMASK   2u
#define CTL_ISTATUS 4u
/* Interrupt after its deadline, at most: as tests/guests/irq_gic.c (a busy host can hold back
 * QEMU by milliseconds), and more than a time slice (2 ms) for a descheduled vCPU. */
#define SLACK_US 50000
/* A descheduled vCPU waits for its CPU as well: QEMU runs each vCPU in a host thread, and on a
 * host with more runnable threads than cores that thread can be held back for tens of ms, by
 * the host, between two of elvisor's 2 ms slices (seen: 68 ms with two cores busy). A lost
 * wake-up still fails, after WAIT_US. */
#define DESCHEDULED_SLACK_US 250000
#define WAIT_US              2000000

extern char guest_secondary_entry[];

static volatile uint32_t seen, others;
static volatile uint64_t entry_pct; /* physical counter when the last timer interrupt was taken */
static uint64_t voff;               /* CNTPCT - CNTVCT, at most (a lower bound of CNTVOFF) */
static bool shared;
/* vCPU 1 of the shared VM. */
static volatile uint64_t spin_count;
static volatile bool vcpu1_ready, vcpu1_clean, vcpu1_arm, vcpu1_armed;

static inline uint64_t cntpct(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v));
    return v;
}
static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static void ctl_w(uint64_t v)
{
    sysreg_write(cntp_ctl_el0, v);
    isb();
}
static void cval_w(uint64_t v)
{
    sysreg_write(cntp_cval_el0, v);
    isb();
}
static void tval_w(uint64_t v)
{
    sysreg_write(cntp_tval_el0, v);
    isb();
}
static uint64_t ctl_r(void) { return sysreg_read(cntp_ctl_el0); }
static uint64_t cval_r(void) { return sysreg_read(cntp_cval_el0); }
static int32_t tval_r(void) { return (int32_t)sysreg_read(cntp_tval_el0); }

static uint64_t exit_count(unsigned cls) { return hvc_call(ELVISOR_EXIT_COUNT, cls, 0, 0); }

static void on_irq(uint64_t entry_vct)
{
    uint32_t iar = gic_ack(), intid = gic_iar_intid(iar);
    if (intid >= 1020)
        return;
    if (intid == PTIMER_INTID) {
        entry_pct = entry_vct + voff;
        seen++;
        ctl_w(0); /* the source goes quiet before the EOI */
    } else {
        others++;
    }
    gic_eoi(iar);
}

/* The timer enabled, unmasked, due us microseconds from now; returns the deadline. */
static uint64_t arm_in(uint64_t us)
{
    uint64_t cval = cntpct() + us_to_ticks(us);
    cval_w(cval);
    ctl_w(CTL_ENABLE);
    return cval;
}

/* Checks the interrupt number n + 1 was taken for deadline cval, not early and within the
 * slack; returns how late, in microseconds. */
static uint64_t check_on_time(bool got, uint64_t cval, const char *name)
{
    uint64_t late = got && entry_pct >= cval ? ticks_to_us(entry_pct - cval) : ~0UL;
    check(got && entry_pct >= cval && late < SLACK_US, name, "taken %d, %ld us after the deadline", got,
          got ? (long)ticks_to_us(entry_pct - cval) : 0L);
    return late;
}

/* CNTVOFF as CNTPCT - CNTVCT, bounded from a few reads: in [*lo, *hi] (a vCPU descheduled
 * between two reads widens one interval; the tightest bounds are kept). */
static void voff_bounds(uint64_t *lo, uint64_t *hi)
{
    *lo = 0;
    *hi = ~0UL;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t v1 = cntvct(), p = cntpct(), v2 = cntvct();
        *lo = p - v2 > *lo ? p - v2 : *lo;
        *hi = p - v1 < *hi ? p - v1 : *hi;
    }
}

/* ---- (a) the registers ---- */

static void test_registers(void)
{
    /* The physical counter is not trapped, and is the virtual one plus a fixed offset: every
     * interval found holds one value. Interrupt entry times are taken as the virtual counter
     * plus the lower bound, never later than the truth. */
    uint64_t lo1, hi1, lo2, hi2;
    voff_bounds(&lo1, &hi1);
    udelay(1000);
    voff_bounds(&lo2, &hi2);
    voff = lo1 > lo2 ? lo1 : lo2;
    check(lo1 <= hi2 && lo2 <= hi1 && lo1 <= hi1 && lo2 <= hi2, "ptimer_counters_consistent",
          "offset in [%lu, %lu] then [%lu, %lu]", (unsigned long)lo1, (unsigned long)hi1, (unsigned long)lo2,
          (unsigned long)hi2);

    cval_w(0x0123456789abcdefUL);
    check(cval_r() == 0x0123456789abcdefUL, "ptimer_cval_readback", "0x%lx", (unsigned long)cval_r());
    cval_w(cntpct() + us_to_ticks(10000000));
    ctl_w(CTL_ENABLE | CTL_IMASK);
    uint64_t c1 = ctl_r();
    ctl_w(~0UL); /* only ENABLE and IMASK are writable */
    uint64_t c2 = ctl_r();
    check(c1 == (CTL_ENABLE | CTL_IMASK) && c2 == (CTL_ENABLE | CTL_IMASK), "ptimer_ctl_readback",
          "0x%lx, 0x%lx after writing ones", (unsigned long)c1, (unsigned long)c2);

    /* TVAL: a write sets CVAL = CNTPCT + TVAL; a read counts down. */
    uint64_t t = us_to_ticks(100000);
    uint64_t before = cntpct();
    tval_w(t);
    uint64_t after = cntpct(), cval = cval_r();
    check(cval >= before + t && cval <= after + t, "ptimer_tval_write_sets_cval", "CVAL %lu, CNTPCT %lu..%lu + %lu",
          (unsigned long)cval, (unsigned long)before, (unsigned long)after, (unsigned long)t);
    int32_t r1 = tval_r();
    udelay(1000);
    int32_t r2 = tval_r();
    check(r1 > 0 && (uint64_t)r1 <= t && r2 < r1 && (uint64_t)(r1 - r2) >= us_to_ticks(1000), "ptimer_tval_counts_down",
          "%d then %d", r1, r2);
    check(!(ctl_r() & CTL_ISTATUS), "ptimer_no_istatus_before_deadline", "CTL 0x%lx", (unsigned long)ctl_r());

    /* After the deadline: ISTATUS (masked or not), TVAL negative. */
    tval_w(us_to_ticks(500));
    udelay(1000);
    uint64_t c3 = ctl_r();
    int32_t r3 = tval_r();
    check(c3 == (CTL_ENABLE | CTL_IMASK | CTL_ISTATUS), "ptimer_istatus_after_deadline", "CTL 0x%lx",
          (unsigned long)c3);
    check(r3 < 0 && (uint64_t) - (int64_t)r3 >= us_to_ticks(400), "ptimer_tval_negative_after_deadline", "%d", r3);
    /* A negative TVAL: already due. */
    tval_w((uint64_t)(int64_t)-1000);
    check((ctl_r() & CTL_ISTATUS) && cval_r() < cntpct(), "ptimer_negative_tval_due", "CTL 0x%lx",
          (unsigned long)ctl_r());
    ctl_w(CTL_IMASK); /* disabled: no ISTATUS */
    check(ctl_r() == CTL_IMASK, "ptimer_istatus_needs_enable", "CTL 0x%lx", (unsigned long)ctl_r());
    ctl_w(0);
}

/* ---- (b) while running, (c) in WFI ---- */

static void test_running(void)
{
    uint32_t n = seen;
    uint64_t cval = arm_in(2000);
    irq_unmask();
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (seen == n && cntvct() < end)
        ;
    irq_mask();
    uint64_t late = check_on_time(seen == n + 1, cval, "ptimer_running_on_time");
    gprintf("ptimer: interrupt while running: %lu us after the deadline\n", (unsigned long)late);
}

/* One wait in WFI for a timer 5 ms out: the WFI exits it took, whether the interrupt was
 * taken, and its deadline. */
static uint64_t wait_in_wfi(uint64_t *spun, bool *got, uint64_t *cval)
{
    uint64_t wfis = exit_count(EXITC_WFI);
    uint32_t n = seen;
    *spun = spin_count;
    *cval = arm_in(5000);
    /* A backstop, so that a lost wake-up fails here instead of hanging: the virtual timer, not
     * enabled in the GIC, ends the WFI after WAIT_US. */
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    sysreg_write(cntv_cval_el0, end);
    sysreg_write(cntv_ctl_el0, 1);
    isb();
    while (seen == n && cntvct() < end) {
        __asm__ volatile("wfi");
        irq_unmask();
        irq_mask();
    }
    sysreg_write(cntv_ctl_el0, 0);
    isb();
    *got = seen == n + 1;
    return exit_count(EXITC_WFI) - wfis;
}

static void test_wfi(void)
{
    uint64_t spun, cval, wfis;
    bool got;
    /* Sharing the CPU, vCPU 0 can lose it to vCPU 1's slice between arming the timer and its
     * first WFI; on a loaded host that slice can outlast the 5 ms, and then the WFI completes
     * at once without trapping (a WFI with an interrupt pending does not wait). Such a run
     * says nothing about the trap: try again, a few times. */
    for (unsigned attempt = 0;; attempt++) {
        wfis = wait_in_wfi(&spun, &got, &cval);
        if (!shared || wfis > 0 || attempt == 4)
            break;
    }
    uint64_t late = check_on_time(got, cval, "ptimer_wfi_on_time");
    gprintf("ptimer: interrupt in WFI: %lu us after the deadline\n", (unsigned long)late);
    if (shared) {
        /* The WFI trapped and vCPU 0 gave the CPU to vCPU 1 until its timer was due. */
        check(wfis > 0, "ptimer_wfi_trapped_when_shared", "%lu WFI exits", (unsigned long)wfis);
        check(spin_count != spun, "ptimer_descheduled_in_wfi", "vCPU 1 did not run");
    } else {
        /* Alone on its CPU the WFI ran in the guest: the hypervisor timer's interrupt woke it. */
        check(wfis == 0, "ptimer_wfi_not_trapped_when_alone", "%lu WFI exits", (unsigned long)wfis);
    }
}

/* WFI also ends for a timer whose interrupt the guest has disabled in its GIC (WFI may complete
 * at any time, and elvisor completes it when the timer is due): a guest that polls ISTATUS
 * between WFIs is woken on time, alone on its CPU (the hypervisor timer's interrupt ends the
 * WFI) and sharing it (the trapped WFI waits until the part's has_work). */
static void test_wfi_polling(void)
{
    gic_disable(PTIMER_INTID);
    uint32_t n = seen;
    uint64_t cval = arm_in(3000);
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    sysreg_write(cntv_cval_el0, end); /* the backstop, as in test_wfi */
    sysreg_write(cntv_ctl_el0, 1);
    isb();
    while (!(ctl_r() & CTL_ISTATUS) && cntvct() < end)
        __asm__ volatile("wfi");
    uint64_t woke = cntpct();
    sysreg_write(cntv_ctl_el0, 0);
    ctl_w(0);
    gic_enable(PTIMER_INTID);
    check(woke >= cval && ticks_to_us(woke - cval) < SLACK_US && seen == n, "ptimer_wfi_polling_woken",
          "%ld us after the deadline", (long)ticks_to_us(woke - cval));
}

/* ---- (d) the level follows the condition ---- */

static bool wait_pending(bool want)
{
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (gic_is_pending(PTIMER_INTID) != want)
        if (cntvct() > end)
            return false;
    return true;
}

static void test_withdrawn(void)
{
    uint32_t n = seen;
    irq_mask(); /* the interrupt stays pending */
    arm_in(500);
    check(wait_pending(true), "ptimer_pending_after_deadline", "never pending");
    ctl_w(CTL_ENABLE | CTL_IMASK);
    check(!gic_is_pending(PTIMER_INTID), "ptimer_imask_withdraws", "still pending");
    ctl_w(CTL_ENABLE);
    check(gic_is_pending(PTIMER_INTID), "ptimer_unmask_pends_again", "not pending");
    ctl_w(0);
    check(!gic_is_pending(PTIMER_INTID), "ptimer_disable_withdraws", "still pending");
    ctl_w(CTL_ENABLE);
    bool again = gic_is_pending(PTIMER_INTID);
    cval_w(cntpct() + us_to_ticks(10000000));
    check(again && !gic_is_pending(PTIMER_INTID), "ptimer_later_cval_withdraws", "pending %d, then %d", again,
          gic_is_pending(PTIMER_INTID));
    tval_w((uint64_t)(int64_t)-1);
    again = gic_is_pending(PTIMER_INTID);
    tval_w(us_to_ticks(10000000));
    check(again && !gic_is_pending(PTIMER_INTID), "ptimer_later_tval_withdraws", "pending %d, then %d", again,
          gic_is_pending(PTIMER_INTID));
    /* Nothing left to take. */
    ctl_w(0);
    irq_unmask();
    udelay(2000);
    irq_mask();
    check(seen == n, "ptimer_withdrawn_not_taken", "taken %u times", seen - n);
    /* A deadline already passed, enabled with interrupts open: taken at once. */
    cval_w(cntpct() - 1);
    uint64_t t0 = cntpct();
    ctl_w(CTL_ENABLE);
    irq_unmask();
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (seen == n && cntvct() < end)
        ;
    irq_mask();
    check(seen == n + 1 && ticks_to_us(entry_pct - t0) < SLACK_US, "ptimer_past_deadline_taken", "taken %u", seen - n);
}

/* ---- (e) descheduled by time slicing while spinning ---- */

/* vCPU 1 spins on the same CPU: vCPU 0 is off the CPU about half of the time. Repeated until a
 * deadline falls while it is off (the gap between its last look at the counter before the
 * deadline and the interrupt is longer than any exit): the interrupt must come when it is
 * back, within a slice. */
static void test_descheduled_spinning(void)
{
    bool all_on_time = true, off_at_deadline = false;
    uint64_t worst = 0, gap = 0;
    unsigned tries = 0;
    for (; tries < 40 && !off_at_deadline; tries++) {
        uint32_t n = seen;
        uint64_t cval = arm_in(3000), last_before = 0;
        uint64_t end = cntvct() + us_to_ticks(WAIT_US);
        irq_unmask();
        while (seen == n && cntvct() < end) {
            uint64_t now = cntpct();
            if (now < cval)
                last_before = now;
        }
        irq_mask();
        bool got = seen == n + 1;
        uint64_t late = got && entry_pct >= cval ? ticks_to_us(entry_pct - cval) : ~0UL;
        all_on_time &= got && entry_pct >= cval && late < DESCHEDULED_SLACK_US;
        worst = late > worst ? late : worst;
        if (got && last_before && entry_pct - last_before > us_to_ticks(1000)) {
            off_at_deadline = true;
            gap = ticks_to_us(entry_pct - last_before);
        }
    }
    check(all_on_time, "ptimer_descheduled_on_time", "worst %lu us after the deadline", (unsigned long)worst);
    check(off_at_deadline, "ptimer_deadline_while_descheduled", "never off the CPU at the deadline in %u tries", tries);
    gprintf("ptimer: deadline while descheduled (try %u): off the CPU for %lu us, interrupt within %lu us\n", tries,
            (unsigned long)gap, (unsigned long)worst);
}

/* ---- a VM reset with the timers armed ---- */

/* At boot: a timer armed before a reset left nothing behind (on the first boot as well). */
static void test_clean_at_boot(void)
{
    uint64_t ctl = ctl_r(), cval = cval_r();
    check(ctl == 0 && cval == 0, "ptimer_clean_at_boot", "CTL 0x%lx CVAL 0x%lx", (unsigned long)ctl,
          (unsigned long)cval);
    check(!gic_is_pending(PTIMER_INTID), "ptimer_not_pending_at_boot", "pending");
}

static void reset_with_timers_armed(void)
{
    vcpu1_arm = true;
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (!vcpu1_armed && cntvct() < end)
        ;
    cval_w(0); /* vCPU 0's: due, its interrupt pending (IRQs masked) */
    ctl_w(CTL_ENABLE);
    wait_pending(true);
    gprintf("ptimer: boot done, resetting with both timers armed\n");
    hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
    check(false, "ptimer_reset_returned", "SYSTEM_RESET returned");
}

void guest_secondary_main(uint64_t index)
{
    /* Clean at boot, and still 100 ms later (after a reset, when a timer armed before it has
     * expired). */
    bool clean = ctl_r() == 0 && cval_r() == 0 && !gic_is_pending(PTIMER_INTID);
    udelay(100000);
    vcpu1_clean = clean && ctl_r() == 0 && !gic_is_pending(PTIMER_INTID);
    vcpu1_ready = true;
    for (;;) {
        spin_count++;
        if (vcpu1_arm && !vcpu1_armed) {
            tval_w(us_to_ticks(30000)); /* expires during or just after the reset */
            ctl_w(CTL_ENABLE);
            vcpu1_armed = true;
        }
    }
}

int guest_main(void)
{
    if (gic_probe() < 0) {
        check(false, "gic_found", "no GIC in the device tree");
        return guest_failures;
    }
    /* The first access: UNDEFINED without the timer. */
    uint64_t esr = 0;
    fault_expect();
    (void)ctl_r();
    bool undef = fault_taken(&esr, 0);
    check(!undef, "ptimer_accessible", "CNTP_CTL_EL0 UNDEFINED (ESR 0x%lx)", (unsigned long)esr);
    if (undef)
        return guest_failures;
    guest_set_irq_hook(on_irq);
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(PTIMER_INTID, 0x40);
    gic_enable(PTIMER_INTID);
    test_clean_at_boot();
    shared = hvc_call(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)guest_secondary_entry, 1) == 0;
    gprintf("ptimer: GICv%u, %s\n", gic.version, shared ? "two vCPUs sharing a CPU" : "alone on a CPU");
    if (shared) {
        uint64_t end = cntvct() + us_to_ticks(WAIT_US);
        while (!vcpu1_ready && cntvct() < end)
            ;
        check(vcpu1_ready && vcpu1_clean, "ptimer_vcpu1_clean_at_boot", "ready %d clean %d", vcpu1_ready, vcpu1_clean);
    }
    test_registers();
    test_running();
    test_wfi();
    test_wfi_polling();
    test_withdrawn();
    if (shared)
        test_descheduled_spinning();
    check(others == 0, "ptimer_no_other_interrupts", "%u", others);
    if (shared && guest_failures == 0)
        reset_with_timers_armed();
    return guest_failures;
}
