/* A vCPU's power state under PSCI (CPU_ON, CPU_OFF), issue 13 item 10. */
#ifndef CORE_VCPU_POWER_H
#define CORE_VCPU_POWER_H

#include <stdint.h>
#include <stdbool.h>
#include "core/vm.h"

/* CPU_ON of t: PSCI_SUCCESS, or ALREADY_ON / ON_PENDING / DENIED (t's VM lock taken). The boot
 * state is not written here: it is recorded, and t's own CPU applies it (vcpu_power_apply). */
int64_t vcpu_power_on(struct vcpu *t, uint64_t entry, uint64_t ctx);
/* CPU_OFF of the calling vCPU v: it leaves its CPU at once (its context is saved by then). */
void vcpu_power_off(struct vcpu *v);
/* On v's CPU with v not loaded (the scheduler's pick): a CPU_ON recorded for v becomes its boot
 * state, and v runnable. True if v is runnable. Inline, on every pick: only a pending CPU_ON
 * calls out (vcpu_power_apply_on). Only this CPU makes v RUNNABLE or takes it out of it;
 * another CPU's CPU_ON may be moving it from OFF to ON_PENDING right now
 * (tests/unit/race_power_reset.c). */
void vcpu_power_apply_on(struct vcpu *v);
static inline bool vcpu_power_apply(struct vcpu *v)
{
    if (__builtin_expect(__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_ON_PENDING, 0))
        vcpu_power_apply_on(v);
    return __atomic_load_n(&v->state, __ATOMIC_RELAXED) == VCPU_RUNNABLE;
}

#endif
