#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"

/* SPSR/PSTATE.M[3:0] (Arm ARM C5.2.18 SPSR_EL2): 0b0000 EL0t, 0b0100 EL1t, 0b0101 EL1h. */
#define PSR_MODE_MASK 0xfUL
#define PSR_EL0t      0x0UL
#define PSR_EL1t      0x4UL
#define PSR_EL1h      0x5UL
#define PSR_DAIF      (0xfUL << 6)
#define PSR_PAN       (1UL << 22)
#define SCTLR_SPAN    (1UL << 23)

#define ESR_IL_BIT (1UL << 25)
#define FSC_SEA    0x10UL

/* Vector offsets from VBAR_EL1 (Arm ARM D1.10.2). */
static uint64_t vector_offset(uint64_t pstate)
{
    switch (pstate & PSR_MODE_MASK) {
    case PSR_EL1t:
        return 0x000;
    case PSR_EL1h:
        return 0x200;
    default:
        return 0x400; /* from EL0, AArch64 */
    }
}

static void take_exception(struct guest_regs *r, uint64_t esr, uint64_t far, int set_far)
{
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sysreg_write(spsr_el1, r->pstate);
    sysreg_write(elr_el1, r->pc);
    sysreg_write(esr_el1, esr);
    if (set_far)
        sysreg_write(far_el1, far);
    r->pc = sysreg_read(vbar_el1) + vector_offset(r->pstate);
    /* EL1h with D, A, I, F masked. With FEAT_PAN (ID_AA64MMFR1_EL1.PAN, bits [23:20]) PAN is
     * set when SCTLR_EL1.SPAN is 0 and otherwise kept. */
    uint64_t pstate = PSR_EL1h | PSR_DAIF;
    if ((sysreg_read(id_aa64mmfr1_el1) >> 20) & 0xf)
        pstate |= (sctlr & SCTLR_SPAN) ? (r->pstate & PSR_PAN) : PSR_PAN;
    r->pstate = pstate;
}

static int from_el0(const struct guest_regs *r) { return (r->pstate & PSR_MODE_MASK) == PSR_EL0t; }

void inject_undef(struct guest_regs *r) { take_exception(r, ESR_IL_BIT, 0, 0); }

void inject_dabt(struct guest_regs *r, uint64_t va, int write)
{
    uint64_t ec = from_el0(r) ? 0x24 : 0x25;
    take_exception(r, ec << 26 | ESR_IL_BIT | (write ? 1UL << 6 : 0) | FSC_SEA, va, 1);
}

void inject_iabt(struct guest_regs *r, uint64_t va)
{
    uint64_t ec = from_el0(r) ? 0x20 : 0x21;
    take_exception(r, ec << 26 | ESR_IL_BIT | FSC_SEA, va, 1);
}
