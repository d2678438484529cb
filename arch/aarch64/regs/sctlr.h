/* SCTLR_EL1 and SCTLR_EL2, the System Control Registers (Arm ARM DDI 0487K.a, D24.2
 * SCTLR_EL1, SCTLR_EL2). The fields below sit at the same position in both; "EL1" marks those
 * that SCTLR_EL2 has only with HCR_EL2.E2H = 1 (with E2H = 0 the bit is RES0 or RES1 there). */
#ifndef ARCH_REGS_SCTLR_H
#define ARCH_REGS_SCTLR_H

#include "arch/aarch64/regs/bits.h"

#define SCTLR_M          REG_BIT(0)  /* stage 1 MMU on */
#define SCTLR_A          REG_BIT(1)  /* alignment checks */
#define SCTLR_C          REG_BIT(2)  /* data accesses cacheable */
#define SCTLR_SA         REG_BIT(3)  /* SP alignment check */
#define SCTLR_SA0        REG_BIT(4)  /* EL1: SP alignment check at EL0 */
#define SCTLR_CP15BEN    REG_BIT(5)  /* EL1: AArch32 CP15 barriers */
#define SCTLR_nAA        REG_BIT(6)  /* FEAT_LSE2: no alignment fault for LDAPR and friends */
#define SCTLR_ITD        REG_BIT(7)  /* EL1: AArch32 IT disable */
#define SCTLR_SED        REG_BIT(8)  /* EL1: AArch32 SETEND disable */
#define SCTLR_UMA        REG_BIT(9)  /* EL1: EL0 access to DAIF */
#define SCTLR_EnRCTX     REG_BIT(10) /* FEAT_SPECRES: EL0 prediction restriction */
#define SCTLR_EOS        REG_BIT(11) /* FEAT_ExS: exception exit is context synchronizing */
#define SCTLR_I          REG_BIT(12) /* instruction fetches cacheable */
#define SCTLR_EnDB       REG_BIT(13) /* FEAT_PAuth: data key B */
#define SCTLR_DZE        REG_BIT(14) /* EL1: EL0 DC ZVA */
#define SCTLR_UCT        REG_BIT(15) /* EL1: EL0 access to CTR_EL0 */
#define SCTLR_nTWI       REG_BIT(16) /* EL1: 0 traps EL0 WFI */
#define SCTLR_nTWE       REG_BIT(18) /* EL1: 0 traps EL0 WFE */
#define SCTLR_WXN        REG_BIT(19) /* writable means execute-never */
#define SCTLR_TSCXT      REG_BIT(20) /* FEAT_CSV2_2: trap EL0 SCXTNUM_EL0 */
#define SCTLR_IESB       REG_BIT(21) /* FEAT_IESB: implicit error synchronization barrier */
#define SCTLR_EIS        REG_BIT(22) /* FEAT_ExS: exception entry is context synchronizing */
#define SCTLR_SPAN       REG_BIT(23) /* EL1, FEAT_PAN: 0 sets PSTATE.PAN on exception entry */
#define SCTLR_E0E        REG_BIT(24) /* EL1: EL0 data big-endian */
#define SCTLR_EE         REG_BIT(25) /* data and table walks big-endian */
#define SCTLR_UCI        REG_BIT(26) /* EL1: EL0 cache maintenance by VA */
#define SCTLR_EnDA       REG_BIT(27) /* FEAT_PAuth: data key A */
#define SCTLR_nTLSMD     REG_BIT(28) /* FEAT_LSMAOC: AArch32 LDM/STM to Device allowed */
#define SCTLR_LSMAOE     REG_BIT(29) /* FEAT_LSMAOC: AArch32 LDM/STM ordering */
#define SCTLR_EnIB       REG_BIT(30) /* FEAT_PAuth: instruction key B */
#define SCTLR_EnIA       REG_BIT(31) /* FEAT_PAuth: instruction key A */
#define SCTLR_BT0        REG_BIT(35) /* EL1, FEAT_BTI: guarded pages at EL0 */
#define SCTLR_BT         REG_BIT(36) /* FEAT_BTI: guarded pages at this EL (BT1 in SCTLR_EL1) */
#define SCTLR_ITFSB      REG_BIT(37) /* FEAT_MTE2: tag check faults synchronized on entry */
#define SCTLR_TCF0_SHIFT 38          /* EL1, FEAT_MTE2: TCF0[39:38], tag check faults at EL0 */
#define SCTLR_TCF0_MASK  REG_MASK(2, SCTLR_TCF0_SHIFT)
#define SCTLR_TCF_SHIFT  40 /* FEAT_MTE2: TCF[41:40], tag check faults at this EL */
#define SCTLR_TCF_MASK   REG_MASK(2, SCTLR_TCF_SHIFT)
#define SCTLR_ATA0       REG_BIT(42) /* EL1, FEAT_MTE2: allocation tag access at EL0 */
#define SCTLR_ATA        REG_BIT(43) /* FEAT_MTE2: allocation tag access at this EL */
#define SCTLR_DSSBS      REG_BIT(44) /* FEAT_SSBS: PSTATE.SSBS on exception entry */
#define SCTLR_EPAN       REG_BIT(57) /* EL1, FEAT_PAN3: PAN also for execute-only pages */

/* The bits that are RES1 when the feature that gives them a meaning is absent. Where it is
 * present, 1 keeps the Armv8.0 behaviour, so these are the value at reset. */
#define SCTLR_EL1_RES1 (SCTLR_LSMAOE | SCTLR_nTLSMD | SCTLR_SPAN | SCTLR_EIS | SCTLR_TSCXT | SCTLR_EOS)
/* SCTLR_EL2 with E2H = 0: bits 4, 5, 16, 18, 23, 28 and 29 are RES1, 11 and 22 too without
 * FEAT_ExS. */
#define SCTLR_EL2_RES1                                                                                              \
    (REG_BIT(29) | REG_BIT(28) | REG_BIT(23) | REG_BIT(22) | REG_BIT(18) | REG_BIT(16) | REG_BIT(11) | REG_BIT(5) | \
     REG_BIT(4))

/* SCTLR_EL1 a vCPU starts with (MMU and caches off, little-endian): RES1 bits only. */
#define SCTLR_EL1_RESET SCTLR_EL1_RES1

#endif
