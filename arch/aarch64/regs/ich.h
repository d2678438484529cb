/* The GICv3 virtual interface control registers, ICH_*_EL2 (GIC architecture specification
 * IHI 0069H, 12.4), and ICC_SRE_EL2 (12.2.23): used by the vGIC for its own list registers and
 * by virtual EL2 for those of a guest hypervisor. */
#ifndef ARCH_REGS_ICH_H
#define ARCH_REGS_ICH_H

#include "arch/aarch64/regs/bits.h"

/* ICH_LR<n>_EL2 (12.4.10). */
#define ICH_LR_VINTID_MASK    REG_MASK(32, 0)
#define ICH_LR_PINTID_SHIFT   32
#define ICH_LR_PINTID_MASK    REG_MASK(13, ICH_LR_PINTID_SHIFT) /* HW = 1 */
#define ICH_LR_EOI            REG_BIT(41)                       /* HW = 0: maintenance at EOI */
#define ICH_LR_PRIORITY_SHIFT 48
#define ICH_LR_PRIORITY_MASK  REG_MASK(8, ICH_LR_PRIORITY_SHIFT)
#define ICH_LR_GROUP          REG_BIT(60)
#define ICH_LR_HW             REG_BIT(61)
#define ICH_LR_PENDING        REG_BIT(62)
#define ICH_LR_ACTIVE         REG_BIT(63)
#define ICH_LR_STATE_MASK     (ICH_LR_PENDING | ICH_LR_ACTIVE)

/* ICH_HCR_EL2 (12.4.3). */
#define ICH_HCR_EN             REG_BIT(0)
#define ICH_HCR_UIE            REG_BIT(1)
#define ICH_HCR_LRENPIE        REG_BIT(2)
#define ICH_HCR_NPIE           REG_BIT(3)
#define ICH_HCR_VGRP0EIE       REG_BIT(4)
#define ICH_HCR_VGRP0DIE       REG_BIT(5)
#define ICH_HCR_VGRP1EIE       REG_BIT(6)
#define ICH_HCR_VGRP1DIE       REG_BIT(7)
#define ICH_HCR_EOICOUNT_SHIFT 27
#define ICH_HCR_EOICOUNT_MASK  REG_MASK(5, ICH_HCR_EOICOUNT_SHIFT)

/* ICH_MISR_EL2 (12.4.9): why the maintenance interrupt is asserted. */
#define ICH_MISR_EOI    REG_BIT(0)
#define ICH_MISR_U      REG_BIT(1)
#define ICH_MISR_LRENP  REG_BIT(2)
#define ICH_MISR_NP     REG_BIT(3)
#define ICH_MISR_VGRP0E REG_BIT(4)
#define ICH_MISR_VGRP0D REG_BIT(5)
#define ICH_MISR_VGRP1E REG_BIT(6)
#define ICH_MISR_VGRP1D REG_BIT(7)

/* ICH_VMCR_EL2 (12.4.13). */
#define ICH_VMCR_VENG0      REG_BIT(0)
#define ICH_VMCR_VENG1      REG_BIT(1)
#define ICH_VMCR_VPMR_SHIFT 24

/* ICH_VTR_EL2 (12.4.12): ListRegs = LRs - 1, PREbits = preemption bits - 1. */
#define ICH_VTR_LISTREGS_SHIFT 0
#define ICH_VTR_LISTREGS_MASK  REG_MASK(5, ICH_VTR_LISTREGS_SHIFT)
#define ICH_VTR_TDS            REG_BIT(19)
#define ICH_VTR_NV4            REG_BIT(20)
#define ICH_VTR_SEIS           REG_BIT(22)
#define ICH_VTR_PREBITS_SHIFT  26
#define ICH_VTR_PREBITS_MASK   REG_MASK(3, ICH_VTR_PREBITS_SHIFT)

/* ICC_SRE_EL2 (12.2.23): SRE [0], DFB [1], DIB [2], Enable [3]. */
#define ICC_SRE_EL2_SRE    REG_BIT(0)
#define ICC_SRE_EL2_DFB    REG_BIT(1)
#define ICC_SRE_EL2_DIB    REG_BIT(2)
#define ICC_SRE_EL2_ENABLE REG_BIT(3)

#endif
