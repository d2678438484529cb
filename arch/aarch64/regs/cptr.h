/* CPTR_EL2, the Architectural Feature Trap Register (EL2), in its HCR_EL2.E2H = 0 layout
 * (Arm ARM DDI 0487K.a, D24.2 CPTR_EL2): which FP/SIMD, SVE, SME, trace and activity monitor
 * accesses from EL1/EL0 trap to EL2. */
#ifndef ARCH_REGS_CPTR_H
#define ARCH_REGS_CPTR_H

#include "arch/aarch64/regs/bits.h"

#define CPTR_EL2_TZ    REG_BIT(8)  /* trap SVE; RES1 without FEAT_SVE */
#define CPTR_EL2_TFP   REG_BIT(10) /* trap FP/SIMD (and SVE, SME) */
#define CPTR_EL2_TSM   REG_BIT(12) /* trap SME; RES1 without FEAT_SME */
#define CPTR_EL2_TTA   REG_BIT(20) /* trap trace System registers */
#define CPTR_EL2_TAM   REG_BIT(30) /* FEAT_AMUv1: trap activity monitors */
#define CPTR_EL2_TCPAC REG_BIT(31) /* trap CPACR_EL1 */

/* CPACR_EL1 (D24.2 CPACR_EL1): FPEN[21:20], 0b11 = FP/SIMD at EL1 and EL0 not trapped. */
#define CPACR_EL1_FPEN_SHIFT 20
#define CPACR_EL1_FPEN_ALL   REG_FIELD(3, CPACR_EL1_FPEN_SHIFT)

/* Bits [7:0], 9 and 13 are RES1 (TZ and TSM too when their feature is absent). */
#define CPTR_EL2_RES1 (REG_MASK(8, 0) | REG_BIT(9) | REG_BIT(13))

#endif
