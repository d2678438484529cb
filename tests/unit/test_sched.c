/* Host tests of the scheduler's choice (core/sched.c, sched_pick: what sched_loop runs next on
 * a physical CPU) through its seams: the VMs are the table core/vm.h declares (vms, nr_vms),
 * filled here as vmm.c would place their vCPUs; whether a waiting vCPU has an interrupt due is
 * asked of the virtual CPU hardware (core/vcpu_hw.c over a table of two fake parts whose
 * has_work answers as the case says). What is checked is which vCPU each CPU gets, in which
 * order, and what it is told about the rest (someone waits: sleep until an interrupt). The
 * loop itself (sched_loop never returns) is left to the system tests; what it calls beyond
 * sched_pick is faked here only so that core/sched.c links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/sched.h"
#include "core/vcpu_power.h"
#include "drivers/psci.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/vcpu_hw.h"
#include "core/vmm.h"
#include "core/console_input.h"
#include "drivers/timer.h"
#include "tests/host/stubs.h"

/* ---- two fake parts: each says a vCPU has work when the case named it ----------------------- */

static struct vcpu *due[2]; /* the vCPU each part has an interrupt or event for */
static unsigned asked;      /* has_work calls */

static void nop(struct vcpu *v) {}
static bool has_work(struct vcpu *v, unsigned part)
{
    asked++;
    return due[part] == v;
}
static bool has_work0(struct vcpu *v) { return has_work(v, 0); }
static bool has_work1(struct vcpu *v) { return has_work(v, 1); }

static const struct vcpu_hw_ops part0 = { .load = nop, .put = nop, .has_work = has_work0 };
static const struct vcpu_hw_ops part1 = { .load = nop, .put = nop, .has_work = has_work1 };
const struct vcpu_hw_ops *const vcpu_hw_parts[] = { &part0, &part1 };
const unsigned vcpu_hw_nr = 2;

/* ---- what core/sched.c links against besides sched_pick's seams: never reached here ------- */

struct vm vms[CONFIG_MAX_VMS];
unsigned nr_vms;

void vcpu_cpu_init(void) { fail(); }
void vcpu_run(struct vcpu *v) { fail(); }
void vm_reset_begin(struct vcpu *v) { fail(); }
void vm_reset_work(void) { fail(); }
void irq_handle_pending(void) { fail(); }
void irq_wait(void) { fail(); }
bool console_input_irq_driven(void)
{
    fail();
    return false;
}
void console_input_poll(void) { fail(); }
uint64_t timer_now(void)
{
    fail();
    return 0;
}
uint64_t timer_freq(void)
{
    fail();
    return 0;
}
void timer_start(struct hyp_timer *t, uint64_t deadline, hyp_timer_fn fn, void *arg) { fail(); }
void timer_stop(struct hyp_timer *t) { fail(); }

/* ---- the placement: VM a with vCPUs on CPUs 0, 1, 0; VM b with two on CPU 0 ---------------- */

static struct vm *const a = &vms[0], *const b = &vms[1];
static unsigned cursor[MAX_CPUS];
static bool waits;
static char picked[256];

static void place(struct vm *vm, const char *name, unsigned nr, const unsigned *pcpu)
{
    strcpy(vm->cfg.name, name);
    vm->cfg.nr_vcpus = nr;
    vm->state = VM_RUNNING;
    for (unsigned i = 0; i < nr; i++) {
        vm->vcpu[i].vm = vm;
        vm->vcpu[i].id = i;
        vm->vcpu[i].pcpu = pcpu[i];
        vm->vcpu[i].state = VCPU_RUNNABLE;
    }
    assert_int_equal(vcpu_hw_attach(vm), 0);
}

static int setup(void **state)
{
    host_reset();
    memset(vms, 0, sizeof(vms));
    memset(cursor, 0, sizeof(cursor));
    memset(due, 0, sizeof(due));
    asked = 0;
    place(a, "a", 3, (const unsigned[]){ 0, 1, 0 });
    place(b, "b", 2, (const unsigned[]){ 0, 0 });
    nr_vms = 2;
    return 0;
}

/* What CPU cpu runs at its next n picks, as "a0 a2 b0" ("-" when nothing; waits says, of the
 * last pick, whether a vCPU waits for an interrupt). */
static const char *picks(unsigned cpu, unsigned n)
{
    picked[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        struct vcpu *v = sched_pick(cpu, &cursor[cpu], &waits);
        size_t len = strlen(picked);
        if (v)
            snprintf(picked + len, sizeof(picked) - len, "%s%s%u", i ? " " : "", v->vm->cfg.name, v->id);
        else
            snprintf(picked + len, sizeof(picked) - len, "%s-", i ? " " : "");
    }
    return picked;
}

/* ---- cases ---------------------------------------------------------------------------------- */

static void test_round_robin_over_the_vcpus_placed_here(void **state)
{
    assert_string_equal(picks(0, 7), "a0 a2 b0 b1 a0 a2 b0");
    assert_false(waits);
    assert_int_equal(asked, 0); /* nobody waits: the parts are not asked */
}

static void test_other_cpus_vcpus_are_left_to_them(void **state)
{
    assert_string_equal(picks(1, 3), "a1 a1 a1");
    assert_string_equal(picks(2, 1), "-");
    assert_false(waits);
    assert_int_equal(a->vcpu[1].state, VCPU_RUNNABLE);
}

static void test_a_vm_that_is_not_running_is_skipped(void **state)
{
    b->state = VM_STOPPED;
    assert_string_equal(picks(0, 3), "a0 a2 a0");
    b->state = VM_RESETTING; /* its vCPUs run again once the reset is finished */
    assert_string_equal(picks(0, 2), "a2 a0");
    b->state = VM_RUNNING;
    assert_string_equal(picks(0, 3), "a2 b0 b1");
}

static void test_vcpus_off_or_stopped_are_skipped(void **state)
{
    a->vcpu[2].state = VCPU_OFF;
    b->vcpu[0].state = VCPU_STOPPED;
    assert_string_equal(picks(0, 4), "a0 b1 a0 b1");
    a->vcpu[0].state = VCPU_OFF;
    b->vcpu[1].state = VCPU_OFF;
    assert_string_equal(picks(0, 1), "-");
    assert_false(waits); /* nothing to wait for: plain idle */
}

static void test_cpu_on_makes_a_vcpu_runnable_on_its_own_cpu(void **state)
{
    a->vcpu[2].state = VCPU_ON_PENDING; /* PSCI CPU_ON from a0 */
    a->vcpu[1].state = VCPU_ON_PENDING; /* placed on CPU 1: its scheduler's business */
    assert_string_equal(picks(0, 2), "a0 a2");
    assert_int_equal(a->vcpu[2].state, VCPU_RUNNABLE);
    assert_int_equal(a->vcpu[1].state, VCPU_ON_PENDING);
    assert_string_equal(picks(1, 1), "a1");
    assert_int_equal(a->vcpu[1].state, VCPU_RUNNABLE);
}

/* Issue 13 item 10: a vCPU that called CPU_OFF is off before its CPU saves its context; a
 * CPU_ON from another vCPU in between must not be undone by that save. The boot state is
 * applied by the target's own CPU, after the save. */
static void test_cpu_on_racing_cpu_off_keeps_its_boot_state(void **state)
{
    struct vcpu *t = &a->vcpu[1];
    t->state = VCPU_RUNNABLE;
    t->el1.sctlr = 0x30d0199d; /* the guest's, MMU on */
    vcpu_power_off(t);         /* t's CPU is still leaving the guest */
    assert_int_equal(t->state, VCPU_OFF);
    assert_int_equal(vcpu_power_on(t, 0x40080000, 7), PSCI_SUCCESS); /* from a0 on CPU 0 */
    assert_int_equal(vcpu_power_on(t, 0x40090000, 8), PSCI_ON_PENDING);
    t->el1.sctlr = 0x30d0199d; /* vcpu_put on t's CPU saves what the hardware held */
    assert_string_equal(picks(1, 1), "a1");
    assert_int_equal(t->state, VCPU_RUNNABLE);
    assert_int_equal(t->el1.sctlr, SCTLR_EL1_RESET);
    assert_int_equal(t->regs.pc, 0x40080000);
    assert_int_equal(t->regs.x[0], 7);
}

static void test_cpu_on_in_a_stopped_vm_stays_pending(void **state)
{
    b->vcpu[1].state = VCPU_ON_PENDING;
    b->state = VM_STOPPED;
    assert_string_equal(picks(0, 3), "a0 a2 a0");
    assert_int_equal(b->vcpu[1].state, VCPU_ON_PENDING);
}

static void test_a_waiting_vcpu_runs_only_when_a_part_has_work_for_it(void **state)
{
    b->vcpu[0].waiting = true; /* WFI off its shared CPU */
    assert_string_equal(picks(0, 4), "a0 a2 b1 a0");
    assert_true(b->vcpu[0].waiting);
    due[1] = &b->vcpu[0]; /* e.g. its virtual timer fired */
    assert_string_equal(picks(0, 2), "a2 b0");
    assert_false(b->vcpu[0].waiting);
    due[1] = 0;
    assert_string_equal(picks(0, 1), "b1"); /* no longer waiting: no work needed */
}

static void test_the_cpu_sleeps_when_its_only_vcpus_wait(void **state)
{
    a->vcpu[0].state = a->vcpu[2].state = VCPU_OFF;
    b->vcpu[0].waiting = b->vcpu[1].waiting = true;
    assert_string_equal(picks(0, 1), "-");
    assert_true(waits);         /* sched_loop sleeps until an interrupt, then picks again */
    assert_int_equal(asked, 4); /* each waiting vCPU asked both parts */
    due[0] = &b->vcpu[1];       /* the first part suffices */
    assert_string_equal(picks(0, 1), "b1");
    assert_true(b->vcpu[0].waiting);
    assert_false(b->vcpu[1].waiting);
    due[0] = 0;
    b->vcpu[1].waiting = true; /* its next WFI */
    assert_string_equal(picks(0, 1), "-");
    assert_true(waits);
}

static void test_a_vcpu_waiting_elsewhere_does_not_keep_this_cpu_waiting(void **state)
{
    a->vcpu[1].waiting = true;
    a->vcpu[0].state = a->vcpu[2].state = VCPU_OFF;
    b->vcpu[0].state = b->vcpu[1].state = VCPU_OFF;
    assert_string_equal(picks(0, 1), "-");
    assert_false(waits);
    assert_string_equal(picks(1, 1), "-");
    assert_true(waits);
}

static void test_a_vm_added_later_joins_the_rotation(void **state)
{
    assert_string_equal(picks(0, 2), "a0 a2");
    place(&vms[2], "c", 1, (const unsigned[]){ 0 });
    nr_vms = 3;
    assert_string_equal(picks(0, 4), "b0 b1 c0 a0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_round_robin_over_the_vcpus_placed_here, setup),
        cmocka_unit_test_setup(test_other_cpus_vcpus_are_left_to_them, setup),
        cmocka_unit_test_setup(test_a_vm_that_is_not_running_is_skipped, setup),
        cmocka_unit_test_setup(test_vcpus_off_or_stopped_are_skipped, setup),
        cmocka_unit_test_setup(test_cpu_on_makes_a_vcpu_runnable_on_its_own_cpu, setup),
        cmocka_unit_test_setup(test_cpu_on_racing_cpu_off_keeps_its_boot_state, setup),
        cmocka_unit_test_setup(test_cpu_on_in_a_stopped_vm_stays_pending, setup),
        cmocka_unit_test_setup(test_a_waiting_vcpu_runs_only_when_a_part_has_work_for_it, setup),
        cmocka_unit_test_setup(test_the_cpu_sleeps_when_its_only_vcpus_wait, setup),
        cmocka_unit_test_setup(test_a_vcpu_waiting_elsewhere_does_not_keep_this_cpu_waiting, setup),
        cmocka_unit_test_setup(test_a_vm_added_later_joins_the_rotation, setup),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
