/* The virtual CPU hardware every VM gets, in the order of enum vcpu_hw_part. A part the build
 * configuration leaves out (docs/build.md) has no row: its feature is hidden from guests (the ID
 * registers, vdev/id_regs.c) and stays trapped, so its instructions and registers are UNDEFINED. */
#include "vdev/vcpu_hw_table.h"

const struct vcpu_hw_ops *const vcpu_hw_parts[] = {
    [VCPU_HW_VGIC] = &vgic_hw_ops,       [VCPU_HW_VTIMER] = &vtimer_hw_ops,
    [VCPU_HW_VPTIMER] = &vptimer_hw_ops, [VCPU_HW_VDEBUG] = &vdebug_hw_ops,
#if CONFIG_PMU
    [VCPU_HW_VPMU] = &vpmu_hw_ops,
#endif
#if CONFIG_PAUTH
    [VCPU_HW_VPAUTH] = &vpauth_hw_ops,
#endif
#if CONFIG_SVE
    [VCPU_HW_VSVE] = &vsve_hw_ops,
#endif
#if CONFIG_NESTED
    [VCPU_HW_NESTED] = &nested_hw_ops,
#endif
#if CONFIG_MTE
    [VCPU_HW_VMTE] = &vmte_hw_ops,
#endif
#if CONFIG_GICV4
    [VCPU_HW_VGICV4] = &vgic_v4_hw_ops,
#endif
};
const unsigned vcpu_hw_nr = VCPU_HW_NR;

_Static_assert(sizeof(vcpu_hw_parts) / sizeof(vcpu_hw_parts[0]) == VCPU_HW_NR, "one row per part");
_Static_assert(VCPU_HW_NR <= VCPU_HW_MAX, "struct vm has a slot per part");
_Static_assert(VCPU_HW_NR - CONFIG_MTE - CONFIG_GICV4 <= VCPU_HW_MASKED,
               "every part with flush or sync (all but vmte and vgic_v4, the last) has a byte in union vcpu_hw_mask");
