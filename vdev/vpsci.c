#include "vdev/vpsci.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/vmm.h"
#include "core/vcpu.h"
#include "core/vcpu_power.h"
#include "drivers/psci.h"
#include "arch/aarch64/spectre.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/sysreg.h"

#define SMCCC_VERSION       0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_VERSION_1_1   0x10001
#define PSCI_VERSION_1_1    0x10001
#define SMCCC_NOT_SUPPORTED (-1L)

/* A 32-bit SMCCC function ID (bit 30 = 0) uses only the low 32 bits of its arguments. */
static uint64_t arg(const struct vcpu *v, unsigned i, uint32_t fid)
{
    return (fid & (1u << 30)) ? v->regs.x[i] : (v->regs.x[i] & 0xffffffffUL);
}

static void ret(struct vcpu *v, int64_t val) { v->regs.x[0] = (uint64_t)val; }

static bool entry_in_ram(struct vm *vm, uint64_t entry) { return (entry & 3) == 0 && vm_ram_ptr(vm, entry, 4) != 0; }

static int64_t psci_cpu_on_v(struct vcpu *v, uint64_t target, uint64_t entry, uint64_t ctx)
{
    struct vm *vm = v->vm;
    struct vcpu *t = vm_vcpu_by_mpidr(vm, target);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    if (!entry_in_ram(vm, entry))
        return PSCI_INVALID_ADDRESS;
    return vcpu_power_on(t, entry, ctx);
}

static int64_t affinity_info(struct vcpu *v, uint64_t target, uint64_t level)
{
    if (level != 0)
        return PSCI_INVALID_PARAMETERS;
    struct vcpu *t = vm_vcpu_by_mpidr(v->vm, target);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    switch (t->state) {
    case VCPU_RUNNABLE:
        return 0; /* ON */
    case VCPU_ON_PENDING:
        return 2; /* ON_PENDING */
    default:
        return 1; /* OFF */
    }
}

/* SMCCC_ARCH_FEATURES for the workarounds (Arm DEN0028), answered for every CPU the VM's vCPUs
 * run on (their affinity), from what each CPU chose at boot (arch/aarch64/spectre.c):
 *  - WORKAROUND_1 (Spectre-v2) and _3 (v2 and BHB): 1 (not required) where every CPU is
 *    unaffected; 0 (call it) where each affected one is mitigated: the calls are performed at
 *    EL2 by the exit path itself, which invalidates the predictor (firmware WORKAROUND_1/3) or
 *    clears the branch history on every exit from the guest, so the call has nothing left to
 *    do; NOT_SUPPORTED where any CPU is vulnerable, which a guest reads as "vulnerable";
 *  - WORKAROUND_2 (Spectre-v4): 1 where every CPU is unaffected; NOT_REQUIRED (-2) where each
 *    affected one has its firmware's mitigation, switched on for good at boot (a guest may not
 *    turn it off: it would be off for the next VM on that CPU too); NOT_SUPPORTED otherwise.
 * A CPU that made no choice (not online) counts as vulnerable. */
static int64_t workaround_features(const struct vm *vm, uint32_t wa)
{
    bool all_unaffected = true;
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
        const struct spectre_choice *c = spectre_cpu(vm->cfg.affinity[i]);
        if (!c)
            return SMCCC_NOT_SUPPORTED;
        enum spectre_state st = wa == SMCCC_ARCH_WORKAROUND_1   ? c->v2
                                : wa == SMCCC_ARCH_WORKAROUND_2 ? c->v4
                                : c->v2 > c->bhb                ? c->v2
                                                                : c->bhb;
        if (st == SPECTRE_VULNERABLE)
            return SMCCC_NOT_SUPPORTED;
        if (st != SPECTRE_UNAFFECTED)
            all_unaffected = false;
    }
    if (all_unaffected)
        return SMCCC_RET_UNAFFECTED;
    return wa == SMCCC_ARCH_WORKAROUND_2 ? SMCCC_RET_NOT_REQUIRED : SMCCC_RET_SUCCESS;
}

static int64_t arch_features(const struct vm *vm, uint32_t fid)
{
    switch (fid) {
    case SMCCC_VERSION:
        return 0;
    case SMCCC_ARCH_WORKAROUND_1:
    case SMCCC_ARCH_WORKAROUND_2:
    case SMCCC_ARCH_WORKAROUND_3:
        return workaround_features(vm, fid);
    default:
        return SMCCC_NOT_SUPPORTED;
    }
}

/* A workaround call: what ARCH_FEATURES offered is already done by this exit (see above), and
 * WORKAROUND_2 is on for good, whatever the guest asks. One not offered is NOT_SUPPORTED. */
static int64_t workaround_call(const struct vm *vm, uint32_t fid)
{
    int64_t f = workaround_features(vm, fid);
    return f == SMCCC_NOT_SUPPORTED ? SMCCC_NOT_SUPPORTED : SMCCC_RET_SUCCESS;
}

static int64_t psci_features(uint32_t fid)
{
    switch (fid) {
    case PSCI_0_2_VERSION:
    case PSCI_0_2_CPU_OFF:
    case PSCI_0_2_CPU_ON64:
    case 0x84000003u:
    case PSCI_0_2_AFFINITY_INFO64:
    case 0x84000004u:
    case PSCI_0_2_MIGRATE_INFO_TYPE:
    case PSCI_0_2_SYSTEM_OFF:
    case PSCI_0_2_SYSTEM_RESET:
    case PSCI_1_0_FEATURES:
    case SMCCC_VERSION:
        return 0;
    case PSCI_0_2_CPU_SUSPEND64:
    case 0x84000001u:
        return 0; /* original power-state format, no OS-initiated mode */
    default:
        return PSCI_NOT_SUPPORTED;
    }
}

/* The calls that act (power, reset) or ask further: out of line, so that the queries answered
 * from a constant or a counter (vpsci_hvc) need no frame. */
static __attribute__((noinline)) enum exit_result hvc_call(struct vcpu *v, uint32_t fid)
{
    switch (fid) {
    case SMCCC_ARCH_FEATURES:
        ret(v, arch_features(v->vm, (uint32_t)arg(v, 1, fid)));
        break;
    case SMCCC_ARCH_WORKAROUND_1:
    case SMCCC_ARCH_WORKAROUND_2:
    case SMCCC_ARCH_WORKAROUND_3:
        ret(v, workaround_call(v->vm, fid));
        break;
    case PSCI_1_0_FEATURES:
        ret(v, psci_features((uint32_t)arg(v, 1, fid)));
        break;
    case PSCI_0_2_CPU_ON64:
    case 0x84000003u:
        ret(v, psci_cpu_on_v(v, arg(v, 1, fid), arg(v, 2, fid), arg(v, 3, fid)));
        break;
    case PSCI_0_2_CPU_OFF:
        vcpu_power_off(v);
        return EXIT_YIELD;
    case PSCI_0_2_AFFINITY_INFO64:
    case 0x84000004u:
        ret(v, affinity_info(v, arg(v, 1, fid), arg(v, 2, fid)));
        break;
    case PSCI_0_2_SYSTEM_OFF:
        vm_stop(v->vm, "guest called PSCI SYSTEM_OFF");
        return EXIT_YIELD;
    case PSCI_0_2_SYSTEM_RESET:
        vm_log(v->vm, "restarting: guest called PSCI SYSTEM_RESET"); /* rate-limited: a guest may loop */
        vmm_request_reset(v);
        return EXIT_YIELD;
    default:
        ret(v, SMCCC_NOT_SUPPORTED);
        break;
    }
    return EXIT_RESUME;
}

/* The calls answered from a constant or a counter, without a frame: SMCCC_VERSION first (a
 * guest's first call, and the null call exit costs are measured with), each one compare of the
 * whole X0 (so a value with the upper half of W0 set, which SMCCC refuses, falls through to
 * hvc_call); the rest in hvc_call. */
enum exit_result vpsci_hvc(struct vcpu *v, uint64_t esr)
{
    uint64_t x0 = v->regs.x[0];
    if (x0 == SMCCC_VERSION) {
        ret(v, SMCCC_VERSION_1_1);
    } else if (x0 == ELVISOR_HVC_EXIT_COUNTERS) {
        uint64_t cls = v->regs.x[1];
        ret(v, cls < EXITC_NR ? (int64_t)v->exits[cls] : SMCCC_NOT_SUPPORTED);
    } else if (x0 == PSCI_0_2_VERSION) {
        ret(v, PSCI_VERSION_1_1);
    } else if (x0 == PSCI_0_2_CPU_SUSPEND64 || x0 == 0x84000001u) {
        /* A standby or powerdown request may return at once as if woken (PSCI 5.4). */
        ret(v, PSCI_SUCCESS);
    } else if (x0 == PSCI_0_2_MIGRATE_INFO_TYPE) {
        ret(v, 2); /* no Trusted OS: migration not required */
    } else if (x0 >> 32) {
        ret(v, SMCCC_NOT_SUPPORTED); /* SMCCC: the upper half of W0 must be zero */
    } else {
        return hvc_call(v, (uint32_t)x0);
    }
    return EXIT_RESUME;
}

enum exit_result vpsci_smc(struct vcpu *v, uint64_t esr)
{
    guest_skip_insn(&v->regs, esr_insn_len(esr)); /* a trapped SMC returns to itself (Arm ARM D1.10.4) */
    return vpsci_hvc(v, esr);
}
