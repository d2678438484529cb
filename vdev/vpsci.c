#include "vdev/vpsci.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/vmm.h"
#include "core/vcpu.h"
#include "core/vcpu_power.h"
#include "drivers/psci.h"
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

enum exit_result vpsci_hvc(struct vcpu *v, uint64_t esr)
{
    uint32_t fid = (uint32_t)v->regs.x[0];
    if (v->regs.x[0] >> 32) {
        ret(v, SMCCC_NOT_SUPPORTED); /* SMCCC: the upper half of W0 must be zero */
        return EXIT_RESUME;
    }
    switch (fid) {
    case SMCCC_VERSION:
        ret(v, SMCCC_VERSION_1_1);
        break;
    case SMCCC_ARCH_FEATURES:
        /* No workaround calls are offered: each answers NOT_SUPPORTED. */
        ret(v, arg(v, 1, fid) == SMCCC_VERSION ? 0 : SMCCC_NOT_SUPPORTED);
        break;
    case PSCI_0_2_VERSION:
        ret(v, PSCI_VERSION_1_1);
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
    case PSCI_0_2_CPU_SUSPEND64:
    case 0x84000001u:
        /* A standby or powerdown request may return at once as if woken (PSCI 5.4). */
        ret(v, PSCI_SUCCESS);
        break;
    case PSCI_0_2_AFFINITY_INFO64:
    case 0x84000004u:
        ret(v, affinity_info(v, arg(v, 1, fid), arg(v, 2, fid)));
        break;
    case PSCI_0_2_MIGRATE_INFO_TYPE:
        ret(v, 2); /* no Trusted OS: migration not required */
        break;
    case PSCI_0_2_SYSTEM_OFF:
        vm_stop(v->vm, "guest called PSCI SYSTEM_OFF");
        return EXIT_YIELD;
    case PSCI_0_2_SYSTEM_RESET:
        vm_log(v->vm, "restarting: guest called PSCI SYSTEM_RESET"); /* rate-limited: a guest may loop */
        vmm_request_reset(v);
        return EXIT_YIELD;
    case ELVISOR_HVC_EXIT_COUNTERS: {
        uint64_t cls = v->regs.x[1];
        ret(v, cls < EXITC_NR ? (int64_t)v->exits[cls] : SMCCC_NOT_SUPPORTED);
        break;
    }
    default:
        ret(v, SMCCC_NOT_SUPPORTED);
        break;
    }
    return EXIT_RESUME;
}

enum exit_result vpsci_smc(struct vcpu *v, uint64_t esr)
{
    guest_skip_insn(&v->regs, esr_insn_len(esr)); /* a trapped SMC returns to itself (Arm ARM D1.10.4) */
    return vpsci_hvc(v, esr);
}
