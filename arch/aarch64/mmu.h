/* The hypervisor's own address space: EL2 stage 1, identity-mapped (VA == PA). */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>

enum mmu_kind { MMU_RAM, MMU_DEVICE, MMU_TEXT, MMU_RODATA };

/* Where the tables' pages come from (the caller's page allocator): alloc returns one zeroed,
 * 4 KiB-aligned page or NULL; free gives one back. */
struct mmu_page_ops {
    void *(*alloc)(void);
    void (*free)(void *page);
};

/* Builds the tables (boot CPU, MMU still off) with pages from ops (copied). */
void mmu_init(const struct mmu_page_ops *ops);
/* Adds a mapping; panics on failure (only boot-time callers). */
void mmu_map(uint64_t pa, uint64_t size, enum mmu_kind kind);
/* Removes a mapping (a guard page); panics on failure (only boot-time callers). */
void mmu_unmap(uint64_t pa, uint64_t size);
/* Turns the MMU and caches on for the calling CPU with the shared tables. */
void mmu_enable(void);
unsigned mmu_va_bits(void);

#endif
