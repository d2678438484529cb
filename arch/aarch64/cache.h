/* Data cache maintenance by set/way (Arm ARM C5.3, DC CSW and DC CISW): the operand is the
 * set/way/level word those instructions take. Host tests see each operation as
 * a write of its operand to a stand-in register named after it (tests/host/stubs.c). */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <stdint.h>
#include "arch/aarch64/sysreg.h"

#ifndef HOST_TEST
/* Clean one line by set/way. */
static inline void dc_csw(uint64_t setway) { __asm__ volatile("dc csw, %0" ::"r"(setway) : "memory"); }
/* Clean and invalidate one line by set/way. */
static inline void dc_cisw(uint64_t setway) { __asm__ volatile("dc cisw, %0" ::"r"(setway) : "memory"); }
#else
static inline void dc_csw(uint64_t setway) { host_sysreg_write("dc_csw", setway); }
static inline void dc_cisw(uint64_t setway) { host_sysreg_write("dc_cisw", setway); }
#endif

/* Maintenance by address (Arm ARM C5.3, DC CVAC and IC IALLUIS; B2.4.5 on the points of
 * coherency and unification): what the hypervisor wrote through its cacheable mapping
 * reaches memory (the point of coherency) before a guest reads it with its MMU off
 * (Non-cacheable), and no instruction cache holds what was there before. Host tests supply
 * host_cache_op, a recording stand-in. */
#ifndef HOST_TEST
/* Clean one line, by virtual address, to the point of coherency. */
static inline void dc_cvac(uint64_t va) { __asm__ volatile("dc cvac, %0" ::"r"(va) : "memory"); }
/* Clean and invalidate one line, by virtual address, to the point of coherency: the next read
 * through the cacheable mapping sees what a guest with its MMU off wrote to memory. */
static inline void dc_civac(uint64_t va) { __asm__ volatile("dc civac, %0" ::"r"(va) : "memory"); }
/* Invalidate all instruction caches of the Inner Shareable domain to the point of unification. */
static inline void ic_ialluis(void) { __asm__ volatile("ic ialluis" ::: "memory"); }
#else
void host_cache_op(const char *op, uint64_t va);
static inline void dc_cvac(uint64_t va) { host_cache_op("dc_cvac", va); }
static inline void dc_civac(uint64_t va) { host_cache_op("dc_civac", va); }
static inline void ic_ialluis(void) { host_cache_op("ic_ialluis", 0); }
#endif

#endif
