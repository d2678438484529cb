/* core/stage2.c's TLB maintenance: every entry a change removes is invalidated on the CPUs,
 * and the SMMU (which walks the same tables for the VM's assigned functions) forgets the VM
 * once per unmap. The hardware side
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unmap_invalidates_the_smmu_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
