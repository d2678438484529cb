/* The Performance Monitors Extension, PMUv3 (Arm ARM DDI 0487K.a, D13 "The Performance
 * Monitors Extension" and D24.6 "Performance Monitors registers"): the fields elvisor reads,
 * sets or filters. Counter n (0..30) of the bitmask registers (PMCNTENSET/CLR_EL0,
 * PMINTENSET/CLR_EL1, PMOVSSET/CLR_EL0, PMSWINC_EL0) is bit n; the cycle counter is bit 31. */
#ifndef ARCH_REGS_PMU_H
#define ARCH_REGS_PMU_H

#include "arch/aarch64/regs/bits.h"

/* PMCR_EL0 (D24.6.18). */
#define PMCR_EL0_E       REG_BIT(0) /* enable the counters below MDCR_EL2.HPMN and PMCCNTR */
#define PMCR_EL0_P       REG_BIT(1) /* write 1: event counters (below HPMN, from EL1) to 0 */
#define PMCR_EL0_C       REG_BIT(2) /* write 1: PMCCNTR_EL0 to 0 */
#define PMCR_EL0_D       REG_BIT(3) /* the cycle counter counts every 64th cycle */
#define PMCR_EL0_X       REG_BIT(4) /* export events */
#define PMCR_EL0_DP      REG_BIT(5) /* no cycle counting where event counting is prohibited */
#define PMCR_EL0_LC      REG_BIT(6) /* the cycle counter overflows at bit 63 rather than 31 */
#define PMCR_EL0_LP      REG_BIT(7) /* FEAT_PMUv3p5: event counters overflow at bit 63 */
#define PMCR_EL0_N_SHIFT 11         /* N[15:11]: event counters (read at EL1: MDCR_EL2.HPMN) */
#define PMCR_EL0_N_MASK  REG_MASK(5, PMCR_EL0_N_SHIFT)
/* What a write keeps (the control bits; N and the identification fields are read-only, FZO
 * [9] and later are features elvisor does not advertise). */
#define PMCR_EL0_WRITABLE \
    (PMCR_EL0_E | PMCR_EL0_P | PMCR_EL0_C | PMCR_EL0_D | PMCR_EL0_X | PMCR_EL0_DP | PMCR_EL0_LC | PMCR_EL0_LP)

/* The bit of the cycle counter in the bitmask registers, and PMSELR_EL0.SEL's value naming it. */
#define PMU_CYCLE_BIT      REG_BIT(31)
#define PMU_CYCLE_IDX      31
#define PMU_MAX_EVCOUNTERS 31

/* PMSELR_EL0 (D24.6.24): SEL[4:0], the counter PMXEVCNTR_EL0 / PMXEVTYPER_EL0 reach. */
#define PMSELR_EL0_SEL_SHIFT 0
#define PMSELR_EL0_SEL_MASK  REG_MASK(5, PMSELR_EL0_SEL_SHIFT)

/* PMEVTYPER<n>_EL0 (D24.6.12) and PMCCFILTR_EL0 (D24.6.3, the same filter bits, no event):
 * counting at each Exception level (D13.4 "Filtering by Exception level"). For Non-secure
 * EL1 and EL0, with EL3 implemented, counting needs NSK == P and NSU == U; EL2 is counted only
 * with NSH = 1, EL3 only with M == P. */
#define PMEVTYPER_P              REG_BIT(31) /* 1: not at EL1 */
#define PMEVTYPER_U              REG_BIT(30) /* 1: not at EL0 */
#define PMEVTYPER_NSK            REG_BIT(29)
#define PMEVTYPER_NSU            REG_BIT(28)
#define PMEVTYPER_NSH            REG_BIT(27) /* 1: also at EL2 */
#define PMEVTYPER_M              REG_BIT(26)
#define PMEVTYPER_MT             REG_BIT(25) /* FEAT_MTPMU */
#define PMEVTYPER_SH             REG_BIT(24) /* FEAT_SEL2: Secure EL2 */
#define PMEVTYPER_EVTCOUNT_SHIFT 0           /* evtCount[15:0] (FEAT_PMUv3p1; [9:0] before) */
#define PMEVTYPER_EVTCOUNT_MASK  REG_MASK(16, PMEVTYPER_EVTCOUNT_SHIFT)

/* PMUSERENR_EL0 (D24.6.28): what EL0 may access without trapping to EL1. */
#define PMUSERENR_EL0_EN       REG_BIT(0) /* everything below */
#define PMUSERENR_EL0_SW       REG_BIT(1) /* PMSWINC_EL0 writes */
#define PMUSERENR_EL0_CR       REG_BIT(2) /* PMCCNTR_EL0 reads */
#define PMUSERENR_EL0_ER       REG_BIT(3) /* event counter reads, PMSELR_EL0 */
#define PMUSERENR_EL0_WRITABLE (PMUSERENR_EL0_EN | PMUSERENR_EL0_SW | PMUSERENR_EL0_CR | PMUSERENR_EL0_ER)

/* Common architectural event numbers (D13.11 "Common event numbers"). */
#define PMU_EVENT_SW_INCR      0x00
#define PMU_EVENT_INST_RETIRED 0x08
#define PMU_EVENT_CPU_CYCLES   0x11

#endif
