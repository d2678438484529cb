/* The self-hosted debug registers that a guest sees (Arm ARM DDI 0487K.a, D24.3 "Debug
 * registers"; the debug exceptions they control: D2 "AArch64 Self-hosted Debug"). */
#ifndef ARCH_REGS_DEBUG_H
#define ARCH_REGS_DEBUG_H

#include "arch/aarch64/regs/bits.h"

/* MDSCR_EL1, the Monitor Debug System Control Register. */
#define MDSCR_EL1_SS   REG_BIT(0)  /* software step */
#define MDSCR_EL1_TDCC REG_BIT(12) /* trap EL0 access to the debug comms channel */
#define MDSCR_EL1_KDE  REG_BIT(13) /* debug exceptions at the current EL */
#define MDSCR_EL1_MDE  REG_BIT(15) /* breakpoint, watchpoint and vector catch exceptions */

/* The MDSCR_EL1 bits that enable debug exceptions (D2.4 "Enabling debug exceptions"). */
#define MDSCR_EL1_ENABLES (MDSCR_EL1_SS | MDSCR_EL1_KDE | MDSCR_EL1_MDE)

/* OSLAR_EL1, the OS Lock Access Register: write OSLK. */
#define OSLAR_EL1_OSLK REG_BIT(0)

/* OSLSR_EL1, the OS Lock Status Register: OSLM is bits {3, 0}, OSLK bit 1. */
#define OSLSR_EL1_OSLK             REG_BIT(1) /* the OS lock is locked */
#define OSLSR_EL1_OSLM_IMPLEMENTED REG_BIT(3) /* OSLM = 0b10: the OS lock is implemented */

/* DBGPRCR_EL1, the Debug Power Control Register. */
#define DBGPRCR_EL1_CORENPDRQ REG_BIT(0) /* core no power-down request */

/* MDCCINT_EL1, the Monitor DCC Interrupt Enable Register. */
#define MDCCINT_EL1_TX REG_BIT(29)
#define MDCCINT_EL1_RX REG_BIT(30)

/* DBGCLAIMSET_EL1 / DBGCLAIMCLR_EL1: the eight claim tag bits CLAIM[7:0]. */
#define DBGCLAIM_MASK REG_MASK(8, 0)

/* DBGBCR<n>_EL1, the Breakpoint Control Registers: E [0], PMC [2:1], BAS [8:5], HMC [13],
 * SSC [15:14], LBN [19:16], BT [23:20]; the rest RES0. DBGBVR<n>_EL1: an address (or context ID
 * and VMID) with bits [1:0] RES0. */
#define DBGBCR_EL1_E REG_BIT(0)
#define DBGBCR_EL1_WRITABLE \
    (REG_BIT(0) | REG_MASK(2, 1) | REG_MASK(4, 5) | REG_BIT(13) | REG_MASK(2, 14) | REG_MASK(4, 16) | REG_MASK(4, 20))
#define DBGBVR_EL1_WRITABLE (~REG_MASK(2, 0))

/* DBGWCR<n>_EL1, the Watchpoint Control Registers: E [0], PAC [2:1], LSC [4:3], BAS [12:5],
 * HMC [13], SSC [15:14], LBN [19:16], WT [20], MASK [28:24]. DBGWVR<n>_EL1: an address, bits
 * [1:0] RES0. */
#define DBGWCR_EL1_E        REG_BIT(0)
#define DBGWCR_EL1_WRITABLE (REG_MASK(21, 0) | REG_MASK(5, 24))
#define DBGWVR_EL1_WRITABLE (~REG_MASK(2, 0))

#endif
