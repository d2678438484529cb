/* core/vm_load.c (issue 13 item 14): every byte the hypervisor writes into a VM's RAM is
 * cleaned to the point of coherency, line by line at CTR_EL0's D-cache line size, and a VM
 * starts with no instruction cache or TLB entry from before. The cache operations and the TLB
 * flush are recording stand-ins. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/vm_load.h"
#include "core/vm.h"
#include "arch/aarch64/regs/ctr.h"
#include "tests/host/stubs.h"

#define RAM_SIZE 0x10000

enum { OP_CVAC, OP_IC, OP_TLBI };
static struct {
    unsigned op;
    uint64_t arg;
} ops[8192];
static unsigned nr_ops;
static struct vm vm;
static uint8_t *ram;

void host_cache_op(const char *op, uint64_t va)
{
    assert_true(nr_ops < sizeof(ops) / sizeof(ops[0]));
    ops[nr_ops].op = strcmp(op, "dc_cvac") == 0 ? OP_CVAC : OP_IC;
    ops[nr_ops++].arg = va;
}

void stage2_tlb_flush_vmid(uint64_t vttbr)
{
    ops[nr_ops].op = OP_TLBI;
    ops[nr_ops++].arg = vttbr;
}

static int setup(void **state)
{
    host_reset();
    nr_ops = 0;
    ram = aligned_alloc(4096, RAM_SIZE);
    memset(ram, 0xee, RAM_SIZE);
    memset(&vm, 0, sizeof(vm));
    vm.ram_pa = (uint64_t)(uintptr_t)ram;
    vm.cfg.ram_size = RAM_SIZE;
    vm.vttbr = 0x0005000012345000UL;
    *host_sysreg(0, "ctr_el0") = 4UL << CTR_EL0_DMINLINE_SHIFT | 4; /* 64-byte lines */
    return 0;
}

static int teardown(void **state)
{
    free(ram);
    return 0;
}

/* The cleans cover [off, off + len) exactly by whole lines, in order, and nothing else. */
static void assert_cleaned(uint64_t off, uint64_t len, uint64_t line)
{
    uint64_t first = (vm.ram_pa + off) & ~(line - 1), end = vm.ram_pa + off + len;
    unsigned n = (unsigned)((end - first + line - 1) / line);
    assert_int_equal(nr_ops, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(ops[i].op, OP_CVAC);
        assert_int_equal(ops[i].arg, first + i * line);
    }
}

static void test_a_copy_is_cleaned_line_by_line(void **state)
{
    uint8_t src[300];
    for (unsigned i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)i;
    vm_load_copy(&vm, 100, src, sizeof(src));
    assert_memory_equal(ram + 100, src, sizeof(src));
    assert_int_equal(ram[99], 0xee);
    assert_int_equal(ram[400], 0xee);
    assert_cleaned(100, sizeof(src), 64); /* 64..447: lines 64, 128, ..., 384 */
}

static void test_zeroing_is_cleaned_at_the_cpus_line_size(void **state)
{
    *host_sysreg(0, "ctr_el0") = 3UL << CTR_EL0_DMINLINE_SHIFT; /* 32-byte lines */
    vm_load_zero(&vm, 0x2000, 0x1000);
    for (unsigned i = 0; i < 0x1000; i++)
        assert_int_equal(ram[0x2000 + i], 0);
    assert_int_equal(ram[0x3000], 0xee);
    assert_cleaned(0x2000, 0x1000, 32);
}

static void test_the_whole_ram_and_nothing_for_nothing(void **state)
{
    vm_load_clean(&vm, 0, 0);
    assert_int_equal(nr_ops, 0);
    vm_load_clean(&vm, 0, RAM_SIZE);
    assert_cleaned(0, RAM_SIZE, 64);
}

static void test_a_start_invalidates_icache_then_the_vmids_tlb(void **state)
{
    vm_load_publish(&vm);
    assert_int_equal(nr_ops, 2);
    assert_int_equal(ops[0].op, OP_IC);
    assert_int_equal(ops[1].op, OP_TLBI);
    assert_int_equal(ops[1].arg, vm.vttbr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_copy_is_cleaned_line_by_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zeroing_is_cleaned_at_the_cpus_line_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_whole_ram_and_nothing_for_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_start_invalidates_icache_then_the_vmids_tlb, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
