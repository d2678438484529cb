/* Host tests of the guest's SVE (vdev/vsve.c) over the stand-in system registers and a fake
 * register file: offered only where every CPU has SVE; each VM's length is the smallest of its
 * cap (sve-max-vl) and the longest vector of the CPUs its vCPUs are pinned to; a first access
 * of a VM without SVE is UNDEFINED; of one with it, the vCPU's SVE starts from its V registers
 * zero-extended and CPTR_EL2.TZ clears; from then on put saves (and sets TZ again) and load
 * restores, at the VM's length; a vCPU that never used SVE never touches CPTR_EL2 or the
 * register file; a reset forgets it all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/vcpu_hw.h"
#include "core/vm.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vsve.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/sve.h"
#include "tests/host/stubs.h"

#define ZCR_EL1 "s3_0_c1_c2_0"
#define ZCR_EL2 "s3_4_c1_c2_0"

static unsigned undefs;
void inject_undef(struct guest_regs *r) { undefs++; }

/* The CPU's registers: V as core's FP/SIMD switch left them, the SVE file at the length EL2
 * has, and the longest vector each CPU implements. */
static struct {
    uint64_t v[32][2];
    uint8_t file[SVE_CTX_BYTES(SVE_VL_MAX)];
    unsigned max_vq[MAX_CPUS];
    unsigned saves, restores;
} hw;

static void need_sve_enabled(void) { assert_false(*host_sysreg(host_current_cpu(), "cptr_el2") & CPTR_EL2_TZ); }

unsigned long sve_vl_bytes(void)
{
    need_sve_enabled();
    unsigned vq = (unsigned)(*host_sysreg(host_current_cpu(), ZCR_EL2) & ZCR_ELX_LEN_MASK) + 1;
    unsigned max = hw.max_vq[host_current_cpu()];
    return (vq < max ? vq : max) * SVE_VQ_BYTES;
}
void sve_ctx_save(void *buf)
{
    hw.saves++;
    memcpy(buf, hw.file, SVE_CTX_BYTES(sve_vl_bytes()));
}
void sve_ctx_restore(const void *buf)
{
    hw.restores++;
    memcpy(hw.file, buf, SVE_CTX_BYTES(sve_vl_bytes()));
}
void fp_ctx_save(struct fp_ctx *c) { memcpy(c->v, hw.v, sizeof(hw.v)); }
void fp_ctx_restore(const struct fp_ctx *c) { memcpy(hw.v, c->v, sizeof(hw.v)); }

static struct vm vm;
static struct vcpu *v0, *v1;
static const struct vcpu_hw_ops *ops = &vsve_hw_ops;

/* Four CPUs with SVE: 512-bit vectors on CPUs 0-2, 256-bit on CPU 3. Both vCPUs on CPU 1. */
static void boot(unsigned nr_cpus, bool cpu3_sve)
{
    host_reset();
    memset(&hw, 0, sizeof(hw));
    for (unsigned c = 0; c < nr_cpus; c++) {
        bool sve = c != 3 || cpu3_sve;
        *host_sysreg(c, "id_aa64pfr0_el1") = sve ? ID_FIELD_VAL(ID_AA64PFR0_EL1_SVE, 1) : 0;
        *host_sysreg(c, "cptr_el2") = CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TSM;
        hw.max_vq[c] = c == 3 ? 2 : 4;
        host_set_cpu(c);
        ops->cpu_init(c);
        /* Measuring leaves CPTR_EL2 as it was. */
        assert_int_equal(*host_sysreg(c, "cptr_el2"), CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TSM);
    }
    host_set_cpu(1);
}

static void make_vm(unsigned cap_bits, uint32_t off)
{
    vm.cfg.sve_max_vl = cap_bits;
    vm.cfg.cpu_features_off = off;
    assert_int_equal(ops->attach(&vm), 0);
}

static int setup(void **state)
{
    memset(&vm, 0, sizeof(vm));
    undefs = 0;
    boot(4, true);
    vm.cfg.nr_vcpus = 2;
    vm.cfg.affinity[0] = vm.cfg.affinity[1] = 1;
    vm.state = VM_RUNNING;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = 1;
    }
    v0 = &vm.vcpu[0];
    v1 = &vm.vcpu[1];
    vm.nr_hw = VCPU_HW_NR;
    vm.hw[VCPU_HW_VSVE] = (struct vcpu_hw){ ops, calloc(1, ops->vm_state_size) };
    make_vm(0, 0);
    return 0;
}

static int teardown(void **state)
{
    free(vm.hw[VCPU_HW_VSVE].state);
    return 0;
}

static const uint64_t trap_esr = (uint64_t)ESR_EC_SVE << ESR_EC_SHIFT | ESR_IL;

static uint64_t cptr(void) { return *host_sysreg(1, "cptr_el2"); }

/* The vector length v's VM has: the one its first access sets up. */
static unsigned long first_use(struct vcpu *v)
{
    assert_int_equal(vsve_trap(v, trap_esr), EXIT_RESUME);
    assert_int_equal(undefs, 0);
    return sve_vl_bytes();
}

static void test_offered_only_where_every_cpu_has_it(void **state)
{
    assert_true(vsve_active());
    boot(4, false); /* CPU 3 without SVE */
    make_vm(0, 0);
    assert_false(vsve_active());
    assert_int_equal(vsve_trap(v0, trap_esr), EXIT_RESUME);
    assert_int_equal(undefs, 1); /* UNDEFINED, as on a CPU without SVE */
    assert_int_equal(hw.restores, 0);
}

static void test_length_is_the_smallest_of_cap_and_cpus(void **state)
{
    assert_int_equal(first_use(v0), 64); /* no cap: CPU 1's 512 bits */
    assert_int_equal(*host_sysreg(1, ZCR_EL2), 3);
    assert_int_equal(*host_sysreg(1, ZCR_EL1), 3); /* the guest's asks for the whole length */
    ops->put(v0);
    make_vm(256, 0);
    assert_int_equal(first_use(v0), 32);
    ops->put(v0);
    make_vm(1024, 0); /* a cap above the CPUs': theirs */
    assert_int_equal(first_use(v0), 64);
    ops->put(v0);
    vm.cfg.affinity[1] = 3; /* a vCPU on the 256-bit CPU: the whole VM gets 256 */
    make_vm(0, 0);
    assert_int_equal(first_use(v0), 32);
    ops->put(v0);
}

static void test_no_sve_is_undefined(void **state)
{
    make_vm(0, CPU_FEAT_BIT(CPU_FEAT_SVE));
    assert_int_equal(vsve_trap(v0, trap_esr), EXIT_RESUME);
    assert_int_equal(undefs, 1);
    assert_true(cptr() & CPTR_EL2_TZ); /* still trapped */
    ops->load(v0);
    ops->put(v0);
    assert_int_equal(hw.saves + hw.restores, 0);
}

/* A vCPU that never used SVE: load and put touch neither CPTR_EL2 nor the register file. */
static void test_unused_costs_nothing(void **state)
{
    *host_sysreg(1, "cptr_el2") = 0x1234 | CPTR_EL2_TZ;
    ops->load(v1);
    ops->put(v1);
    assert_int_equal(cptr(), 0x1234 | CPTR_EL2_TZ);
    assert_int_equal(hw.saves + hw.restores, 0);
}

/* First use: Z from V, zero-extended; P and FFR zero; then switched at put and load. */
static void test_first_use_then_switched(void **state)
{
    for (unsigned i = 0; i < 32; i++)
        hw.v[i][0] = hw.v[i][1] = 0x1111111111111111UL * (i % 15 + 1);
    memset(hw.file, 0xee, sizeof(hw.file)); /* another vCPU's, left in the CPU */
    unsigned long vl = first_use(v0);
    assert_false(cptr() & CPTR_EL2_TZ);
    for (unsigned i = 0; i < 32; i++) {
        assert_memory_equal(hw.file + i * vl, hw.v[i], 16);
        for (unsigned b = 16; b < vl; b++)
            assert_int_equal(hw.file[i * vl + b], 0);
    }
    for (unsigned b = 32 * vl; b < SVE_CTX_BYTES(vl); b++)
        assert_int_equal(hw.file[b], 0);
    /* The guest writes its registers and ZCR_EL1; put saves them and traps SVE again. */
    memset(hw.file, 0x5a, SVE_CTX_BYTES(vl));
    *host_sysreg(1, ZCR_EL1) = 1;
    ops->put(v0);
    assert_true(cptr() & CPTR_EL2_TZ);
    assert_int_equal(hw.saves, 1);
    /* v1 (no SVE) runs; its own first access starts from its own V, not from v0's file. */
    ops->load(v1);
    assert_true(cptr() & CPTR_EL2_TZ);
    memset(hw.v, 0, sizeof(hw.v));
    first_use(v1);
    assert_int_equal(hw.file[0], 0);
    assert_int_equal(hw.file[SVE_CTX_BYTES(vl) - 1], 0);
    *host_sysreg(1, ZCR_EL1) = 3;
    ops->put(v1);
    /* v0 again: its file and ZCR_EL1 back, at the VM's length. */
    ops->load(v0);
    assert_false(cptr() & CPTR_EL2_TZ);
    assert_int_equal(*host_sysreg(1, ZCR_EL2), 3);
    assert_int_equal(*host_sysreg(1, ZCR_EL1), 1);
    for (unsigned b = 0; b < SVE_CTX_BYTES(vl); b++)
        assert_int_equal(hw.file[b], 0x5a);
    ops->put(v0);
}

/* A reset (attach again) forgets which vCPUs used SVE: the next load restores nothing and the
 * next access traps. */
static void test_reset_forgets(void **state)
{
    first_use(v0);
    ops->put(v0);
    make_vm(0, 0);
    unsigned r = hw.restores;
    ops->load(v0);
    assert_int_equal(hw.restores, r);
    assert_true(cptr() & CPTR_EL2_TZ);
    ops->put(v0);
}

/* ZCR_EL1 keeps only LEN: a guest's other bits (RES0) never reach the hardware at load. */
static void test_zcr_el1_len_only(void **state)
{
    first_use(v0);
    *host_sysreg(1, ZCR_EL1) = ~0UL;
    ops->put(v0);
    ops->load(v0);
    assert_int_equal(*host_sysreg(1, ZCR_EL1), 0xf); /* LEN, bits [3:0] */
    ops->put(v0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_offered_only_where_every_cpu_has_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_is_the_smallest_of_cap_and_cpus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_sve_is_undefined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unused_costs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_use_then_switched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_forgets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zcr_el1_len_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
