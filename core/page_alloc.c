/* The hypervisor's page pool: RAM from the DTB minus what is already in use. */
#include "core/page_alloc.h"
#include "core/platform.h"
#include "core/image.h"
#include "core/console.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/aarch64/sysreg.h"

static struct page_pool pool;
static spinlock_t pool_lock = SPINLOCK_INIT;
static uint64_t total_pages;

void page_alloc_init(void)
{
    uint64_t holes[PLAT_MAX_RESERVED + 2][2];
    unsigned n = 0;
    holes[n][0] = image_base();
    holes[n++][1] = image_loaded_size();
    holes[n][0] = (uint64_t)(uintptr_t)platform.dtb;
    holes[n++][1] = platform.dtb_size;
    for (unsigned i = 0; i < platform.reserved_count; i++) {
        holes[n][0] = platform.reserved[i].base;
        holes[n++][1] = platform.reserved[i].size;
    }
    for (unsigned i = 0; i < platform.mem_count; i++)
        if (page_pool_add(&pool, platform.mem[i].base, platform.mem[i].size, holes, n) < 0)
            printk("elvisor: page allocator: too many memory fragments, ignoring some RAM\n");
    total_pages = page_pool_free_pages(&pool);
}

void *page_alloc(uint64_t npages, uint64_t align)
{
    uint64_t flags = irq_save();
    spin_lock(&pool_lock);
    uint64_t pa = page_pool_alloc(&pool, npages, align);
    spin_unlock(&pool_lock);
    irq_restore(flags);
    if (pa)
        memset((void *)(uintptr_t)pa, 0, npages * PA_PAGE_SIZE);
    return (void *)(uintptr_t)pa;
}

void page_free(void *pa, uint64_t npages)
{
    uint64_t flags = irq_save();
    spin_lock(&pool_lock);
    bool ok = page_pool_free(&pool, (uint64_t)(uintptr_t)pa, npages);
    spin_unlock(&pool_lock);
    irq_restore(flags);
    if (!ok)
        panic("page_free(%p, %lu): not an allocated range\n", pa, (unsigned long)npages);
}

uint64_t page_free_count(void) { return page_pool_free_pages(&pool); }
uint64_t page_total_count(void) { return total_pages; }
