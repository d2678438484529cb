#include "arch/aarch64/guest_at.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/traps.h"
#include "arch/aarch64/regs/par.h"

uint64_t guest_at_walk(uint64_t va, unsigned op);
extern const char guest_at_insns[], guest_at_insns_end[], guest_at_fixup[];

/* On success PAR_EL1.PA holds the output address, which with HCR_EL2.VM = 1 and a stage 1 only
 * AT is the IPA. PAR_EL1 is the guest's: restore it. A stage 2 fault on the guest's table walk
 * (its tables outside its RAM; in Device memory, which HCR_EL2.PTW turns into a fault rather
 * than a device read) is reported in PAR_EL1 with F set; an external abort may come as an
 * exception instead, which guest_at_fixup_check resumes at guest_at_fixup: the vector that
 * takes it uses SP_EL0 and TPIDRRO_EL0 (the guest's) as scratch, so they are put back here. */
uint64_t guest_at_raw(uint64_t va, unsigned op)
{
    uint64_t sp0 = sysreg_read(sp_el0), tpidrro = sysreg_read(tpidrro_el0);
    uint64_t par = guest_at_walk(va, op);
    if (par == GUEST_AT_ABORTED) {
        sysreg_write(sp_el0, sp0);
        sysreg_write(tpidrro_el0, tpidrro);
    }
    return par;
}

int guest_va_to_ipa(uint64_t va, bool el0, bool write, uint64_t *ipa)
{
    uint64_t saved = sysreg_read(par_el1);
    uint64_t par = guest_at_raw(va, (el0 ? GUEST_AT_S1E0R : GUEST_AT_S1E1R) | (write ? 1u : 0u));
    sysreg_write(par_el1, saved);
    if (par & PAR_EL1_F)
        return -1;
    *ipa = (par & PAR_EL1_PA_MASK) | (va & (PAGE_SIZE - 1));
    return 0;
}

bool guest_at_fixup_check(struct trap_frame *f)
{
    if (esr_ec(sysreg_read(esr_el2)) != ESR_EC_DABT_CUR)
        return false;
    if (f->elr < (uintptr_t)guest_at_insns || f->elr >= (uintptr_t)guest_at_insns_end)
        return false;
    f->elr = (uintptr_t)guest_at_fixup;
    return true;
}
