/* The hypervisor's own address space: EL2 stage 1, identity-mapped (VA == PA). */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>

enum mmu_kind { MMU_RAM, MMU_DEVICE, MMU_TEXT, MMU_RODATA };

/* Builds the tables (boot CPU, MMU still off). */
void mmu_init(void);
/* Adds a mapping; panics on failure (only boot-time callers). */
void mmu_map(uint64_t pa, uint64_t size, enum mmu_kind kind);
/* Turns the MMU and caches on for the calling CPU with the shared tables. */
void mmu_enable(void);
unsigned mmu_va_bits(void);

#endif
