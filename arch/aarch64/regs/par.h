/* PAR_EL1, the Physical Address Register: the result of an AT instruction (Arm ARM
 * DDI 0487K.a, D24.2 PAR_EL1). */
#ifndef ARCH_REGS_PAR_H
#define ARCH_REGS_PAR_H

#include "arch/aarch64/regs/bits.h"

#define PAR_EL1_F        REG_BIT(0) /* the translation faulted */
#define PAR_EL1_PA_SHIFT 12         /* on success, PA[47:12] is the output address */
#define PAR_EL1_PA_MASK  REG_MASK(36, PAR_EL1_PA_SHIFT)

#endif
