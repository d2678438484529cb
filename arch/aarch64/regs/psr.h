/* PSTATE as SPSR_ELx saves it on an exception taken from AArch64 (Arm ARM DDI 0487K.a, C5.2
 * SPSR_EL2), and the special-purpose registers that show parts of it: CurrentEL, and the
 * DAIFSet/DAIFClr immediates. */
#ifndef ARCH_REGS_PSR_H
#define ARCH_REGS_PSR_H

#include "arch/aarch64/regs/bits.h"

/* M[3:0]: the Exception level and stack pointer the exception came from or ERET goes to
 * ("t": SP_EL0, "h": SP_ELx). */
#define PSR_M_MASK REG_MASK(4, 0)
#define PSR_M_EL0t 0x0
#define PSR_M_EL1t 0x4
#define PSR_M_EL1h 0x5
#define PSR_M_EL2t 0x8
#define PSR_M_EL2h 0x9
#define PSR_M4     REG_BIT(4) /* M[4]: 1 = the state is AArch32 */

#define PSR_F           REG_BIT(6) /* FIQ masked */
#define PSR_I           REG_BIT(7) /* IRQ masked */
#define PSR_A           REG_BIT(8) /* SError masked */
#define PSR_D           REG_BIT(9) /* debug exceptions masked */
#define PSR_DAIF_MASK   (PSR_D | PSR_A | PSR_I | PSR_F)
#define PSR_BTYPE_SHIFT 10 /* BTYPE[11:10]: FEAT_BTI */
#define PSR_BTYPE_MASK  REG_MASK(2, PSR_BTYPE_SHIFT)
#define PSR_SSBS        REG_BIT(12) /* FEAT_SSBS */
#define PSR_ALLINT      REG_BIT(13) /* FEAT_NMI */
#define PSR_IL          REG_BIT(20) /* illegal execution state */
#define PSR_SS          REG_BIT(21) /* software step */
#define PSR_PAN         REG_BIT(22) /* FEAT_PAN: privileged access never */
#define PSR_UAO         REG_BIT(23) /* FEAT_UAO */
#define PSR_DIT         REG_BIT(24) /* FEAT_DIT */
#define PSR_TCO         REG_BIT(25) /* FEAT_MTE: tag check override */
#define PSR_V           REG_BIT(28)
#define PSR_C           REG_BIT(29)
#define PSR_Z           REG_BIT(30)
#define PSR_N           REG_BIT(31)

/* CurrentEL (C5.2 CurrentEL): EL[3:2]. */
#define CURRENTEL_EL_SHIFT 2
#define CURRENTEL_EL_MASK  0x3

/* MSR DAIFSet/DAIFClr, #imm4 (C5.2 DAIF; C6.2 "MSR (immediate)"): one bit per mask. Plain
 * numbers, as they are pasted into assembly. */
#define DAIFSET_D 8
#define DAIFSET_A 4
#define DAIFSET_I 2
#define DAIFSET_F 1

#endif
