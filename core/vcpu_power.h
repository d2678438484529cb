/* A vCPU's power state under PSCI (CPU_ON, CPU_OFF), issue 13 item 10. */
#ifndef CORE_VCPU_POWER_H
#define CORE_VCPU_POWER_H

#include <stdint.h>
#include <stdbool.h>

struct vcpu;

/* CPU_ON of t: PSCI_SUCCESS, or ALREADY_ON / ON_PENDING / DENIED (t's VM lock taken). The boot
 * state is not written here: it is recorded, and t's own CPU applies it (vcpu_power_apply). */
int64_t vcpu_power_on(struct vcpu *t, uint64_t entry, uint64_t ctx);
/* CPU_OFF of the calling vCPU v: it leaves its CPU at once (its context is saved by then). */
void vcpu_power_off(struct vcpu *v);
/* On v's CPU with v not loaded (the scheduler's pick): a CPU_ON recorded for v becomes its boot
 * state, and v runnable. True if v is runnable. */
bool vcpu_power_apply(struct vcpu *v);

#endif
