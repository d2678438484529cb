#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/psr.h"
#include "arch/aarch64/regs/sctlr.h"
#include "arch/aarch64/regs/vbar.h"

/* Vector offsets from VBAR_EL1 (Arm ARM D1.10.2). */
static uint64_t vector_offset(uint64_t pstate)
{
    switch (pstate & PSR_M_MASK) {
    case PSR_M_EL1t:
        return VBAR_CUR_SP0;
    case PSR_M_EL1h:
        return VBAR_CUR_SPX;
    default:
        return VBAR_LOWER_A64; /* from EL0, AArch64 */
    }
}

/* SPSR_EL1 for an exception taken from EL1 to EL1. A guest hypervisor at virtual EL2 runs at
 * EL1 with HCR_EL2.{NV,NV2} = {1,1}, where the CPU reports EL2 in SPSR_EL1.M[3:2] for such an
 * exception (Arm ARM D8.11.x, I_DBTLM); an injected one looks the same (docs/nested.md). */
static uint64_t spsr_for(uint64_t pstate)
{
    if ((pstate & PSR_M_MASK) != PSR_M_EL0t && (sysreg_read(hcr_el2) & HCR_EL2_NV))
        return (pstate & ~PSR_M_MASK) | ((pstate & PSR_M_MASK) + (PSR_M_EL2t - PSR_M_EL1t));
    return pstate;
}

static void take_exception(struct guest_regs *r, uint64_t esr, uint64_t far, int set_far)
{
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sysreg_write(spsr_el1, spsr_for(r->pstate));
    sysreg_write(elr_el1, r->pc);
    sysreg_write(esr_el1, esr);
    if (set_far)
        sysreg_write(far_el1, far);
    r->pc = sysreg_read(vbar_el1) + vector_offset(r->pstate);
    /* EL1h with D, A, I, F masked. With FEAT_PAN (ID_AA64MMFR1_EL1.PAN) PAN is set when
     * SCTLR_EL1.SPAN is 0 and otherwise kept. */
    uint64_t pstate = PSR_M_EL1h | PSR_DAIF_MASK;
    if (ID_FIELD_GET(sysreg_read(id_aa64mmfr1_el1), ID_AA64MMFR1_EL1_PAN))
        pstate |= (sctlr & SCTLR_SPAN) ? (r->pstate & PSR_PAN) : PSR_PAN;
    r->pstate = pstate;
}

static int from_el0(const struct guest_regs *r) { return (r->pstate & PSR_M_MASK) == PSR_M_EL0t; }

void inject_undef(struct guest_regs *r) { take_exception(r, ESR_IL, 0, 0); }

void inject_dabt(struct guest_regs *r, uint64_t va, int write)
{
    uint64_t ec = from_el0(r) ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR;
    take_exception(r, ec << ESR_EC_SHIFT | ESR_IL | (write ? ESR_DABT_WNR : 0) | ESR_FSC_SEA, va, 1);
}

void inject_iabt(struct guest_regs *r, uint64_t va)
{
    uint64_t ec = from_el0(r) ? ESR_EC_IABT_LOW : ESR_EC_IABT_CUR;
    take_exception(r, ec << ESR_EC_SHIFT | ESR_IL | ESR_FSC_SEA, va, 1);
}
