/* Unit tests for core/page_pool.c: the bitmap page allocator over RAM ranges with holes.
 *
 * The allocator keeps each region's bitmap in the first pages of the region itself, so the
 * "physical" RAM here is a real host arena from aligned_alloc: addresses handed to the pool are
 * host addresses. Allocation never touches the pages it hands out, so even a 2 GiB arena only
 * costs the few bitmap pages that are written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/page_alloc.h"

#define PG     PA_PAGE_SIZE
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

/* ---- helpers ---------------------------------------------------------------------------- */

struct arena {
    void *mem;
    uint64_t base; /* host address of mem */
    uint64_t size;
};

static void arena_get(struct arena *a, uint64_t size, uint64_t align)
{
    a->mem = aligned_alloc(align, size);
    assert_non_null(a->mem);
    a->base = (uint64_t)(uintptr_t)a->mem;
    a->size = size;
    assert_int_equal(a->base % align, 0);
}

static void arena_put(struct arena *a)
{
    free(a->mem);
    a->mem = NULL;
}

/* Address of page i of the arena. */
static uint64_t pg(const struct arena *a, uint64_t i) { return a->base + i * PG; }

static void pool_init(struct page_pool *p) { memset(p, 0, sizeof(*p)); }

static void expect_region(const struct page_pool *p, unsigned k, uint64_t base, uint64_t npages)
{
    assert_true(k < p->count);
    assert_int_equal(p->region[k].base, base);
    assert_int_equal(p->region[k].npages, npages);
    assert_int_equal(p->region[k].free, npages);
    /* The bitmap sits in the pages just below the first allocatable one. */
    assert_true((uint64_t)(uintptr_t)p->region[k].bitmap < base);
    assert_int_equal((uint64_t)(uintptr_t)p->region[k].bitmap % PG, 0);
}

/* Pages of bitmap a span of n pages needs (one bit per page, whole 64-bit words). */
static uint64_t bm_pages(uint64_t n) { return (((n + 63) / 64) * 8 + PG - 1) / PG; }

/* A copy of the pool and of every bitmap word, to prove that a refused call changed nothing. */
struct snapshot {
    struct page_pool p;
    uint64_t *words[PA_MAX_REGIONS];
};

static void snap_take(struct snapshot *s, const struct page_pool *p)
{
    memcpy(&s->p, p, sizeof(*p));
    for (unsigned k = 0; k < p->count; k++) {
        size_t n = (p->region[k].npages + 63) / 64;
        s->words[k] = malloc(n * 8);
        assert_non_null(s->words[k]);
        memcpy(s->words[k], p->region[k].bitmap, n * 8);
    }
}

static void snap_check_and_free(struct snapshot *s, const struct page_pool *p)
{
    assert_memory_equal(&s->p, p, sizeof(*p));
    for (unsigned k = 0; k < p->count; k++) {
        size_t n = (p->region[k].npages + 63) / 64;
        assert_memory_equal(s->words[k], p->region[k].bitmap, n * 8);
        free(s->words[k]);
    }
}

/* A refused free must return false and leave every byte of allocator state as it was. */
static void expect_free_refused(struct page_pool *p, uint64_t pa, uint64_t npages)
{
    struct snapshot s;

    snap_take(&s, p);
    if (page_pool_free(p, pa, npages))
        fail_msg("free(0x%llx, %llu) accepted", (unsigned long long)pa, (unsigned long long)npages);
    snap_check_and_free(&s, p);
}

static void expect_alloc_refused(struct page_pool *p, uint64_t npages, uint64_t align)
{
    struct snapshot s;

    snap_take(&s, p);
    uint64_t pa = page_pool_alloc(p, npages, align);
    if (pa != 0)
        fail_msg("alloc(%llu, 0x%llx) returned 0x%llx", (unsigned long long)npages, (unsigned long long)align,
                 (unsigned long long)pa);
    snap_check_and_free(&s, p);
}

/* ---- adding ranges ---------------------------------------------------------------------- */

static void test_add_plain(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, KiB(256), PG); /* 64 pages: one bitmap page, 63 allocatable */
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, NULL, 0), 0);
    assert_int_equal(p.count, 1);
    expect_region(&p, 0, pg(&a, 1), 63);
    assert_ptr_equal(p.region[0].bitmap, a.mem);
    assert_int_equal(page_pool_free_pages(&p), 63);

    /* Every page once, in address order, then nothing. */
    for (uint64_t i = 1; i < 64; i++) {
        assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&a, i));
        assert_int_equal(page_pool_free_pages(&p), 63 - i);
    }
    expect_alloc_refused(&p, 1, PG);
    for (uint64_t i = 1; i < 64; i++)
        assert_true(page_pool_free(&p, pg(&a, i), 1));
    assert_int_equal(page_pool_free_pages(&p), 63);
    assert_int_equal(page_pool_alloc(&p, 63, PG), pg(&a, 1));
    assert_int_equal(page_pool_free_pages(&p), 0);
    arena_put(&a);
}

/* Unaligned ends are trimmed inward to whole pages. */
static void test_add_unaligned(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, KiB(256), PG);
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base + 100, a.size - 200, NULL, 0), 0);
    assert_int_equal(p.count, 1);
    /* pages 1..62 are whole; page 1 holds the bitmap */
    expect_region(&p, 0, pg(&a, 2), 61);
    assert_int_equal((uint64_t)(uintptr_t)p.region[0].bitmap, pg(&a, 1));
    arena_put(&a);
}

/* Ranges too small for a bitmap page plus one page, empty or wrapping ranges. */
static void test_add_degenerate(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, KiB(64), PG);
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, 0, NULL, 0), 0);
    assert_int_equal(page_pool_add(&p, a.base, PG, NULL, 0), 0);          /* bitmap only */
    assert_int_equal(page_pool_add(&p, a.base + 1, 2 * PG, NULL, 0), 0);  /* one whole page */
    assert_int_equal(page_pool_add(&p, a.base + 8, PG - 16, NULL, 0), 0); /* within a page */
    assert_int_equal(p.count, 0);
    assert_int_equal(page_pool_free_pages(&p), 0);
    expect_alloc_refused(&p, 1, PG);
    /* base + size wraps around the address space */
    assert_int_equal(page_pool_add(&p, a.base, UINT64_MAX, NULL, 0), -1);
    assert_int_equal(p.count, 0);

    /* Exactly two pages: one for the bitmap, one to hand out. */
    assert_int_equal(page_pool_add(&p, a.base, 2 * PG, NULL, 0), 0);
    assert_int_equal(p.count, 1);
    expect_region(&p, 0, pg(&a, 1), 1);

    /* A range in the last page of the address space: rounding its start up wraps to 0. It must
     * be dropped, not turned into a region at address 0 (the allocator would write there). */
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, UINT64_MAX - 0xffe, 0xffe, NULL, 0), 0);
    const uint64_t top_hole[1][2] = { { 0, UINT64_MAX - 0x7ff } };
    assert_int_equal(page_pool_add(&p, 0x1000, UINT64_MAX - 0x1000, top_hole, 1), 0);
    assert_int_equal(p.count, 0);
    arena_put(&a);
}

/* Holes unsorted, overlapping each other, partial pages, at and beyond both edges. */
static void test_holes(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, KiB(256), PG); /* pages 0..63 */
    const uint64_t holes[][2] = {
        { pg(&a, 40), 8 * PG },   /* 40..47 */
        { pg(&a, 10), 5 * PG },   /* 10..14 */
        { pg(&a, 60), GiB(1) },   /* 60..63 and beyond the end */
        { pg(&a, 12), 6 * PG },   /* 12..17, overlapping 10..14 */
        { pg(&a, 30) + 100, 50 }, /* inside page 30: the whole page goes */
        { a.base - PG, 2 * PG },  /* page 0 and the page before the range */
        { pg(&a, 44), 2 * PG },   /* inside 40..47 */
    };
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, holes, 7), 0);
    /* usable runs 1..9, 18..29, 31..39, 48..59; each spends its first page on the bitmap */
    assert_int_equal(p.count, 4);
    expect_region(&p, 0, pg(&a, 2), 8);
    expect_region(&p, 1, pg(&a, 19), 11);
    expect_region(&p, 2, pg(&a, 32), 8);
    expect_region(&p, 3, pg(&a, 49), 11);
    assert_int_equal(page_pool_free_pages(&p), 38);

    /* No page handed out lies in a hole or a bitmap. */
    uint64_t got[38];
    for (int i = 0; i < 38; i++) {
        got[i] = page_pool_alloc(&p, 1, PG);
        assert_int_not_equal(got[i], 0);
        uint64_t idx = (got[i] - a.base) / PG;
        bool ok =
            (idx >= 2 && idx <= 9) || (idx >= 19 && idx <= 29) || (idx >= 32 && idx <= 39) || (idx >= 49 && idx <= 59);
        assert_true(ok);
    }
    expect_alloc_refused(&p, 1, PG);
    /* Multi-page runs never cross from one region into the next. */
    for (int i = 0; i < 38; i++)
        assert_true(page_pool_free(&p, got[i], 1));
    assert_int_equal(page_pool_alloc(&p, 11, PG), pg(&a, 19));
    assert_int_equal(page_pool_alloc(&p, 11, PG), pg(&a, 49));
    expect_alloc_refused(&p, 9, PG);
    expect_alloc_refused(&p, 12, PG);
    arena_put(&a);
}

static void test_holes_cover_everything(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, KiB(64), PG);
    const uint64_t exact[1][2] = { { a.base, a.size } };
    const uint64_t wider[1][2] = { { a.base - PG, a.size + 2 * PG } };
    const uint64_t wrap[1][2] = { { a.base, UINT64_MAX } }; /* end saturates */
    const uint64_t pieces[3][2] = { { pg(&a, 8), 8 * PG }, { a.base, 9 * PG }, { pg(&a, 4), 2 * PG } };
    const uint64_t(*cases[])[2] = { exact, wider, wrap, pieces };
    const unsigned counts[] = { 1, 1, 1, 3 };

    for (unsigned c = 0; c < 4; c++) {
        pool_init(&p);
        assert_int_equal(page_pool_add(&p, a.base, a.size, cases[c], counts[c]), 0);
        assert_int_equal(p.count, 0);
        assert_int_equal(page_pool_free_pages(&p), 0);
        expect_alloc_refused(&p, 1, PG);
        expect_free_refused(&p, pg(&a, 5), 1);
    }
    arena_put(&a);
}

/* Zero-sized holes exclude nothing and must not split a range (each split costs a bitmap page
 * and makes allocations across the split impossible). */
static void test_empty_holes(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, KiB(64), PG);
    const uint64_t holes[3][2] = { { pg(&a, 8), 0 }, { a.base, 0 }, { pg(&a, 3) + 7, 0 } };
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, holes, 3), 0);
    assert_int_equal(p.count, 1);
    expect_region(&p, 0, pg(&a, 1), 15);
    assert_int_equal(page_pool_alloc(&p, 15, PG), pg(&a, 1));
    arena_put(&a);
}

/* One region per span, up to PA_MAX_REGIONS; more spans fail the add. */
static void test_too_many_regions(void **state)
{
    struct arena a;
    struct page_pool p;
    uint64_t holes[40][2];

    arena_get(&a, 128 * PG, PG);
    /* holes at pages 2, 5, 8, ...: spans of two pages (bitmap + one) at 0, 3, 6, ... */
    for (unsigned i = 0; i < 40; i++) {
        holes[i][0] = pg(&a, 3 * i + 2);
        holes[i][1] = PG;
    }
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, 32 * 3 * PG, holes, 40), 0);
    assert_int_equal(p.count, 32);
    for (unsigned k = 0; k < 32; k++)
        expect_region(&p, k, pg(&a, 3 * k + 1), 1);

    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, 33 * 3 * PG, holes, 40), -1);
    assert_int_equal(p.count, PA_MAX_REGIONS);
    assert_int_equal(page_pool_free_pages(&p), PA_MAX_REGIONS);
    /* The pool is still usable with the regions it has. */
    assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&a, 1));
    assert_true(page_pool_free(&p, pg(&a, 1), 1));
    arena_put(&a);
}

/* Several banks added one after the other; pages of a later bank can be freed. */
static void test_several_banks(void **state)
{
    struct arena a, b;
    struct page_pool p;

    arena_get(&a, 16 * PG, PG);
    arena_get(&b, 16 * PG, PG);
    if (b.base < a.base) { /* bank a is the lower one, added first */
        struct arena t = a;
        a = b;
        b = t;
    }
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, NULL, 0), 0);
    assert_int_equal(page_pool_add(&p, b.base, b.size, NULL, 0), 0);
    assert_int_equal(p.count, 2);
    assert_int_equal(page_pool_free_pages(&p), 30);

    /* First fit in pool order: bank a, then bank b. */
    assert_int_equal(page_pool_alloc(&p, 10, PG), pg(&a, 1));
    assert_int_equal(page_pool_alloc(&p, 10, PG), pg(&b, 1));
    assert_int_equal(page_pool_alloc(&p, 5, PG), pg(&a, 11));
    assert_int_equal(page_pool_alloc(&p, 5, PG), pg(&b, 11));
    assert_int_equal(page_pool_free_pages(&p), 0);

    /* Frees in whichever region holds the range, whatever the banks' address order. */
    assert_true(page_pool_free(&p, pg(&b, 3), 2));
    assert_true(page_pool_free(&p, pg(&a, 3), 2));
    assert_true(page_pool_free(&p, pg(&b, 15), 1));
    assert_int_equal(page_pool_free_pages(&p), 5);
    assert_int_equal(p.region[0].free + p.region[1].free, 5);
    expect_free_refused(&p, pg(&b, 3), 1);
    assert_int_equal(page_pool_alloc(&p, 2, PG), pg(&a, 3));
    assert_int_equal(page_pool_alloc(&p, 2, PG), pg(&b, 3));
    assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&b, 15));
    arena_put(&a);
    arena_put(&b);
}

/* ---- alignment -------------------------------------------------------------------------- */

static void test_alignment(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, GiB(2), GiB(1));
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, NULL, 0), 0);
    uint64_t total = GiB(2) / PG, bm = bm_pages(total); /* 16 bitmap pages */
    assert_int_equal(bm, 16);
    expect_region(&p, 0, a.base + bm * PG, total - bm);

    assert_int_equal(page_pool_alloc(&p, 1, PG), a.base + KiB(64));
    assert_int_equal(page_pool_alloc(&p, 1, KiB(8)), a.base + KiB(72));
    assert_int_equal(page_pool_alloc(&p, 1, KiB(64)), a.base + KiB(128));
    assert_int_equal(page_pool_alloc(&p, 3, PG), a.base + KiB(76)); /* 68K alone, 72K taken */
    assert_int_equal(page_pool_alloc(&p, 1, PG), a.base + KiB(68));
    assert_int_equal(page_pool_alloc(&p, 1, MiB(2)), a.base + MiB(2));
    assert_int_equal(page_pool_alloc(&p, 512, MiB(2)), a.base + MiB(4));
    assert_int_equal(page_pool_alloc(&p, 513, MiB(2)), a.base + MiB(6));
    assert_int_equal(page_pool_alloc(&p, 1, MiB(1)), a.base + MiB(1));
    assert_int_equal(page_pool_alloc(&p, 1, GiB(1)), a.base + GiB(1));
    uint64_t used = 1 + 1 + 1 + 3 + 1 + 1 + 512 + 513 + 1 + 1;
    assert_int_equal(page_pool_free_pages(&p), total - bm - used);

    /* A whole aligned GiB only fits once that page is back. */
    expect_alloc_refused(&p, GiB(1) / PG, GiB(1));
    assert_true(page_pool_free(&p, a.base + GiB(1), 1));
    assert_int_equal(page_pool_alloc(&p, GiB(1) / PG, GiB(1)), a.base + GiB(1));
    assert_int_equal(page_pool_free_pages(&p), total - bm - (used - 1) - GiB(1) / PG);
    /* The first GiB starts with the bitmap and the small blocks above, so 512 MiB aligned to
     * 512 MiB only fits at its second half; after that no 512 MiB remain anywhere, but 256 MiB
     * at 256 MiB do. */
    assert_int_equal(page_pool_alloc(&p, MiB(512) / PG, MiB(512)), a.base + MiB(512));
    expect_alloc_refused(&p, 1, GiB(1));
    expect_alloc_refused(&p, MiB(512) / PG, MiB(256));
    expect_alloc_refused(&p, MiB(512) / PG, PG);
    assert_int_equal(page_pool_alloc(&p, MiB(256) / PG, MiB(256)), a.base + MiB(256));

    /* Invalid requests: zero pages, alignment not a power of two or below a page. */
    expect_alloc_refused(&p, 0, PG);
    expect_alloc_refused(&p, 1, 0);
    expect_alloc_refused(&p, 1, 1);
    expect_alloc_refused(&p, 1, 2048);
    expect_alloc_refused(&p, 1, 3 * PG);
    expect_alloc_refused(&p, 1, PG + 1);
    expect_alloc_refused(&p, 1, UINT64_MAX);
    /* Alignments larger than any host address: no fit, no endless loop. */
    expect_alloc_refused(&p, 1, UINT64_C(1) << 62);
    expect_alloc_refused(&p, 1, UINT64_C(1) << 63);
    /* More pages than exist, up to sizes whose byte count overflows. */
    expect_alloc_refused(&p, total, PG);
    expect_alloc_refused(&p, UINT64_MAX, PG);
    expect_alloc_refused(&p, UINT64_MAX / PG + 2, PG);
    arena_put(&a);
}

/* ---- exhaustion and fragmentation ------------------------------------------------------- */

static void test_exhaustion(void **state)
{
    struct arena a;
    struct page_pool p;

    arena_get(&a, 65 * PG, PG); /* 64 allocatable pages */
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, NULL, 0), 0);
    expect_alloc_refused(&p, 65, PG);
    assert_int_equal(page_pool_alloc(&p, 64, PG), pg(&a, 1));
    expect_alloc_refused(&p, 1, PG);
    assert_true(page_pool_free(&p, pg(&a, 1), 64));

    /* Every other page taken: 32 free pages, no two adjacent. */
    for (uint64_t i = 1; i <= 64; i++)
        assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&a, i));
    for (uint64_t i = 1; i <= 64; i += 2)
        assert_true(page_pool_free(&p, pg(&a, i), 1));
    assert_int_equal(page_pool_free_pages(&p), 32);
    expect_alloc_refused(&p, 2, PG);
    /* Free page 6 so that 5, 6, 7 are free: the only run of three. */
    assert_true(page_pool_free(&p, pg(&a, 6), 1));
    expect_alloc_refused(&p, 4, PG);
    assert_int_equal(page_pool_alloc(&p, 3, PG), pg(&a, 5));
    assert_int_equal(page_pool_free_pages(&p), 30);
    /* The single free pages are still there, lowest first. */
    assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&a, 1));
    assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&a, 3));
    assert_int_equal(page_pool_alloc(&p, 1, PG), pg(&a, 9));
    arena_put(&a);
}

/* ---- freeing ---------------------------------------------------------------------------- */

static void test_free_refused(void **state)
{
    struct arena a;
    struct page_pool p;
    uint64_t local = 0;

    arena_get(&a, 33 * PG, PG);                         /* pages 1..32 allocatable */
    const uint64_t hole[1][2] = { { pg(&a, 20), PG } }; /* regions 1..19 (bm 0), 22..32 (bm 21) */
    pool_init(&p);
    assert_int_equal(page_pool_add(&p, a.base, a.size, hole, 1), 0);
    assert_int_equal(p.count, 2);
    expect_region(&p, 0, pg(&a, 1), 19);
    expect_region(&p, 1, pg(&a, 22), 11);

    /* Nothing allocated yet: nothing can be freed. */
    expect_free_refused(&p, pg(&a, 1), 1);
    expect_free_refused(&p, pg(&a, 22), 11);

    uint64_t x = page_pool_alloc(&p, 4, PG);
    assert_int_equal(x, pg(&a, 1));
    assert_int_equal(page_pool_alloc(&p, 15, PG), pg(&a, 5)); /* region 0 now full */
    assert_int_equal(page_pool_alloc(&p, 2, PG), pg(&a, 22));
    assert_int_equal(page_pool_alloc(&p, 7, PG), pg(&a, 24));
    assert_int_equal(page_pool_alloc(&p, 2, PG), pg(&a, 31)); /* last two pages */
    assert_true(page_pool_free(&p, pg(&a, 5), 15));
    assert_true(page_pool_free(&p, pg(&a, 24), 7));

    /* Partly allocated ranges. */
    expect_free_refused(&p, x, 5);
    expect_free_refused(&p, x + 3 * PG, 2);
    expect_free_refused(&p, pg(&a, 22), 3);
    /* Past the end of a region, and across two regions (hole and bitmap between). */
    expect_free_refused(&p, pg(&a, 32), 2);
    expect_free_refused(&p, pg(&a, 31), 3);
    expect_free_refused(&p, pg(&a, 19), 4);
    expect_free_refused(&p, pg(&a, 31), UINT64_MAX);
    expect_free_refused(&p, x, UINT64_MAX);
    /* Not page aligned, inside a page of an allocated range. */
    expect_free_refused(&p, x + 1, 1);
    expect_free_refused(&p, x + PG - 1, 1);
    /* Foreign addresses: bitmap pages, the hole, outside the arena, on the stack, zero, top. */
    expect_free_refused(&p, pg(&a, 0), 1);
    expect_free_refused(&p, pg(&a, 21), 1);
    expect_free_refused(&p, pg(&a, 20), 1);
    expect_free_refused(&p, pg(&a, 33), 1);
    expect_free_refused(&p, a.base - PG, 2);
    expect_free_refused(&p, ((uint64_t)(uintptr_t)&local) & ~(PG - 1), 1);
    expect_free_refused(&p, 0, 1);
    expect_free_refused(&p, UINT64_MAX & ~(PG - 1), 1);
    /* Zero pages is not a range. */
    expect_free_refused(&p, x, 0);

    /* A wholly allocated sub-range may be freed; then the rest; not twice. */
    assert_int_equal(page_pool_free_pages(&p), 15 + 7);
    assert_true(page_pool_free(&p, x + PG, 2));
    assert_int_equal(page_pool_free_pages(&p), 15 + 7 + 2);
    expect_free_refused(&p, x + PG, 1);
    expect_free_refused(&p, x, 4);
    assert_true(page_pool_free(&p, x, 1));
    assert_true(page_pool_free(&p, x + 3 * PG, 1));
    expect_free_refused(&p, x + 3 * PG, 1);
    assert_true(page_pool_free(&p, pg(&a, 31), 2));
    assert_true(page_pool_free(&p, pg(&a, 22), 2));
    assert_int_equal(page_pool_free_pages(&p), 30);
    assert_int_equal(p.region[0].free, 19);
    assert_int_equal(p.region[1].free, 11);
    arena_put(&a);
}

/* ---- randomized model check ------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * UINT64_C(2685821657736338717);
}

static uint64_t rnd_below(struct rng *r, uint64_t n) { return rnd(r) % n; }

#define MODEL_PAGES 2048
#define MAX_LIVE    512

struct model {
    struct arena a;
    struct page_pool p;
    bool usable[MODEL_PAGES]; /* inside some region's allocatable pages */
    bool used[MODEL_PAGES];   /* allocated, as the model sees it */
    uint64_t nfree;
    struct {
        uint64_t idx, n;
    } live[MAX_LIVE];
    unsigned nlive;
};

/* The usable pages follow from the holes alone: maximal runs of whole pages outside every hole,
 * each minus its bitmap pages at the start; runs too small for bitmap + one page vanish. */
static void model_setup(struct model *m, struct rng *r)
{
    uint64_t holes[12][2];
    bool in_hole[MODEL_PAGES] = { false };
    unsigned nholes = (unsigned)rnd_below(r, 12);

    memset(m->usable, 0, sizeof(m->usable));
    memset(m->used, 0, sizeof(m->used));
    m->nlive = 0;
    for (unsigned i = 0; i < nholes; i++) {
        /* byte-granular holes, possibly reaching past either end of the arena */
        int64_t start = (int64_t)rnd_below(r, (MODEL_PAGES + 64) * PG) - 32 * (int64_t)PG;
        uint64_t len = rnd_below(r, 4) == 0 ? rnd_below(r, PG) : rnd_below(r, 200 * PG);
        holes[i][0] = (uint64_t)((int64_t)m->a.base + start);
        holes[i][1] = len;
        for (uint64_t pgi = 0; pgi < MODEL_PAGES; pgi++) {
            uint64_t lo = pg(&m->a, pgi), hi = lo + PG;
            if (len != 0 && holes[i][0] < hi && lo < holes[i][0] + len)
                in_hole[pgi] = true;
        }
    }
    pool_init(&m->p);
    assert_int_equal(page_pool_add(&m->p, m->a.base, MODEL_PAGES * PG, (const uint64_t(*)[2])holes, nholes), 0);

    unsigned regions = 0;
    m->nfree = 0;
    for (uint64_t i = 0; i < MODEL_PAGES;) {
        if (in_hole[i]) {
            i++;
            continue;
        }
        uint64_t j = i;
        while (j < MODEL_PAGES && !in_hole[j])
            j++;
        uint64_t bm = bm_pages(j - i);
        if (j - i > bm) {
            assert_true(regions < m->p.count);
            expect_region(&m->p, regions, pg(&m->a, i + bm), j - i - bm);
            for (uint64_t k = i + bm; k < j; k++)
                m->usable[k] = true;
            m->nfree += j - i - bm;
            regions++;
        }
        i = j;
    }
    assert_int_equal(m->p.count, regions);
    assert_int_equal(page_pool_free_pages(&m->p), m->nfree);
}

/* n usable free pages from idx on, all in one region (usable runs never touch each other:
 * a bitmap page or a hole lies between regions). */
static bool model_fits(const struct model *m, uint64_t idx, uint64_t n)
{
    if (idx + n > MODEL_PAGES)
        return false;
    for (uint64_t k = idx; k < idx + n; k++)
        if (!m->usable[k] || m->used[k])
            return false;
    return true;
}

static bool model_any_fit(const struct model *m, uint64_t n, uint64_t align)
{
    for (uint64_t i = 0; i < MODEL_PAGES; i++)
        if (pg(&m->a, i) % align == 0 && model_fits(m, i, n))
            return true;
    return false;
}

static bool model_all_used(const struct model *m, uint64_t pa, uint64_t n)
{
    if (pa < m->a.base || pa % PG || n == 0)
        return false;
    uint64_t idx = (pa - m->a.base) / PG;
    if (idx >= MODEL_PAGES || n > MODEL_PAGES - idx)
        return false;
    for (uint64_t k = idx; k < idx + n; k++)
        if (!m->used[k])
            return false;
    return true;
}

static void model_mark(struct model *m, uint64_t idx, uint64_t n, bool used)
{
    for (uint64_t k = idx; k < idx + n; k++)
        m->used[k] = used;
    m->nfree = used ? m->nfree - n : m->nfree + n;
}

/* Every bit of every bitmap equals the model. */
static void model_compare_bitmaps(const struct model *m)
{
    uint64_t sum = 0;
    for (unsigned k = 0; k < m->p.count; k++) {
        const struct pa_region *r = &m->p.region[k];
        uint64_t first = (r->base - m->a.base) / PG, used = 0;
        for (uint64_t i = 0; i < r->npages; i++) {
            bool bit = (r->bitmap[i / 64] >> (i % 64)) & 1;
            assert_int_equal(bit, m->used[first + i]);
            used += bit;
        }
        assert_int_equal(r->free, r->npages - used);
        sum += r->free;
    }
    assert_int_equal(sum, m->nfree);
}

static void model_alloc(struct model *m, struct rng *r)
{
    static const uint64_t aligns[] = { KiB(4), KiB(4), KiB(4), KiB(8), KiB(16), KiB(64), MiB(1), MiB(2) };
    uint64_t n = rnd_below(r, 8) ? 1 + rnd_below(r, 4) : 1 + rnd_below(r, 64);
    uint64_t align = aligns[rnd_below(r, 8)];
    uint64_t pa = page_pool_alloc(&m->p, n, align);

    if (pa == 0) {
        if (model_any_fit(m, n, align))
            fail_msg("alloc(%llu, 0x%llx) failed though the model has room", (unsigned long long)n,
                     (unsigned long long)align);
        return;
    }
    assert_int_equal(pa % align, 0);
    assert_true(pa >= m->a.base);
    uint64_t idx = (pa - m->a.base) / PG;
    if (!model_fits(m, idx, n))
        fail_msg("alloc(%llu, 0x%llx) = page %llu: not free and usable in the model", (unsigned long long)n,
                 (unsigned long long)align, (unsigned long long)idx);
    model_mark(m, idx, n, true);
    if (m->nlive < MAX_LIVE) {
        m->live[m->nlive].idx = idx;
        m->live[m->nlive++].n = n;
    }
}

/* Frees a live block, a piece of one, or something arbitrary; the result must match. */
static void model_free(struct model *m, struct rng *r)
{
    uint64_t pa, n;
    unsigned kind = (unsigned)rnd_below(r, 8);

    if (m->nlive && kind < 5) {
        unsigned i = (unsigned)rnd_below(r, m->nlive);
        uint64_t idx = m->live[i].idx, len = m->live[i].n;
        if (kind == 4 && len > 1) { /* a piece of it, or a piece running past it */
            uint64_t off = rnd_below(r, len);
            idx += off;
            len = 1 + rnd_below(r, len - off + 1);
        } else {
            m->live[i] = m->live[--m->nlive];
        }
        pa = pg(&m->a, idx);
        n = len;
    } else {
        /* anywhere around the arena, sometimes unaligned, sometimes zero pages */
        int64_t at = (int64_t)rnd_below(r, MODEL_PAGES + 8) - 4;
        pa = (uint64_t)((int64_t)m->a.base + at * (int64_t)PG);
        if (rnd_below(r, 8) == 0)
            pa += 1 + rnd_below(r, PG - 1);
        n = rnd_below(r, 6);
    }
    bool expect = model_all_used(m, pa, n);
    struct snapshot s;
    if (!expect)
        snap_take(&s, &m->p);
    bool got = page_pool_free(&m->p, pa, n);
    if (got != expect)
        fail_msg("free(page %lld + %llu, %llu) = %d, model says %d",
                 (long long)((int64_t)(pa - m->a.base) / (int64_t)PG), (unsigned long long)(pa % PG),
                 (unsigned long long)n, got, expect);
    if (got)
        model_mark(m, (pa - m->a.base) / PG, n, false);
    else
        snap_check_and_free(&s, &m->p);
}

static void test_random_model(void **state)
{
    struct model *m = calloc(1, sizeof(*m));
    unsigned long long ops = 0, allocs = 0, frees = 0;

    assert_non_null(m);
    arena_get(&m->a, MODEL_PAGES * PG, MiB(2));
    for (uint64_t seed = 1; seed <= 12; seed++) {
        struct rng r = { seed * UINT64_C(0x9e3779b97f4a7c15) };
        model_setup(m, &r);
        uint64_t before = page_pool_free_pages(&m->p);
        for (int op = 0; op < 4000; op++, ops++) {
            if (rnd_below(&r, 100) < 55) {
                model_alloc(m, &r);
                allocs++;
            } else {
                model_free(m, &r);
                frees++;
            }
            assert_int_equal(page_pool_free_pages(&m->p), m->nfree);
            if (op % 500 == 0)
                model_compare_bitmaps(m);
        }
        model_compare_bitmaps(m);
        /* Give everything back: the pool returns to where it started. */
        for (uint64_t i = 0; i < MODEL_PAGES; i++)
            if (m->used[i])
                assert_true(page_pool_free(&m->p, pg(&m->a, i), 1));
        assert_int_equal(page_pool_free_pages(&m->p), before);
    }
    print_message("model: %llu operations (%llu alloc, %llu free)\n", ops, allocs, frees);
    arena_put(&m->a);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_plain),
        cmocka_unit_test(test_add_unaligned),
        cmocka_unit_test(test_add_degenerate),
        cmocka_unit_test(test_holes),
        cmocka_unit_test(test_holes_cover_everything),
        cmocka_unit_test(test_empty_holes),
        cmocka_unit_test(test_too_many_regions),
        cmocka_unit_test(test_several_banks),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_free_refused),
        cmocka_unit_test(test_random_model),
    };

    return cmocka_run_group_tests_name("page_pool", tests, NULL, NULL);
}
