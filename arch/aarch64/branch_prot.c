/* arch/aarch64/branch_prot.h */
#include "arch/aarch64/branch_prot.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/sctlr.h"

/* Read by vectors.S too, which puts it back after a guest ran with its own key. */
uint64_t branch_prot_key[2];

bool branch_prot_has_bti(void) { return ID_FIELD_GET(sysreg_read(id_aa64pfr1_el1), ID_AA64PFR1_EL1_BT) != 0; }

/* Address authentication with key A by any algorithm: QARMA5, IMPLEMENTATION DEFINED or
 * QARMA3 (Arm ARM D8.8). */
bool branch_prot_has_pac(void)
{
    uint64_t isar1 = sysreg_read(id_aa64isar1_el1), isar2 = sysreg_read(id_aa64isar2_el1);
    return ID_FIELD_GET(isar1, ID_AA64ISAR1_EL1_APA) || ID_FIELD_GET(isar1, ID_AA64ISAR1_EL1_API) ||
           ID_FIELD_GET(isar2, ID_AA64ISAR2_EL1_APA3);
}

void branch_prot_set_key(uint64_t lo, uint64_t hi)
{
    branch_prot_key[0] = lo;
    branch_prot_key[1] = hi;
}

uint64_t branch_prot_install(void)
{
    uint64_t sctlr = 0;
    if (branch_prot_has_pac()) {
        sysreg_write(s3_0_c2_c1_0, branch_prot_key[0]); /* APIAKeyLo_EL1 */
        sysreg_write(s3_0_c2_c1_1, branch_prot_key[1]); /* APIAKeyHi_EL1 */
        sctlr |= SCTLR_EnIA;
    }
    if (branch_prot_has_bti())
        sctlr |= SCTLR_BT;
    return sctlr;
}
