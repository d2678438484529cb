/* Software stage 2 walk of a guest's own stage 2 tables (s2walk.h). Arm ARM DDI 0487K.a:
 * D8.2.5 (initial lookup level and concatenated tables), D8.3.1 (descriptor formats),
 * D8.4.2 (S2AP, XN), D8.15 (fault reporting order: address size, translation, access flag). */
#include "arch/aarch64/s2walk.h"

#include "arch/aarch64/regs/vtcr.h"

#define GRANULE_SHIFT 12u
#define MAX_IA_BITS   48u /* no FEAT_LPA/LPA2: T0SZ >= 16 */

/* Descriptor fields (D8.3.1, stage 2 block/page/table descriptors, 4 KiB granule). */
#define DESC_VALID         REG_BIT(0)
#define DESC_TABLE         REG_BIT(1) /* table at levels 0..2, page at level 3; 0 = block */
#define DESC_MEMATTR_SHIFT 2
#define DESC_MEMATTR_MASK  REG_MASK(4, DESC_MEMATTR_SHIFT)
#define DESC_S2AP_R        REG_BIT(6)
#define DESC_S2AP_W        REG_BIT(7)
#define DESC_SH_SHIFT      8
#define DESC_SH_MASK       REG_MASK(2, DESC_SH_SHIFT)
#define DESC_AF            REG_BIT(10)
#define DESC_XN1           REG_BIT(54)      /* XN[1]: execute-never at every EL (XN[0] is FEAT_XNX) */
#define DESC_OA_MASK       REG_MASK(36, 12) /* OA/next-level table address [47:12] */

static unsigned level_shift(unsigned level) { return GRANULE_SHIFT + 9u * (3u - level); }

/* PS[2:0] -> output address bits; 52 (FEAT_LPA) and the reserved values cap at 48. */
static unsigned ps_bits(uint64_t vtcr)
{
    static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 48, 48 };
    return bits[REG_GET(vtcr, VTCR_EL2_PS)];
}

static void fault(struct s2walk_result *res, uint8_t fsc, unsigned level)
{
    res->ok = false;
    res->fsc = (uint8_t)(fsc + level);
    res->level = (uint8_t)level;
}

void s2walk(uint64_t vtcr, uint64_t vttbr, uint64_t ipa, s2walk_read_fn read, void *ctx, struct s2walk_result *res)
{
    *res = (struct s2walk_result){ 0 };

    /* Only the 4 KiB granule is walked (docs/nested.md, limits): another TG0 is a translation
     * fault at level 0, as is SL0 = 3 (reserved with 4 KiB without FEAT_LPA2). */
    unsigned t0sz = (unsigned)REG_GET(vtcr, VTCR_EL2_T0SZ);
    unsigned sl0 = (unsigned)REG_GET(vtcr, VTCR_EL2_SL0);
    if (REG_GET(vtcr, VTCR_EL2_TG0) != TCR_TG0_4K || sl0 == 3u || t0sz < 64u - MAX_IA_BITS) {
        fault(res, S2W_FSC_TRANSLATION, 0);
        return;
    }
    unsigned ia_bits = 64u - t0sz;
    unsigned start = 2u - sl0;
    /* Bits the start level resolves: 1..9, or up to 13 with 2..16 concatenated tables
     * (D8.2.5); outside that the T0SZ/SL0 pair is inconsistent (a translation fault at the
     * start level, one of the CONSTRAINED UNPREDICTABLE choices). */
    if (ia_bits <= level_shift(start) || ia_bits > level_shift(start) + 13u) {
        fault(res, S2W_FSC_TRANSLATION, start);
        return;
    }
    if (ia_bits < 64u && (ipa >> ia_bits) != 0) {
        fault(res, S2W_FSC_TRANSLATION, start);
        return;
    }

    unsigned oa_bits = ps_bits(vtcr);
    uint64_t oa_limit = UINT64_C(1) << oa_bits;
    /* The root: BADDR aligned to the start level's (concatenated) table size; lower bits are
     * treated as zero. */
    unsigned root_idx_bits = ia_bits - level_shift(start);
    uint64_t root_size = UINT64_C(8) << root_idx_bits;
    uint64_t table = (vttbr & VTTBR_EL2_BADDR_MASK) & ~(root_size - 1u);
    if (table >= oa_limit) {
        fault(res, S2W_FSC_ADDR_SIZE, start);
        return;
    }

    for (unsigned level = start; level <= 3u; level++) {
        unsigned shift = level_shift(level);
        unsigned idx_bits = level == start ? root_idx_bits : 9u;
        uint64_t idx = (ipa >> shift) & ((UINT64_C(1) << idx_bits) - 1u);
        uint64_t desc;

        res->reads++;
        if (!read(ctx, table + idx * 8u, &desc)) {
            fault(res, S2W_FSC_WALK_EXT, level);
            return;
        }
        if (!(desc & DESC_VALID)) {
            fault(res, S2W_FSC_TRANSLATION, level);
            return;
        }
        uint64_t oa = desc & DESC_OA_MASK;
        bool table_desc = (desc & DESC_TABLE) && level < 3u;
        if (table_desc) {
            if (oa >= oa_limit) {
                fault(res, S2W_FSC_ADDR_SIZE, level);
                return;
            }
            table = oa;
            continue;
        }
        /* Blocks exist at levels 1 and 2 only; a level 3 entry must be a page. */
        if ((level == 3u) != ((desc & DESC_TABLE) != 0) || level == 0u) {
            fault(res, S2W_FSC_TRANSLATION, level);
            return;
        }
        uint64_t size = UINT64_C(1) << shift;
        oa &= ~(size - 1u);
        if (oa >= oa_limit) {
            fault(res, S2W_FSC_ADDR_SIZE, level);
            return;
        }
        if (!(desc & DESC_AF)) {
            fault(res, S2W_FSC_ACCESS, level);
            return;
        }
        res->ok = true;
        res->level = (uint8_t)level;
        res->size = size;
        res->out = oa | (ipa & (size - 1u));
        res->r = (desc & DESC_S2AP_R) != 0;
        res->w = (desc & DESC_S2AP_W) != 0;
        res->x = !(desc & DESC_XN1);
        res->memattr = (uint8_t)REG_GET(desc, DESC_MEMATTR);
        res->sh = (uint8_t)REG_GET(desc, DESC_SH);
        return;
    }
}

/* D8.4.2: an instruction fetch needs S2AP read permission as well as XN clear. */
uint8_t s2walk_check(const struct s2walk_result *res, bool write, bool exec)
{
    bool allowed = exec ? res->x && res->r : write ? res->w : res->r;
    return allowed ? 0 : (uint8_t)(S2W_FSC_PERMISSION + res->level);
}
