#include "arch/aarch64/guest_at.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/regs/par.h"

/* On success PAR_EL1.PA holds the output address, which with HCR_EL2.VM = 1 and a stage 1 only
 * AT is the IPA. PAR_EL1 is the guest's: restore it. */
int guest_va_to_ipa(uint64_t va, bool el0, bool write, uint64_t *ipa)
{
    uint64_t saved = sysreg_read(par_el1);
    if (el0) {
        if (write)
            __asm__ volatile("at s1e0w, %0" ::"r"(va));
        else
            __asm__ volatile("at s1e0r, %0" ::"r"(va));
    } else {
        if (write)
            __asm__ volatile("at s1e1w, %0" ::"r"(va));
        else
            __asm__ volatile("at s1e1r, %0" ::"r"(va));
    }
    isb();
    uint64_t par = sysreg_read(par_el1);
    sysreg_write(par_el1, saved);
    if (par & PAR_EL1_F)
        return -1;
    *ipa = (par & PAR_EL1_PA_MASK) | (va & (PAGE_SIZE - 1));
    return 0;
}
