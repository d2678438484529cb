/* Self-hosted debug in a guest (vdev/vdebug_regs.c, docs/debugging.md): hardware breakpoints,
 * watchpoints and software step at EL1 and at EL0, taken by the guest's own EL1 with the
 * exception classes of the Arm ARM (D2, ESR_EL1.EC 0x30/0x31 breakpoint, 0x32/0x33 software
 * step, 0x34/0x35 watchpoint: lower EL / same EL); the OS lock (locked at reset: nothing fires
 * until it is unlocked); a step over an instruction the hypervisor emulates is one step; the
 * registers stop trapping once used; and, with another VM time-sharing both CPUs of this
 * 2-vCPU VM (tests/configs/debug.dts), each vCPU's registers keep its own values across switches
 * while its breakpoints keep firing. Bootargs "no-debug": the VM was configured without debug,
 * and nothing fires. */
#include "tests/guests/common/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PSCI_CPU_ON   0xc4000003u
#define EXIT_COUNTERS 0xc6000001u /* ELVISOR_HVC_EXIT_COUNTERS: x1 = class */
#define EXITC_SYSREG  4

#define EC_BP_LOW   0x30
#define EC_BP_CUR   0x31
#define EC_STEP_LOW 0x32
#define EC_STEP_CUR 0x33
#define EC_WP_LOW   0x34
#define EC_WP_CUR   0x35
#define EC_SVC64    0x15

#define MDSCR_SS  (1UL << 0)
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)
#define SPSR_SS   (1UL << 21)
#define SPSR_EL1H 0x5UL
#define SPSR_AIF  (0x7UL << 6) /* SError, IRQ, FIQ masked; D clear */

/* DBGBCR: E, PMC (EL1 0b01, EL0 0b10), BAS 0b1111. DBGWCR: E, PAC likewise, LSC store (0b10)
 * or both (0b11), BAS 0xff. */
#define BCR_EL1 (1UL | 1UL << 1 | 0xfUL << 5)
#define BCR_EL0 (1UL | 2UL << 1 | 0xfUL << 5)
#define WCR_EL1 (1UL | 1UL << 1 | 2UL << 3 | 0xffUL << 5)
#define WCR_EL0 (1UL | 2UL << 1 | 3UL << 3 | 0xffUL << 5)

extern char guest_secondary_entry[];
extern char dbg_vectors[], bp_target[], step_el1[], step_el1_body[], el0_code[], el0_bp[], el0_store[], el0_step[],
    el0_return[];
void run_el0(uint64_t entry, uint64_t spsr, uint64_t x0);
uint64_t call_bp_target(uint64_t x);
void call_step_el1(uint64_t spsr);

/* Vectors of their own: every exception saves x0-x30 and calls dbg_exception(vector). */
__asm__(".macro dvec\n"
        "  .balign 0x80\n"
        "  sub sp, sp, #256\n"
        "  stp x0, x1, [sp]\n stp x2, x3, [sp, #16]\n stp x4, x5, [sp, #32]\n stp x6, x7, [sp, #48]\n"
        "  stp x8, x9, [sp, #64]\n stp x10, x11, [sp, #80]\n stp x12, x13, [sp, #96]\n"
        "  stp x14, x15, [sp, #112]\n stp x16, x17, [sp, #128]\n stp x18, x30, [sp, #144]\n"
        "  b dvec_common\n"
        ".endm\n"
        "  .text\n  .balign 0x800\n  .global dbg_vectors\n"
        "dbg_vectors:\n"
        "  dvec\n dvec\n dvec\n dvec\n dvec\n dvec\n dvec\n dvec\n"
        "  dvec\n dvec\n dvec\n dvec\n dvec\n dvec\n dvec\n dvec\n"
        "dvec_common:\n"
        "  adr x0, dbg_vectors\n"
        "  mrs x1, vbar_el1\n"
        "  bl dbg_exception\n"
        "  ldp x0, x1, [sp]\n ldp x2, x3, [sp, #16]\n ldp x4, x5, [sp, #32]\n ldp x6, x7, [sp, #48]\n"
        "  ldp x8, x9, [sp, #64]\n ldp x10, x11, [sp, #80]\n ldp x12, x13, [sp, #96]\n"
        "  ldp x14, x15, [sp, #112]\n ldp x16, x17, [sp, #128]\n ldp x18, x30, [sp, #144]\n"
        "  add sp, sp, #256\n"
        "  eret\n"
        /* A breakpoint on its first instruction. */
        "  .global bp_target, call_bp_target\n"
        "call_bp_target:\n"
        "bp_target:\n  add x0, x0, #1\n  ret\n"
        /* EL1 stepped from its first instruction (ERET with SPSR.SS = 1); the MRS traps to the
         * hypervisor, which emulates it. */
        "  .global call_step_el1, step_el1_body\n"
        "call_step_el1:\n"
        "  adr x1, step_el1_body\n  msr elr_el1, x1\n  msr spsr_el1, x0\n  isb\n  eret\n"
        "step_el1_body:\n"
        "  add x0, x0, #1\n  mrs x1, id_aa64dfr0_el1\n  add x0, x0, #1\n  add x0, x0, #1\n  ret\n"
        /* EL0: entered by ERET, back to EL1 by SVC (dbg_exception resumes at el0_return). */
        "  .global run_el0, el0_code, el0_bp, el0_store, el0_step, el0_return\n"
        "run_el0:\n"
        "  msr elr_el1, x0\n  msr spsr_el1, x1\n  mov x0, x2\n  mov x2, #0\n  isb\n  eret\n"
        "el0_return:\n  ret\n"
        "el0_code:\n"
        "el0_bp:\n  add x2, x2, #1\n"
        "el0_store:\n  str x2, [x0]\n"
        "  svc #0\n"
        "el0_step:\n  add x2, x2, #1\n  add x2, x2, #1\n  add x2, x2, #1\n  svc #0\n");

/* ---- what each vCPU saw ---- */

#define MAX_REC 8
struct seen {
    unsigned n;
    uint64_t ec[MAX_REC], elr[MAX_REC], far[MAX_REC];
    unsigned steps_left; /* software steps still wanted */
    unsigned stray;      /* debug exceptions no test expected */
};
static struct seen seen[2];

static unsigned me(void) { return (unsigned)(sysreg_read(mpidr_el1) & 1); }

void dbg_exception(uint64_t vectors, uint64_t vbar);
void dbg_exception(uint64_t vectors, uint64_t vbar)
{
    struct seen *s = &seen[me()];
    uint64_t esr = sysreg_read(esr_el1), elr = sysreg_read(elr_el1), far = sysreg_read(far_el1);
    uint64_t ec = esr >> 26;
    if (ec == EC_SVC64) { /* EL0 is done */
        sysreg_write(elr_el1, (uint64_t)(uintptr_t)el0_return);
        sysreg_write(spsr_el1, SPSR_EL1H | SPSR_AIF);
        return;
    }
    if (s->n < MAX_REC) {
        s->ec[s->n] = ec;
        s->elr[s->n] = elr;
        s->far[s->n] = far;
    }
    s->n++;
    switch (ec) {
    case EC_BP_LOW:
    case EC_BP_CUR: /* disarm it, and the instruction runs when we return to it */
        sysreg_write(dbgbcr0_el1, 0);
        break;
    case EC_WP_LOW:
    case EC_WP_CUR:
        sysreg_write(dbgwcr0_el1, 0);
        break;
    case EC_STEP_LOW:
    case EC_STEP_CUR:
        if (s->steps_left && --s->steps_left)
            sysreg_write(spsr_el1, sysreg_read(spsr_el1) | SPSR_SS);
        else
            sysreg_write(mdscr_el1, sysreg_read(mdscr_el1) & ~MDSCR_SS);
        break;
    default:
        gprintf("GUEST UNEXPECTED EXCEPTION ESR %lx ELR %lx FAR %lx\n", (unsigned long)esr, (unsigned long)elr,
                (unsigned long)far);
        guest_poweroff();
    }
    __asm__ volatile("isb");
}

static void reset_seen(void) { memset(&seen[me()], 0, sizeof(seen[0])); }

static void unmask_debug(void) { __asm__ volatile("msr daifclr, #8; isb" ::: "memory"); }

/* ---- the checks, on either vCPU ---- */

static bool no_debug;
static uint64_t salt;
static volatile uint64_t watched[2] __attribute__((aligned(16)));
static char names[2][8][48];

static const char *name(unsigned slot, const char *n)
{
    char *b = names[me()][slot];
    ev_snprintf(b, sizeof(names[0][0]), me() ? "cpu1_%s" : "%s", n);
    return b;
}

static unsigned nr_brps, nr_wrps;

static uint64_t sysreg_exits(void) { return hvc_call(EXIT_COUNTERS, EXITC_SYSREG, 0, 0); }

static void test_oslock_and_el1(void)
{
    struct seen *s = &seen[me()];
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    nr_brps = (unsigned)((dfr0 >> 12) & 0xf) + 1;
    nr_wrps = (unsigned)((dfr0 >> 20) & 0xf) + 1;
    gprintf("debug: vCPU%u: DebugVer %lu, %u breakpoints, %u watchpoints\n", me(), (unsigned long)(dfr0 & 0xf), nr_brps,
            nr_wrps);
    /* Locked at reset: armed, enabled in MDSCR_EL1, unmasked, and still nothing fires. */
    check((sysreg_read(oslsr_el1) & 2) != 0, name(0, "oslock_locked_at_reset"), "OSLSR_EL1 %lx",
          (unsigned long)sysreg_read(oslsr_el1));
    reset_seen();
    unmask_debug();
    sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)bp_target);
    sysreg_write(dbgbcr0_el1, BCR_EL1);
    sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    __asm__ volatile("isb");
    call_bp_target(1);
    check(s->n == 0, name(1, "oslock_blocks_breakpoint"), "%u exceptions", s->n);
    /* Unlocked: the breakpoint fires at EL1, at its address. */
    sysreg_write(oslar_el1, 0);
    __asm__ volatile("isb");
    uint64_t r = call_bp_target(1);
    check(s->n == 1 && s->ec[0] == EC_BP_CUR && s->elr[0] == (uint64_t)(uintptr_t)bp_target && r == 2,
          name(2, "breakpoint_el1"), "%u exceptions, EC %lx ELR %lx (bp %p), result %lu", s->n, (unsigned long)s->ec[0],
          (unsigned long)s->elr[0], (void *)bp_target, (unsigned long)r);
    /* Watchpoint on a store at EL1: taken before the store, which then completes. */
    reset_seen();
    volatile uint64_t *w = &watched[me()];
    sysreg_write(dbgwvr0_el1, (uint64_t)(uintptr_t)w);
    sysreg_write(dbgwcr0_el1, WCR_EL1);
    __asm__ volatile("isb");
    *w = 0x1234;
    __asm__ volatile("" ::: "memory"); /* the exception wrote seen[] */
    check(s->n == 1 && s->ec[0] == EC_WP_CUR && s->far[0] >= (uint64_t)(uintptr_t)w &&
              s->far[0] < (uint64_t)(uintptr_t)w + 8 && *w == 0x1234,
          name(3, "watchpoint_el1"), "%u exceptions, EC %lx FAR %lx (watched %p) ELR %lx, holds %lx", s->n,
          (unsigned long)s->ec[0], (unsigned long)s->far[0], (void *)w, (unsigned long)s->elr[0], (unsigned long)*w);
    /* Software step at EL1: four instructions, one step each, the trapped MRS included. */
    reset_seen();
    s->steps_left = 4;
    /* With debug exceptions unmasked, MDSCR_EL1.SS = 1 and PSTATE.SS = 0 would step at once
     * (active-pending, Arm ARM D2.12): masked until the ERET that starts the step. */
    __asm__ volatile("msr daifset, #8; isb" ::: "memory");
    sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE | MDSCR_SS);
    __asm__ volatile("isb");
    call_step_el1(SPSR_EL1H | SPSR_AIF | SPSR_SS);
    uint64_t b = (uint64_t)(uintptr_t)step_el1_body;
    bool ok = s->n == 4;
    for (unsigned i = 0; i < 4 && i < s->n; i++)
        ok &= s->ec[i] == EC_STEP_CUR && s->elr[i] == b + 4 * (i + 1);
    check(ok, name(4, "single_step_el1"), "%u steps, EC %lx, ELRs %lx %lx %lx %lx (body %lx)", s->n,
          (unsigned long)s->ec[0], (unsigned long)s->elr[0], (unsigned long)s->elr[1], (unsigned long)s->elr[2],
          (unsigned long)s->elr[3], (unsigned long)b);
    /* The registers are the vCPU's own now: reading them exits no more. */
    uint64_t before = sysreg_exits(), v = 0;
    for (unsigned i = 0; i < 100; i++)
        v += sysreg_read(dbgbvr0_el1) + sysreg_read(mdscr_el1);
    uint64_t exits = sysreg_exits() - before;
    check(exits == 0, name(5, "registers_untrapped_after_use"), "%lu exits for 200 reads", (unsigned long)exits);
}

static void test_el0(void)
{
    struct seen *s = &seen[me()];
    volatile uint64_t *w = &watched[me()];
    /* Breakpoint and watchpoint at EL0 (EL1 lets EL0 run with MDE; KDE is not needed). */
    reset_seen();
    sysreg_write(mdscr_el1, MDSCR_MDE);
    sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)el0_bp);
    sysreg_write(dbgbcr0_el1, BCR_EL0);
    sysreg_write(dbgwvr0_el1, (uint64_t)(uintptr_t)w);
    sysreg_write(dbgwcr0_el1, WCR_EL0);
    __asm__ volatile("isb");
    *w = 0;
    run_el0((uint64_t)(uintptr_t)el0_code, SPSR_AIF, (uint64_t)(uintptr_t)w);
    check(s->n >= 1 && s->ec[0] == EC_BP_LOW && s->elr[0] == (uint64_t)(uintptr_t)el0_bp, name(0, "breakpoint_el0"),
          "%u exceptions, EC %lx ELR %lx", s->n, (unsigned long)s->ec[0], (unsigned long)s->elr[0]);
    check(s->n == 2 && s->ec[1] == EC_WP_LOW && s->elr[1] == (uint64_t)(uintptr_t)el0_store &&
              s->far[1] >= (uint64_t)(uintptr_t)w && s->far[1] < (uint64_t)(uintptr_t)w + 8 && *w == 1,
          name(1, "watchpoint_el0"), "%u exceptions, EC %lx ELR %lx FAR %lx, stored %lu", s->n, (unsigned long)s->ec[1],
          (unsigned long)s->elr[1], (unsigned long)s->far[1], (unsigned long)*w);
    /* Software step at EL0: three instructions. */
    reset_seen();
    s->steps_left = 3;
    sysreg_write(mdscr_el1, MDSCR_SS);
    __asm__ volatile("isb");
    run_el0((uint64_t)(uintptr_t)el0_step, SPSR_AIF | SPSR_SS, 0);
    uint64_t b = (uint64_t)(uintptr_t)el0_step;
    bool ok = s->n == 3;
    for (unsigned i = 0; i < 3 && i < s->n; i++)
        ok &= s->ec[i] == EC_STEP_LOW && s->elr[i] == b + 4 * (i + 1);
    check(ok, name(2, "single_step_el0"), "%u steps, EC %lx, ELRs %lx %lx %lx (code %lx)", s->n,
          (unsigned long)s->ec[0], (unsigned long)s->elr[0], (unsigned long)s->elr[1], (unsigned long)s->elr[2],
          (unsigned long)b);
}

/* While the other VM's vCPUs take turns on the same CPUs: a pattern of this VM and vCPU in
 * every breakpoint and watchpoint value register but the first, checked on every round, and the
 * first breakpoint re-armed and hit on every round. Returns the rounds that went wrong. */
static uint64_t pattern(unsigned i) { return (salt << 40 | (uint64_t)me() << 32 | i << 8) & ~3UL; }

static void write_bvr(unsigned n, uint64_t v);
static uint64_t read_bvr(unsigned n);
static void write_wvr(unsigned n, uint64_t v);
static uint64_t read_wvr(unsigned n);

static unsigned soak(unsigned ms, unsigned *rounds)
{
    struct seen *s = &seen[me()];
    for (unsigned i = 1; i < nr_brps; i++)
        write_bvr(i, pattern(i));
    for (unsigned i = 1; i < nr_wrps; i++)
        write_wvr(i, pattern(16 + i));
    sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)bp_target);
    sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    uint64_t end = sysreg_read(cntvct_el0) + sysreg_read(cntfrq_el0) * ms / 1000;
    unsigned bad = 0;
    *rounds = 0;
    while (sysreg_read(cntvct_el0) < end) {
        reset_seen();
        sysreg_write(dbgbcr0_el1, BCR_EL1);
        __asm__ volatile("isb");
        call_bp_target(0);
        bool ok = s->n == 1 && s->ec[0] == EC_BP_CUR;
        for (unsigned i = 1; i < nr_brps; i++)
            ok &= read_bvr(i) == pattern(i);
        for (unsigned i = 1; i < nr_wrps; i++)
            ok &= read_wvr(i) == pattern(16 + i);
        bad += !ok;
        if (!ok && bad == 1)
            gprintf("debug: vCPU%u round %u: %u exceptions, BVR1 %lx (want %lx)\n", me(), *rounds, s->n,
                    (unsigned long)read_bvr(1), (unsigned long)pattern(1));
        (*rounds)++;
    }
    return bad;
}

/* clang-format off */
#define BVR_CASE(n) case n: if (w) sysreg_write(dbgbvr##n##_el1, v); else v = sysreg_read(dbgbvr##n##_el1); break;
#define WVR_CASE(n) case n: if (w) sysreg_write(dbgwvr##n##_el1, v); else v = sysreg_read(dbgwvr##n##_el1); break;
#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
/* clang-format on */
static uint64_t bvr(unsigned n, bool w, uint64_t v)
{
    switch (n) {
        EACH(BVR_CASE)
    }
    return v;
}
static uint64_t wvr(unsigned n, bool w, uint64_t v)
{
    switch (n) {
        EACH(WVR_CASE)
    }
    return v;
}
static void write_bvr(unsigned n, uint64_t v) { bvr(n, true, v); }
static uint64_t read_bvr(unsigned n) { return bvr(n, false, 0); }
static void write_wvr(unsigned n, uint64_t v) { wvr(n, true, v); }
static uint64_t read_wvr(unsigned n) { return wvr(n, false, 0); }

/* ---- a VM without debug ---- */

static void test_off(void)
{
    struct seen *s = &seen[me()];
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    check(((dfr0 >> 12) & 0xf) == 1 && ((dfr0 >> 20) & 0xf) == 1 && (dfr0 & 0xf) == 6, "off_minimum_advertised",
          "ID_AA64DFR0_EL1 %lx", (unsigned long)dfr0);
    reset_seen();
    unmask_debug();
    sysreg_write(oslar_el1, 0);
    sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)bp_target);
    sysreg_write(dbgbcr0_el1, BCR_EL1);
    sysreg_write(dbgwvr0_el1, (uint64_t)(uintptr_t)&watched[0]);
    sysreg_write(dbgwcr0_el1, WCR_EL1);
    sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE | MDSCR_SS);
    __asm__ volatile("isb");
    call_bp_target(1);
    watched[0] = 5;
    __asm__ volatile("" ::: "memory");
    check(s->n == 0, "off_nothing_fires", "%u exceptions", s->n);
    check(sysreg_read(dbgbvr0_el1) == 0 && sysreg_read(dbgbcr0_el1) == 0, "off_registers_raz", "BVR0 %lx",
          (unsigned long)sysreg_read(dbgbvr0_el1));
    check((sysreg_read(mdscr_el1) & (MDSCR_MDE | MDSCR_KDE | MDSCR_SS)) == 0, "off_mdscr_no_enables", "MDSCR %lx",
          (unsigned long)sysreg_read(mdscr_el1));
}

/* ---- the two vCPUs ---- */

static volatile unsigned cpu1_stage;
static volatile unsigned cpu1_bad, cpu1_rounds;

void guest_secondary_main(uint64_t index)
{
    sysreg_write(vbar_el1, (uint64_t)(uintptr_t)dbg_vectors);
    __asm__ volatile("isb");
    test_oslock_and_el1();
    test_el0();
    __atomic_store_n(&cpu1_stage, 1, __ATOMIC_RELEASE);
    unsigned rounds;
    unsigned bad = soak(400, &rounds);
    cpu1_bad = bad;
    cpu1_rounds = rounds;
    __atomic_store_n(&cpu1_stage, 2, __ATOMIC_RELEASE);
    for (;;)
        __asm__ volatile("wfi");
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : NULL;
    no_debug = args && strcmp(args, "no-debug") == 0;
    salt = args && args[0] == 'B' ? 0xb : 0xa;
    sysreg_write(vbar_el1, (uint64_t)(uintptr_t)dbg_vectors);
    __asm__ volatile("isb");
    if (no_debug) {
        test_off();
        return guest_failures;
    }
    test_oslock_and_el1();
    test_el0();
    /* vCPU 1 does the same on the other CPU, then both soak at once. */
    bool on = hvc_call(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)guest_secondary_entry, 1) == 0;
    while (on && __atomic_load_n(&cpu1_stage, __ATOMIC_ACQUIRE) < 1)
        ;
    check(on, "cpu1_started", "CPU_ON failed"); /* after vCPU 1's lines: one console, no mixed lines */
    unsigned rounds;
    unsigned bad = soak(400, &rounds);
    while (on && __atomic_load_n(&cpu1_stage, __ATOMIC_ACQUIRE) < 2)
        ;
    gprintf("debug: soak: vCPU0 %u rounds, vCPU1 %u rounds\n", rounds, cpu1_rounds);
    check(bad == 0 && rounds > 100, "switched_state_kept", "%u of %u rounds wrong", bad, rounds);
    check(cpu1_bad == 0 && cpu1_rounds > 100, "cpu1_switched_state_kept", "%u of %u rounds wrong", cpu1_bad,
          cpu1_rounds);
    return guest_failures;
}
