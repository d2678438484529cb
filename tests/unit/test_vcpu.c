/* Host tests of running a vCPU (core/vcpu.c) and of the virtual CPU hardware seam
 * (core/vcpu_hw.c), through the seams rather than around them: the table of parts
 * (vcpu_hw_parts, core/vcpu_hw.h) is three fake parts that log every call and answer has_work
 * as the case says; the guest is a fake vcpu_enter (arch/aarch64/traps.h) that records the
 * HCR_EL2 it was entered with and calls vcpu_exit as the exit path does; the exit table's rows
 * are a fake handler that lets the case act between exits and stop the loop; FP/SIMD and EL1 context switching are
 * counting fakes of arch/aarch64/el1_ctx.h; system registers, per-CPU data and IPIs are the
 * stand-ins of tests/host/stubs.c. What is checked is what the hardware and the parts see:
 * the order of the parts' calls, the HCR_EL2 each entry runs with, which FP/SIMD registers are
 * saved and restored, and which CPU is kicked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/vcpu.h"
#include "core/vcpu_fp.h"
#include "core/vcpu_hw.h"
#include "core/exit.h"
#include "core/sched.h"
#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "tests/host/stubs.h"

#define NR_PARTS   3
#define PART_BYTES 100 /* part 1's per-VM state */
#define VLINES     (HCR_EL2_VF | HCR_EL2_VI | HCR_EL2_VSE)

/* ---- the call log: "load2 load1 load0 flush1 enter sync0 exit ..." ------------------------- */

static char calls[1024];

static void note(const char *what, int part)
{
    size_t n = strlen(calls);
    if (part < 0)
        snprintf(calls + n, sizeof(calls) - n, "%s%s", n ? " " : "", what);
    else
        snprintf(calls + n, sizeof(calls) - n, "%s%s%d", n ? " " : "", what, part);
}

/* ---- three fake parts of the virtual CPU hardware ---------------------------------------------
 * Parts 0 and 1 have every hook; part 2 only the required load and put. A flush or sync clears
 * the part's own byte (nothing more to do) unless the case says it keeps it, and may set
 * another part's sync byte. */

static struct fake_part {
    bool work;     /* what has_work answers */
    bool keeps;    /* flush/sync leave the part's byte set */
    int marks;     /* sync sets this part's hw_sync byte (-1: none) */
    int attach_rc; /* what attach returns */
    unsigned inits, attaches, last_cpu_init;
    struct vcpu *asked; /* the vCPU has_work was asked about */
    bool asked_loaded;  /* its v->loaded then */
} part[NR_PARTS];

static void part_load(struct vcpu *v, int n) { note("load", n); }
static void part_put(struct vcpu *v, int n) { note("put", n); }

static void part_flush(struct vcpu *v, int n)
{
    note("flush", n);
    if (!part[n].keeps)
        v->hw_flush.part[n] = 0;
}

static void part_sync(struct vcpu *v, int n)
{
    note("sync", n);
    if (!part[n].keeps)
        v->hw_sync.part[n] = 0;
    if (part[n].marks >= 0)
        v->hw_sync.part[part[n].marks] = 1;
}

static bool part_has_work(struct vcpu *v, int n)
{
    part[n].asked = v;
    part[n].asked_loaded = v->loaded;
    return part[n].work;
}

static void part_init(int n) { part[n].inits++; }
static void part_cpu_init(unsigned cpu, int n) { part[n].last_cpu_init = cpu + 1; }

static int part_attach(struct vm *vm, int n)
{
    part[n].attaches++;
    return part[n].attach_rc;
}

#define FAKE_PART(n, state_size)                                                   \
    static void load##n(struct vcpu *v) { part_load(v, n); }                       \
    static void put##n(struct vcpu *v) { part_put(v, n); }                         \
    static void flush##n(struct vcpu *v) { part_flush(v, n); }                     \
    static void sync##n(struct vcpu *v) { part_sync(v, n); }                       \
    static bool has_work##n(struct vcpu *v) { return part_has_work(v, n); }        \
    static void init##n(void) { part_init(n); }                                    \
    static void cpu_init##n(unsigned cpu) { part_cpu_init(cpu, n); }               \
    static int attach##n(struct vm *vm) { return part_attach(vm, n); }             \
    static const struct vcpu_hw_ops part##n##_ops = { .vm_state_size = state_size, \
                                                      .init = init##n,             \
                                                      .cpu_init = cpu_init##n,     \
                                                      .attach = attach##n,         \
                                                      .load = load##n,             \
                                                      .put = put##n,               \
                                                      .flush = flush##n,           \
                                                      .sync = sync##n,             \
                                                      .has_work = has_work##n };

FAKE_PART(0, 0)
FAKE_PART(1, PART_BYTES)

static void load2(struct vcpu *v) { part_load(v, 2); }
static void put2(struct vcpu *v) { part_put(v, 2); }
static const struct vcpu_hw_ops part2_ops = { .load = load2, .put = put2 };

/* The table core runs through, in place of vdev/vcpu_hw_table.c's. */
const struct vcpu_hw_ops *const vcpu_hw_parts[] = { &part0_ops, &part1_ops, &part2_ops };
const unsigned vcpu_hw_nr = NR_PARTS;

/* ---- the fake guest and exit path --------------------------------------------------------- */

#define MAX_ENTRIES 16

static struct fake_guest {
    struct vcpu *v;                                 /* whose registers vcpu_enter must be given */
    unsigned entries, exits_left;                   /* fake_exit yields when exits_left reaches 0 */
    uint64_t hcr[MAX_ENTRIES];                      /* HCR_EL2 at each entry */
    bool takes_serror;                              /* a pending virtual SError is taken: the CPU clears VSE */
    void (*between)(struct vcpu *v, unsigned exit); /* runs in fake_exit, exit counted from 1 */
} guest;

/* The guest's synchronous exit: what the exit table's row runs (every row of fake_table). */
static enum exit_result fake_exit(struct vcpu *v, uint64_t esr)
{
    note("exit", -1);
    if (guest.between)
        guest.between(v, guest.entries);
    if (guest.exits_left && --guest.exits_left)
        return EXIT_RESUME;
    return EXIT_YIELD;
}

static const struct exit_hook fake_table[ESR_EC_MASK + 1] = {
    [0 ... ESR_EC_MASK] = { .ec = 0, .cls = EXITC_BY_HANDLER, .fn = fake_exit },
};

/* As vectors.S does: enter, and at each exit call vcpu_exit, which says whether to enter
 * again at once (the same register file) or to return to vcpu_run. */
void vcpu_enter(struct guest_regs *regs)
{
    assert_ptr_equal(regs, &guest.v->regs);
    for (;;) {
        if (guest.entries == MAX_ENTRIES)
            fail_msg("the run loop did not stop");
        uint64_t hcr = host_sysreg_read("hcr_el2");
        guest.hcr[guest.entries++] = hcr;
        note("enter", -1);
        if (guest.takes_serror && (hcr & HCR_EL2_VSE))
            host_sysreg_write("hcr_el2", hcr & ~HCR_EL2_VSE);
        struct guest_regs *next = vcpu_exit(regs, EXIT_SYNC);
        if (!next)
            return;
        assert_ptr_equal(next, regs);
    }
}

/* Only synchronous exits here: they go through the vCPU's exit table (fake_table). */
enum exit_result exit_handle(struct vcpu *v, unsigned kind)
{
    fail_msg("exit_handle for an exit of kind %u", kind);
    return EXIT_YIELD;
}
void irq_handle_pending(void) { fail_msg("an interrupt exit"); }

/* ---- fakes of the rest of what core/vcpu.c calls --------------------------------------------- */

static struct {
    unsigned saves, restores;
    const struct fp_ctx *last_saved, *last_restored;
} fp;
void fp_ctx_save(struct fp_ctx *c)
{
    fp.saves++;
    fp.last_saved = c;
}
void fp_ctx_restore(const struct fp_ctx *c)
{
    fp.restores++;
    fp.last_restored = c;
}

static unsigned el1_saves, el1_restores;
void el1_ctx_save(struct el1_ctx *c) { el1_saves++; }
void el1_ctx_restore(const struct el1_ctx *c) { el1_restores++; }
void stage2_hw_init(void) {}

/* ---- one VM with two vCPUs ---------------------------------------------------------------- */

static struct vm vm;
static struct vcpu *v0, *v1;

static int setup(void **state)
{
    host_reset();
    memset(calls, 0, sizeof(calls));
    memset(part, 0, sizeof(part));
    for (unsigned i = 0; i < NR_PARTS; i++)
        part[i].marks = -1;
    memset(&guest, 0, sizeof(guest));
    memset(&fp, 0, sizeof(fp));
    el1_saves = el1_restores = 0;
    this_cpu()->sharing = 1; /* sched_cpu_shared() */
    memset(&vm, 0, sizeof(vm));
    vm.cfg.nr_vcpus = 2;
    vm.state = VM_RUNNING;
    vm.vttbr = 0x0001000040200000UL;
    vm.cntvoff = 0x1234;
    for (unsigned i = 0; i < 2; i++) {
        struct vcpu *v = &vm.vcpu[i];
        v->vm = &vm;
        v->id = i;
        v->pcpu = 0;
        v->vmpidr = 0x80000000UL | i;
        v->state = VCPU_RUNNABLE;
        v->exit_table = fake_table;
    }
    v0 = &vm.vcpu[0];
    v1 = &vm.vcpu[1];
    guest.v = v0;
    assert_int_equal(vcpu_hw_attach(&vm), 0);
    memset(calls, 0, sizeof(calls));
    return 0;
}

static int teardown(void **state)
{
    free(vm.hw[1].state); /* the stand-in page_alloc is aligned_alloc */
    return 0;
}

/* Runs v on the calling CPU until its `exits`-th exit (or until vcpu_run stops earlier). */
static void run(struct vcpu *v, unsigned exits)
{
    guest.v = v;
    guest.exits_left = exits;
    vcpu_run(v);
}

static uint64_t hcr_el2(void) { return host_sysreg_read("hcr_el2"); }

/* ---- cases: the parts around load, put, exits and entries ---------------------------------- */

static void test_parts_load_last_to_first_and_put_first_to_last(void **state)
{
    vcpu_load(v0);
    assert_string_equal(calls, "load2 load1 load0");
    assert_true(v0->loaded);
    assert_ptr_equal(this_cpu()->vcpu, v0);
    memset(calls, 0, sizeof(calls));
    vcpu_put(v0);
    assert_string_equal(calls, "put0 put1 put2");
    assert_false(v0->loaded);
    assert_null(this_cpu()->vcpu);
}

static void test_load_makes_the_vcpu_live_and_put_gives_the_cpu_back(void **state)
{
    vcpu_load(v1);
    assert_int_equal(el1_restores, 1);
    assert_int_equal(host_sysreg_read("vttbr_el2"), vm.vttbr);
    assert_int_equal(host_sysreg_read("vmpidr_el2"), v1->vmpidr);
    assert_int_equal(host_sysreg_read("cntvoff_el2"), vm.cntvoff);
    uint64_t guest_controls = HCR_EL2_VM | HCR_EL2_IMO | HCR_EL2_FMO | HCR_EL2_AMO | HCR_EL2_TSC | HCR_EL2_TID3;
    assert_int_equal(hcr_el2() & guest_controls, guest_controls);
    vcpu_put(v1);
    assert_int_equal(el1_saves, 1);
    assert_int_equal(hcr_el2(), HCR_EL2_RW); /* no stage 2, no traps: the hypervisor's own */
}

static void test_a_run_flushes_and_syncs_only_the_marked_parts(void **state)
{
    v0->hw_flush.part[1] = 1;
    v0->hw_sync.part[0] = 1;
    run(v0, 2);
    /* Each part clears its byte once done: the second exit and entry call nobody. */
    assert_string_equal(calls, "load2 load1 load0 flush1 enter sync0 exit enter exit put0 put1 put2");
    assert_int_equal(guest.entries, 2);
    assert_false(v0->loaded);
}

static void test_a_part_that_keeps_its_byte_is_called_at_every_exit(void **state)
{
    part[0].keeps = part[1].keeps = true;
    v0->hw_flush.part[0] = 1;
    v0->hw_sync.part[1] = 1;
    run(v0, 2);
    assert_string_equal(calls, "load2 load1 load0 flush0 enter sync1 exit flush0 enter sync1 exit put0 put1 put2");
}

static void test_parts_run_first_to_last_and_see_what_earlier_ones_marked(void **state)
{
    v0->hw_flush.part[0] = v0->hw_flush.part[1] = 1;
    v0->hw_sync.part[0] = 1;
    part[0].marks = 1; /* the first part's sync gives the second one work at this exit */
    run(v0, 1);
    assert_string_equal(calls, "load2 load1 load0 flush0 flush1 enter sync0 sync1 exit put0 put1 put2");
    assert_int_equal(v0->hw_sync.any, 0);
}

/* As vm_stop and the scheduler's slice timer do: the change, then the CPU's attention. */
static void stop_vm(struct vcpu *v, unsigned exit)
{
    v->vm->state = VM_STOPPED;
    vm_attention(v->vm);
}
static void resched_at_second_exit(struct vcpu *v, unsigned exit)
{
    this_cpu()->resched = exit == 2;
    cpu_attention(this_cpu()->id);
}

static void test_the_run_ends_when_the_vm_stops_or_the_slice_is_over(void **state)
{
    guest.between = stop_vm;
    run(v0, 10); /* the exit handler says resume, but the VM is stopped */
    assert_int_equal(guest.entries, 1);
    assert_false(v0->loaded);

    teardown(state);
    setup(state);
    guest.between = resched_at_second_exit;
    run(v0, 10);
    assert_int_equal(guest.entries, 2);

    teardown(state);
    setup(state);
    v0->state = VCPU_OFF;
    run(v0, 10);
    assert_string_equal(calls, "load2 load1 load0 put0 put1 put2"); /* never entered */
}

/* ---- cases: HCR_EL2 ------------------------------------------------------------------------ */

static void test_wfi_traps_only_on_a_shared_cpu(void **state)
{
    run(v0, 1);
    assert_false(guest.hcr[0] & HCR_EL2_TWI); /* alone: WFI sleeps in the guest */
    assert_true(guest.hcr[0] & HCR_EL2_TWE);
    this_cpu()->sharing = 2;
    run(v0, 1);
    assert_true(guest.hcr[1] & HCR_EL2_TWI); /* shared: WFI gives the CPU away */
    assert_int_equal(guest.hcr[1] & ~HCR_EL2_TWI, guest.hcr[0]);
}

static void trap_wfi_by_exit(struct vcpu *v, unsigned exit)
{
    if (exit == 1)
        vcpu_trap_wfi(v, WFI_TRAP_TIMER, true);
    if (exit == 2)
        vcpu_trap_wfi(v, WFI_TRAP_KICK, true);
    if (exit == 3)
        vcpu_trap_wfi(v, WFI_TRAP_TIMER, false);
    if (exit == 4)
        vcpu_trap_wfi(v, WFI_TRAP_KICK, false);
}

static void test_wfi_traps_alone_while_a_reason_is_set(void **state)
{
    guest.between = trap_wfi_by_exit;
    run(v0, 5);
    assert_false(guest.hcr[0] & HCR_EL2_TWI);
    assert_true(guest.hcr[1] & HCR_EL2_TWI);  /* timer */
    assert_true(guest.hcr[2] & HCR_EL2_TWI);  /* timer and kick */
    assert_true(guest.hcr[3] & HCR_EL2_TWI);  /* kick still */
    assert_false(guest.hcr[4] & HCR_EL2_TWI); /* no reason left */
    assert_int_equal(guest.hcr[1] & ~HCR_EL2_TWI, guest.hcr[0]);

    /* A reason set while the vCPU is off the CPU counts from its next load. */
    vcpu_trap_wfi(v1, WFI_TRAP_TIMER, true);
    run(v1, 1);
    assert_true(guest.hcr[5] & HCR_EL2_TWI);
}

static void swap_lines(struct vcpu *v, unsigned exit)
{
    vcpu_set_vline(v, VLINE_IRQ, false);
    vcpu_set_vline(v, VLINE_FIQ, true);
}

static void test_virtual_lines_are_merged_into_each_entry(void **state)
{
    vcpu_set_vline(v0, VLINE_IRQ, true);
    guest.between = swap_lines;
    run(v0, 2);
    assert_int_equal(guest.hcr[0] & VLINES, HCR_EL2_VI);
    assert_int_equal(guest.hcr[1] & VLINES, HCR_EL2_VF);
    assert_int_equal(guest.hcr[0] & ~VLINES, guest.hcr[1] & ~VLINES);
    assert_int_equal(guest.hcr[0] & ~VLINES & HCR_EL2_VM, HCR_EL2_VM);
}

static void raise_serror(struct vcpu *v, unsigned exit)
{
    if (exit == 1)
        vcpu_set_vline(v, VLINE_SERROR, true);
}

static void test_a_virtual_serror_is_taken_once(void **state)
{
    *host_sysreg(0, "id_aa64pfr0_el1") = REG_FIELD(1, ID_AA64PFR0_EL1_RAS_SHIFT); /* FEAT_RAS */
    *host_sysreg(0, "s3_4_c5_c2_3") = 0xbad;                                      /* VSESR_EL2 */
    guest.between = raise_serror;
    guest.takes_serror = true;
    run(v0, 3);
    assert_int_equal(guest.hcr[0] & VLINES, 0);
    assert_int_equal(guest.hcr[1] & VLINES, HCR_EL2_VSE);
    assert_int_equal(*host_sysreg(0, "s3_4_c5_c2_3"), 0); /* an uncategorized error */
    assert_int_equal(guest.hcr[2] & VLINES, 0);           /* the guest took it */
    assert_int_equal(v0->vlines, 0);
}

/* A virtual SError raised while the vCPU was not loaded (from another CPU, or before its first
 * run) has its syndrome too: VSESR_EL2 is written at load, not only on a change at entry. */
static void test_a_virtual_serror_pending_at_load_has_its_syndrome(void **state)
{
    *host_sysreg(0, "id_aa64pfr0_el1") = REG_FIELD(1, ID_AA64PFR0_EL1_RAS_SHIFT); /* FEAT_RAS */
    *host_sysreg(0, "s3_4_c5_c2_3") = 0xbad;                                      /* VSESR_EL2 */
    vcpu_set_vline(v0, VLINE_SERROR, true);
    run(v0, 1);
    assert_int_equal(guest.hcr[0] & VLINES, HCR_EL2_VSE);
    assert_int_equal(*host_sysreg(0, "s3_4_c5_c2_3"), 0);
}

static void test_without_ras_vsesr_is_left_alone(void **state)
{
    vcpu_set_vline(v0, VLINE_SERROR, true);
    run(v0, 1);
    assert_int_equal(guest.hcr[0] & VLINES, HCR_EL2_VSE);
    assert_false(host_sysreg_touched("s3_4_c5_c2_3"));
    assert_int_equal(v0->vlines, HCR_EL2_VSE); /* not taken yet: still pending */
}

/* ---- cases: FP/SIMD ------------------------------------------------------------------------ */

/* The guest's first FP/SIMD instruction since its load: it traps (CPTR_EL2.TFP) to exit_fp. */
static bool tfp(unsigned cpu) { return (*host_sysreg(cpu, "cptr_el2") & CPTR_EL2_TFP) != 0; }
static void fp_use(struct vcpu *v)
{
    assert_int_equal(exit_fp(v, (uint64_t)ESR_EC_FP_ASIMD << ESR_EC_SHIFT | ESR_IL), EXIT_RESUME);
    assert_false(tfp(v->pcpu));
}

/* Lazily (core/vcpu_fp.c): loaded at the first use, saved only when another vCPU claims them. */
static void test_fp_is_switched_at_first_use_only_when_another_vcpus_is_live(void **state)
{
    vcpu_load(v0); /* nobody's registers live here: TFP, nothing moved */
    assert_true(tfp(0));
    vcpu_put(v0);
    vcpu_load(v0);
    assert_true(tfp(0));
    assert_int_equal(fp.restores + fp.saves, 0);
    fp_use(v0); /* restore only */
    assert_int_equal(fp.restores, 1);
    assert_ptr_equal(fp.last_restored, &v0->fp);
    assert_int_equal(fp.saves, 0);
    vcpu_put(v0);
    assert_int_equal(fp.saves, 0); /* nothing at put */
    vcpu_load(v0);                 /* still its own: live, no trap */
    assert_false(tfp(0));
    vcpu_put(v0);
    vcpu_load(v1); /* v1 without FP: v0's stay */
    assert_true(tfp(0));
    vcpu_put(v1);
    vcpu_load(v0);
    assert_false(tfp(0));
    assert_int_equal(fp.restores + fp.saves, 1);
    vcpu_put(v0);
    vcpu_load(v1);
    fp_use(v1); /* v0's are live: saved first */
    assert_int_equal(fp.saves, 1);
    assert_ptr_equal(fp.last_saved, &v0->fp);
    assert_int_equal(fp.restores, 2);
    assert_ptr_equal(fp.last_restored, &v1->fp);
    fp_use(v1); /* again (a guest's trap raced): nothing moves */
    assert_int_equal(fp.restores + fp.saves, 3);
    vcpu_put(v1);
    vcpu_load(v0);
    assert_true(tfp(0));
    vcpu_put(v0);
}

/* Issue 13 item 9: v0's VM is reset while v0's registers are live on its CPU; the next vCPU
 * that claims them there must not save them into v0->fp, which v0 would then restore after its
 * reset. */
static void test_reset_vcpus_live_fp_is_not_saved_back(void **state)
{
    v1->pcpu = 0;
    vcpu_load(v0);
    fp_use(v0);
    vcpu_put(v0);
    v0->fp_reset = true; /* SYSTEM_RESET of v0's VM, from any CPU */
    vcpu_load(v1);       /* v0's pre-reset registers are live here */
    fp_use(v1);
    assert_int_equal(fp.saves, 0);
    vcpu_put(v1);
    vcpu_load(v0);
    assert_true(tfp(0));
    assert_false(v0->fp_reset);
    fp_use(v0);
    assert_int_equal(fp.saves, 1); /* v1's, not v0's */
    assert_ptr_equal(fp.last_saved, &v1->fp);
    assert_ptr_equal(fp.last_restored, &v0->fp);
    vcpu_put(v0);
}

static void test_stale_fp_is_restored_even_when_its_own(void **state)
{
    vcpu_load(v0);
    fp_use(v0);
    vcpu_put(v0);
    memset(&v0->fp, 0xaa, sizeof(v0->fp));
    v0->fp_reset = true; /* a reset */
    vcpu_load(v0);       /* the live registers are the old VM's: nobody's */
    assert_true(tfp(0));
    assert_false(v0->fp_reset);
    assert_int_equal(v0->fp.v[0][0], 0);
    fp_use(v0);
    assert_int_equal(fp.restores, 2);
    assert_int_equal(fp.saves, 0);
    assert_int_equal(v0->fp.v[0][0], 0); /* zeroed, then restored */
    vcpu_put(v0);
    /* Each CPU has its own live registers: v1 on CPU 1 saves nobody's. */
    host_set_cpu(1);
    v1->pcpu = 1;
    vcpu_load(v1);
    fp_use(v1);
    assert_int_equal(fp.saves, 0);
    assert_int_equal(fp.restores, 3);
    vcpu_put(v1);
}

/* ---- cases: has_work and kicks ------------------------------------------------------------- */

static void test_has_work_asks_the_parts(void **state)
{
    assert_false(vcpu_has_work(v1));
    assert_ptr_equal(part[0].asked, v1);
    assert_ptr_equal(part[1].asked, v1);
    part[1].work = true;
    assert_true(vcpu_has_work(v1));
    part[1].work = false;
    part[0].work = true;
    vcpu_load(v1);
    assert_true(vcpu_has_work(v1));
    assert_true(part[0].asked_loaded); /* the part knows whether the state is live */
    vcpu_put(v1);
}

static void test_kick_reaches_only_a_loaded_vcpus_cpu(void **state)
{
    v1->pcpu = 1;
    vcpu_kick(v1); /* not loaded: nothing to interrupt */
    assert_int_equal(host_kicks[1], 0);
    host_set_cpu(1);
    vcpu_load(v1);
    host_set_cpu(0);
    vcpu_kick(v1);
    assert_int_equal(host_kicks[1], 1);
    vcpu_poll_kick(v1);
    assert_int_equal(host_kicks[1], 2);
    assert_true(v1->poll_kick);
    assert_int_equal(host_kicks[0], 0);
}

/* Issue 13 item 8: a vCPU not loaded is news for its CPU only if that CPU sleeps; otherwise
 * an IPI would only force an exit on whatever other VM runs there. */
static void test_kick_of_an_unloaded_vcpu_wakes_only_an_idle_cpu(void **state)
{
    v1->pcpu = 1;
    percpu_data[1].idle = false;
    vcpu_kick(v1);
    assert_int_equal(host_kicks[1], 0);
    percpu_data[1].idle = true;
    vcpu_kick(v1);
    assert_int_equal(host_kicks[1], 1);
    percpu_data[1].idle = false;
}

static void test_a_virtual_line_kicks_only_another_cpu(void **state)
{
    v1->pcpu = 1;
    vcpu_set_vline(v1, VLINE_IRQ, true); /* not loaded: seen at its next load */
    assert_int_equal(host_kicks[1], 0);
    host_set_cpu(1);
    vcpu_load(v1);
    assert_int_equal(hcr_el2() & VLINES, HCR_EL2_VI);
    vcpu_set_vline(v1, VLINE_IRQ, false); /* from its own CPU: seen at the next entry */
    assert_int_equal(host_kicks[1], 0);
    host_set_cpu(0);
    vcpu_set_vline(v1, VLINE_FIQ, true); /* from another CPU while it runs */
    assert_int_equal(host_kicks[1], 1);
    assert_int_equal(v1->vlines, HCR_EL2_VF);
}

/* ---- cases: core/vcpu_hw.c ----------------------------------------------------------------- */

static void test_init_and_cpu_init_reach_the_parts_that_have_them(void **state)
{
    vcpu_hw_init();
    vcpu_hw_cpu_init(3);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(part[i].inits, 1);
        assert_int_equal(part[i].last_cpu_init, 3 + 1);
    }
}

static void test_attach_fills_the_vms_parts_and_keeps_their_state(void **state)
{
    assert_int_equal(vm.nr_hw, NR_PARTS);
    for (unsigned i = 0; i < NR_PARTS; i++)
        assert_ptr_equal(vm.hw[i].ops, vcpu_hw_parts[i]);
    assert_null(vm.hw[0].state);
    assert_non_null(vm.hw[1].state);
    assert_int_equal(part[1].attaches, 1);
    uint8_t *st = vm.hw[1].state;
    for (unsigned i = 0; i < PART_BYTES; i++)
        assert_int_equal(st[i], 0);
    st[0] = 0x5a;                             /* e.g. a timer armed in it */
    assert_int_equal(vcpu_hw_attach(&vm), 0); /* a VM reset */
    assert_ptr_equal(vm.hw[1].state, st);
    assert_int_equal(st[0], 0x5a);
    assert_int_equal(part[0].attaches, 2);
    part[1].attach_rc = -1;
    assert_int_equal(vcpu_hw_attach(&vm), -1);
}

static int group_setup(void **state)
{
    alarm(10); /* a run loop that does not stop fails the program instead of hanging */
    return 0;
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_parts_load_last_to_first_and_put_first_to_last),
        CASE(test_load_makes_the_vcpu_live_and_put_gives_the_cpu_back),
        CASE(test_a_run_flushes_and_syncs_only_the_marked_parts),
        CASE(test_a_part_that_keeps_its_byte_is_called_at_every_exit),
        CASE(test_parts_run_first_to_last_and_see_what_earlier_ones_marked),
        CASE(test_the_run_ends_when_the_vm_stops_or_the_slice_is_over),
        CASE(test_wfi_traps_only_on_a_shared_cpu),
        CASE(test_wfi_traps_alone_while_a_reason_is_set),
        CASE(test_virtual_lines_are_merged_into_each_entry),
        CASE(test_a_virtual_serror_is_taken_once),
        CASE(test_a_virtual_serror_pending_at_load_has_its_syndrome),
        CASE(test_without_ras_vsesr_is_left_alone),
        CASE(test_fp_is_switched_at_first_use_only_when_another_vcpus_is_live),
        CASE(test_stale_fp_is_restored_even_when_its_own),
        CASE(test_reset_vcpus_live_fp_is_not_saved_back),
        CASE(test_has_work_asks_the_parts),
        CASE(test_kick_reaches_only_a_loaded_vcpus_cpu),
        CASE(test_kick_of_an_unloaded_vcpu_wakes_only_an_idle_cpu),
        CASE(test_a_virtual_line_kicks_only_another_cpu),
        CASE(test_init_and_cpu_init_reach_the_parts_that_have_them),
        CASE(test_attach_fills_the_vms_parts_and_keeps_their_state),
    };
    return cmocka_run_group_tests_name("vcpu", tests, group_setup, NULL);
}
