/* PSCI SYSTEM_RESET, done by the CPU of the vCPU that asked, in steps between its scheduling
 * points: wait for the VM's vCPUs to leave their CPUs, quiesce its devices, zero its RAM
 * VM_RESET_STEP bytes at a time, then rebuild its boot state. Between two steps the CPU runs
 * whatever else is placed on it, so a VM resetting in a loop delays another VM on its CPU by
 * one step at most (about 2 MiB of memset and cache clean), never by its whole RAM
 * (issue 13 item 5; tests/system/test_reset.py). Its log lines go through vm_log's rate
 * limit. */
#include "core/vm_reset.h"
#include "core/pci_assign.h"
#include "core/vm.h"
#include "core/vmm.h"
#include "core/vm_load.h"
#include "core/vm_devices.h"
#include "core/vcpu.h"
#include "core/percpu.h"
#include "core/irq.h"
#include "arch/aarch64/sysreg.h"

/* The steps start from the first: nothing zeroed, devices not quiesced, and 1 s for the
 * vCPUs to leave their CPUs. */
static void steps_from_start(struct vm *vm)
{
    vm->reset_zeroed = 0;
    vm->reset_quiesced = false;
    vm->reset_deadline = sysreg_read(cntpct_el0) + sysreg_read(cntfrq_el0);
}

void vm_reset_begin(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (vm->state != VM_RESETTING || vm->reset_by != v || vm->reset_deadline)
        return;
    steps_from_start(vm);
    __atomic_add_fetch(&this_cpu()->resets, 1, __ATOMIC_RELAXED);
}

int vm_reset_request(struct vm *vm, bool stop)
{
    struct vcpu *by = &vm->vcpu[0];
    spin_lock(&vm->lock);
    if (vm->state == VM_RESETTING || vm->reset_deadline) {
        spin_unlock(&vm->lock);
        return -1;
    }
    vm->reset_by = by;
    vm->reset_stop = stop;
    steps_from_start(vm);
    __atomic_store_n(&vm->state, VM_RESETTING, __ATOMIC_SEQ_CST);
    vm_attention(vm);
    spin_unlock(&vm->lock);
    /* by's CPU does the steps; its count is also changed by that CPU, hence atomic. */
    __atomic_add_fetch(&percpu_data[by->pcpu].resets, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        vcpu_kick(&vm->vcpu[i]); /* loaded ones leave their CPUs */
    irq_kick_cpu(by->pcpu);
    return 0;
}

/* One step of vm's reset; true when it is over (done, or the VM was stopped). */
static bool reset_step(struct vm *vm)
{
    if (vm->state != VM_RESETTING)
        return true; /* stopped meanwhile */
    if (!vm->reset_quiesced) {
        /* Pairs with vcpu_run's claim: RESETTING (stored by this CPU) before loaded is read. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
            if (!__atomic_load_n(&vm->vcpu[i].loaded, __ATOMIC_ACQUIRE))
                continue;
            if (sysreg_read(cntpct_el0) < vm->reset_deadline)
                return false; /* it leaves at its next exit (vmm_request_reset kicked it) */
            vm_stop(vm, "vCPU%u did not leave its CPU for the reset", i);
            return true;
        }
        pci_assign_quiesce(vm); /* no DMA into RAM that is being rebuilt */
        vm_devices_quiesce(vm);
        vm->reset_quiesced = true;
        if (vm->reset_stop) {
            vm->reset_stop = false;
            vm->started = 0;
            vm_stop(vm, "by the control VM");
            vm_log(vm, "stopped by the control VM");
            return true;
        }
        return false;
    }
    if (vm->reset_zeroed < vm->cfg.ram_size) {
        uint64_t n = vm->cfg.ram_size - vm->reset_zeroed;
        n = n < VM_RESET_STEP ? n : VM_RESET_STEP;
        vm_load_zero(vm, vm->reset_zeroed, n);
        vm->reset_zeroed += n;
        return false;
    }
    if (vmm_boot_state(vm) < 0) {
        vm_stop(vm, "its images could not be reloaded");
        return true;
    }
    vm_log(vm, "restarted");
    vm->started = sysreg_read(cntpct_el0);
    __atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
    sev();
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        vcpu_kick(&vm->vcpu[i]); /* wakes its CPU only if it sleeps */
    return true;
}

void vm_reset_work(void)
{
    struct percpu *pc = this_cpu();
    for (unsigned i = 0; i < nr_vms; i++) {
        struct vm *vm = &vms[i];
        if (!vm->reset_deadline || !vm->reset_by || vm->reset_by->pcpu != pc->id)
            continue;
        if (reset_step(vm)) {
            vm->reset_deadline = 0;
            __atomic_sub_fetch(&pc->resets, 1, __ATOMIC_RELAXED);
        }
    }
}
