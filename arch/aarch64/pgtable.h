/*
 * VMSAv8-64 translation tables, 4 KiB granule, 48-bit output addresses: the hypervisor's EL2
 * stage 1 and each VM's stage 2 (Arm ARM DDI 0487, D8 "The AArch64 Virtual Memory System
 * Architecture", D8.3 "Translation table descriptor formats").
 *
 * Pure logic. Table memory, TLB maintenance and barriers come in through struct pt_ops.
 * Not thread-safe: the caller serialises operations on one table (hardware walkers may run
 * concurrently; every change they can see is made with break-before-make).
 */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/aarch64/regs/mair.h"

#define PT_OK          0
#define PT_E_INVAL     (-1) /* bad alignment, range, attributes or arguments */
#define PT_E_NOMEM     (-2) /* alloc_table returned NULL */
#define PT_E_OVERLAP   (-3) /* part of the range is mapped and PT_REPLACE was not given */
#define PT_E_NOTMAPPED (-4) /* pt_walk: no valid translation */

#define PT_PAGE_SHIFT 12
#define PT_PAGE_SIZE  (UINT64_C(1) << PT_PAGE_SHIFT)
#define PT_ENTRIES    512
#define PT_PA_BITS    48

/* Block sizes by level: level 1 = 1 GiB, level 2 = 2 MiB, level 3 = 4 KiB pages. */
#define PT_LEVEL_SHIFT(l) (PT_PAGE_SHIFT + 9u * (3u - (unsigned)(l)))
#define PT_LEVEL_SIZE(l)  (UINT64_C(1) << PT_LEVEL_SHIFT(l))

/*
 * Descriptor attribute bits (Arm ARM DDI 0487K.a D8.3 "Translation table descriptor formats",
 * block and page descriptors: lower attributes [11:2], upper attributes [63:50]). pt_map() takes and pt_walk()
 * returns only these bits; the output address and descriptor type are the module's business.
 */
#define PT_ATTR_MASK (UINT64_C(0xfffc000000000ffc))
#define PT_AF        (UINT64_C(1) << 10) /* access flag */
#define PT_SH_NONE   (UINT64_C(0) << 8)
#define PT_SH_OUTER  (UINT64_C(2) << 8)
#define PT_SH_INNER  (UINT64_C(3) << 8)
#define PT_CONTIG    (UINT64_C(1) << 52) /* refused: needs aligned groups of 16 */

/* Stage 1, EL2 regime with HCR_EL2.E2H=0 (one privilege level): AttrIndx [4:2] selects a MAIR
 * byte; AP[2:1] [7:6] with AP[1] RES1 (Arm ARM D8.4.1.2.1, "For a stage 1 translation that
 * supports one Exception level, AP[1] is RES1"); XN is bit 54 (PXN, bit 53, is RES0). UXN/PXN
 * are the EL1&0 / EL2&0 meanings of bits 54/53. */
#define PT_S1_ATTRIDX(n) (((uint64_t)(n)&7u) << 2)
#define PT_S1_AP_RW      (UINT64_C(1) << 6) /* AP[2:1] = 0b01 */
#define PT_S1_AP_RO      (UINT64_C(3) << 6) /* AP[2:1] = 0b11 */
#define PT_S1_XN         (UINT64_C(1) << 54)
#define PT_S1_UXN        (UINT64_C(1) << 54)
#define PT_S1_PXN        (UINT64_C(1) << 53)
#define PT_S1_GP         (UINT64_C(1) << 50) /* FEAT_BTI: guarded page (D8.3.2) */

/* MAIR_EL2 layout this module's constructors assume (regs/mair.h). */
#define PT_MAIR_NORMAL_WB_IDX    0
#define PT_MAIR_DEVICE_nGnRE_IDX 1
#define PT_MAIR_NORMAL_NC_IDX    2
#define PT_MAIR_VALUE                                              \
    (MAIR_ATTR(PT_MAIR_NORMAL_WB_IDX, MAIR_ATTR_NORMAL_WB) |       \
     MAIR_ATTR(PT_MAIR_DEVICE_nGnRE_IDX, MAIR_ATTR_DEVICE_nGnRE) | \
     MAIR_ATTR(PT_MAIR_NORMAL_NC_IDX, MAIR_ATTR_NORMAL_NC))

#define PT_S1_NORMAL (PT_S1_ATTRIDX(PT_MAIR_NORMAL_WB_IDX) | PT_SH_INNER | PT_AF)
#define PT_S1_TEXT   (PT_S1_NORMAL | PT_S1_AP_RO)            /* RX */
#define PT_S1_RODATA (PT_S1_NORMAL | PT_S1_AP_RO | PT_S1_XN) /* R */
#define PT_S1_DATA   (PT_S1_NORMAL | PT_S1_AP_RW | PT_S1_XN) /* RW */
#define PT_S1_DEVICE (PT_S1_ATTRIDX(PT_MAIR_DEVICE_nGnRE_IDX) | PT_AF | PT_S1_AP_RW | PT_S1_XN)
#define PT_S1_NC     (PT_S1_ATTRIDX(PT_MAIR_NORMAL_NC_IDX) | PT_SH_INNER | PT_AF | PT_S1_AP_RW | PT_S1_XN)

/* Stage 2 (Arm ARM D8.3, stage 2 block/page attributes; D8, "Stage 2 memory type and
 * Cacheability attributes when FEAT_S2FWB is disabled"): MemAttr [5:2], S2AP [7:6], XN[1]
 * bit 54 (execute-never at EL1 and EL0; with FEAT_XNX bit 53 refines it). */
#define PT_S2_MEMATTR(x)           (((uint64_t)(x)&0xfu) << 2)
#define PT_S2_MEMATTR_NORMAL_WB    0xfu /* Outer WB, Inner WB */
#define PT_S2_MEMATTR_NORMAL_NC    0x5u /* Outer NC, Inner NC */
#define PT_S2_MEMATTR_DEVICE_nGnRE 0x1u
#define PT_S2_AP_NONE              (UINT64_C(0) << 6)
#define PT_S2_AP_RO                (UINT64_C(1) << 6)
#define PT_S2_AP_WO                (UINT64_C(2) << 6)
#define PT_S2_AP_RW                (UINT64_C(3) << 6)
#define PT_S2_XN                   (UINT64_C(1) << 54)

#define PT_S2_RAM       (PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB) | PT_S2_AP_RW | PT_SH_INNER | PT_AF)
#define PT_S2_RAM_RO    (PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB) | PT_S2_AP_RO | PT_SH_INNER | PT_AF)
#define PT_S2_DEVICE    (PT_S2_MEMATTR(PT_S2_MEMATTR_DEVICE_nGnRE) | PT_S2_AP_RW | PT_AF | PT_S2_XN)
#define PT_S2_DEVICE_RO (PT_S2_MEMATTR(PT_S2_MEMATTR_DEVICE_nGnRE) | PT_S2_AP_RO | PT_AF | PT_S2_XN)

struct pt_ops {
    /* A zeroed, 4 KiB-aligned 4 KiB page, NULL when out of memory. Its address is also its
	 * physical address (the hypervisor identity-maps its heap). */
    void *(*alloc_table)(void *ctx);
    void (*free_table)(void *ctx, void *table);
    /* Invalidate cached translations (and walk-cache entries) for [va, va + size) after a
	 * valid entry was made invalid. May be NULL (tables not yet live). */
    void (*tlb_flush)(void *ctx, uint64_t va, uint64_t size);
    /* Make descriptor writes visible to the table walker (DSB ISHST). May be NULL. */
    void (*sync)(void *ctx);
};

struct pgtable {
    uint64_t *root;   /* 4 KiB table; its address goes into TTBR0_EL2 / VTTBR_EL2 */
    int start_level;  /* 0, 1 or 2: for VTCR_EL2.SL0 / the walk's initial level */
    unsigned va_bits; /* input address size: T0SZ = 64 - va_bits */
    const struct pt_ops *ops;
    void *ctx;
};

/* pt_map() flags */
#define PT_REPLACE 1u /* overwrite existing mappings (break-before-make) */

/*
 * Allocate an empty root. va_bits 25..48; the walk starts at level 0 when va_bits > 39,
 * level 1 when > 30, else level 2, so the root always fits one page with
 * 2^(va_bits - PT_LEVEL_SHIFT(start_level)) entries (no concatenated stage 2 roots).
 */
int pt_init(struct pgtable *pt, unsigned va_bits, const struct pt_ops *ops, void *ctx);

/*
 * Map [va, va + size) to [pa, pa + size) with `attrs` (PT_ATTR_MASK bits, PT_CONTIG refused),
 * using 1 GiB and 2 MiB blocks wherever va and pa alignment allow, else 4 KiB pages.
 * va, pa, size: 4 KiB aligned, size > 0, va + size <= 2^va_bits, pa + size <= 2^48.
 * Without PT_REPLACE any valid mapping in the range fails the call with PT_E_OVERLAP before
 * anything changes. With PT_REPLACE, blocks that are only partly covered are split (the new
 * table reproduces the rest of the block) and every valid entry replaced goes through
 * break-before-make: write invalid, sync, tlb_flush, write the new descriptor.
 * PT_E_NOMEM: without PT_REPLACE the call is rolled back (the range is unmapped again and
 * tables it created are freed); with PT_REPLACE each page of the range keeps either its old
 * or its new mapping, never anything else, and the call can be repeated.
 */
int pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs, unsigned flags);

/*
 * Unmap [va, va + size) (4 KiB aligned; unmapped parts are skipped). Blocks partly covered
 * are split, tables left empty are freed, tlb_flush runs for each invalidated entry.
 * PT_E_NOMEM (only possible when a block must be split): pages keep either their old
 * mapping or none; the call can be repeated.
 */
int pt_unmap(struct pgtable *pt, uint64_t va, uint64_t size);

/* Translate va: PT_OK, PT_E_NOTMAPPED, or PT_E_INVAL when va >= 2^va_bits. Any output
 * pointer may be NULL. */
int pt_walk(const struct pgtable *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, int *level);

/* Free every table including the root. The tables must no longer be live. */
void pt_destroy(struct pgtable *pt);

#endif /* ARCH_PGTABLE_H */
