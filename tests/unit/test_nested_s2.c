/* Unit tests for vdev/nested_s2.c, the shadow stage 2 of a guest hypervisor's guest
 * (docs/nested.md "Shadow stage 2"): fills of pages and 2 MiB blocks from the guest
 * hypervisor's tables (built here in a fake VM RAM), the access left to the VM's device model,
 * the external abort where the VM has nothing, invalidation by L2 IPA and range, the decoding of
 * the TLBI operands, and the pool: pages given back by an invalidation reused, the whole shadow
 * dropped when the budget is used up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/nested_s2.h"
#include "core/mmio.h"
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
bool mmio_is_device(const struct vm *vm, uint64_t ipa) { return ipa >= UART_IPA && ipa < UART_IPA + 0x1000; }

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
    nested_s2_zap_ipa(&sh, MB2 + 3 * PG + 0x123, 1);
    assert_int_equal(shadow_level(MB2 + 3 * PG, NULL), 0);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(shadow_level(0, NULL), 2);
    assert_int_equal(sh.zaps, zaps + 1);
    assert_true(ipa_flushes > flushes);
    /* A page inside a block: the whole block (nothing split, nothing allocated). */
    unsigned used = sh.used;
    nested_s2_zap_ipa(&sh, 0x7000, PG);
    assert_int_equal(shadow_level(0, NULL), 0);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(sh.used, used);
    /* Beyond the shadow's input size: nothing to drop, the count moves (a fill in flight
     * walks again). */
    nested_s2_zap_ipa(&sh, UINT64_C(1) << 45, PG);
    assert_int_equal(shadow_level(MB2, NULL), 3);
    assert_int_equal(sh.zaps, zaps + 3);
    /* More than NESTED_S2_ZAP_MAX: everything. */
    nested_s2_zap_ipa(&sh, 0, NESTED_S2_ZAP_MAX + PG);
    assert_int_equal(shadow_level(MB2, NULL), 0);
    nested_s2_zap_ipa(&sh, 0, UINT64_MAX);
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
    nested_s2_zap_ipa(&sh, gib, PG);
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
        cmocka_unit_test(test_tlbi_operands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
