/* The guest's generic timers. The EL1 virtual timer (CNTV_*, PPI 27) is the guest's own: it
 * runs in hardware with CNTVOFF_EL2 per VM, and its interrupt, which reaches EL2 because of
 * HCR_EL2.IMO, is handed to the guest as a virtual PPI with the list-register HW bit, also
 * while the vCPU waits in WFI. While the vCPU is not loaded, the hypervisor timer watches its
 * deadline. The EL1
 * physical timer (CNTP_*) is not offered: see docs/interrupts.md. */
#ifndef VDEV_VTIMER_H
#define VDEV_VTIMER_H

#include <stdbool.h>
#include "core/vm.h"

/* The physical virtual-timer PPI fired on this CPU: true if handed to the loaded vCPU (which
 * deactivates it), false if the caller should deactivate it. */
bool vtimer_irq(void);
/* After each exit: withdraws a timer interrupt whose condition went false before the guest
 * took it (the guest masked, stopped or moved its timer). */
void vtimer_sync_slow(struct vcpu *v);
static inline void vtimer_sync(struct vcpu *v)
{
    if (v->vtimer_inflight)
        vtimer_sync_slow(v);
}
/* The loaded vCPU's timer condition holds (enabled, not masked, deadline reached). */
bool vtimer_due(struct vcpu *v);
/* For a vCPU that is not loaded: its deadline has passed (watched by the hypervisor timer). */
bool vtimer_expired(struct vcpu *v);
/* Around vcpu_put/vcpu_load: while not loaded, the deadline is watched by the hypervisor
 * timer (vtimer_expired() says when it passed) and the physical PPI's active state is kept. */
void vtimer_put(struct vcpu *v);
void vtimer_load(struct vcpu *v);

#endif
