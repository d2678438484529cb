/* HCR_EL2, the Hypervisor Configuration Register (Arm ARM DDI 0487K.a, D24.2 HCR_EL2): what a
 * guest at EL1/EL0 may do without trapping, where physical interrupts go, and the virtual
 * interrupt lines. Fields in bit order; those that need a feature name it. */
#ifndef ARCH_REGS_HCR_H
#define ARCH_REGS_HCR_H

#include "arch/aarch64/regs/bits.h"

#define HCR_EL2_VM           REG_BIT(0)                 /* stage 2 translation for EL1&0 */
#define HCR_EL2_SWIO         REG_BIT(1)                 /* DC ISW becomes DC CISW */
#define HCR_EL2_PTW          REG_BIT(2)                 /* stage 1 walks to Device memory fault */
#define HCR_EL2_FMO          REG_BIT(3)                 /* physical FIQ to EL2, virtual FIQ to EL1 */
#define HCR_EL2_IMO          REG_BIT(4)                 /* physical IRQ to EL2, virtual IRQ to EL1 */
#define HCR_EL2_AMO          REG_BIT(5)                 /* physical SError to EL2, virtual SError to EL1 */
#define HCR_EL2_VF           REG_BIT(6)                 /* virtual FIQ pending */
#define HCR_EL2_VI           REG_BIT(7)                 /* virtual IRQ pending */
#define HCR_EL2_VSE_SHIFT    8                          /* also for the exit path (vectors.S) */
#define HCR_EL2_VSE          REG_BIT(HCR_EL2_VSE_SHIFT) /* virtual SError pending */
#define HCR_EL2_FB           REG_BIT(9)                 /* broadcast TLB and I-cache maintenance */
#define HCR_EL2_BSU_SHIFT    10                         /* BSU[11:10]: barrier shareability upgrade */
#define HCR_EL2_BSU_MASK     REG_MASK(2, HCR_EL2_BSU_SHIFT)
#define HCR_EL2_BSU_IS       REG_FIELD(1, HCR_EL2_BSU_SHIFT) /* Inner Shareable */
#define HCR_EL2_BSU_OS       REG_FIELD(2, HCR_EL2_BSU_SHIFT) /* Outer Shareable */
#define HCR_EL2_BSU_FS       REG_FIELD(3, HCR_EL2_BSU_SHIFT) /* Full System */
#define HCR_EL2_DC           REG_BIT(12)                     /* default cacheability with the EL1&0 MMU off */
#define HCR_EL2_TWI          REG_BIT(13)                     /* trap WFI (and WFIT) */
#define HCR_EL2_TWE          REG_BIT(14)                     /* trap WFE (and WFET) */
#define HCR_EL2_TID0         REG_BIT(15)                     /* ID group 0 (AArch32 JIDR, FPSID) */
#define HCR_EL2_TID1         REG_BIT(16)                     /* ID group 1: REVIDR_EL1, AIDR_EL1, SMIDR_EL1 */
#define HCR_EL2_TID2         REG_BIT(17) /* ID group 2: CTR_EL0, CCSIDR_EL1, CLIDR_EL1, CSSELR_EL1 */
#define HCR_EL2_TID3         REG_BIT(18) /* ID group 3: ID_AA64*_EL1 and the AArch32 ID registers */
#define HCR_EL2_TSC          REG_BIT(19) /* trap SMC */
#define HCR_EL2_TIDCP        REG_BIT(20) /* trap IMPLEMENTATION DEFINED registers */
#define HCR_EL2_TACR         REG_BIT(21) /* trap ACTLR_EL1 */
#define HCR_EL2_TSW          REG_BIT(22) /* trap data cache maintenance by set/way */
#define HCR_EL2_TPCP         REG_BIT(23) /* trap DC to the Point of Coherency/Persistence (TPC before FEAT_DPB) */
#define HCR_EL2_TPU          REG_BIT(24) /* trap cache maintenance to the Point of Unification */
#define HCR_EL2_TTLB         REG_BIT(25) /* trap TLB maintenance */
#define HCR_EL2_TVM          REG_BIT(26) /* trap writes to the EL1 virtual memory controls */
#define HCR_EL2_TGE          REG_BIT(27) /* EL0 runs under EL2 (host) */
#define HCR_EL2_TDZ          REG_BIT(28) /* trap DC ZVA */
#define HCR_EL2_HCD          REG_BIT(29) /* HVC UNDEFINED */
#define HCR_EL2_TRVM         REG_BIT(30) /* trap reads of the EL1 virtual memory controls */
#define HCR_EL2_RW           REG_BIT(31) /* EL1 is AArch64 */
#define HCR_EL2_CD           REG_BIT(32) /* stage 2 data accesses Non-cacheable */
#define HCR_EL2_ID           REG_BIT(33) /* stage 2 instruction fetches Non-cacheable */
#define HCR_EL2_E2H          REG_BIT(34) /* FEAT_VHE: EL2 host */
#define HCR_EL2_TLOR         REG_BIT(35) /* FEAT_LOR: trap LORegion registers */
#define HCR_EL2_TERR         REG_BIT(36) /* FEAT_RAS: trap error record registers */
#define HCR_EL2_TEA          REG_BIT(37) /* FEAT_RAS: external aborts to EL2 */
#define HCR_EL2_MIOCNCE      REG_BIT(38) /* mismatched inner/outer cacheable non-coherency */
#define HCR_EL2_APK          REG_BIT(40) /* FEAT_PAuth: 0 traps the key registers */
#define HCR_EL2_API          REG_BIT(41) /* FEAT_PAuth: 0 traps the PAC instructions */
#define HCR_EL2_NV           REG_BIT(42) /* FEAT_NV: nested virtualization */
#define HCR_EL2_NV1          REG_BIT(43) /* FEAT_NV */
#define HCR_EL2_AT           REG_BIT(44) /* FEAT_NV: trap AT S1E0*, S1E1* */
#define HCR_EL2_NV2          REG_BIT(45) /* FEAT_NV2: EL2 registers in memory at VNCR_EL2 */
#define HCR_EL2_FWB          REG_BIT(46) /* FEAT_S2FWB: stage 2 attributes override stage 1 */
#define HCR_EL2_FIEN         REG_BIT(47) /* FEAT_RASv1p1: 0 traps the fault injection registers */
#define HCR_EL2_TID4         REG_BIT(49) /* FEAT_EVT: trap the cache ID registers */
#define HCR_EL2_TICAB        REG_BIT(50) /* FEAT_EVT: trap IC IALLUIS */
#define HCR_EL2_AMVOFFEN     REG_BIT(51) /* FEAT_AMUv1p1: virtual activity monitor offsets */
#define HCR_EL2_TOCU         REG_BIT(52) /* FEAT_EVT: trap cache maintenance to the PoU */
#define HCR_EL2_EnSCXT       REG_BIT(53) /* FEAT_CSV2_2: 0 traps SCXTNUM_ELx */
#define HCR_EL2_TTLBIS       REG_BIT(54) /* FEAT_EVT: trap Inner Shareable TLBI */
#define HCR_EL2_TTLBOS       REG_BIT(55) /* FEAT_EVT: trap Outer Shareable TLBI */
#define HCR_EL2_ATA          REG_BIT(56) /* FEAT_MTE2: 0 traps allocation tag accesses */
#define HCR_EL2_DCT          REG_BIT(57) /* FEAT_MTE2: with DC set, EL1&0 memory is Tagged */
#define HCR_EL2_TID5         REG_BIT(58) /* FEAT_MTE2: trap GMID_EL1 */
#define HCR_EL2_TWEDEn       REG_BIT(59) /* FEAT_TWED: delayed WFE trap */
#define HCR_EL2_TWEDEL_SHIFT 60          /* FEAT_TWED: TWEDEL[63:60], the delay */
#define HCR_EL2_TWEDEL_MASK  REG_MASK(4, HCR_EL2_TWEDEL_SHIFT)

#endif
