/* Physical page allocator over RAM minus the hypervisor image, the DTB and reserved regions.
 * One bitmap per usable range (a set bit is an allocated page), stored in the range itself.
 * Pure logic: unit-tested on the host. Addresses are physical; the hypervisor identity-maps RAM. */
#ifndef CORE_PAGE_ALLOC_H
#define CORE_PAGE_ALLOC_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PA_MAX_REGIONS 32
#define PA_PAGE_SIZE   4096UL

struct pa_region {
    uint64_t base; /* first allocatable page */
    uint64_t npages;
    uint64_t *bitmap;
    uint64_t free;
};

struct page_pool {
    struct pa_region region[PA_MAX_REGIONS];
    unsigned count;
};

/* Adds [base, base+size) minus the holes (sorted or not, may overlap) to the pool. */
int page_pool_add(struct page_pool *p, uint64_t base, uint64_t size, const uint64_t (*holes)[2], unsigned nholes);
/* npages contiguous pages aligned to align bytes (a power of two >= 4 KiB); 0 when none. */
uint64_t page_pool_alloc(struct page_pool *p, uint64_t npages, uint64_t align);
/* Returns false (and changes nothing) when the range was not wholly allocated. */
bool page_pool_free(struct page_pool *p, uint64_t pa, uint64_t npages);
uint64_t page_pool_free_pages(const struct page_pool *p);

/* The hypervisor's pool, locked: */
void page_alloc_init(void);
void *page_alloc(uint64_t npages, uint64_t align); /* zeroed; NULL when out of memory */
void page_free(void *pa, uint64_t npages);
uint64_t page_free_count(void);
uint64_t page_total_count(void);

#endif
