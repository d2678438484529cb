/* The exit path: dispatch on ESR_EL2.EC to the owner of the trapped operation, through a table
 * indexed by the exception class (built by exit_init). */
#include "core/exit.h"
#include "core/mmio.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/sched.h"
#include "core/sysreg_trap.h"
#include "core/vcpu.h"
#include "core/vcpu_fp.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"

static void skip_insn(struct vcpu *v, uint64_t esr) { guest_skip_insn(&v->regs, esr_insn_len(esr)); }

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

enum exit_result exit_iabt(struct vcpu *v, uint64_t esr)
{
    uint64_t far = sysreg_read(far_el2);
    vm_log(v->vm, "vCPU%u: instruction fetch from 0x%lx (not RAM): external abort injected", v->id, (unsigned long)far);
    inject_iabt(&v->regs, far);
    return EXIT_RESUME;
}

/* Anything else that reaches EL2 (a trapped PAC, SVE or SME instruction, an illegal state...)
 * is UNDEFINED for the guest, as if the feature did not exist. */
static enum exit_result handle_unknown(struct vcpu *v, uint64_t esr)
{
    inject_undef(&v->regs);
    return EXIT_RESUME;
}

/* Core's own rows: what the hypervisor does itself rather than a model of a device. */
static const struct exit_hook core_hooks[] = {
    { ESR_EC_WFX, EXITC_BY_HANDLER, handle_wfx },
    { ESR_EC_SYS64, EXITC_SYSREG, sysreg_trap },
    { ESR_EC_FP_ASIMD, EXITC_FP, exit_fp }, /* the lazy FP/SIMD switch (core/vcpu_fp.c) */
};

/* Per mode, indexed by ESR_EL2.EC; written once by exit_init. */
static struct exit_hook tables[EXIT_MODES_MAX][ESR_EC_MASK + 1];
static struct exit_hook *const ec_table = tables[EXIT_MODE_MAIN];

static void add_hooks(const struct exit_hook *h, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (h[i].ec > ESR_EC_MASK || h[i].cls > EXITC_BY_HANDLER || !h[i].fn)
            panic("exit table: bad row for EC 0x%x\n", h[i].ec);
        if (ec_table[h[i].ec].fn != handle_unknown)
            panic("exit table: two handlers for EC 0x%x (%s)\n", h[i].ec, esr_ec_name(h[i].ec));
        ec_table[h[i].ec] = h[i];
    }
}

/* Boot-time only: built for size (cold). */
__attribute__((cold)) void exit_init(void)
{
    for (unsigned ec = 0; ec <= ESR_EC_MASK; ec++)
        ec_table[ec] = (struct exit_hook){ (uint8_t)ec, EXITC_OTHER, handle_unknown };
    add_hooks(core_hooks, sizeof(core_hooks) / sizeof(core_hooks[0]));
    add_hooks(vdev_exit_hooks, vdev_nr_exit_hooks);
    if (vdev_nr_exit_modes >= EXIT_MODES_MAX)
        panic("exit table: %u modes, at most %u\n", vdev_nr_exit_modes, EXIT_MODES_MAX - 1);
    for (unsigned m = 1; m <= vdev_nr_exit_modes; m++) {
        for (unsigned ec = 0; ec <= ESR_EC_MASK; ec++)
            tables[m][ec] = ec_table[ec];
        for (unsigned i = 0; i < vdev_exit_modes[m - 1].nr; i++) {
            const struct exit_hook *h = &vdev_exit_modes[m - 1].rows[i];
            if (h->ec > ESR_EC_MASK || !h->fn || h->cls != ec_table[h->ec].cls)
                panic("exit mode %u: bad row for EC 0x%x\n", m, h->ec);
            tables[m][h->ec] = *h;
        }
    }
    const char *err = sysreg_trap_init(vdev_sysreg_tables, vdev_nr_sysreg_tables);
    if (err)
        panic("trapped system registers: %s\n", err);
}

void exit_set_mode(struct vcpu *v, unsigned mode)
{
    v->exit_table = tables[mode <= vdev_nr_exit_modes ? mode : EXIT_MODE_MAIN];
}

enum exit_result exit_main(struct vcpu *v, uint64_t esr) { return ec_table[esr_ec(esr)].fn(v, esr); }

enum exit_result exit_handle(struct vcpu *v, unsigned kind)
{
    if (kind == EXIT_SYNC)
        return exit_sync(v);
    switch (kind) {
    case EXIT_IRQ:
    case EXIT_FIQ:
        return exit_async(v, kind);
    case EXIT_SERROR:
        vm_stop(v->vm, "SError from the guest (ESR_EL2 0x%lx)", (unsigned long)sysreg_read(esr_el2));
        return EXIT_YIELD;
    default:
        vm_stop(v->vm, "vCPU%u left AArch64 state", v->id);
        return EXIT_YIELD;
    }
}
