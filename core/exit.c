/* The exit path: dispatch on ESR_EL2.EC to the owner of the trapped operation. */
#include "core/exit.h"
#include "core/mmio.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/sched.h"
#include "core/vcpu.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"
#include "vdev/vpsci.h"
#include "vdev/vsysreg.h"

static void skip_insn(struct vcpu *v, uint64_t esr) { v->regs.pc += esr_insn_len(esr); }

static enum exit_result handle_wfx(struct vcpu *v, uint64_t esr)
{
    skip_insn(v, esr);
    if (esr_wfx_is_wfe(esr)) {
        v->exits[EXITC_WFE]++;
        return EXIT_RESUME; /* WFE: a hint; the guest re-checks its condition */
    }
    v->exits[EXITC_WFI]++;
    if (v->wfi_trap & WFI_TRAP_KICK) {
        /* Kicked since its last WFI: this one completes at once (WFI may complete at any
         * time), so the guest looks again at what the kick was about. */
        vcpu_trap_wfi(v, WFI_TRAP_KICK, false);
        return EXIT_RESUME;
    }
    if (sched_cpu_shared()) {
        /* Yield the CPU to the other vCPUs here until an interrupt is due (sched.c). */
        if (vcpu_has_work(v))
            return EXIT_RESUME;
        v->waiting = true; /* vcpu_put() arms a hypervisor timer for its deadline */
        return EXIT_YIELD;
    }
    /* Sleep until the vCPU has an interrupt to take (or its timer expires, or it is kicked). */
    irq_vcpu_wait(v);
    if (v->wfi_trap & WFI_TRAP_KICK)
        vcpu_trap_wfi(v, WFI_TRAP_KICK, false); /* the kick that woke this WFI */
    return EXIT_RESUME;
}

static enum exit_result handle_sync(struct vcpu *v)
{
    uint64_t esr = sysreg_read(esr_el2);
    uint32_t ec = esr_ec(esr);
    switch (ec) {
    case ESR_EC_HVC64:
        v->exits[EXITC_HVC]++;
        return vpsci_smccc(v, false);
    case ESR_EC_SMC64:
        v->exits[EXITC_SMC]++;
        skip_insn(v, esr); /* a trapped SMC returns to itself (Arm ARM D1.10.4) */
        return vpsci_smccc(v, true);
    case ESR_EC_WFX:
        return handle_wfx(v, esr);
    case ESR_EC_SYS64:
        v->exits[EXITC_SYSREG]++;
        vsysreg_trap(v, esr);
        return EXIT_RESUME;
    case ESR_EC_DABT_LOW:
        v->exits[EXITC_MMIO]++;
        mmio_abort(v, esr);
        return EXIT_RESUME;
    case ESR_EC_IABT_LOW: {
        uint64_t far = sysreg_read(far_el2);
        v->exits[EXITC_IABT]++;
        vm_log(v->vm, "vCPU%u: instruction fetch from 0x%lx (not RAM): external abort injected", v->id,
               (unsigned long)far);
        inject_iabt(&v->regs, far);
        return EXIT_RESUME;
    }
    default:
        v->exits[EXITC_OTHER]++;
        /* Anything else that reaches EL2 (a trapped PAC, SVE or SME instruction, an illegal
         * state...) is UNDEFINED for the guest, as if the feature did not exist. */
        inject_undef(&v->regs);
        return EXIT_RESUME;
    }
}

enum exit_result exit_handle(struct vcpu *v, unsigned kind)
{
    switch (kind) {
    case EXIT_SYNC:
        return handle_sync(v);
    case EXIT_IRQ:
    case EXIT_FIQ:
        v->exits[EXITC_IRQ]++;
        irq_handle_pending();
        return EXIT_RESUME;
    case EXIT_SERROR:
        vm_stop(v->vm, "SError from the guest (ESR_EL2 0x%lx)", (unsigned long)sysreg_read(esr_el2));
        return EXIT_YIELD;
    default:
        vm_stop(v->vm, "vCPU%u left AArch64 state", v->id);
        return EXIT_YIELD;
    }
}
