/* MDCR_EL2, the Monitor Debug Configuration Register (EL2) (Arm ARM DDI 0487K.a, D24.3
 * MDCR_EL2): how many PMU counters EL1 gets and which debug, PMU, profiling and trace
 * accesses from EL1/EL0 trap to EL2. */
#ifndef ARCH_REGS_MDCR_H
#define ARCH_REGS_MDCR_H

#include "arch/aarch64/regs/bits.h"

#define MDCR_EL2_HPMN_SHIFT 0 /* HPMN[4:0]: PMU event counters EL1 and EL0 can use */
#define MDCR_EL2_HPMN_MASK  REG_MASK(5, MDCR_EL2_HPMN_SHIFT)
#define MDCR_EL2_TPMCR      REG_BIT(5)  /* trap PMCR_EL0 */
#define MDCR_EL2_TPM        REG_BIT(6)  /* trap all other PMU registers */
#define MDCR_EL2_HPME       REG_BIT(7)  /* enable the counters reserved for EL2 */
#define MDCR_EL2_TDE        REG_BIT(8)  /* debug exceptions to EL2 */
#define MDCR_EL2_TDA        REG_BIT(9)  /* trap debug registers not covered by TDRA, TDOSA */
#define MDCR_EL2_TDOSA      REG_BIT(10) /* trap the OS lock and power-down registers */
#define MDCR_EL2_TDRA       REG_BIT(11) /* trap the debug ROM address registers */
#define MDCR_EL2_E2PB_SHIFT 12          /* E2PB[13:12]: FEAT_SPE profiling buffer owner */
#define MDCR_EL2_E2PB_MASK  REG_MASK(2, MDCR_EL2_E2PB_SHIFT)
#define MDCR_EL2_TPMS       REG_BIT(14) /* FEAT_SPE: trap the profiling controls */
#define MDCR_EL2_HPMD       REG_BIT(17) /* FEAT_PMUv3p1: no event counting at EL2 */
#define MDCR_EL2_TTRF       REG_BIT(19) /* FEAT_TRF: trap the trace filter controls */
#define MDCR_EL2_HCCD       REG_BIT(23) /* FEAT_PMUv3p5: no cycle counting at EL2 */
#define MDCR_EL2_E2TB_SHIFT 24          /* E2TB[25:24]: FEAT_TRBE trace buffer owner */
#define MDCR_EL2_E2TB_MASK  REG_MASK(2, MDCR_EL2_E2TB_SHIFT)
#define MDCR_EL2_HLP        REG_BIT(26) /* FEAT_PMUv3p5: 64-bit overflow for EL2 counters */
#define MDCR_EL2_TDCC       REG_BIT(27) /* FEAT_FGT: trap the debug comms channel */
#define MDCR_EL2_MTPME      REG_BIT(28) /* FEAT_MTPMU: multi-threaded PMU events */
#define MDCR_EL2_HPMFZO     REG_BIT(29) /* FEAT_PMUv3p7: freeze EL2 counters on overflow */

#endif
