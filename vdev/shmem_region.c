#include "vdev/shmem_region.h"
#include "core/page_alloc.h"
#include "core/vm_load.h"
#include "lib/log.h"
#include "lib/string.h"

static struct shmem_region regions[SHMEM_MAX_REGIONS];
static unsigned nr_regions;

struct shmem_region *shmem_region_get(const char *vm, const char *name, uint64_t size, unsigned nr_peers)
{
    for (unsigned i = 0; i < nr_regions; i++)
        if (strcmp(regions[i].name, name) == 0)
            return &regions[i]; /* size and peers come from the same configuration node */
    if (nr_regions == SHMEM_MAX_REGIONS) {
        printk("elvisor: VM '%s' refused: shared memory '%s': more than %d regions\n", vm, name, SHMEM_MAX_REGIONS);
        return 0;
    }
    /* Naturally aligned up to 2 MiB, so that stage 2 can map it with blocks. */
    void *pa = page_alloc(size / PA_PAGE_SIZE, size < 0x200000 ? size : 0x200000);
    if (!pa) {
        printk("elvisor: VM '%s' refused: shared memory '%s': %lu KiB requested, %lu KiB free\n", vm, name,
               (unsigned long)(size >> 10), (unsigned long)(page_free_count() * (PA_PAGE_SIZE >> 10)));
        return 0;
    }
    struct shmem_region *r = &regions[nr_regions++];
    memcpy(r->name, name, strlen(name) + 1);
    r->pa = (uint64_t)(uintptr_t)pa;
    r->size = size;
    r->nr_peers = nr_peers;
    /* page_alloc zeroed it through the cache; a guest with its MMU off reads memory itself,
     * and tags (MTE) must not leak from an earlier owner of the pages. */
    vm_load_zero_pa(r->pa, size);
    return r;
}

void shmem_region_join(struct shmem_region *r, unsigned peer, void *dev)
{
    if (peer < r->nr_peers)
        __atomic_store_n(&r->peer[peer], dev, __ATOMIC_RELEASE);
}

void shmem_region_leave(struct shmem_region *r, unsigned peer, void *dev)
{
    if (peer < r->nr_peers && r->peer[peer] == dev)
        __atomic_store_n(&r->peer[peer], (void *)0, __ATOMIC_RELEASE);
}

void *shmem_region_peer(struct shmem_region *r, unsigned i)
{
    return i < r->nr_peers ? __atomic_load_n(&r->peer[i], __ATOMIC_ACQUIRE) : 0;
}
