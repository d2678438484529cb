/*
 * VMSAv8-64 translation tables, 4 KiB granule (Arm ARM DDI 0487, D8 "The AArch64 Virtual
 * Memory System Architecture").
 *
 * Descriptor types (D8.3 "Translation table descriptor formats"), bits [1:0]:
 *   x0 invalid; 11 table at levels 0-2, page at level 3; 01 block at levels 1-2 (a level 0
 *   block needs FEAT_LPA2 52-bit addressing, which this module does not use).
 * Output address bits [47:12]; lower attributes [11:2]; upper attributes [63:50].
 *
 * Every change to an entry the hardware may already hold in a TLB is made with
 * break-before-make (D8, "Using break-before-make when updating translation table entries"):
 * write invalid, barrier, TLB invalidate, then write the new entry. New subtrees (fresh tables,
 * split blocks) are built while unreachable and published with one descriptor write after a
 * barrier, so a concurrent walker sees either the old or the new translation.
 */
#include "arch/aarch64/pgtable.h"

#include <stddef.h>

#define PT_DESC_TYPE_MASK UINT64_C(3)
#define PT_DESC_TABLE     UINT64_C(3) /* also "page" at level 3 */
#define PT_DESC_BLOCK     UINT64_C(1)
#define PT_OA_MASK        UINT64_C(0x0000fffffffff000)

/* What one pt_update() walk does to the range. */
struct pt_req {
    bool unmap;
    uint64_t delta; /* map: pa - va (mod 2^64) */
    uint64_t attrs; /* map: PT_ATTR_MASK bits */
};

/* Volatile single-copy 64-bit accesses: the walker may read an entry at any time, so a
 * descriptor must never be written in pieces. */
static uint64_t pt_read(const uint64_t *e) { return *(const volatile uint64_t *)e; }

static void pt_write(uint64_t *e, uint64_t v) { *(volatile uint64_t *)e = v; }

static void pt_sync(const struct pgtable *pt)
{
    if (pt->ops->sync != NULL)
        pt->ops->sync(pt->ctx);
}

static void pt_flush(const struct pgtable *pt, uint64_t va, uint64_t size)
{
    if (pt->ops->tlb_flush != NULL)
        pt->ops->tlb_flush(pt->ctx, va, size);
}

static bool pt_is_table(uint64_t d, int level) { return level < 3 && (d & PT_DESC_TYPE_MASK) == PT_DESC_TABLE; }

static bool pt_is_leaf(uint64_t d, int level)
{
    if (level == 3)
        return (d & PT_DESC_TYPE_MASK) == PT_DESC_TABLE;
    return level >= 1 && (d & PT_DESC_TYPE_MASK) == PT_DESC_BLOCK;
}

static bool pt_is_valid(uint64_t d, int level) { return pt_is_table(d, level) || pt_is_leaf(d, level); }

static uint64_t *pt_table_ptr(uint64_t d) { return (uint64_t *)(uintptr_t)(d & PT_OA_MASK); }

static uint64_t pt_make_table(const uint64_t *table) { return (uint64_t)(uintptr_t)table | PT_DESC_TABLE; }

static uint64_t pt_leaf_oa(uint64_t d, int level) { return d & PT_OA_MASK & ~(PT_LEVEL_SIZE(level) - 1); }

static uint64_t pt_make_leaf(uint64_t pa, uint64_t attrs, int level)
{
    return pa | attrs | (level == 3 ? PT_DESC_TABLE : PT_DESC_BLOCK);
}

/* Entries in a table at `level`: only the root (at start_level) may be smaller than a page. */
static unsigned pt_nentries(const struct pgtable *pt, int level)
{
    if (level == pt->start_level)
        return 1u << (pt->va_bits - PT_LEVEL_SHIFT(level));
    return PT_ENTRIES;
}

static uint64_t *pt_entry(const struct pgtable *pt, uint64_t *table, int level, uint64_t va)
{
    return &table[(va >> PT_LEVEL_SHIFT(level)) & (pt_nentries(pt, level) - 1)];
}

/* A new zeroed table; a page that is misaligned or beyond the 48-bit output range cannot be
 * put in a descriptor and counts as an allocation failure. */
static uint64_t *pt_alloc(const struct pgtable *pt)
{
    void *t = pt->ops->alloc_table(pt->ctx);
    uint64_t a = (uint64_t)(uintptr_t)t;

    if (t == NULL)
        return NULL;
    if ((a & (PT_PAGE_SIZE - 1)) || (a >> PT_PA_BITS)) {
        pt->ops->free_table(pt->ctx, t);
        return NULL;
    }
    return t;
}

static void pt_free_tree(const struct pgtable *pt, uint64_t *table, int level)
{
    unsigned n = pt_nentries(pt, level);

    for (unsigned i = 0; i < n && level < 3; i++) {
        uint64_t d = pt_read(&table[i]);

        if (pt_is_table(d, level))
            pt_free_tree(pt, pt_table_ptr(d), level + 1);
    }
    pt->ops->free_table(pt->ctx, table);
}

static bool pt_table_empty(const struct pgtable *pt, const uint64_t *table, int level)
{
    unsigned n = pt_nentries(pt, level);

    for (unsigned i = 0; i < n; i++) {
        if (pt_is_valid(pt_read(&table[i]), level))
            return false;
    }
    return true;
}

/*
 * Overwrite the valid entry covering [va, va + size). In a live table: break-before-make.
 * In a private (not yet published) table no walker can hold it, so it is a plain write.
 */
static void pt_replace(const struct pgtable *pt, uint64_t *e, uint64_t d, uint64_t va, uint64_t size, bool live)
{
    if (live) {
        pt_write(e, 0);
        pt_sync(pt);
        pt_flush(pt, va, size);
    }
    if (d != 0 || !live)
        pt_write(e, d);
}

/* A private next-level table mapping exactly what block `d` at `level` maps. */
static uint64_t *pt_split_block(const struct pgtable *pt, uint64_t d, int level)
{
    uint64_t *t = pt_alloc(pt);
    uint64_t oa = pt_leaf_oa(d, level);
    uint64_t step = PT_LEVEL_SIZE(level + 1);

    if (t == NULL)
        return NULL;
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        t[i] = pt_make_leaf(oa + i * step, d & PT_ATTR_MASK, level + 1);
    return t;
}

static int pt_update(const struct pgtable *pt, uint64_t *table, int level, uint64_t va, uint64_t end,
                     const struct pt_req *rq, bool live);

/*
 * Apply rq below entry e (covering [base, base + PT_LEVEL_SIZE(level))) to [va, end), through
 * a table that is private until the end: the existing table, or a new one (empty, or a copy
 * of the block being split) that is published only once complete.
 */
static int pt_descend(const struct pgtable *pt, uint64_t *e, int level, uint64_t base, uint64_t va, uint64_t end,
                      const struct pt_req *rq, bool live)
{
    uint64_t old = pt_read(e);
    uint64_t *child;
    int rc;

    if (pt_is_table(old, level))
        return pt_update(pt, pt_table_ptr(old), level + 1, va, end, rq, live);

    child = pt_is_leaf(old, level) ? pt_split_block(pt, old, level) : pt_alloc(pt);
    if (child == NULL)
        return PT_E_NOMEM;
    rc = pt_update(pt, child, level + 1, va, end, rq, false);
    if (rc != PT_OK) {
        pt_free_tree(pt, child, level + 1);
        return rc;
    }
    pt_sync(pt); /* the subtree is complete before it becomes reachable */
    if (pt_is_leaf(old, level))
        pt_replace(pt, e, pt_make_table(child), base, PT_LEVEL_SIZE(level), live);
    else
        pt_write(e, pt_make_table(child));
    return PT_OK;
}

static int pt_map_entry(const struct pgtable *pt, uint64_t *e, int level, uint64_t base, uint64_t va, uint64_t end,
                        const struct pt_req *rq, bool live)
{
    uint64_t esize = PT_LEVEL_SIZE(level);
    uint64_t pa = va + rq->delta;
    bool full = va == base && end == base + esize;
    uint64_t old, d;

    /* Largest block the alignment allows: a leaf when the entry is wholly covered and the
	 * output address is aligned to it (levels 1 and 2), always at level 3. */
    if (level < 3 && !(level >= 1 && full && !(pa & (esize - 1))))
        return pt_descend(pt, e, level, base, va, end, rq, live);

    old = pt_read(e);
    d = pt_make_leaf(pa, rq->attrs, level);
    if (old == d)
        return PT_OK;
    if (!pt_is_valid(old, level)) {
        pt_write(e, d);
        return PT_OK;
    }
    pt_replace(pt, e, d, base, esize, live);
    if (pt_is_table(old, level))
        pt_free_tree(pt, pt_table_ptr(old), level + 1); /* after the TLB flush */
    return PT_OK;
}

static int pt_unmap_entry(const struct pgtable *pt, uint64_t *e, int level, uint64_t base, uint64_t va, uint64_t end,
                          const struct pt_req *rq, bool live)
{
    uint64_t esize = PT_LEVEL_SIZE(level);
    uint64_t old = pt_read(e);
    uint64_t *child;
    int rc;

    if (!pt_is_valid(old, level))
        return PT_OK;
    if (va == base && end == base + esize) {
        pt_replace(pt, e, 0, base, esize, live);
        if (pt_is_table(old, level))
            pt_free_tree(pt, pt_table_ptr(old), level + 1);
        return PT_OK;
    }
    if (!pt_is_table(old, level))
        return pt_descend(pt, e, level, base, va, end, rq, live); /* split the block */

    child = pt_table_ptr(old);
    rc = pt_update(pt, child, level + 1, va, end, rq, live);
    if (pt_table_empty(pt, child, level + 1)) {
        pt_replace(pt, e, 0, base, esize, live); /* flushes the walk cache entry */
        pt_free_tree(pt, child, level + 1);
    }
    return rc;
}

/* Apply rq to [va, end) within `table` (at `level`), entry by entry. */
static int pt_update(const struct pgtable *pt, uint64_t *table, int level, uint64_t va, uint64_t end,
                     const struct pt_req *rq, bool live)
{
    uint64_t esize = PT_LEVEL_SIZE(level);

    while (va < end) {
        uint64_t base = va & ~(esize - 1);
        uint64_t stop = end - base < esize ? end : base + esize;
        uint64_t *e = pt_entry(pt, table, level, va);
        int rc;

        if (rq->unmap)
            rc = pt_unmap_entry(pt, e, level, base, va, stop, rq, live);
        else
            rc = pt_map_entry(pt, e, level, base, va, stop, rq, live);
        if (rc != PT_OK)
            return rc;
        va = stop;
    }
    return PT_OK;
}

/* Whether any valid translation exists in [va, end). */
static bool pt_range_mapped(const struct pgtable *pt, uint64_t *table, int level, uint64_t va, uint64_t end)
{
    uint64_t esize = PT_LEVEL_SIZE(level);

    while (va < end) {
        uint64_t base = va & ~(esize - 1);
        uint64_t stop = end - base < esize ? end : base + esize;
        uint64_t d = pt_read(pt_entry(pt, table, level, va));

        if (pt_is_leaf(d, level))
            return true;
        if (pt_is_table(d, level) && pt_range_mapped(pt, pt_table_ptr(d), level + 1, va, stop))
            return true;
        va = stop;
    }
    return false;
}

static bool pt_range_ok(const struct pgtable *pt, uint64_t va, uint64_t size)
{
    uint64_t limit = UINT64_C(1) << pt->va_bits;

    if (pt->root == NULL || size == 0 || ((va | size) & (PT_PAGE_SIZE - 1)))
        return false;
    return va < limit && size <= limit - va;
}

int pt_init(struct pgtable *pt, unsigned va_bits, const struct pt_ops *ops, void *ctx)
{
    if (pt == NULL || ops == NULL || ops->alloc_table == NULL || ops->free_table == NULL || va_bits < 25 ||
        va_bits > PT_PA_BITS)
        return PT_E_INVAL;

    *pt = (struct pgtable){
        .start_level = va_bits > 39 ? 0 : (va_bits > 30 ? 1 : 2),
        .va_bits = va_bits,
        .ops = ops,
        .ctx = ctx,
    };
    pt->root = pt_alloc(pt);
    return pt->root != NULL ? PT_OK : PT_E_NOMEM;
}

int pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs, unsigned flags)
{
    const uint64_t pa_limit = UINT64_C(1) << PT_PA_BITS;
    struct pt_req rq = { .unmap = false, .delta = pa - va, .attrs = attrs };
    int rc;

    if (pt == NULL || !pt_range_ok(pt, va, size) || (pa & (PT_PAGE_SIZE - 1)) || pa >= pa_limit || size > pa_limit - pa)
        return PT_E_INVAL;
    if ((attrs & ~PT_ATTR_MASK) || (attrs & PT_CONTIG) || (flags & ~PT_REPLACE))
        return PT_E_INVAL;
    if (!(flags & PT_REPLACE) && pt_range_mapped(pt, pt->root, pt->start_level, va, va + size))
        return PT_E_OVERLAP;

    rc = pt_update(pt, pt->root, pt->start_level, va, va + size, &rq, true);
    if (rc == PT_E_NOMEM && !(flags & PT_REPLACE)) {
        /* The range was empty, and every leaf this call made lies inside it, so unmapping
		 * it needs no block split and therefore no allocation: it cannot fail. */
        const struct pt_req undo = { .unmap = true };

        (void)pt_update(pt, pt->root, pt->start_level, va, va + size, &undo, true);
    }
    pt_sync(pt);
    return rc;
}

int pt_unmap(struct pgtable *pt, uint64_t va, uint64_t size)
{
    const struct pt_req rq = { .unmap = true };
    int rc;

    if (pt == NULL || !pt_range_ok(pt, va, size))
        return PT_E_INVAL;
    rc = pt_update(pt, pt->root, pt->start_level, va, va + size, &rq, true);
    pt_sync(pt);
    return rc;
}

int pt_walk(const struct pgtable *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, int *level)
{
    uint64_t *table;

    if (pt == NULL || pt->root == NULL || (va >> pt->va_bits) != 0)
        return PT_E_INVAL;

    table = pt->root;
    for (int l = pt->start_level; l <= 3; l++) {
        uint64_t d = pt_read(pt_entry(pt, table, l, va));

        if (pt_is_leaf(d, l)) {
            if (pa != NULL)
                *pa = pt_leaf_oa(d, l) | (va & (PT_LEVEL_SIZE(l) - 1));
            if (attrs != NULL)
                *attrs = d & PT_ATTR_MASK;
            if (level != NULL)
                *level = l;
            return PT_OK;
        }
        if (!pt_is_table(d, l))
            break;
        table = pt_table_ptr(d);
    }
    return PT_E_NOTMAPPED;
}

void pt_destroy(struct pgtable *pt)
{
    if (pt == NULL || pt->root == NULL)
        return;
    pt_free_tree(pt, pt->root, pt->start_level);
    pt->root = NULL;
}
