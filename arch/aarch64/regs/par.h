/* PAR_EL1, the Physical Address Register: the result of an AT instruction (Arm ARM
 * DDI 0487K.a, D24.2 PAR_EL1). */
#ifndef ARCH_REGS_PAR_H
#define ARCH_REGS_PAR_H

#include "arch/aarch64/regs/bits.h"

#define PAR_EL1_F REG_BIT(0) /* the translation faulted */
/* With F = 1 (D24.2 PAR_EL1, "PAR_EL1.F is 1"): */
#define PAR_EL1_FST_SHIFT 1 /* FST[6:1]: the fault status code, as DFSC */
#define PAR_EL1_FST_MASK  REG_MASK(6, PAR_EL1_FST_SHIFT)
#define PAR_EL1_PTW       REG_BIT(8)  /* a stage 2 fault on a stage 1 translation table walk */
#define PAR_EL1_S         REG_BIT(9)  /* the fault was at stage 2 */
#define PAR_EL1_RES1_F    REG_BIT(11) /* bit 11 is RES1 when F = 1 */
/* FST values (D24.2 ESR_ELx.DFSC): a synchronous External abort on a translation table walk at
 * level 0..3 is 0b0101LL. */
#define PAR_FST_EXT_WALK(level) (0x14u | ((level)&3u))
#define PAR_EL1_PA_SHIFT        12 /* on success, PA[47:12] is the output address */
#define PAR_EL1_PA_MASK         REG_MASK(36, PAR_EL1_PA_SHIFT)
/* With F = 0: the memory attributes of the result (D24.2 PAR_EL1, "PAR_EL1.F is 0"). */
#define PAR_EL1_SH_SHIFT   7 /* SH[8:7]: 0b00 Non-shareable, 0b10 Outer, 0b11 Inner Shareable */
#define PAR_EL1_SH_MASK    REG_MASK(2, PAR_EL1_SH_SHIFT)
#define PAR_EL1_ATTR_SHIFT 56 /* ATTR[63:56]: as a MAIR_ELx attribute byte */
#define PAR_EL1_ATTR_MASK  REG_MASK(8, PAR_EL1_ATTR_SHIFT)
#define PAR_SH_NONE        0u
#define PAR_SH_OUTER       2u
#define PAR_SH_INNER       3u

#endif
