#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/sysreg.h"

void el1_ctx_save(struct el1_ctx *c)
{
    c->sctlr = sysreg_read(sctlr_el1);
    c->cpacr = sysreg_read(cpacr_el1);
    c->ttbr0 = sysreg_read(ttbr0_el1);
    c->ttbr1 = sysreg_read(ttbr1_el1);
    c->tcr = sysreg_read(tcr_el1);
    c->mair = sysreg_read(mair_el1);
    c->amair = sysreg_read(amair_el1);
    c->vbar = sysreg_read(vbar_el1);
    c->contextidr = sysreg_read(contextidr_el1);
    c->esr = sysreg_read(esr_el1);
    c->afsr0 = sysreg_read(afsr0_el1);
    c->afsr1 = sysreg_read(afsr1_el1);
    c->far = sysreg_read(far_el1);
    c->par = sysreg_read(par_el1);
    c->tpidr_el0 = sysreg_read(tpidr_el0);
    c->tpidrro_el0 = sysreg_read(tpidrro_el0);
    c->tpidr_el1 = sysreg_read(tpidr_el1);
    c->sp_el0 = sysreg_read(sp_el0);
    c->sp_el1 = sysreg_read(sp_el1);
    c->elr_el1 = sysreg_read(elr_el1);
    c->spsr_el1 = sysreg_read(spsr_el1);
    c->csselr = sysreg_read(csselr_el1);
    c->cntkctl = sysreg_read(cntkctl_el1);
    c->cntv_ctl = sysreg_read(cntv_ctl_el0);
    c->cntv_cval = sysreg_read(cntv_cval_el0);
    c->mdscr = sysreg_read(mdscr_el1);
}

void el1_ctx_restore(const struct el1_ctx *c)
{
    sysreg_write(sctlr_el1, c->sctlr);
    sysreg_write(cpacr_el1, c->cpacr);
    sysreg_write(ttbr0_el1, c->ttbr0);
    sysreg_write(ttbr1_el1, c->ttbr1);
    sysreg_write(tcr_el1, c->tcr);
    sysreg_write(mair_el1, c->mair);
    sysreg_write(amair_el1, c->amair);
    sysreg_write(vbar_el1, c->vbar);
    sysreg_write(contextidr_el1, c->contextidr);
    sysreg_write(esr_el1, c->esr);
    sysreg_write(afsr0_el1, c->afsr0);
    sysreg_write(afsr1_el1, c->afsr1);
    sysreg_write(far_el1, c->far);
    sysreg_write(par_el1, c->par);
    sysreg_write(tpidr_el0, c->tpidr_el0);
    sysreg_write(tpidrro_el0, c->tpidrro_el0);
    sysreg_write(tpidr_el1, c->tpidr_el1);
    sysreg_write(sp_el0, c->sp_el0);
    sysreg_write(sp_el1, c->sp_el1);
    sysreg_write(elr_el1, c->elr_el1);
    sysreg_write(spsr_el1, c->spsr_el1);
    sysreg_write(csselr_el1, c->csselr);
    sysreg_write(cntkctl_el1, c->cntkctl);
    sysreg_write(cntv_cval_el0, c->cntv_cval);
    sysreg_write(cntv_ctl_el0, c->cntv_ctl);
    sysreg_write(mdscr_el1, c->mdscr);
}
