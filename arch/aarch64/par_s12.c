/* PAR_EL1 of both stages (par_s12.h). Attributes: D8.6.2 "Combining the stage 1 and stage 2
 * attributes" (without FEAT_S2FWB): Device if either stage says Device, the more restrictive
 * Device type (nGnRnE < nGnRE < nGRE < GRE); Normal otherwise, each half (inner, outer) with the
 * less cacheable of both (Non-cacheable < Write-Through < Write-Back), stage 1's allocation
 * hints kept; shareability the wider (Outer > Inner > Non-shareable), and PAR.SH reports Outer
 * for Device and for Normal Non-cacheable in both halves (D24.2 PAR_EL1.SH). */
#include "arch/aarch64/par_s12.h"

#include <stdbool.h>

#include "arch/aarch64/regs/par.h"

/* Cacheability classes, in the order the combination takes the least of. */
#define CACHE_NC 0u
#define CACHE_WT 1u
#define CACHE_WB 2u

/* Stage 1, MAIR_ELx attribute byte (D24.2 MAIR_EL1): Device is 0b0000ddxx, dd the type; a
 * Normal half 0b0100 is Non-cacheable, 0b00RW (RW != 0) and 0b10RW Write-Through, 0b01RW
 * (RW != 0) and 0b11RW Write-Back. */
#define MAIR_DEVICE(b)      (((b)&0xf0u) == 0)
#define MAIR_DEVICE_TYPE(b) (((b) >> 2) & 3u)

static unsigned mair_half_class(unsigned h)
{
    if (h == 0x4u || h == 0u)
        return CACHE_NC; /* 0b0000 in a Normal half is UNPREDICTABLE: taken as the weakest */
    if ((h & 0xcu) == 0 || (h & 0xcu) == 0x8u)
        return CACHE_WT;
    return CACHE_WB;
}

/* Stage 2, MemAttr[3:0] (D8.6.5): 0b00dd Device, dd the type; else [3:2] outer and [1:0] inner,
 * each 0b01 Non-cacheable, 0b10 Write-Through, 0b11 Write-Back (inner 0b00 reserved: NC). */
static unsigned s2_half_class(unsigned h) { return h <= 1u ? CACHE_NC : h == 2u ? CACHE_WT : CACHE_WB; }

/* One Normal half of the result: stage 1's nibble where stage 2 does not lower it. */
static unsigned combine_half(unsigned s1, unsigned s2class)
{
    unsigned c1 = mair_half_class(s1);
    if (s2class >= c1)
        return s1;
    if (s2class == CACHE_NC)
        return 0x4u;
    return 0x8u | (s1 & 3u); /* Write-Through, non-transient, stage 1's read/write allocation */
}

static unsigned wider_sh(unsigned a, unsigned b)
{
    if (a == PAR_SH_OUTER || b == PAR_SH_OUTER)
        return PAR_SH_OUTER;
    if (a == PAR_SH_INNER || b == PAR_SH_INNER)
        return PAR_SH_INNER;
    return PAR_SH_NONE;
}

uint64_t par_s12(uint64_t par1, uint64_t oa, uint8_t s2memattr, uint8_t s2sh)
{
    unsigned a1 = (unsigned)REG_GET(par1, PAR_EL1_ATTR), attr, sh;
    bool dev2 = (s2memattr & 0xcu) == 0;
    if (MAIR_DEVICE(a1) || dev2) {
        unsigned t1 = MAIR_DEVICE(a1) ? MAIR_DEVICE_TYPE(a1) : 3u, t2 = dev2 ? (s2memattr & 3u) : 3u;
        attr = (t1 < t2 ? t1 : t2) << 2;
        sh = PAR_SH_OUTER;
    } else {
        attr = combine_half(a1 >> 4, s2_half_class((s2memattr >> 2) & 3u)) << 4 |
               combine_half(a1 & 0xfu, s2_half_class(s2memattr & 3u));
        sh = attr == 0x44u ? PAR_SH_OUTER : wider_sh((unsigned)REG_GET(par1, PAR_EL1_SH), s2sh & 3u);
    }
    return (par1 & ~(PAR_EL1_ATTR_MASK | PAR_EL1_SH_MASK | PAR_EL1_PA_MASK)) |
           REG_FIELD((uint64_t)attr, PAR_EL1_ATTR_SHIFT) | REG_FIELD((uint64_t)sh, PAR_EL1_SH_SHIFT) |
           (oa & PAR_EL1_PA_MASK);
}

uint64_t par_s2_fault(uint8_t fsc)
{
    return PAR_EL1_F | PAR_EL1_RES1_F | PAR_EL1_S | REG_FIELD((uint64_t)(fsc & 0x3fu), PAR_EL1_FST_SHIFT);
}
