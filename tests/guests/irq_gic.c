/* The virtual GIC and timer, seen from a 2-vCPU guest: ID registers Linux relies on, SGIs
 * between vCPUs, priority masking and preemption, 32 pending interrupts through fewer list
 * registers, EOImode 0 and 1, a software level-sensitive line (the emulated UART), and the
 * virtual timer while running, in WFI, masked by IMASK and withdrawn. Runs on GICv2 and v3. */
#include "tests/guests/common/gic.h"

#define PSCI_CPU_ON        0xc4000003u
#define ELVISOR_EXIT_COUNT 0xc6000001u
#define EXITC_WFI          2
#define EXITC_IRQ          7
/* Timer interrupt after its deadline, at most: typically 30-200 us under QEMU TCG, but a busy
 * host can hold back QEMU's timer thread by milliseconds. */
#define SLACK_US    50000
#define WAIT_US     2000000 /* for what must arrive */
#define SGI_FOREIGN 14      /* what the other VM sprays: must never arrive here */

extern char guest_secondary_entry[];

/* What the IRQ handlers saw. */
static volatile uint32_t seen[2][256]; /* per vCPU, per INTID */
static volatile uint32_t order[64];
static volatile unsigned order_n;
static volatile uint32_t last_iar[2];
static volatile uint64_t timer_entry;
static volatile uint32_t rpr_in[16];
static volatile bool split_eoi; /* EOImode 1: the handler only drops priority */
static volatile unsigned uart_intid, level_mode;
static volatile uintptr_t uart_base;
static volatile bool vcpu1_ready, vcpu1_stop;
static volatile bool vline_irq, vline_irq_taken;

/* Returns from this IRQ with PSTATE.I set (the interrupted code's saved state). */
static void irq_mask_on_return(void) { sysreg_write(spsr_el1, sysreg_read(spsr_el1) | (1UL << 7)); }

static void log_order(uint32_t intid)
{
    unsigned n = order_n;
    if (n < 64)
        order[n] = intid;
    order_n = n + 1;
}

static void on_irq(uint64_t entry)
{
    unsigned me = my_vcpu() & 1;
    uint32_t iar = gic_ack();
    uint32_t intid = gic_iar_intid(iar);
    if (intid >= 1020) {
        if (vline_irq && me == 0) { /* HCR_EL2.VI: lower it, or it is taken again */
            vline_irq_taken = true;
            irq_mask_on_return();
        }
        return;
    }
    seen[me][intid]++;
    last_iar[me] = iar;
    if (intid < 16)
        rpr_in[intid] = gic_rpr();
    if (me == 1) {
        if (intid == 2)
            gic_sgi(3, 1u << 0); /* answer vCPU 0 */
        gic_eoi(iar);
        return;
    }
    if (intid == 27) {
        timer_entry = entry;
        sysreg_write(cntv_ctl_el0, 0); /* the source goes quiet before the EOI */
    } else if (intid == 5) {
        /* Preemption: with SGI 5 (priority 0x80) active, SGI 6 (0x40) preempts and SGI 7
         * (0xc0) waits for the EOI. PSTATE.I is opened, so ELR/SPSR are kept aside. */
        uint64_t elr = sysreg_read(elr_el1), spsr = sysreg_read(spsr_el1);
        log_order(5);
        gic_sgi(7, 1u << 0);
        gic_sgi(6, 1u << 0);
        irq_unmask();
        udelay(3000);
        irq_mask();
        sysreg_write(elr_el1, elr);
        sysreg_write(spsr_el1, spsr);
        log_order(105);
    } else if (intid == uart_intid && level_mode) {
        /* The line stays high until UARTIMSC drops it: the first EOI leaves it pending. */
        if (seen[0][intid] >= 2)
            mmio_wr(uart_base + 0x38, 0);
    } else {
        log_order(intid);
    }
    gic_eoi(iar);
    if (!split_eoi)
        return;
}

static uint64_t exit_count(unsigned cls) { return hvc_call(ELVISOR_EXIT_COUNT, cls, 0, 0); }

static bool wait_seen(unsigned vcpu, uint32_t intid, uint32_t count, uint64_t us)
{
    uint64_t end = cntvct() + us_to_ticks(us);
    while (seen[vcpu][intid] < count)
        if (cntvct() > end)
            return false;
    return true;
}

void guest_secondary_main(uint64_t index)
{
    gic_cpu_init();
    for (uint32_t i = 0; i < 16; i++) {
        gic_set_prio(i, 0x80);
        gic_enable(i);
    }
    vcpu1_ready = true;
    irq_mask();
    while (!vcpu1_stop) {
        __asm__ volatile("wfi");
        irq_unmask();
        irq_mask();
    }
    hvc_call(0x84000002, 0, 0, 0); /* CPU_OFF */
    for (;;)
        __asm__ volatile("wfi");
}

static void test_id_registers(void)
{
    uint32_t typer = mmio_rd(gic.d + GICD_TYPER), iidr = mmio_rd(gic.d + GICD_IIDR);
    unsigned lines = 32 * ((typer & 0x1f) + 1);
    check(lines >= 64 && lines <= 1020, "gicd_typer_itlines", "TYPER 0x%x", typer);
    check((iidr & 0xfff) == 0x43b, "gicd_iidr_implementer", "IIDR 0x%x", iidr);
    if (gic.version == 3) {
        uint32_t pidr2 = mmio_rd(gic.d + GICD_PIDR2_V3);
        check((pidr2 & 0xf0) == 0x30, "gicd_pidr2_archrev", "PIDR2 0x%x", pidr2);
        check(((typer >> 19) & 0x1f) >= 9 && !(typer & (1u << 17)), "gicd_typer_idbits_nolpis", "TYPER 0x%x", typer);
        uint32_t ctlr = mmio_rd(gic.d + GICD_CTLR);
        check((ctlr & (1u << 4)) && (ctlr & (1u << 6)), "gicd_ctlr_are_ds", "CTLR 0x%x", ctlr);
        bool ok = true;
        for (unsigned i = 0; i < 2; i++) {
            uint64_t t = mmio_rd64(gicr_of(i) + GICR_TYPER);
            ok &= (t >> 32) == i && ((t >> 8) & 0xffff) == i && (((t >> 4) & 1) == (i == 1));
            ok &= (mmio_rd(gicr_of(i) + GICR_PIDR2) & 0xf0) == 0x30;
        }
        check(ok, "gicr_typer_pidr2", "redistributor identification wrong");
    } else {
        uint32_t pidr2 = mmio_rd(gic.d + GICD_PIDR2_V2);
        check((pidr2 & 0xf0) == 0x20, "gicd_pidr2_archrev", "PIDR2 0x%x", pidr2);
        check(((typer >> 5) & 7) == 1, "gicd_typer_cpunumber", "TYPER 0x%x", typer);
        /* ITARGETSR0..7 read as the reading CPU's own bit (IHI 0048B 4.3.12). */
        check((mmio_rd(gic.d + GICD_ITARGETSR) & 0xff) == 1, "gicd_itargetsr_banked", "0x%x",
              mmio_rd(gic.d + GICD_ITARGETSR));
    }
    /* Reserved and out-of-range registers are RAZ/WI. */
    mmio_wr(gic.d + GICD_ISENABLER + 0x7c, ~0u); /* INTIDs 992..1023: beyond the VM's */
    check(mmio_rd(gic.d + GICD_ISENABLER + 0x7c) == 0, "gicd_out_of_range_raz", "nonzero");
}

static void test_sgis(void)
{
    irq_unmask();
    gic_sgi(1, 1u << 0);
    check(wait_seen(0, 1, 1, WAIT_US), "sgi_to_self", "not taken");
    /* vCPU 1 answers SGI 2 with SGI 3. */
    gic_sgi(2, 1u << 1);
    bool got = wait_seen(0, 3, 1, WAIT_US);
    check(got && seen[1][2] == 1, "sgi_between_vcpus", "vcpu1 saw %u, reply %u", seen[1][2], seen[0][3]);
    if (gic.version == 2)
        check(((last_iar[0] >> 10) & 7) == 1, "sgi_source_cpuid", "IAR 0x%x", last_iar[0]);
    gic_sgi_others(9);
    check(wait_seen(1, 9, 1, WAIT_US) && seen[0][9] == 0, "sgi_all_but_self", "vcpu0 %u vcpu1 %u", seen[0][9],
          seen[1][9]);
    /* Target list bits for vCPUs that do not exist go nowhere. */
    gic_sgi(10, 0xfc);
    udelay(2000);
    check(seen[0][10] == 0 && seen[1][10] == 0, "sgi_to_absent_vcpus_dropped", "delivered");
    irq_mask();
}

static void test_priority(void)
{
    for (uint32_t i = 0; i < 16; i++) {
        gic_set_prio(i, 0x80);
        gic_enable(i);
    }
    gic_set_prio(4, 0xa0);
    gic_set_pmr(0x90);
    irq_unmask();
    gic_sgi(4, 1u << 0);
    udelay(3000);
    bool masked = seen[0][4] == 0 && gic_is_pending(4);
    check(masked, "pmr_masks_lower_priority", "taken %u pending %d", seen[0][4], gic_is_pending(4));
    gic_set_pmr(0xf0);
    check(wait_seen(0, 4, 1, WAIT_US), "pmr_unmask_delivers", "not taken");
    check(rpr_in[4] == 0xa0, "rpr_in_handler", "RPR 0x%x", rpr_in[4]);
    check(gic_rpr() == 0xff, "rpr_idle", "RPR 0x%x", gic_rpr());

    gic_set_prio(5, 0x80);
    gic_set_prio(6, 0x40);
    gic_set_prio(7, 0xc0);
    order_n = 0;
    gic_sgi(5, 1u << 0);
    wait_seen(0, 7, 1, WAIT_US);
    irq_mask();
    bool ok = order_n == 4 && order[0] == 5 && order[1] == 6 && order[2] == 105 && order[3] == 7;
    check(ok, "preemption_by_priority", "order %u: %u %u %u %u", order_n, order[0], order[1], order[2], order[3]);
    check(rpr_in[6] == 0x40, "rpr_nested", "RPR 0x%x", rpr_in[6]);
}

static void test_many_pending(void)
{
    const uint32_t first = 64, n = 32;
    for (uint32_t i = 0; i < n; i++) {
        gic_set_prio(first + i, (uint8_t)(((n - 1 - i) / 2) << 3));
        gic_route(first + i, 0);
    }
    /* Edge-triggered, so that only the underflow maintenance interrupt refills the list
     * registers (a level-sensitive one pended by ISPENDR costs an EOI maintenance exit each). */
    mmio_wr(gic.d + GICD_ICFGR + first / 4, 0xaaaaaaaa);
    mmio_wr(gic.d + GICD_ICFGR + first / 4 + 4, 0xaaaaaaaa);
    gic_set_pmr(0xf8);
    irq_mask();
    mmio_wr(gic.d + GICD_ISENABLER + first / 8, ~0u);
    order_n = 0;
    uint64_t irq_exits = exit_count(EXITC_IRQ);
    mmio_wr(gic.d + GICD_ISPENDR + first / 8, ~0u); /* all 32 pending at once */
    irq_unmask();
    uint64_t end = cntvct() + us_to_ticks(500000);
    while (order_n < n && cntvct() < end)
        ;
    irq_mask();
    irq_exits = exit_count(EXITC_IRQ) - irq_exits;
    bool once = true, sorted = true;
    for (uint32_t i = 0; i < n; i++)
        once &= seen[0][first + i] == 1;
    for (unsigned k = 1; k < order_n && k < 64; k++) {
        uint32_t a = order[k - 1] - first, b = order[k] - first;
        sorted &= (n - 1 - a) / 2 <= (n - 1 - b) / 2;
    }
    check(order_n == n && once, "pending_32_all_delivered", "%u delivered", order_n);
    check(sorted, "pending_32_priority_order", "out of order");
    check(irq_exits > 0 && irq_exits < n, "pending_32_refilled_on_underflow", "%lu IRQ exits",
          (unsigned long)irq_exits);
    gprintf("irq: 32 pending delivered with %lu interrupt exits (list-register refills)\n", (unsigned long)irq_exits);
    mmio_wr(gic.d + GICD_ICENABLER + first / 8, ~0u);
    gic_set_pmr(0xf0);
}

static void test_eoimode(void)
{
    gic_set_prio(8, 0x80);
    gic_enable(8);
    /* EOImode 0: the EOI deactivates. */
    gic_set_eoimode(false);
    irq_unmask();
    gic_sgi(8, 1u << 0);
    wait_seen(0, 8, 1, WAIT_US);
    check(seen[0][8] == 1 && !gic_is_active(8), "eoimode0_eoi_deactivates", "active %d", gic_is_active(8));
    /* EOImode 1: the EOI only drops priority; the interrupt stays active until DIR. */
    gic_set_eoimode(true);
    split_eoi = true;
    gic_sgi(8, 1u << 0);
    wait_seen(0, 8, 2, WAIT_US);
    uint32_t iar = last_iar[0];
    check(seen[0][8] == 2 && gic_is_active(8) && gic_rpr() == 0xff, "eoimode1_eoi_drops_priority",
          "seen %u active %d rpr 0x%x", seen[0][8], gic_is_active(8), gic_rpr());
    gic_sgi(8, 1u << 0);
    udelay(3000);
    check(seen[0][8] == 2, "eoimode1_active_blocks", "taken again while active");
    gic_dir(iar);
    check(wait_seen(0, 8, 3, WAIT_US), "eoimode1_dir_deactivates", "pending SGI not taken after DIR");
    gic_dir(last_iar[0]);
    check(!gic_is_active(8), "eoimode1_dir_clears_active", "still active");
    split_eoi = false;
    gic_set_eoimode(false);
    irq_mask();
}

static void test_level_line(void)
{
    int node = fdt_stdout_node(&guest_fdt);
    int len;
    const uint8_t *irq = fdt_getprop(&guest_fdt, node, "interrupts", &len);
    if (!irq || len < 12) {
        check(false, "level_line", "the UART has no interrupt");
        return;
    }
    uart_intid = 32 + ((uint32_t)irq[4] << 24 | (uint32_t)irq[5] << 16 | (uint32_t)irq[6] << 8 | irq[7]);
    uint64_t base, size;
    fdt_reg(&guest_fdt, node, 0, &base, &size);
    uart_base = (uintptr_t)base;
    gic_set_prio(uart_intid, 0x80);
    gic_route(uart_intid, 0);
    gic_enable(uart_intid);
    level_mode = 1;
    irq_unmask();
    mmio_wr(uart_base + 0x38, 1u << 5); /* UARTIMSC.TXIM: the TX interrupt is already raised */
    wait_seen(0, uart_intid, 2, WAIT_US);
    udelay(3000);
    irq_mask();
    check(seen[0][uart_intid] == 2, "level_line_reasserts_until_cleared", "taken %u times (want 2)",
          seen[0][uart_intid]);
    level_mode = 0;
    gic_disable(uart_intid);
}

static uint64_t arm_timer(uint64_t us, uint64_t ctl)
{
    uint64_t cval = cntvct() + us_to_ticks(us);
    sysreg_write(cntv_cval_el0, cval);
    sysreg_write(cntv_ctl_el0, ctl);
    __asm__ volatile("isb");
    return cval;
}

static void test_timer(void)
{
    gic_set_prio(27, 0x40);
    gic_enable(27);
    /* While running. */
    uint64_t cval = arm_timer(2000, 1);
    irq_unmask();
    bool got = wait_seen(0, 27, 1, WAIT_US);
    irq_mask();
    uint64_t late = got ? ticks_to_us(timer_entry - cval) : ~0UL;
    check(got && timer_entry >= cval && late < SLACK_US, "vtimer_running_on_time", "late %lu us", (unsigned long)late);
    gprintf("irq: virtual timer while running: %lu us after the deadline\n", (unsigned long)late);

    /* While the vCPU sleeps in WFI. */
    cval = arm_timer(5000, 1);
    while (seen[0][27] < 2) {
        __asm__ volatile("wfi");
        irq_unmask();
        irq_mask();
    }
    late = ticks_to_us(timer_entry - cval);
    check(timer_entry >= cval && late < SLACK_US, "vtimer_wfi_on_time", "late %lu us", (unsigned long)late);
    /* Whether that WFI trapped depends on placement (core/vcpu.c guest_hcr: not on a CPU of
     * its own, unless a timer interrupt was still in flight): both ways it must wake on time. */
    gprintf("irq: virtual timer in WFI: %lu us after the deadline\n", (unsigned long)late);

    /* CNTV_CTL_EL0.IMASK holds it back; clearing IMASK lets it through at once. */
    cval = arm_timer(1000, 3);
    irq_unmask();
    udelay(4000);
    bool held = seen[0][27] == 2;
    uint64_t t0 = cntvct();
    sysreg_write(cntv_ctl_el0, 1);
    __asm__ volatile("isb");
    got = wait_seen(0, 27, 3, WAIT_US);
    irq_mask();
    check(held, "vtimer_imask_holds", "taken while masked");
    check(got && ticks_to_us(timer_entry - t0) < SLACK_US, "vtimer_unmask_delivers", "late");

    /* Fired while the guest had PSTATE.I set, then stopped before it was taken: withdrawn. */
    arm_timer(500, 1);
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    bool pend;
    while (!(pend = gic_is_pending(27)) && cntvct() < end)
        ;
    sysreg_write(cntv_ctl_el0, 0);
    __asm__ volatile("isb");
    hvc_call(0x80000000, 0, 0, 0); /* an exit, at which the hypervisor re-samples */
    bool still = gic_is_pending(27);
    irq_unmask();
    udelay(2000);
    irq_mask();
    check(pend && !still && seen[0][27] == 3, "vtimer_stopped_is_withdrawn", "pending %d then %d, taken %u", pend,
          still, seen[0][27]);
    gic_disable(27);

    /* The EL1 physical timer is offered too (emulated, tests/guests/ptimer.c): not UNDEFINED. */
    uint64_t esr = 0;
    fault_expect();
    (void)sysreg_read(cntp_ctl_el0);
    check(!fault_taken(&esr, 0), "el1_phys_timer_accessible", "esr 0x%lx", (unsigned long)esr);
    check(sysreg_read(cntfrq_el0) != 0, "cntfrq_visible", "zero");
}

/* The virtual IRQ, FIQ and SError lines of HCR_EL2 (VI, VF, VSE), raised through the debug
 * device's VLINE register (vdev/vdebug.c), outside the GIC. */
static void test_vlines(void)
{
    uintptr_t dbg = (uintptr_t)dt_reg_of("elvisor,debug-regs");
    if (!dbg) {
        check(false, "vline_device", "no elvisor,debug-regs device");
        return;
    }
    /* IRQ: taken although the GIC has nothing pending (the acknowledge is spurious). */
    vline_irq = true;
    mmio_wr64(dbg + 0x110, 1);
    irq_unmask();
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (!vline_irq_taken && cntvct() < end)
        ;
    irq_mask();
    mmio_wr64(dbg + 0x110, 0);
    vline_irq = false;
    check(vline_irq_taken, "vline_virtual_irq", "not taken");
    /* FIQ. */
    uint64_t esr = 0;
    fault_expect();
    mmio_wr64(dbg + 0x110, 2);
    __asm__ volatile("msr daifclr, #1; isb" ::: "memory");
    bool fiq = fault_taken(&esr, 0) && esr == 0x300;
    __asm__ volatile("msr daifset, #1; isb" ::: "memory");
    mmio_wr64(dbg + 0x110, 0);
    check(fiq, "vline_virtual_fiq", "not taken");
    /* SError: one-shot, an asynchronous abort (ESR_EL1.EC 0x2f). */
    fault_expect();
    mmio_wr64(dbg + 0x110, 4);
    __asm__ volatile("msr daifclr, #4; isb" ::: "memory");
    udelay(1000);
    bool serr = fault_taken(&esr, 0) && (esr >> 26) == 0x2f;
    __asm__ volatile("msr daifset, #4; isb" ::: "memory");
    check(serr, "vline_virtual_serror", "esr 0x%lx", (unsigned long)esr);
    /* Taken once only. */
    fault_expect();
    __asm__ volatile("msr daifclr, #4; isb" ::: "memory");
    udelay(1000);
    __asm__ volatile("msr daifset, #4; isb" ::: "memory");
    check(!fault_taken(0, 0), "vline_serror_one_shot", "taken again");
}

static void test_isolation(void)
{
    /* SGIs aimed at every affinity the other VM's vCPUs could have, and broadcast: they stay
     * in this VM (here they reach vCPU 1 only). */
    for (unsigned rep = 0; rep < 50; rep++) {
        gic_sgi_others(15);
        gic_sgi(15, 0xfffe);
        if (gic.version == 3)
            for (uint64_t aff = 1; aff < 4; aff++)
                sysreg_write(icc_sgi1r_el1, 15UL << 24 | aff << 16 | 0xffff | aff << 32);
    }
    udelay(2000);
    check(seen[0][SGI_FOREIGN] == 0 && seen[1][SGI_FOREIGN] == 0, "no_sgi_from_other_vm", "%u, %u",
          seen[0][SGI_FOREIGN], seen[1][SGI_FOREIGN]);
}

int guest_main(void)
{
    if (gic_probe() < 0) {
        check(false, "gic_found", "no GIC in the device tree");
        return guest_failures;
    }
    gprintf("irq: GICv%u\n", gic.version);
    guest_set_irq_hook(on_irq);
    test_id_registers();
    gic_dist_init();
    gic_cpu_init();
    for (uint32_t i = 0; i < 16; i++) {
        gic_set_prio(i, 0x80);
        gic_enable(i);
    }
    check(hvc_call(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)guest_secondary_entry, 1) == 0, "cpu_on", "failed");
    uint64_t end = cntvct() + us_to_ticks(1000000);
    while (!vcpu1_ready && cntvct() < end)
        ;
    test_sgis();
    test_priority();
    test_many_pending();
    test_eoimode();
    test_level_line();
    test_timer();
    test_vlines();
    test_isolation();
    vcpu1_stop = true;
    gic_sgi(1, 1u << 1);
    return guest_failures;
}
