/* The guest's SVE (vdev/vsve.c, tests/system/test_sve.py, tests/configs/sve.dts). bootargs, words
 * separated by spaces:
 *  - "no-sve": the VM's configuration turns SVE off: ID_AA64PFR0_EL1.SVE and ID_AA64ZFR0_EL1 read
 *    0, an SVE instruction and ZCR_EL1 are UNDEFINED;
 *  - "expect-vl=N": the VM's length is capped at N bits (sve-max-vl): RDVL with ZCR_EL1.LEN = 15
 *    reads N / 8;
 *  - "zcr-len=L": the guest asks for (L + 1) x 128 bits with ZCR_EL1 and checks that it keeps
 *    getting them (its ZCR_EL1 is switched);
 *  - "shared": the CPU is time-shared with another VM doing the same with its own pattern: each
 *    round fills Z0-Z31, P0-P15 and FFR, spins 3 ms (longer than a time slice) and checks them;
 *    rounds during which the vCPU was away from its CPU are counted and must be many.
 * On a CPU without SVE (-cpu cortex-a72) the guest checks that it is hidden and UNDEFINED. SME is
 * hidden everywhere: ID_AA64PFR1_EL1.SME and ID_AA64SMFR0_EL1 read 0, SMCR_EL1, SMPRI_EL1 and
 * SMSTART are UNDEFINED (with CPACR_EL1.SMEN set: left clear, a CPU with SME traps them to EL1
 * first, Arm ARM D1.4 priorities, which a guest that believes the ID registers never does). */
#include "tests/guests/common/guest.h"
#include "lib/string.h"
#include "lib/printf.h"

#define CPACR_EL1_FPEN (3UL << 20)
#define CPACR_EL1_ZEN  (3UL << 16)
#define CPACR_EL1_SMEN (3UL << 24) /* RES0 without SME; set, so that SME is not trapped to EL1 */
#define SVE_ASM        ".arch armv8.2-a+sve2\n"
#define ROUNDS         60
#define VL_MAX         256 /* bytes */

static const char *args;

/* The value of "key=" in bootargs, or -1. */
static long arg_num(const char *key)
{
    size_t n = strlen(key);
    for (const char *s = args; s && *s;) {
        if (!strncmp(s, key, n) && s[n] == '=') {
            long v = 0;
            for (s += n + 1; *s >= '0' && *s <= '9'; s++)
                v = v * 10 + (*s - '0');
            return v;
        }
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
    }
    return -1;
}

static bool arg_word(const char *w)
{
    size_t n = strlen(w);
    for (const char *s = args; s && *s;) {
        if (!strncmp(s, w, n) && (s[n] == ' ' || !s[n]))
            return true;
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
    }
    return false;
}

static uint64_t cntvct(void)
{
    __asm__ volatile("isb");
    return sysreg_read(cntvct_el0);
}

static uint64_t us_to_ticks(uint64_t us) { return sysreg_read(cntfrq_el0) / 1000000 * us; }

static uint64_t rdvl(void)
{
    uint64_t vl;
    __asm__ volatile(SVE_ASM "rdvl %0, #1" : "=r"(vl));
    return vl;
}

static void zcr_write(uint64_t len)
{
    sysreg_write(s3_0_c1_c2_0, len);
    __asm__ volatile("isb");
}

/* Whether one access is UNDEFINED (ESR_EL1.EC 0, "unknown reason"). */
#define UNDEFINED(stmt)                             \
    ({                                              \
        uint64_t _esr = ~0UL;                       \
        fault_expect();                             \
        stmt;                                       \
        fault_taken(&_esr, 0) && (_esr >> 26) == 0; \
    })

static void test_sme_hidden(void)
{
    uint64_t pfr1 = sysreg_read(s3_0_c0_c4_1), smfr0 = sysreg_read(s3_0_c0_c4_5);
    check(((pfr1 >> 24) & 0xf) == 0 && smfr0 == 0, "sme_hidden", "ID_AA64PFR1_EL1 0x%lx SMFR0 0x%lx",
          (unsigned long)pfr1, (unsigned long)smfr0);
    check(UNDEFINED((void)sysreg_read(s3_0_c1_c2_6)), "sme_smcr_undefined", "SMCR_EL1 read not UNDEFINED");
    check(UNDEFINED(sysreg_write(s3_0_c1_c2_6, 0)), "sme_smcr_write_undefined", "SMCR_EL1 write not UNDEFINED");
    check(UNDEFINED((void)sysreg_read(s3_0_c1_c2_4)), "sme_smpri_undefined", "SMPRI_EL1 read not UNDEFINED");
    /* SMSTART (MSR SVCRSMZA, #1) */
    check(UNDEFINED(__asm__ volatile(".inst 0xd503477f")), "sme_smstart_undefined", "SMSTART not UNDEFINED");
}

/* SVE hidden (no-sve, or a CPU without it): ID fields 0, instructions and ZCR_EL1 UNDEFINED. */
static void test_hidden(const char *name)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), zfr0 = sysreg_read(s3_0_c0_c4_4);
    char n[40];
    ev_snprintf(n, sizeof(n), "%s_ids", name);
    check(((pfr0 >> 32) & 0xf) == 0 && zfr0 == 0, n, "ID_AA64PFR0_EL1 0x%lx ZFR0 0x%lx", (unsigned long)pfr0,
          (unsigned long)zfr0);
    uint64_t vl = 0;
    ev_snprintf(n, sizeof(n), "%s_undefined", name);
    check(UNDEFINED(vl = rdvl()) && UNDEFINED((void)sysreg_read(s3_0_c1_c2_0)) && UNDEFINED(zcr_write(0)), n,
          "RDVL or ZCR_EL1 not UNDEFINED (rdvl %lu)", (unsigned long)vl);
}

/* The pattern of round r in a VM with seed s: lane j of Z_i (64-bit lanes) is
 * (s + i) + j * s; P_i's first (i * 5 + s + r) mod (VL + 1) byte lanes are true; FFR is P15. */
static void fill(uint64_t s, uint64_t r, uint64_t vl)
{
    __asm__ volatile(SVE_ASM "mov x9, %[s]\n"
                             "add x10, x9, #0\n index z0.d, x10, x9\n"
                             "add x10, x9, #1\n index z1.d, x10, x9\n"
                             "add x10, x9, #2\n index z2.d, x10, x9\n"
                             "add x10, x9, #3\n index z3.d, x10, x9\n"
                             "add x10, x9, #4\n index z4.d, x10, x9\n"
                             "add x10, x9, #5\n index z5.d, x10, x9\n"
                             "add x10, x9, #6\n index z6.d, x10, x9\n"
                             "add x10, x9, #7\n index z7.d, x10, x9\n"
                             "add x10, x9, #8\n index z8.d, x10, x9\n"
                             "add x10, x9, #9\n index z9.d, x10, x9\n"
                             "add x10, x9, #10\n index z10.d, x10, x9\n"
                             "add x10, x9, #11\n index z11.d, x10, x9\n"
                             "add x10, x9, #12\n index z12.d, x10, x9\n"
                             "add x10, x9, #13\n index z13.d, x10, x9\n"
                             "add x10, x9, #14\n index z14.d, x10, x9\n"
                             "add x10, x9, #15\n index z15.d, x10, x9\n"
                             "add x10, x9, #16\n index z16.d, x10, x9\n"
                             "add x10, x9, #17\n index z17.d, x10, x9\n"
                             "add x10, x9, #18\n index z18.d, x10, x9\n"
                             "add x10, x9, #19\n index z19.d, x10, x9\n"
                             "add x10, x9, #20\n index z20.d, x10, x9\n"
                             "add x10, x9, #21\n index z21.d, x10, x9\n"
                             "add x10, x9, #22\n index z22.d, x10, x9\n"
                             "add x10, x9, #23\n index z23.d, x10, x9\n"
                             "add x10, x9, #24\n index z24.d, x10, x9\n"
                             "add x10, x9, #25\n index z25.d, x10, x9\n"
                             "add x10, x9, #26\n index z26.d, x10, x9\n"
                             "add x10, x9, #27\n index z27.d, x10, x9\n"
                             "add x10, x9, #28\n index z28.d, x10, x9\n"
                             "add x10, x9, #29\n index z29.d, x10, x9\n"
                             "add x10, x9, #30\n index z30.d, x10, x9\n"
                             "add x10, x9, #31\n index z31.d, x10, x9\n"
                             "mov x11, %[c]\n mov x12, %[m]\n"
                             "mov x10, #0\n add x10, x10, x11\n and x10, x10, x12\n whilelo p0.b, xzr, x10\n"
                             "mov x10, #5\n add x10, x10, x11\n and x10, x10, x12\n whilelo p1.b, xzr, x10\n"
                             "mov x10, #10\n add x10, x10, x11\n and x10, x10, x12\n whilelo p2.b, xzr, x10\n"
                             "mov x10, #15\n add x10, x10, x11\n and x10, x10, x12\n whilelo p3.b, xzr, x10\n"
                             "mov x10, #20\n add x10, x10, x11\n and x10, x10, x12\n whilelo p4.b, xzr, x10\n"
                             "mov x10, #25\n add x10, x10, x11\n and x10, x10, x12\n whilelo p5.b, xzr, x10\n"
                             "mov x10, #30\n add x10, x10, x11\n and x10, x10, x12\n whilelo p6.b, xzr, x10\n"
                             "mov x10, #35\n add x10, x10, x11\n and x10, x10, x12\n whilelo p7.b, xzr, x10\n"
                             "mov x10, #40\n add x10, x10, x11\n and x10, x10, x12\n whilelo p8.b, xzr, x10\n"
                             "mov x10, #45\n add x10, x10, x11\n and x10, x10, x12\n whilelo p9.b, xzr, x10\n"
                             "mov x10, #50\n add x10, x10, x11\n and x10, x10, x12\n whilelo p10.b, xzr, x10\n"
                             "mov x10, #55\n add x10, x10, x11\n and x10, x10, x12\n whilelo p11.b, xzr, x10\n"
                             "mov x10, #60\n add x10, x10, x11\n and x10, x10, x12\n whilelo p12.b, xzr, x10\n"
                             "mov x10, #65\n add x10, x10, x11\n and x10, x10, x12\n whilelo p13.b, xzr, x10\n"
                             "mov x10, #70\n add x10, x10, x11\n and x10, x10, x12\n whilelo p14.b, xzr, x10\n"
                             "mov x10, #75\n add x10, x10, x11\n and x10, x10, x12\n whilelo p15.b, xzr, x10\n"
                             "wrffr p15.b\n"
                     :
                     : [s] "r"(s), [c] "r"(s + r), [m] "r"(vl * 2 - 1)
                     : "x9", "x10", "x11", "x12", "z0", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8", "z9", "z10",
                       "z11", "z12", "z13", "z14", "z15", "z16", "z17", "z18", "z19", "z20", "z21", "z22", "z23", "z24",
                       "z25", "z26", "z27", "z28", "z29", "z30", "z31", "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7",
                       "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15", "ffr", "memory");
}

static uint8_t zbuf[32 * VL_MAX] __attribute__((aligned(16)));
static uint8_t pbuf[17 * VL_MAX / 8] __attribute__((aligned(16)));

static void store(void)
{
    __asm__ volatile(SVE_ASM "str z0, [%[z], #0, mul vl]\n"
                             "str z1, [%[z], #1, mul vl]\n"
                             "str z2, [%[z], #2, mul vl]\n"
                             "str z3, [%[z], #3, mul vl]\n"
                             "str z4, [%[z], #4, mul vl]\n"
                             "str z5, [%[z], #5, mul vl]\n"
                             "str z6, [%[z], #6, mul vl]\n"
                             "str z7, [%[z], #7, mul vl]\n"
                             "str z8, [%[z], #8, mul vl]\n"
                             "str z9, [%[z], #9, mul vl]\n"
                             "str z10, [%[z], #10, mul vl]\n"
                             "str z11, [%[z], #11, mul vl]\n"
                             "str z12, [%[z], #12, mul vl]\n"
                             "str z13, [%[z], #13, mul vl]\n"
                             "str z14, [%[z], #14, mul vl]\n"
                             "str z15, [%[z], #15, mul vl]\n"
                             "str z16, [%[z], #16, mul vl]\n"
                             "str z17, [%[z], #17, mul vl]\n"
                             "str z18, [%[z], #18, mul vl]\n"
                             "str z19, [%[z], #19, mul vl]\n"
                             "str z20, [%[z], #20, mul vl]\n"
                             "str z21, [%[z], #21, mul vl]\n"
                             "str z22, [%[z], #22, mul vl]\n"
                             "str z23, [%[z], #23, mul vl]\n"
                             "str z24, [%[z], #24, mul vl]\n"
                             "str z25, [%[z], #25, mul vl]\n"
                             "str z26, [%[z], #26, mul vl]\n"
                             "str z27, [%[z], #27, mul vl]\n"
                             "str z28, [%[z], #28, mul vl]\n"
                             "str z29, [%[z], #29, mul vl]\n"
                             "str z30, [%[z], #30, mul vl]\n"
                             "str z31, [%[z], #31, mul vl]\n"
                             "str p0, [%[p], #0, mul vl]\n"
                             "str p1, [%[p], #1, mul vl]\n"
                             "str p2, [%[p], #2, mul vl]\n"
                             "str p3, [%[p], #3, mul vl]\n"
                             "str p4, [%[p], #4, mul vl]\n"
                             "str p5, [%[p], #5, mul vl]\n"
                             "str p6, [%[p], #6, mul vl]\n"
                             "str p7, [%[p], #7, mul vl]\n"
                             "str p8, [%[p], #8, mul vl]\n"
                             "str p9, [%[p], #9, mul vl]\n"
                             "str p10, [%[p], #10, mul vl]\n"
                             "str p11, [%[p], #11, mul vl]\n"
                             "str p12, [%[p], #12, mul vl]\n"
                             "str p13, [%[p], #13, mul vl]\n"
                             "str p14, [%[p], #14, mul vl]\n"
                             "str p15, [%[p], #15, mul vl]\n"
                             "rdffr p0.b\n str p0, [%[p], #16, mul vl]\n"
                     :
                     : [z] "r"(zbuf), [p] "r"(pbuf)
                     : "p0", "memory");
}

/* whilelo p.b, 0, n with n masked to [0, 2VL): lanes below min(n, VL) true. */
static bool pred_ok(const uint8_t *p, uint64_t n, uint64_t vl)
{
    n &= vl * 2 - 1;
    for (uint64_t k = 0; k < vl; k++)
        if (((p[k / 8] >> (k % 8)) & 1) != (k < n))
            return false;
    return true;
}

/* The first wrong register of round r, or -1. */
static int verify(uint64_t s, uint64_t r, uint64_t vl)
{
    store();
    for (unsigned i = 0; i < 32; i++)
        for (unsigned j = 0; j < vl / 8; j++) {
            uint64_t lane;
            memcpy(&lane, zbuf + i * vl + j * 8, 8);
            if (lane != s + i + j * s)
                return (int)i;
        }
    for (unsigned i = 0; i < 16; i++)
        if (!pred_ok(pbuf + i * (vl / 8), i * 5 + s + r, vl))
            return 32 + (int)i;
    if (!pred_ok(pbuf + 16 * (vl / 8), 15 * 5 + s + r, vl))
        return 48;
    return -1;
}

/* Spins us microseconds; whether the vCPU was away from its CPU for a while in between (a gap
 * of more than 500 us between two reads of the counter). */
static bool spin_away(uint64_t us)
{
    uint64_t prev = cntvct(), end = prev + us_to_ticks(us), gap = us_to_ticks(500);
    bool away = false;
    while (prev < end) {
        uint64_t now = cntvct();
        away |= now - prev > gap;
        prev = now;
    }
    return away;
}

static void test_patterns(uint64_t vl)
{
    /* The seed: this VM's own, from its name in the device tree's bootargs order. */
    uint64_t s = arg_word("seed-b") ? 0x0b0b0b0b00000007UL : 0x0a0a0a0a00000003UL;
    unsigned away = 0, bad_vl = 0;
    int bad = -1;
    uint64_t bad_round = 0;
    for (uint64_t r = 0; r < ROUNDS && bad < 0; r++) {
        fill(s, r, vl);
        away += spin_away(3000);
        if (rdvl() != vl)
            bad_vl++;
        bad = verify(s, r, vl);
        bad_round = r;
    }
    check(bad < 0, "sve_patterns_kept", "register %d (32+: P, 48: FFR) wrong in round %lu", bad,
          (unsigned long)bad_round);
    check(bad_vl == 0, "sve_zcr_kept", "RDVL changed in %u rounds", bad_vl);
    gprintf("sve: %u of %u rounds away from the CPU\n", away, ROUNDS);
    if (arg_word("shared"))
        check(away >= ROUNDS / 4, "sve_descheduled", "away in only %u of %u rounds", away, ROUNDS);
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | CPACR_EL1_FPEN | CPACR_EL1_ZEN | CPACR_EL1_SMEN);
    __asm__ volatile("isb");
    test_sme_hidden();
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), zfr0 = sysreg_read(s3_0_c0_c4_4);
    bool sve = (pfr0 >> 32) & 0xf;
    gprintf("sve: ID_AA64PFR0_EL1.SVE %lu ID_AA64ZFR0_EL1 0x%lx\n", (unsigned long)((pfr0 >> 32) & 0xf),
            (unsigned long)zfr0);
    if (arg_word("no-sve")) {
        test_hidden("sve_off");
        return guest_failures;
    }
    if (!sve) {
        test_hidden("sve_absent");
        return guest_failures;
    }
    check(true, "sve_advertised", "-");
    /* The longest length the VM has: ask for 2048 bits. */
    uint64_t vl = 0;
    bool undef = UNDEFINED(zcr_write(15));
    undef |= UNDEFINED(vl = rdvl());
    check(!undef && vl >= 16 && vl <= VL_MAX && !(vl & (vl - 1)), "sve_usable", "undefined %d, RDVL %lu", undef,
          (unsigned long)vl);
    if (undef)
        return guest_failures;
    uint64_t zcr = sysreg_read(s3_0_c1_c2_0);
    gprintf("sve: vector length %lu bits, ZCR_EL1 0x%lx, SVE2 %s\n", (unsigned long)vl * 8, (unsigned long)zcr,
            (zfr0 & 0xf) ? "yes" : "no");
    check((zcr & 0xf) == 15, "sve_zcr_readback", "ZCR_EL1 0x%lx", (unsigned long)zcr);
    long want = arg_num("expect-vl");
    if (want > 0)
        check(vl * 8 == (uint64_t)want, "sve_vl_capped", "RDVL %lu bits, configured %ld", (unsigned long)vl * 8, want);
    /* Less than the whole length, on request. */
    zcr_write(0);
    check(rdvl() == 16, "sve_zcr_shortens", "ZCR_EL1.LEN 0: RDVL %lu", (unsigned long)rdvl());
    if (zfr0 & 0xf) { /* SVE2: EOR3 (three-way exclusive OR) */
        uint64_t out;
        bool u = UNDEFINED(__asm__ volatile(SVE_ASM "dup z1.d, %1\n dup z2.d, %2\n dup z3.d, %3\n"
                                                    "eor3 z1.d, z1.d, z2.d, z3.d\n fmov %0, d1\n"
                                            : "=r"(out)
                                            : "r"(1UL), "r"(2UL), "r"(4UL)
                                            : "z1", "z2", "z3"));
        check(!u && out == 7, "sve2_eor3", "undefined %d, result %lu", u, (unsigned long)out);
    }
    long len = arg_num("zcr-len");
    zcr_write(len >= 0 ? (uint64_t)len : 15);
    vl = rdvl();
    test_patterns(vl);
    return guest_failures;
}
