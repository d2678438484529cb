/* Registers no VM may reach or share (issue 13 item 13), read by a guest:
 *  - the RAS error records (ERRIDR_EL1, ERRSELR_EL1, ERXFR_EL1): UNDEFINED, as RAS is hidden
 *    in ID_AA64PFR0_EL1, and trapped (HCR_EL2.TERR) rather than reaching the machine's records;
 *  - the LORegion registers: if ID_AA64MMFR1_EL1.LO says they exist, they read 0 (no
 *    LORegions), writes are ignored, and every access is the hypervisor's (an exit counted),
 *    not the CPU's; if LO is 0, they are UNDEFINED;
 *  - what is not provided is not advertised: MOPS and WFxT (ID_AA64ISAR2_EL1), AArch32 at EL0
 *    and EL1 (ID_AA64PFR0_EL1.EL0/EL1 = 1, AArch64 only), and so every AArch32 ID register
 *    reads as zero rather than the host's value. */
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

/* The AArch32 ID registers by encoding (op0=3, op1=0, CRn=0): CRm=1 op2 0-7, CRm=2 op2 0-7
 * (ID_ISAR0..5, ID_MMFR4, ID_ISAR6), CRm=3 op2 0-7 (MVFR0..2, ID_PFR2, ID_DFR1, ID_MMFR5). */
#define RD(crm, op2) sysreg_read(s3_0_c0_c##crm##_##op2)
static void aarch32_ids(uint64_t *v)
{
    uint64_t r[24] = { RD(1, 0), RD(1, 1), RD(1, 2), RD(1, 3), RD(1, 4), RD(1, 5), RD(1, 6), RD(1, 7),
                       RD(2, 0), RD(2, 1), RD(2, 2), RD(2, 3), RD(2, 4), RD(2, 5), RD(2, 6), RD(2, 7),
                       RD(3, 0), RD(3, 1), RD(3, 2), RD(3, 3), RD(3, 4), RD(3, 5), RD(3, 6), RD(3, 7) };
    for (unsigned i = 0; i < 24; i++)
        v[i] = r[i];
}

static void not_advertised(void)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), isar2 = sysreg_read(s3_0_c0_c6_2);
    check((pfr0 & 0xf) == 1 && ((pfr0 >> 4) & 0xf) == 1, "aarch64_only", "ID_AA64PFR0_EL1.EL0 %lu EL1 %lu",
          (unsigned long)(pfr0 & 0xf), (unsigned long)((pfr0 >> 4) & 0xf));
    check((isar2 & 0xf) == 0, "wfxt_hidden", "ID_AA64ISAR2_EL1 0x%lx", (unsigned long)isar2);
    uint64_t a32[24];
    aarch32_ids(a32);
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 24; i++)
        if (a32[i]) {
            nonzero++;
            gprintf("hiddenregs: AArch32 ID register c%u_%u = 0x%lx\n", 1 + i / 8, i % 8, (unsigned long)a32[i]);
        }
    check(nonzero == 0, "aarch32_ids_zero", "%u of 24 AArch32 ID registers not zero", nonzero);
}

int guest_main(void)
{
    not_advertised();
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
