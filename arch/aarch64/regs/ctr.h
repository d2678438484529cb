/* CTR_EL0, the Cache Type Register (Arm ARM DDI 0487K.a, D24.2.36): the smallest cache line
 * sizes, which bound the stride of cache maintenance by address, and whether the data and
 * instruction caches need maintenance for coherence at all. */
#ifndef ARCH_REGS_CTR_H
#define ARCH_REGS_CTR_H

#include "arch/aarch64/regs/bits.h"

#define CTR_EL0_IMINLINE_SHIFT 0 /* log2 of the smallest I-cache line, in 4-byte words */
#define CTR_EL0_IMINLINE_MASK  REG_MASK(3, 0)
#define CTR_EL0_DMINLINE_SHIFT 16 /* log2 of the smallest D-cache line, in 4-byte words */
#define CTR_EL0_DMINLINE_MASK  REG_MASK(19, 16)
#define CTR_EL0_IDC            REG_BIT(28) /* no D-cache clean to PoU needed for I/D coherence */
#define CTR_EL0_DIC            REG_BIT(29) /* no I-cache invalidation needed for I/D coherence */

/* The smallest D-cache line in bytes. */
#define CTR_EL0_DLINE(ctr) (4UL << (((ctr)&CTR_EL0_DMINLINE_MASK) >> CTR_EL0_DMINLINE_SHIFT))

#endif
