/* PSCI CPU_ON and CPU_OFF (PSCI 1.1, 5.4, 5.6) for a vCPU, safe against every other CPU.
 *
 * A vCPU's registers are written only by the CPU it is pinned to, when it is not loaded there:
 * that CPU saves them at vcpu_put, so a boot state written from another CPU could be
 * overwritten by that save (a vCPU that calls CPU_OFF is off before its context is saved, and
 * a CPU_ON from another vCPU in between would lose its fresh SCTLR_EL1 and entry point). CPU_ON
 * therefore only records the entry point and context id under the VM's lock and marks the
 * target ON_PENDING; the target's CPU applies them in its scheduler's pick
 * (vcpu_power_apply), after its own save. */
#include "core/vcpu_power.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/vcpu_hw.h"
#include "drivers/psci.h"
#include "arch/aarch64/sysreg.h"

int64_t vcpu_power_on(struct vcpu *t, uint64_t entry, uint64_t ctx)
{
    struct vm *vm = t->vm;
    spin_lock(&vm->lock);
    int64_t r = PSCI_SUCCESS;
    if (t->state == VCPU_RUNNABLE)
        r = PSCI_ALREADY_ON;
    else if (t->state == VCPU_ON_PENDING)
        r = PSCI_ON_PENDING;
    else if (t->state != VCPU_OFF)
        r = PSCI_DENIED;
    if (r == PSCI_SUCCESS) {
        t->on_entry = entry;
        t->on_ctx = ctx;
        __atomic_store_n(&t->state, VCPU_ON_PENDING, __ATOMIC_RELEASE);
    }
    spin_unlock(&vm->lock);
    if (r == PSCI_SUCCESS) {
        sev(); /* wake the target's physical CPU if it waits in its idle loop */
        vcpu_kick(t);
    }
    return r;
}

void vcpu_power_off(struct vcpu *v)
{
    spin_lock(&v->vm->lock);
    if (v->state == VCPU_RUNNABLE) {
        v->state = VCPU_OFF;
        cpu_attention(v->pcpu);
    }
    spin_unlock(&v->vm->lock);
}

void vcpu_power_apply_on(struct vcpu *v)
{
    spin_lock(&v->vm->lock);
    if (v->state == VCPU_ON_PENDING) {
        /* Boot state of a PSCI CPU_ON: EL1h, DAIF masked, MMU off, x0 = context id. */
        for (unsigned i = 0; i < 31; i++)
            v->regs.x[i] = 0;
        v->regs.x[0] = v->on_ctx;
        v->regs.pc = v->on_entry;
        v->regs.pstate = PSR_DAIF_MASK | PSR_M_EL1h;
        v->el1.sctlr = SCTLR_EL1_RESET;
        vcpu_hw_start(v);
        v->state = VCPU_RUNNABLE;
    }
    spin_unlock(&v->vm->lock);
}
