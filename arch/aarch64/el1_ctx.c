#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/sysreg.h"

/* On every vCPU switch, each way. The registers go by pairs of neighbouring fields, both read
 * (or loaded) before either is stored (or written), so that each pair is one STP or LDP. */
#define SAVE2(f1, r1, f2, r2)          \
    do {                               \
        uint64_t a_ = sysreg_read(r1); \
        uint64_t b_ = sysreg_read(r2); \
        c->f1 = a_;                    \
        c->f2 = b_;                    \
    } while (0)
#define RESTORE2(f1, r1, f2, r2)         \
    do {                                 \
        uint64_t a_ = c->f1, b_ = c->f2; \
        sysreg_write(r1, a_);            \
        sysreg_write(r2, b_);            \
    } while (0)

void el1_ctx_save(struct el1_ctx *c)
{
    SAVE2(sctlr, sctlr_el1, cpacr, cpacr_el1);
    SAVE2(ttbr0, ttbr0_el1, ttbr1, ttbr1_el1);
    SAVE2(tcr, tcr_el1, mair, mair_el1);
    SAVE2(amair, amair_el1, vbar, vbar_el1);
    SAVE2(contextidr, contextidr_el1, esr, esr_el1);
    SAVE2(afsr0, afsr0_el1, afsr1, afsr1_el1);
    SAVE2(far, far_el1, par, par_el1);
    SAVE2(tpidr_el0, tpidr_el0, tpidrro_el0, tpidrro_el0);
    SAVE2(tpidr_el1, tpidr_el1, sp_el0, sp_el0);
    SAVE2(sp_el1, sp_el1, elr_el1, elr_el1);
    SAVE2(spsr_el1, spsr_el1, csselr, csselr_el1);
    SAVE2(cntkctl, cntkctl_el1, cntv_ctl, cntv_ctl_el0);
    SAVE2(cntv_cval, cntv_cval_el0, mdscr, mdscr_el1);
}

/* CNTV_CVAL_EL0 is written before CNTV_CTL_EL0: the timer is never enabled against the previous
 * vCPU's compare value. */
void el1_ctx_restore(const struct el1_ctx *c)
{
    RESTORE2(sctlr, sctlr_el1, cpacr, cpacr_el1);
    RESTORE2(ttbr0, ttbr0_el1, ttbr1, ttbr1_el1);
    RESTORE2(tcr, tcr_el1, mair, mair_el1);
    RESTORE2(amair, amair_el1, vbar, vbar_el1);
    RESTORE2(contextidr, contextidr_el1, esr, esr_el1);
    RESTORE2(afsr0, afsr0_el1, afsr1, afsr1_el1);
    RESTORE2(far, far_el1, par, par_el1);
    RESTORE2(tpidr_el0, tpidr_el0, tpidrro_el0, tpidrro_el0);
    RESTORE2(tpidr_el1, tpidr_el1, sp_el0, sp_el0);
    RESTORE2(sp_el1, sp_el1, elr_el1, elr_el1);
    RESTORE2(spsr_el1, spsr_el1, csselr, csselr_el1);
    uint64_t kctl = c->cntkctl, ctl = c->cntv_ctl, cval = c->cntv_cval, mdscr = c->mdscr;
    sysreg_write(cntkctl_el1, kctl);
    sysreg_write(cntv_cval_el0, cval);
    sysreg_write(cntv_ctl_el0, ctl);
    sysreg_write(mdscr_el1, mdscr);
}
