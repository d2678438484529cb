/* libFuzzer harness for arch/aarch64/pgtable.c.
 *
 * The input is a program: an IPA size, then map / unmap / walk operations (with addresses,
 * sizes and output offsets drawn near page, 2 MiB and 1 GiB boundaries and the ends of the
 * input range) and injected table-allocation failures. A reference model, a sorted list of
 * mapped intervals, predicts every result code. After each operation every valid leaf of the
 * real tables is enumerated and must describe exactly the model's mappings; the tables must
 * hold no empty subtable and leak nothing, and every TLB flush must come after the entry was
 * made invalid and synced (break-before-make). After an allocation failure, PT_E_NOMEM's
 * documented guarantees are checked page by page at every boundary, then the call is
 * repeated and must succeed. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/pgtable.h"

#include "tests/host/check.h"

#define PG   PT_PAGE_SIZE
#define MiB2 (UINT64_C(1) << 21)
#define GiB1 (UINT64_C(1) << 30)

/* ---- fake table memory and TLB ---------------------------------------------------------- */

struct fake {
    struct pgtable *pt;
    unsigned allocs, frees;
    unsigned fail_at; /* 1-based allocation (counting from arming) that fails */
    unsigned armed_allocs;
    bool synced;
    unsigned flushes;
};

static struct fake fk;

static void *fake_alloc(void *ctx)
{
    struct fake *f = ctx;
    if (f->fail_at && ++f->armed_allocs == f->fail_at) {
        f->fail_at = 0;
        return NULL;
    }
    void *p = aligned_alloc(PG, PG);
    CHECK(p != NULL);
    memset(p, 0, PG);
    f->allocs++;
    return p;
}

static void fake_free(void *ctx, void *t)
{
    struct fake *f = ctx;
    f->frees++;
    free(t);
}

static void fake_sync(void *ctx) { ((struct fake *)ctx)->synced = true; }

/* Break-before-make: by the time of the flush the entry is invalid and that write was synced;
 * the flushed range is one whole entry. */
static void fake_flush(void *ctx, uint64_t va, uint64_t size)
{
    struct fake *f = ctx;
    CHECK(f->synced);
    CHECK(size == PG || size == MiB2 || size == GiB1 || size == (UINT64_C(1) << 39));
    CHECK((va & (size - 1)) == 0);
    uint64_t probe[3] = { va, va + size / 2, va + size - PG };
    for (int i = 0; i < 3; i++)
        CHECK(pt_walk(f->pt, probe[i], NULL, NULL, NULL) == PT_E_NOTMAPPED);
    f->synced = false;
    f->flushes++;
}

static const struct pt_ops ops = {
    .alloc_table = fake_alloc,
    .free_table = fake_free,
    .tlb_flush = fake_flush,
    .sync = fake_sync,
};

/* ---- the model -------------------------------------------------------------------------- */

#define MAX_IV     512   /* model intervals: a few per operation */
#define MAX_LEAVES 32768 /* real leaves: page-granular maps are capped at 4 MiB each */

struct iv {
    uint64_t va, size; /* [va, va + size) */
    uint64_t delta;    /* pa - va */
    uint64_t attrs;
};

struct model {
    struct iv iv[MAX_IV];
    unsigned n;
};

static struct model cur, saved;

/* Removes [va, va + size) from the model, splitting intervals at its edges. */
static void model_remove(struct model *m, uint64_t va, uint64_t size)
{
    uint64_t end = va + size;
    static struct iv out[MAX_IV];
    unsigned n = 0;
    for (unsigned i = 0; i < m->n; i++) {
        struct iv v = m->iv[i];
        uint64_t ve = v.va + v.size;
        if (ve <= va || v.va >= end) {
            out[n++] = v;
            continue;
        }
        if (v.va < va) {
            CHECK(n < MAX_IV);
            out[n++] = (struct iv){ v.va, va - v.va, v.delta, v.attrs };
        }
        if (ve > end) {
            CHECK(n < MAX_IV);
            out[n++] = (struct iv){ end, ve - end, v.delta, v.attrs };
        }
    }
    memcpy(m->iv, out, n * sizeof(out[0]));
    m->n = n;
}

static void model_add(struct model *m, uint64_t va, uint64_t size, uint64_t delta, uint64_t attrs)
{
    model_remove(m, va, size);
    CHECK(m->n < MAX_IV);
    unsigned i = m->n;
    while (i > 0 && m->iv[i - 1].va > va) {
        m->iv[i] = m->iv[i - 1];
        i--;
    }
    m->iv[i] = (struct iv){ va, size, delta, attrs };
    m->n++;
}

static bool model_overlaps(const struct model *m, uint64_t va, uint64_t size)
{
    for (unsigned i = 0; i < m->n; i++)
        if (m->iv[i].va < va + size && va < m->iv[i].va + m->iv[i].size)
            return true;
    return false;
}

static const struct iv *model_find(const struct model *m, uint64_t va)
{
    for (unsigned i = 0; i < m->n; i++)
        if (va >= m->iv[i].va && va - m->iv[i].va < m->iv[i].size)
            return &m->iv[i];
    return NULL;
}

/* Merges neighbours that continue each other (same delta and attributes). */
static unsigned coalesce(struct iv *v, unsigned n)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (k > 0 && v[k - 1].va + v[k - 1].size == v[i].va && v[k - 1].delta == v[i].delta &&
            v[k - 1].attrs == v[i].attrs)
            v[k - 1].size += v[i].size;
        else
            v[k++] = v[i];
    }
    return k;
}

/* ---- the real tables, enumerated -------------------------------------------------------- */

static struct iv leaves[MAX_LEAVES];
static unsigned nleaves;
static bool too_many_leaves;

static unsigned entries(const struct pgtable *pt, int level)
{
    return level == pt->start_level ? 1u << (pt->va_bits - PT_LEVEL_SHIFT(level)) : PT_ENTRIES;
}

/* Collects leaves in VA order; returns the number of tables below (and including) t. */
static unsigned enumerate(const struct pgtable *pt, const uint64_t *t, int level, uint64_t base)
{
    unsigned tables = 1, valid = 0;
    for (unsigned i = 0; i < entries(pt, level); i++) {
        uint64_t d = t[i];
        uint64_t va = base + (uint64_t)i * PT_LEVEL_SIZE(level);
        if (!(d & 1))
            continue;
        valid++;
        if (level < 3 && (d & 3) == 3) {
            tables += enumerate(pt, (const uint64_t *)(uintptr_t)(d & UINT64_C(0xfffffffff000)), level + 1, va);
            continue;
        }
        /* a block at level 1 or 2, a page at level 3; nothing else is valid */
        CHECK(level == 3 ? (d & 3) == 3 : (level >= 1 && (d & 3) == 1));
        uint64_t pa = d & UINT64_C(0x0000fffffffff000);
        CHECK((pa & (PT_LEVEL_SIZE(level) - 1)) == 0);
        if (nleaves == MAX_LEAVES) {
            too_many_leaves = true;
            continue;
        }
        leaves[nleaves++] = (struct iv){ va, PT_LEVEL_SIZE(level), pa - va, d & PT_ATTR_MASK };
    }
    if (level != pt->start_level)
        CHECK(valid > 0); /* empty tables are freed */
    return tables;
}

static void check_tree(const struct pgtable *pt)
{
    nleaves = 0;
    too_many_leaves = false;
    unsigned tables = enumerate(pt, pt->root, pt->start_level, 0);
    CHECK(tables == fk.allocs - fk.frees);
}

/* Exact equality of the tables and the model. */
static void check_exact(const struct pgtable *pt)
{
    check_tree(pt);
    if (too_many_leaves)
        return;
    static struct iv want[MAX_IV];
    memcpy(want, cur.iv, cur.n * sizeof(want[0]));
    unsigned nw = coalesce(want, cur.n);
    unsigned nl = coalesce(leaves, nleaves);
    CHECK(nl == nw);
    for (unsigned i = 0; i < nl; i++) {
        CHECK(leaves[i].va == want[i].va && leaves[i].size == want[i].size);
        CHECK(leaves[i].delta == want[i].delta && leaves[i].attrs == want[i].attrs);
    }
}

/* What one page translates to: mapped, pa, attrs. */
struct xlat {
    bool mapped;
    uint64_t pa, attrs;
};

static struct xlat model_xlat(const struct model *m, uint64_t va)
{
    const struct iv *v = model_find(m, va);
    return v ? (struct xlat){ true, va + v->delta, v->attrs } : (struct xlat){ false, 0, 0 };
}

static struct xlat real_xlat(const struct pgtable *pt, uint64_t va)
{
    struct xlat x = { false, 0, 0 };
    int rc = pt_walk(pt, va, &x.pa, &x.attrs, NULL);
    CHECK(rc == PT_OK || rc == PT_E_NOTMAPPED);
    x.mapped = rc == PT_OK;
    return x;
}

static bool same(struct xlat a, struct xlat b)
{
    return a.mapped == b.mapped && (!a.mapped || (a.pa == b.pa && a.attrs == b.attrs));
}

/* After PT_E_NOMEM: every page is as before, or (inside the range) as the call would have
 * left it. Translations are linear between the edges of the real leaves, of both models'
 * intervals and of the range, so checking at each of those edges covers every page. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void check_old_or_new(const struct pgtable *pt, const struct model *before, const struct model *after,
                             uint64_t va, uint64_t size)
{
    static uint64_t pts[2 * (MAX_LEAVES + 2 * MAX_IV) + 4];
    uint64_t limit = UINT64_C(1) << pt->va_bits;
    unsigned n = 0;

    if (too_many_leaves)
        return;
    pts[n++] = 0;
    pts[n++] = va;
    pts[n++] = va + size;
    for (unsigned i = 0; i < nleaves; i++) {
        pts[n++] = leaves[i].va;
        pts[n++] = leaves[i].va + leaves[i].size;
    }
    const struct model *ms[2] = { before, after };
    for (int k = 0; k < 2; k++) {
        for (unsigned i = 0; i < ms[k]->n; i++) {
            pts[n++] = ms[k]->iv[i].va;
            pts[n++] = ms[k]->iv[i].va + ms[k]->iv[i].size;
        }
    }
    qsort(pts, n, sizeof(pts[0]), cmp_u64);
    for (unsigned i = 0; i < n; i++) {
        uint64_t p = pts[i];
        if (p >= limit || (i > 0 && p == pts[i - 1]))
            continue;
        struct xlat r = real_xlat(pt, p), o = model_xlat(before, p);
        bool inside = p >= va && p - va < size;
        CHECK(same(r, o) || (inside && same(r, model_xlat(after, p))));
    }
}

/* ---- the program ------------------------------------------------------------------------ */

struct cursor {
    const uint8_t *p;
    size_t n;
};

static uint8_t take8(struct cursor *c)
{
    if (c->n == 0)
        return 0;
    c->n--;
    return *c->p++;
}

static uint64_t take64(struct cursor *c)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | take8(c);
    return v;
}

static uint64_t pick_va(struct cursor *c, uint64_t limit)
{
    uint8_t k = take8(c), m = take8(c);
    switch (k % 8) {
    case 0:
        return (uint64_t)m * PG;
    case 1:
        return (uint64_t)(m % 16) * MiB2 + (uint64_t)(take8(c) % 4) * PG;
    case 2:
        return (uint64_t)(m % 4) * GiB1 + (uint64_t)(take8(c) % 4) * MiB2;
    case 3:
        return limit - (uint64_t)(m + 1) * PG;
    case 4:
        return limit - (uint64_t)(m % 4 + 1) * MiB2;
    case 5:
        return (uint64_t)(m % 16) * MiB2 - PG * (1 + take8(c) % 2);
    case 6:
        return (uint64_t)m * PG + 0x800; /* misaligned */
    default:
        return take64(c);
    }
}

static uint64_t pick_size(struct cursor *c)
{
    uint8_t k = take8(c), m = take8(c);
    switch (k % 7) {
    case 0:
        return (uint64_t)(1 + m % 32) * PG;
    case 1:
        return (uint64_t)(1 + m % 4) * MiB2;
    case 2:
        return (uint64_t)(1 + m % 4) * MiB2 + (uint64_t)(1 + take8(c) % 3) * PG;
    case 3:
        return (uint64_t)(1 + m % 2) * GiB1;
    case 4:
        return GiB1 + MiB2 * (1 + m % 2) + PG;
    case 5:
        return (uint64_t)m * 0x100; /* 0 or misaligned */
    default:
        return take64(c);
    }
}

static uint64_t pick_delta(struct cursor *c, uint64_t size)
{
    uint8_t k = take8(c), m = take8(c);
    uint64_t d;
    switch (k % 6) {
    case 0:
        d = 0;
        break;
    case 1:
        d = (uint64_t)m * PG;
        break;
    case 2:
        d = (uint64_t)m * MiB2;
        break;
    case 3:
        d = (uint64_t)(m % 64) * GiB1;
        break;
    case 4:
        d = (UINT64_C(1) << 48) - (uint64_t)m * MiB2;
        break; /* pa near or past 2^48 */
    default:
        d = take64(c);
        break;
    }
    /* Keep large maps cheap: beyond 8 MiB, let 2 MiB blocks do the work. */
    if (size > 4 * MiB2)
        d &= ~(MiB2 - 1);
    return d;
}

static uint64_t pick_attrs(struct cursor *c)
{
    static const uint64_t set[] = {
        PT_S2_RAM,    PT_S2_RAM_RO, PT_S2_DEVICE, PT_S2_DEVICE_RO, PT_S1_TEXT,
        PT_S1_RODATA, PT_S1_DATA,   PT_S1_DEVICE, PT_S1_NC,        0,
    };
    uint8_t k = take8(c);
    if (k < 200)
        return set[k % 10];
    if (k < 230)
        return (take64(c) & PT_ATTR_MASK) & ~PT_CONTIG;
    return take64(c); /* usually invalid */
}

static bool range_ok(uint64_t va, uint64_t size, uint64_t limit)
{
    return size != 0 && !((va | size) & (PG - 1)) && va < limit && size <= limit - va;
}

static void do_map(struct pgtable *pt, uint64_t va, uint64_t size, uint64_t delta, uint64_t attrs, unsigned flags,
                   unsigned fail_at)
{
    uint64_t limit = UINT64_C(1) << pt->va_bits, pa = va + delta;
    const uint64_t palim = UINT64_C(1) << 48;
    int want;
    if (!range_ok(va, size, limit) || (pa & (PG - 1)) || pa >= palim || size > palim - pa || (attrs & ~PT_ATTR_MASK) ||
        (attrs & PT_CONTIG) || (flags & ~PT_REPLACE))
        want = PT_E_INVAL;
    else if (!(flags & PT_REPLACE) && model_overlaps(&cur, va, size))
        want = PT_E_OVERLAP;
    else
        want = PT_OK;

    fk.fail_at = fail_at;
    fk.armed_allocs = 0;
    int rc = pt_map(pt, va, pa, size, attrs, flags);
    bool failed = fk.fail_at == 0 && fail_at != 0; /* the injected failure happened */
    fk.fail_at = 0;

    CHECK(!failed || rc == PT_E_NOMEM); /* an allocation failure is never swallowed */
    if (want != PT_OK) {
        CHECK(rc == want);
        check_exact(pt);
        return;
    }
    if (rc == PT_E_NOMEM) {
        CHECK(failed);
        if (!(flags & PT_REPLACE)) {
            check_exact(pt); /* rolled back */
            return;
        }
        saved = cur;
        model_add(&saved, va, size, delta, attrs);
        check_tree(pt);
        check_old_or_new(pt, &cur, &saved, va, size);
        rc = pt_map(pt, va, pa, size, attrs, flags); /* the call can be repeated */
    }
    CHECK(rc == PT_OK);
    model_add(&cur, va, size, delta, attrs);
    check_exact(pt);
}

static void do_unmap(struct pgtable *pt, uint64_t va, uint64_t size, unsigned fail_at)
{
    uint64_t limit = UINT64_C(1) << pt->va_bits;

    fk.fail_at = fail_at;
    fk.armed_allocs = 0;
    int rc = pt_unmap(pt, va, size);
    bool failed = fk.fail_at == 0 && fail_at != 0;
    fk.fail_at = 0;
    CHECK(!failed || rc == PT_E_NOMEM);
    if (!range_ok(va, size, limit)) {
        CHECK(rc == PT_E_INVAL);
        check_exact(pt);
        return;
    }
    if (rc == PT_E_NOMEM) {
        CHECK(failed);
        saved = cur;
        model_remove(&saved, va, size);
        check_tree(pt);
        check_old_or_new(pt, &cur, &saved, va, size);
        rc = pt_unmap(pt, va, size);
    }
    CHECK(rc == PT_OK);
    model_remove(&cur, va, size);
    check_exact(pt);
}

/* Tables are 4 KiB allocations freed by the thousand: a small ASan quarantine keeps the
 * process from growing to gigabytes over a long run. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "quarantine_size_mb=32"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor c = { data, size };
    struct pgtable pt;
    unsigned va_bits = 25 + take8(&c) % 24; /* 25..48 */

    memset(&fk, 0, sizeof(fk));
    fk.pt = &pt;
    cur.n = 0;
    CHECK(pt_init(&pt, va_bits, &ops, &fk) == PT_OK);
    uint64_t limit = UINT64_C(1) << va_bits;

    unsigned fail_at = 0;
    for (unsigned step = 0; step < 48 && c.n > 0; step++) {
        uint8_t op = take8(&c);
        switch (op % 8) {
        case 0:
        case 1:
        case 2:
        case 3: {
            uint64_t va = pick_va(&c, limit), sz = pick_size(&c);
            uint64_t delta = pick_delta(&c, sz), attrs = pick_attrs(&c);
            unsigned flags = (op & 0x10) ? PT_REPLACE : 0;
            if ((op & 0xe0) == 0xe0)
                flags |= 2; /* unknown flag */
            /* Keep the number of entries a map writes in the thousands: huge maps only
             * repeat themselves, slowly. */
            if (range_ok(va, sz, limit)) {
                uint64_t align = va | (va + delta);
                uint64_t cap = (align & (MiB2 - 1)) ? 2 * MiB2 : (align & (GiB1 - 1)) ? 8 * GiB1 : 1024 * GiB1;
                if (sz > cap)
                    sz = cap;
            }
            do_map(&pt, va, sz, delta, attrs, flags, fail_at);
            fail_at = 0;
            break;
        }
        case 4:
        case 5: {
            uint64_t va = pick_va(&c, limit), sz = pick_size(&c);
            do_unmap(&pt, va, sz, fail_at);
            fail_at = 0;
            break;
        }
        case 6: {
            uint64_t va = (op & 0x80) ? take64(&c) : pick_va(&c, limit);
            uint64_t pa = 0, attrs = 0;
            int lvl = -1;
            int rc = pt_walk(&pt, va, &pa, &attrs, &lvl);
            if (va >= limit) {
                CHECK(rc == PT_E_INVAL);
                break;
            }
            struct xlat m = model_xlat(&cur, va & ~(PG - 1));
            CHECK(rc == (m.mapped ? PT_OK : PT_E_NOTMAPPED));
            if (m.mapped) {
                CHECK(pa == m.pa + (va & (PG - 1)) && attrs == m.attrs);
                CHECK(lvl >= 1 && lvl <= 3);
            }
            break;
        }
        default:
            fail_at = 1 + take8(&c) % 8; /* the next map or unmap */
            break;
        }
    }
    pt_destroy(&pt);
    CHECK(pt.root == NULL);
    CHECK(fk.allocs == fk.frees);
    return 0;
}
