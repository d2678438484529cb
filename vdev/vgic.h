/* The virtual GIC: one version-independent core (vdev/vgic.c) with a GICv2 back end
 * (vdev/vgic_v2.c: emulated GICD, the physical GICV frame mapped at the VM's GICC, GICH list
 * registers) and a GICv3 back end (vdev/vgic_v3.c: emulated GICD and GICR frames, ICH_*_EL2
 * list registers, trapped ICC_SGI1R_EL1). Design: docs/interrupts.md. */
#ifndef VDEV_VGIC_H
#define VDEV_VGIC_H

#include <stdint.h>
#include <stdbool.h>
#include "core/vm.h"
#include "arch/aarch64/esr.h"

struct vm;
struct vcpu;

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
/* Both for a private interrupt (intid < 32) of v, in one look: VGIC_IRQ_PENDING (latched, or
 * in a list register that holds it pending), VGIC_IRQ_ACTIVE. */
#define VGIC_IRQ_PENDING 1u
#define VGIC_IRQ_ACTIVE  2u
unsigned vgic_ppi_state(struct vcpu *v, uint32_t intid);
/* Software interrupt lines for device models: edge (a pulse) or level. intid is an SPI of
 * vm, or a PPI of vcpu (v non-NULL). */
void vgic_inject_edge(struct vm *vm, struct vcpu *v, uint32_t intid);
void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level);

/* For a guest hypervisor's guest that runs on v's list registers (vdev/nested_gic.c), while
 * v's interface is put (vgic_put, then vgic_load to take it back): what the interrupts that
 * wait for v to take them now would raise, by their group (0 for none): VGIC_WAITS_FIQ for
 * Group 0 on GICv3 (one Security state: Group 0 is signalled as FIQ, IHI 0069H 4.6.1),
 * VGIC_WAITS_IRQ for Group 1, and for every group on the GICv2 model (GICV_CTLR.FIQEn is not
 * modelled: IRQ); whether intid is linked to a physical interrupt (its INTID in *pintid); and
 * intid deactivated by that guest through such a link. */
#define VGIC_WAITS_IRQ 1u
#define VGIC_WAITS_FIQ 2u
unsigned vgic_irq_deliverable(struct vcpu *v);
bool vgic_hw_link(struct vcpu *v, uint32_t intid, uint32_t *pintid);
void vgic_deactivate(struct vcpu *v, uint32_t intid);

/* The virtual maintenance interrupt of a guest hypervisor's GIC virtual interface (PPI 9, the
 * INTID Arm's SBSA recommends; vdev/nested_gic.c), in the device tree of a VM at virtual EL2. */
#define VGIC_MAINT_VIRQ 25

/* LPIs (IHI 0069H 5.1): INTIDs from 8192. A VM with a vITS has VGIC_NR_LPIS of them,
 * 8192..8192+VGIC_NR_LPIS-1, which GICD_TYPER.num_LPIs advertises (12.9.38). */
#define VGIC_LPI_BASE     8192
#define VGIC_NR_LPIS      1024
#define VGIC_NR_LPIS_LOG2 10
static inline bool vgic_is_lpi(uint32_t intid)
{
    return intid >= VGIC_LPI_BASE && intid < VGIC_LPI_BASE + VGIC_NR_LPIS;
}

/* LPIs, for the virtual ITS (vdev/vgic_lpi.c). vgic_lpi_attach: the VM has an ITS at
 * [its_ipa, +its_size) (its attach, after the vGIC's): LPIs are advertised and shown with the
 * ITS node under the GIC node of the guest's device tree. The others take an LPI INTID
 * (VGIC_LPI_BASE.. + VGIC_NR_LPIS; others are ignored) and a redistributor by vCPU index. */
void vgic_lpi_attach(struct vm *vm, uint64_t its_ipa, uint64_t its_size);
/* A GICv2m frame's attach (after the vGIC's): the frame at ipa owns SPIs [first, first +
 * count) and is shown under the GIC node. -1: more than VGIC_MAX_V2M_FRAMES. */
#define VGIC_MAX_V2M_FRAMES 4
int vgic_v2m_attach(struct vm *vm, uint64_t ipa, uint32_t first, uint32_t count);
/* 32 + the SPIs the VM's vGIC offers. */
unsigned vgic_nr_irqs(const struct vm *vm);
bool vgic_lpi_rd_enabled(struct vm *vm, unsigned rd); /* its GICR_CTLR.EnableLPIs */
/* Map (MAPTI, MAPI, MOVI): the LPI now targets rd and reads its configuration from there. */
void vgic_lpi_map(struct vm *vm, uint32_t intid, unsigned rd);
/* Unmap (DISCARD): not pending, no target. */
void vgic_lpi_unmap(struct vm *vm, uint32_t intid);
/* INT (on) / CLEAR (off). false: not made pending (its redistributor has LPIs disabled, or it
 * has none). */
bool vgic_lpi_set_pending(struct vm *vm, uint32_t intid, bool on);
/* INV: read its configuration again. */
void vgic_lpi_inv(struct vm *vm, uint32_t intid);
/* MOVALL: every LPI of redistributor from goes to redistributor to. */
void vgic_lpi_movall(struct vm *vm, unsigned from, unsigned to);
bool vgic_lpi_pending(struct vm *vm, uint32_t intid);

/* The SGI generation registers (IHI 0069H 12.2.21-12.2.23), trapped for GICv3 guests. */
#define VGIC_ICC_SGI1R  SYSREG(3, 0, 12, 11, 5)
#define VGIC_ICC_ASGI1R SYSREG(3, 0, 12, 11, 6)
#define VGIC_ICC_SGI0R  SYSREG(3, 0, 12, 11, 7)
/* A trapped write of one of them (id); false (a GICv2 VM, another encoding) is UNDEFINED. The
 * handlers of their rows (SR_WR_VALUE, vdev/vgic_sysregs.c) are vgic_sgi1r_write (Group 1:
 * ICC_SGI1R_EL1, ICC_ASGI1R_EL1) and vgic_sgi0r_write (Group 0), which need no look at id. */
bool vgic_sysreg(struct vcpu *v, uint32_t id, uint64_t val);
bool vgic_sgi1r_write(struct vcpu *v, uint32_t id, uint64_t val);
bool vgic_sgi0r_write(struct vcpu *v, uint32_t id, uint64_t val);

#endif
