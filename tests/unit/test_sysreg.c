/* Unit tests for core/sysreg_trap.c (lookup, access, write-back of Rt, PC step, UNDEFINED) and
 * vdev's tables of trapped system registers (vdev/id_regs.c, vdev/vsysreg.c,
 * vdev/vgic_sysregs.c, listed by vdev/trap_table.c). Each access is a SYS64 syndrome handed to
 * sysreg_trap(), as the exit path does; the host's ID registers are stand-ins
 * (tests/host/stubs.c) the test fills with fake values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/exit.h"
#include "core/sysreg_trap.h"
#include "vdev/vgic.h"
#include "vdev/vpsci.h"
#include "vdev/nested.h"
#include "vdev/vptimer.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/timer.h"
#include "arch/aarch64/regs/psr.h"
#include "arch/aarch64/regs/sctlr.h"
#include "arch/aarch64/regs/vncr.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/mdcr.h"
#include "arch/aarch64/regs/ich.h"
#include "arch/aarch64/regs/par.h"
#include "vdev/vsysreg.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vpauth.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "tests/host/stubs.h"

/* ---- stand-ins for what the tables name outside the files under test ---- */

static unsigned undefs;
void inject_undef(struct guest_regs *r) { undefs++; }
/* vdev/vsve.c's register file (its exit row is linked, never taken here). */
void fp_ctx_save(struct fp_ctx *c) {}
void fp_ctx_restore(const struct fp_ctx *c) {}
void sve_ctx_save(void *buf) {}
void sve_ctx_restore(const void *buf) {}
unsigned long sve_vl_bytes(void) { return 16; }

static unsigned vgic_calls;
static bool vgic_answer;
static uint64_t vgic_val;
static uint32_t vgic_id;
static bool vgic_group1;
static bool vgic_write(uint32_t id, uint64_t val, bool group1)
{
    vgic_calls++;
    vgic_id = id;
    vgic_val = val;
    vgic_group1 = group1;
    return vgic_answer;
}
bool vgic_sgi1r_write(struct vcpu *v, uint32_t id, uint64_t val) { return vgic_write(id, val, true); }
bool vgic_sgi0r_write(struct vcpu *v, uint32_t id, uint64_t val) { return vgic_write(id, val, false); }

/* vdev/vptimer.c's rows are linked (vdev/trap_table.c lists them), not driven: test_vptimer.
 * vdev/nested_gic.c's calls into the vGIC: recorded (the maintenance level, the interface put
 * and loaded, a deactivated interrupt) or answered (an interrupt for virtual EL2; INTID 27
 * linked to physical 27). */
static int maint_level = -1;
static unsigned vgic_puts, vgic_loads, vgic_flushes;
static uint32_t deactivated;
static bool irq_waits;
static int timer_level[32]; /* the PPIs' levels the timers set (vdev/vptimer.c) */
void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    if (intid == VGIC_MAINT_VIRQ)
        maint_level = level;
    else if (intid < 32)
        timer_level[intid] = level;
}
void vgic_put(struct vcpu *v) { vgic_puts++; }
void vgic_load(struct vcpu *v) { vgic_loads++; }
void vgic_flush(struct vcpu *v) { vgic_flushes++; }
static unsigned irq_groups = VGIC_WAITS_IRQ; /* what waits raises (its group), with irq_waits */
unsigned vgic_irq_deliverable(struct vcpu *v) { return irq_waits ? irq_groups : 0; }
bool vgic_hw_link(struct vcpu *v, uint32_t intid, uint32_t *pintid)
{
    *pintid = 27;
    return intid == 27;
}
void vgic_deactivate(struct vcpu *v, uint32_t intid) { deactivated = intid; }

/* vdev/vtimer.c's view of the VM's EL1 virtual timer, parked by vdev/nested_vhe.c while
 * virtual EL2 runs with E2H = 1: recorded. */
static const uint64_t *parked_ctl, *parked_cval, *parked_off;
void vtimer_park(struct vcpu *v, const uint64_t *ctl, const uint64_t *cval, const uint64_t *off)
{
    parked_ctl = ctl;
    parked_cval = cval;
    parked_off = off;
}
static bool parked_in(const struct nested_vcpu *n)
{
    return parked_ctl == &n->vncr[VNCR_CNTV_CTL_EL0 / 8] && parked_cval == &n->vncr[VNCR_CNTV_CVAL_EL0 / 8] &&
           parked_off == &n->vncr[VNCR_CNTVOFF_EL2 / 8];
}

static unsigned psci_hvcs, psci_smcs;
enum exit_result vpsci_hvc(struct vcpu *v, uint64_t esr)
{
    psci_hvcs++;
    return EXIT_RESUME;
}
enum exit_result vpsci_smc(struct vcpu *v, uint64_t esr)
{
    psci_smcs++;
    return EXIT_RESUME;
}

/* vdev/nested.c's calls into core and arch. */
static unsigned tlb_local, tlb_all, vm_stops;
void tlb_flush_el1_local(void) { tlb_local++; }
void tlb_flush_el1_all(void) { tlb_all++; }
enum exit_result exit_dabt(struct vcpu *v, uint64_t esr) { return EXIT_YIELD; }
enum exit_result exit_iabt(struct vcpu *v, uint64_t esr) { return EXIT_YIELD; }
void vm_stop(struct vm *vm, const char *fmt, ...) { vm_stops++; }

/* vdev/nested_at.c's AT on the CPU: the op, the VA and the regime and stage 2 it ran on are
 * recorded; the answer is at_answer. */
static unsigned at_calls, at_op;
static uint64_t at_va, at_answer, at_ttbr0, at_sctlr, at_hcr, at_vttbr;
uint64_t guest_at_raw(uint64_t va, unsigned op)
{
    at_calls++;
    at_op = op;
    at_va = va;
    at_ttbr0 = host_sysreg_read("ttbr0_el1");
    at_sctlr = host_sysreg_read("sctlr_el1");
    at_hcr = host_sysreg_read("hcr_el2");
    at_vttbr = host_sysreg_read("vttbr_el2");
    return at_answer;
}

/* ---- a guest ---- */

#define PC0 0x40080000UL

static struct vm vm;
static struct vcpu *v0, *v1;

static int setup(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    vm.cfg.nr_vcpus = 2;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].regs.pc = PC0;
        for (unsigned r = 0; r < 31; r++)
            vm.vcpu[i].regs.x[r] = 0x1000 * (i + 1) + r; /* recognizable */
    }
    v0 = &vm.vcpu[0];
    v1 = &vm.vcpu[1];
    /* Self-hosted debug's per-VM state, as core allocates it. */
    static uint8_t debug_state[16384];
    assert_true(vdebug_hw_ops.vm_state_size <= sizeof(debug_state));
    memset(debug_state, 0, sizeof(debug_state));
    vm.hw[VCPU_HW_VDEBUG].state = debug_state;
    assert_int_equal(vdebug_hw_ops.attach(&vm), 0);
    undefs = vgic_calls = 0;
    vgic_answer = true;
    const char *err = sysreg_trap_init(vdev_sysreg_tables, vdev_nr_sysreg_tables);
    if (err)
        fail_msg("sysreg_trap_init: %s", err);
    return 0;
}

/* ESR_EL2 of a trapped MRS (read) or MSR (write) of encoding id with register Rt (Arm ARM
 * D24.2, ISS for EC 0x18: Rt [9:5], Direction [0]). */
static uint64_t esr_of(uint32_t id, unsigned rt, bool read)
{
    return (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | ESR_IL | id | (uint64_t)rt << 5 | (read ? 1 : 0);
}

/* Reads id into x5 on v; true if it was not UNDEFINED (and then steps the PC). */
static bool mrs(struct vcpu *v, uint32_t id, uint64_t *val)
{
    unsigned before = undefs;
    uint64_t pc = v->regs.pc;
    assert_int_equal(sysreg_trap(v, esr_of(id, 5, true)), EXIT_RESUME);
    if (undefs != before) {
        assert_int_equal(undefs, before + 1);
        assert_int_equal(v->regs.pc, pc);
        return false;
    }
    assert_int_equal(v->regs.pc, pc + 4);
    *val = v->regs.x[5];
    return true;
}

/* Writes val to id from x7 on v; true if it was not UNDEFINED. */
static bool msr(struct vcpu *v, uint32_t id, uint64_t val)
{
    unsigned before = undefs;
    uint64_t pc = v->regs.pc;
    v->regs.x[7] = val;
    assert_int_equal(sysreg_trap(v, esr_of(id, 7, false)), EXIT_RESUME);
    if (undefs != before) {
        assert_int_equal(v->regs.pc, pc);
        return false;
    }
    assert_int_equal(v->regs.pc, pc + 4);
    return true;
}

/* The stand-in name of the host register an ID row reads (id_regs.c reads by encoding). */
static void id_name(uint32_t id, char *buf, size_t n)
{
    snprintf(buf, n, "s3_0_c0_c%u_%u", (unsigned)SYSREG_CRM(id), (unsigned)SYSREG_OP2(id));
}

static void set_host_ids(uint64_t val)
{
    char name[32];
    for (unsigned crm = 1; crm < 8; crm++)
        for (unsigned op2 = 0; op2 < 8; op2++) {
            id_name(SYSREG(3, 0, 0, crm, op2), name, sizeof(name));
            *host_sysreg(0, name) = val;
        }
}

/* What the guest saw before the ID registers became one table (vdev/vsysreg.c's sanitize() and
 * host_id(), with their literal field positions): the oracle for the table's masks. */
static uint64_t hide4(uint64_t v, unsigned shift) { return v & ~(0xfUL << shift); }
static uint64_t old_id_value(uint32_t id, uint64_t host)
{
    switch (id) {
    case SYSREG(3, 0, 0, 4, 0): /* EL0 [3:0] and EL1 [7:4]: AArch64 only */
        return hide4(hide4(hide4(hide4(hide4(hide4(hide4(hide4(host, 32), 28), 40), 44), 8), 12), 0), 4) | 1UL << 0 |
               1UL << 4;
    case SYSREG(3, 0, 0, 4, 1):
        return hide4(hide4(hide4(hide4(hide4(host, 8), 24), 28), 32), 44);
    case SYSREG(3, 0, 0, 5, 0): /* v8.0 debug with the host's breakpoints and watchpoints */
        return (6UL << 0) | (host & (0xfUL << 12 | 0xfUL << 20 | 0xfUL << 28)) | (0xfUL << 36);
    case SYSREG(3, 0, 0, 6, 1): /* pointer authentication is the host's (vdev/vpauth.c) */
        return host;
    case SYSREG(3, 0, 0, 6, 2): /* and MOPS; WFxT [3:0] hidden */
        return hide4(host, 0);
    case SYSREG(3, 0, 0, 7, 0): /* ECV [63:60]; FGT [59:56], a hypervisor's (docs/nested.md) */
        return hide4(hide4(host, 60), 56);
    case SYSREG(3, 0, 0, 7, 1): /* VH, XNX; HCX [43:40], a hypervisor's */
        return hide4(hide4(hide4(host, 8), 28), 40);
    case SYSREG(3, 0, 0, 7, 2):
        return hide4(hide4(host, 24), 40);
    case SYSREG(3, 0, 0, 6, 0):
        return host;
    default:
        /* The AArch32 registers (no AArch32 state is offered) and every other: zero. */
        return 0;
    }
}

/* ---- the ID registers ---- */

static void test_id_rows_hide_their_fields(void **state)
{
    static const uint64_t fakes[] = { ~0UL, 0, 0x0123456789abcdefUL, 0xfedcba9876543210UL, 0x1111111111111111UL };
    const struct sysreg_table *t = &id_reg_table;
    for (unsigned f = 0; f < sizeof(fakes) / sizeof(fakes[0]); f++) {
        set_host_ids(fakes[f]);
        for (unsigned i = 0; i < t->nr; i++) {
            const struct sysreg_desc *d = &t->rows[i];
            if (d->any)
                continue;
            uint64_t val = 0;
            assert_true(mrs(v0, d->enc, &val));
            /* What the row says ... */
            if (d->rd == SR_RD_HOST) /* d->host(): the fake, but ID_AA64DFR0_EL1's PMUVer (the PMU's) */
                assert_int_equal(val, (d->host() & ~d->hide) | d->val);
            else
                assert_int_equal(d->rd, SR_RD_FIXED);
            if (d->rd == SR_RD_FIXED)
                assert_int_equal(val, d->val);
            /* ... is what the guest saw before. */
            if (val != old_id_value(d->enc, fakes[f]))
                fail_msg("%s: 0x%lx, was 0x%lx", d->name, (unsigned long)val,
                         (unsigned long)old_id_value(d->enc, fakes[f]));
            /* Read-only. */
            assert_false(msr(v0, d->enc, val));
        }
    }
}

static void test_id_space(void **state)
{
    set_host_ids(~0UL);
    /* Every encoding TID3 traps reads as before; the unnamed ones as zero. */
    for (unsigned crm = 1; crm < 8; crm++)
        for (unsigned op2 = 0; op2 < 8; op2++) {
            uint32_t id = SYSREG(3, 0, 0, crm, op2);
            uint64_t val = 1;
            assert_true(mrs(v0, id, &val));
            assert_int_equal(val, old_id_value(id, ~0UL));
            assert_non_null(sysreg_lookup(id));
        }
    const struct sysreg_desc *d = sysreg_lookup(SYSREG(3, 0, 0, 3, 3));
    assert_non_null(d);
    assert_string_equal(d->name, "reserved ID register");
    assert_string_equal(sysreg_lookup(SYSREG(3, 0, 0, 4, 0))->name, "ID_AA64PFR0_EL1");
    assert_string_equal(sysreg_lookup(SYSREG(3, 0, 0, 7, 2))->name, "ID_AA64MMFR2_EL1");
    /* Named fields: SVE and EL2 hidden, EL0 and EL1 AArch64 only, FP (bits [19:16]) the host's. */
    uint64_t pfr0;
    assert_true(mrs(v0, SYSREG(3, 0, 0, 4, 0), &pfr0));
    assert_int_equal((pfr0 >> 32) & 0xf, 0);
    assert_int_equal((pfr0 >> 8) & 0xf, 0);
    assert_int_equal((pfr0 >> 16) & 0xf, 0xf);
    assert_int_equal(pfr0 & 0xff, 0x11);
    /* WFxT hidden; MOPS [19:16] (HCRX_EL2.MSCEn) and CLRBHB [31:28] the host's. */
    uint64_t isar2;
    assert_true(mrs(v0, SYSREG(3, 0, 0, 6, 2), &isar2));
    assert_int_equal((isar2 >> 16) & 0xf, 0xf);
    assert_int_equal(isar2 & 0xf, 0);
    assert_int_equal((isar2 >> 28) & 0xf, 0xf);
    /* The AArch32 ID registers (ID_PFR0_EL1, ID_ISAR0_EL1, MVFR0_EL1) read as zero. */
    uint64_t a32;
    assert_true(mrs(v0, SYSREG(3, 0, 0, 1, 0), &a32));
    assert_int_equal(a32, 0);
    assert_true(mrs(v0, SYSREG(3, 0, 0, 2, 0), &a32));
    assert_int_equal(a32, 0);
    assert_true(mrs(v0, SYSREG(3, 0, 0, 3, 0), &a32));
    assert_int_equal(a32, 0);
    /* CRm=0 (MIDR_EL1, MPIDR_EL1: never trapped) and CRm=8.. are not in the ranges. */
    uint64_t val;
    assert_null(sysreg_lookup(SYSREG(3, 0, 0, 0, 0)));
    assert_false(mrs(v0, SYSREG(3, 0, 0, 0, 5), &val));
    assert_false(mrs(v0, SYSREG(3, 0, 0, 8, 0), &val));
    assert_false(mrs(v0, SYSREG(3, 1, 0, 4, 0), &val));
    assert_false(mrs(v0, SYSREG(3, 0, 1, 4, 0), &val));
}

/* The field of width 4 at shift of the ID register id, as vCPU v reads it. */
static unsigned id_field(struct vcpu *v, uint32_t id, unsigned shift)
{
    uint64_t val;
    assert_true(mrs(v, id, &val));
    return (unsigned)(val >> shift) & 0xf;
}

#define DFR0    SYSREG(3, 0, 0, 5, 0)
#define ID_DFR0 SYSREG(3, 0, 0, 1, 2)

/* cpu-features: a feature turned off reads as not implemented (or the architecture's minimum)
 * in this VM only; one already hidden from every VM stays hidden. */
static void test_id_cpu_features(void **state)
{
    static const uint32_t every[] = {
        SYSREG(3, 0, 0, 4, 0), SYSREG(3, 0, 0, 4, 1), SYSREG(3, 0, 0, 4, 4), SYSREG(3, 0, 0, 4, 5), DFR0, ID_DFR0,
        SYSREG(3, 0, 0, 6, 1), SYSREG(3, 0, 0, 6, 2)
    };
    set_host_ids(~0UL);
    /* All on: 16 breakpoints (BRPs [15:12]), 16 watchpoints (WRPs [23:20]), 16 context-aware
     * (CTX_CMPs [31:28]) as the host has; the AArch32 PerfMon [27:24] zero, as all of AArch32. */
    assert_int_equal(id_field(v0, DFR0, 12), 0xf);
    assert_int_equal(id_field(v0, DFR0, 20), 0xf);
    assert_int_equal(id_field(v0, DFR0, 28), 0xf);
    assert_int_equal(id_field(v0, DFR0, 0), 6); /* DebugVer: v8.0 */
    assert_int_equal(id_field(v0, ID_DFR0, 24), 0);
    uint64_t on[8];
    for (unsigned i = 0; i < 8; i++)
        assert_true(mrs(v0, every[i], &on[i]));

    /* no-debug: the minimum an Armv8 CPU has, 2 breakpoints (1 context-aware), 2 watchpoints. */
    vm.cfg.cpu_features_off = CPU_FEAT_BIT(CPU_FEAT_DEBUG);
    assert_int_equal(id_field(v1, DFR0, 12), 1);
    assert_int_equal(id_field(v1, DFR0, 20), 1);
    assert_int_equal(id_field(v1, DFR0, 28), 0);
    assert_int_equal(id_field(v1, DFR0, 0), 6);
    assert_int_equal(id_field(v1, DFR0, 36), 0xf); /* no double lock, as before */
    assert_int_equal(id_field(v1, ID_DFR0, 24), 0);

    /* no-pmu: PMUVer [11:8] (0 here anyway: no PMU part is active; tests/unit/test_vpmu.c has
     * one) and the AArch32 PerfMon. */
    vm.cfg.cpu_features_off = CPU_FEAT_BIT(CPU_FEAT_PMU);
    assert_int_equal(id_field(v0, ID_DFR0, 24), 0);
    assert_int_equal(id_field(v0, DFR0, 8), 0);
    assert_int_equal(id_field(v0, DFR0, 12), 0xf);

    /* Everything off: the features hidden today stay hidden, nothing else moves but the above. */
    vm.cfg.cpu_features_off = (1u << CPU_FEAT_NR) - 1;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t val;
        assert_true(mrs(v0, every[i], &val));
        if (every[i] == DFR0)
            assert_int_equal(val, (on[i] & ~(0xfUL << 12 | 0xfUL << 20 | 0xfUL << 28)) | 1UL << 12 | 1UL << 20);
        else if (every[i] == ID_DFR0)
            assert_int_equal(val, on[i] & ~(0xfUL << 24));
        else if (every[i] == SYSREG(3, 0, 0, 6, 1)) /* no-pauth: APA, API, GPA, GPI */
            assert_int_equal(val, on[i] & ~0xff000ff0UL);
        else if (every[i] == SYSREG(3, 0, 0, 6, 2)) /* no-pauth: GPA3, APA3 */
            assert_int_equal(val, on[i] & ~0xff00UL);
        else
            assert_int_equal(val, on[i]);
    }
    assert_int_equal(id_field(v0, SYSREG(3, 0, 0, 4, 0), 32), 0); /* SVE */
    assert_int_equal(id_field(v0, SYSREG(3, 0, 0, 4, 1), 24), 0); /* SME */
    assert_int_equal(id_field(v0, SYSREG(3, 0, 0, 4, 1), 8), 0);  /* MTE */
    assert_int_equal(id_field(v0, SYSREG(3, 0, 0, 6, 1), 4), 0);  /* APA */
    assert_int_equal(id_field(v0, SYSREG(3, 0, 0, 6, 2), 12), 0); /* APA3 */
    /* Another register is untouched: ID_AA64ISAR0_EL1 the host's. */
    uint64_t isar0;
    assert_true(mrs(v0, SYSREG(3, 0, 0, 6, 0), &isar0));
    assert_int_equal(isar0, ~0UL);
}

/* ---- the other rows ---- */

static void test_unknown_is_undefined(void **state)
{
    static const uint32_t unknown[] = {
        SYSREG(3, 3, 9, 15, 0),  /* next to the PMU's registers */
        SYSREG(3, 0, 15, 0, 0),  /* IMPLEMENTATION DEFINED */
        SYSREG(3, 0, 1, 0, 0),   /* SCTLR_EL1: never trapped, so not in a table */
        SYSREG(3, 0, 12, 11, 4), /* next to ICC_SGI1R_EL1 */
        SYSREG(1, 0, 7, 6, 1),   /* DC IVAC */
        SYSREG(0, 0, 0, 0, 0),
    };
    for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        uint64_t val, x5 = v0->regs.x[5];
        assert_null(sysreg_lookup(unknown[i]));
        assert_false(mrs(v0, unknown[i], &val));
        assert_int_equal(v0->regs.x[5], x5);
        assert_false(msr(v0, unknown[i], 0x55));
    }
    assert_int_equal(undefs, 2 * sizeof(unknown) / sizeof(unknown[0]));
}

static void test_actlr(void **state)
{
    uint64_t val = 1;
    assert_true(mrs(v0, SYSREG(3, 0, 1, 0, 1), &val)); /* ACTLR_EL1: RAZ/WI */
    assert_int_equal(val, 0);
    assert_true(msr(v0, SYSREG(3, 0, 1, 0, 1), ~0UL));
    assert_true(mrs(v0, SYSREG(3, 0, 1, 0, 1), &val));
    assert_int_equal(val, 0);
    /* A guest single-stepping the trapped instruction takes its step right after it (PSTATE.SS
     * cleared, Arm ARM D2.12); the other PSTATE bits stay. */
    v0->regs.pstate = PSR_SS | PSR_D | PSR_M_EL1h;
    assert_true(mrs(v0, SYSREG(3, 0, 1, 0, 1), &val));
    assert_int_equal(v0->regs.pstate, PSR_D | PSR_M_EL1h);
}

/* ---- self-hosted debug (vdev/vdebug_regs.c) ---- */

#define OSLAR        SYSREG(2, 0, 1, 0, 4)
#define OSLSR        SYSREG(2, 0, 1, 1, 4)
#define MDSCR        SYSREG(2, 0, 0, 2, 2)
#define DBGBVR(n)    SYSREG(2, 0, 0, n, 4)
#define DBGBCR(n)    SYSREG(2, 0, 0, n, 5)
#define DBGWVR(n)    SYSREG(2, 0, 0, n, 6)
#define DBGWCR(n)    SYSREG(2, 0, 0, n, 7)
#define CLAIMSET     SYSREG(2, 0, 7, 8, 6)
#define CLAIMCLR     SYSREG(2, 0, 7, 9, 6)
#define MDSCR_EN     (1UL << 15 | 1UL << 13 | 1UL << 0) /* MDE, KDE, SS */
#define MDCR_TDA     (1UL << 9)
#define MDCR_TRAPPED (MDCR_TDA | 1UL << 10 | 1UL << 11) /* TDA, TDOSA, TDRA */

/* What each register holds in the (fake) hardware. */
static uint64_t hw(const char *name) { return *host_sysreg(0, name); }

static uint64_t guest_read(struct vcpu *v, uint32_t id)
{
    uint64_t val = 0;
    assert_true(mrs(v, id, &val));
    return val;
}

/* The host has 6 breakpoints and 4 watchpoints; every CPU traps the debug registers. */
static void debug_host(void)
{
    *host_sysreg(0, "id_aa64dfr0_el1") = 5UL << 12 | 3UL << 20 | 6;
    *host_sysreg(0, "mdcr_el2") = MDCR_TRAPPED;
    assert_int_equal(vdebug_hw_ops.attach(&vm), 0);
}

/* A vCPU that touches nothing costs nothing: its switch reads and writes no debug register.
 * While the OS lock is locked (as at reset) its registers stay in its copy, the hardware's
 * enables off and the registers trapped; unlocking loads them and stops the trapping. */
static void test_debug_lazy(void **state)
{
    debug_host();
    vdebug_hw_ops.load(v1);
    vdebug_hw_ops.put(v1);
    assert_false(host_sysreg_touched("dbgbvr0_el1"));
    assert_false(host_sysreg_touched("mdscr_el1"));
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);

    /* Locked at reset (OSLSR_EL1: OSLM = 0b10, OSLK). */
    assert_int_equal(guest_read(v0, OSLSR), 1UL << 3 | 1UL << 1);
    assert_false(mrs(v0, OSLAR, &(uint64_t){ 0 })); /* write-only */
    assert_false(msr(v0, OSLSR, 0));                /* read-only */
    assert_true(msr(v0, DBGBVR(0), 0x40001003));
    assert_true(msr(v0, DBGBCR(0), 0xff01e7 | 0xff000000));
    assert_true(msr(v0, DBGWVR(3), 0x40002000));
    assert_true(msr(v0, DBGWCR(3), 0x1ff7));
    assert_true(msr(v0, MDSCR, MDSCR_EN | 1UL << 12));
    assert_int_equal(guest_read(v0, DBGBVR(0)), 0x40001000); /* [1:0] RES0 */
    assert_int_equal(guest_read(v0, DBGBCR(0)), 0xff01e7 & 0xffe1e7);
    assert_int_equal(guest_read(v0, MDSCR), MDSCR_EN | 1UL << 12);
    assert_false(host_sysreg_touched("dbgbvr0_el1"));
    assert_int_equal(hw("mdscr_el1"), 1UL << 12); /* TDCC, no enables */
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);
    /* Only the CPU's breakpoints and watchpoints exist. */
    assert_false(msr(v0, DBGBVR(6), 1));
    assert_false(mrs(v0, DBGBCR(15), &(uint64_t){ 0 }));
    assert_false(msr(v0, DBGWVR(4), 1));
    assert_true(msr(v0, DBGBVR(5), 0));

    /* Unlocked: into the hardware, TDA clear, the hardware's OS lock unlocked. */
    *host_sysreg(0, "oslar_el1") = 1;
    assert_true(msr(v0, OSLAR, 0));
    assert_int_equal(guest_read(v0, OSLSR), 1UL << 3);
    assert_int_equal(hw("dbgbvr0_el1"), 0x40001000);
    assert_int_equal(hw("dbgbcr0_el1"), 0xff01e7 & 0xffe1e7);
    assert_int_equal(hw("dbgwvr3_el1"), 0x40002000);
    assert_int_equal(hw("dbgwcr3_el1"), 0x1ff7);
    assert_int_equal(hw("mdscr_el1"), MDSCR_EN | 1UL << 12);
    assert_int_equal(hw("oslar_el1"), 0);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED & ~MDCR_TDA);

    /* Switched: put saves what the guest did natively and traps again, load restores. */
    *host_sysreg(0, "dbgbvr0_el1") = 0x40003000;
    vdebug_hw_ops.put(v0);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);
    *host_sysreg(0, "dbgbvr0_el1") = 0xdead; /* another vCPU's */
    *host_sysreg(0, "dbgwcr3_el1") = 0xdead;
    vdebug_hw_ops.load(v1); /* v1 never used debug: nothing moves, its accesses trap */
    assert_int_equal(hw("dbgbvr0_el1"), 0xdead);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);
    vdebug_hw_ops.put(v1);
    vdebug_hw_ops.load(v0);
    assert_int_equal(hw("dbgbvr0_el1"), 0x40003000);
    assert_int_equal(hw("dbgwcr3_el1"), 0x1ff7);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED & ~MDCR_TDA);

    /* v1's first access loads its own registers over v0's: never sees them. */
    vdebug_hw_ops.put(v0);
    vdebug_hw_ops.load(v1);
    assert_true(msr(v1, OSLAR, 0));
    assert_int_equal(hw("dbgbvr0_el1"), 0x40003000); /* unlocking alone loads nothing */
    assert_int_equal(guest_read(v1, DBGBVR(0)), 0);
    assert_int_equal(hw("dbgbvr0_el1"), 0);
    assert_int_equal(hw("dbgwcr3_el1"), 0);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED & ~MDCR_TDA);
    vdebug_hw_ops.put(v1);

    /* Locking the OS lock again takes the enables out of the hardware; MDSCR_EL1 traps and
     * reads as the guest wrote it. */
    vdebug_hw_ops.load(v0);
    *host_sysreg(0, "mdscr_el1") = MDSCR_EN;
    assert_true(msr(v0, OSLAR, 1));
    assert_int_equal(hw("mdscr_el1"), 0);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);
    assert_int_equal(guest_read(v0, MDSCR), MDSCR_EN);
    assert_int_equal(guest_read(v0, DBGBVR(0)), 0x40003000);
    vdebug_hw_ops.put(v0);

    /* A VM reset: every register 0, the OS lock locked, nothing loaded. */
    assert_int_equal(vdebug_hw_ops.attach(&vm), 0);
    assert_int_equal(guest_read(v0, DBGBVR(0)), 0);
    assert_int_equal(guest_read(v0, OSLSR), 1UL << 3 | 1UL << 1);
}

static void test_debug_claim_tags(void **state)
{
    debug_host();
    assert_int_equal(guest_read(v0, CLAIMSET), 0xff); /* eight tags */
    assert_true(msr(v0, CLAIMSET, 0x105));
    assert_int_equal(guest_read(v0, CLAIMCLR), 0x05);
    assert_true(msr(v0, CLAIMCLR, 0x1));
    assert_int_equal(guest_read(v0, CLAIMCLR), 0x04);
    assert_int_equal(guest_read(v1, CLAIMCLR), 0);
    /* Loaded with the rest when unlocked. */
    assert_true(msr(v0, OSLAR, 0));
    assert_int_equal(hw("dbgclaimset_el1"), 0x04);
}

/* cpu-features "no-debug": the minimum of 2 breakpoints and 2 watchpoints, RAZ/WI; MDSCR_EL1
 * keeps no enable; nothing reaches the hardware, the registers trap for good. */
static void test_debug_off(void **state)
{
    vm.cfg.cpu_features_off = CPU_FEAT_BIT(CPU_FEAT_DEBUG);
    debug_host();
    assert_true(msr(v0, OSLAR, 0));
    assert_true(msr(v0, DBGBVR(1), 0x40001000));
    assert_true(msr(v0, DBGWCR(1), 1));
    assert_true(msr(v0, MDSCR, MDSCR_EN | 1UL << 12));
    assert_int_equal(guest_read(v0, DBGBVR(1)), 0);
    assert_int_equal(guest_read(v0, DBGWCR(1)), 0);
    assert_int_equal(guest_read(v0, MDSCR), 1UL << 12);
    assert_false(msr(v0, DBGBVR(2), 1));
    assert_false(msr(v0, DBGWCR(2), 1));
    assert_false(host_sysreg_touched("dbgbvr1_el1"));
    assert_int_equal(hw("mdscr_el1"), 1UL << 12);
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);
}

/* Every op0=2 encoding has a row: the rest (the DCC, trace) reads as zero and ignores writes
 * without loading anything. */
static void test_debug_range(void **state)
{
    debug_host();
    uint64_t val;
    assert_true(msr(v0, OSLAR, 0));
    static const uint32_t in[] = { SYSREG(2, 7, 15, 15, 7), SYSREG(2, 3, 0, 5, 0), SYSREG(2, 0, 0, 6, 2),
                                   SYSREG(2, 3, 0, 1, 0), SYSREG(2, 1, 0, 0, 0) };
    for (unsigned i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        const struct sysreg_desc *d = sysreg_lookup(in[i]);
        assert_non_null(d);
        assert_string_equal(d->name, "debug registers");
        val = 1;
        assert_true(mrs(v0, in[i], &val));
        assert_int_equal(val, 0);
        assert_true(msr(v0, in[i], ~0UL));
    }
    assert_false(host_sysreg_touched("dbgbvr0_el1"));
    assert_int_equal(hw("mdcr_el2"), MDCR_TRAPPED);
    assert_int_equal(guest_read(v0, SYSREG(2, 0, 1, 0, 0)), 0); /* MDRAR_EL1: no ROM table */
    assert_int_equal(guest_read(v0, SYSREG(2, 0, 1, 3, 4)), 0); /* OSDLR_EL1: no double lock */
    /* ... only op0=2: the same fields with op0=3 or 1 are not in the range. */
    assert_null(sysreg_lookup(SYSREG(3, 0, 0, 0, 4)));
    assert_null(sysreg_lookup(SYSREG(1, 0, 0, 0, 4)));
    assert_false(mrs(v0, SYSREG(3, 0, 0, 1, 7) | SYSREG(0, 1, 0, 0, 0), &val));
}

static void test_set_way(void **state)
{
    uint64_t val;
    /* DC ISW is upgraded to clean+invalidate; all are performed with the guest's operand. */
    assert_true(msr(v0, SYSREG(1, 0, 7, 6, 2), 0x42));
    assert_int_equal(*host_sysreg(0, "dc_cisw"), 0x42);
    assert_false(host_sysreg_touched("dc_csw"));
    assert_true(msr(v0, SYSREG(1, 0, 7, 10, 2), 0x84));
    assert_int_equal(*host_sysreg(0, "dc_csw"), 0x84);
    assert_true(msr(v0, SYSREG(1, 0, 7, 14, 2), 0x21));
    assert_int_equal(*host_sysreg(0, "dc_cisw"), 0x21);
    /* No read form. */
    assert_false(mrs(v0, SYSREG(1, 0, 7, 6, 2), &val));
}

static void test_vgic_rows(void **state)
{
    static const uint32_t icc[] = { SYSREG(3, 0, 12, 11, 5), SYSREG(3, 0, 12, 11, 6), SYSREG(3, 0, 12, 11, 7) };
    uint64_t val;
    for (unsigned i = 0; i < 3; i++) {
        vgic_calls = 0;
        assert_true(msr(v0, icc[i], 0x1000002UL + i));
        assert_int_equal(vgic_calls, 1);
        assert_int_equal(vgic_id, icc[i]);
        assert_int_equal(vgic_val, 0x1000002UL + i);
        assert_int_equal(vgic_group1, i < 2); /* ICC_SGI0R_EL1: Group 0 */
        /* The vGIC refuses (a GICv2 VM): UNDEFINED. */
        vgic_answer = false;
        assert_false(msr(v0, icc[i], 1));
        vgic_answer = true;
        /* Write-only: a read is UNDEFINED without asking the vGIC. */
        vgic_calls = 0;
        assert_false(mrs(v0, icc[i], &val));
        assert_int_equal(vgic_calls, 0);
    }
}

/* The EL1 physical timer's rows are listed (driven by test_vptimer). */
static void test_ptimer_rows_listed(void **state)
{
    assert_string_equal(sysreg_lookup(SYSREG(3, 3, 14, 2, 0))->name, "CNTP_TVAL_EL0");
    assert_string_equal(sysreg_lookup(SYSREG(3, 3, 14, 2, 1))->name, "CNTP_CTL_EL0");
    assert_string_equal(sysreg_lookup(SYSREG(3, 3, 14, 2, 2))->name, "CNTP_CVAL_EL0");
    assert_null(sysreg_lookup(SYSREG(3, 3, 14, 2, 3)));
    assert_null(sysreg_lookup(SYSREG(3, 3, 14, 3, 1))); /* CNTV_CTL_EL0: never trapped */
}

/* XZR as Rt: a read writes no register, a write writes 0. */
static void test_xzr(void **state)
{
    struct guest_regs before = v0->regs;
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(2, 0, 1, 1, 4), 31, true)), EXIT_RESUME); /* OSLSR_EL1 */
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(3, 0, 0, 4, 0), 31, true)), EXIT_RESUME); /* ID_AA64PFR0_EL1 */
    assert_int_equal(undefs, 0);
    assert_memory_equal(before.x, v0->regs.x, sizeof(before.x));
    assert_int_equal(v0->regs.pc, PC0 + 8);
    assert_true(msr(v0, SYSREG(2, 0, 0, 2, 2), 0x1234)); /* MDSCR_EL1 */
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(2, 0, 0, 2, 2), 31, false)), EXIT_RESUME);
    assert_int_equal(guest_read(v0, SYSREG(2, 0, 0, 2, 2)), 0);
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(3, 0, 12, 11, 5), 31, false)), EXIT_RESUME);
    assert_int_equal(vgic_val, 0);
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(1, 0, 7, 10, 2), 31, false)), EXIT_RESUME);
    assert_int_equal(*host_sysreg(0, "dc_csw"), 0);
    /* Rt = 0 and 30 are ordinary registers. */
    set_host_ids(0x1111);
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(3, 0, 0, 6, 0), 0, true)), EXIT_RESUME);
    assert_int_equal(v0->regs.x[0], 0x1111);
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(3, 0, 0, 6, 0), 30, true)), EXIT_RESUME);
    assert_int_equal(v0->regs.x[30], 0x1111);
    assert_int_equal(undefs, 0);
}

/* ---- the dispatcher on tables of the test's own ---- */

static unsigned nr_reads, nr_writes;
static uint32_t last_id;
static uint64_t last_val;
static bool t_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    nr_reads++;
    last_id = a->id;
    *val = 0xabc0 | a->op2;
    return a->op2 != 7; /* refuses op2 = 7 */
}
static bool t_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    nr_writes++;
    last_id = a->id;
    last_val = val;
    return true;
}

static void test_routing_and_ranges(void **state)
{
    static const struct sysreg_desc rows[] = {
        { .name = "range",
          .enc = SYSREG(3, 1, 11, 0, 0),
          .any = SYSREG(0, 0, 0, 3, 7),
          .rd = SR_RD_CALL,
          .wr = SR_WR_CALL,
          .read = t_read,
          .write = t_write },
        { .name = "one in the range", .enc = SYSREG(3, 1, 11, 2, 3), .rd = SR_RD_FIXED, .val = 77 },
        { .name = "write-ignored", .enc = SYSREG(3, 2, 0, 0, 0), .wr = SR_WR_IGNORE },
        { .name = "host", .enc = SYSREG(3, 0, 0, 4, 0), .rd = SR_RD_HOST, .host = NULL },
    };
    static const struct sysreg_table tbl = { rows, 3 };
    static const struct sysreg_table *const tables[] = { &tbl };
    assert_null(sysreg_trap_init(tables, 1));
    uint64_t val;
    /* Reads go to the read handler with the encoding accessed, writes to the write handler. */
    assert_true(mrs(v0, SYSREG(3, 1, 11, 3, 2), &val));
    assert_int_equal(val, 0xabc2);
    assert_int_equal(last_id, SYSREG(3, 1, 11, 3, 2));
    assert_true(msr(v0, SYSREG(3, 1, 11, 1, 5), 0x99));
    assert_int_equal(last_val, 0x99);
    assert_int_equal(last_id, SYSREG(3, 1, 11, 1, 5));
    assert_int_equal(nr_reads, 1);
    assert_int_equal(nr_writes, 1);
    /* A handler that refuses: UNDEFINED, x5 untouched. */
    uint64_t x5 = v0->regs.x[5];
    assert_false(mrs(v0, SYSREG(3, 1, 11, 0, 7), &val));
    assert_int_equal(v0->regs.x[5], x5);
    /* The single-register row wins inside the range; its write is UNDEFINED (the default). */
    assert_true(mrs(v0, SYSREG(3, 1, 11, 2, 3), &val));
    assert_int_equal(val, 77);
    assert_false(msr(v0, SYSREG(3, 1, 11, 2, 3), 1));
    assert_int_equal(nr_reads, 2);
    /* The range is CRm 0..3 of op0=3, op1=1, CRn=11 only. */
    assert_false(mrs(v0, SYSREG(3, 1, 11, 4, 0), &val));
    assert_false(mrs(v0, SYSREG(3, 0, 11, 0, 0), &val));
    assert_false(mrs(v0, SYSREG(3, 1, 12, 0, 0), &val));
    assert_false(mrs(v0, SYSREG(2, 1, 11, 0, 0), &val));
    /* Write-ignored, and a read is UNDEFINED (the default). */
    assert_true(msr(v0, SYSREG(3, 2, 0, 0, 0), 5));
    assert_false(mrs(v0, SYSREG(3, 2, 0, 0, 0), &val));
    assert_int_equal(nr_reads, 2);
    assert_int_equal(nr_writes, 1);
    /* Now the ID registers are not there. */
    assert_false(mrs(v0, SYSREG(3, 0, 0, 4, 0), &val));

    /* Tables that cannot be built. */
    static const struct sysreg_desc twice[] = {
        { .name = "a", .enc = SYSREG(3, 0, 12, 11, 5), .rd = SR_RD_FIXED },
        { .name = "b", .enc = SYSREG(3, 0, 12, 11, 5), .rd = SR_RD_FIXED },
    };
    static const struct sysreg_desc twice_id[] = {
        { .name = "a", .enc = SYSREG(3, 0, 0, 4, 0), .rd = SR_RD_FIXED },
        { .name = "b", .enc = SYSREG(3, 0, 0, 4, 0), .rd = SR_RD_FIXED },
    };
    static const struct sysreg_desc overlap[] = {
        { .name = "a", .enc = SYSREG(2, 0, 0, 0, 0), .any = SYSREG(0, 0, 0, 15, 0), .rd = SR_RD_FIXED },
        { .name = "b", .enc = SYSREG(2, 0, 0, 1, 0), .any = SYSREG(0, 0, 0, 0, 7), .rd = SR_RD_FIXED },
    };
    static const struct sysreg_desc bad_range[] = {
        { .name = "a", .enc = SYSREG(2, 0, 0, 1, 0), .any = SYSREG(0, 0, 0, 1, 0), .rd = SR_RD_FIXED },
    };
    static const struct sysreg_desc no_value_fn[] = {
        { .name = "a", .enc = SYSREG(3, 0, 12, 11, 5), .wr = SR_WR_VALUE, .write = t_write },
    };
    static const struct sysreg_table bad[] = { { twice, 2 },     { twice_id, 2 }, { overlap, 2 },
                                               { bad_range, 1 }, { &rows[3], 1 }, { no_value_fn, 1 } };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const struct sysreg_table *const one[] = { &bad[i] };
        assert_non_null(sysreg_trap_init(one, 1));
    }
    /* The same register in two tables. */
    static const struct sysreg_table first = { twice, 1 }, second = { &twice[1], 1 };
    static const struct sysreg_table *const both[] = { &first, &second };
    assert_non_null(sysreg_trap_init(both, 2));
}

/* Many registers in the hash: each is found, its neighbours are not. */
static void test_many_rows(void **state)
{
    static struct sysreg_desc rows[32];
    for (unsigned i = 0; i < 32; i++)
        rows[i] =
            (struct sysreg_desc){ .name = "r", .enc = SYSREG(3, i % 8, 13, i / 8, 1), .rd = SR_RD_FIXED, .val = i };
    static const struct sysreg_table tbl = { rows, 32 };
    static const struct sysreg_table *const tables[] = { &tbl };
    assert_null(sysreg_trap_init(tables, 1));
    for (unsigned i = 0; i < 32; i++) {
        uint64_t val;
        assert_true(mrs(v0, rows[i].enc, &val));
        assert_int_equal(val, i);
        assert_null(sysreg_lookup(rows[i].enc | SYSREG(0, 0, 0, 0, 2)));
    }
}

/* ---- the exit rows vdev provides ---- */

static void test_exit_hooks(void **state)
{
    bool hvc = false, smc = false;
    for (unsigned i = 0; i < vdev_nr_exit_hooks; i++) {
        const struct exit_hook *h = &vdev_exit_hooks[i];
        assert_true(h->ec != ESR_EC_SYS64 && h->ec != ESR_EC_WFX);
        if (h->ec == ESR_EC_HVC64) {
            hvc = true;
            assert_int_equal(h->cls, EXITC_HVC);
            assert_ptr_equal(h->fn, vpsci_hvc);
        }
        if (h->ec == ESR_EC_SMC64) {
            smc = true;
            assert_int_equal(h->cls, EXITC_SMC);
            assert_ptr_equal(h->fn, vpsci_smc);
        }
    }
    assert_true(hvc && smc);
    /* A VM at virtual EL2 sees them first in its own modes (test_nested_*), with the main rows'
     * classes; only its guest's mode takes the trapped system registers. */
    assert_int_equal(vdev_nr_exit_modes, NESTED_EXIT_L2);
    for (unsigned m = NESTED_EXIT_VEL2; m <= NESTED_EXIT_L2; m++) {
        bool mhvc = false, msmc = false, msys = false;
        for (unsigned i = 0; i < vdev_exit_modes[m - 1].nr; i++) {
            const struct exit_hook *h = &vdev_exit_modes[m - 1].rows[i];
            mhvc |= h->ec == ESR_EC_HVC64 && h->fn == nested_hvc && h->cls == EXITC_HVC;
            msmc |= h->ec == ESR_EC_SMC64 && h->fn == nested_smc && h->cls == EXITC_SMC;
            msys |= h->ec == ESR_EC_SYS64 && h->fn == nested_guest_trap && h->cls == EXITC_SYSREG;
        }
        assert_true(mhvc && msmc);
        assert_int_equal(msys, m == NESTED_EXIT_L2);
    }
}

/* Pointer authentication (vdev/vpauth.c): the key registers trap until first used; the first
 * access is performed on the vCPU's own keys (zero at reset, whatever the hardware holds), then
 * they are in the hardware and HCR_EL2.API/APK are set for that vCPU only; its switch saves and
 * restores the four keys EL2 never uses, and key A travels in its register file. */
#define APIAKEYLO SYSREG(3, 0, 2, 1, 0)
#define APIBKEYHI SYSREG(3, 0, 2, 1, 3)
#define APDBKEYLO SYSREG(3, 0, 2, 2, 2)
#define APGAKEYHI SYSREG(3, 0, 2, 3, 1)
static void pauth_host(void)
{
    *host_sysreg(0, "id_aa64isar1_el1") = 5UL << 4 | 1UL << 24; /* APA: QARMA5 with FPAC; GPA */
    static uint8_t pauth_state[4096];
    assert_true(vpauth_hw_ops.vm_state_size <= sizeof(pauth_state));
    vm.hw[VCPU_HW_VPAUTH].state = pauth_state;
    assert_int_equal(vpauth_hw_ops.attach(&vm), 0);
}

static void test_pauth_lazy(void **state)
{
    pauth_host();
    *host_sysreg(0, "s3_0_c2_c1_2") = 0xe12; /* another vCPU's APIBKeyLo, say */
    vpauth_hw_ops.load(v1);
    vpauth_hw_ops.put(v1);
    assert_false(host_sysreg_touched("s3_0_c2_c3_1"));
    assert_int_equal(v1->hcr_parts, 0);

    assert_int_equal(guest_read(v0, APIAKEYLO), 0); /* its own, not the hardware's */
    assert_int_equal(v0->hcr_parts, HCR_EL2_API | HCR_EL2_APK);
    assert_int_equal(v0->regs.pauth_live, 1);
    assert_int_equal(hw("s3_0_c2_c1_2"), 0); /* its APIBKeyLo loaded */
    assert_int_equal(v1->hcr_parts, 0);
    /* Switched: the four keys EL2 never uses with the vCPU; key A in its register file. */
    *host_sysreg(0, "s3_0_c2_c1_3") = 0xb1;
    *host_sysreg(0, "s3_0_c2_c3_1") = 0x9a;
    v0->regs.apia[0] = 0xa0;
    vpauth_hw_ops.put(v0);
    *host_sysreg(0, "s3_0_c2_c1_3") = 0;
    *host_sysreg(0, "s3_0_c2_c3_1") = 0;
    vpauth_hw_ops.load(v0);
    assert_int_equal(hw("s3_0_c2_c1_3"), 0xb1);
    assert_int_equal(hw("s3_0_c2_c3_1"), 0x9a);
    assert_int_equal(hw("s3_0_c2_c1_0"), 0); /* key A is never written here: EL2's stays */
    assert_int_equal(undefs, 0);

    /* A key write activates too, the value landing in the hardware; a PAC instruction trap
     * (EC 0x09) activates and executes the instruction again (PC unchanged). */
    assert_true(msr(v1, APDBKEYLO, 0xdb));
    assert_int_equal(hw("s3_0_c2_c2_2"), 0xdb);
    assert_int_equal(v1->hcr_parts, HCR_EL2_API | HCR_EL2_APK);
    assert_true(vpauth_hw_ops.attach(&vm) == 0);
    v1->hcr_parts = 0;
    v1->regs.pauth_live = 0;
    uint64_t pc = v1->regs.pc;
    assert_int_equal(vpauth_trap(v1, (uint64_t)ESR_EC_PAC << ESR_EC_SHIFT), EXIT_RESUME);
    assert_int_equal(v1->regs.pc, pc);
    assert_int_equal(v1->hcr_parts, HCR_EL2_API | HCR_EL2_APK);
    assert_true(msr(v1, APIBKEYHI, 7));
    assert_int_equal(hw("s3_0_c2_c1_3"), 7);
}

/* Turned off (or absent from the CPU): keys and PAC instructions UNDEFINED, nothing loaded. */
static void test_pauth_off(void **state)
{
    pauth_host();
    vm.cfg.cpu_features_off = CPU_FEAT_BIT(CPU_FEAT_PAUTH);
    assert_false(mrs(v0, APGAKEYHI, &(uint64_t){ 0 }));
    assert_false(msr(v0, APIAKEYLO, 1));
    vpauth_trap(v0, (uint64_t)ESR_EC_PAC << ESR_EC_SHIFT);
    assert_int_equal(undefs, 3);
    assert_int_equal(v0->hcr_parts, 0);
    vm.cfg.cpu_features_off = 0;
    *host_sysreg(0, "id_aa64isar1_el1") = 0;
    assert_false(mrs(v0, APIAKEYLO, &(uint64_t){ 0 }));
    assert_int_equal(v0->hcr_parts, 0);
}

/* ---- virtual EL2 (vdev/nested.c, nested_regs.c) ---- */

#define SCTLR_EL2_ENC SYSREG(3, 4, 1, 0, 0)
#define VBAR_EL2_ENC  SYSREG(3, 4, 12, 0, 0)
#define TLBI_ALLE2    SYSREG(1, 4, 8, 7, 0)
#define ESR_HVC       ((uint64_t)ESR_EC_HVC64 << ESR_EC_SHIFT | ESR_IL | 0x42)
#define ESR_SMC       ((uint64_t)ESR_EC_SMC64 << ESR_EC_SHIFT | ESR_IL)
#define ESR_ERET      ((uint64_t)ESR_EC_ERET << ESR_EC_SHIFT | ESR_IL)

static struct nested_vm nested_state;
static _Alignas(4096) uint64_t vncr_pages[2][512];

/* v0's VM at virtual EL2, as nested_attach leaves it (the CPU check and allocation aside). */
static void make_nested(void)
{
    memset(&nested_state, 0, sizeof(nested_state));
    memset(vncr_pages, 0, sizeof(vncr_pages));
    vm.cfg.virtual_el2 = true;
    vm.hw[VCPU_HW_NESTED].state = &nested_state;
    for (unsigned i = 0; i < 2; i++) {
        nested_state.cpu[i].vncr = vncr_pages[i];
        nested_state.cpu[i].el2.sctlr = SCTLR_EL2_RES1;
    }
    tlb_local = tlb_all = vm_stops = psci_hvcs = psci_smcs = 0;
    maint_level = -1;
    vgic_puts = vgic_loads = vgic_flushes = deactivated = 0;
    irq_waits = false;
    parked_ctl = parked_cval = parked_off = 0;
}

/* Without virtual-el2 nothing changes: HVC and SMC are PSCI's, the EL2 registers and ERET are
 * UNDEFINED, EL2 is not advertised. */
static void test_nested_off(void **state)
{
    uint64_t val;
    assert_false(mrs(v0, SCTLR_EL2_ENC, &val));
    assert_false(msr(v0, TLBI_ALLE2, 0));
    assert_int_equal(nested_hvc(v0, ESR_HVC), EXIT_RESUME);
    assert_int_equal(nested_smc(v0, ESR_SMC), EXIT_RESUME);
    assert_int_equal(psci_hvcs, 1);
    assert_int_equal(psci_smcs, 1);
    unsigned before = undefs;
    nested_eret(v0, ESR_ERET);
    assert_int_equal(undefs, before + 1);
    set_host_ids(~0UL);
    assert_true(mrs(v0, SYSREG(3, 0, 0, 4, 0), &val));
    assert_int_equal((val >> 8) & 0xf, 0); /* ID_AA64PFR0_EL1.EL2 */
    assert_true(mrs(v0, SYSREG(3, 0, 0, 6, 2), &val));
    assert_int_equal(val >> 60, 0xf); /* ID_AA64ISAR2_EL1.ATS1A: the host's (the CPU runs them) */
}

/* At virtual EL2: EL2 advertised (not NV), its trapped registers kept and applied to the EL1
 * register that runs its regime, a TLBI of EL2 invalidates the VMID everywhere. */
static void test_nested_el2_regs(void **state)
{
    make_nested();
    uint64_t val;
    set_host_ids(~0UL);
    assert_true(mrs(v0, SYSREG(3, 0, 0, 4, 0), &val));
    assert_int_equal((val >> 8) & 0xf, 1);
    assert_true(mrs(v0, SYSREG(3, 0, 0, 7, 2), &val));
    assert_int_equal((val >> 24) & 0xf, 0); /* ID_AA64MMFR2_EL1.NV */
    assert_true(mrs(v0, SYSREG(3, 0, 0, 6, 2), &val));
    assert_int_equal(val >> 60, 0); /* ID_AA64ISAR2_EL1.ATS1A: AT S1E1A/S1E2A not emulated */

    assert_true(msr(v0, SCTLR_EL2_ENC, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_I));
    assert_true(mrs(v0, SCTLR_EL2_ENC, &val));
    assert_int_equal(val, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_I);
    val = host_sysreg_read("sctlr_el1");
    assert_true((val & SCTLR_M) && (val & SCTLR_I) && (val & SCTLR_nTWI));
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40081234));
    assert_true(mrs(v0, VBAR_EL2_ENC, &val));
    assert_int_equal(val, 0x40081000);
    assert_int_equal(host_sysreg_read("vbar_el1"), 0x40081000);
    assert_true(msr(v0, TLBI_ALLE2, 0));
    assert_int_equal(tlb_all, 1);
    /* One vCPU's registers are not another's. */
    assert_true(mrs(v1, VBAR_EL2_ENC, &val));
    assert_int_equal(val, 0);
}

/* Its GIC virtual interface: ICC_SRE_EL2 reads as system registers enabled, writes ignored;
 * ICH_VTR_EL2 shows the CPU's list registers with nV4; ICH_EISR_EL2, ICH_ELRSR_EL2 and
 * ICH_MISR_EL2 follow the list registers, ICH_HCR_EL2 and ICH_VMCR_EL2 in its VNCR page; the
 * read-only ones cannot be written; at its EL1 guest they are not reached. */
static void test_nested_gic_regs(void **state)
{
    make_nested();
    uint64_t val, *vncr = nested_state.cpu[0].vncr;
    host_sysreg_write("ich_vtr_el2", REG_FIELD(4, ICH_VTR_PREBITS_SHIFT) | ICH_VTR_TDS | 3);
    assert_true(mrs(v0, SYSREG(3, 4, 12, 9, 5), &val));
    assert_int_equal(val, ICC_SRE_EL2_SRE | ICC_SRE_EL2_DFB | ICC_SRE_EL2_DIB | ICC_SRE_EL2_ENABLE);
    assert_true(msr(v0, SYSREG(3, 4, 12, 9, 5), 0));
    assert_true(mrs(v0, SYSREG(3, 4, 12, 11, 1), &val));
    assert_int_equal(val, REG_FIELD(4, ICH_VTR_PREBITS_SHIFT) | ICH_VTR_NV4 | 3);
    assert_false(msr(v0, SYSREG(3, 4, 12, 11, 1), 0));

    /* LR0 pending, LR1 invalid with an EOI request done, LR2 invalid HW, LR3 empty. */
    vncr[VNCR_ICH_LR0_EL2 / 8 + 0] = ICH_LR_PENDING | 27;
    vncr[VNCR_ICH_LR0_EL2 / 8 + 1] = ICH_LR_EOI | 28;
    vncr[VNCR_ICH_LR0_EL2 / 8 + 2] = ICH_LR_HW | ICH_LR_EOI | 29;
    assert_true(mrs(v0, SYSREG(3, 4, 12, 11, 3), &val));
    assert_int_equal(val, 0x2);
    assert_true(mrs(v0, SYSREG(3, 4, 12, 11, 5), &val));
    assert_int_equal(val, 0xc);
    vncr[VNCR_ICH_HCR_EL2 / 8] = ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_NPIE | ICH_HCR_VGRP1EIE | ICH_HCR_VGRP0DIE;
    vncr[VNCR_ICH_VMCR_EL2 / 8] = ICH_VMCR_VENG1;
    assert_true(mrs(v0, SYSREG(3, 4, 12, 11, 2), &val));
    /* EOI (LR1), U (one valid LR), not NP (LR0 pending), group 1 enabled, group 0 disabled. */
    assert_int_equal(val, ICH_MISR_EOI | ICH_MISR_U | ICH_MISR_VGRP1E | ICH_MISR_VGRP0D);
    vncr[VNCR_ICH_LR0_EL2 / 8 + 0] = ICH_LR_ACTIVE | 27;
    vncr[VNCR_ICH_LR0_EL2 / 8 + 3] = ICH_LR_ACTIVE | 30;
    vncr[VNCR_ICH_HCR_EL2 / 8] |= REG_FIELD(1, ICH_HCR_EOICOUNT_SHIFT) | ICH_HCR_LRENPIE;
    assert_true(mrs(v0, SYSREG(3, 4, 12, 11, 2), &val));
    assert_int_equal(val, ICH_MISR_EOI | ICH_MISR_LRENP | ICH_MISR_NP | ICH_MISR_VGRP1E | ICH_MISR_VGRP0D);

    nested_state.cpu[0].at_el1 = true;
    assert_false(mrs(v0, SYSREG(3, 4, 12, 11, 1), &val));
}

/* v0 at virtual EL2 with a GIC of four list registers and its VBAR_EL2 at 0x40081000. */
static struct nested_vcpu *make_nested_gic(void)
{
    make_nested();
    host_sysreg_write("ich_vtr_el2", REG_FIELD(4, ICH_VTR_PREBITS_SHIFT) | 3);
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40081000));
    return &nested_state.cpu[0];
}

/* Its EL1 guest under HCR_EL2.IMO gets the CPU's GIC interface loaded with the guest
 * hypervisor's list registers (a HW link to the VM's timer INTID kept as the physical one, any
 * other HW link turned into an EOI request), ICH_HCR_EL2 without its trap bits; what the guest
 * ends goes back to the VNCR page and deactivates the VM's interrupt; an interrupt of the VM
 * that waits sends the vCPU to virtual EL2's IRQ vector with the VM's interface back. */
static void test_nested_gic_lend(void **state)
{
    struct nested_vcpu *n = make_nested_gic();
    uint64_t *vncr = n->vncr;
    vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_IMO;
    const uint64_t lr0 = ICH_LR_HW | REG_FIELD(27, ICH_LR_PINTID_SHIFT) | ICH_LR_PENDING | ICH_LR_GROUP | 27;
    const uint64_t lr1 = ICH_LR_HW | REG_FIELD(40, ICH_LR_PINTID_SHIFT) | ICH_LR_ACTIVE | ICH_LR_GROUP | 33;
    vncr[VNCR_ICH_LR0_EL2 / 8 + 0] = lr0;
    vncr[VNCR_ICH_LR0_EL2 / 8 + 1] = lr1;
    vncr[VNCR_ICH_HCR_EL2 / 8] = ICH_HCR_EN | ICH_HCR_UIE | REG_BIT(12) /* TALL1 */;
    vncr[VNCR_ICH_VMCR_EL2 / 8] = ICH_VMCR_VENG1 | REG_FIELD(0xf0, ICH_VMCR_VPMR_SHIFT);
    vncr[VNCR_ICH_AP1R0_EL2 / 8] = 0x1;
    host_sysreg_write("elr_el1", 0x40090000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_true(n->at_el1);
    assert_int_equal(maint_level, 0); /* U needs UIE and at most one valid LR: two are */
    assert_true(v0->hw_flush.part[VCPU_HW_NESTED]);

    nested_hw_ops.flush(v0);
    assert_true(n->gic_lent);
    assert_int_equal(vgic_puts, 1);
    assert_int_equal(host_sysreg_read("ich_lr0_el2"), lr0);
    assert_int_equal(host_sysreg_read("ich_lr1_el2"), (lr1 & ~(ICH_LR_HW | ICH_LR_PINTID_MASK)) | ICH_LR_EOI);
    assert_int_equal(host_sysreg_read("ich_hcr_el2"), ICH_HCR_EN | ICH_HCR_UIE);
    assert_int_equal(host_sysreg_read("ich_vmcr_el2"), vncr[VNCR_ICH_VMCR_EL2 / 8]);
    assert_int_equal(host_sysreg_read("ich_ap1r0_el2"), 1);
    assert_true(v0->hw_flush.part[VCPU_HW_NESTED]); /* every entry looks again */

    /* Its guest ends LR1's interrupt (an EOI request done): the VM's INTID 40 is deactivated
     * and the LR emptied, without leaving the guest. */
    host_sysreg_write("ich_lr1_el2", (lr1 & ~(ICH_LR_HW | ICH_LR_PINTID_MASK | ICH_LR_STATE_MASK)) | ICH_LR_EOI);
    nested_hw_ops.flush(v0);
    assert_int_equal(deactivated, 40);
    assert_true(n->at_el1);
    assert_int_equal(host_sysreg_read("ich_lr1_el2") & ICH_LR_EOI, 0);

    /* It acknowledges LR0 (active now), then an interrupt of the VM waits. */
    host_sysreg_write("ich_lr0_el2", (lr0 & ~ICH_LR_STATE_MASK) | ICH_LR_ACTIVE);
    irq_waits = true;
    v0->regs.pc = 0x40090040;
    nested_hw_ops.flush(v0);
    assert_false(n->at_el1);
    assert_false(n->gic_lent);
    assert_int_equal(v0->regs.pc, 0x40081000 + 0x400 + 0x80);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40090040);
    assert_int_equal(vgic_loads, 1);
    assert_int_equal(vgic_flushes, 1);
    assert_int_equal(vncr[VNCR_ICH_LR0_EL2 / 8 + 0], (lr0 & ~ICH_LR_STATE_MASK) | ICH_LR_ACTIVE);
    assert_int_equal(vncr[VNCR_ICH_LR0_EL2 / 8 + 1], lr1 & ~ICH_LR_STATE_MASK); /* its own encoding */
    assert_int_equal(host_sysreg_read("ich_lr0_el2"), 0);
    assert_int_equal(host_sysreg_read("ich_hcr_el2"), 0);
    assert_int_equal(vncr[VNCR_ICH_HCR_EL2 / 8], ICH_HCR_EN | ICH_HCR_UIE | REG_BIT(12));
    /* One valid LR left with UIE: the maintenance interrupt is raised for virtual EL2. */
    assert_int_equal(maint_level, 1);

    /* It clears ICH_HCR_EL2.En in the page (no trap), as KVM does after its guest's exit, and
     * returns within virtual EL2 (from the handler of that stale interrupt, say): the ERET
     * drops the level. Another ERET with nothing changed does not tell the vGIC again. */
    vncr[VNCR_ICH_HCR_EL2 / 8] = ICH_HCR_UIE;
    host_sysreg_write("spsr_el1", PSR_M_EL2h);
    host_sysreg_write("elr_el1", 0x40081234);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40081234);
    assert_int_equal(maint_level, 0);
    maint_level = -1;
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_int_equal(maint_level, -1);
    vncr[VNCR_ICH_HCR_EL2 / 8] = ICH_HCR_EN | ICH_HCR_UIE;
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_int_equal(maint_level, 1);
}

/* The VM's Group 0 interrupt while its guest runs on the lent interface: with its FMO, taken at
 * virtual EL2's FIQ vector (+ 0x500); without, it waits (its guest keeps running: the VM's list
 * registers are not loaded); Group 1 with it still goes to the IRQ vector; both with FMO: FIQ. */
static void test_nested_group0_fiq(void **state)
{
    struct nested_vcpu *n = make_nested_gic();
    uint64_t *vncr = n->vncr;
    static const struct {
        uint64_t hcr;
        unsigned groups;
        uint64_t vector; /* 0: its guest runs on */
    } t[] = {
        { HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_FMO, VGIC_WAITS_FIQ, 0x500 },
        { HCR_EL2_RW | HCR_EL2_IMO, VGIC_WAITS_FIQ, 0 },
        { HCR_EL2_RW | HCR_EL2_IMO, VGIC_WAITS_FIQ | VGIC_WAITS_IRQ, 0x480 },
        { HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_FMO, VGIC_WAITS_FIQ | VGIC_WAITS_IRQ, 0x500 },
        { HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_FMO, VGIC_WAITS_IRQ, 0x480 },
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        vncr[VNCR_HCR_EL2 / 8] = t[i].hcr;
        host_sysreg_write("elr_el1", 0x40090000);
        host_sysreg_write("spsr_el1", PSR_M_EL1h);
        assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
        assert_true(n->at_el1);
        irq_waits = true;
        irq_groups = t[i].groups;
        v0->regs.pc = 0x40090040;
        nested_hw_ops.flush(v0);
        if (t[i].vector) {
            assert_false(n->at_el1);
            assert_int_equal(v0->regs.pc, 0x40081000 + t[i].vector);
            assert_int_equal(host_sysreg_read("elr_el1"), 0x40090040);
        } else {
            assert_true(n->at_el1);
            assert_true(n->gic_lent);
            assert_int_equal(v0->regs.pc, 0x40090040);
            /* A Group 1 interrupt then takes it to the IRQ vector, the Group 0 one with it. */
            irq_groups = VGIC_WAITS_FIQ | VGIC_WAITS_IRQ;
            nested_hw_ops.flush(v0);
            assert_false(n->at_el1);
            assert_int_equal(v0->regs.pc, 0x40081000 + 0x480);
        }
        assert_false(n->gic_lent);
        irq_waits = false;
        irq_groups = VGIC_WAITS_IRQ;
    }
}

/* ERET to its EL1 guest switches context; an HVC there comes back to VBAR_EL2 + 0x400 with
 * ELR_EL2, SPSR_EL2 and ESR_EL2 as the CPU would set them; an illegal ERET sets PSTATE.IL; with
 * its own stage 2 its guest runs on the shadow's VTTBR_EL2, and the exit puts the VM's back. */
/* The decision with its HCR_EL2 and CNTHCTL_EL2 (CPTR_EL2 and MDCR_EL2 trapping nothing). */
static bool is_vel2s(uint64_t esr, uint64_t hcr, uint64_t cnthctl)
{
    struct nested_ctls c = { .hcr = hcr, .cnthctl = cnthctl };
    return nested_trap_is_vel2s(esr, &c);
}

static bool wanted(uint64_t hcr, uint64_t cnthctl)
{
    struct nested_ctls c = { .hcr = hcr, .cnthctl = cnthctl };
    return nested_traps_wanted(&c);
}

/* What its guest's trapped exceptions go to virtual EL2 for (vdev/nested_traps.c): a PAC
 * instruction without its HCR_EL2.API, a key register without APK, an ID group 3 read with
 * TID3 (not a write, not outside CRm 1..7), ACTLR_EL1 with TACR, the EL1 physical timer without
 * its CNTHCTL_EL2.EL1PCEN; nothing else (SCTLR_EL1, CNTV_*, an HVC). */
static void test_nested_trap_decision(void **state)
{
    const uint64_t pac = (uint64_t)ESR_EC_PAC << ESR_EC_SHIFT | ESR_IL;
    const uint64_t pctl = CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN;
    const uint64_t host = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK; /* Linux nVHE's own kernel */
    const uint64_t guest = HCR_EL2_RW | HCR_EL2_VM | HCR_EL2_TID3 | HCR_EL2_TACR | HCR_EL2_TSC; /* its guests */
    assert_false(is_vel2s(pac, host, pctl));
    assert_true(is_vel2s(pac, guest, pctl));
    assert_false(is_vel2s(pac, guest | HCR_EL2_API, pctl));
    assert_true(is_vel2s(esr_of(APIAKEYLO, 1, false), guest | HCR_EL2_API, pctl));
    assert_true(is_vel2s(esr_of(APGAKEYHI, 1, true), guest, pctl));
    assert_false(is_vel2s(esr_of(APDBKEYLO, 1, true), host, pctl));
    const uint32_t pfr0 = SYSREG(3, 0, 0, 4, 0), isar1 = SYSREG(3, 0, 0, 6, 1), pfr0_32 = SYSREG(3, 0, 0, 1, 0);
    assert_true(is_vel2s(esr_of(pfr0, 3, true), guest, pctl));
    assert_true(is_vel2s(esr_of(isar1, 3, true), guest, pctl));
    assert_true(is_vel2s(esr_of(pfr0_32, 3, true), guest, pctl));
    assert_true(is_vel2s(esr_of(SYSREG(3, 0, 0, 7, 7), 3, true), guest, pctl)); /* unallocated */
    assert_false(is_vel2s(esr_of(pfr0, 3, true), host, pctl));
    assert_false(is_vel2s(esr_of(pfr0, 3, false), guest, pctl));                 /* a write */
    assert_false(is_vel2s(esr_of(SYSREG(3, 0, 0, 0, 5), 3, true), guest, pctl)); /* MPIDR: TID1 */
    assert_false(is_vel2s(esr_of(SYSREG(3, 1, 0, 0, 0), 3, true), guest, pctl)); /* CCSIDR: TID2 */
    assert_true(is_vel2s(esr_of(SYSREG(3, 0, 1, 0, 1), 3, false), guest, pctl)); /* ACTLR_EL1 */
    assert_false(is_vel2s(esr_of(SYSREG(3, 0, 1, 0, 1), 3, false), host, pctl));
    const uint32_t cntp_ctl = SYSREG(3, 3, 14, 2, 1), cntp_cval = SYSREG(3, 3, 14, 2, 2);
    const uint32_t cntv_ctl = SYSREG(3, 3, 14, 3, 1);
    assert_true(is_vel2s(esr_of(cntp_ctl, 2, false), guest, CNTHCTL_EL2_EL1PCTEN));
    assert_true(is_vel2s(esr_of(cntp_cval, 2, true), guest, 0));
    assert_false(is_vel2s(esr_of(cntp_ctl, 2, false), guest, pctl));
    assert_false(is_vel2s(esr_of(cntv_ctl, 2, false), guest, 0));
    assert_false(is_vel2s(esr_of(SYSREG(3, 0, 1, 0, 0), 3, false), ~HCR_EL2_TVM, 0)); /* SCTLR_EL1 */
    assert_false(is_vel2s(ESR_HVC, ~0UL, 0));
    assert_false(is_vel2s(ESR_SMC, 0, 0));
    /* Wanted: by its guests' controls, not by its own kernel's. */
    assert_false(wanted(host, pctl));
    assert_true(wanted(guest | HCR_EL2_API | HCR_EL2_APK, pctl));
    assert_true(wanted(host, CNTHCTL_EL2_EL1PCTEN));
    assert_true(wanted(host & ~HCR_EL2_APK, pctl));
}

/* The controls elvisor sets in the CPU for its guest (TWI, TID1, TID2/TID4, TVM/TRVM, TSW,
 * TPU, TPCP, TTLB and FEAT_EVT's): each forwards what it traps and nothing else; FEAT_EVT's
 * only where the CPU has them (nested_traps_init, ID_AA64MMFR2_EL1.EVT). */
static void test_nested_trap_controls(void **state)
{
    const uint64_t pctl = CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN;
    const uint64_t base = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK; /* nothing forwarded */
    const uint64_t wfx = (uint64_t)ESR_EC_WFX << ESR_EC_SHIFT | ESR_IL;
    /* WFI and WFIT with TWI, WFE and WFET with TWE. */
    assert_true(is_vel2s(wfx | ESR_WFX_TI_WFI, base | HCR_EL2_TWI, pctl));
    assert_true(is_vel2s(wfx | ESR_WFX_TI_WFIT, base | HCR_EL2_TWI, pctl));
    assert_false(is_vel2s(wfx | ESR_WFX_TI_WFE, base | HCR_EL2_TWI, pctl));
    assert_true(is_vel2s(wfx | ESR_WFX_TI_WFE, base | HCR_EL2_TWE, pctl));
    assert_true(is_vel2s(wfx | ESR_WFX_TI_WFET, base | HCR_EL2_TWE, pctl));
    assert_false(is_vel2s(wfx | ESR_WFX_TI_WFI, base | HCR_EL2_TWE, pctl));
    assert_false(is_vel2s(wfx | ESR_WFX_TI_WFI, base, pctl));
    /* TID1: REVIDR, AIDR; not MIDR or MPIDR (never trapped), not a write. */
    const uint32_t revidr = SYSREG(3, 0, 0, 0, 6), aidr = SYSREG(3, 1, 0, 0, 7);
    assert_true(is_vel2s(esr_of(revidr, 1, true), base | HCR_EL2_TID1, pctl));
    assert_true(is_vel2s(esr_of(aidr, 1, true), base | HCR_EL2_TID1, pctl));
    assert_false(is_vel2s(esr_of(revidr, 1, true), base | HCR_EL2_TID2, pctl));
    assert_false(is_vel2s(esr_of(SYSREG(3, 0, 0, 0, 5), 1, true), base | HCR_EL2_TID1, pctl));
    /* TID2: CTR_EL0, CCSIDR, CLIDR, CSSELR (both ways); TID4: the same but CTR_EL0. */
    const uint32_t ctr = SYSREG(3, 3, 0, 0, 1), ccsidr = SYSREG(3, 1, 0, 0, 0), clidr = SYSREG(3, 1, 0, 0, 1),
                   csselr = SYSREG(3, 2, 0, 0, 0);
    assert_true(is_vel2s(esr_of(ctr, 1, true), base | HCR_EL2_TID2, pctl));
    assert_true(is_vel2s(esr_of(ccsidr, 1, true), base | HCR_EL2_TID2, pctl));
    assert_true(is_vel2s(esr_of(clidr, 1, true), base | HCR_EL2_TID2, pctl));
    assert_true(is_vel2s(esr_of(csselr, 1, false), base | HCR_EL2_TID2, pctl));
    assert_true(is_vel2s(esr_of(csselr, 1, true), base | HCR_EL2_TID4, pctl));
    assert_false(is_vel2s(esr_of(ctr, 1, true), base | HCR_EL2_TID4, pctl));
    assert_false(is_vel2s(esr_of(ctr, 1, true), base | HCR_EL2_TID1, pctl));
    /* TVM traps writes of the VM controls, TRVM reads. */
    const uint32_t sctlr = SYSREG(3, 0, 1, 0, 0), ttbr1 = SYSREG(3, 0, 2, 0, 1), ctxid = SYSREG(3, 0, 13, 0, 1);
    assert_true(is_vel2s(esr_of(sctlr, 1, false), base | HCR_EL2_TVM, pctl));
    assert_true(is_vel2s(esr_of(ttbr1, 1, false), base | HCR_EL2_TVM, pctl));
    assert_true(is_vel2s(esr_of(ctxid, 1, false), base | HCR_EL2_TVM, pctl));
    assert_false(is_vel2s(esr_of(sctlr, 1, true), base | HCR_EL2_TVM, pctl));
    assert_true(is_vel2s(esr_of(sctlr, 1, true), base | HCR_EL2_TRVM, pctl));
    assert_false(is_vel2s(esr_of(sctlr, 1, false), base | HCR_EL2_TRVM, pctl));
    assert_false(is_vel2s(esr_of(SYSREG(3, 0, 4, 0, 0), 1, false), ~0UL, pctl)); /* SPSR_EL1 */
    /* Set/way with TSW; DC by VA to PoC with TPCP; PoU with TPU (and TOCU); IC IALLUIS with
     * TPU or TICAB; EL1 TLBIs with TTLB (TTLBIS the IS ones, TTLBOS the OS ones). */
    const uint32_t dc_isw = SYSREG(1, 0, 7, 6, 2), dc_cisw = SYSREG(1, 0, 7, 14, 2), dc_civac = SYSREG(1, 3, 7, 14, 1),
                   dc_ivac = SYSREG(1, 0, 7, 6, 1), dc_cvau = SYSREG(1, 3, 7, 11, 1), ic_ivau = SYSREG(1, 3, 7, 5, 1),
                   ic_iallu = SYSREG(1, 0, 7, 5, 0), ic_ialluis = SYSREG(1, 0, 7, 1, 0), dc_zva = SYSREG(1, 3, 7, 4, 1),
                   tlbi_is = SYSREG(1, 0, 8, 3, 0), tlbi_os = SYSREG(1, 0, 8, 1, 0), tlbi_local = SYSREG(1, 0, 8, 7, 0);
    assert_true(is_vel2s(esr_of(dc_isw, 1, false), base | HCR_EL2_TSW, pctl));
    assert_true(is_vel2s(esr_of(dc_cisw, 1, false), base | HCR_EL2_TSW, pctl));
    assert_false(is_vel2s(esr_of(dc_isw, 1, false), base | HCR_EL2_TPCP | HCR_EL2_TPU, pctl));
    assert_true(is_vel2s(esr_of(dc_civac, 1, false), base | HCR_EL2_TPCP, pctl));
    assert_true(is_vel2s(esr_of(dc_ivac, 1, false), base | HCR_EL2_TPCP, pctl));
    assert_false(is_vel2s(esr_of(dc_civac, 1, false), base | HCR_EL2_TPU | HCR_EL2_TSW, pctl));
    assert_true(is_vel2s(esr_of(dc_cvau, 1, false), base | HCR_EL2_TPU, pctl));
    assert_true(is_vel2s(esr_of(ic_ivau, 1, false), base | HCR_EL2_TOCU, pctl));
    assert_true(is_vel2s(esr_of(ic_iallu, 1, false), base | HCR_EL2_TPU, pctl));
    assert_true(is_vel2s(esr_of(ic_ialluis, 1, false), base | HCR_EL2_TICAB, pctl));
    assert_false(is_vel2s(esr_of(ic_ialluis, 1, false), base | HCR_EL2_TOCU, pctl));
    assert_true(is_vel2s(esr_of(dc_zva, 1, false), ~0UL, pctl)); /* TDZ (test_nested_more_controls) */
    assert_false(is_vel2s(esr_of(dc_zva, 1, false), ~HCR_EL2_TDZ, pctl));
    assert_true(is_vel2s(esr_of(tlbi_is, 1, false), base | HCR_EL2_TTLB, pctl));
    assert_true(is_vel2s(esr_of(tlbi_is, 1, false), base | HCR_EL2_TTLBIS, pctl));
    assert_false(is_vel2s(esr_of(tlbi_os, 1, false), base | HCR_EL2_TTLBIS, pctl));
    assert_true(is_vel2s(esr_of(tlbi_os, 1, false), base | HCR_EL2_TTLBOS, pctl));
    assert_false(is_vel2s(esr_of(tlbi_local, 1, false), base | HCR_EL2_TTLBIS | HCR_EL2_TTLBOS, pctl));
    assert_true(is_vel2s(esr_of(tlbi_local, 1, false), base | HCR_EL2_TTLB, pctl));
    assert_false(is_vel2s(esr_of(SYSREG(1, 4, 8, 7, 0), 1, false), ~0UL, pctl)); /* EL2's TLBI */
    /* Each of them wants NESTED_EXIT_L2; the CPU gains only those elvisor does not set. */
    assert_true(wanted(base | HCR_EL2_TWE, pctl));
    assert_true(wanted(base | HCR_EL2_TVM, pctl));
    assert_true(wanted(base | HCR_EL2_TSW, pctl));
    assert_int_equal(nested_traps_hcr(~0UL), NESTED_TRAPS_ADDED);
    assert_int_equal(nested_traps_hcr(base | HCR_EL2_TWE | HCR_EL2_TSW | HCR_EL2_TID3 | HCR_EL2_VM | HCR_EL2_IMO), 0);
    /* FEAT_EVT's: without it, RES0: gone before any decision. */
    host_sysreg_write("s3_0_c0_c7_2", 0);
    nested_traps_init();
    assert_int_equal(
        nested_traps_hcr_of(~0UL) & (HCR_EL2_TID4 | HCR_EL2_TICAB | HCR_EL2_TOCU | HCR_EL2_TTLBIS | HCR_EL2_TTLBOS), 0);
    assert_int_equal(nested_traps_hcr_of(HCR_EL2_TWI | HCR_EL2_TID2), HCR_EL2_TWI | HCR_EL2_TID2);
    host_sysreg_write("s3_0_c0_c7_2", (uint64_t)1 << ID_AA64MMFR2_EL1_EVT_SHIFT);
    nested_traps_init();
    assert_int_equal(nested_traps_hcr_of(HCR_EL2_TOCU | HCR_EL2_TTLBIS), HCR_EL2_TOCU);
    host_sysreg_write("s3_0_c0_c7_2", (uint64_t)2 << ID_AA64MMFR2_EL1_EVT_SHIFT);
    nested_traps_init();
    assert_int_equal(nested_traps_hcr_of(HCR_EL2_TOCU | HCR_EL2_TTLBIS), HCR_EL2_TOCU | HCR_EL2_TTLBIS);
}

/* The switch into its guest with those controls: the overlay on, API/APK off as its are, its
 * CNTVOFF_EL2 in the CPU; a forwarded ID register read goes to VBAR_EL2 + 0x400 with its
 * syndrome, one that is not forwarded to the main table; back at EL2 all is as before. */
static void test_nested_traps_switch(void **state)
{
    make_nested();
    struct nested_vcpu *n = &nested_state.cpu[0];
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    assert_true(msr(v0, SYSREG(3, 4, 14, 1, 0), CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN));
    v0->hcr_parts |= HCR_EL2_API | HCR_EL2_APK; /* as vdev/vpauth.c after the VM's first use */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_TID3 | HCR_EL2_API;
    n->vncr[VNCR_CNTVOFF_EL2 / 8] = 0x123456789;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_true(n->at_el1);
    assert_ptr_equal(v0->exit_table, host_exit_modes[NESTED_EXIT_L2]);
    assert_int_equal(v0->hcr_off, HCR_EL2_APK);
    assert_int_equal(host_sysreg_read("cntvoff_el2"), 0x123456789);

    /* Not its: SCTLR_EL1 (some trap of elvisor's) goes on to the main table. */
    v0->regs.pc = 0x40100010;
    uint64_t sctlr = esr_of(SYSREG(3, 0, 1, 0, 0), 2, true);
    assert_int_equal(nested_guest_trap(v0, sctlr), EXIT_RESUME);
    assert_int_equal(host_exit_main_esr, sctlr);
    assert_true(n->at_el1);
    /* Its: an ID register read, to virtual EL2 with the syndrome and the instruction's PC. */
    uint64_t id = esr_of(SYSREG(3, 0, 0, 4, 0), 2, true);
    assert_int_equal(nested_guest_trap(v0, id), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40090400);
    assert_int_equal(host_sysreg_read("esr_el1"), id);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40100010);
    assert_ptr_equal(v0->exit_table, host_exit_modes[NESTED_EXIT_VEL2]);
    assert_int_equal(v0->hcr_off, 0);

    /* Its own kernel's controls (Linux nVHE's host): no overlay, nothing taken off. */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK;
    n->vncr[VNCR_CNTVOFF_EL2 / 8] = 0;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_true(n->at_el1);
    assert_ptr_equal(v0->exit_table, host_exit_modes[NESTED_EXIT_VEL2]);
    assert_int_equal(v0->hcr_off, 0);
    assert_int_equal(host_sysreg_read("cntvoff_el2"), 0);

    /* Its TWI and TVM: in the CPU's HCR_EL2 while its guest runs (not its NV bits); a WFI of
     * its guest goes to virtual EL2 with its syndrome, ELR_EL2 the WFI; back at EL2, they are
     * off and NV, NV1, NV2, AT on again. */
    static _Alignas(16) uint8_t ptimer_state[16384];
    vm.hw[VCPU_HW_VPTIMER].state = ptimer_state;
    assert_int_equal(vptimer_hw_ops.attach(&vm), 0);
    v0->regs.pc = 0x40300000;
    nested_hw_ops.vcpu_start(v0);
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    assert_true(msr(v0, SYSREG(3, 4, 14, 1, 0), CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN));
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK | HCR_EL2_TWI | HCR_EL2_TVM;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_true(n->at_el1);
    assert_ptr_equal(v0->exit_table, host_exit_modes[NESTED_EXIT_L2]);
    assert_int_equal(v0->hcr_parts & (HCR_EL2_TWI | HCR_EL2_TVM | HCR_EL2_NV), HCR_EL2_TWI | HCR_EL2_TVM);
    const uint64_t wfi = (uint64_t)ESR_EC_WFX << ESR_EC_SHIFT | ESR_IL | ESR_WFX_TI_WFI;
    v0->regs.pc = 0x40100020;
    assert_int_equal(nested_guest_trap(v0, wfi), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40090400);
    assert_int_equal(host_sysreg_read("esr_el1"), wfi);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40100020);
    assert_int_equal(v0->hcr_parts & (HCR_EL2_TWI | HCR_EL2_TVM), 0);
    assert_int_equal(v0->hcr_parts & (HCR_EL2_NV | HCR_EL2_NV1 | HCR_EL2_NV2 | HCR_EL2_AT),
                     HCR_EL2_NV | HCR_EL2_NV1 | HCR_EL2_NV2 | HCR_EL2_AT);
    /* Without TWI its guest's WFI is elvisor's (the main table). */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK | HCR_EL2_TVM;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_int_equal(v0->hcr_parts & (HCR_EL2_TWI | HCR_EL2_TVM), HCR_EL2_TVM);
    assert_int_equal(nested_guest_trap(v0, wfi), EXIT_RESUME);
    assert_true(n->at_el1);
    assert_int_equal(host_exit_main_esr, wfi);
    /* A boot (PSCI CPU_ON, reset) of a vCPU that was in its guest takes them off too. */
    nested_hw_ops.vcpu_start(v0);
    assert_int_equal(v0->hcr_parts & NESTED_TRAPS_ADDED, 0);
}

static void test_nested_eret_and_hvc(void **state)
{
    make_nested();
    struct nested_vcpu *n = &nested_state.cpu[0];
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW;
    n->vncr[VNCR_SCTLR_EL1 / 8] = 0x30d00800;
    n->vncr[VNCR_VBAR_EL1 / 8] = 0x400a0000;
    n->vncr[VNCR_VMPIDR_EL2 / 8] = 0x80000000; /* its guest's MPIDR: KVM's vCPU 0 */
    n->vncr[VNCR_VPIDR_EL2 / 8] = 0x410fd0c0;
    v0->vmpidr = 0x80000001;
    host_sysreg_write("midr_el1", 0x000f0510);
    host_sysreg_write("sp_el1", 0x40200000); /* SP_EL2 */

    /* Illegal: to EL3, and to AArch32. */
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", 0xd | PSR_DAIF_MASK);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_int_equal(v0->regs.pc, 0x40100000);
    assert_true(v0->regs.pstate & PSR_IL);
    assert_int_equal(v0->regs.pstate & PSR_M_MASK, v0->regs.pstate & PSR_M_MASK);
    assert_false(n->at_el1);
    host_sysreg_write("spsr_el1", PSR_M4 | 0x3);
    nested_eret(v0, ESR_ERET);
    assert_true(v0->regs.pstate & PSR_IL);
    assert_false(n->at_el1);

    /* To EL1h of its guest. */
    v0->regs.pstate = PSR_M_EL1h | PSR_DAIF_MASK;
    host_sysreg_write("spsr_el1", PSR_M_EL1h | PSR_DAIF_MASK | PSR_Z);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_true(n->at_el1);
    assert_int_equal(v0->hcr_parts, 0);
    assert_int_equal(v0->regs.pc, 0x40100000);
    assert_int_equal(v0->regs.pstate, PSR_M_EL1h | PSR_DAIF_MASK | PSR_Z);
    assert_int_equal(host_sysreg_read("sctlr_el1"), 0x30d00800);
    assert_int_equal(host_sysreg_read("vbar_el1"), 0x400a0000);
    assert_int_equal(n->el2.sp, 0x40200000);
    assert_int_equal(tlb_local, 1);
    /* Its guest reads the MPIDR and MIDR it gave it. */
    assert_int_equal(host_sysreg_read("vmpidr_el2"), 0x80000000);
    assert_int_equal(host_sysreg_read("vpidr_el2"), 0x410fd0c0);
    /* Its EL2 registers do not exist at its EL1. */
    uint64_t val;
    assert_false(mrs(v0, VBAR_EL2_ENC, &val));

    /* HVC at EL1: to virtual EL2. */
    v0->regs.pc = 0x40100008;
    v0->regs.pstate = PSR_M_EL1h;
    host_sysreg_write("sctlr_el1", 0x30d00801); /* the guest turned its MMU on */
    assert_int_equal(nested_hvc(v0, ESR_HVC), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(v0->hcr_parts, HCR_EL2_NV | HCR_EL2_NV1 | HCR_EL2_NV2 | HCR_EL2_AT);
    assert_int_equal(host_sysreg_read("vmpidr_el2"), 0x80000001); /* virtual EL2: the vCPU's own */
    assert_int_equal(host_sysreg_read("vpidr_el2"), 0x000f0510);
    assert_int_equal(v0->regs.pc, 0x40090400);
    assert_int_equal(v0->regs.pstate, PSR_M_EL1h | PSR_DAIF_MASK);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40100008);
    assert_int_equal(host_sysreg_read("spsr_el1"), PSR_M_EL1h);
    assert_int_equal(host_sysreg_read("esr_el1"), ESR_HVC);
    assert_int_equal(host_sysreg_read("vbar_el1"), 0x40090000);
    assert_int_equal(host_sysreg_read("sp_el1"), 0x40200000);
    assert_int_equal(n->vncr[VNCR_SCTLR_EL1 / 8], 0x30d00801);
    assert_int_equal(psci_hvcs, 0);

    /* HVC at virtual EL2: its own current-EL vector, SPSR_EL2 saying EL2h. */
    v0->regs.pc = 0x40100100;
    assert_int_equal(nested_hvc(v0, ESR_HVC), EXIT_RESUME);
    assert_int_equal(v0->regs.pc, 0x40090200);
    assert_int_equal(host_sysreg_read("spsr_el1") & PSR_M_MASK, PSR_M_EL2h);
    /* SMC at virtual EL2: elvisor's PSCI. */
    assert_int_equal(nested_smc(v0, ESR_SMC), EXIT_RESUME);
    assert_int_equal(psci_smcs, 1);
    /* ERET within EL2. */
    host_sysreg_write("elr_el1", 0x40100200);
    host_sysreg_write("spsr_el1", PSR_M_EL2h);
    nested_eret(v0, ESR_ERET);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40100200);
    assert_int_equal(v0->regs.pstate, PSR_M_EL1h);

    /* HCR_EL2.VM: its guest on the shadow stage 2 (its VTTBR_EL2), the VM's back at the exit. */
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_VM;
    n->s2.vttbr = 0x5a0000beef000UL;
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_int_equal(vm_stops, 0);
    assert_true(n->at_el1 && n->on_shadow);
    assert_int_equal(host_sysreg_read("vttbr_el2"), 0x5a0000beef000UL);
    nested_hvc(v0, ESR_HVC);
    assert_false(n->at_el1 || n->on_shadow);
    assert_int_equal(host_sysreg_read("vttbr_el2"), vm.vttbr);
}

/* Its CPTR_EL2 and MDCR_EL2 for its guest: FP/SIMD with TFP (E2H = 1: FPEN), trace with TTA,
 * CPACR_EL1 with TCPAC; the debug registers with TDA, the OS lock with TDOSA, MDRAR with TDRA,
 * the PMU with TPM (PMCR_EL0 also TPMCR). The CPU's CPTR_EL2 gains TFP/TCPAC as asked while its
 * guest runs and the vCPU is loaded. */
static void test_nested_cptr_mdcr(void **state)
{
    const uint64_t fp = (uint64_t)ESR_EC_FP_ASIMD << ESR_EC_SHIFT | ESR_IL;
    const uint64_t pauth = HCR_EL2_API | HCR_EL2_APK, pctl = CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN;
    struct nested_ctls c = { .hcr = pauth, .cnthctl = pctl, .cptr = CPTR_EL2_TFP };
    assert_true(nested_trap_is_vel2s(fp, &c));
    assert_false(nested_trap_is_vel2s(esr_of(SYSREG(2, 1, 0, 0, 0), 1, true), &c)); /* trace, no TTA */
    assert_true(nested_traps_wanted(&c));
    c.cptr = CPTR_EL2_TTA | CPTR_EL2_TCPAC;
    assert_false(nested_trap_is_vel2s(fp, &c));
    assert_true(nested_trap_is_vel2s(esr_of(SYSREG(2, 1, 0, 0, 0), 1, true), &c));
    assert_true(nested_trap_is_vel2s(esr_of(SYSREG(3, 0, 1, 0, 2), 1, false), &c)); /* CPACR_EL1 */
    c.cptr = 0;
    assert_false(nested_trap_is_vel2s(esr_of(SYSREG(3, 0, 1, 0, 2), 1, false), &c));
    assert_false(nested_traps_wanted(&c));
    const uint32_t mdscr = SYSREG(2, 0, 0, 2, 2), bvr0 = SYSREG(2, 0, 0, 0, 4), oslsr = SYSREG(2, 0, 1, 1, 4),
                   mdrar = SYSREG(2, 0, 1, 0, 0), pmcr = SYSREG(3, 3, 9, 12, 0), pmccntr = SYSREG(3, 3, 9, 13, 0),
                   pmevcntr3 = SYSREG(3, 3, 14, 8, 3), pmintenset = SYSREG(3, 0, 9, 14, 1);
    c.mdcr = MDCR_EL2_TDA;
    assert_true(nested_trap_is_vel2s(esr_of(mdscr, 1, true), &c));
    assert_true(nested_trap_is_vel2s(esr_of(bvr0, 1, false), &c));
    assert_false(nested_trap_is_vel2s(esr_of(oslsr, 1, true), &c));
    assert_false(nested_trap_is_vel2s(esr_of(mdrar, 1, true), &c));
    assert_true(nested_traps_wanted(&c));
    c.mdcr = MDCR_EL2_TDOSA | MDCR_EL2_TDRA;
    assert_true(nested_trap_is_vel2s(esr_of(oslsr, 1, true), &c));
    assert_true(nested_trap_is_vel2s(esr_of(mdrar, 1, true), &c));
    assert_false(nested_trap_is_vel2s(esr_of(mdscr, 1, true), &c));
    c.mdcr = MDCR_EL2_TPMCR;
    assert_true(nested_trap_is_vel2s(esr_of(pmcr, 1, true), &c));
    assert_false(nested_trap_is_vel2s(esr_of(pmccntr, 1, true), &c));
    c.mdcr = MDCR_EL2_TPM;
    assert_true(nested_trap_is_vel2s(esr_of(pmcr, 1, true), &c));
    assert_true(nested_trap_is_vel2s(esr_of(pmccntr, 1, true), &c));
    assert_true(nested_trap_is_vel2s(esr_of(pmevcntr3, 1, false), &c));
    assert_true(nested_trap_is_vel2s(esr_of(pmintenset, 1, false), &c));
    assert_false(nested_trap_is_vel2s(esr_of(SYSREG(3, 3, 14, 0, 2), 1, true), &c)); /* CNTVCT_EL0 */

    /* The switch: TFP in the CPU's CPTR_EL2 while its guest runs; off at a put, on at a load,
     * off back at virtual EL2 (v0's FP/SIMD registers live: core/vcpu_fp.c keeps TFP otherwise,
     * test_nested_ctls.c test_fp_trap_shared). */
    make_nested();
    this_cpu()->fp_owner = v0;
    struct nested_vcpu *n = &nested_state.cpu[0];
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    assert_true(msr(v0, SYSREG(3, 4, 1, 1, 2), CPTR_EL2_RES1 | CPTR_EL2_TFP)); /* CPTR_EL2 */
    host_sysreg_write("cptr_el2", CPTR_EL2_RES1 | CPTR_EL2_TTA);
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | pauth;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_ptr_equal(v0->exit_table, host_exit_modes[NESTED_EXIT_L2]);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_RES1 | CPTR_EL2_TTA | CPTR_EL2_TFP);
    nested_hw_ops.put(v0);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_RES1 | CPTR_EL2_TTA);
    nested_hw_ops.load(v0);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_RES1 | CPTR_EL2_TTA | CPTR_EL2_TFP);
    v0->regs.pc = 0x40100040;
    assert_int_equal(nested_guest_trap(v0, fp), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(host_sysreg_read("esr_el1"), fp);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40100040);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_RES1 | CPTR_EL2_TTA);
}

/* Its virtual FIQ and SError for its guest (HCR_EL2.VF with FMO, VSE with AMO): raised on the
 * VM's lines at the ERET into its guest, VSESR_EL2 from its page; at the way back VF dropped,
 * VSE cleared in its HCR_EL2 once taken, kept there if not; without FMO/AMO nothing. */
static void test_nested_vlines(void **state)
{
    make_nested();
    struct nested_vcpu *n = &nested_state.cpu[0];
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    const uint64_t base = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK;
    n->vncr[VNCR_HCR_EL2 / 8] = base | HCR_EL2_FMO | HCR_EL2_VF | HCR_EL2_AMO | HCR_EL2_VSE;
    n->vncr[VNCR_VSESR_EL2 / 8] = 0xdead1234;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_int_equal(v0->vlines, HCR_EL2_VF | HCR_EL2_VSE);
    assert_int_equal(v0->vsesr, 0xad1234); /* ISS and IDS only */
    v0->vlines &= ~HCR_EL2_VSE;            /* its guest took the SError (core's vlines_exit) */
    nested_hvc(v0, ESR_HVC);
    assert_false(n->at_el1);
    assert_int_equal(v0->vlines, 0);
    assert_int_equal(v0->vsesr, 0);
    assert_int_equal(n->vncr[VNCR_HCR_EL2 / 8], base | HCR_EL2_FMO | HCR_EL2_VF | HCR_EL2_AMO);
    /* Not taken (its guest masked SErrors): pending in its HCR_EL2 still, off the VM's line. */
    n->vncr[VNCR_HCR_EL2 / 8] = base | HCR_EL2_AMO | HCR_EL2_VSE;
    nested_eret(v0, ESR_ERET);
    assert_int_equal(v0->vlines, HCR_EL2_VSE);
    nested_hvc(v0, ESR_HVC);
    assert_int_equal(v0->vlines, 0);
    assert_int_equal(n->vncr[VNCR_HCR_EL2 / 8], base | HCR_EL2_AMO | HCR_EL2_VSE);
    /* VI with IMO: the VM's IRQ line while its guest runs, dropped on the way back. */
    n->vncr[VNCR_HCR_EL2 / 8] = base | HCR_EL2_IMO | HCR_EL2_VI;
    nested_eret(v0, ESR_ERET);
    assert_int_equal(v0->vlines, HCR_EL2_VI);
    nested_hvc(v0, ESR_HVC);
    assert_int_equal(v0->vlines, 0);
    assert_int_equal(n->vncr[VNCR_HCR_EL2 / 8], base | HCR_EL2_IMO | HCR_EL2_VI);
    /* VF, VI and VSE without FMO, IMO and AMO: no effect. */
    n->vncr[VNCR_HCR_EL2 / 8] = base | HCR_EL2_VF | HCR_EL2_VI | HCR_EL2_VSE;
    nested_eret(v0, ESR_ERET);
    assert_true(n->at_el1);
    assert_int_equal(v0->vlines, 0);
}

/* The VM's own lines (the diagnostic device's VI, VF, VSE) while its guest runs: taken to
 * virtual EL2 (VBAR_EL2 + 0x480, 0x500, 0x580) at the next entry when its IMO, FMO, AMO route
 * them there, the SError consumed with its syndrome in ESR_EL2; else left to its guest; the
 * lines its own VF/VSE raised for its guest are not the VM's and stay its guest's. */
static void own_line_run(uint64_t hcr, uint64_t line)
{
    struct nested_vcpu *n = &nested_state.cpu[0];
    n->vncr[VNCR_HCR_EL2 / 8] = hcr;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_true(n->at_el1);
    assert_true(v0->hw_flush.part[VCPU_HW_NESTED] != 0);
    v0->vlines |= line; /* vdev/vdebug.c, through core's vcpu_set_vline */
    v0->regs.pc = 0x40100010;
    v0->regs.pstate = PSR_M_EL1h | PSR_DAIF_MASK; /* its masks do not hold back EL2's */
    nested_hw_ops.flush(v0);
}

static void test_nested_own_lines(void **state)
{
    make_nested();
    struct nested_vcpu *n = &nested_state.cpu[0];
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    const uint64_t base = HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK;
    own_line_run(base | HCR_EL2_AMO, HCR_EL2_VSE);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40090000 + 0x580);
    assert_int_equal(host_sysreg_read("esr_el1"), (uint64_t)ESR_EC_SERROR << ESR_EC_SHIFT | ESR_IL);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40100010);
    assert_int_equal(host_sysreg_read("spsr_el1"), PSR_M_EL1h | PSR_DAIF_MASK);
    assert_int_equal(v0->vlines, 0); /* consumed */
    own_line_run(base | HCR_EL2_FMO, HCR_EL2_VF);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40090000 + 0x500);
    assert_int_equal(v0->vlines, HCR_EL2_VF); /* a level: until the device lowers it */
    v0->vlines = 0;
    own_line_run(base | HCR_EL2_IMO, HCR_EL2_VI);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x40090000 + 0x480);
    v0->vlines = 0;
    /* Not routed: its guest's. */
    own_line_run(base | HCR_EL2_IMO | HCR_EL2_FMO, HCR_EL2_VSE);
    assert_true(n->at_el1);
    assert_int_equal(v0->vlines, HCR_EL2_VSE);
    v0->vlines = 0;
    nested_hvc(v0, ESR_HVC);
    own_line_run(base | HCR_EL2_AMO, HCR_EL2_VF | HCR_EL2_VI);
    assert_true(n->at_el1);
    nested_hvc(v0, ESR_HVC);
    v0->vlines = 0;
    /* Its own VSE for its guest (with AMO) is its guest's, not the VM's. */
    n->vncr[VNCR_HCR_EL2 / 8] = base | HCR_EL2_AMO | HCR_EL2_VSE;
    nested_eret(v0, ESR_ERET);
    assert_int_equal(v0->vlines, HCR_EL2_VSE);
    nested_hw_ops.flush(v0);
    assert_true(n->at_el1);
    assert_int_equal(v0->vlines, HCR_EL2_VSE);
    nested_hvc(v0, ESR_HVC);
    /* None of IMO, FMO, AMO: the byte is dropped, nothing looked at. */
    v0->vlines = 0;
    n->vncr[VNCR_HCR_EL2 / 8] = base;
    nested_eret(v0, ESR_ERET);
    v0->vlines = HCR_EL2_VSE;
    nested_hw_ops.flush(v0);
    assert_true(n->at_el1);
    assert_int_equal(v0->hw_flush.part[VCPU_HW_NESTED], 0);
    v0->vlines = 0;
}

/* Its AT instructions at virtual EL2 (vdev/nested_at.c): AT S1E2R on its own regime as the CPU
 * holds it, AT S1E1R/S1E0W/S1E1RP on its guest's from the VNCR page (NV1 off, the CPU's EL1
 * registers and HCR_EL2 back after, the TLB flushed), PAR_EL1 the CPU's answer; a fault of
 * elvisor's stage 2 an External abort on the walk; S12E0W and S12E1R as their stage 1 where it
 * faults or its HCR_EL2.VM is 0; any AT of its guest UNDEFINED. */
#define AT_ENC(op1, crm, op2) SYSREG(1, op1, 7, crm, op2)
static void test_nested_at(void **state)
{
    make_nested();
    struct nested_vcpu *n = &nested_state.cpu[0];
    host_sysreg_write("ttbr0_el1", 0x40300000); /* its EL2 regime, on the CPU at virtual EL2 */
    host_sysreg_write("sctlr_el1", 0x30d0199d);
    host_sysreg_write("hcr_el2", HCR_EL2_VM | HCR_EL2_NV | HCR_EL2_NV1 | HCR_EL2_NV2 | HCR_EL2_AT);
    host_sysreg_write("vttbr_el2", 0x1234);
    vm.vttbr = 0x1234;
    n->vncr[VNCR_TTBR0_EL1 / 8] = 0x40500000; /* its guest's */
    n->vncr[VNCR_SCTLR_EL1 / 8] = 0x30d00801;
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW;
    at_answer = 0x40a00f80;
    assert_true(msr(v0, AT_ENC(4, 8, 0), 0xffff000000001000)); /* AT S1E2R */
    assert_int_equal(at_op, 0);
    assert_int_equal(at_va, 0xffff000000001000);
    assert_int_equal(at_ttbr0, 0x40300000);
    assert_int_equal(host_sysreg_read("par_el1"), 0x40a00f80);
    unsigned tlb = tlb_local;
    assert_true(msr(v0, AT_ENC(0, 8, 0), 0x2000)); /* AT S1E1R */
    assert_int_equal(at_op, 0);
    assert_int_equal(at_ttbr0, 0x40500000);
    assert_int_equal(at_sctlr, 0x30d00801);
    assert_int_equal(at_hcr & HCR_EL2_NV1, 0);
    assert_int_equal(at_vttbr, 0x1234);
    assert_int_equal(host_sysreg_read("ttbr0_el1"), 0x40300000);
    assert_int_equal(host_sysreg_read("sctlr_el1"), 0x30d0199d);
    assert_true(host_sysreg_read("hcr_el2") & HCR_EL2_NV1);
    assert_int_equal(tlb_local, tlb + 1);
    assert_true(msr(v0, AT_ENC(0, 8, 3), 0x3000)); /* AT S1E0W */
    assert_int_equal(at_op, 3);
    assert_true(msr(v0, AT_ENC(0, 9, 0), 0x3000)); /* AT S1E1RP */
    assert_int_equal(at_op, 4);
    /* A stage 2 fault of elvisor's (S = 1, PTW, FST translation level 2): an External abort on
     * its walk. */
    at_answer = PAR_EL1_F | PAR_EL1_S | PAR_EL1_PTW | (0x06u << 1) | REG_BIT(11);
    assert_true(msr(v0, AT_ENC(0, 8, 1), 0x4000));
    assert_int_equal(host_sysreg_read("par_el1"), PAR_EL1_F | (0x16u << 1) | REG_BIT(11));
    /* With its HCR_EL2.VM = 1 the walk runs on its shadow, whose faults are its. */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW | HCR_EL2_VM;
    n->s2.vttbr = 0x5678;
    assert_true(msr(v0, AT_ENC(0, 8, 1), 0x4000));
    assert_int_equal(at_vttbr, 0x5678);
    assert_int_equal(host_sysreg_read("vttbr_el2"), 0x1234);
    assert_int_equal(host_sysreg_read("par_el1"), at_answer);
    /* AT S12E0W: stage 1 as S1E0W of its guest's regime; a stage 1 fault is the answer (no
     * stage 2 walk); with its HCR_EL2.VM = 0 a success is too (stage 1 alone). */
    at_answer = PAR_EL1_F | PAR_EL1_RES1_F | (0x0fu << 1);
    assert_true(msr(v0, AT_ENC(4, 8, 7), 0x5000));
    assert_int_equal(at_op, 3); /* S1E0W */
    assert_int_equal(at_ttbr0, 0x40500000);
    assert_int_equal(host_sysreg_read("par_el1"), at_answer);
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW;
    at_answer = 0x40a00f80;
    assert_true(msr(v0, AT_ENC(4, 8, 4), 0x5000)); /* AT S12E1R */
    assert_int_equal(at_op, 0);                    /* S1E1R */
    assert_int_equal(host_sysreg_read("par_el1"), 0x40a00f80);
    /* Nothing from its guest. */
    unsigned calls = at_calls;
    n->at_el1 = true;
    assert_false(msr(v0, AT_ENC(0, 8, 0), 0x4000));
    n->at_el1 = false;
    assert_int_equal(at_calls, calls);
    vm.cfg.virtual_el2 = false;
    assert_false(msr(v0, AT_ENC(4, 8, 0), 0x4000));
}

/* Its HCR_EL2.E2H set in the VNCR page and the next trap from virtual EL2 rearranging. */
static void n_vhe_on(void)
{
    nested_state.cpu[0].vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_E2H | HCR_EL2_TGE | HCR_EL2_RW;
    uint64_t val;
    assert_true(mrs(v0, SYSREG(3, 4, 1, 0, 0), &val)); /* SCTLR_EL2 */
    assert_true(nested_state.cpu[0].vhe);
}

/* Its EL2 timers (vdev/nested_timer.c): with E2H = 0 CNTHP_* and CNTHV_* are two emulated
 * timers raising PPIs 10 and 12 (INTIDs 26, 28) at their deadlines, CTL.ISTATUS and TVAL as
 * the architecture has them; with E2H = 1 CNTHP_* and CNTP_*_EL0 reach the same timer, with its
 * contents, and CNTHV_* the CPU's EL1 virtual timer; from its guest they are UNDEFINED. */
static void test_nested_el2_timers(void **state)
{
    make_nested();
    static _Alignas(16) uint8_t ptimer_state[16384];
    assert_true(vptimer_hw_ops.vm_state_size <= sizeof(ptimer_state));
    vm.hw[VCPU_HW_VPTIMER].state = ptimer_state;
    assert_int_equal(vptimer_hw_ops.attach(&vm), 0);
    memset(timer_level, 0, sizeof(timer_level));
    const uint32_t hp_tval = SYSREG(3, 4, 14, 2, 0), hp_ctl = SYSREG(3, 4, 14, 2, 1), hp_cval = SYSREG(3, 4, 14, 2, 2);
    const uint32_t hv_tval = SYSREG(3, 4, 14, 3, 0), hv_ctl = SYSREG(3, 4, 14, 3, 1), hv_cval = SYSREG(3, 4, 14, 3, 2);
    const uint32_t p_cval = SYSREG(3, 3, 14, 2, 2);
    uint64_t val;
    for (unsigned c = 0; c < MAX_CPUS; c++)
        *host_sysreg(c, "cntpct_el0") = 1000;
    assert_true(msr(v0, hp_cval, 1500));
    assert_true(msr(v0, hp_ctl, CNT_CTL_ENABLE | 0xf0)); /* RES0 bits dropped */
    assert_true(mrs(v0, hp_ctl, &val));
    assert_int_equal(val, CNT_CTL_ENABLE);
    assert_true(mrs(v0, hp_tval, &val));
    assert_int_equal(val, 500);
    assert_false(timer_level[VPTIMER_EL2_VIRQ]);
    assert_true(msr(v0, hv_tval, (uint32_t)-10)); /* a deadline already passed */
    assert_true(mrs(v0, hv_cval, &val));
    assert_int_equal(val, 990);
    assert_true(msr(v0, hv_ctl, CNT_CTL_ENABLE));
    assert_true(timer_level[VPTIMER_EL2V_VIRQ]);
    assert_false(timer_level[VPTIMER_EL2_VIRQ]);
    assert_true(msr(v0, hv_ctl, CNT_CTL_ENABLE | CNT_CTL_IMASK)); /* masked: the level drops */
    assert_false(timer_level[VPTIMER_EL2V_VIRQ]);
    /* Its deadline passes: ISTATUS, the vCPU has work, and the PPI once the timer looks. */
    for (unsigned c = 0; c < MAX_CPUS; c++)
        *host_sysreg(c, "cntpct_el0") = 1600;
    assert_true(mrs(v0, hp_ctl, &val));
    assert_int_equal(val, CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    assert_true(vptimer_hw_ops.has_work(v0));
    assert_true(msr(v0, hp_cval, 1500));
    assert_true(timer_level[VPTIMER_EL2_VIRQ]);
    assert_false(timer_level[VPTIMER_VIRQ]);
    /* The EL1 physical timer is another one. */
    assert_true(mrs(v0, p_cval, &val));
    assert_int_equal(val, 0);

    /* E2H = 1: CNTHP_* and CNTP_*_EL0 are the EL2 physical timer, its level still up. */
    n_vhe_on();
    assert_true(mrs(v0, hp_cval, &val));
    assert_int_equal(val, 1500);
    assert_true(mrs(v0, p_cval, &val));
    assert_int_equal(val, 1500);
    assert_true(timer_level[VPTIMER_EL2_VIRQ]);
    host_sysreg_write("cntv_cval_el0", 0x4242);
    assert_true(mrs(v0, hv_cval, &val));
    assert_int_equal(val, 0x4242);
    assert_true(msr(v0, hv_ctl, CNT_CTL_ENABLE));
    assert_int_equal(host_sysreg_read("cntv_ctl_el0"), CNT_CTL_ENABLE);
    /* From its guest: UNDEFINED. */
    nested_state.cpu[0].at_el1 = true;
    assert_false(mrs(v0, hp_ctl, &val));
    assert_false(msr(v0, hv_cval, 1));
    nested_state.cpu[0].at_el1 = false;
    /* A boot puts E2H = 0 back: CNTHP_* is its own timer again, the EL1 one in its place. */
    nested_hw_ops.vcpu_start(v0);
    assert_true(mrs(v0, p_cval, &val));
    assert_int_equal(val, 0);
    assert_true(mrs(v0, hp_cval, &val));
    assert_int_equal(val, 1500);
}

/* E2H = 1: its guest's EL1 physical timer is its own, CNTP_*_EL02 in the VNCR page, loaded at
 * the switch to that guest (its CNTP_* reach it, not its hypervisor's EL2 physical timer) and
 * stored back at the exit; at virtual EL2 it keeps running (its PPI 14) and follows what the
 * page says at each ERET (turned off there: its level drops). */
static void test_nested_vhe_guest_ptimer(void **state)
{
    make_nested();
    static _Alignas(16) uint8_t ptimer_state[16384];
    vm.hw[VCPU_HW_VPTIMER].state = ptimer_state;
    assert_int_equal(vptimer_hw_ops.attach(&vm), 0);
    memset(timer_level, 0, sizeof(timer_level));
    struct nested_vcpu *n = &nested_state.cpu[0];
    const uint32_t p_ctl = SYSREG(3, 3, 14, 2, 1), p_cval = SYSREG(3, 3, 14, 2, 2);
    uint64_t val;
    for (unsigned c = 0; c < MAX_CPUS; c++)
        *host_sysreg(c, "cntpct_el0") = 1000;
    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    n_vhe_on();
    assert_true(msr(v0, p_cval, 5000));    /* its own EL2 physical timer */
    n->vncr[VNCR_CNTP_CVAL_EL0 / 8] = 800; /* its guest's: CNTP_CVAL_EL02, already passed */
    n->vncr[VNCR_CNTP_CTL_EL0 / 8] = CNT_CTL_ENABLE;
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_E2H | HCR_EL2_RW;
    host_sysreg_write("elr_el1", 0x40100000);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_true(n->at_el1);
    assert_true(mrs(v0, p_cval, &val)); /* its guest's CNTP_CVAL_EL0 */
    assert_int_equal(val, 800);
    assert_true(mrs(v0, p_ctl, &val));
    assert_int_equal(val, CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    assert_true(timer_level[VPTIMER_VIRQ]); /* PPI 14 */
    assert_false(timer_level[VPTIMER_EL2_VIRQ]);
    assert_true(msr(v0, p_cval, 1200)); /* its guest moves its deadline on: the level drops */
    assert_false(timer_level[VPTIMER_VIRQ]);
    nested_hvc(v0, ESR_HVC);
    assert_false(n->at_el1);
    assert_int_equal(n->vncr[VNCR_CNTP_CVAL_EL0 / 8], 1200);
    assert_int_equal(n->vncr[VNCR_CNTP_CTL_EL0 / 8], CNT_CTL_ENABLE);
    assert_true(mrs(v0, p_cval, &val)); /* its own again */
    assert_int_equal(val, 5000);
    /* Its timer off in the page: not put in place at the switch (its guest's exits go through
     * the nested rows), but at that guest's first CNTP_* access, which with its
     * CNTHCTL_EL2.EL1PCEN (bit 11 with E2H = 1) set is not forwarded. */
    assert_true(msr(v0, SYSREG(3, 4, 14, 1, 0), REG_BIT(11) | REG_BIT(10))); /* CNTHCTL_EL2 */
    n->vncr[VNCR_CNTP_CTL_EL0 / 8] = 0;
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_true(n->ptimer_lazy);
    assert_ptr_equal(v0->exit_table, host_exit_modes[NESTED_EXIT_L2]);
    assert_true(mrs(v0, p_cval, &val)); /* elvisor's row alone: still its EL2 timer's place */
    assert_int_equal(val, 5000);
    nested_guest_trap(v0, esr_of(p_cval, 1, true));
    assert_false(n->ptimer_lazy);
    assert_true(mrs(v0, p_cval, &val));
    assert_int_equal(val, 1200);
    nested_hvc(v0, ESR_HVC);
    assert_true(mrs(v0, p_cval, &val));
    assert_int_equal(val, 5000);
    n->vncr[VNCR_CNTP_CTL_EL0 / 8] = CNT_CTL_ENABLE;
    /* At virtual EL2 it follows the page at each ERET: a deadline written there that has passed
     * raises PPI 14 (not its EL2 timer's); turned off there, the next ERET drops it. */
    for (unsigned c = 0; c < MAX_CPUS; c++)
        *host_sysreg(c, "cntpct_el0") = 1300;
    n->vncr[VNCR_CNTP_CVAL_EL0 / 8] = 1250;
    host_sysreg_write("spsr_el1", PSR_M_EL2h);
    nested_eret(v0, ESR_ERET);
    assert_true(timer_level[VPTIMER_VIRQ]);
    assert_false(timer_level[VPTIMER_EL2_VIRQ]);
    n->vncr[VNCR_CNTP_CTL_EL0 / 8] = 0;
    nested_eret(v0, ESR_ERET);
    assert_false(timer_level[VPTIMER_VIRQ]);
    assert_false(n->at_el1);
}

/* E2H = 1 (vdev/nested_vhe.c): VH shown; the EL12 names UNDEFINED until its HCR_EL2 (in the
 * VNCR page) says E2H, then the next trap rearranges (NV1 off, its EL2 registers on the CPU's
 * EL1 ones as written) and the access is done again; its EL2 names reach the CPU's registers;
 * an ERET to EL0 under TGE stays in its context; its EL1 guest switches as with E2H = 0 and
 * comes back with its EL2 registers; clearing E2H brings the E2H = 0 arrangement back. */
static void test_nested_vhe(void **state)
{
    make_nested();
    static _Alignas(16) uint8_t ptimer_state[8192];
    assert_true(vptimer_hw_ops.vm_state_size <= sizeof(ptimer_state));
    vm.hw[VCPU_HW_VPTIMER].state = ptimer_state;
    assert_int_equal(vptimer_hw_ops.attach(&vm), 0);
    struct nested_vcpu *n = &nested_state.cpu[0];
    const uint64_t vel2 = HCR_EL2_NV | HCR_EL2_NV2 | HCR_EL2_AT;
    v0->hcr_parts = vel2 | HCR_EL2_NV1;
    uint64_t val;
    set_host_ids(~0UL);
    assert_true(mrs(v0, SYSREG(3, 0, 0, 7, 1), &val));
    assert_int_equal((val >> 8) & 0xf, 1); /* ID_AA64MMFR1_EL1.VH */

    assert_true(msr(v0, VBAR_EL2_ENC, 0x40090000));
    assert_true(msr(v0, SYSREG(3, 4, 2, 0, 1), 0x41230000)); /* TTBR1_EL2, kept with E2H = 0 */
    assert_int_equal(host_sysreg_read("ttbr1_el1"), 0);
    assert_false(mrs(v0, SYSREG(3, 5, 1, 0, 2), &val)); /* CPACR_EL12: UNDEFINED with E2H = 0 */
    assert_false(n->vhe);

    /* E2H set in the page: the EL12 access rearranges and is done again (PC unchanged). */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_E2H | HCR_EL2_TGE | HCR_EL2_RW;
    unsigned before = undefs;
    v0->regs.pc = PC0;
    assert_int_equal(sysreg_trap(v0, esr_of(SYSREG(3, 5, 1, 0, 2), 5, true)), EXIT_RESUME);
    assert_int_equal(undefs, before);
    assert_int_equal(v0->regs.pc, PC0);
    assert_true(n->vhe);
    assert_int_equal(v0->hcr_parts, vel2);
    /* Its guest's EL1 virtual timer is the page's CNTV_*_EL02 now (the CPU's is its EL2 one). */
    assert_true(parked_in(n));
    assert_int_equal(host_sysreg_read("vbar_el1"), 0x40090000);
    assert_int_equal(host_sysreg_read("ttbr1_el1"), 0x41230000);
    assert_int_equal(host_sysreg_read("sctlr_el1"), SCTLR_EL2_RES1); /* as written, E2H = 1 layout */
    assert_int_equal(host_sysreg_read("cpacr_el1"), CPACR_EL1_FPEN_ALL);
    /* Its EL2 names are the CPU's EL1 registers now; the others are kept as before. */
    assert_true(msr(v0, SCTLR_EL2_ENC, 0x30d01805));
    assert_int_equal(host_sysreg_read("sctlr_el1"), 0x30d01805);
    host_sysreg_write("vbar_el1", 0x40095000); /* VBAR_EL1: its VBAR_EL2, written with no trap */
    assert_true(mrs(v0, VBAR_EL2_ENC, &val));
    assert_int_equal(val, 0x40095000);
    /* CNTHCTL_EL2: its EL0 controls are the CPU's CNTKCTL_EL1, the rest kept; CNTKCTL_EL12 (its
     * guest's, not in the page) kept aside. */
    assert_true(msr(v0, SYSREG(3, 4, 14, 1, 0), 0xc03)); /* CNTHCTL_EL2: EL1PCEN, EL1PCTEN, EL0 */
    assert_int_equal(host_sysreg_read("cntkctl_el1"), 0x3);
    host_sysreg_write("cntkctl_el1", 0x2); /* CNTKCTL_EL1: its CNTHCTL_EL2, no trap */
    assert_true(mrs(v0, SYSREG(3, 4, 14, 1, 0), &val));
    assert_int_equal(val, 0xc02);
    assert_true(msr(v0, SYSREG(3, 5, 14, 1, 0), 0x1)); /* CNTKCTL_EL12 */
    assert_true(mrs(v0, SYSREG(3, 5, 14, 1, 0), &val));
    assert_int_equal(val, 0x1);
    assert_int_equal(host_sysreg_read("cntkctl_el1"), 0x2);

    /* ERET to its EL0 under TGE: no switch; to EL1 under TGE: illegal. */
    host_sysreg_write("elr_el1", 0x400000);
    host_sysreg_write("spsr_el1", PSR_M_EL0t | PSR_C);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(v0->regs.pc, 0x400000);
    assert_int_equal(v0->regs.pstate, PSR_M_EL0t | PSR_C);
    assert_int_equal(v0->hcr_parts, vel2);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    nested_eret(v0, ESR_ERET);
    assert_true(v0->regs.pstate & PSR_IL);
    assert_false(n->at_el1);

    /* Its EL1 guest (TGE = 0) from the page (written through the EL12 names), and back. */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_E2H | HCR_EL2_RW;
    n->vncr[VNCR_SCTLR_EL1 / 8] = 0x30d00800;
    n->vncr[VNCR_VBAR_EL1 / 8] = 0x400a0000;
    n->vncr[VNCR_TTBR1_EL1 / 8] = 0;
    n->vncr[VNCR_CNTV_CTL_EL0 / 8] = 1;         /* its guest's timer (CNTV_CTL_EL02), enabled */
    n->vncr[VNCR_CNTV_CVAL_EL0 / 8] = 0x123456; /* CNTV_CVAL_EL02 */
    host_sysreg_write("cntv_ctl_el0", 3);       /* its own EL2 virtual timer, masked */
    host_sysreg_write("cntv_cval_el0", 0x999);
    host_sysreg_write("spsr_el1", PSR_M_EL1h);
    host_sysreg_write("elr_el1", 0x40100000);
    assert_int_equal(nested_eret(v0, ESR_ERET), EXIT_RESUME);
    assert_true(n->at_el1);
    assert_int_equal(v0->hcr_parts, 0);
    assert_int_equal(host_sysreg_read("sctlr_el1"), 0x30d00800);
    assert_int_equal(host_sysreg_read("ttbr1_el1"), 0);
    assert_int_equal(host_sysreg_read("cntkctl_el1"), 0x1); /* its guest's CNTKCTL_EL1 */
    assert_int_equal(host_sysreg_read("cntv_ctl_el0"), 1);
    assert_int_equal(host_sysreg_read("cntv_cval_el0"), 0x123456);
    assert_null(parked_ctl);                      /* the CPU's timer is the VM's EL1 one while its guest runs */
    host_sysreg_write("cntv_cval_el0", 0x654321); /* its guest moves its deadline */
    assert_int_equal(n->el2.vbar, 0x40095000);
    host_sysreg_write("cntkctl_el1", 0x201); /* its guest changes it */
    /* E2H changed in the page while its guest runs: nothing happens until virtual EL2. */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW;
    assert_false(mrs(v0, SYSREG(3, 5, 1, 0, 2), &val));
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_E2H | HCR_EL2_RW;
    v0->regs.pc = 0x40100008;
    assert_int_equal(nested_hvc(v0, ESR_HVC), EXIT_RESUME);
    assert_false(n->at_el1);
    assert_int_equal(v0->hcr_parts, vel2);
    assert_int_equal(v0->regs.pc, 0x40095400);
    assert_int_equal(host_sysreg_read("sctlr_el1"), 0x30d01805);
    assert_int_equal(host_sysreg_read("ttbr1_el1"), 0x41230000);
    assert_int_equal(host_sysreg_read("elr_el1"), 0x40100008);
    assert_int_equal(host_sysreg_read("cntkctl_el1"), 0x2);
    assert_int_equal(host_sysreg_read("cntv_ctl_el0"), 3);
    assert_int_equal(host_sysreg_read("cntv_cval_el0"), 0x999);
    assert_int_equal(n->vncr[VNCR_CNTV_CVAL_EL0 / 8], 0x654321);
    assert_true(parked_in(n)); /* parked again, with the deadline its guest left */
    assert_true(mrs(v0, SYSREG(3, 5, 14, 1, 0), &val));
    assert_int_equal(val, 0x201);
    /* HVC at virtual EL2: the vector from the CPU's VBAR_EL1. */
    assert_int_equal(nested_hvc(v0, ESR_HVC), EXIT_RESUME);
    assert_int_equal(v0->regs.pc, 0x40095200);

    /* E2H cleared: its registers go back to the E2H = 0 places at the next trap. */
    n->vncr[VNCR_HCR_EL2 / 8] = HCR_EL2_RW;
    assert_true(mrs(v0, SYSREG(3, 4, 2, 0, 1), &val));
    assert_int_equal(val, 0x41230000);
    assert_false(n->vhe);
    assert_null(parked_ctl); /* E2H = 0: one EL1 virtual timer, the CPU's */
    assert_int_equal(v0->hcr_parts, vel2 | HCR_EL2_NV1);
    assert_int_equal(host_sysreg_read("ttbr1_el1"), 0);       /* no TTBR1 walks for the E2H = 0 regime */
    assert_int_equal(host_sysreg_read("cntkctl_el1"), 0x201); /* one CNTKCTL_EL1 again */
    assert_true(mrs(v0, SYSREG(3, 4, 14, 1, 0), &val));
    assert_int_equal(val, 0xc02);
    assert_int_equal(host_sysreg_read("vbar_el1"), 0x40095000);
    assert_true(mrs(v0, SCTLR_EL2_ENC, &val));
    assert_int_equal(val, 0x30d01805);
    assert_false(mrs(v0, SYSREG(3, 5, 1, 0, 2), &val));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_id_rows_hide_their_fields, setup),
        cmocka_unit_test_setup(test_id_space, setup),
        cmocka_unit_test_setup(test_id_cpu_features, setup),
        cmocka_unit_test_setup(test_nested_off, setup),
        cmocka_unit_test_setup(test_nested_el2_regs, setup),
        cmocka_unit_test_setup(test_nested_gic_regs, setup),
        cmocka_unit_test_setup(test_nested_gic_lend, setup),
        cmocka_unit_test_setup(test_nested_group0_fiq, setup),
        cmocka_unit_test_setup(test_nested_eret_and_hvc, setup),
        cmocka_unit_test_setup(test_nested_vhe, setup),
        cmocka_unit_test_setup(test_unknown_is_undefined, setup),
        cmocka_unit_test_setup(test_actlr, setup),
        cmocka_unit_test_setup(test_debug_lazy, setup),
        cmocka_unit_test_setup(test_debug_claim_tags, setup),
        cmocka_unit_test_setup(test_debug_off, setup),
        cmocka_unit_test_setup(test_debug_range, setup),
        cmocka_unit_test_setup(test_pauth_lazy, setup),
        cmocka_unit_test_setup(test_pauth_off, setup),
        cmocka_unit_test_setup(test_set_way, setup),
        cmocka_unit_test_setup(test_vgic_rows, setup),
        cmocka_unit_test_setup(test_ptimer_rows_listed, setup),
        cmocka_unit_test_setup(test_xzr, setup),
        cmocka_unit_test_setup(test_routing_and_ranges, setup),
        cmocka_unit_test_setup(test_many_rows, setup),
        cmocka_unit_test_setup(test_exit_hooks, setup),
        cmocka_unit_test_setup(test_nested_trap_decision, setup),
        cmocka_unit_test_setup(test_nested_trap_controls, setup),
        cmocka_unit_test_setup(test_nested_el2_timers, setup),
        cmocka_unit_test_setup(test_nested_vlines, setup),
        cmocka_unit_test_setup(test_nested_own_lines, setup),
        cmocka_unit_test_setup(test_nested_at, setup),
        cmocka_unit_test_setup(test_nested_vhe_guest_ptimer, setup),
        cmocka_unit_test_setup(test_nested_cptr_mdcr, setup),
        cmocka_unit_test_setup(test_nested_traps_switch, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
