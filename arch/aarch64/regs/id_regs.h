/* Fields of the AArch64 ID registers (Arm ARM DDI 0487, D19.2 / D23.2 "ID_AA64*_EL1"), by
 * name: F_SHIFT is the lowest bit of field F, F_WIDTH its width. Only the fields elvisor hides,
 * sets or reads are named. Every one of them is an unsigned 4-bit feature field in which 0 means
 * "not implemented", except where a value below says otherwise. */
#ifndef ARCH_REGS_ID_REGS_H
#define ARCH_REGS_ID_REGS_H

#include <stdint.h>

/* The bits of field f, value val placed in field f, and field f of register value reg. */
#define ID_FIELD_MASK(f)     (((UINT64_C(1) << f##_WIDTH) - 1) << f##_SHIFT)
#define ID_FIELD_VAL(f, val) (((uint64_t)(val) << f##_SHIFT) & ID_FIELD_MASK(f))
#define ID_FIELD_GET(reg, f) (((uint64_t)(reg)&ID_FIELD_MASK(f)) >> f##_SHIFT)

/* ID_AA64PFR0_EL1, AArch64 Processor Feature Register 0. */
#define ID_AA64PFR0_EL1_EL0_SHIFT  0 /* EL0 execution states: 1 AArch64 only, 2 also AArch32 */
#define ID_AA64PFR0_EL1_EL0_WIDTH  4
#define ID_AA64PFR0_EL1_EL1_SHIFT  4 /* EL1 execution states, encoded as EL0 */
#define ID_AA64PFR0_EL1_EL1_WIDTH  4
#define ID_AA64PFR0_EL1_EL_AARCH64 1
#define ID_AA64PFR0_EL1_EL2_SHIFT  8 /* EL2 implemented (and in which states) */
#define ID_AA64PFR0_EL1_EL2_WIDTH  4
#define ID_AA64PFR0_EL1_EL3_SHIFT  12
#define ID_AA64PFR0_EL1_EL3_WIDTH  4
#define ID_AA64PFR0_EL1_RAS_SHIFT  28 /* FEAT_RAS */
#define ID_AA64PFR0_EL1_RAS_WIDTH  4
#define ID_AA64PFR0_EL1_SVE_SHIFT  32 /* FEAT_SVE */
#define ID_AA64PFR0_EL1_SVE_WIDTH  4
#define ID_AA64PFR0_EL1_MPAM_SHIFT 40 /* FEAT_MPAM (major version) */
#define ID_AA64PFR0_EL1_MPAM_WIDTH 4
#define ID_AA64PFR0_EL1_AMU_SHIFT  44 /* FEAT_AMUv1 */
#define ID_AA64PFR0_EL1_AMU_WIDTH  4
#define ID_AA64PFR0_EL1_CSV2_SHIFT 56 /* FEAT_CSV2 (1), FEAT_CSV2_2 (2), FEAT_CSV2_3 (3) */
#define ID_AA64PFR0_EL1_CSV2_WIDTH 4
#define ID_AA64PFR0_EL1_CSV3_SHIFT 60 /* FEAT_CSV3 */
#define ID_AA64PFR0_EL1_CSV3_WIDTH 4

/* ID_AA64PFR1_EL1, AArch64 Processor Feature Register 1. */
#define ID_AA64PFR1_EL1_BT_SHIFT        0 /* FEAT_BTI */
#define ID_AA64PFR1_EL1_BT_WIDTH        4
#define ID_AA64PFR1_EL1_MTE_SHIFT       8 /* FEAT_MTE */
#define ID_AA64PFR1_EL1_MTE_WIDTH       4
#define ID_AA64PFR1_EL1_SME_SHIFT       24 /* FEAT_SME */
#define ID_AA64PFR1_EL1_SME_WIDTH       4
#define ID_AA64PFR1_EL1_RNDR_TRAP_SHIFT 28 /* FEAT_RNG_TRAP */
#define ID_AA64PFR1_EL1_RNDR_TRAP_WIDTH 4
#define ID_AA64PFR1_EL1_CSV2_FRAC_SHIFT 32 /* FEAT_CSV2_1p1/1p2 */
#define ID_AA64PFR1_EL1_CSV2_FRAC_WIDTH 4
#define ID_AA64PFR1_EL1_GCS_SHIFT       44 /* FEAT_GCS */
#define ID_AA64PFR1_EL1_GCS_WIDTH       4

/* ID_AA64DFR0_EL1, AArch64 Debug Feature Register 0. */
#define ID_AA64DFR0_EL1_DEBUGVER_SHIFT   0
#define ID_AA64DFR0_EL1_DEBUGVER_WIDTH   4
#define ID_AA64DFR0_EL1_DEBUGVER_V8      6 /* Armv8.0 debug architecture */
#define ID_AA64DFR0_EL1_PMUVER_SHIFT     8 /* FEAT_PMUv3 and its versions */
#define ID_AA64DFR0_EL1_PMUVER_WIDTH     4
#define ID_AA64DFR0_EL1_PMUVER_V3        1   /* FEAT_PMUv3 */
#define ID_AA64DFR0_EL1_PMUVER_V3P4      5   /* FEAT_PMUv3p4: PMMIR_EL1 */
#define ID_AA64DFR0_EL1_PMUVER_V3P5      6   /* FEAT_PMUv3p5: 64-bit event counters */
#define ID_AA64DFR0_EL1_PMUVER_IMPDEF    0xf /* an IMPLEMENTATION DEFINED PMU, not PMUv3 */
#define ID_AA64DFR0_EL1_BRPS_SHIFT       12  /* breakpoints, minus one (at least 2: 1) */
#define ID_AA64DFR0_EL1_BRPS_WIDTH       4
#define ID_AA64DFR0_EL1_WRPS_SHIFT       20 /* watchpoints, minus one (at least 2: 1) */
#define ID_AA64DFR0_EL1_WRPS_WIDTH       4
#define ID_AA64DFR0_EL1_CTX_CMPS_SHIFT   28 /* context-aware breakpoints, minus one */
#define ID_AA64DFR0_EL1_CTX_CMPS_WIDTH   4
#define ID_AA64DFR0_EL1_DOUBLELOCK_SHIFT 36 /* FEAT_DoubleLock */
#define ID_AA64DFR0_EL1_DOUBLELOCK_WIDTH 4
#define ID_AA64DFR0_EL1_DOUBLELOCK_NI    0xf /* not implemented (0 means implemented) */

/* ID_DFR0_EL1, AArch32 Debug Feature Register 0 (D23.2). */
#define ID_DFR0_EL1_PERFMON_SHIFT 24 /* the PMU, as AArch32 sees it */
#define ID_DFR0_EL1_PERFMON_WIDTH 4

/* ID_AA64ISAR0_EL1, AArch64 Instruction Set Attribute Register 0. */
#define ID_AA64ISAR0_EL1_RNDR_SHIFT 60 /* FEAT_RNG: the RNDR and RNDRRS registers */
#define ID_AA64ISAR0_EL1_RNDR_WIDTH 4

/* ID_AA64ISAR1_EL1, AArch64 Instruction Set Attribute Register 1. */
#define ID_AA64ISAR1_EL1_APA_SHIFT 4 /* address authentication, QARMA5 */
#define ID_AA64ISAR1_EL1_APA_WIDTH 4
#define ID_AA64ISAR1_EL1_API_SHIFT 8 /* address authentication, IMPLEMENTATION DEFINED */
#define ID_AA64ISAR1_EL1_API_WIDTH 4
#define ID_AA64ISAR1_EL1_GPA_SHIFT 24 /* generic authentication, QARMA5 */
#define ID_AA64ISAR1_EL1_GPA_WIDTH 4
#define ID_AA64ISAR1_EL1_GPI_SHIFT 28 /* generic authentication, IMPLEMENTATION DEFINED */
#define ID_AA64ISAR1_EL1_GPI_WIDTH 4
#define ID_AA64ISAR1_EL1_SB_SHIFT  36 /* FEAT_SB: the SB speculation barrier */
#define ID_AA64ISAR1_EL1_SB_WIDTH  4

/* ID_AA64ISAR2_EL1, AArch64 Instruction Set Attribute Register 2. */
#define ID_AA64ISAR2_EL1_WFXT_SHIFT   0 /* FEAT_WFxT: WFET and WFIT */
#define ID_AA64ISAR2_EL1_WFXT_WIDTH   4
#define ID_AA64ISAR2_EL1_GPA3_SHIFT   8 /* generic authentication, QARMA3 */
#define ID_AA64ISAR2_EL1_GPA3_WIDTH   4
#define ID_AA64ISAR2_EL1_APA3_SHIFT   12 /* address authentication, QARMA3 */
#define ID_AA64ISAR2_EL1_APA3_WIDTH   4
#define ID_AA64ISAR2_EL1_MOPS_SHIFT   16 /* FEAT_MOPS: CPY* and SET* */
#define ID_AA64ISAR2_EL1_MOPS_WIDTH   4
#define ID_AA64ISAR2_EL1_CLRBHB_SHIFT 28 /* FEAT_CLRBHB: the CLRBHB instruction */
#define ID_AA64ISAR2_EL1_CLRBHB_WIDTH 4
#define ID_AA64ISAR2_EL1_ATS1A_SHIFT  60 /* FEAT_ATS1A: AT S1E1A, S1E2A */
#define ID_AA64ISAR2_EL1_ATS1A_WIDTH  4

/* ID_AA64MMFR0_EL1, AArch64 Memory Model Feature Register 0. */
#define ID_AA64MMFR0_EL1_PARANGE_SHIFT 0 /* physical address size, encoded like TCR_PS_* */
#define ID_AA64MMFR0_EL1_PARANGE_WIDTH 4
#define ID_AA64MMFR0_EL1_ECV_SHIFT     60 /* FEAT_ECV */
#define ID_AA64MMFR0_EL1_ECV_WIDTH     4

/* ID_AA64MMFR1_EL1, AArch64 Memory Model Feature Register 1. */
#define ID_AA64MMFR1_EL1_VH_SHIFT    8 /* FEAT_VHE */
#define ID_AA64MMFR1_EL1_VH_WIDTH    4
#define ID_AA64MMFR1_EL1_PAN_SHIFT   20 /* FEAT_PAN (1), FEAT_PAN2 (2), FEAT_PAN3 (3) */
#define ID_AA64MMFR1_EL1_PAN_WIDTH   4
#define ID_AA64MMFR1_EL1_XNX_SHIFT   28 /* FEAT_XNX: stage 2 execute-never per EL */
#define ID_AA64MMFR1_EL1_XNX_WIDTH   4
#define ID_AA64MMFR1_EL1_ECBHB_SHIFT 60 /* FEAT_ECBHB: branch history not exploitable */
#define ID_AA64MMFR1_EL1_ECBHB_WIDTH 4

/* ID_AA64MMFR2_EL1, AArch64 Memory Model Feature Register 2. */
#define ID_AA64MMFR2_EL1_NV_SHIFT  24 /* FEAT_NV, FEAT_NV2 */
#define ID_AA64MMFR2_EL1_NV_WIDTH  4
#define ID_AA64MMFR2_EL1_FWB_SHIFT 40 /* FEAT_S2FWB */
#define ID_AA64MMFR2_EL1_FWB_WIDTH 4
#define ID_AA64MMFR2_EL1_EVT_SHIFT 56 /* FEAT_EVT: 1 HCR_EL2.TOCU/TICAB/TID4, 2 also TTLBIS/TTLBOS */
#define ID_AA64MMFR2_EL1_EVT_WIDTH 4

/* Features whose EL2 controls the hypervisor initialises (core/vcpu.c vcpu_cpu_init). */
#define ID_AA64MMFR0_EL1_FGT_SHIFT 56 /* FEAT_FGT: fine-grained trap registers */
#define ID_AA64MMFR0_EL1_FGT_WIDTH 4
#define ID_AA64MMFR1_EL1_LO_SHIFT  16 /* FEAT_LOR: LORegions */
#define ID_AA64MMFR1_EL1_LO_WIDTH  4
#define ID_AA64MMFR1_EL1_HCX_SHIFT 40 /* FEAT_HCX: HCRX_EL2 */
#define ID_AA64MMFR1_EL1_HCX_WIDTH 4

#endif
