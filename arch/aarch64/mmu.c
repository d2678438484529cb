#include "arch/aarch64/mmu.h"
#include "arch/aarch64/branch_prot.h"
#include "arch/aarch64/mte.h"
#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/sysreg.h"
#include "lib/log.h"

#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/sctlr.h"
#include "arch/aarch64/regs/tcr.h"

/* Table walks: 4 KiB granule, Inner Shareable, Write-Back Write-Allocate inside and out. */
#define TCR_EL2_WALK                                                                               \
    (REG_FIELD(TCR_RGN_WBWA, TCR_EL2_IRGN0_SHIFT) | REG_FIELD(TCR_RGN_WBWA, TCR_EL2_ORGN0_SHIFT) | \
     REG_FIELD(TCR_SH_INNER, TCR_EL2_SH0_SHIFT) | REG_FIELD(TCR_TG0_4K, TCR_EL2_TG0_SHIFT))

static struct pgtable el2_pt;
static unsigned va_bits;
static struct mmu_page_ops pages; /* the caller's allocator (mmu_init) */

static void *alloc_table(void *ctx) { return pages.alloc(); }
static void free_table(void *ctx, void *t) { pages.free(t); }
static void tlb_flush(void *ctx, uint64_t va, uint64_t size)
{
    __asm__ volatile("dsb ishst; tlbi alle2is; dsb ish; isb" ::: "memory");
}
static void sync_tables(void *ctx) { dsb_ishst(); }

static const struct pt_ops el2_ops = {
    .alloc_table = alloc_table,
    .free_table = free_table,
    .tlb_flush = tlb_flush,
    .sync = sync_tables,
};

static uint64_t attrs_of(enum mmu_kind kind)
{
    switch (kind) {
    case MMU_TEXT:
        return PT_S1_TEXT | (branch_prot_has_bti() ? PT_S1_GP : 0);
    case MMU_RODATA:
        return PT_S1_RODATA;
    case MMU_DEVICE:
        return PT_S1_DEVICE;
    default:
        return PT_S1_DATA;
    }
}

void mmu_init(const struct mmu_page_ops *ops)
{
    pages = *ops;
    va_bits = pa_range_bits() > 48 ? 48 : pa_range_bits();
    if (pt_init(&el2_pt, va_bits, &el2_ops, 0) < 0)
        panic("EL2 page tables: cannot allocate the root table\n");
}

void mmu_map(uint64_t pa, uint64_t size, enum mmu_kind kind)
{
    if (size == 0)
        return;
    uint64_t start = pa & ~0xfffUL, end = (pa + size + 0xfff) & ~0xfffUL;
    int err = pt_map(&el2_pt, start, start, end - start, attrs_of(kind), PT_REPLACE);
    if (err < 0)
        panic("EL2 page tables: mapping %lx+%lx failed (%d)\n", (unsigned long)start, (unsigned long)(end - start),
              err);
}

void mmu_unmap(uint64_t pa, uint64_t size)
{
    int err = pt_unmap(&el2_pt, pa & ~0xfffUL, (size + 0xfff) & ~0xfffUL);
    if (err < 0)
        panic("EL2 page tables: unmapping %lx+%lx failed (%d)\n", (unsigned long)pa, (unsigned long)size, err);
}

unsigned mmu_va_bits(void) { return va_bits; }

/* PS encodes like PARange; 52 bits would need FEAT_LPA2, so cap at 48. */
static uint64_t tcr_ps(void)
{
    uint64_t r = ID_FIELD_GET(sysreg_read(id_aa64mmfr0_el1), ID_AA64MMFR0_EL1_PARANGE);
    return r > TCR_PS_48 ? TCR_PS_48 : r;
}

/* Turns on pointer authentication (branch_prot_install): this function's own return address
 * was not signed, so it must not authenticate it. */
__attribute__((target("branch-protection=none"))) void mmu_enable(void)
{
    /* With tag storage (FEAT_MTE2), EL2's Normal memory is Tagged and SCTLR_EL2.ATA lets it
     * write Allocation Tags (DC GZVA clears a VM's, arch/aarch64/mte.h); TCF stays 0, so EL2's
     * own accesses are never tag checked (Arm ARM D10.5). */
    bool tags = mte_tag_memory();
    uint64_t mair = PT_MAIR_VALUE;
    if (tags)
        mair = (mair & ~MAIR_ATTR(PT_MAIR_NORMAL_WB_IDX, 0xff)) |
               MAIR_ATTR(PT_MAIR_NORMAL_WB_IDX, MAIR_ATTR_NORMAL_TAGGED);
    sysreg_write(mair_el2, mair);
    sysreg_write(tcr_el2, TCR_EL2_RES1 | REG_FIELD(64 - va_bits, TCR_EL2_T0SZ_SHIFT) | TCR_EL2_WALK |
                              REG_FIELD(tcr_ps(), TCR_EL2_PS_SHIFT));
    sysreg_write(ttbr0_el2, (uint64_t)(uintptr_t)el2_pt.root);
    __asm__ volatile("dsb ish; tlbi alle2; dsb ish; ic iallu; dsb ish; isb" ::: "memory");
    uint64_t protect = branch_prot_install();
    sysreg_write(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN | protect |
                                (tags ? SCTLR_ATA : 0));
    isb();
}
