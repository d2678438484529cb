/* Generic Timer controls (Arm ARM DDI 0487K.a, D24.10 "Generic Timer registers"). */
#ifndef ARCH_REGS_TIMER_H
#define ARCH_REGS_TIMER_H

#include "arch/aarch64/regs/bits.h"

/* CNTHCTL_EL2 with HCR_EL2.E2H = 0 (D24.10 CNTHCTL_EL2): EL1 access to the physical counter
 * and timer, and the event stream. */
#define CNTHCTL_EL2_EL1PCTEN    REG_BIT(0) /* 0 traps EL0/EL1 reads of CNTPCT_EL0 */
#define CNTHCTL_EL2_EL1PCEN     REG_BIT(1) /* 0 traps EL0/EL1 access to CNTP_*_EL0 */
#define CNTHCTL_EL2_EVNTEN      REG_BIT(2) /* event stream on */
#define CNTHCTL_EL2_EVNTDIR     REG_BIT(3) /* event on a 1-to-0 transition of the chosen bit */
#define CNTHCTL_EL2_EVNTI_SHIFT 4          /* EVNTI[7:4]: counter bit that drives the stream */
#define CNTHCTL_EL2_EVNTI_MASK  REG_MASK(4, CNTHCTL_EL2_EVNTI_SHIFT)
#define CNTHCTL_EL2_ECV         REG_BIT(12) /* FEAT_ECV_POFF: CNTPOFF_EL2 applies */
#define CNTHCTL_EL2_EL1TVT      REG_BIT(13) /* FEAT_ECV: trap CNTV_*_EL0 */
#define CNTHCTL_EL2_EL1TVCT     REG_BIT(14) /* FEAT_ECV: trap CNTVCT_EL0 */
#define CNTHCTL_EL2_EL1NVPCT    REG_BIT(15) /* FEAT_ECV: trap CNTP_*_EL02 under NV */
#define CNTHCTL_EL2_EL1NVVCT    REG_BIT(16) /* FEAT_ECV: trap CNTV_*_EL02 under NV */
#define CNTHCTL_EL2_EVNTIS      REG_BIT(17) /* FEAT_ECV: EVNTI selects among bits [23:8] */

/* CNTP_CTL_EL0, CNTV_CTL_EL0, CNTHP_CTL_EL2 (and the other timers' CTL) share one layout
 * (D24.10 CNTV_CTL_EL0). */
#define CNT_CTL_ENABLE  REG_BIT(0) /* timer on */
#define CNT_CTL_IMASK   REG_BIT(1) /* interrupt masked */
#define CNT_CTL_ISTATUS REG_BIT(2) /* condition met (read-only) */

#endif
