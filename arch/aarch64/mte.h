/* Memory tagging at EL2 (FEAT_MTE2, Arm ARM D10): whether the machine has tag storage, and
 * zeroing guest RAM together with its Allocation Tags. EL2 maps RAM Tagged where tag storage
 * exists (arch/aarch64/mmu.c) and has SCTLR_EL2.ATA set, with TCF = 0: its own accesses are
 * never tag checked. */
#ifndef ARCH_AARCH64_MTE_H
#define ARCH_AARCH64_MTE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/mte.h"

/* FEAT_MTE2: the CPU reports tag storage (ID_AA64PFR1_EL1.MTE >= 2). QEMU reports 2 or more
 * only for a machine with tag memory (`-M virt,mte=on`: every RAM page has tags) and lowers it
 * to 1 otherwise; there is no device-tree binding that says which memory holds tags, so EL2
 * takes the CPU's word for all of RAM, as Linux does (docs/architecture.md "MTE"). */
static inline bool mte_tag_memory(void)
{
    return ID_FIELD_GET(sysreg_read(id_aa64pfr1_el1), ID_AA64PFR1_EL1_MTE) >= ID_MTE_MTE2;
}

#ifndef HOST_TEST
/* Zero [va, va + len) and set every Allocation Tag in it to 0 (DC GZVA, one DCZID_EL0 block at
 * a time; va and len multiples of the block, e.g. whole pages). EL2's mapping must be Tagged. */
static inline void mte_zero_tagged(uint64_t va, uint64_t len)
{
    uint64_t bs = 4u << (sysreg_read(dczid_el0) & DCZID_EL0_BS_MASK);
    for (uint64_t a = va; a < va + len; a += bs)
        __asm__ volatile(".arch_extension memtag\n dc gzva, %0" ::"r"(a) : "memory");
}
#else
void host_cache_op(const char *op, uint64_t va);
static inline void mte_zero_tagged(uint64_t va, uint64_t len) { host_cache_op("dc_gzva", va + 0 * len); }
#endif

#endif
