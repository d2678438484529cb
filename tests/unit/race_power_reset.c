/* Concurrency tests under ThreadSanitizer (issue 13 item 10): host threads play two physical
 * CPUs running the real code of a PSCI power transition and of a VM reset against each other,
 * many thousands of times. TSan fails the program on any data race between them; the cases
 * also check the state each side must see.
 *
 * 1. CPU_ON from one CPU against the target vCPU's own CPU, which switches it off (CPU_OFF),
 *    saves its context as vcpu_put does, and applies a recorded CPU_ON in its scheduler's pick
 *    (core/vcpu_power.c). Every time the target comes back on, its registers are exactly the
 *    boot state of one CPU_ON call: that call's entry point and context id together, and a
 *    reset SCTLR_EL1, never what the target's own save wrote.
 * 2. A VM reset (vcpu_hw_attach: every part of the virtual CPU hardware rebuilt, the vGIC
 *    cleared, its passthrough SPIs claimed again) on one CPU against another CPU injecting
 *    one of the VM's passthrough SPIs (vgic_inject_hw_spi, as the SPI's handler does). The vGIC's
 *    lock and VM pointer survive every reset, and the injection finds either the old or the
 *    new state, never half of one. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/vcpu_power.h"
#include "core/stage2.h"
#include "core/vcpu_hw.h"
#include "core/vm.h"
#include "drivers/psci.h"
#include "drivers/timer.h"
#include "vdev/vgic_priv.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vpsci.h"
#include "tests/host/stubs.h"

#define ROUNDS 20000

/* In the threads: cmocka's asserts may only fail on the main thread. */
#include "tests/host/check.h"

static struct vm vm;

/* ---- stand-ins for what the parts call outside them: never reached in these cases ---------- */

int stage2_remap_device(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size) { return 0; }
/* The rest: tests/host/parts_unreached.c. */

/* ---- 1. CPU_ON against the target's CPU_OFF, save and apply ---------------------------------- */

#define ENTRY(n) (0x40080000ULL + ((uint64_t)(n) << 4))
#define CTX(n)   (0xc0de000000000000ULL | (uint64_t)(n))

static volatile int on_done;
static unsigned on_accepted, came_back;

/* The CPU that calls CPU_ON: call n asks for entry ENTRY(n), context CTX(n). */
static void *caller_cpu(void *arg)
{
    host_set_cpu(1);
    for (unsigned n = 1; on_accepted < ROUNDS / 10; n++)
        if (vcpu_power_on(&vm.vcpu[0], ENTRY(n), CTX(n)) == PSCI_SUCCESS)
            on_accepted++;
    __atomic_store_n(&on_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* The target's own CPU: the only one that writes its registers. */
static void *target_cpu(void *arg)
{
    struct vcpu *v = &vm.vcpu[0];
    host_set_cpu(0);
    bool running = false; /* only this CPU makes v RUNNABLE (apply) or takes it out (CPU_OFF) */
    for (;;) {
        bool done = __atomic_load_n(&on_done, __ATOMIC_ACQUIRE);
        if (!running && vcpu_power_apply(v)) {
            running = true;
            came_back++;
            uint64_t n = (v->regs.pc - ENTRY(0)) >> 4;
            CHECK(n >= 1 && v->regs.pc == ENTRY(n));
            CHECK(v->regs.x[0] == CTX(n));
            CHECK(v->el1.sctlr == SCTLR_EL1_RESET);
            CHECK(v->regs.pstate == (PSR_DAIF_MASK | PSR_M_EL1h));
        }
        if (running) {
            /* The guest runs and calls CPU_OFF; its CPU then saves what it ran with. */
            v->regs.pc = 0xdead;
            v->regs.x[0] = 0xdead;
            vcpu_power_off(v);
            v->el1.sctlr = 0xdeadbeef;
            running = false;
        }
        if (done && __atomic_load_n(&v->state, __ATOMIC_ACQUIRE) != VCPU_ON_PENDING)
            return NULL;
    }
}

static void test_cpu_on_against_cpu_off_and_save(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    vm.cfg.nr_vcpus = 1;
    vm.vcpu[0].vm = &vm;
    vm.vcpu[0].pcpu = 0;
    vm.vcpu[0].state = VCPU_OFF;
    host_sysreg_read("tpidr_el2"); /* touched before the threads share the stand-in's table */
    on_done = 0;
    on_accepted = came_back = 0;
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, target_cpu, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, caller_cpu, NULL), 0);
    pthread_join(b, NULL);
    pthread_join(a, NULL);
    /* Every accepted CPU_ON brought the vCPU back exactly once. */
    assert_true(on_accepted > 0);
    assert_int_equal(came_back, on_accepted);
    printf("%u CPU_ONs accepted, each applied once and whole\n", on_accepted);
}

/* ---- 2. a VM reset against a passthrough SPI injection --------------------------------------- */

#define PT_SPI 48

static volatile int reset_done;
static unsigned injected;

static void *injecting_cpu(void *arg)
{
    host_set_cpu(1);
    while (!__atomic_load_n(&reset_done, __ATOMIC_ACQUIRE))
        if (vgic_inject_hw_spi(&vm, PT_SPI) == 0)
            injected++;
    return NULL;
}

static void *resetting_cpu(void *arg)
{
    host_set_cpu(0);
    for (unsigned n = 0; n < ROUNDS / 10; n++) {
        vm.nr_mmio = 0; /* as core/vmm.c's vmm_boot_state, which a reset runs */
        CHECK(vcpu_hw_attach(&vm) == 0);
    }
    __atomic_store_n(&reset_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void test_reset_against_passthrough_injection(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    platform.gic_version = 3;
    platform.timer_intid[TIMER_VIRT] = 27;
    for (unsigned p = 0; p < MAX_CPUS; p++)
        *host_sysreg(p, "ich_vtr_el2") = 3 | 4UL << 29; /* 4 list registers */
    vcpu_hw_init();
    vm.id = 1;
    strcpy(vm.cfg.name, "race");
    vm.cfg.nr_vcpus = 2;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = i;
        vm.vcpu[i].vmpidr = (1UL << 31) | i;
        vm.vcpu[i].state = VCPU_RUNNABLE;
    }
    vm.cfg.passthru_irq[0] = PT_SPI;
    vm.cfg.nr_passthru_irqs = 1;
    assert_int_equal(vcpu_hw_attach(&vm), 0);
    struct vgic *g = vgic_of(&vm);
    host_sysreg_read("tpidr_el2");
    reset_done = 0;
    injected = 0;
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, injecting_cpu, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, resetting_cpu, NULL), 0);
    pthread_join(b, NULL);
    pthread_join(a, NULL);
    /* The same state block, its lock free (every taker gave it back) and its VM intact. */
    assert_ptr_equal(vgic_of(&vm), g);
    assert_ptr_equal(g->vm, &vm);
    assert_int_equal(g->lock.next, g->lock.owner);
    struct virq *q = vgic_irq(g, 0, PT_SPI);
    assert_true(q->passthru && q->hw && q->hw_intid == PT_SPI);
    assert_true(injected > 0);
    printf("%u resets against %u injections\n", ROUNDS / 10, injected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_on_against_cpu_off_and_save),
        cmocka_unit_test(test_reset_against_passthrough_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
