/* The virtual GIC: one version-independent core (vdev/vgic.c) with a GICv2 back end
 * (vdev/vgic_v2.c: emulated GICD, the physical GICV frame mapped at the VM's GICC, GICH list
 * registers) and a GICv3 back end (vdev/vgic_v3.c: emulated GICD and GICR frames, ICH_*_EL2
 * list registers, trapped ICC_SGI1R_EL1). Design: docs/interrupts.md. */
#ifndef VDEV_VGIC_H
#define VDEV_VGIC_H

#include <stdint.h>
#include <stdbool.h>
#include "core/vm.h"

struct vm;
struct vcpu;
struct sysreg_access;

/* The vGIC as a part of the virtual CPU hardware (vgic_hw_ops, core/vcpu_hw.h), whose ops
 * these are. At VM creation and reset: distributor state, MMIO windows, passthrough SPIs. */
int vgic_attach(struct vm *vm);
/* Around running a vCPU on its physical CPU (vcpu_load/vcpu_put). */
void vgic_load(struct vcpu *v);
void vgic_put(struct vcpu *v);
/* After an exit with list registers in use: fold them back (sync); before an entry with work
 * for them: refill them (flush). The vGIC's bytes in v->hw_sync and v->hw_flush say when, so
 * that exits that involve no interrupt stay cheap. */
void vgic_sync(struct vcpu *v);
void vgic_flush(struct vcpu *v);
/* Whether v has an interrupt that should end its WFI. */
bool vgic_vcpu_pending(struct vcpu *v);
/* The maintenance interrupt fired on this CPU (from its handler, which the vGIC's init
 * registers at boot). */
void vgic_maintenance(void);

/* Interrupt sources. A physical SPI that vm owns fired and is active: 0 if injected (the
 * guest deactivates it through the HW bit), -1 if not (the caller deactivates it). Its
 * handler, registered when vgic_attach claims the SPI (irq_claim_spi). */
int vgic_inject_hw_spi(struct vm *vm, uint32_t intid);
/* A private interrupt of v backed by physical intid pintid (the virtual timer): 0 if given to
 * the guest (in a list register or queued for one), VGIC_HW_LATCHED if only latched because
 * the guest cannot take it now (disabled), -1 if not injected. */
#define VGIC_HW_LATCHED 1
int vgic_inject_hw_ppi(struct vcpu *v, uint32_t intid, uint32_t pintid);
/* Withdraws a HW-backed private interrupt whose source is no longer asserted (the timer
 * condition went false before the guest took it); deactivates the physical one. */
void vgic_retract_hw_ppi(struct vcpu *v, uint32_t intid);
bool vgic_irq_is_pending(struct vcpu *v, uint32_t intid);
bool vgic_irq_is_active(struct vcpu *v, uint32_t intid);
/* Software interrupt lines for device models: edge (a pulse) or level. intid is an SPI of
 * vm, or a PPI of vcpu (v non-NULL). */
void vgic_inject_edge(struct vm *vm, struct vcpu *v, uint32_t intid);
void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level);

/* A trapped write of ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 (GICv3 guests): the write
 * handler of their rows (vdev/vgic_sysregs.c); false (a GICv2 VM, a read) is UNDEFINED. */
bool vgic_sysreg(struct vcpu *v, const struct sysreg_access *a, uint64_t val);

#endif
