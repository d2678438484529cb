#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include "core/vm.h"

void vcpu_cpu_init(void);       /* per physical CPU: EL2 controls that never change */
void vcpu_load(struct vcpu *v); /* make v's state live on this CPU */
void vcpu_put(struct vcpu *v);  /* save it back */
/* Runs v until it stops, blocks, or must yield; returns so the scheduler can pick again. */
void vcpu_run(struct vcpu *v);
void vcpu_kick(struct vcpu *v);
/* A kick for a guest that may poll a device between WFIs without its interrupt (new console
 * input): besides leaving the guest, its next WFI completes at once, so that news arriving
 * between its last look and its WFI is not slept through. */
void vcpu_poll_kick(struct vcpu *v);
/* Makes the loaded vCPU v (on this CPU) trap WFI for `reason` (WFI_TRAP_*) even when alone on
 * its CPU, or no longer (core/vcpu.c guest_hcr). */
void vcpu_trap_wfi(struct vcpu *v, unsigned reason, bool on);
/* A part of the virtual CPU hardware sets HCR_EL2 `bits` for v from its next entry on (on), or
 * clears them again, on top of the hypervisor's own (e.g. HCR_EL2.API/APK once a vCPU uses
 * pointer authentication, vdev/vpauth.c). A VM reset clears them (vcpu_init). */
void vcpu_set_hcr(struct vcpu *v, uint64_t bits, bool on);
/* HCR_EL2 `bits` that v runs without, whoever else sets them (replacing the previous set; 0:
 * none): trap-when-clear controls a part wants trapping for a while (HCR_EL2.API/APK for a
 * guest hypervisor's guest, vdev/nested_traps.c). Applies as vcpu_set_hcr does. */
void vcpu_hcr_off(struct vcpu *v, uint64_t bits);
/* Both at once, one HCR_EL2 write: the bits `clear` then `set` of vcpu_set_hcr, and the
 * vcpu_hcr_off set `off` (a switch that changes all three, vdev/nested.c). */
void vcpu_hcr_update(struct vcpu *v, uint64_t clear, uint64_t set, uint64_t off);
/* Virtual interrupt lines outside the GIC (HCR_EL2.VI/VF/VSE) for device models. VLINE_SERROR
 * is one-shot (cleared when the guest takes it): an asynchronous external abort, syndrome 0
 * (VSESR_EL2, with FEAT_RAS). */
enum vcpu_vline { VLINE_IRQ, VLINE_FIQ, VLINE_SERROR };
void vcpu_set_vline(struct vcpu *v, enum vcpu_vline line, bool on);
/* The syndrome VLINE_SERROR gives the guest (VSESR_EL2, with FEAT_RAS; Arm ARM D24.2): 0 unless
 * set (a guest hypervisor's virtual SError for its guest, vdev/nested.c), until set back. */
void vcpu_set_vsesr(struct vcpu *v, uint64_t vsesr);

#endif
