#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"

/* VTCR_EL2 (Arm ARM D19.2 VTCR_EL2): T0SZ[5:0], SL0[7:6], IRGN0[9:8], ORGN0[11:10], SH0[13:12],
 * TG0[15:14] (0 = 4 KiB), PS[18:16], VS[19] (0 = 8-bit VMID), bit 31 RES1. */
#define VTCR_IRGN0_WBWA  (1UL << 8)
#define VTCR_ORGN0_WBWA  (1UL << 10)
#define VTCR_SH0_INNER   (3UL << 12)
#define VTCR_RES1        (1UL << 31)
#define VTTBR_VMID_SHIFT 48

unsigned stage2_ipa_bits(void)
{
    unsigned pa = pa_range_bits();
    if (pa > 48)
        pa = 48;
    return pa <= 42 ? 39 : pa;
}

void stage2_hw_init(void)
{
    unsigned bits = stage2_ipa_bits();
    /* SL0 for 4 KiB granules: 2 = start at level 0, 1 = level 1. */
    uint64_t sl0 = bits > 39 ? 2 : 1;
    uint64_t ps = sysreg_read(id_aa64mmfr0_el1) & 0xf;
    if (ps > 5)
        ps = 5;
    sysreg_write(vtcr_el2, VTCR_RES1 | (64 - bits) | (sl0 << 6) | VTCR_IRGN0_WBWA | VTCR_ORGN0_WBWA | VTCR_SH0_INNER |
                               (ps << 16));
    isb();
}

uint64_t stage2_vttbr(uint64_t root_pa, unsigned vmid)
{
    return root_pa | ((uint64_t)(vmid & 0xff) << VTTBR_VMID_SHIFT);
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
