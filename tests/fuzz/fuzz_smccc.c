/* libFuzzer harness for the guest exit path and its SMCCC/PSCI service: core/exit.c
 * (exit_handle: dispatch on the exit kind and, through the table exit_init builds from core's
 * rows and vdev/trap_table.c's, on ESR_EL2.EC) and vdev/vpsci.c (vpsci_hvc, vpsci_smc), with
 * core/vm.c for the VM helpers they use.
 *
 * Input: a header (vCPUs of two VMs, RAM size), then operations: HVC or SMC calls from a
 * runnable vCPU of either VM (function ID from the known SMCCC/PSCI/elvisor IDs and their
 * neighbours or raw, 32 or 64 bits; x1..x3 small, another vCPU's MPIDR, an address in or
 * around RAM, or raw; random ISS and IL), other exception classes and exit kinds, and the
 * scheduler's and VM manager's stand-ins: a vCPU that CPU_ON made pending starts running
 * (sched.c), a requested reset completes (vmm.c).
 *
 * Every call is checked against a model of the calling convention (Arm DEN0028 SMCCC 1.1)
 * and of PSCI 1.1 (Arm DEN0022): x0 is exactly the value the function defines, and one the
 * specification allows for it (PSCI_FEATURES agrees with what is implemented), x1..x30 and
 * the other vCPUs are unchanged except for what CPU_ON defines for its target, whose boot
 * state is checked, and the other VM is untouched; CPU_OFF, SYSTEM_OFF and SYSTEM_RESET
 * yield; SMC returns past the instruction, HVC where it already is; each exit counts once
 * in its class. vCPU states follow the PSCI state machine of the model, and stay valid
 * (a stopped VM has only stopped vCPUs, a running one none). Other exception classes and
 * exit kinds reach exactly their handler. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit.h"
#include "arch/aarch64/regs/cptr.h"
#include "core/mmio.h"
#include "core/sched.h"
#include "core/irq.h"
#include "core/vmm.h"
#include "core/sysreg_trap.h"
#include "vdev/vpsci.h"
#include "vdev/vsysreg.h"
#include "vdev/vptimer.h"
#include "vdev/vpmu.h"
#include "vdev/vgic.h"
#include "drivers/psci.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "tests/host/stubs.h"
#include "core/vcpu_power.h"
#include "tests/fuzz/fuzz_input.h"

#include "tests/host/check.h"

#define MAX_OPS  400
#define RAM_IPA  0x40000000UL
#define NOT_SUPP ((uint64_t)(int64_t)-1)

/* ---- stand-ins: what exit.c and vpsci.c call besides the VM helpers ---- */

/* The trapped system registers are core/sysreg_trap.c's (tests/unit/test_sysreg.c): here the
 * SYS64 row only has to reach sysreg_trap, and trap_table.c's tables are empty stand-ins. */
const struct sysreg_table id_reg_table, vsysreg_table, vgic_sysreg_table, vptimer_sysreg_table, vdebug_sysreg_table,
    vpmu_sysreg_table, vpauth_sysreg_table, nested_sysreg_table, nested_at_sysreg_table;
const char *sysreg_trap_init(const struct sysreg_table *const *tables, unsigned nr) { return NULL; }
void panic(const char *fmt, ...) { CHECK(0); }
/* vdev/nested.c is linked (its HVC and SMC rows hand these VMs, none at virtual EL2, to
 * vpsci.c; its ERET row makes ERET UNDEFINED for them); what it calls that they never reach. */
void tlb_flush_el1_local(void) { CHECK(0); }
void tlb_flush_el1_all(void) { CHECK(0); }
void vcpu_hw_start(struct vcpu *v) {} /* no part of the virtual CPU hardware here */

static enum { H_NONE, H_MMIO, H_SYSREG, H_IABT, H_UNDEF, H_IRQ, H_WAIT, H_RESET, H_PAC, H_SVE } handled;
static unsigned nr_handled;
static uint64_t handled_arg;
static bool cpu_shared, vgic_pending_answer;
static struct vcpu *reset_by_arg;

static void note(int what, uint64_t arg)
{
    handled = what;
    handled_arg = arg;
    nr_handled++;
}
/* The stage 2 data abort row's handler: mmio_abort, which core/mmio.c also names exit_dabt. */
enum exit_result exit_dabt(struct vcpu *v, uint64_t esr)
{
    note(H_MMIO, esr);
    return EXIT_RESUME;
}
enum exit_result sysreg_trap(struct vcpu *v, uint64_t esr)
{
    note(H_SYSREG, esr);
    return EXIT_RESUME;
}
void inject_iabt(struct guest_regs *r, uint64_t va) { note(H_IABT, va); }
void inject_undef(struct guest_regs *r) { note(H_UNDEF, 0); }
enum exit_result vpauth_trap(struct vcpu *v, uint64_t esr)
{
    note(H_PAC, esr);
    return EXIT_RESUME;
}
/* vdev/vsve.c's exit row (its own tests: tests/unit/test_vsve.c). */
enum exit_result vsve_trap(struct vcpu *v, uint64_t esr)
{
    note(H_SVE, esr);
    return EXIT_RESUME;
}
void inject_dabt(struct guest_regs *r, uint64_t va, int write) { CHECK(0); }
void irq_handle_pending(void) { note(H_IRQ, 0); }
void irq_vcpu_wait(struct vcpu *v) { note(H_WAIT, 0); }
/* core/vcpu_fp.c's register file moves (an FP/SIMD exit, EC 0x07). */
void fp_ctx_save(struct fp_ctx *c) {}
void fp_ctx_restore(const struct fp_ctx *c) {}
bool vcpu_has_work(struct vcpu *v) { return vgic_pending_answer; }
/* As core/vmm.c: the first request moves the VM to RESETTING; the rest finishes later. */
void vmm_request_reset(struct vcpu *v)
{
    note(H_RESET, 0);
    reset_by_arg = v;
    if (v->vm->state == VM_RUNNING) {
        v->vm->state = VM_RESETTING;
        v->vm->reset_by = v;
    }
}

/* ---- two VMs and the model of their vCPUs ---- */

static struct vm vmv[2];
static enum vcpu_state model[2][VM_MAX_VCPUS];
static uint64_t ram_size;

static void boot_vcpus(struct vm *vm, unsigned k)
{
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpu[i];
        memset(v, 0, sizeof(*v));
        v->vm = vm;
        v->id = i;
        v->pcpu = (k * 3 + i) % MAX_CPUS;
        v->vmpidr = (1UL << 31) | i; /* as core/vmm.c */
        v->el1.sctlr = SCTLR_EL1_RESET;
        v->regs.pstate = 0x3c5;
        for (unsigned r = 0; r < 31; r++)
            v->regs.x[r] = 0x1000 * (k + 1) + 0x100 * i + r; /* recognizable */
        v->regs.pc = RAM_IPA + 0x80000;
        v->state = i == 0 ? VCPU_RUNNABLE : VCPU_OFF;
        exit_set_mode(v, EXIT_MODE_MAIN); /* as core/vmm.c */
        model[k][i] = v->state;
    }
    vm->state = VM_RUNNING;
    vm->reset_by = NULL;
}

static void setup(void)
{
    host_reset();
    exit_init();
    uint8_t h0 = u8(), h1 = u8();
    ram_size = (1UL << 20) << (h1 & 7); /* 1 MiB .. 128 MiB */
    cpu_shared = (h1 >> 3) & 1;
    for (unsigned c = 0; c < MAX_CPUS; c++) {
        percpu_data[c].idle = (h1 >> 4 >> (c % 4)) & 1; /* an idle CPU is woken by a kick */
        percpu_data[c].sharing = cpu_shared ? 2 : 1;    /* sched_cpu_shared() */
    }
    for (unsigned k = 0; k < 2; k++) {
        struct vm *vm = &vmv[k];
        memset(vm, 0, sizeof(*vm));
        vm->id = k + 1;
        snprintf(vm->cfg.name, sizeof(vm->cfg.name), "vm%u", k);
        vm->cfg.nr_vcpus = 1 + ((h0 >> (3 * k)) & 7);
        vm->cfg.ram_ipa = RAM_IPA;
        vm->cfg.ram_size = ram_size;
        vm->ram_pa = 0x80000000UL + k * 0x10000000UL; /* never dereferenced */
        boot_vcpus(vm, k);
    }
}

static void check_states(void)
{
    for (unsigned k = 0; k < 2; k++) {
        const struct vm *vm = &vmv[k];
        CHECK(vm->state == VM_RUNNING || vm->state == VM_RESETTING || vm->state == VM_STOPPED);
        for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
            enum vcpu_state s = vm->vcpu[i].state;
            CHECK(s == model[k][i]);
            CHECK(s == VCPU_OFF || s == VCPU_ON_PENDING || s == VCPU_RUNNABLE || s == VCPU_STOPPED);
            CHECK((vm->state == VM_STOPPED) == (s == VCPU_STOPPED));
        }
    }
}

/* ---- the model of the calls ---- */

#define SMCCC_VERSION       0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u

static const uint32_t fids[] = {
    SMCCC_VERSION,
    SMCCC_ARCH_FEATURES,
    0x80008000u,
    0x80007fffu,
    0x80003fffu,
    0x8000ff00u,
    PSCI_0_2_VERSION,
    0x84000001u,
    PSCI_0_2_CPU_SUSPEND64,
    PSCI_0_2_CPU_OFF,
    0x84000003u,
    PSCI_0_2_CPU_ON64,
    0x84000004u,
    PSCI_0_2_AFFINITY_INFO64,
    0x84000005u,
    0xc4000005u,
    PSCI_0_2_MIGRATE_INFO_TYPE,
    0x84000007u,
    0xc4000007u,
    PSCI_0_2_SYSTEM_OFF,
    PSCI_0_2_SYSTEM_RESET,
    PSCI_1_0_FEATURES,
    0x8400000bu,
    0xc400000cu,
    0xc400000eu,
    0xc4000012u,
    0x84000013u,
    0x8400001fu,
    0xc4000002u,
    0x84000000u | 0x40000000u,
    ELVISOR_HVC_EXIT_COUNTERS,
    0xc6000000u,
    0x86000001u,
    0x8600ff01u,
    0xc5000000u,
    0x82000000u,
    0xc3000000u,
    0xb2000000u,
    0xbf00ff00u,
    0x00000000u,
    0x04000003u,
    0xffffffffu,
};

/* The functions PSCI_FEATURES reports (DEN0022 5.15), which must be exactly the PSCI and
 * SMCCC functions the dispatcher implements. */
static bool implemented(uint32_t f)
{
    switch (f) {
    case PSCI_0_2_VERSION:
    case 0x84000001u:
    case PSCI_0_2_CPU_SUSPEND64:
    case PSCI_0_2_CPU_OFF:
    case 0x84000003u:
    case PSCI_0_2_CPU_ON64:
    case 0x84000004u:
    case PSCI_0_2_AFFINITY_INFO64:
    case PSCI_0_2_MIGRATE_INFO_TYPE:
    case PSCI_0_2_SYSTEM_OFF:
    case PSCI_0_2_SYSTEM_RESET:
    case PSCI_1_0_FEATURES:
    case SMCCC_VERSION:
        return true;
    default:
        return false;
    }
}

static struct vcpu *by_mpidr(struct vm *vm, uint64_t mpidr)
{
    /* Affinity fields only: Aff3 [39:32], Aff2..Aff0 [23:0] (DEN0022 5.1.4). */
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        if (((vm->vcpu[i].vmpidr ^ mpidr) & 0xff00ffffffUL) == 0)
            return &vm->vcpu[i];
    return NULL;
}

struct expect {
    uint64_t x0;
    bool x0_set, yield;
    struct vcpu *on; /* CPU_ON succeeded for it */
    uint64_t on_entry, on_ctx;
};

/* What DEN0022/DEN0028 (and elvisor's documented choices in vdev/vpsci.c) say the call does. */
static struct expect model_call(struct vm *vm, struct vcpu *v, const uint64_t *x, unsigned cls)
{
    struct expect e = { .x0 = NOT_SUPP, .x0_set = true };
    uint32_t f = (uint32_t)x[0];
    if (x[0] >> 32)
        return e; /* the function ID is W0; elvisor refuses a dirty upper half */
    bool is64 = (f >> 30) & 1;
    uint64_t a1 = is64 ? x[1] : (uint32_t)x[1], a2 = is64 ? x[2] : (uint32_t)x[2];
    uint64_t a3 = is64 ? x[3] : (uint32_t)x[3];
    switch (f) {
    case SMCCC_VERSION:
        e.x0 = 0x10001;
        break;
    case SMCCC_ARCH_FEATURES:
        e.x0 = (uint32_t)a1 == SMCCC_VERSION ? 0 : NOT_SUPP;
        break;
    case PSCI_0_2_VERSION:
        e.x0 = 0x10001;
        break;
    case PSCI_1_0_FEATURES:
        e.x0 = implemented((uint32_t)a1) ? 0 : NOT_SUPP;
        break;
    case 0x84000001u:
    case PSCI_0_2_CPU_SUSPEND64:
        e.x0 = 0;
        break;
    case PSCI_0_2_MIGRATE_INFO_TYPE:
        e.x0 = 2;
        break;
    case PSCI_0_2_CPU_OFF:
        e.x0_set = false;
        e.yield = true;
        break;
    case PSCI_0_2_SYSTEM_OFF:
    case PSCI_0_2_SYSTEM_RESET:
        e.x0_set = false;
        e.yield = true;
        break;
    case 0x84000004u:
    case PSCI_0_2_AFFINITY_INFO64: {
        struct vcpu *t = by_mpidr(vm, a1);
        if (a2 != 0 || !t)
            e.x0 = (uint64_t)(int64_t)PSCI_INVALID_PARAMETERS;
        else
            e.x0 = t->state == VCPU_RUNNABLE ? 0 : t->state == VCPU_ON_PENDING ? 2 : 1;
        break;
    }
    case 0x84000003u:
    case PSCI_0_2_CPU_ON64: {
        struct vcpu *t = by_mpidr(vm, a1);
        int64_t r;
        if (!t)
            r = PSCI_INVALID_PARAMETERS;
        else if ((a2 & 3) || a2 < RAM_IPA || a2 - RAM_IPA > ram_size - 4)
            r = PSCI_INVALID_ADDRESS;
        else if (t->state == VCPU_RUNNABLE)
            r = PSCI_ALREADY_ON;
        else if (t->state == VCPU_ON_PENDING)
            r = PSCI_ON_PENDING;
        else
            r = PSCI_SUCCESS;
        e.x0 = (uint64_t)r;
        if (r == PSCI_SUCCESS) {
            e.on = t;
            e.on_entry = a2;
            e.on_ctx = a3;
        }
        break;
    }
    case ELVISOR_HVC_EXIT_COUNTERS:
        /* This very call is already counted. */
        e.x0 = x[1] < EXITC_NR ? v->exits[x[1]] + (x[1] == cls) : NOT_SUPP;
        break;
    default:
        break;
    }
    return e;
}

/* The values DEN0022 allows each PSCI function to return (5.x "Return values"). */
static bool allowed(uint32_t f, uint64_t x0)
{
    int64_t r = (int64_t)x0;
    switch (f) {
    case 0x84000003u:
    case PSCI_0_2_CPU_ON64:
        return r == PSCI_SUCCESS || r == PSCI_INVALID_PARAMETERS || r == PSCI_INVALID_ADDRESS || r == PSCI_ALREADY_ON ||
               r == PSCI_ON_PENDING || r == PSCI_INTERNAL_FAILURE;
    case 0x84000004u:
    case PSCI_0_2_AFFINITY_INFO64:
        return (r >= 0 && r <= 2) || r == PSCI_INVALID_PARAMETERS || r == PSCI_DISABLED;
    case 0x84000001u:
    case PSCI_0_2_CPU_SUSPEND64:
        return r == PSCI_SUCCESS || r == PSCI_INVALID_PARAMETERS || r == PSCI_INVALID_ADDRESS || r == PSCI_DENIED;
    case PSCI_0_2_MIGRATE_INFO_TYPE:
        return r >= 0 && r <= 2;
    case PSCI_1_0_FEATURES:
    case SMCCC_ARCH_FEATURES:
        return r >= 0 || r == PSCI_NOT_SUPPORTED;
    case PSCI_0_2_VERSION:
    case SMCCC_VERSION:
        return r > 0 && (x0 >> 31) == 0;
    case ELVISOR_HVC_EXIT_COUNTERS:
        return true;
    default:
        return r == PSCI_NOT_SUPPORTED; /* SMCCC: unknown function identifier */
    }
}

/* ---- one exit ---- */

static unsigned exit_class(uint32_t ec, uint64_t esr)
{
    switch (ec) {
    case ESR_EC_HVC64:
        return EXITC_HVC;
    case ESR_EC_SMC64:
        return EXITC_SMC;
    case ESR_EC_WFX:
        return esr_wfx_is_wfe(esr) ? EXITC_WFE : EXITC_WFI;
    case ESR_EC_SYS64:
        return EXITC_SYSREG;
    case ESR_EC_DABT_LOW:
        return EXITC_MMIO;
    case ESR_EC_IABT_LOW:
        return EXITC_IABT;
    case ESR_EC_SVE:
    case ESR_EC_FP_ASIMD:
        return EXITC_FP;
    default:
        return EXITC_OTHER;
    }
}

static void do_exit(unsigned k, struct vcpu *v, unsigned kind, uint64_t esr)
{
    struct vm *vm = &vmv[k];
    static struct vm before[2];
    memcpy(before, vmv, sizeof(before));
    host_set_cpu(v->pcpu);
    *host_sysreg(v->pcpu, "esr_el2") = esr;
    *host_sysreg(v->pcpu, "far_el2") = 0xfff0 + esr;
    unsigned kicks[MAX_CPUS];
    memcpy(kicks, host_kicks, sizeof(kicks));
    handled = H_NONE;
    nr_handled = 0;
    reset_by_arg = NULL;
    uint32_t ec = esr_ec(esr);
    bool sync = kind == EXIT_SYNC, call = sync && (ec == ESR_EC_HVC64 || ec == ESR_EC_SMC64);
    unsigned cls = sync ? exit_class(ec, esr) : kind == EXIT_IRQ || kind == EXIT_FIQ ? EXITC_IRQ : EXITC_NR;
    struct expect e = { 0 };
    if (call)
        e = model_call(vm, v, v->regs.x, cls);

    enum exit_result res = exit_handle(v, kind);

    const struct vcpu *b = &before[k].vcpu[v->id];
    /* The other VM: untouched. */
    CHECK(memcmp(&before[k ^ 1].vcpu, &vmv[k ^ 1].vcpu, sizeof(vmv[0].vcpu)) == 0);
    CHECK(before[k ^ 1].state == vmv[k ^ 1].state);
    /* Exactly one exit counted, in its class. */
    for (unsigned c = 0; c < EXITC_NR; c++)
        CHECK(v->exits[c] == b->exits[c] + (c == cls));
    if (!call) {
        /* Everything else reaches its own handler once (or stops the VM). */
        bool stop = !sync && kind != EXIT_IRQ && kind != EXIT_FIQ;
        if (stop) {
            CHECK(res == EXIT_YIELD && vm->state == VM_STOPPED && nr_handled == 0);
            for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
                model[k][i] = VCPU_STOPPED;
            return;
        }
        if (!sync) {
            CHECK(res == EXIT_RESUME && handled == H_IRQ && nr_handled == 1);
            return;
        }
        switch (ec) {
        case ESR_EC_WFX:
            CHECK(v->regs.pc == b->regs.pc + esr_insn_len(esr));
            if (esr_wfx_is_wfe(esr) || !cpu_shared || vgic_pending_answer)
                CHECK(res == EXIT_RESUME && !v->waiting);
            else
                CHECK(res == EXIT_YIELD && v->waiting);
            CHECK(nr_handled == (!esr_wfx_is_wfe(esr) && !cpu_shared));
            v->waiting = false; /* the scheduler's business */
            break;
        case ESR_EC_SYS64:
            CHECK(handled == H_SYSREG && handled_arg == esr && nr_handled == 1);
            break;
        case ESR_EC_DABT_LOW:
            CHECK(handled == H_MMIO && handled_arg == esr && nr_handled == 1);
            break;
        case ESR_EC_SVE:
            CHECK(handled == H_SVE && handled_arg == esr && nr_handled == 1);
            break;
        case ESR_EC_FP_ASIMD: /* core's lazy FP/SIMD switch: v's registers live, TFP clear */
            CHECK(nr_handled == 0 && percpu_data[v->pcpu].fp_owner == v);
            CHECK(!(*host_sysreg(v->pcpu, "cptr_el2") & CPTR_EL2_TFP));
            break;
        case ESR_EC_IABT_LOW:
            CHECK(handled == H_IABT && handled_arg == 0xfff0 + esr && nr_handled == 1);
            break;
        case ESR_EC_PAC:
            CHECK(handled == H_PAC && handled_arg == esr && nr_handled == 1);
            break;
        default:
            CHECK(handled == H_UNDEF && nr_handled == 1 && res == EXIT_RESUME);
            break;
        }
        if (ec != ESR_EC_WFX)
            CHECK(v->regs.pc == b->regs.pc && res == EXIT_RESUME);
        return;
    }

    /* An SMCCC call. */
    uint32_t f = (uint32_t)b->regs.x[0];
    CHECK(res == (e.yield ? EXIT_YIELD : EXIT_RESUME));
    CHECK(v->regs.pc == b->regs.pc + (ec == ESR_EC_SMC64 ? esr_insn_len(esr) : 0));
    CHECK(v->regs.pstate == b->regs.pstate);
    CHECK(memcmp(&v->el1, &b->el1, sizeof(v->el1)) == 0);
    if (e.x0_set) {
        CHECK(v->regs.x[0] == e.x0);
        /* What PSCI_FEATURES reports is there (FEATURES itself answers NOT_SUPPORTED). */
        if (implemented(f) && f != PSCI_1_0_FEATURES && !(b->regs.x[0] >> 32))
            CHECK(v->regs.x[0] != NOT_SUPP);
        CHECK((b->regs.x[0] >> 32) ? v->regs.x[0] == NOT_SUPP : allowed(f, v->regs.x[0]));
    } else {
        CHECK(v->regs.x[0] == b->regs.x[0]);
    }
    for (unsigned r = 1; r < 31; r++)
        CHECK(v->regs.x[r] == b->regs.x[r]); /* SMCCC 1.1: x1..x17 kept (and the rest) */
    if (e.on)
        model[k][e.on->id] = VCPU_ON_PENDING;
    if (!(b->regs.x[0] >> 32) && f == PSCI_0_2_CPU_OFF)
        model[k][v->id] = VCPU_OFF;
    if (!(b->regs.x[0] >> 32) && f == PSCI_0_2_SYSTEM_OFF) {
        CHECK(vm->state == VM_STOPPED);
        for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
            model[k][i] = VCPU_STOPPED;
    }
    if (!(b->regs.x[0] >> 32) && f == PSCI_0_2_SYSTEM_RESET)
        CHECK(handled == H_RESET && nr_handled == 1 && reset_by_arg == v && vm->state == VM_RESETTING);
    else
        CHECK(nr_handled == 0);
    /* The other vCPUs' registers: unchanged. CPU_ON's target gets its boot state recorded,
     * for its own CPU to apply (op_schedule; core/vcpu_power.c, issue 13 item 10). */
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
        const struct vcpu *t = &vm->vcpu[i], *tb = &before[k].vcpu[i];
        if (t == v)
            continue;
        CHECK(memcmp(&t->regs, &tb->regs, sizeof(t->regs)) == 0 && t->el1.sctlr == tb->el1.sctlr);
        if (t != e.on)
            continue;
        CHECK(t->state == VCPU_ON_PENDING && t->on_entry == e.on_entry && t->on_ctx == e.on_ctx);
        /* Its CPU is woken only if it sleeps: otherwise its next scheduling point sees the
         * vCPU, and an IPI would only interrupt whatever runs there (issue 13 item 8). */
        CHECK(host_kicks[t->pcpu] == kicks[t->pcpu] + (percpu_data[t->pcpu].idle ? 1u : 0u));
    }
}

/* ---- operations ---- */

/* An argument: small, a vCPU's MPIDR (possibly with bits outside the affinity fields), an
 * address in or near RAM, or raw. */
static uint64_t arg(struct vm *vm)
{
    uint8_t s = u8();
    switch (s & 3) {
    case 0:
        return s >> 2;
    case 1: {
        uint64_t m = (1UL << 31) | ((s >> 2) & 7);
        if (s & 0x20)
            m |= take(1) << 8 | take(1) << 32;
        if (s & 0x40)
            m ^= 0xffffff0000000000UL;
        if (s & 0x80)
            m &= 0xffffffff;
        return m;
    }
    case 2: {
        uint64_t off = take(4);
        if (s & 0x04)
            off &= ~3UL;
        if (s & 0x08)
            off %= ram_size + 8;
        return (s & 0x10) ? RAM_IPA - off : RAM_IPA + off;
    }
    default:
        return take(8);
    }
}

/* A vCPU that is running guest code, or NULL: only those exit. */
static struct vcpu *pick(uint8_t sel, unsigned *k)
{
    *k = (sel >> 7) & 1;
    struct vm *vm = &vmv[*k];
    if (vm->state != VM_RUNNING)
        return NULL;
    for (unsigned n = 0; n < vm->cfg.nr_vcpus; n++) {
        struct vcpu *v = &vm->vcpu[(sel + n) % vm->cfg.nr_vcpus];
        if (v->state == VCPU_RUNNABLE)
            return v;
    }
    return NULL;
}

static void op_call(uint8_t op)
{
    unsigned k;
    struct vcpu *v = pick(u8(), &k);
    uint64_t x0;
    switch ((op >> 5) & 7) {
    case 6:
        x0 = take(4);
        break;
    case 7:
        x0 = take(8);
        break;
    default:
        x0 = fids[u8() % (sizeof(fids) / sizeof(fids[0]))];
        break;
    }
    uint64_t x1 = arg(&vmv[k]), x2 = arg(&vmv[k]), x3 = arg(&vmv[k]);
    uint64_t esr = (uint64_t)((op & 0x10) ? ESR_EC_SMC64 : ESR_EC_HVC64) << ESR_EC_SHIFT | ESR_IL | take(2);
    if (!v)
        return;
    v->regs.x[0] = x0;
    v->regs.x[1] = x1;
    v->regs.x[2] = x2;
    v->regs.x[3] = x3;
    do_exit(k, v, EXIT_SYNC, esr);
}

static void op_other_exit(uint8_t op)
{
    unsigned k;
    struct vcpu *v = pick(u8(), &k);
    uint64_t esr = take(4) | take(4) << 32;
    unsigned kind = (op >> 4) & 1 ? u8() % 6 : EXIT_SYNC;
    vgic_pending_answer = (op >> 5) & 1;
    if (v)
        do_exit(k, v, kind, esr);
}

/* The scheduler picks a vCPU that CPU_ON made pending (sched.c eligible()). */
static void op_schedule(void)
{
    uint8_t s = u8();
    struct vm *vm = &vmv[(s >> 7) & 1];
    struct vcpu *v = &vm->vcpu[(s & 7) % vm->cfg.nr_vcpus];
    if (vm->state == VM_RUNNING && v->state == VCPU_ON_PENDING) {
        uint64_t entry = v->on_entry, ctx = v->on_ctx;
        CHECK(vcpu_power_apply(v));
        model[v->vm->id - 1][v->id] = VCPU_RUNNABLE;
        /* Exactly the boot state of a PSCI CPU_ON. */
        CHECK(v->regs.pc == entry && v->regs.x[0] == ctx && v->regs.pstate == 0x3c5);
        for (unsigned r = 1; r < 31; r++)
            CHECK(v->regs.x[r] == 0);
        CHECK(v->el1.sctlr == SCTLR_EL1_RESET);
    }
}

/* The reset completes (vmm_finish_reset): the VM boots again from vCPU 0. */
static void op_finish_reset(void)
{
    uint8_t s = u8();
    unsigned k = (s >> 7) & 1;
    if (vmv[k].state == VM_RESETTING)
        boot_vcpus(&vmv[k], k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_start(data, size);
    setup();
    check_states();
    for (unsigned n = 0; in_n && n < MAX_OPS; n++) {
        uint8_t op = u8();
        switch (op & 0xf) {
        case 12:
            op_other_exit(op);
            break;
        case 13:
            op_schedule();
            break;
        case 14:
            op_finish_reset();
            break;
        case 15:
            op_schedule();
            op_call(op);
            break;
        default:
            op_call(op);
            break;
        }
        check_states();
    }
    return 0;
}
