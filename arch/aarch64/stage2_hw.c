#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/vtcr.h"

/* Stage 2 walks: 4 KiB granule, Inner Shareable, Write-Back Write-Allocate inside and out;
 * VS = 0, 8-bit VMIDs. */
#define VTCR_EL2_WALK                                                                                \
    (REG_FIELD(TCR_RGN_WBWA, VTCR_EL2_IRGN0_SHIFT) | REG_FIELD(TCR_RGN_WBWA, VTCR_EL2_ORGN0_SHIFT) | \
     REG_FIELD(TCR_SH_INNER, VTCR_EL2_SH0_SHIFT) | REG_FIELD(TCR_TG0_4K, VTCR_EL2_TG0_SHIFT))

static unsigned ipa_limit = 48;

void stage2_limit_ipa_bits(unsigned bits)
{
    if (bits < ipa_limit)
        ipa_limit = bits;
}

unsigned stage2_ipa_bits(void)
{
    unsigned pa = pa_range_bits();
    if (pa > ipa_limit)
        pa = ipa_limit;
    return pa <= 42 ? 39 : pa;
}

void stage2_hw_init(void)
{
    unsigned bits = stage2_ipa_bits();
    /* The walk starts at level 0 above 39 bits, else at level 1, as pt_init() chose. */
    uint64_t sl0 = bits > 39 ? VTCR_EL2_SL0_4K_L0 : VTCR_EL2_SL0_4K_L1;
    uint64_t ps = ID_FIELD_GET(sysreg_read(id_aa64mmfr0_el1), ID_AA64MMFR0_EL1_PARANGE);
    if (ps > TCR_PS_48)
        ps = TCR_PS_48;
    sysreg_write(vtcr_el2, VTCR_EL2_RES1 | REG_FIELD(64 - bits, VTCR_EL2_T0SZ_SHIFT) |
                               REG_FIELD(sl0, VTCR_EL2_SL0_SHIFT) | VTCR_EL2_WALK | REG_FIELD(ps, VTCR_EL2_PS_SHIFT));
    isb();
    /* Whatever ran before the hypervisor (firmware, a boot loader at EL1) may have left EL1&0
     * translations tagged with a VMID a guest will get: gone before any guest runs. Every
     * CPU does this as it starts (boot only). */
    __asm__ volatile("dsb ishst; tlbi alle1is; dsb ish; isb" ::: "memory");
}

uint64_t stage2_vttbr(uint64_t root_pa, unsigned vmid)
{
    return root_pa | REG_FIELD(vmid & VTTBR_EL2_VMID8_MASK, VTTBR_EL2_VMID_SHIFT);
}

/* TLBI by VMID acts on the VMID in the current VTTBR_EL2, so switch to the target briefly. */
static uint64_t switch_vttbr(uint64_t vttbr)
{
    uint64_t old = sysreg_read(vttbr_el2);
    sysreg_write(vttbr_el2, vttbr);
    isb();
    return old;
}

void stage2_tlb_flush_vmid(uint64_t vttbr)
{
    uint64_t flags = irq_save();
    uint64_t old = switch_vttbr(vttbr);
    __asm__ volatile("dsb ishst; tlbi vmalls12e1is; dsb ish; isb" ::: "memory");
    sysreg_write(vttbr_el2, old);
    isb();
    irq_restore(flags);
}

void stage2_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size)
{
    uint64_t flags = irq_save();
    uint64_t old = switch_vttbr(vttbr);
    __asm__ volatile("dsb ishst" ::: "memory");
    if (size > (64UL << 12)) {
        __asm__ volatile("tlbi vmalls12e1is" ::: "memory");
    } else {
        for (uint64_t a = ipa; a < ipa + size; a += 4096)
            __asm__ volatile("tlbi ipas2e1is, %0" ::"r"(a >> 12) : "memory");
        /* Stage 1 entries may cache the combined translation (Arm ARM D8.14). */
        __asm__ volatile("dsb ish; tlbi vmalle1is" ::: "memory");
    }
    __asm__ volatile("dsb ish; isb" ::: "memory");
    sysreg_write(vttbr_el2, old);
    isb();
    irq_restore(flags);
}

void tlb_flush_el1_local(void) { __asm__ volatile("dsb nshst; tlbi vmalle1; dsb nsh; isb" ::: "memory"); }

void tlb_flush_el1_all(void) { __asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" ::: "memory"); }
