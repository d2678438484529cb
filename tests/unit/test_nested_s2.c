/* Unit tests for vdev/nested_s2.c, the shadow stage 2 of a guest hypervisor's guest
 * (docs/nested.md "Shadow stage 2"): fills of pages and 2 MiB blocks from the guest
 * hypervisor's tables (built here in a fake VM RAM), the access left to the VM's device model,
 * the external abort where the VM has nothing, what else the VM's stage 2 maps (a passthrough
 * device, a read-only flash, a shared window in a 1 GiB leaf) mapped through with both stages'
 * permissions and memory types combined, invalidation by L2 IPA and range (of the VMID named
 * only), the decoding of the TLBI operands, and the pool: pages given back by an invalidation reused, the whole shadow
 * dropped when the budget is used up. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign: a 1 GiB aligned buffer */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/nested_s2.h"
#include "core/mmio.h"
#include "core/stage2.h"
#include "core/vm.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/vtcr.h"

/* The hardware side (arch/aarch64/stage2_hw.c) and the device windows (core/mmio.c). */
static unsigned ipa_flushes, vmid_flushes;
unsigned stage2_ipa_bits(void) { return 40; }
uint64_t stage2_vttbr(uint64_t root_pa, unsigned vmid) { return root_pa | (uint64_t)vmid << 48; }
void stage2_tlb_flush_vmid(uint64_t vttbr) { vmid_flushes++; }
void stage2_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size) { ipa_flushes++; }
#define UART_IPA UINT64_C(0x09000000)
bool mmio_is_device(struct vm *vm, uint64_t ipa) { return ipa >= UART_IPA && ipa < UART_IPA + 0x1000; }

/* The VM's stage 2 beyond its RAM (core/stage2.c): a passthrough device of 4 KiB pages, its
 * flash (one read-only 2 MiB block) and a shared window in a 1 GiB leaf (Normal, XN). */
#define DEV_IPA   UINT64_C(0x0c000000)
#define DEV_PA    UINT64_C(0x100000000)
#define FLASH_IPA UINT64_C(0x00000000)
#define FLASH_PA  UINT64_C(0x200000000)
#define SHM_IPA   (UINT64_C(256) << 30)
#define SHM_PA    (UINT64_C(3) << 30)
#define GIB       (UINT64_C(1) << 30)
bool stage2_lookup(struct vm *v, uint64_t ipa, struct stage2_leaf *leaf)
{
    uint64_t pg = ipa & ~UINT64_C(0xfff);
    if (pg >= DEV_IPA && pg < DEV_IPA + 4 * 4096)
        *leaf = (struct stage2_leaf){ DEV_PA + (pg - DEV_IPA), PT_S2_DEVICE, 4096 };
    else if (pg < FLASH_IPA + (UINT64_C(2) << 20))
        *leaf = (struct stage2_leaf){ FLASH_PA + pg, PT_S2_RAM_RO, UINT64_C(2) << 20 };
    else if (pg >= SHM_IPA && pg < SHM_IPA + GIB)
        *leaf = (struct stage2_leaf){ SHM_PA + (pg - SHM_IPA), PT_S2_RAM | PT_S2_XN, GIB };
    else
        return false;
    return true;
}

/* The VM: 7 MiB of RAM at IPA 0x40000000, 2 MiB aligned on the host (as core/vmm.c takes it). */
#define RAM_IPA  UINT64_C(0x40000000)
#define RAM_SIZE (UINT64_C(7) << 20)
#define MB2      (UINT64_C(2) << 20)
#define PG       UINT64_C(4096)
static struct vm vm;
static uint8_t *ram;
static uint8_t *pool;
static struct nested_shadow sh;

static uint64_t *at(uint64_t ipa) { return (uint64_t *)(ram + (ipa - RAM_IPA)); }

/* Its stage 2: 39-bit L2 IPAs, start level 1, tables in the first pages of its RAM. */
#define V      UINT64_C(1)
#define T      UINT64_C(2)
#define AF     (UINT64_C(1) << 10)
#define RW     (UINT64_C(3) << 6)
#define RO     (UINT64_C(1) << 6)
#define NORMAL (UINT64_C(0xf) << 2)
#define DEVICE (UINT64_C(0x1) << 2)
#define L1T    (RAM_IPA + 0 * PG)
#define L2T    (RAM_IPA + 1 * PG)
#define L3T    (RAM_IPA + 2 * PG)
static uint64_t vtcr39(void)
{
    return REG_FIELD(25, VTCR_EL2_T0SZ_SHIFT) | REG_FIELD(VTCR_EL2_SL0_4K_L1, VTCR_EL2_SL0_SHIFT) |
           REG_FIELD(TCR_TG0_4K, VTCR_EL2_TG0_SHIFT) | REG_FIELD(TCR_PS_40, VTCR_EL2_PS_SHIFT) | VTCR_EL2_RES1;
}

/* L2 IPA layout (GiB 0 through one level 2 table): 2 MiB slot 0 a RW block at RAM + 2 MiB;
 * slot 1 a table of pages (page 0 at RAM + 4 MiB, page 1 at the UART, page 2 at an IPA of
 * nothing); slot 2 a read-only block at RAM + 4 MiB; slot 3 a block at RAM + 6 MiB (half of it
 * beyond the VM's RAM); slot 4 a block at the UART; slot 8 + k a table with one page each. */
static void tables(void)
{
    memset(ram, 0, 4 * PG);
    at(L1T)[0] = L2T | T | V;
    at(L2T)[0] = (RAM_IPA + MB2) | NORMAL | RW | AF | V;
    at(L2T)[1] = L3T | T | V;
    at(L3T)[0] = (RAM_IPA + 2 * MB2) | NORMAL | RW | AF | T | V;
    at(L3T)[1] = UART_IPA | DEVICE | RW | AF | T | V;
    at(L3T)[2] = UINT64_C(0x0a000000) | DEVICE | RW | AF | T | V;
    at(L2T)[2] = (RAM_IPA + 2 * MB2) | NORMAL | RO | AF | V;
    at(L2T)[3] = (RAM_IPA + 3 * MB2) | NORMAL | RW | AF | V;
    at(L2T)[4] = UART_IPA | DEVICE | RW | AF | V;
}

static int setup(void **state)
{
    ram = aligned_alloc(MB2, 4 * MB2);
    pool = aligned_alloc(PG, NESTED_SHADOW_PAGES * PG);
    assert_non_null(ram);
    assert_non_null(pool);
    memset(&vm, 0, sizeof(vm));
    vm.id = 1;
    vm.cfg.ram_ipa = RAM_IPA;
    vm.cfg.ram_size = RAM_SIZE;
    vm.ram_pa = (uint64_t)(uintptr_t)ram;
    tables();
    nested_s2_attach(&vm, &sh, pool, 0);
    nested_s2_enter(&sh, vtcr39(), L1T, 0);
    return 0;
}

static int teardown(void **state)
{
    free(ram);
    free(pool);
    return 0;
}

/* The shadow's leaf for l2ipa: its level, or 0 when nothing maps it. */
static int shadow_level(uint64_t l2ipa, uint64_t *pa)
{
    int level = 0;
    return pt_walk(&sh.pt, l2ipa, pa, NULL, &level) == PT_OK ? level : 0;
}

static int fault(uint64_t l2ipa, bool write, bool exec, uint8_t *fsc, uint64_t *l1ipa)
{
    return nested_s2_fault(&vm, &sh, l2ipa, write, exec, fsc, l1ipa);
}

static void test_fills_blocks_and_pages(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0, pa = 0;
    /* A guest block over one 2 MiB of RAM: one shadow block, whatever page of it faulted. */
    assert_int_equal(fault(0x5000, true, false, &fsc, &l1), NESTED_S2_MAPPED);
    assert_int_equal(shadow_level(0x1ff000, &pa), 2);
    assert_int_equal(pa, (uint64_t)(uintptr_t)ram + MB2 + 0x1ff000);
    /* Guest pages: shadow pages. */
    assert_int_equal(fault(MB2 + 0x10, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    assert_int_equal(shadow_level(MB2, &pa), 3);
    assert_int_equal(pa, (uint64_t)(uintptr_t)ram + 2 * MB2);
    assert_int_equal(shadow_level(MB2 + PG, NULL), 0);
    /* A read-only guest block: a read maps it read-only, a write is its permission fault. */
    assert_int_equal(fault(2 * MB2 + 8, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    uint64_t attrs = 0;
    int level = 0;
    assert_int_equal(pt_walk(&sh.pt, 2 * MB2, NULL, &attrs, &level), PT_OK);
    assert_int_equal(level, 2);
    assert_int_equal(attrs & PT_S2_AP_RW, PT_S2_AP_RO);
    assert_int_equal(fault(2 * MB2 + 8, true, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_PERM_L0 + 2);
    /* A guest block half beyond the VM's RAM: its RAM half in pages, the rest an external
     * abort (no device there). */
    assert_int_equal(fault(3 * MB2 + 0x3000, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    assert_int_equal(shadow_level(3 * MB2 + 0x3000, NULL), 3);
    assert_int_equal(fault(3 * MB2 + 0x100000, false, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_SEA);
}

static void test_device_left_to_the_model(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0;
    /* The VM's UART through a guest page and a guest block: the L1 IPA to emulate at, with the
     * offset; never mapped. */
    assert_int_equal(fault(MB2 + PG + 0x18, false, false, &fsc, &l1), NESTED_S2_MMIO);
    assert_int_equal(l1, UART_IPA + 0x18);
    assert_int_equal(fault(4 * MB2 + 0xfe0, true, false, &fsc, &l1), NESTED_S2_MMIO);
    assert_int_equal(l1, UART_IPA + 0xfe0);
    assert_int_equal(shadow_level(MB2 + PG, NULL), 0);
    assert_int_equal(shadow_level(4 * MB2, NULL), 0);
    /* A fetch from it, the rest of the block, an IPA of nothing: external aborts. */
    assert_int_equal(fault(4 * MB2 + 0x18, false, true, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_SEA);
    assert_int_equal(fault(4 * MB2 + 0x1000, false, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fault(MB2 + 2 * PG, false, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_SEA);
    /* The guest's stage 2 alone (the instruction emulator's other addresses). */
    assert_true(nested_s2_translate(&vm, &sh, MB2 + PG + 4, true, false, &l1));
    assert_int_equal(l1, UART_IPA + 4);
    assert_false(nested_s2_translate(&vm, &sh, 2 * MB2, true, false, &l1));
    assert_false(nested_s2_translate(&vm, &sh, UINT64_C(5) << 30, false, false, &l1));
}

static void test_zap_by_ipa(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0;
    at(L3T)[3] = (RAM_IPA + 2 * MB2 + PG) | NORMAL | RW | AF | T | V;
    assert_int_equal(fault(MB2, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    assert_int_equal(fault(MB2 + 3 * PG, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    assert_int_equal(fault(0, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    unsigned zaps = sh.zaps, flushes = ipa_flushes;
    /* One page: that page only. */
    nested_s2_zap_ipa(&sh, MB2 + 3 * PG + 0x123, 1, 0);
    assert_int_equal(shadow_level(MB2 + 3 * PG, NULL), 0);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(shadow_level(0, NULL), 2);
    assert_int_equal(sh.zaps, zaps + 1);
    assert_true(ipa_flushes > flushes);
    /* A page inside a block: the whole block (nothing split, nothing allocated). */
    unsigned used = sh.used;
    nested_s2_zap_ipa(&sh, 0x7000, PG, 0);
    assert_int_equal(shadow_level(0, NULL), 0);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(sh.used, used);
    /* Beyond the shadow's input size: nothing to drop, the count moves (a fill in flight
     * walks again). */
    nested_s2_zap_ipa(&sh, UINT64_C(1) << 45, PG, 0);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(sh.zaps, zaps + 3);
    /* More than NESTED_S2_ZAP_MAX: everything. */
    nested_s2_zap_ipa(&sh, 0, NESTED_S2_ZAP_MAX + PG, 0);
    assert_int_equal(shadow_level(MB2, NULL), 0);
    nested_s2_zap_ipa(&sh, 0, UINT64_MAX, 0);
}

/* L2 IPAs of GiB 3 (a level 2 table at RAM + 6 MiB): slot 0 a table of pages (RAM + 6 MiB +
 * 4 KiB): page 0 RW Normal to the passthrough device, page 1 RW to the flash, page 2 read-only
 * Device-nGnRnE to the device's second page, page 3 RW to the device's fifth page (beyond it);
 * slot 1 a RW 2 MiB block on the flash. GiB 4: a RW 1 GiB block on the shared window. */
#define GIB3 (UINT64_C(3) << 30)
static void through_tables(void)
{
    uint64_t l2 = RAM_IPA + 3 * MB2, l3 = l2 + PG;
    memset(at(l2), 0, 2 * PG);
    at(L1T)[3] = l2 | T | V;
    at(l2)[0] = l3 | T | V;
    at(l3)[0] = DEV_IPA | NORMAL | RW | AF | T | V;
    at(l3)[1] = (FLASH_IPA + PG) | NORMAL | RW | AF | T | V;
    at(l3)[2] = (DEV_IPA + PG) | RO | AF | T | V; /* MemAttr 0: Device-nGnRnE */
    at(l3)[3] = (DEV_IPA + 4 * PG) | NORMAL | RW | AF | T | V;
    at(l2)[1] = FLASH_IPA | NORMAL | RW | AF | V;
    at(L1T)[4] = SHM_IPA | NORMAL | RW | AF | V;
}

static uint64_t shadow_attrs(uint64_t l2ipa, uint64_t *pa, int *level)
{
    uint64_t attrs = 0;
    assert_int_equal(pt_walk(&sh.pt, l2ipa, pa, &attrs, level), PT_OK);
    return attrs;
}

static void test_mapped_through_the_vms_stage2(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0, pa = 0;
    int level = 0;
    through_tables();
    /* The passthrough device: its page, Device (the VM's type wins over the guest's Normal),
     * execute-never (the VM's XN), RW. */
    assert_int_equal(fault(GIB3 + 0x10, true, false, &fsc, &l1), NESTED_S2_MAPPED);
    uint64_t attrs = shadow_attrs(GIB3 + 0x10, &pa, &level);
    assert_int_equal(level, 3);
    assert_int_equal(pa, DEV_PA + 0x10);
    assert_int_equal(attrs & PT_S2_MEMATTR(0xf), PT_S2_MEMATTR(PT_S2_MEMATTR_DEVICE_nGnRE));
    assert_int_equal(attrs & PT_S2_AP_RW, PT_S2_AP_RW);
    assert_true(attrs & PT_S2_XN);
    /* A fetch from it: the VM's XN refuses it, an external abort, nothing changed. */
    assert_int_equal(fault(GIB3 + 0x10, false, true, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_SEA);
    /* The flash through a RW guest page: mapped read-only; a write is the external abort the
     * VM's own write gets, and the shadow is left as it was (no fault loop). */
    assert_int_equal(fault(GIB3 + PG, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    attrs = shadow_attrs(GIB3 + PG, &pa, &level);
    assert_int_equal(pa, FLASH_PA + PG);
    assert_int_equal(attrs & PT_S2_AP_RW, PT_S2_AP_RO);
    assert_int_equal(attrs & PT_S2_MEMATTR(0xf), PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB));
    assert_int_equal(fault(GIB3 + PG, true, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_SEA);
    assert_int_equal(shadow_attrs(GIB3 + PG, &pa, &level) & PT_S2_AP_RW, PT_S2_AP_RO);
    /* The guest's read-only Device-nGnRnE page over the device: its stricter type and its
     * read-only permission; its write is its own permission fault. */
    assert_int_equal(fault(GIB3 + 2 * PG, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    attrs = shadow_attrs(GIB3 + 2 * PG, &pa, &level);
    assert_int_equal(pa, DEV_PA + PG);
    assert_int_equal(attrs & PT_S2_MEMATTR(0xf), PT_S2_MEMATTR(0));
    assert_int_equal(attrs & PT_S2_AP_RW, PT_S2_AP_RO);
    assert_int_equal(fault(GIB3 + 2 * PG, true, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_PERM_L0 + 3);
    /* Beyond the device, where the VM's stage 2 has nothing: an external abort, nothing mapped. */
    assert_int_equal(fault(GIB3 + 3 * PG, false, false, &fsc, &l1), NESTED_S2_GUEST_FAULT);
    assert_int_equal(fsc, ESR_FSC_SEA);
    assert_int_equal(shadow_level(GIB3 + 3 * PG, NULL), 0);
    /* A guest 2 MiB block over the flash's 2 MiB block: one read-only 2 MiB shadow block. */
    assert_int_equal(fault(GIB3 + MB2 + 5 * PG, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    attrs = shadow_attrs(GIB3 + MB2 + 5 * PG, &pa, &level);
    assert_int_equal(level, 2);
    assert_int_equal(pa, FLASH_PA + 5 * PG);
    assert_int_equal(attrs & PT_S2_AP_RW, PT_S2_AP_RO);
    /* A guest 1 GiB block over the window's 1 GiB leaf: one 1 GiB shadow block, XN. */
    assert_int_equal(fault(4 * GIB + 0x12345678, true, false, &fsc, &l1), NESTED_S2_MAPPED);
    attrs = shadow_attrs(4 * GIB + 0x3ffff000, &pa, &level);
    assert_int_equal(level, 1);
    assert_int_equal(pa, SHM_PA + 0x3ffff000);
    assert_true(attrs & PT_S2_XN);
    /* A TLBI of one page in it drops the whole 1 GiB block (nothing split). */
    nested_s2_zap_ipa(&sh, 4 * GIB + 0x5000, PG, 0);
    assert_int_equal(shadow_level(4 * GIB, NULL), 0);
    assert_int_equal(shadow_level(GIB3, NULL), 3);
}

/* A guest 1 GiB block over a whole 1 GiB of the VM's RAM, 1 GiB aligned on the host: one
 * 1 GiB shadow block; 2 MiB aligned only: 2 MiB blocks. The VM here has 1 GiB of RAM at
 * RAM_IPA on a host buffer 1 GiB aligned (virtual; only its first pages, the tables, are
 * touched). */
static void test_ram_1gib_block(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0, pa = 0;
    int level = 0;
    void *big_ram = NULL;
    assert_int_equal(posix_memalign(&big_ram, GIB, 4 * MB2), 0);
    struct vm big = vm;
    big.cfg.ram_size = GIB;
    for (unsigned shift = 0; shift < 2; shift++) {
        uint8_t *host = (uint8_t *)big_ram + shift * MB2;
        big.ram_pa = (uint64_t)(uintptr_t)host;
        memcpy(host, ram, 4 * PG);
        ((uint64_t *)host)[5] = RAM_IPA | NORMAL | RW | AF | V; /* L1T[5]: GiB 5 -> its RAM */
        nested_s2_zap_ipa(&sh, 5 * GIB, PG, 0);
        assert_int_equal(nested_s2_fault(&big, &sh, 5 * GIB + 0x1000, false, false, &fsc, &l1), NESTED_S2_MAPPED);
        shadow_attrs(5 * GIB + 0x1000, &pa, &level);
        assert_int_equal(level, shift ? 2 : 1);
        assert_int_equal(pa, (uint64_t)(uintptr_t)host + 0x1000);
    }
    free(big_ram);
}

static void test_memattr_and_vmid(void **state)
{
    /* Device beats Normal; of two Device types the stricter; of two Normal, each half's lesser
     * cacheability (a reserved 0b00 half as NC). */
    assert_int_equal(nested_s2_memattr(0xf, 0x1), 0x1);
    assert_int_equal(nested_s2_memattr(0x0, 0x1), 0x0);
    assert_int_equal(nested_s2_memattr(0x3, 0x2), 0x2);
    assert_int_equal(nested_s2_memattr(0xf, 0x5), 0x5);
    assert_int_equal(nested_s2_memattr(0xe, 0xb), 0xa);
    assert_int_equal(nested_s2_memattr(0xc, 0xf), 0xd);
    /* VMID: 8 bits without VTCR_EL2.VS (the upper byte RES0, ignored), 16 with it. */
    assert_int_equal(nested_s2_vmid(0, UINT64_C(0xab12) << 48), 0x12);
    assert_int_equal(nested_s2_vmid(VTCR_EL2_VS, UINT64_C(0xab12) << 48), 0xab12);
}

/* TLBI IPAS2E1 of another VMID than the one the shadow was filled for: nothing dropped. */
static void test_zap_ipa_other_vmid(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0;
    nested_s2_enter(&sh, vtcr39(), L1T | (UINT64_C(7) << 48), 0);
    assert_int_equal(fault(MB2, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    unsigned zaps = sh.zaps;
    nested_s2_zap_ipa(&sh, MB2, PG, 8);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(sh.zaps, zaps);
    nested_s2_zap_ipa(&sh, 0, UINT64_MAX, 8); /* nor everything */
    assert_int_equal(shadow_level(MB2, NULL), 3);
    nested_s2_zap_ipa(&sh, MB2, PG, 7);
    assert_int_equal(shadow_level(MB2, NULL), 0);
}

static void test_pool_reuse_and_reset(void **state)
{
    uint8_t fsc = 0;
    uint64_t l1 = 0;
    /* GiB 1: 2 MiB slot k a table whose page 0 maps RAM + 4 MiB + k pages. */
    uint64_t l2t = RAM_IPA + 4 * PG, l3 = RAM_IPA + 5 * PG;
    at(L1T)[1] = l2t | T | V;
    for (unsigned k = 0; k < 100; k++) {
        at(l2t)[k] = (l3 + k * PG) | T | V;
        at(l3 + k * PG)[0] = (RAM_IPA + 2 * MB2 + k * PG) | NORMAL | RW | AF | T | V;
    }
    uint64_t gib = UINT64_C(1) << 30;
    assert_int_equal(fault(gib, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    unsigned used = sh.used;
    /* A page whose table empties gives that table back: the next fill takes it again. */
    nested_s2_zap_ipa(&sh, gib, PG, 0);
    assert_int_equal(fault(gib + MB2, false, false, &fsc, &l1), NESTED_S2_MAPPED);
    assert_int_equal(sh.used, used);
    /* One table per 2 MiB: more than the budget drops the whole shadow and goes on. */
    uint64_t resets = sh.resets;
    for (unsigned k = 0; k < 100; k++) {
        assert_int_equal(fault(gib + k * MB2 + 8, true, false, &fsc, &l1), NESTED_S2_MAPPED);
        uint64_t pa = 0;
        assert_int_equal(shadow_level(gib + k * MB2, &pa), 3);
        assert_int_equal(pa, (uint64_t)(uintptr_t)ram + 2 * MB2 + k * PG);
    }
    assert_true(sh.resets > resets);
    assert_true(sh.used <= NESTED_SHADOW_PAGES);
    assert_int_equal(shadow_level(gib, NULL), 0); /* dropped by a reset, refilled on demand */
}

static void test_tlbi_operands(void **state)
{
    uint64_t ipa = 0, size = 0;
    /* IPAS2E1IS: Xt[35:0] = IPA[47:12]; TTL [47:44] and NS [63] ignored. */
    assert_true(nested_s2_tlbi_range(0, 1, (UINT64_C(1) << 63) | (UINT64_C(0xf) << 44) | 0x12345, &ipa, &size));
    assert_int_equal(ipa, UINT64_C(0x12345000));
    assert_int_equal(size, PG);
    for (unsigned op2 = 0; op2 < 8; op2++) { /* CRm 4: IPAS2E1OS, IPAS2E1, IPAS2LE1OS, IPAS2LE1 and ranges */
        assert_true(nested_s2_tlbi_range(4, op2, 1, &ipa, &size));
    }
    assert_true(nested_s2_tlbi_range(0, 5, UINT64_MAX, &ipa, &size)); /* IPAS2LE1IS */
    assert_int_equal(ipa, ((UINT64_C(1) << 36) - 1) << 12);
    /* Not by IPA: ALLE2IS (0, 0), VMALLS12E1IS (3, 6), ALLE1IS (3, 4), VMALLS12E1 (7, 6), VAE2 (7, 1). */
    assert_false(nested_s2_tlbi_range(0, 0, 0, &ipa, &size));
    assert_false(nested_s2_tlbi_range(3, 6, 0, &ipa, &size));
    assert_false(nested_s2_tlbi_range(3, 4, 0, &ipa, &size));
    assert_false(nested_s2_tlbi_range(7, 6, 0, &ipa, &size));
    assert_false(nested_s2_tlbi_range(7, 1, 0, &ipa, &size));
    /* RIPAS2E1IS, 4 KiB granule: (NUM + 1) << (5 * SCALE + 1) pages from BaseADDR. */
    uint64_t tg4k = UINT64_C(1) << 46;
    assert_true(nested_s2_tlbi_range(0, 2, tg4k | 0x100, &ipa, &size));
    assert_int_equal(ipa, UINT64_C(0x100000));
    assert_int_equal(size, 2 * PG);
    assert_true(nested_s2_tlbi_range(0, 6, tg4k | (UINT64_C(1) << 44) | (UINT64_C(3) << 39), &ipa, &size));
    assert_int_equal(size, 4 * 64 * PG);
    assert_true(nested_s2_tlbi_range(4, 7, tg4k | (UINT64_C(3) << 44) | (UINT64_C(31) << 39), &ipa, &size));
    assert_int_equal(size, (UINT64_C(32) << 16) * PG);
    /* Another granule (or the reserved 0): everything. */
    assert_true(nested_s2_tlbi_range(0, 2, UINT64_C(2) << 46, &ipa, &size));
    assert_int_equal(size, UINT64_MAX);
    assert_true(nested_s2_tlbi_range(4, 3, 0, &ipa, &size));
    assert_int_equal(size, UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fills_blocks_and_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_left_to_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zap_by_ipa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_reuse_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapped_through_the_vms_stage2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_1gib_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zap_ipa_other_vmid, setup, teardown),
        cmocka_unit_test(test_memattr_and_vmid),
        cmocka_unit_test(test_tlbi_operands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
