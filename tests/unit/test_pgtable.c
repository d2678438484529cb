/* Unit tests for arch/aarch64/pgtable.c: VMSAv8-64 4 KiB-granule tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/pgtable.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

/* ---- fake ops: counted allocations, injected failure, observed flushes ---- */

#define MAX_FLUSH 64

struct fake {
    struct pgtable *pt;
    unsigned allocs, frees;
    unsigned fail_at; /* 1-based allocation number that fails; 0 = never */
    unsigned nsync, nflush;
    bool synced;         /* a sync happened since the last flush */
    unsigned bbm_errors; /* flushes that were not break-before-make */
    uint64_t flush_va[MAX_FLUSH], flush_size[MAX_FLUSH];
};

static void *fake_alloc(void *ctx)
{
    struct fake *f = ctx;
    void *p;

    if (f->fail_at != 0 && f->allocs + 1 == f->fail_at) {
        f->fail_at = 0; /* fail once */
        return NULL;
    }
    p = aligned_alloc(4096, 4096);
    assert_non_null(p);
    memset(p, 0, 4096);
    f->allocs++;
    return p;
}

static void fake_free(void *ctx, void *table)
{
    struct fake *f = ctx;

    f->frees++;
    free(table);
}

static void fake_sync(void *ctx)
{
    struct fake *f = ctx;

    f->nsync++;
    f->synced = true;
}

/* At flush time the entry must already be invalid (break-before-make): the whole range is
 * unmapped as the walker sees it now, and a barrier separated the write from the flush. */
static void fake_flush(void *ctx, uint64_t va, uint64_t size)
{
    struct fake *f = ctx;
    uint64_t probe[3] = { va, va + size / 2, va + size - PT_PAGE_SIZE };
    bool entry_size = size == KiB(4) || size == MiB(2) || size == GiB(1) || size == GiB(512);

    if (!f->synced || !entry_size || (va & (size - 1)))
        f->bbm_errors++;
    for (int i = 0; i < 3; i++) {
        if (pt_walk(f->pt, probe[i], NULL, NULL, NULL) != PT_E_NOTMAPPED)
            f->bbm_errors++;
    }
    if (f->nflush < MAX_FLUSH) {
        f->flush_va[f->nflush] = va;
        f->flush_size[f->nflush] = size;
    }
    f->nflush++;
    f->synced = false;
}

static const struct pt_ops fake_ops = {
    .alloc_table = fake_alloc,
    .free_table = fake_free,
    .tlb_flush = fake_flush,
    .sync = fake_sync,
};

static void setup_pt(struct pgtable *pt, struct fake *f, unsigned va_bits)
{
    memset(f, 0, sizeof(*f));
    f->pt = pt;
    assert_int_equal(pt_init(pt, va_bits, &fake_ops, f), PT_OK);
}

static void teardown_pt(struct pgtable *pt, struct fake *f)
{
    assert_int_equal(f->bbm_errors, 0);
    pt_destroy(pt);
    assert_null(pt->root);
    assert_int_equal(f->allocs, f->frees);
}

static void expect_map(const struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t attrs, int level)
{
    uint64_t got_pa = 0, got_attrs = 0;
    int got_level = -1;

    assert_int_equal(pt_walk(pt, va, &got_pa, &got_attrs, &got_level), PT_OK);
    assert_int_equal(got_pa, pa);
    assert_int_equal(got_attrs, attrs);
    if (level >= 0)
        assert_int_equal(got_level, level);
}

static void expect_unmapped(const struct pgtable *pt, uint64_t va)
{
    assert_int_equal(pt_walk(pt, va, NULL, NULL, NULL), PT_E_NOTMAPPED);
}

/* Non-root tables reachable from the root, checking none is empty. */
static unsigned count_tables(const struct pgtable *pt, const uint64_t *t, int level)
{
    unsigned n = level == pt->start_level ? 1u << (pt->va_bits - PT_LEVEL_SHIFT(level)) : PT_ENTRIES;
    unsigned tables = 0, valid = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t d = t[i];

        if (!(d & 1))
            continue;
        valid++;
        if (level < 3 && (d & 3) == 3)
            tables += 1 + count_tables(pt, (const uint64_t *)(uintptr_t)(d & UINT64_C(0xfffffffff000)), level + 1);
    }
    if (level != pt->start_level && valid == 0)
        fail_msg("empty table left at level %d", level);
    return tables;
}

static void check_tree(const struct pgtable *pt, const struct fake *f)
{
    /* every live allocation is reachable: no leak, no table freed while in use */
    assert_int_equal(1 + count_tables(pt, pt->root, pt->start_level), f->allocs - f->frees);
}

/* ---- tests ---- */

static void test_init_levels(void **state)
{
    static const struct {
        unsigned bits;
        int level;
    } cases[] = {
        { 48, 0 }, { 44, 0 }, { 40, 0 }, { 39, 1 }, { 36, 1 }, { 32, 1 }, { 31, 1 }, { 30, 2 }, { 25, 2 },
    };
    struct pgtable pt;
    struct fake f;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t top = (UINT64_C(1) << cases[i].bits) - PT_PAGE_SIZE;

        setup_pt(&pt, &f, cases[i].bits);
        assert_int_equal(pt.start_level, cases[i].level);
        assert_int_equal(pt.va_bits, cases[i].bits);
        assert_int_equal(f.allocs, 1);
        /* the last page of the input range maps; the next address is out of range */
        assert_int_equal(pt_map(&pt, top, 0x1000, PT_PAGE_SIZE, PT_S2_RAM, 0), PT_OK);
        expect_map(&pt, top + 0x10, 0x1010, PT_S2_RAM, 3);
        assert_int_equal(pt_walk(&pt, top + PT_PAGE_SIZE, NULL, NULL, NULL), PT_E_INVAL);
        assert_int_equal(pt_map(&pt, top + PT_PAGE_SIZE, 0, PT_PAGE_SIZE, PT_S2_RAM, 0), PT_E_INVAL);
        expect_unmapped(&pt, 0);
        teardown_pt(&pt, &f);
    }

    memset(&f, 0, sizeof(f));
    assert_int_equal(pt_init(&pt, 24, &fake_ops, &f), PT_E_INVAL);
    assert_int_equal(pt_init(&pt, 49, &fake_ops, &f), PT_E_INVAL);
    assert_int_equal(pt_init(&pt, 48, NULL, &f), PT_E_INVAL);
    f.fail_at = 1;
    assert_int_equal(pt_init(&pt, 48, &fake_ops, &f), PT_E_NOMEM);
    assert_int_equal(f.allocs, 0);
}

static void test_map_page(void **state)
{
    struct pgtable pt;
    struct fake f;

    setup_pt(&pt, &f, 48);
    assert_int_equal(pt_map(&pt, 0x40001000, 0x80005000, PT_PAGE_SIZE, PT_S2_DEVICE, 0), PT_OK);
    expect_map(&pt, 0x40001000, 0x80005000, PT_S2_DEVICE, 3);
    expect_map(&pt, 0x40001abc, 0x80005abc, PT_S2_DEVICE, 3);
    expect_unmapped(&pt, 0x40000fff);
    expect_unmapped(&pt, 0x40002000);
    assert_int_equal(f.allocs, 4); /* root (L0) + L1 + L2 + L3 */
    assert_int_equal(f.nflush, 0); /* nothing valid was replaced */
    check_tree(&pt, &f);
    teardown_pt(&pt, &f);
}

/* The largest block the alignment allows, at every level. */
static void test_largest_blocks(void **state)
{
    struct pgtable pt;
    struct fake f;
    uint64_t va = GiB(3), pa = GiB(5);
    uint64_t size = GiB(1) + MiB(2) + KiB(4);

    setup_pt(&pt, &f, 48);
    assert_int_equal(pt_map(&pt, va, pa, size, PT_S2_RAM, 0), PT_OK);
    expect_map(&pt, va, pa, PT_S2_RAM, 1);
    expect_map(&pt, va + GiB(1) - 8, pa + GiB(1) - 8, PT_S2_RAM, 1);
    expect_map(&pt, va + GiB(1), pa + GiB(1), PT_S2_RAM, 2);
    expect_map(&pt, va + GiB(1) + MiB(2), pa + GiB(1) + MiB(2), PT_S2_RAM, 3);
    expect_unmapped(&pt, va + size);
    expect_unmapped(&pt, va - 1);
    assert_int_equal(f.allocs, 4); /* root + L1 + L2 + L3 */
    check_tree(&pt, &f);

    /* 2 MiB-aligned va with a pa only 4 KiB-aligned: pages only */
    assert_int_equal(pt_map(&pt, GiB(8), GiB(9) + KiB(4), MiB(2), PT_S2_RAM_RO, 0), PT_OK);
    for (uint64_t off = 0; off < MiB(2); off += KiB(4))
        expect_map(&pt, GiB(8) + off, GiB(9) + KiB(4) + off, PT_S2_RAM_RO, 3);

    /* unaligned start, blocks in the middle once alignment is reached */
    assert_int_equal(pt_map(&pt, GiB(16) - KiB(8), GiB(32) - KiB(8), GiB(1) + KiB(16), PT_S1_DATA, 0), PT_OK);
    expect_map(&pt, GiB(16) - KiB(8), GiB(32) - KiB(8), PT_S1_DATA, 3);
    expect_map(&pt, GiB(16), GiB(32), PT_S1_DATA, 1);
    expect_map(&pt, GiB(17), GiB(33), PT_S1_DATA, 3);
    expect_map(&pt, GiB(17) + KiB(4), GiB(33) + KiB(4), PT_S1_DATA, 3);
    expect_unmapped(&pt, GiB(17) + KiB(8));
    check_tree(&pt, &f);
    teardown_pt(&pt, &f);
}

static void test_walk_round_trip(void **state)
{
    struct pgtable pt;
    struct fake f;

    setup_pt(&pt, &f, 39);
    assert_int_equal(pt_map(&pt, MiB(6), MiB(100), MiB(4) + KiB(12), PT_S2_RAM, 0), PT_OK);
    for (uint64_t off = 0; off < MiB(4) + KiB(12); off += 0x800)
        expect_map(&pt, MiB(6) + off, MiB(100) + off, PT_S2_RAM, off < MiB(4) ? 2 : 3);
    assert_int_equal(pt_unmap(&pt, MiB(6), MiB(4) + KiB(12)), PT_OK);
    for (uint64_t off = 0; off < MiB(4) + KiB(12); off += KiB(4))
        expect_unmapped(&pt, MiB(6) + off);
    /* every table but the root is freed again */
    assert_int_equal(f.allocs - f.frees, 1);
    check_tree(&pt, &f);
    teardown_pt(&pt, &f);
}

static void test_overlap_refused(void **state)
{
    struct pgtable pt;
    struct fake f;
    unsigned allocs;

    setup_pt(&pt, &f, 48);
    assert_int_equal(pt_map(&pt, MiB(4) + KiB(40), GiB(1), KiB(4), PT_S2_RAM, 0), PT_OK);
    allocs = f.allocs;
    /* any overlap fails before anything changes: no allocation, the rest stays unmapped */
    assert_int_equal(pt_map(&pt, GiB(1), GiB(2), GiB(1), PT_S2_RAM, 0), PT_OK);
    allocs = f.allocs;
    assert_int_equal(pt_map(&pt, 0, GiB(8), MiB(8), PT_S2_DEVICE, 0), PT_E_OVERLAP);
    assert_int_equal(pt_map(&pt, GiB(1) + MiB(1020), 0, MiB(8), PT_S2_DEVICE, 0), PT_E_OVERLAP);
    assert_int_equal(f.allocs, allocs);
    expect_unmapped(&pt, 0);
    expect_unmapped(&pt, MiB(4));
    expect_map(&pt, MiB(4) + KiB(40), GiB(1), PT_S2_RAM, 3);
    expect_map(&pt, GiB(2) - KiB(4), GiB(3) - KiB(4), PT_S2_RAM, 1);
    expect_unmapped(&pt, GiB(2));
    /* the exact same range again is an overlap too */
    assert_int_equal(pt_map(&pt, MiB(4) + KiB(40), GiB(1), KiB(4), PT_S2_RAM, 0), PT_E_OVERLAP);
    assert_int_equal(f.nflush, 0);
    check_tree(&pt, &f);
    teardown_pt(&pt, &f);
}

static void test_invalid_args(void **state)
{
    struct pgtable pt;
    struct fake f;

    setup_pt(&pt, &f, 40);
    assert_int_equal(pt_map(&pt, 0x1001, 0, KiB(4), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0x1000, 0x10, KiB(4), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0x1000, 0, KiB(4) + 1, PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0x1000, 0, 0, PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, GiB(1024) - KiB(4), 0, KiB(8), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, GiB(1024), 0, KiB(4), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, UINT64_C(1) << 48, KiB(4), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, (UINT64_C(1) << 48) - KiB(4), KiB(8), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, 0, UINT64_MAX & ~UINT64_C(0xfff), PT_S2_RAM, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, 0, KiB(4), PT_S2_RAM | 1, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, 0, KiB(4), PT_S2_RAM | 0x1000, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, 0, KiB(4), PT_S2_RAM | PT_CONTIG, 0), PT_E_INVAL);
    assert_int_equal(pt_map(&pt, 0, 0, KiB(4), PT_S2_RAM, 2), PT_E_INVAL);
    assert_int_equal(pt_unmap(&pt, 0x800, KiB(4)), PT_E_INVAL);
    assert_int_equal(pt_unmap(&pt, 0, 0), PT_E_INVAL);
    assert_int_equal(pt_unmap(&pt, GiB(1023), GiB(2)), PT_E_INVAL);
    assert_int_equal(pt_walk(&pt, GiB(1024), NULL, NULL, NULL), PT_E_INVAL);
    assert_int_equal(f.allocs, 1);
    /* the highest 48-bit output page is fine */
    assert_int_equal(pt_map(&pt, 0, (UINT64_C(1) << 48) - KiB(4), KiB(4), PT_S2_RAM, 0), PT_OK);
    expect_map(&pt, 0xfff, (UINT64_C(1) << 48) - 1, PT_S2_RAM, 3);
    teardown_pt(&pt, &f);
}

/* Unmapping one page of a 2 MiB block splits it; the block's other 511 pages stay. */
static void test_unmap_splits_block(void **state)
{
    struct pgtable pt;
    struct fake f;
    uint64_t va = MiB(10), pa = MiB(64) + GiB(2);

    setup_pt(&pt, &f, 48);
    assert_int_equal(pt_map(&pt, va, pa, MiB(2), PT_S2_RAM, 0), PT_OK);
    expect_map(&pt, va, pa, PT_S2_RAM, 2);
    assert_int_equal(pt_unmap(&pt, va + KiB(20), KiB(4)), PT_OK);
    expect_unmapped(&pt, va + KiB(20));
    for (uint64_t off = 0; off < MiB(2); off += KiB(4)) {
        if (off != KiB(20))
            expect_map(&pt, va + off, pa + off, PT_S2_RAM, 3);
    }
    /* one break-before-make of the whole block (the new table was private until then) */
    assert_int_equal(f.nflush, 1);
    assert_int_equal(f.flush_va[0], va);
    assert_int_equal(f.flush_size[0], MiB(2));
    check_tree(&pt, &f);

    /* 1 GiB block: unmapping one page needs an L2 and an L3 table */
    f.nflush = 0;
    assert_int_equal(pt_map(&pt, GiB(4), GiB(7), GiB(1), PT_S2_DEVICE, 0), PT_OK);
    expect_map(&pt, GiB(4), GiB(7), PT_S2_DEVICE, 1);
    assert_int_equal(pt_unmap(&pt, GiB(4) + MiB(300) + KiB(4), KiB(4)), PT_OK);
    expect_unmapped(&pt, GiB(4) + MiB(300) + KiB(4));
    expect_map(&pt, GiB(4) + MiB(300), GiB(7) + MiB(300), PT_S2_DEVICE, 3);
    expect_map(&pt, GiB(4) + MiB(300) + KiB(8), GiB(7) + MiB(300) + KiB(8), PT_S2_DEVICE, 3);
    expect_map(&pt, GiB(4) + MiB(302), GiB(7) + MiB(302), PT_S2_DEVICE, 2);
    expect_map(&pt, GiB(4), GiB(7), PT_S2_DEVICE, 2);
    expect_map(&pt, GiB(5) - 1, GiB(8) - 1, PT_S2_DEVICE, 2);
    assert_int_equal(f.nflush, 1);
    assert_int_equal(f.flush_size[0], GiB(1));
    check_tree(&pt, &f);

    /* unmapping the rest frees everything but the root */
    assert_int_equal(pt_unmap(&pt, 0, GiB(64)), PT_OK);
    assert_int_equal(f.allocs - f.frees, 1);
    teardown_pt(&pt, &f);
}

/* PT_REPLACE: break-before-make, observable as flushes that see the entry already invalid. */
static void test_replace_bbm(void **state)
{
    struct pgtable pt;
    struct fake f;
    unsigned frees;

    setup_pt(&pt, &f, 48);
    /* a page replaced by another page */
    assert_int_equal(pt_map(&pt, KiB(8), MiB(1), KiB(4), PT_S2_RAM, 0), PT_OK);
    assert_int_equal(pt_map(&pt, KiB(8), MiB(3), KiB(4), PT_S2_RAM_RO, PT_REPLACE), PT_OK);
    expect_map(&pt, KiB(8), MiB(3), PT_S2_RAM_RO, 3);
    assert_int_equal(f.nflush, 1);
    assert_int_equal(f.flush_va[0], KiB(8));
    assert_int_equal(f.flush_size[0], KiB(4));

    /* identical mapping: nothing to do, no flush */
    assert_int_equal(pt_map(&pt, KiB(8), MiB(3), KiB(4), PT_S2_RAM_RO, PT_REPLACE), PT_OK);
    assert_int_equal(f.nflush, 1);

    /* replace into an unmapped range: no flush either */
    assert_int_equal(pt_map(&pt, KiB(16), MiB(5), KiB(8), PT_S2_RAM, PT_REPLACE), PT_OK);
    assert_int_equal(f.nflush, 1);

    /* remap part of a 2 MiB block: split, the rest keeps the old mapping */
    f.nflush = 0;
    assert_int_equal(pt_map(&pt, MiB(4), GiB(1), MiB(2), PT_S2_RAM, 0), PT_OK);
    assert_int_equal(pt_map(&pt, MiB(5), GiB(2), KiB(12), PT_S2_DEVICE, PT_REPLACE), PT_OK);
    expect_map(&pt, MiB(4), GiB(1), PT_S2_RAM, 3);
    expect_map(&pt, MiB(5) - KiB(4), GiB(1) + MiB(1) - KiB(4), PT_S2_RAM, 3);
    expect_map(&pt, MiB(5), GiB(2), PT_S2_DEVICE, 3);
    expect_map(&pt, MiB(5) + KiB(8), GiB(2) + KiB(8), PT_S2_DEVICE, 3);
    expect_map(&pt, MiB(5) + KiB(12), GiB(1) + MiB(1) + KiB(12), PT_S2_RAM, 3);
    assert_int_equal(f.nflush, 1);
    assert_int_equal(f.flush_va[0], MiB(4));
    assert_int_equal(f.flush_size[0], MiB(2));
    check_tree(&pt, &f);

    /* the whole 2 MiB again as one block: the page table goes, one flush */
    f.nflush = 0;
    frees = f.frees;
    assert_int_equal(pt_map(&pt, MiB(4), GiB(3), MiB(2), PT_S2_RAM, PT_REPLACE), PT_OK);
    expect_map(&pt, MiB(5), GiB(3) + MiB(1), PT_S2_RAM, 2);
    assert_int_equal(f.nflush, 1);
    assert_int_equal(f.flush_size[0], MiB(2));
    assert_int_equal(f.frees, frees + 1);
    check_tree(&pt, &f);

    /* a 1 GiB block replaced by another 1 GiB block */
    f.nflush = 0;
    assert_int_equal(pt_map(&pt, GiB(2), GiB(10), GiB(1), PT_S2_RAM, 0), PT_OK);
    assert_int_equal(pt_map(&pt, GiB(2), GiB(20), GiB(1), PT_S2_RAM, PT_REPLACE), PT_OK);
    expect_map(&pt, GiB(2) + 5, GiB(20) + 5, PT_S2_RAM, 1);
    assert_int_equal(f.nflush, 1);
    assert_int_equal(f.flush_size[0], GiB(1));
    assert_true(f.nsync >= 1);
    teardown_pt(&pt, &f);
}

static void test_unmap_frees_tables(void **state)
{
    struct pgtable pt;
    struct fake f;
    uint64_t high = (UINT64_C(1) << 48) - GiB(1);

    setup_pt(&pt, &f, 48);
    assert_int_equal(pt_map(&pt, high + KiB(4), KiB(4), KiB(8), PT_S1_DEVICE, 0), PT_OK);
    assert_int_equal(f.allocs, 4);
    assert_int_equal(pt_unmap(&pt, high + KiB(4), KiB(4)), PT_OK);
    assert_int_equal(f.frees, 0); /* the L3 table still holds a page */
    assert_int_equal(f.nflush, 1);
    assert_int_equal(pt_unmap(&pt, high + KiB(8), KiB(4)), PT_OK);
    assert_int_equal(f.frees, 3);  /* L3, L2, L1 all became empty */
    assert_int_equal(f.nflush, 5); /* the page, then one walk-cache flush per freed table */
    /* unmapping nothing is fine and flushes nothing */
    assert_int_equal(pt_unmap(&pt, 0, UINT64_C(1) << 48), PT_OK);
    assert_int_equal(f.nflush, 5);
    teardown_pt(&pt, &f);
}

/* Unmapping a range that covers whole tables drops each with one flush. */
static void test_unmap_whole_tables(void **state)
{
    struct pgtable pt;
    struct fake f;

    setup_pt(&pt, &f, 48);
    assert_int_equal(pt_map(&pt, MiB(2), GiB(4) + KiB(4), MiB(2), PT_S2_RAM, 0), PT_OK);
    assert_int_equal(f.allocs, 4); /* 512 pages in one L3 table */
    assert_int_equal(pt_unmap(&pt, MiB(2), MiB(2)), PT_OK);
    /* one flush for the L2 entry that pointed at the page table, then the L2 and L1 tables */
    assert_int_equal(f.flush_va[0], MiB(2));
    assert_int_equal(f.flush_size[0], MiB(2));
    assert_int_equal(f.nflush, 3);
    assert_int_equal(f.allocs - f.frees, 1);
    teardown_pt(&pt, &f);
}

/* Pages of [va, va + size) must all be unmapped, or all map linearly to pa. */
static void expect_range(const struct pgtable *pt, uint64_t va, uint64_t size, bool mapped, uint64_t pa, uint64_t attrs)
{
    for (uint64_t off = 0; off < size; off += KiB(4)) {
        if (mapped)
            expect_map(pt, va + off, pa + off, attrs, -1);
        else
            expect_unmapped(pt, va + off);
    }
}

/* OOM at every allocation of a large irregular map: rolled back, tables consistent. */
static void test_oom_rollback(void **state)
{
    /* crosses a 512 GiB (level 0) boundary; unaligned ends need page tables */
    const uint64_t va = GiB(512) - GiB(1) - MiB(2) - KiB(8);
    const uint64_t pa = GiB(64) - GiB(1) - MiB(2) - KiB(8);
    const uint64_t size = GiB(2) + MiB(4) + KiB(16);
    unsigned n, needed = 0;

    for (n = 1; n < 64; n++) {
        struct pgtable pt;
        struct fake f;
        unsigned live;
        int rc;

        setup_pt(&pt, &f, 48);
        /* neighbours that must survive: one shares the level 1 table of the range's low
		 * end, the other only the root */
        assert_int_equal(pt_map(&pt, va - GiB(2), GiB(100), KiB(4), PT_S2_DEVICE, 0), PT_OK);
        assert_int_equal(pt_map(&pt, GiB(2048), GiB(101), KiB(4), PT_S2_DEVICE, 0), PT_OK);
        live = f.allocs - f.frees;
        f.fail_at = f.allocs + n;
        rc = pt_map(&pt, va, pa, size, PT_S2_RAM, 0);
        if (rc == PT_OK) {
            needed = n - 1;
            expect_range(&pt, va, MiB(4), true, pa, PT_S2_RAM);
            expect_range(&pt, va + size - MiB(4), MiB(4), true, pa + size - MiB(4), PT_S2_RAM);
            expect_map(&pt, va + GiB(1), pa + GiB(1), PT_S2_RAM, -1);
            check_tree(&pt, &f);
            teardown_pt(&pt, &f);
            break;
        }
        assert_int_equal(rc, PT_E_NOMEM);
        /* nothing of the range is left, the neighbours are, no table leaked */
        expect_range(&pt, va, MiB(4), false, 0, 0);
        expect_range(&pt, va + size - MiB(4), MiB(4), false, 0, 0);
        expect_unmapped(&pt, va + GiB(1));
        expect_unmapped(&pt, va + GiB(2) - MiB(2));
        expect_map(&pt, va - GiB(2), GiB(100), PT_S2_DEVICE, 3);
        expect_map(&pt, GiB(2048), GiB(101), PT_S2_DEVICE, 3);
        assert_int_equal(f.allocs - f.frees, live);
        check_tree(&pt, &f);
        teardown_pt(&pt, &f);
    }
    /* low end: L2 + L3 tables; high end (next level 0 entry): L1 + L2 + L3 tables */
    assert_int_equal(needed, 5);
}

/* OOM during a PT_REPLACE map and a splitting unmap: each page old or new, never garbage. */
static void test_oom_replace_and_unmap(void **state)
{
    const uint64_t va = GiB(1), size = GiB(2);
    /* pa congruent with va modulo 2 MiB, so the middle uses blocks: 4 new tables at most */
    const uint64_t sub = GiB(1) + MiB(3) + KiB(4), subsize = GiB(1) + MiB(2) + KiB(8);
    const uint64_t subpa = GiB(32) + MiB(1) + KiB(4);
    bool done_map = false, done_unmap = false;

    unsigned fails = 0;

    for (unsigned n = 1; n < 32 && !(done_map && done_unmap); n++) {
        struct pgtable pt;
        struct fake f;
        int rc;

        /* replace */
        setup_pt(&pt, &f, 40);
        assert_int_equal(pt_map(&pt, va, GiB(8), size, PT_S2_RAM, 0), PT_OK);
        f.fail_at = f.allocs + n;
        rc = pt_map(&pt, sub, subpa, subsize, PT_S2_DEVICE, PT_REPLACE);
        assert_true(rc == PT_OK || rc == PT_E_NOMEM);
        done_map |= rc == PT_OK;
        fails += rc != PT_OK;
        for (uint64_t off = 0; off < size; off += MiB(1) + KiB(4)) {
            uint64_t a = va + off, got, attrs;

            assert_int_equal(pt_walk(&pt, a, &got, &attrs, NULL), PT_OK);
            if (a >= sub && a < sub + subsize && attrs == PT_S2_DEVICE)
                assert_int_equal(got, subpa + (a - sub));
            else if (rc == PT_OK && a >= sub && a < sub + subsize)
                fail_msg("page %#llx not replaced", (unsigned long long)a);
            else
                assert_true(got == GiB(8) + off && attrs == PT_S2_RAM);
        }
        check_tree(&pt, &f);
        teardown_pt(&pt, &f);

        /* unmap that must split blocks */
        setup_pt(&pt, &f, 40);
        assert_int_equal(pt_map(&pt, va, GiB(8), size, PT_S2_RAM, 0), PT_OK);
        f.fail_at = f.allocs + n;
        rc = pt_unmap(&pt, sub, subsize);
        assert_true(rc == PT_OK || rc == PT_E_NOMEM);
        done_unmap |= rc == PT_OK;
        for (uint64_t off = 0; off < size; off += MiB(1) + KiB(4)) {
            uint64_t a = va + off, got;
            int wrc = pt_walk(&pt, a, &got, NULL, NULL);

            if (wrc == PT_OK)
                assert_int_equal(got, GiB(8) + off);
            else if (!(a >= sub && a < sub + subsize))
                fail_msg("page %#llx lost", (unsigned long long)a);
            if (rc == PT_OK && a >= sub && a < sub + subsize)
                assert_int_equal(wrc, PT_E_NOTMAPPED);
        }
        check_tree(&pt, &f);
        teardown_pt(&pt, &f);
    }
    assert_true(done_map && done_unmap);
    assert_int_equal(fails, 4); /* two L2 splits and two L3 splits */
}

/* ---- randomized model check against a page-granular shadow ---- */

#define WIN_PAGES 2048u
#define WIN_BASE  (GiB(1) - MiB(4)) /* straddles a 1 GiB boundary */
#define PA_BASE   GiB(6)

static uint64_t rng_state = UINT64_C(0x853c49e6748fea9b);

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

struct shadow {
    bool valid;
    uint64_t pa, attrs;
};

static void model_sync_from_table(const struct pgtable *pt, struct shadow *m, unsigned first, unsigned count,
                                  const struct shadow *newer)
{
    /* after a failed PT_REPLACE map or unmap, accept either state per page and adopt it */
    for (unsigned p = first; p < first + count; p++) {
        uint64_t pa, attrs;
        int rc = pt_walk(pt, WIN_BASE + (uint64_t)p * KiB(4), &pa, &attrs, NULL);
        bool is_old = m[p].valid ? rc == PT_OK && pa == m[p].pa && attrs == m[p].attrs : rc == PT_E_NOTMAPPED;
        bool is_new = newer[p - first].valid
                          ? rc == PT_OK && pa == newer[p - first].pa && attrs == newer[p - first].attrs
                          : rc == PT_E_NOTMAPPED;

        if (!is_old && !is_new)
            fail_msg("page %u neither old nor new after OOM", p);
        m[p] = newer[p - first];
        if (!is_new)
            m[p].valid = rc == PT_OK, m[p].pa = pa, m[p].attrs = attrs;
    }
}

static void test_random_model(void **state)
{
    static const uint64_t attr_set[3] = { PT_S2_RAM, PT_S2_DEVICE, PT_S2_RAM_RO };
    static struct shadow m[WIN_PAGES], newer[WIN_PAGES];
    struct pgtable pt;
    struct fake f;
    unsigned blocks_seen = 0, overlaps = 0, ooms = 0;

    setup_pt(&pt, &f, 39);
    memset(m, 0, sizeof(m));
    for (unsigned iter = 0; iter < 1500; iter++) {
        unsigned op = (unsigned)(rng() % 3); /* 0 map, 1 map PT_REPLACE, 2 unmap */
        unsigned first, count;
        uint64_t delta, attrs = attr_set[rng() % 3];
        bool any_valid = false;
        int rc;

        if (rng() % 3 == 0) { /* a whole aligned 2 MiB chunk */
            first = (unsigned)(rng() % (WIN_PAGES / 512)) * 512;
            count = 512;
        } else {
            first = (unsigned)(rng() % WIN_PAGES);
            count = 1 + (unsigned)(rng() % 700);
            if (count > WIN_PAGES - first)
                count = WIN_PAGES - first;
        }
        /* pa either 2 MiB-congruent with va (blocks possible) or not */
        delta = PA_BASE + ((rng() & 1) ? 0 : KiB(4) * (1 + rng() % 511));
        for (unsigned p = first; p < first + count; p++) {
            any_valid |= m[p].valid;
            newer[p - first] = (struct shadow){ op != 2, delta + (uint64_t)p * KiB(4), op != 2 ? attrs : 0 };
        }
        if (rng() % 5 == 0)
            f.fail_at = f.allocs + 1 + (unsigned)(rng() % 3);

        if (op == 2)
            rc = pt_unmap(&pt, WIN_BASE + (uint64_t)first * KiB(4), (uint64_t)count * KiB(4));
        else
            rc = pt_map(&pt, WIN_BASE + (uint64_t)first * KiB(4), delta + (uint64_t)first * KiB(4),
                        (uint64_t)count * KiB(4), attrs, op == 1 ? PT_REPLACE : 0);
        f.fail_at = 0;

        if (op == 0 && any_valid) {
            assert_int_equal(rc, PT_E_OVERLAP);
            overlaps++;
        } else if (rc == PT_E_NOMEM) {
            ooms++;
            if (op != 0)
                model_sync_from_table(&pt, m, first, count, newer);
            /* op 0 rolled back: the model is unchanged, verified below */
        } else {
            assert_int_equal(rc, PT_OK);
            for (unsigned p = first; p < first + count; p++)
                m[p] = newer[p - first];
            /* a fresh map of an aligned chunk with congruent pa must be one block */
            if (op != 2 && count == 512 && (delta & (MiB(2) - 1)) == 0) {
                int level = -1;

                assert_int_equal(pt_walk(&pt, WIN_BASE + (uint64_t)first * KiB(4), NULL, NULL, &level), PT_OK);
                assert_int_equal(level, 2);
                blocks_seen++;
            }
        }

        /* the whole window agrees with the model; outside it nothing is mapped */
        for (unsigned p = 0; p < WIN_PAGES; p++) {
            uint64_t a = WIN_BASE + (uint64_t)p * KiB(4);

            if (m[p].valid)
                expect_map(&pt, a + (p & 0xff), m[p].pa + (p & 0xff), m[p].attrs, -1);
            else
                expect_unmapped(&pt, a);
        }
        expect_unmapped(&pt, WIN_BASE - KiB(4));
        expect_unmapped(&pt, WIN_BASE + (uint64_t)WIN_PAGES * KiB(4));
        check_tree(&pt, &f);
        assert_int_equal(f.bbm_errors, 0);
    }
    assert_true(blocks_seen > 10 && overlaps > 10 && ooms > 10);
    teardown_pt(&pt, &f);
}

static void test_attr_constants(void **state)
{
    /* Stage 2 (Arm ARM D8.3.1): MemAttr [5:2], S2AP [7:6], SH [9:8], AF [10], XN bit 54 */
    assert_int_equal(PT_S2_RAM, (0xfu << 2) | (3u << 6) | (3u << 8) | (1u << 10));
    assert_int_equal(PT_S2_DEVICE, (0x1u << 2) | (3u << 6) | (1u << 10) | (UINT64_C(1) << 54));
    assert_int_equal(PT_S2_RAM_RO & (3u << 6), 1u << 6);
    /* Stage 1 EL2: AttrIndx [4:2], AP[2:1] [7:6] with AP[1] RES1, XN bit 54 */
    assert_int_equal(PT_S1_DATA, (0u << 2) | (1u << 6) | (3u << 8) | (1u << 10) | (UINT64_C(1) << 54));
    assert_int_equal(PT_S1_TEXT & (UINT64_C(1) << 54), 0);
    assert_int_equal(PT_S1_TEXT & (3u << 6), 3u << 6);
    assert_int_equal(PT_S1_DEVICE & (7u << 2), PT_MAIR_DEVICE_nGnRE_IDX << 2);
    /* MAIR_EL2 bytes: index 0 Normal WB, 1 Device-nGnRE, 2 Normal NC */
    assert_int_equal((PT_MAIR_VALUE >> (8 * PT_MAIR_NORMAL_WB_IDX)) & 0xff, 0xff);
    assert_int_equal((PT_MAIR_VALUE >> (8 * PT_MAIR_DEVICE_nGnRE_IDX)) & 0xff, 0x04);
    assert_int_equal((PT_MAIR_VALUE >> (8 * PT_MAIR_NORMAL_NC_IDX)) & 0xff, 0x44);
    /* every constructor fits the attribute mask */
    assert_int_equal(PT_S2_RAM & ~PT_ATTR_MASK, 0);
    assert_int_equal(PT_S2_DEVICE_RO & ~PT_ATTR_MASK, 0);
    assert_int_equal(PT_S1_NC & ~PT_ATTR_MASK, 0);
    assert_int_equal(PT_LEVEL_SIZE(1), GiB(1));
    assert_int_equal(PT_LEVEL_SIZE(2), MiB(2));
    assert_int_equal(PT_LEVEL_SIZE(3), KiB(4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_levels),        cmocka_unit_test(test_map_page),
        cmocka_unit_test(test_largest_blocks),     cmocka_unit_test(test_walk_round_trip),
        cmocka_unit_test(test_overlap_refused),    cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_unmap_splits_block), cmocka_unit_test(test_replace_bbm),
        cmocka_unit_test(test_unmap_frees_tables), cmocka_unit_test(test_unmap_whole_tables),
        cmocka_unit_test(test_oom_rollback),       cmocka_unit_test(test_oom_replace_and_unmap),
        cmocka_unit_test(test_random_model),       cmocka_unit_test(test_attr_constants),
    };

    return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
