/* The parts of the virtual CPU hardware (core/vcpu_hw.h), by index: a part's index is its row
 * in vcpu_hw_parts (vdev/vcpu_hw_table.c) and its byte in v->hw_sync / v->hw_flush. Core runs
 * them in this order (load in reverse). Adding one: its file with its ops, and a row here and
 * in the table. A part the build configuration leaves out (docs/build.md) has neither: the
 * indexes after it move down, which only the part itself and the table use. */
#ifndef VDEV_VCPU_HW_TABLE_H
#define VDEV_VCPU_HW_TABLE_H

#include "core/vcpu_hw.h"

enum vcpu_hw_part {
    VCPU_HW_VGIC,    /* vdev/vgic.c: list registers, maintenance interrupt */
    VCPU_HW_VTIMER,  /* vdev/vtimer.c: the EL1 virtual timer */
    VCPU_HW_VPTIMER, /* vdev/vptimer.c: the EL1 physical timer */
    VCPU_HW_VDEBUG,  /* vdev/vdebug_regs.c: breakpoints, watchpoints, step, the OS lock */
#if CONFIG_PMU
    VCPU_HW_VPMU, /* vdev/vpmu.c: PMUv3 */
#endif
#if CONFIG_PAUTH
    VCPU_HW_VPAUTH, /* vdev/vpauth.c: the pointer authentication keys */
#endif
#if CONFIG_SVE
    VCPU_HW_VSVE, /* vdev/vsve.c: SVE registers, ZCR_EL1 */
#endif
#if CONFIG_NESTED
    VCPU_HW_NESTED, /* vdev/nested.c: virtual EL2 (VNCR page, the guest hypervisor's context) */
#endif
/* Parts from here on have no byte in v->hw_sync / v->hw_flush (VCPU_HW_MASKED): no flush
 * or sync. */
#if CONFIG_MTE
    VCPU_HW_VMTE, /* vdev/vmte.c: memory tagging (HCR_EL2.ATA, the tag-check registers) */
#endif
#if CONFIG_GICV4
    VCPU_HW_VGICV4, /* vdev/vgic_v4.c: GICv4.0 vPEs (residency at load and put) */
#endif
    VCPU_HW_NR
};

extern const struct vcpu_hw_ops vgic_hw_ops, vtimer_hw_ops, vptimer_hw_ops, vdebug_hw_ops, vpmu_hw_ops, vpauth_hw_ops,
    vsve_hw_ops, nested_hw_ops, vmte_hw_ops, vgic_v4_hw_ops;

#endif
