/* The self-hosted debug controls that a guest sees (Arm ARM DDI 0487K.a, D24.3 "Debug
 * registers"): MDSCR_EL1 and OSLSR_EL1. */
#ifndef ARCH_REGS_DEBUG_H
#define ARCH_REGS_DEBUG_H

#include "arch/aarch64/regs/bits.h"

/* MDSCR_EL1, the Monitor Debug System Control Register. */
#define MDSCR_EL1_SS   REG_BIT(0)  /* software step */
#define MDSCR_EL1_TDCC REG_BIT(12) /* trap EL0 access to the debug comms channel */
#define MDSCR_EL1_KDE  REG_BIT(13) /* debug exceptions at the current EL */
#define MDSCR_EL1_MDE  REG_BIT(15) /* breakpoint, watchpoint and vector catch exceptions */

/* OSLSR_EL1, the OS Lock Status Register: OSLM is bits {3, 0}, OSLK bit 1. */
#define OSLSR_EL1_OSLK             REG_BIT(1) /* the OS lock is locked */
#define OSLSR_EL1_OSLM_IMPLEMENTED REG_BIT(3) /* OSLM = 0b10: the OS lock is implemented */

#endif
