/* Stage 1 table descriptors of one VA (s1tables.h). Arm ARM DDI 0487K.a D8.2.5 (initial lookup
 * level: 4 KiB granule, level 0 for 40..48 input bits, 1 for 31..39, 2 for 25..30), D8.3.1 (a
 * table descriptor is 0b11 at levels 0..2, its next table at [47:12]), D24.2 TCR_EL1 (VA[55]
 * picks TTBR1, TnSZ, EPDn, TGn, TBIn). */
#include "arch/aarch64/s1tables.h"

#include <stdbool.h>
#include "arch/aarch64/regs/tcr.h"

#define DESC_TABLE    UINT64_C(3)
#define DESC_NEXT     REG_MASK(36, 12) /* next-level table address [47:12] */
#define TTBR_BADDR    REG_MASK(47, 1)  /* BADDR[47:1]; CnP (bit 0) and ASID [63:48] aside */
#define GRANULE_SHIFT 12u

int s1tables_walk(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1, uint64_t va, s2walk_read_fn read, void *ctx,
                  uint64_t *ipa)
{
    bool upper = (va >> 55) & 1u;
    unsigned tsz = upper ? (unsigned)REG_GET(tcr, TCR_EL1_T1SZ) : (unsigned)REG_GET(tcr, TCR_EL2_T0SZ);
    bool off = upper ? (tcr & TCR_EL1_EPD1) != 0 : (tcr & TCR_EL1_EPD0) != 0;
    bool g4k = upper ? REG_GET(tcr, TCR_EL1_TG1) == TCR_EL1_TG1_4K : REG_GET(tcr, TCR_EL2_TG0) == TCR_TG0_4K;
    bool tbi = (tcr & (upper ? TCR_EL1_TBI1 : TCR_EL1_TBI0)) != 0;
    if (off || !g4k || tsz < 16u || tsz > 39u || (tcr & TCR_EL1_DS))
        return S1T_NOWALK;
    unsigned bits = 64u - tsz;
    /* VA[63:bits] all equal to VA[55] (bits [63:56] too unless TBI ignores them). */
    uint64_t top = tbi ? (va << 8) >> (bits + 8u) : va >> bits;
    uint64_t all = tbi ? (UINT64_C(1) << (56u - bits)) - 1u : (UINT64_C(1) << (64u - bits)) - 1u;
    if (top != (upper ? all : 0))
        return S1T_NOWALK;
    unsigned level = 4u - (bits - GRANULE_SHIFT + 8u) / 9u; /* ceil((bits - 12) / 9) levels */
    uint64_t table = (upper ? ttbr1 : ttbr0) & TTBR_BADDR;
    for (;; level++) {
        unsigned shift = GRANULE_SHIFT + 9u * (3u - level);
        unsigned width = shift + 9u > bits ? bits - shift : 9u; /* the first level may be narrower */
        uint64_t index = (va >> shift) & ((UINT64_C(1) << width) - 1u);
        uint64_t at = (table & ~((UINT64_C(8) << width) - 1u)) + index * 8u, desc;
        if (!read(ctx, at, &desc)) {
            *ipa = at;
            return S1T_REFUSED;
        }
        if (level == 3u || (desc & DESC_TABLE) != DESC_TABLE)
            return S1T_DONE;
        table = desc & DESC_NEXT;
    }
}
