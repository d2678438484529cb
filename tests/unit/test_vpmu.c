/* Host tests of the guest's PMU (vdev/vpmu.c) over the stand-in system registers (each PMU
 * register a plain value per CPU) and GIC: the part active only with a PMUv3 and an overflow
 * PPI; the first access makes the vCPU's PMU its own (MDCR_EL2: HPMN = N, PMCR_EL0 no longer
 * trapped); what the rows write to the hardware (EL2 and EL3 never counted, only the guest's
 * counters' bits, counters beyond N UNDEFINED); put saves and quiets the hardware, load
 * restores; the overflow interrupt's level on the vGIC and the physical PPI's mask; a VM whose
 * cpu-features say "no-pmu" has none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sysreg_trap.h"
#include "core/vcpu_hw.h"
#include "core/vm.h"
#include "core/platform.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vpmu.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/mdcr.h"
#include "arch/aarch64/regs/pmu.h"
#include "lib/fdt_write.h"
#include "tests/host/stubs.h"

#define PMCR       SYSREG(3, 3, 9, 12, 0)
#define CNTENSET   SYSREG(3, 3, 9, 12, 1)
#define OVSCLR     SYSREG(3, 3, 9, 12, 3)
#define SELR       SYSREG(3, 3, 9, 12, 5)
#define XEVTYPER   SYSREG(3, 3, 9, 13, 1)
#define XEVCNTR    SYSREG(3, 3, 9, 13, 2)
#define INTENSET   SYSREG(3, 0, 9, 14, 1)
#define OVSSET     SYSREG(3, 3, 9, 14, 3)
#define EVCNTR(n)  SYSREG(3, 3, 14, 8 + (n) / 8, (n) % 8)
#define EVTYPER(n) SYSREG(3, 3, 14, 12 + (n) / 8, (n) % 8)
#define CCFILTR    SYSREG(3, 3, 14, 15, 7)
#define PC0        0x40080000UL
#define N          6 /* the host's event counters */
#define PPI        23

static unsigned undefs;
void inject_undef(struct guest_regs *r) { undefs++; }

static struct {
    bool level[VM_MAX_VCPUS];
    unsigned calls;
} vgic;
void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    assert_non_null(v);
    assert_int_equal(intid, VPMU_VIRQ);
    vgic.level[v->id] = level;
    vgic.calls++;
}

static struct vm vm;
static struct vcpu *v0, *v1;
static const struct vcpu_hw_ops *ops = &vpmu_hw_ops;

static uint64_t *reg(const char *name) { return host_sysreg(1, name); }

/* A host with PMUv3p5, N counters and EL3, its PMU PPI 23; both vCPUs on CPU 1. */
static int setup(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    memset(&vgic, 0, sizeof(vgic));
    undefs = 0;
    for (unsigned c = 0; c < MAX_CPUS; c++) {
        *host_sysreg(c, "id_aa64dfr0_el1") = ID_FIELD_VAL(ID_AA64DFR0_EL1_PMUVER, ID_AA64DFR0_EL1_PMUVER_V3P5);
        *host_sysreg(c, "id_aa64pfr0_el1") = ID_FIELD_VAL(ID_AA64PFR0_EL1_EL3, 1);
        *host_sysreg(c, "pmcr_el0") = REG_FIELD(N, PMCR_EL0_N_SHIFT);
        *host_sysreg(c, "mdcr_el2") = MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDA;
    }
    platform.pmu_intid = PPI;
    host_set_cpu(0);
    ops->init();
    host_set_cpu(1);
    ops->cpu_init(1);
    vm.cfg.nr_vcpus = 2;
    vm.state = VM_RUNNING;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = 1;
        vm.vcpu[i].regs.pc = PC0;
    }
    v0 = &vm.vcpu[0];
    v1 = &vm.vcpu[1];
    vm.nr_hw = VCPU_HW_NR;
    vm.hw[VCPU_HW_VPMU] = (struct vcpu_hw){ ops, calloc(1, ops->vm_state_size) };
    assert_int_equal(ops->attach(&vm), 0);
    static const struct sysreg_table *const tables[] = { &vpmu_sysreg_table };
    assert_null(sysreg_trap_init(tables, 1));
    percpu_data[1].vcpu = v0;
    return 0;
}

static int teardown(void **state)
{
    free(vm.hw[VCPU_HW_VPMU].state);
    return 0;
}

static uint64_t esr_of(uint32_t id, bool read)
{
    return (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | ESR_IL | id | 5u << 5 | (read ? 1 : 0);
}

/* A trapped access (Rt = x5); false: UNDEFINED. */
static bool mrs(struct vcpu *v, uint32_t id, uint64_t *val)
{
    unsigned before = undefs;
    v->regs.x[5] = 0xbad;
    assert_int_equal(sysreg_trap(v, esr_of(id, true)), EXIT_RESUME);
    *val = v->regs.x[5];
    return undefs == before;
}

static bool msr(struct vcpu *v, uint32_t id, uint64_t val)
{
    unsigned before = undefs;
    v->regs.x[5] = val;
    assert_int_equal(sysreg_trap(v, esr_of(id, false)), EXIT_RESUME);
    return undefs == before;
}

static uint64_t rd(struct vcpu *v, uint32_t id)
{
    uint64_t val;
    assert_true(mrs(v, id, &val));
    return val;
}

static void test_advertised(void **state)
{
    assert_int_equal(vpmu_version(), ID_AA64DFR0_EL1_PMUVER_V3P5);
    assert_true(host_irq(PPI)->enabled);
    assert_ptr_equal(host_handlers[PPI].fn != 0, true);
    /* No PPI in the host's device tree: no PMU, its registers UNDEFINED. */
    platform.pmu_intid = 0;
    ops->init();
    assert_int_equal(vpmu_version(), 0);
    uint64_t val;
    assert_false(mrs(v0, PMCR, &val));
    assert_false(msr(v0, CNTENSET, 1));
}

/* The guest's arm,armv8-pmuv3 node: the structure block bytes dt_node writes (0: none). */
static uint32_t dt_node_bytes(void)
{
    static uint8_t buf[4096];
    struct fdt_writer w;
    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    uint32_t before = w.struct_len;
    struct vdev_dt dt = { .w = &w };
    ops->dt_node(&vm, &dt);
    return w.struct_len - before;
}

/* cpu-features "no-pmu": the VM has no PMU although the part is active (other VMs have it):
 * every PMU register UNDEFINED, MDCR_EL2 left trapping with no counters, nothing switched, no
 * node in its device tree. */
static void test_no_pmu(void **state)
{
    assert_true(dt_node_bytes() > 0);
    vm.cfg.cpu_features_off = CPU_FEAT_BIT(CPU_FEAT_PMU);
    assert_int_equal(dt_node_bytes(), 0);
    uint64_t val;
    assert_false(mrs(v0, PMCR, &val));
    assert_false(msr(v0, PMCR, PMCR_EL0_E));
    assert_false(msr(v0, CNTENSET, 1));
    assert_false(mrs(v0, EVCNTR(0), &val));
    assert_false(mrs(v0, CCFILTR, &val));
    assert_int_equal(undefs, 5);
    assert_int_equal(*reg("mdcr_el2"), MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDA);
    *reg("pmevcntr1_el0") = 7; /* another VM's */
    ops->load(v0);
    ops->put(v0);
    assert_int_equal(*reg("pmevcntr1_el0"), 7);
    /* The part itself stays active for the VMs that have a PMU. */
    assert_int_equal(vpmu_version(), ID_AA64DFR0_EL1_PMUVER_V3P5);
}

/* The first access: the vCPU's PMU from its reset state, PMCR_EL0 no longer trapped, HPMN = N;
 * other MDCR_EL2 fields left alone. N reads as the guest's. */
static void test_first_access(void **state)
{
    *reg("pmevcntr2_el0") = 77; /* another vCPU's leftover */
    uint64_t pmcr = rd(v0, PMCR);
    assert_int_equal(REG_GET(pmcr, PMCR_EL0_N), N);
    assert_int_equal(*reg("mdcr_el2"), MDCR_EL2_TPM | MDCR_EL2_TDA | REG_FIELD(N, MDCR_EL2_HPMN_SHIFT));
    assert_int_equal(*reg("pmevcntr2_el0"), 0);
    /* Reset filters: EL1 and EL0 only (EL3: M != P). */
    assert_int_equal(*reg("pmevtyper2_el0"), PMEVTYPER_M);
    assert_int_equal(*reg("pmccfiltr_el0"), PMEVTYPER_M);
}

static void test_filters(void **state)
{
    /* NSH (EL2) dropped; M, NSK, NSU follow P and U; reads show a CPU without EL2 and EL3. */
    assert_true(msr(v0, EVTYPER(1), 0x11 | PMEVTYPER_NSH | PMEVTYPER_P | PMEVTYPER_SH | PMEVTYPER_MT));
    assert_int_equal(*reg("pmevtyper1_el0"), 0x11 | PMEVTYPER_P | PMEVTYPER_NSK);
    assert_int_equal(rd(v0, EVTYPER(1)), 0x11 | PMEVTYPER_P);
    assert_true(msr(v0, CCFILTR, PMEVTYPER_U | PMEVTYPER_NSH | 0xffff));
    assert_int_equal(*reg("pmccfiltr_el0"), PMEVTYPER_U | PMEVTYPER_NSU | PMEVTYPER_M);
    assert_int_equal(rd(v0, CCFILTR), PMEVTYPER_U);
    /* Through PMSELR_EL0: counter 3, the cycle filter (31), nothing beyond N. */
    assert_true(msr(v0, SELR, 3));
    assert_true(msr(v0, XEVTYPER, 0x08 | PMEVTYPER_NSH));
    assert_int_equal(*reg("pmevtyper3_el0"), 0x08 | PMEVTYPER_M);
    assert_true(msr(v0, SELR, 31));
    assert_true(msr(v0, XEVTYPER, PMEVTYPER_NSH));
    assert_int_equal(*reg("pmccfiltr_el0"), PMEVTYPER_M);
    assert_true(msr(v0, SELR, N));
    *reg("pmevcntr0_el0") = 5;
    assert_true(msr(v0, XEVCNTR, 99));
    assert_int_equal(rd(v0, XEVCNTR), 0);
    assert_int_equal(rd(v0, XEVTYPER), 0);
    assert_true(msr(v0, SELR, 0xffe0 | 2)); /* SEL[4:0] only */
    assert_int_equal(*reg("pmselr_el0"), 2);
}

static void test_counter_range(void **state)
{
    uint64_t val;
    assert_true(msr(v0, EVCNTR(N - 1), 1234));
    assert_int_equal(*reg("pmevcntr5_el0"), 1234);
    assert_int_equal(rd(v0, EVCNTR(N - 1)), 1234);
    assert_false(mrs(v0, EVCNTR(N), &val));
    assert_false(msr(v0, EVCNTR(30), 1));
    assert_false(mrs(v0, EVTYPER(N), &val));
    /* The bitmask registers keep the guest's counters and the cycle counter. */
    assert_true(msr(v0, CNTENSET, ~0UL));
    assert_int_equal(*reg("pmcntenset_el0"), PMU_CYCLE_BIT | ((1u << N) - 1));
}

/* put saves the vCPU's PMU and leaves the hardware quiet; load brings it back. */
static void test_put_load(void **state)
{
    assert_true(msr(v0, EVCNTR(4), 444));
    assert_true(msr(v0, EVTYPER(4), 0x11));
    assert_true(msr(v0, CNTENSET, PMU_CYCLE_BIT | 0x10));
    *reg("pmccntr_el0") = 1000;
    *reg("pmuserenr_el0") = PMUSERENR_EL0_EN;
    *reg("pmcr_el0") |= PMCR_EL0_E | PMCR_EL0_LC; /* the guest's direct write */
    ops->put(v0);
    assert_int_equal(*reg("pmcr_el0") & PMCR_EL0_WRITABLE, 0);
    assert_int_equal(*reg("pmuserenr_el0"), 0);
    assert_int_equal(*reg("pmcntenclr_el0"), UINT32_MAX);
    assert_int_equal(*reg("pmintenclr_el1"), UINT32_MAX);
    assert_int_equal(*reg("pmovsclr_el0"), UINT32_MAX);
    assert_true(*reg("mdcr_el2") & MDCR_EL2_TPMCR);
    assert_int_equal(REG_GET(*reg("mdcr_el2"), MDCR_EL2_HPMN), 0);
    /* Another vCPU that never used its PMU: nothing restored, nothing saved. */
    *reg("pmevcntr4_el0") = 9;
    ops->load(v1);
    assert_int_equal(*reg("pmevcntr4_el0"), 9);
    ops->put(v1);
    ops->load(v0);
    assert_int_equal(*reg("pmevcntr4_el0"), 444);
    assert_int_equal(*reg("pmevtyper4_el0"), 0x11 | PMEVTYPER_M);
    assert_int_equal(*reg("pmccntr_el0"), 1000);
    assert_int_equal(*reg("pmuserenr_el0"), PMUSERENR_EL0_EN);
    assert_int_equal(*reg("pmcntenset_el0"), PMU_CYCLE_BIT | 0x10);
    assert_int_equal(*reg("pmcr_el0") & PMCR_EL0_WRITABLE, PMCR_EL0_E | PMCR_EL0_LC);
    assert_false(*reg("mdcr_el2") & MDCR_EL2_TPMCR);
    /* A VM reset: the vCPU starts over (its first access resets its PMU). */
    ops->put(v0);
    assert_int_equal(ops->attach(&vm), 0);
    ops->load(v0);
    assert_int_equal(*reg("pmevcntr4_el0"), 444); /* not restored: not used since */
    (void)rd(v0, EVCNTR(4));
    assert_int_equal(*reg("pmevcntr4_el0"), 0);
}

/* The overflow condition drives the guest's level; the physical PPI is masked while a counter
 * is flagged with its interrupt enabled. */
static void test_overflow_level(void **state)
{
    assert_true(msr(v0, INTENSET, 1));
    assert_false(vgic.level[0]);
    *reg("pmovsset_el0") = 1;
    *reg("pmcr_el0") |= PMCR_EL0_E;
    host_handlers[PPI].fn(PPI, host_handlers[PPI].arg);
    assert_true(vgic.level[0]);
    assert_false(host_irq(PPI)->enabled);
    assert_int_equal(v0->hw_sync.part[VCPU_HW_VPMU], 1);
    /* E cleared without a trap: the level falls at the next exit, the PPI stays masked. */
    *reg("pmcr_el0") &= ~PMCR_EL0_E;
    ops->sync(v0);
    assert_false(vgic.level[0]);
    assert_false(host_irq(PPI)->enabled);
    *reg("pmcr_el0") |= PMCR_EL0_E;
    ops->sync(v0);
    assert_true(vgic.level[0]);
    /* The guest clears the flag (the stand-in: PMOVSCLR writes are not folded into PMOVSSET). */
    *reg("pmovsset_el0") = 0;
    assert_true(msr(v0, OVSCLR, 1));
    assert_false(vgic.level[0]);
    assert_true(host_irq(PPI)->enabled);
    assert_int_equal(v0->hw_sync.part[VCPU_HW_VPMU], 0);
    /* Put with the level high: it stays on the vGIC, the PPI is enabled for the next vCPU. */
    assert_true(msr(v0, OVSSET, 1));
    *reg("pmovsset_el0") = 1;
    assert_true(msr(v0, OVSSET, 1));
    assert_true(vgic.level[0]);
    ops->put(v0);
    assert_true(vgic.level[0]);
    assert_true(host_irq(PPI)->enabled);
    /* With no vCPU that uses its PMU loaded, the interrupt does nothing. */
    percpu_data[1].vcpu = v1;
    unsigned calls = vgic.calls;
    host_handlers[PPI].fn(PPI, host_handlers[PPI].arg);
    assert_int_equal(vgic.calls, calls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_advertised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pmu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow_level, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
