/* Registers no VM may reach or share (issue 13 item 13), read by a guest:
 *  - the RAS error records (ERRIDR_EL1, ERRSELR_EL1, ERXFR_EL1): UNDEFINED, as RAS is hidden
 *    in ID_AA64PFR0_EL1, and trapped (HCR_EL2.TERR) rather than reaching the machine's records;
 *  - the LORegion registers: if ID_AA64MMFR1_EL1.LO says they exist, they read 0 (no
 *    LORegions), writes are ignored, and every access is the hypervisor's (an exit counted),
 *    not the CPU's; if LO is 0, they are UNDEFINED. */
#include "tests/guests/common/guest.h"

#define ELVISOR_EXIT_COUNT 0xc6000001u
#define EXITC_SYSREG       4 /* enum exit_class in core/vm.h */
#define ESR_EC_UNKNOWN     0

static uint64_t sysreg_exits(void) { return hvc_call(ELVISOR_EXIT_COUNT, EXITC_SYSREG, 0, 0); }

static bool undefined(void (*fn)(void))
{
    uint64_t esr;
    fault_expect();
    fn();
    return fault_taken(&esr, 0) && (esr >> 26) == ESR_EC_UNKNOWN;
}

static void rd_erridr(void) { (void)sysreg_read(s3_0_c5_c3_0); }
static void rd_errselr(void) { (void)sysreg_read(s3_0_c5_c3_1); }
static void wr_errselr(void) { sysreg_write(s3_0_c5_c3_1, 0); }
static void rd_erxfr(void) { (void)sysreg_read(s3_0_c5_c4_0); }

int guest_main(void)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), mmfr1 = sysreg_read(id_aa64mmfr1_el1);
    check(((pfr0 >> 28) & 0xf) == 0, "ras_hidden", "ID_AA64PFR0_EL1.RAS = %lu", (unsigned long)((pfr0 >> 28) & 0xf));
    uint64_t e0 = sysreg_exits();
    check(undefined(rd_erridr), "erridr_undefined", "read");
    check(undefined(rd_errselr), "errselr_undefined", "read");
    check(undefined(wr_errselr), "errselr_write_undefined", "write");
    check(undefined(rd_erxfr), "erxfr_undefined", "read");
    gprintf("hiddenregs: %lu of 4 error record accesses trapped\n", (unsigned long)(sysreg_exits() - e0));

    unsigned lo = (unsigned)((mmfr1 >> 16) & 0xf);
    gprintf("hiddenregs: ID_AA64MMFR1_EL1.LO = %u\n", lo);
    if (lo) {
        e0 = sysreg_exits();
        sysreg_write(s3_0_c10_c4_0, 0x40000000);     /* LORSA_EL1 */
        sysreg_write(s3_0_c10_c4_3, 1);              /* LORC_EL1.EN */
        uint64_t lorsa = sysreg_read(s3_0_c10_c4_0); /* LORSA_EL1 */
        uint64_t lorc = sysreg_read(s3_0_c10_c4_3);
        uint64_t lorid = sysreg_read(s3_0_c10_c4_7); /* LORID_EL1 */
        uint64_t n = sysreg_exits() - e0;
        check(lorsa == 0 && lorc == 0 && lorid == 0, "lor_raz_wi", "LORSA 0x%lx LORC 0x%lx LORID 0x%lx",
              (unsigned long)lorsa, (unsigned long)lorc, (unsigned long)lorid);
        check(n == 5, "lor_trapped", "%lu of 5 accesses reached the hypervisor", (unsigned long)n);
    } else {
        check(true, "lor_trapped", "no FEAT_LOR");
    }
    return guest_failures;
}
