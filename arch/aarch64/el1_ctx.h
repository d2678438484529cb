/* The EL1 (and EL0) system-register state of a vCPU: everything a guest can set that the
 * hardware keeps in registers while it runs. Saved on exit from the pCPU, restored on entry. */
#ifndef ARCH_EL1_CTX_H
#define ARCH_EL1_CTX_H

#include <stdint.h>
#include "arch/aarch64/regs/sctlr.h" /* SCTLR_EL1_RESET: el1_ctx.sctlr of a vCPU at reset */

struct el1_ctx {
    uint64_t sctlr, cpacr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
    uint64_t esr, afsr0, afsr1, far, par;
    uint64_t tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1, elr_el1, spsr_el1;
    uint64_t csselr, cntkctl, cntv_ctl, cntv_cval, mdscr;
};

struct fp_ctx {
    uint64_t v[32][2];
    uint64_t fpsr, fpcr;
};

void el1_ctx_save(struct el1_ctx *c);
void el1_ctx_restore(const struct el1_ctx *c);
/* FP/SIMD registers; assembly, since the hypervisor is built without FP code. */
void fp_ctx_save(struct fp_ctx *c);
void fp_ctx_restore(const struct fp_ctx *c);
/* V<n> alone (n 0..31), the other registers and the SVE state of the others untouched. */
void fp_reg_write(unsigned n, const uint64_t v[2]);

#endif
