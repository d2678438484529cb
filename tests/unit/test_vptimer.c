/* Host tests of the guest's EL1 physical timer (vdev/vptimer.c): its registers driven through
 * core/sysreg_trap.c as trapped MRS/MSR (CTL's writable bits and ISTATUS, CVAL, the TimerValue
 * arithmetic), the level of its PPI on the vGIC (a stand-in that records vgic_set_level), and
 * the hypervisor timer that watches its deadline (the real drivers/timer.c over the stand-in
 * system registers: CNTPCT_EL0 is set by the test, CNTHP_*_EL2 show what was armed, and
 * timer_handle_irq is the hypervisor timer's interrupt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sysreg_trap.h"
#include "core/vcpu_hw.h"
#include "core/vm.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vptimer.h"
#include "drivers/timer.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/timer.h"
#include "tests/host/stubs.h"

#define TVAL SYSREG(3, 3, 14, 2, 0)
#define CTL  SYSREG(3, 3, 14, 2, 1)
#define CVAL SYSREG(3, 3, 14, 2, 2)
#define PC0  0x40080000UL
#define PCPU 2 /* vCPU 1's physical CPU; vCPU 0 runs on CPU 1 */

/* ---- stand-ins ---- */

static unsigned undefs;
void inject_undef(struct guest_regs *r) { undefs++; }

/* The vGIC: the last level asserted per vCPU, and how many times it changed. */
static struct {
    bool level[VM_MAX_VCPUS];
    unsigned calls;
    unsigned last_cpu; /* the physical CPU that made the last call */
} vgic;
void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    assert_non_null(v);
    assert_int_equal(intid, VPTIMER_VIRQ);
    vgic.level[v->id] = level;
    vgic.calls++;
    vgic.last_cpu = host_current_cpu();
}

/* ---- a VM with two vCPUs ---- */

static struct vm vm;
static struct vcpu *v0, *v1;
static const struct vcpu_hw_ops *ops = &vptimer_hw_ops;

static void set_now(uint64_t now)
{
    for (unsigned c = 0; c < MAX_CPUS; c++)
        *host_sysreg(c, "cntpct_el0") = now;
}

static int setup(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    memset(&vgic, 0, sizeof(vgic));
    undefs = 0;
    vm.cfg.nr_vcpus = 2;
    vm.state = VM_RUNNING;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = i + 1;
        vm.vcpu[i].regs.pc = PC0;
    }
    v0 = &vm.vcpu[0];
    v1 = &vm.vcpu[1];
    vm.nr_hw = VCPU_HW_NR;
    vm.hw[VCPU_HW_VPTIMER] = (struct vcpu_hw){ ops, calloc(1, ops->vm_state_size) };
    assert_int_equal(ops->attach(&vm), 0);
    static const struct sysreg_table *const tables[] = { &vptimer_sysreg_table };
    assert_null(sysreg_trap_init(tables, 1));
    set_now(1000000);
    return 0;
}

/* No hypervisor timer stays queued (drivers/timer.c's queues outlive the case): the VM stops
 * and each vCPU is put on its CPU. */
static int teardown(void **state)
{
    vm.state = VM_STOPPED;
    for (unsigned i = 0; i < 2; i++) {
        host_set_cpu(vm.vcpu[i].pcpu);
        ops->put(&vm.vcpu[i]);
    }
    free(vm.hw[VCPU_HW_VPTIMER].state);
    return 0;
}

/* A trapped access on v's own physical CPU, as the exit path makes it (Rt = x5). */
static uint64_t esr_of(uint32_t id, bool read)
{
    return (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | ESR_IL | id | 5u << 5 | (read ? 1 : 0);
}

static uint64_t mrs(struct vcpu *v, uint32_t id)
{
    host_set_cpu(v->pcpu);
    v->regs.x[5] = 0xbad;
    assert_int_equal(sysreg_trap(v, esr_of(id, true)), EXIT_RESUME);
    assert_int_equal(undefs, 0);
    return v->regs.x[5];
}

static void msr(struct vcpu *v, uint32_t id, uint64_t val)
{
    host_set_cpu(v->pcpu);
    v->regs.x[5] = val;
    assert_int_equal(sysreg_trap(v, esr_of(id, false)), EXIT_RESUME);
    assert_int_equal(undefs, 0);
}

/* The hypervisor timer as armed on physical CPU cpu: its deadline, or 0 if none. */
static uint64_t hyp_deadline(unsigned cpu)
{
    if (!(*host_sysreg(cpu, "cnthp_ctl_el2") & CNT_CTL_ENABLE))
        return 0;
    return *host_sysreg(cpu, "cnthp_cval_el2");
}

/* The hypervisor timer's interrupt on cpu at time now. */
static void hyp_timer_fires(unsigned cpu, uint64_t now)
{
    set_now(now);
    host_set_cpu(cpu);
    timer_handle_irq();
}

/* ---- the registers ---- */

static void test_ctl_bits(void **state)
{
    assert_string_equal(sysreg_lookup(CTL)->name, "CNTP_CTL_EL0");
    assert_int_equal(mrs(v0, CTL), 0); /* reset: disabled */
    /* Only ENABLE and IMASK are kept; ISTATUS is computed. */
    msr(v0, CVAL, 2000000);
    msr(v0, CTL, ~0UL);
    assert_int_equal(mrs(v0, CTL), CNT_CTL_ENABLE | CNT_CTL_IMASK);
    /* ISTATUS: enabled and CNTPCT >= CVAL, whatever IMASK says. */
    set_now(1999999);
    assert_int_equal(mrs(v0, CTL), CNT_CTL_ENABLE | CNT_CTL_IMASK);
    set_now(2000000);
    assert_int_equal(mrs(v0, CTL), CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS);
    msr(v0, CTL, CNT_CTL_ENABLE | CNT_CTL_ISTATUS); /* ISTATUS is read-only */
    assert_int_equal(mrs(v0, CTL), CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    /* Disabled: no ISTATUS. */
    msr(v0, CTL, CNT_CTL_IMASK);
    assert_int_equal(mrs(v0, CTL), CNT_CTL_IMASK);
    /* Per vCPU. */
    assert_int_equal(mrs(v1, CTL), 0);
    assert_int_equal(mrs(v1, CVAL), 0);
}

static void test_cval_and_tval(void **state)
{
    msr(v0, CVAL, 0xfedcba9876543210UL);
    assert_int_equal(mrs(v0, CVAL), 0xfedcba9876543210UL);
    /* A write of TVAL: CVAL = CNTPCT + the value sign-extended from 32 bits. */
    msr(v0, TVAL, 1000);
    assert_int_equal(mrs(v0, CVAL), 1001000);
    msr(v0, TVAL, 0xffffffffUL); /* -1 */
    assert_int_equal(mrs(v0, CVAL), 999999);
    msr(v0, TVAL, 0x80000000UL); /* -2^31 */
    assert_int_equal(mrs(v0, CVAL), 1000000UL - 0x80000000UL);
    msr(v0, TVAL, 0x7fffffffUL);
    assert_int_equal(mrs(v0, CVAL), 1000000UL + 0x7fffffffUL);
    msr(v0, TVAL, 0xdead000000000010UL); /* bits [63:32] ignored */
    assert_int_equal(mrs(v0, CVAL), 1000016);
    /* A read: CVAL - CNTPCT as 32 bits (signed; [63:32] zero), counting down. */
    msr(v0, TVAL, 600);
    assert_int_equal(mrs(v0, TVAL), 600);
    set_now(1000100);
    assert_int_equal(mrs(v0, TVAL), 500);
    set_now(1000600);
    assert_int_equal(mrs(v0, TVAL), 0);
    set_now(1001600);
    assert_int_equal(mrs(v0, TVAL), (uint32_t)-1000);
    assert_int_equal((int32_t)mrs(v0, TVAL), -1000);
    /* Beyond 32 bits: the low half of the difference. */
    msr(v0, CVAL, 1001600 + 0x100000005UL);
    assert_int_equal(mrs(v0, TVAL), 5);
    /* Whatever the timer's state (disabled here): TVAL is a view of CVAL. */
    assert_int_equal(mrs(v0, CTL) & CNT_CTL_ENABLE, 0);
}

/* ---- the interrupt and the hypervisor timer ---- */

static void test_deadline_asserts_level(void **state)
{
    /* Enabled with the deadline ahead: watched by a hypervisor timer on the vCPU's CPU. */
    msr(v1, CVAL, 1500000);
    assert_int_equal(hyp_deadline(PCPU), 0);
    msr(v1, CTL, CNT_CTL_ENABLE);
    assert_int_equal(hyp_deadline(PCPU), 1500000);
    assert_int_equal(hyp_deadline(1), 0);
    assert_int_equal(vgic.calls, 0);
    assert_false(ops->has_work(v1));
    /* The deadline passes: has_work says so at once, from the counter ... */
    set_now(1500000);
    assert_true(ops->has_work(v1));
    assert_false(ops->has_work(v0));
    /* ... and the hypervisor timer's interrupt asserts the level, on that CPU. */
    hyp_timer_fires(PCPU, 1500003);
    assert_int_equal(vgic.calls, 1);
    assert_true(vgic.level[1]);
    assert_int_equal(vgic.last_cpu, PCPU);
    assert_int_equal(hyp_deadline(PCPU), 0);
    assert_true(ops->has_work(v1));
    /* Reads do not change it. */
    assert_int_equal(mrs(v1, CTL), CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    assert_int_equal(vgic.calls, 1);
    /* IMASK lowers it, and no timer is armed while masked. */
    msr(v1, CTL, CNT_CTL_ENABLE | CNT_CTL_IMASK);
    assert_false(vgic.level[1]);
    assert_int_equal(vgic.calls, 2);
    assert_false(ops->has_work(v1));
    assert_int_equal(hyp_deadline(PCPU), 0);
    /* Unmasked with the deadline passed: asserted at once. */
    msr(v1, CTL, CNT_CTL_ENABLE);
    assert_true(vgic.level[1]);
    assert_int_equal(vgic.calls, 3);
    /* The deadline moved ahead: lowered and watched again. */
    msr(v1, TVAL, 5000);
    assert_false(vgic.level[1]);
    assert_int_equal(hyp_deadline(PCPU), 1505003);
    /* Moved into the past through CVAL: asserted, the timer stopped. */
    msr(v1, CVAL, 1000);
    assert_true(vgic.level[1]);
    assert_int_equal(hyp_deadline(PCPU), 0);
    /* Disabled: lowered. */
    msr(v1, CTL, 0);
    assert_false(vgic.level[1]);
    assert_int_equal(vgic.calls, 6);
    assert_false(ops->has_work(v1));
    /* A negative TVAL: due as soon as the timer is enabled. */
    msr(v1, TVAL, (uint32_t)-5);
    assert_int_equal(vgic.calls, 6);
    msr(v1, CTL, CNT_CTL_ENABLE);
    assert_true(vgic.level[1]);
    assert_int_equal(vgic.calls, 7);
}

static void test_disable_stops_the_timer(void **state)
{
    msr(v0, TVAL, 100);
    msr(v0, CTL, CNT_CTL_ENABLE);
    assert_int_equal(hyp_deadline(1), 1000100);
    msr(v0, CTL, 0);
    assert_int_equal(hyp_deadline(1), 0);
    /* Nothing fires later. */
    hyp_timer_fires(1, 2000000);
    assert_int_equal(vgic.calls, 0);
    /* Two vCPUs on one CPU: each its own timer, the earlier deadline first. */
    v1->pcpu = 1;
    msr(v0, TVAL, 300);
    msr(v0, CTL, CNT_CTL_ENABLE);
    msr(v1, TVAL, 100);
    msr(v1, CTL, CNT_CTL_ENABLE);
    assert_int_equal(hyp_deadline(1), 2000100);
    hyp_timer_fires(1, 2000150);
    assert_true(vgic.level[1]);
    assert_false(vgic.level[0]);
    assert_int_equal(hyp_deadline(1), 2000300);
    hyp_timer_fires(1, 2000300);
    assert_true(vgic.level[0]);
    assert_int_equal(vgic.calls, 2);
}

/* Load and put change nothing for a running VM: the timer is watched all along. */
static void test_load_put(void **state)
{
    msr(v1, TVAL, 100);
    msr(v1, CTL, CNT_CTL_ENABLE);
    host_set_cpu(PCPU);
    ops->put(v1);
    assert_int_equal(hyp_deadline(PCPU), 1000100);
    assert_null(ops->load); /* nothing to restore: a vCPU switch makes no call to it */
    ops->put(v1);
    hyp_timer_fires(PCPU, 1000100);
    assert_true(vgic.level[1]);
}

/* A VM reset: a vCPU leaving for it stops its timer on its CPU; one already descheduled keeps
 * it queued, and when it fires during or after the reset it leaves the VM alone. The attach
 * clears the state. */
static void test_reset(void **state)
{
    msr(v0, TVAL, 100);
    msr(v0, CTL, CNT_CTL_ENABLE);
    msr(v1, TVAL, 200);
    msr(v1, CTL, CNT_CTL_ENABLE);
    vm.state = VM_RESETTING;
    host_set_cpu(1);
    ops->put(v0); /* v0 was loaded: it leaves its CPU for the reset */
    assert_int_equal(hyp_deadline(1), 0);
    assert_int_equal(hyp_deadline(PCPU), 1000200); /* v1 was descheduled */
    hyp_timer_fires(PCPU, 1000200);                /* during the reset: nothing */
    assert_int_equal(vgic.calls, 0);
    /* Armed before a reset, fired after it. */
    vm.state = VM_RUNNING;
    msr(v1, TVAL, 300);
    msr(v1, CTL, CNT_CTL_ENABLE);
    assert_int_equal(hyp_deadline(PCPU), 1000500);
    vm.state = VM_RESETTING;
    assert_int_equal(ops->attach(&vm), 0);
    vm.state = VM_RUNNING;
    assert_int_equal(mrs(v0, CTL), 0);
    assert_int_equal(mrs(v1, CTL), 0);
    assert_int_equal(mrs(v1, CVAL), 0);
    assert_false(ops->has_work(v1));
    hyp_timer_fires(PCPU, 1000500); /* the timer is disabled now: nothing */
    assert_int_equal(vgic.calls, 0);
    assert_int_equal(hyp_deadline(PCPU), 0);
    /* The level starts low again (as the rebuilt vGIC's): the first assertion is passed on. */
    msr(v1, CVAL, 0);
    msr(v1, CTL, CNT_CTL_ENABLE);
    assert_true(vgic.level[1]);
    assert_int_equal(vgic.calls, 1);
}

/* A stopped VM (vm_stop): the same as during a reset. */
static void test_stopped_vm(void **state)
{
    msr(v1, TVAL, 100);
    msr(v1, CTL, CNT_CTL_ENABLE);
    vm.state = VM_STOPPED;
    hyp_timer_fires(PCPU, 1000100);
    assert_int_equal(vgic.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ctl_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cval_and_tval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_asserts_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_stops_the_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopped_vm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
