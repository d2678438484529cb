/* The pure part of the page allocator (see page_alloc.h). */
#include "core/page_alloc.h"

#define PAGE_MASK (PA_PAGE_SIZE - 1)

static bool bit_get(const uint64_t *bm, uint64_t i) { return (bm[i / 64] >> (i % 64)) & 1; }
static void bit_set(uint64_t *bm, uint64_t i) { bm[i / 64] |= 1ULL << (i % 64); }
static void bit_clear(uint64_t *bm, uint64_t i) { bm[i / 64] &= ~(1ULL << (i % 64)); }

/* Turns one hole-free span into a region whose bitmap sits in its first pages. */
static int add_span(struct page_pool *p, uint64_t start, uint64_t end)
{
    if (start > UINT64_MAX - PAGE_MASK) /* rounding up would wrap to address 0 */
        return 0;
    start = (start + PAGE_MASK) & ~PAGE_MASK;
    end &= ~PAGE_MASK;
    if (end <= start)
        return 0;
    uint64_t pages = (end - start) / PA_PAGE_SIZE;
    uint64_t bm_bytes = ((pages + 63) / 64) * 8;
    uint64_t bm_pages = (bm_bytes + PAGE_MASK) / PA_PAGE_SIZE;
    if (pages <= bm_pages)
        return 0;
    if (p->count == PA_MAX_REGIONS)
        return -1;
    struct pa_region *r = &p->region[p->count++];
    r->bitmap = (uint64_t *)(uintptr_t)start;
    r->base = start + bm_pages * PA_PAGE_SIZE;
    r->npages = pages - bm_pages;
    r->free = r->npages;
    for (uint64_t i = 0; i < bm_bytes / 8; i++)
        r->bitmap[i] = 0;
    return 0;
}

static uint64_t hole_end(const uint64_t *h) { return h[0] + h[1] < h[0] ? UINT64_MAX : h[0] + h[1]; }

int page_pool_add(struct page_pool *p, uint64_t base, uint64_t size, const uint64_t (*holes)[2], unsigned nholes)
{
    uint64_t cur = base, end = base + size;
    if (end < base)
        return -1;
    while (cur < end) {
        bool in_hole = false;
        for (unsigned i = 0; i < nholes; i++) {
            if (holes[i][0] <= cur && cur < hole_end(holes[i])) {
                cur = hole_end(holes[i]);
                in_hole = true;
            }
        }
        if (in_hole)
            continue;
        uint64_t span_end = end;
        /* An empty hole excludes nothing: it must not split the span. */
        for (unsigned i = 0; i < nholes; i++)
            if (holes[i][1] && holes[i][0] > cur && holes[i][0] < span_end)
                span_end = holes[i][0];
        if (add_span(p, cur, span_end) < 0)
            return -1;
        cur = span_end;
    }
    return 0;
}

static uint64_t region_alloc(struct pa_region *r, uint64_t npages, uint64_t align)
{
    uint64_t i = 0;
    while (i + npages <= r->npages) {
        uint64_t pa = r->base + i * PA_PAGE_SIZE;
        if (pa & (align - 1)) {
            uint64_t next = (pa + align - 1) & ~(align - 1);
            i = (next - r->base) / PA_PAGE_SIZE;
            continue;
        }
        uint64_t j = 0;
        while (j < npages && !bit_get(r->bitmap, i + j))
            j++;
        if (j == npages) {
            for (j = 0; j < npages; j++)
                bit_set(r->bitmap, i + j);
            r->free -= npages;
            return pa;
        }
        i += j + 1;
    }
    return 0;
}

uint64_t page_pool_alloc(struct page_pool *p, uint64_t npages, uint64_t align)
{
    if (npages == 0 || align < PA_PAGE_SIZE || (align & (align - 1)))
        return 0;
    for (unsigned k = 0; k < p->count; k++) {
        if (p->region[k].free < npages)
            continue;
        uint64_t pa = region_alloc(&p->region[k], npages, align);
        if (pa)
            return pa;
    }
    return 0;
}

bool page_pool_free(struct page_pool *p, uint64_t pa, uint64_t npages)
{
    if (npages == 0)
        return false;
    for (unsigned k = 0; k < p->count; k++) {
        struct pa_region *r = &p->region[k];
        if (pa < r->base || (pa & PAGE_MASK))
            continue;
        uint64_t i = (pa - r->base) / PA_PAGE_SIZE;
        if (i >= r->npages) /* above this region: another one may hold it */
            continue;
        if (npages > r->npages - i)
            return false;
        for (uint64_t j = 0; j < npages; j++)
            if (!bit_get(r->bitmap, i + j))
                return false;
        for (uint64_t j = 0; j < npages; j++)
            bit_clear(r->bitmap, i + j);
        r->free += npages;
        return true;
    }
    return false;
}

uint64_t page_pool_free_pages(const struct page_pool *p)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < p->count; k++)
        n += p->region[k].free;
    return n;
}
