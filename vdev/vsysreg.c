/* Trapped system registers other than the ID registers: ACTLR_EL1 (HCR_EL2.TACR), data cache
 * maintenance by set/way (HCR_EL2.TSW) and the LORegion registers (HCR_EL2.TLOR). The debug
 * registers are vdev/vdebug_regs.c's. */
#include <stddef.h>
#include "vdev/vsysreg.h"
#include "arch/aarch64/cache.h"

/* Set/way maintenance is performed on this CPU, with invalidate upgraded to clean and
 * invalidate, so that a guest can never discard dirty lines that belong to another VM or to
 * the hypervisor. */
static bool sw_clean(struct vcpu *v, const struct sysreg_access *a, uint64_t setway)
{
    dc_csw(setway);
    return true;
}

static bool sw_clean_invalidate(struct vcpu *v, const struct sysreg_access *a, uint64_t setway)
{
    dc_cisw(setway);
    return true;
}

static const struct sysreg_desc rows[] = {
    { .name = "ACTLR_EL1", .enc = SYSREG(3, 0, 1, 0, 1), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "DC ISW", .enc = SYSREG(1, 0, 7, 6, 2), .wr = SR_WR_CALL, .write = sw_clean_invalidate },
    { .name = "DC CSW", .enc = SYSREG(1, 0, 7, 10, 2), .wr = SR_WR_CALL, .write = sw_clean },
    { .name = "DC CISW", .enc = SYSREG(1, 0, 7, 14, 2), .wr = SR_WR_CALL, .write = sw_clean_invalidate },
    /* FEAT_LOR's registers (trapped by HCR_EL2.TLOR where the CPU has LORegions; UNDEFINED
     * otherwise, matching ID_AA64MMFR1_EL1.LO): no LORegion, nothing to enable (RAZ/WI;
     * LORID_EL1 is read-only). */
    { .name = "LORSA_EL1", .enc = SYSREG(3, 0, 10, 4, 0), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LOREA_EL1", .enc = SYSREG(3, 0, 10, 4, 1), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LORN_EL1", .enc = SYSREG(3, 0, 10, 4, 2), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LORC_EL1", .enc = SYSREG(3, 0, 10, 4, 3), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LORID_EL1", .enc = SYSREG(3, 0, 10, 4, 7), .rd = SR_RD_FIXED },
};

const struct sysreg_table vsysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
