/* One mechanism per check: SMCCC/PSCI, trapped system registers, WFI, MMIO of every size and
 * addressing form (ISV=1 and ISV=0), aborts for unmapped IPAs, PSCI CPU_ON/OFF. */
#include "tests/guests/common/guest.h"
#include "lib/string.h"

#define SMCCC_VERSION       0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define PSCI_VERSION        0x84000000u
#define PSCI_CPU_OFF        0x84000002u
#define PSCI_CPU_ON         0xc4000003u
#define PSCI_AFFINITY_INFO  0xc4000004u
#define PSCI_MIGRATE_INFO   0x84000006u
#define PSCI_FEATURES       0x8400000au
#define ELVISOR_EXIT_COUNT  0xc6000001u
#define NOT_SUPPORTED       ((uint64_t)-1)

extern char guest_secondary_entry[];
static volatile uint64_t *scratch;
static volatile uint64_t secondary_ran;

static void test_smccc(void)
{
    check(hvc_call(SMCCC_VERSION, 0, 0, 0) == 0x10001, "smccc_version", "not 1.1");
    check(hvc_call(PSCI_VERSION, 0, 0, 0) == 0x10001, "psci_version", "not 1.1");
    check(hvc_call(0x82001234, 0, 0, 0) == NOT_SUPPORTED, "hvc_unknown_id", "not -1");
    check(smc_call(0xc3000042, 1, 2, 3) == NOT_SUPPORTED, "smc_unknown_id", "not -1");
    check(hvc_call(0x100000000ULL | SMCCC_VERSION, 0, 0, 0) == NOT_SUPPORTED, "hvc_id_upper_bits", "not -1");
    check(smc_call(SMCCC_VERSION, 0, 0, 0) == 0x10001, "smc_smccc_version", "SMC conduit differs");
    check(hvc_call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0) == 0, "psci_features_cpu_on", "not supported");
    check(hvc_call(PSCI_FEATURES, 0x8400001f, 0, 0) == NOT_SUPPORTED, "psci_features_unknown", "not -1");
    /* Spectre-v2 workaround (DEN0028): not required (1) on a CPU whose ID_AA64PFR0_EL1.CSV2 says
     * so; otherwise NOT_SUPPORTED (QEMU has no SMCCC 1.1 firmware) or 0 with one. A call does
     * what the answer said: NOT_SUPPORTED, or success. */
    uint64_t csv2 = sysreg_read(id_aa64pfr0_el1) >> 56 & 0xf;
    uint64_t midr = sysreg_read(midr_el1);
    /* Arm's in-order cores (A53, A35, A55, A510) are not affected whatever CSV2 says. */
    uint64_t part = midr >> 4 & 0xfff;
    int in_order = (midr >> 24 & 0xff) == 0x41 && (part == 0xd03 || part == 0xd04 || part == 0xd05 || part == 0xd46);
    int64_t wa1 = (int64_t)hvc_call(SMCCC_ARCH_FEATURES, 0x80008000, 0, 0);
    check(csv2 || in_order ? wa1 == 1 : (wa1 == -1 || wa1 == 0), "smccc_arch_workaround",
          "CSV2 %lu, MIDR %lx, WORKAROUND_1 %ld", (unsigned long)csv2, (unsigned long)midr, (long)wa1);
    int64_t call = (int64_t)hvc_call(0x80008000, 0, 0, 0);
    check(call == (wa1 == -1 ? -1 : 0), "smccc_workaround_1_call", "%ld", (long)call);
    check(hvc_call(PSCI_MIGRATE_INFO, 0, 0, 0) == 2, "psci_migrate_info_type", "not 2");
    uint64_t before = hvc_call(ELVISOR_EXIT_COUNT, 0, 0, 0);
    hvc_call(SMCCC_VERSION, 0, 0, 0);
    uint64_t after = hvc_call(ELVISOR_EXIT_COUNT, 0, 0, 0);
    check(after == before + 2, "exit_counter_hvc", "before %lu after %lu", (unsigned long)before, (unsigned long)after);
}

static uint64_t expect_undef(void (*fn)(void))
{
    uint64_t esr = 0;
    fault_expect();
    fn();
    return fault_taken(&esr, 0) ? esr : ~0ULL;
}

static void read_pmcr(void) { (void)sysreg_read(pmcr_el0); }
static void read_apga_key(void) { (void)sysreg_read(s3_0_c2_c3_0); }
static void rdvl(void) { __asm__ volatile(".arch_extension sve\n rdvl x0, #1" ::: "x0"); }
static void write_id(void) { __asm__ volatile("msr s3_0_c0_c4_0, xzr"); }

/* FEAT_MOPS (issue 14 item 7): where ID_AA64ISAR2_EL1.MOPS says so, the CPY and SET
 * instructions work at EL1 (HCRX_EL2.MSCEn); otherwise they are UNDEFINED. */
static uint8_t mops_src[64], mops_dst[64];
static void mops_copy_set(void)
{
    uint64_t d = (uint64_t)(uintptr_t)mops_dst, s = (uint64_t)(uintptr_t)mops_src, n = 37;
    __asm__ volatile(".arch armv8.8-a+mops\n"
                     "cpyfp [%0]!, [%1]!, %2!\n cpyfm [%0]!, [%1]!, %2!\n cpyfe [%0]!, [%1]!, %2!\n"
                     : "+r"(d), "+r"(s), "+r"(n)::"memory", "cc");
    d = (uint64_t)(uintptr_t)mops_dst + 40;
    n = 20;
    __asm__ volatile(".arch armv8.8-a+mops\n"
                     "setp [%0]!, %1!, %2\n setm [%0]!, %1!, %2\n sete [%0]!, %1!, %2\n"
                     : "+r"(d), "+r"(n)
                     : "r"(0xa5UL)
                     : "memory", "cc");
}

static void test_mops(void)
{
    bool mops = (sysreg_read(s3_0_c0_c6_2) >> 16) & 0xf;
    for (unsigned i = 0; i < sizeof(mops_src); i++)
        mops_src[i] = (uint8_t)(i * 7 + 1);
    memset(mops_dst, 0, sizeof(mops_dst));
    if (!mops) {
        uint64_t esr = 0, d = (uint64_t)(uintptr_t)mops_dst, n = 0;
        fault_expect();
        __asm__ volatile(".arch armv8.8-a+mops\nsetp [%0]!, %1!, xzr" : "+r"(d), "+r"(n)::"memory", "cc");
        bool undef = fault_taken(&esr, 0);
        check(undef && (esr >> 26) == 0, "mops_undefined_when_hidden", "esr 0x%lx", (unsigned long)esr);
        return;
    }
    mops_copy_set(); /* an UNDEFINED here is an unexpected exception: the test fails */
    bool ok = true;
    for (unsigned i = 0; i < 64; i++)
        ok = ok && mops_dst[i] == (i < 37 ? mops_src[i] : i >= 40 && i < 60 ? 0xa5 : 0);
    check(ok, "mops_copy_and_set", "wrong bytes");
}

static void test_sysregs(void)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1);
    /* SVE (vdev/vsve.c) where every CPU has it: advertised exactly when RDVL works. */
    sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | 3UL << 16 | 3UL << 20); /* ZEN, FPEN */
    __asm__ volatile("isb");
    bool sve = ((pfr0 >> 32) & 0xf) != 0;
    uint64_t sve_esr = expect_undef(rdvl);
    check(sve ? sve_esr == ~0ULL : sve_esr != ~0ULL && (sve_esr >> 26) == 0, "id_sve_as_usable",
          "PFR0 0x%lx, RDVL esr 0x%lx", (unsigned long)pfr0, (unsigned long)sve_esr);
    check(((pfr0 >> 8) & 0xf) == 0, "id_el2_hidden", "PFR0 0x%lx", (unsigned long)pfr0);
    /* The PMU (vdev/vpmu.c, tests/guests/pmu.c) where the machine has one: advertised in
     * PMUVer and the device tree together, and PMCR_EL0 UNDEFINED without it. */
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    bool pmu = ((dfr0 >> 8) & 0xf) != 0, pmu_node = fdt_next_compatible(&guest_fdt, -1, "arm,armv8-pmuv3") >= 0;
    check(pmu == pmu_node, "id_pmu_as_dt", "DFR0 0x%lx, node %d", (unsigned long)dfr0, pmu_node);
    /* Pointer authentication: its key registers exist exactly when ISAR1/ISAR2 say so. */
    uint64_t isar1 = sysreg_read(id_aa64isar1_el1), isar2 = sysreg_read(s3_0_c0_c6_2);
    bool pauth = (isar1 & 0xff000ff0) || (isar2 & 0xff00);
    bool key_undef = expect_undef(read_apga_key) != ~0ULL;
    check(pauth != key_undef, "id_pauth_consistent", "ISAR1 0x%lx ISAR2 0x%lx, key register %s", (unsigned long)isar1,
          (unsigned long)isar2, key_undef ? "UNDEFINED" : "readable");
    check(sysreg_read(id_aa64mmfr0_el1) != 0, "id_mmfr0_readable", "zero");
    check(sysreg_read(actlr_el1) == 0, "actlr_raz", "nonzero");
    uint64_t esr = expect_undef(read_pmcr);
    check(pmu ? esr == ~0ULL : esr != ~0ULL && (esr >> 26) == 0, "pmcr_as_advertised", "PMU %d, esr 0x%lx", pmu,
          (unsigned long)esr);
    esr = expect_undef(write_id);
    check(esr != ~0ULL && (esr >> 26) == 0, "id_write_undefined", "esr 0x%lx", (unsigned long)esr);
    sysreg_write(mdscr_el1, 0x1);
    check((sysreg_read(mdscr_el1) & 1) == 1, "mdscr_kept", "lost");
    sysreg_write(mdscr_el1, 0);
    __asm__ volatile("dc isw, %0; dc csw, %0; dc cisw, %0" ::"r"(0UL) : "memory");
    check(true, "set_way_emulated", "-");
    /* WFI sleeps until an interrupt: the virtual timer, due in 1 ms, ends it (its interrupt is
     * not enabled in the GIC, which a WFI wake-up does not need to be in elvisor). */
    sysreg_write(cntv_cval_el0, sysreg_read(cntvct_el0) + sysreg_read(cntfrq_el0) / 1000);
    sysreg_write(cntv_ctl_el0, 1);
    __asm__ volatile("isb; wfi");
    sysreg_write(cntv_ctl_el0, 0);
    check(true, "wfi_returns", "-");
}

static void test_mmio_sizes(void)
{
    volatile uint8_t *b = (volatile uint8_t *)scratch;
    scratch[0] = 0x1122334455667788ULL;
    check(scratch[0] == 0x1122334455667788ULL, "mmio_64", "0x%lx", (unsigned long)scratch[0]);
    check(((volatile uint32_t *)scratch)[1] == 0x11223344, "mmio_32_upper", "wrong");
    check(((volatile uint16_t *)scratch)[1] == 0x5566, "mmio_16", "wrong");
    check(b[7] == 0x11 && b[0] == 0x88, "mmio_8", "wrong");
    b[3] = 0xee;
    check(scratch[0] == 0x11223344ee667788ULL, "mmio_store_8", "0x%lx", (unsigned long)scratch[0]);
    ((volatile uint16_t *)scratch)[3] = 0xabcd;
    check(scratch[0] == 0xabcd3344ee667788ULL, "mmio_store_16", "0x%lx", (unsigned long)scratch[0]);
    scratch[1] = 0x80000000fffff0f1ULL;
    int64_t sb, sh, sw;
    uint64_t ub;
    __asm__ volatile("ldrsb %0, [%4]; ldrsh %1, [%4]; ldrsw %2, [%4]; ldrb %w3, [%4]"
                     : "=&r"(sb), "=&r"(sh), "=&r"(sw), "=&r"(ub)
                     : "r"(&scratch[1]));
    check(sb == -15 && sh == -3855 && sw == -3855 && ub == 0xf1, "mmio_signed_loads", "%ld %ld %ld %lu", (long)sb,
          (long)sh, (long)sw, (unsigned long)ub);
    int32_t w;
    __asm__ volatile("ldrsb %w0, [%1]" : "=r"(w) : "r"(&scratch[1]));
    check((uint32_t)w == 0xfffffff1, "mmio_signed_load_w", "0x%x", (unsigned)w);
}

static void test_mmio_isv0(void)
{
    uint64_t a = 0x0102030405060708ULL, c = 0x1112131415161718ULL, ra, rc;
    __asm__ volatile("stp %2, %3, [%4]; ldp %0, %1, [%4]"
                     : "=&r"(ra), "=&r"(rc)
                     : "r"(a), "r"(c), "r"(&scratch[2])
                     : "memory");
    check(ra == a && rc == c && scratch[3] == c, "mmio_ldp_stp", "0x%lx 0x%lx", (unsigned long)ra, (unsigned long)rc);
    volatile uint64_t *p = &scratch[4];
    uint64_t v = 0xfeedfacecafef00dULL, out;
    __asm__ volatile("str %2, [%0, #8]!" : "+r"(p), "=m"(scratch[5]) : "r"(v));
    check(p == &scratch[5] && scratch[5] == v, "mmio_pre_index_store", "p %p", (void *)p);
    __asm__ volatile("ldr %1, [%0], #-8" : "+r"(p), "=r"(out)::"memory");
    check(p == &scratch[4] && out == v, "mmio_post_index_load", "p %p out 0x%lx", (void *)p, (unsigned long)out);
    uint64_t idx = 6;
    scratch[6] = 0x7777;
    __asm__ volatile("ldr %0, [%1, %2, lsl #3]" : "=r"(out) : "r"(scratch), "r"(idx) : "memory");
    check(out == 0x7777, "mmio_register_offset", "0x%lx", (unsigned long)out);
    /* SIMD&FP: a 128-bit store and load through q0 (ISV=0, split into two 8-byte accesses). */
    sysreg_write(cpacr_el1, 3UL << 20);
    __asm__ volatile("isb");
    uint64_t lo = 0xaaaabbbbccccddddULL, hi = 0x1111222233334444ULL, rlo, rhi;
    __asm__ volatile("fmov d0, %2; mov v0.d[1], %3; str q0, [%4]; movi v0.16b, #0; ldr q0, [%4];"
                     "fmov %0, d0; mov %1, v0.d[1]"
                     : "=r"(rlo), "=r"(rhi)
                     : "r"(lo), "r"(hi), "r"(&scratch[6])
                     : "v0", "memory");
    check(rlo == lo && rhi == hi && scratch[7] == hi, "mmio_simd_q", "0x%lx 0x%lx", (unsigned long)rlo,
          (unsigned long)rhi);
}

/* bootargs "no-isv0": the hypervisor is built without the decoder of accesses without a
 * syndrome (CONFIG_MMIO_DECODE=n, docs/build.md; the minimal build). Such an access (a pair)
 * takes a synchronous external abort at its address, and the device is left as it was. */
static void test_mmio_isv0_aborts(void)
{
    uint64_t esr = 0, far = 0;
    scratch[2] = scratch[3] = 0x5a5a;
    fault_expect();
    __asm__ volatile("stp %0, %1, [%2]" ::"r"(1UL), "r"(2UL), "r"(&scratch[2]) : "memory");
    bool t = fault_taken(&esr, &far);
    check(t && (esr >> 26) == 0x25 && (esr & 0x3f) == 0x10 && far == (uint64_t)(uintptr_t)&scratch[2] &&
              scratch[2] == 0x5a5a && scratch[3] == 0x5a5a,
          "mmio_isv0_aborts", "taken %d esr 0x%lx far 0x%lx", t, (unsigned long)esr, (unsigned long)far);
}

static void test_aborts(void)
{
    uint64_t esr = 0, far = 0;
    fault_expect();
    (void)*(volatile uint32_t *)0x20000000UL;
    bool t = fault_taken(&esr, &far);
    check(t && (esr >> 26) == 0x25 && (esr & 0x3f) == 0x10 && far == 0x20000000UL, "unmapped_ipa_read_aborts",
          "taken %d esr 0x%lx far 0x%lx", t, (unsigned long)esr, (unsigned long)far);
    uint64_t uart = dt_reg_of("arm,pl011");
    fault_expect();
    (void)*(volatile uint64_t *)(uintptr_t)uart; /* a 64-bit access to a 32-bit device */
    t = fault_taken(&esr, &far);
    check(t && (esr >> 26) == 0x25, "bad_size_device_access_aborts", "taken %d esr 0x%lx", t, (unsigned long)esr);
    check(*(volatile uint32_t *)(uintptr_t)(uart + 0xfe0) == 0x11, "pl011_periph_id", "wrong");
}

void guest_secondary_main(uint64_t index)
{
    secondary_ran = 0x5ec0000 + index;
    hvc_call(PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

static void test_cpu_on(void)
{
    uint64_t entry = (uint64_t)(uintptr_t)guest_secondary_entry;
    check((int64_t)hvc_call(PSCI_CPU_ON, 0x55, entry, 1) == -2, "cpu_on_bad_target", "not INVALID_PARAMETERS");
    check((int64_t)hvc_call(PSCI_CPU_ON, 0, entry, 1) == -4, "cpu_on_self_already_on", "not ALREADY_ON");
    check((int64_t)hvc_call(PSCI_CPU_ON, 1, 0x10, 1) == -9, "cpu_on_bad_entry", "not INVALID_ADDRESS");
    check(hvc_call(PSCI_AFFINITY_INFO, 1, 0, 0) == 1, "affinity_off_before", "not OFF");
    check(hvc_call(PSCI_CPU_ON, 1, entry, 1) == 0, "cpu_on_secondary", "failed");
    for (unsigned i = 0; i < 100000000 && secondary_ran == 0; i++)
        ;
    check(secondary_ran == 0x5ec0001, "secondary_ran", "0x%lx", (unsigned long)secondary_ran);
    uint64_t aff = 0;
    for (unsigned i = 0; i < 10000000 && (aff = hvc_call(PSCI_AFFINITY_INFO, 1, 0, 0)) != 1; i++)
        ;
    check(aff == 1, "cpu_off_seen", "affinity %lu", (unsigned long)aff);
    check(hvc_call(PSCI_CPU_ON, 1, entry, 1) == 0, "cpu_on_again", "failed");
}

int guest_main(void)
{
    scratch = (volatile uint64_t *)(uintptr_t)dt_reg_of("elvisor,debug-regs");
    check(scratch != 0, "dt_debug_regs", "missing from the DTB");
    test_smccc();
    test_sysregs();
    test_mops();
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : NULL;
    if (scratch && args && strcmp(args, "no-isv0") == 0) {
        test_mmio_isv0_aborts(); /* not test_mmio_sizes: GCC gives its volatile stores writeback */
    } else if (scratch) {
        test_mmio_sizes();
        test_mmio_isv0();
    }
    test_aborts();
    test_cpu_on();
    return guest_failures;
}
