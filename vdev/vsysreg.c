/* Trapped system registers other than the ID registers: ACTLR_EL1 (HCR_EL2.TACR), data cache
 * maintenance by set/way (HCR_EL2.TSW), the LORegion registers (HCR_EL2.TLOR) and the debug
 * registers (MDCR_EL2.TDA/TDOSA/TDRA). */
#include <stddef.h>
#include "vdev/vsysreg.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/regs/debug.h"

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
    /* The debug registers: a v8.0 debug interface (ID_AA64DFR0_EL1) the guest can program but
     * that never fires (RAZ/WI), and its own MDSCR_EL1 without the enables. */
    { .name = "MDSCR_EL1",
      .enc = SYSREG(2, 0, 0, 2, 2),
      .rd = SR_RD_STATE,
      .wr = SR_WR_STATE,
      .state = offsetof(struct vcpu, el1.mdscr),
      .val = 0,
      .wmask = ~(MDSCR_EL1_MDE | MDSCR_EL1_KDE) },
    { .name = "OSLSR_EL1",
      .enc = SYSREG(2, 0, 1, 1, 4),
      .rd = SR_RD_FIXED,
      .val = OSLSR_EL1_OSLM_IMPLEMENTED,
      .wr = SR_WR_IGNORE },
    /* FEAT_LOR's registers (trapped by HCR_EL2.TLOR where the CPU has LORegions; UNDEFINED
     * otherwise, matching ID_AA64MMFR1_EL1.LO): no LORegion, nothing to enable (RAZ/WI;
     * LORID_EL1 is read-only). */
    { .name = "LORSA_EL1", .enc = SYSREG(3, 0, 10, 4, 0), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LOREA_EL1", .enc = SYSREG(3, 0, 10, 4, 1), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LORN_EL1", .enc = SYSREG(3, 0, 10, 4, 2), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LORC_EL1", .enc = SYSREG(3, 0, 10, 4, 3), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "LORID_EL1", .enc = SYSREG(3, 0, 10, 4, 7), .rd = SR_RD_FIXED },
    { .name = "debug registers",
      .enc = SYSREG(2, 0, 0, 0, 0),
      .any = SYSREG(0, 7, 15, 15, 7),
      .rd = SR_RD_FIXED,
      .wr = SR_WR_IGNORE },
};

const struct sysreg_table vsysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
