/* The ID registers a guest reads match what it gets (issue 14, "Done when";
 * tests/system/test_id_regs.py): every encoding of the ID space reads without a fault and the same
 * twice; writes are UNDEFINED; and for each CPU feature elvisor switches or hides, the feature
 * works where its ID field advertises it and is UNDEFINED (or, for debug, RAZ/WI) where it is
 * hidden. The same guest runs in a VM with every feature offered and in one with
 * `cpu-features` turning all of them off (tests/configs/idregs.dts), on -cpu max (with and
 * without MTE's tag storage) and cortex-a72, where most of them are absent.
 *
 * Field positions: Arm ARM D19.2 (ID_AA64PFR0_EL1.SVE [35:32], ID_AA64PFR1_EL1.MTE [11:8] and
 * SME [27:24], ID_AA64ISAR0_EL1.RNDR [63:60] and Atomic [23:20], ID_AA64ISAR1_EL1.APA [7:4],
 * API [11:8], GPA [27:24], GPI [31:28], ID_AA64ISAR2_EL1.APA3 [15:12], GPA3 [11:8],
 * ID_AA64DFR0_EL1.PMUVer [11:8], BRPs [15:12], WRPs [23:20]). */
#include "tests/guests/common/guest.h"
#include "lib/string.h"

#define FIELD(v, shift) (((v) >> (shift)) & 0xf)
#define CPACR_EL1_FPEN  (3UL << 20)
#define CPACR_EL1_ZEN   (3UL << 16)
#define CPACR_EL1_SMEN  (3UL << 24) /* RES0 without SME; set so that SME traps to EL2, not EL1 */
#define EC_UNKNOWN      0

/* The ESR of the exception `stmt` raised at EL1, or ~0 when it ran. */
#define ESR_OF(stmt)                                 \
    ({                                               \
        uint64_t _esr = 0;                           \
        fault_expect();                              \
        stmt;                                        \
        fault_taken(&_esr, 0) ? _esr : ~UINT64_C(0); \
    })
#define RAN(esr)       ((esr) == ~UINT64_C(0))
#define UNDEFINED(esr) (!RAN(esr) && ((esr) >> 26) == EC_UNKNOWN)

/* --- the whole ID space: op0 3, op1 0, CRn 0, CRm 1..7 (D19.2 "reserved ID registers" read
 * as zero), plus the identification registers of CRm 0 and the cache ones --------------------- */

/* clang-format off */
#define ID_READ(crm, op2) case (crm) * 8 + (op2): return sysreg_read(s3_0_c0_c##crm##_##op2);
#define ID_READS(crm) ID_READ(crm, 0) ID_READ(crm, 1) ID_READ(crm, 2) ID_READ(crm, 3) \
                      ID_READ(crm, 4) ID_READ(crm, 5) ID_READ(crm, 6) ID_READ(crm, 7)
/* clang-format on */
static uint64_t id_read(unsigned idx)
{
    switch (idx) {
        ID_READS(1)
        ID_READS(2)
        ID_READS(3)
        ID_READS(4)
        ID_READS(5)
        ID_READS(6)
        ID_READS(7)
    }
    return 0;
}

static void test_id_space(void)
{
    unsigned faults = 0, unstable = 0, first_bad = 0;
    for (unsigned idx = 8; idx < 64; idx++) {
        uint64_t a = 0, b = 0;
        uint64_t esr = ESR_OF(a = id_read(idx); b = id_read(idx));
        if (!RAN(esr)) {
            if (!faults++)
                first_bad = idx;
        } else if (a != b) {
            unstable++;
        }
    }
    check(faults == 0, "id_space_readable", "%u of 56 encodings faulted, first CRm %u op2 %u", faults, first_bad / 8,
          first_bad % 8);
    check(unstable == 0, "id_space_stable", "%u encodings changed between two reads", unstable);
    uint64_t esr = ESR_OF((void)sysreg_read(midr_el1); (void)sysreg_read(mpidr_el1); (void)sysreg_read(revidr_el1);
                          (void)sysreg_read(ctr_el0); (void)sysreg_read(clidr_el1); (void)sysreg_read(aidr_el1));
    check(RAN(esr), "id_other_readable", "esr 0x%lx", (unsigned long)esr);
    esr = ESR_OF(__asm__ volatile("msr s3_0_c0_c4_0, xzr"));
    check(UNDEFINED(esr), "id_write_undefined", "ID_AA64PFR0_EL1 write: esr 0x%lx", (unsigned long)esr);
}

/* --- each feature: advertised exactly when it works --------------------------------------- */

static void consistent(bool advertised, uint64_t esr, const char *name, const char *what)
{
    check(advertised ? RAN(esr) : UNDEFINED(esr), name, "%s %s but %s: esr 0x%lx", what,
          advertised ? "advertised" : "hidden", RAN(esr) ? "it ran" : "it faulted", (unsigned long)esr);
    gprintf("IDREGS %s %s\n", name, advertised ? "offered" : "hidden");
}

static void test_sve_sme(void)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), pfr1 = sysreg_read(id_aa64pfr1_el1);
    sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | CPACR_EL1_FPEN | CPACR_EL1_ZEN | CPACR_EL1_SMEN);
    __asm__ volatile("isb");
    bool sve = FIELD(pfr0, 32) != 0;
    consistent(sve, ESR_OF(__asm__ volatile(".arch_extension sve\n rdvl x0, #1" ::: "x0")), "sve", "RDVL");
    consistent(sve, ESR_OF((void)sysreg_read(s3_0_c1_c2_0)), "sve_zcr", "ZCR_EL1");
    uint64_t zfr0 = sysreg_read(s3_0_c0_c4_4);
    check(sve || zfr0 == 0, "sve_zfr0", "SVE hidden but ID_AA64ZFR0_EL1 0x%lx", (unsigned long)zfr0);
    /* SME is never offered (docs/config.md "CPU features"). */
    bool sme = FIELD(pfr1, 24) != 0;
    check(!sme && sysreg_read(s3_0_c0_c4_5) == 0, "sme_hidden", "PFR1 0x%lx", (unsigned long)pfr1);
    consistent(false, ESR_OF((void)sysreg_read(s3_0_c1_c2_6)), "sme_smcr", "SMCR_EL1");
}

static void test_pauth(void)
{
    uint64_t isar1 = sysreg_read(id_aa64isar1_el1), isar2 = sysreg_read(s3_0_c0_c6_2);
    bool addr = FIELD(isar1, 4) || FIELD(isar1, 8) || FIELD(isar2, 12);
    bool gen = FIELD(isar1, 24) || FIELD(isar1, 28) || FIELD(isar2, 8);
    consistent(addr, ESR_OF((void)sysreg_read(s3_0_c2_c1_0)), "pauth_keys", "APIAKeyLo_EL1");
    uint64_t x = 1;
    consistent(gen, ESR_OF(__asm__ volatile(".arch armv8.3-a\n pacga %0, %0, %0" : "+r"(x))), "pauth_pacga", "PACGA");
}

static void test_mte(void)
{
    /* GCR_EL1 exists with FEAT_MTE2 (field 2 or more); with the field 0 it is UNDEFINED. */
    uint64_t mte = FIELD(sysreg_read(id_aa64pfr1_el1), 8);
    check(mte != 1, "mte_not_half", "ID_AA64PFR1_EL1.MTE 1: instructions without tags");
    consistent(mte >= 2, ESR_OF((void)sysreg_read(s3_0_c1_c0_6)), "mte_gcr", "GCR_EL1");
}

static void test_pmu(void)
{
    uint64_t ver = FIELD(sysreg_read(id_aa64dfr0_el1), 8);
    bool pmu = ver != 0 && ver != 0xf;
    consistent(pmu, ESR_OF((void)sysreg_read(pmcr_el0)), "pmu", "PMCR_EL0");
    bool node = fdt_next_compatible(&guest_fdt, -1, "arm,armv8-pmuv3") >= 0;
    check(pmu == node, "pmu_dt", "PMUVer %lu, arm,armv8-pmuv3 node %d", (unsigned long)ver, node);
    if (!pmu)
        return;
    /* The cycle counter counts while enabled. */
    sysreg_write(pmcntenset_el0, 1UL << 31);
    sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) | 1);
    __asm__ volatile("isb");
    uint64_t c0 = sysreg_read(pmccntr_el0);
    for (volatile int i = 0; i < 1000; i++)
        ;
    uint64_t c1 = sysreg_read(pmccntr_el0);
    sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) & ~1UL);
    check(c1 > c0, "pmu_counts", "PMCCNTR_EL0 %lu then %lu", (unsigned long)c0, (unsigned long)c1);
}

/* DBGBVR<n>_EL1 is s2_0_c0_c<n>_4 and DBGWVR<n>_EL1 s2_0_c0_c<n>_6 (D19.3): write val to number
 * n, read it back, write 0. */
/* clang-format off */
#define DBG_RW(n, op2) case n: sysreg_write(s2_0_c0_c##n##_##op2, val); \
    back = sysreg_read(s2_0_c0_c##n##_##op2); sysreg_write(s2_0_c0_c##n##_##op2, 0); break;
#define DBG_RWS(op2) DBG_RW(0, op2) DBG_RW(1, op2) DBG_RW(2, op2) DBG_RW(3, op2) DBG_RW(4, op2) \
    DBG_RW(5, op2) DBG_RW(6, op2) DBG_RW(7, op2) DBG_RW(8, op2) DBG_RW(9, op2) DBG_RW(10, op2) \
    DBG_RW(11, op2) DBG_RW(12, op2) DBG_RW(13, op2) DBG_RW(14, op2) DBG_RW(15, op2)
/* clang-format on */
static uint64_t bvr_rw(unsigned n, uint64_t val)
{
    uint64_t back = ~val;
    switch (n) {
        DBG_RWS(4)
    }
    return back;
}
static uint64_t wvr_rw(unsigned n, uint64_t val)
{
    uint64_t back = ~val;
    switch (n) {
        DBG_RWS(6)
    }
    return back;
}

/* Debug is always advertised (Armv8 has no CPU without it): offered, the highest breakpoint
 * and watchpoint the ID register names keep what is written; turned off, the architectural
 * minimum is advertised and every register is RAZ/WI (docs/config.md). */
static void test_debug(bool off)
{
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    unsigned brps = FIELD(dfr0, 12), wrps = FIELD(dfr0, 20);
    uint64_t val = 0x4000, bv = 0, wv = 0;
    sysreg_write(oslar_el1, 0);
    uint64_t esr = ESR_OF(bv = bvr_rw(brps, val); wv = wvr_rw(wrps, val));
    check(RAN(esr) && brps >= 1 && wrps >= 1, "debug_regs_exist", "BRPs %u WRPs %u, esr 0x%lx", brps + 1, wrps + 1,
          (unsigned long)esr);
    if (off)
        check(bv == 0 && wv == 0 && brps == 1 && wrps == 1, "debug_off_raz_wi",
              "BRPs %u WRPs %u, read back 0x%lx 0x%lx", brps + 1, wrps + 1, (unsigned long)bv, (unsigned long)wv);
    else
        check(bv == val && wv == val, "debug_regs_kept", "BRP %u 0x%lx, WRP %u 0x%lx", brps, (unsigned long)bv, wrps,
              (unsigned long)wv);
    gprintf("IDREGS debug %s (%u breakpoints, %u watchpoints)\n", off ? "hidden" : "offered", brps + 1, wrps + 1);
}

/* Features that need no switching are the CPU's own: the ID field says what runs. */
static void test_plain(void)
{
    uint64_t isar0 = sysreg_read(id_aa64isar0_el1);
    uint64_t x = 0;
    consistent(FIELD(isar0, 60) != 0, ESR_OF(x = sysreg_read(s3_3_c2_c4_0)), "rndr", "RNDR");
    (void)x;
    if (FIELD(isar0, 20) >= 2) { /* FEAT_LSE */
        static volatile uint64_t word = 5;
        uint64_t old = 0;
        uint64_t esr = ESR_OF(__asm__ volatile(".arch armv8.1-a\n ldadd %1, %0, [%2]"
                                               : "=r"(old)
                                               : "r"(UINT64_C(3)), "r"(&word)
                                               : "memory"));
        check(RAN(esr) && old == 5 && word == 8, "lse_atomics", "esr 0x%lx, old %lu new %lu", (unsigned long)esr,
              (unsigned long)old, (unsigned long)word);
    }
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1);
    check(FIELD(pfr0, 8) == 0 && FIELD(pfr0, 12) == 0, "el2_el3_hidden", "PFR0 0x%lx", (unsigned long)pfr0);
}

int guest_main(void)
{
    /* bootargs "features=off": the VM whose configuration turns every feature off */
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    bool off = args && strcmp(args, "features=off") == 0;
    test_id_space();
    test_sve_sme();
    test_pauth();
    test_mte();
    test_pmu();
    test_debug(off);
    test_plain();
    return 0;
}
