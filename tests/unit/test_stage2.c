/* core/stage2.c's TLB maintenance: every entry a change removes is invalidated on the CPUs,
 * and the SMMU (which walks the same tables for the VM's assigned functions) forgets the VM
 * once per unmap; the VM's watch (a guest hypervisor's shadows) is told of an unmap before the
 * tables lose it; stage2_lookup gives each leaf's address, attributes and size. The hardware side
 * (arch/aarch64/stage2_hw.c) and the SMMU (core/pci_assign.c) are stand-ins that count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/stage2.h"
#include "core/vm.h"
#include "arch/aarch64/stage2_hw.h"
#include "tests/host/stubs.h"

static unsigned cpu_flushes, smmu_flushes;

unsigned stage2_ipa_bits(void) { return 40; }
uint64_t stage2_vttbr(uint64_t root_pa, unsigned vmid) { return root_pa | (uint64_t)vmid << 48; }
void stage2_tlb_flush_vmid(uint64_t vttbr) {}
void stage2_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size) { cpu_flushes++; }
void pci_assign_s2_changed(struct vm *vm) { smmu_flushes++; }

static struct vm vm;

static int setup(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    vm.id = 1;
    strcpy(vm.cfg.name, "vm");
    vm.cfg.ram_ipa = 0x40000000;
    vm.cfg.ram_size = 0x200000;
    vm.ram_pa = 0x80000000;
    assert_int_equal(stage2_create(&vm), 0);
    cpu_flushes = smmu_flushes = 0;
    return 0;
}

static int teardown(void **state)
{
    stage2_destroy(&vm);
    return 0;
}

/* A 1 MiB BAR of 4 KiB pages: 256 entries go, each from the CPUs' TLBs, the SMMU's at once. */
static void test_unmap_invalidates_the_smmu_once(void **state)
{
    uint64_t bar = 0x10000000, pa = 0x10100000;
    for (uint64_t off = 0; off < 0x100000; off += 0x1000)
        assert_int_equal(stage2_map_device(&vm, bar + off, pa + off, 0x1000), 0);
    assert_int_equal(smmu_flushes, 0); /* nothing was live there */
    assert_int_equal(stage2_unmap(&vm, bar, 0x100000), 0);
    assert_true(cpu_flushes >= 256); /* each page, and the table freed after them */
    assert_int_equal(smmu_flushes, 1);
    uint64_t out, attrs;
    int level;
    assert_true(pt_walk(&vm.s2, bar, &out, &attrs, &level) < 0);
    /* Nothing left to forget: no SMMU command. */
    assert_int_equal(stage2_unmap(&vm, bar, 0x100000), 0);
    assert_int_equal(smmu_flushes, 1);
}

static unsigned watched;
static uint64_t watched_ipa, watched_size;
static bool watched_still_mapped;
static void watch_unmapping(struct vm *v, uint64_t ipa, uint64_t size)
{
    watched++;
    watched_ipa = ipa;
    watched_size = size;
    watched_still_mapped = pt_walk(&v->s2, ipa, NULL, NULL, NULL) == PT_OK;
}
static const struct stage2_watch watch = { .unmapping = watch_unmapping };

/* The watch hears of each unmap, with its range, while the range is still mapped (so that what
 * it derived is gone before the VM's mapping is); a map is no news to it. */
static void test_watch_told_before_unmap(void **state)
{
    vm.s2_watch = &watch;
    assert_int_equal(stage2_map_shared(&vm, 0x10010000, 0x90000000, 0x10000, false), 0);
    assert_int_equal(watched, 0);
    assert_int_equal(stage2_unmap(&vm, 0x10010000, 0x10000), 0);
    assert_int_equal(watched, 1);
    assert_int_equal(watched_ipa, 0x10010000);
    assert_int_equal(watched_size, 0x10000);
    assert_true(watched_still_mapped);
    assert_true(pt_walk(&vm.s2, 0x10010000, NULL, NULL, NULL) < 0);
    vm.s2_watch = NULL;
}

/* Each leaf as the VM's stage 2 holds it: RAM in a 2 MiB block, Normal RW; a shared window
 * read-only and XN in pages; a device page; nothing elsewhere (and beyond the IPA size). */
static void test_lookup(void **state)
{
    struct stage2_leaf leaf;
    assert_true(stage2_lookup(&vm, 0x40001234, &leaf));
    assert_int_equal(leaf.pa, 0x80001000);
    assert_int_equal(leaf.size, 0x200000);
    assert_int_equal(leaf.attrs, PT_S2_RAM);
    assert_int_equal(stage2_map_shared(&vm, 0x10010000, 0x90000000, 0x10000, true), 0);
    assert_true(stage2_lookup(&vm, 0x10012008, &leaf));
    assert_int_equal(leaf.pa, 0x90002000);
    assert_int_equal(leaf.size, 0x1000);
    assert_int_equal(leaf.attrs, PT_S2_RAM_RO | PT_S2_XN);
    assert_int_equal(stage2_map_device(&vm, 0x0c000000, 0x0c000000, 0x1000), 0);
    assert_true(stage2_lookup(&vm, 0x0c000ffc, &leaf));
    assert_int_equal(leaf.attrs, PT_S2_DEVICE);
    assert_false(stage2_lookup(&vm, 0x0c001000, &leaf));
    assert_false(stage2_lookup(&vm, 0x09000000, &leaf));
    assert_false(stage2_lookup(&vm, UINT64_C(1) << 40, &leaf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unmap_invalidates_the_smmu_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_told_before_unmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
