/* Pointer authentication in a guest (vdev/vpauth.c): the five keys are the vCPU's own. Two VMs
 * ("A" and "B" in their bootargs, tests/configs/pauth.dts) time-share one CPU, each with its own
 * keys, and sign and authenticate in a loop with all five (PACIA/PACIB/PACDA/PACDB, AUTIA...,
 * PACGA): every result must be the one computed at the start, which it would not be if the
 * other VM's keys (or the hypervisor's own key A) were in the registers at any moment. Also:
 * the keys start at zero (never the hypervisor's key A, which shares the registers), the
 * ID registers advertise it, and after the first use the instructions no longer trap.
 * Bootargs "no-pauth": the VM is configured without it: the ID fields read 0 and the keys and
 * PAC instructions are UNDEFINED. On a CPU without pointer authentication every VM checks the
 * latter. */
#include "tests/guests/common/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EXIT_COUNTERS 0xc6000001u /* ELVISOR_HVC_EXIT_COUNTERS: x1 = class */
#define EXITC_OTHER   9

#define SCTLR_ENIA (1UL << 31)
#define SCTLR_ENIB (1UL << 30)
#define SCTLR_ENDA (1UL << 27)
#define SCTLR_ENDB (1UL << 13)

/* clang-format off */
#define PAC2(insn, x, m) ({ uint64_t _x = (x); __asm__ volatile(".arch armv8.3-a\n" insn " %0, %1" : "+r"(_x) : "r"((uint64_t)(m))); _x; })
/* clang-format on */
static uint64_t pacga(uint64_t x, uint64_t m)
{
    uint64_t d;
    __asm__ volatile(".arch armv8.3-a\npacga %0, %1, %2" : "=r"(d) : "r"(x), "r"(m));
    return d;
}

static uint64_t ctr(void)
{
    uint64_t c;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(c));
    return c;
}

static bool has_addr_auth(void)
{
    uint64_t i1 = sysreg_read(id_aa64isar1_el1), i2 = sysreg_read(s3_0_c0_c6_2);
    return ((i1 >> 4) & 0xf) || ((i1 >> 8) & 0xf) || ((i2 >> 12) & 0xf); /* APA, API, APA3 */
}

static bool has_gen_auth(void)
{
    uint64_t i1 = sysreg_read(id_aa64isar1_el1), i2 = sysreg_read(s3_0_c0_c6_2);
    return ((i1 >> 24) & 0xf) || ((i1 >> 28) & 0xf) || ((i2 >> 8) & 0xf); /* GPA, GPI, GPA3 */
}

static void set_keys(uint64_t seed)
{
    sysreg_write(s3_0_c2_c1_0, seed ^ 0x1111);
    sysreg_write(s3_0_c2_c1_1, seed ^ 0x2222);
    sysreg_write(s3_0_c2_c1_2, seed ^ 0x3333);
    sysreg_write(s3_0_c2_c1_3, seed ^ 0x4444);
    sysreg_write(s3_0_c2_c2_0, seed ^ 0x5555);
    sysreg_write(s3_0_c2_c2_1, seed ^ 0x6666);
    sysreg_write(s3_0_c2_c2_2, seed ^ 0x7777);
    sysreg_write(s3_0_c2_c2_3, seed ^ 0x8888);
    sysreg_write(s3_0_c2_c3_0, seed ^ 0x9999);
    sysreg_write(s3_0_c2_c3_1, seed ^ 0xaaaa);
    __asm__ volatile("isb");
}

struct sigs {
    uint64_t ia, ib, da, db, ga;
};

static void sign(struct sigs *s, uint64_t ptr, uint64_t mod)
{
    s->ia = PAC2("pacia", ptr, mod);
    s->ib = PAC2("pacib", ptr, mod);
    s->da = PAC2("pacda", ptr, mod);
    s->db = PAC2("pacdb", ptr, mod);
    s->ga = pacga(ptr, mod);
}

/* Without FEAT_FPAC a failed AUT* returns the pointer with an error code in its top bits;
 * with it, the failure is a synchronous exception, which the guest runtime reports as
 * UNEXPECTED: either way a mismatch fails the test. */
static bool auth_ok(const struct sigs *s, uint64_t ptr, uint64_t mod)
{
    return PAC2("autia", s->ia, mod) == ptr && PAC2("autib", s->ib, mod) == ptr && PAC2("autda", s->da, mod) == ptr &&
           PAC2("autdb", s->db, mod) == ptr;
}

static void test_on(uint64_t seed)
{
    check(has_addr_auth() && has_gen_auth(), "advertised", "ISAR1 %lx ISAR2 %lx",
          (unsigned long)sysreg_read(id_aa64isar1_el1), (unsigned long)sysreg_read(s3_0_c0_c6_2));
    uint64_t others0 = hvc_call(EXIT_COUNTERS, EXITC_OTHER, 0, 0);
    /* The first access: the vCPU's own keys, zero at reset, never the hypervisor's key A. */
    uint64_t lo = sysreg_read(s3_0_c2_c1_0), hi = sysreg_read(s3_0_c2_c1_1);
    uint64_t ga = sysreg_read(s3_0_c2_c3_0);
    check(lo == 0 && hi == 0 && ga == 0, "keys_start_zero", "APIAKey %lx:%lx APGAKeyLo %lx", (unsigned long)hi,
          (unsigned long)lo, (unsigned long)ga);
    set_keys(seed);
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | SCTLR_ENIA | SCTLR_ENIB | SCTLR_ENDA | SCTLR_ENDB);
    __asm__ volatile("isb");
    uint64_t ptr = (uint64_t)(uintptr_t)&test_on, mod = 0x5a5a0000 | (seed & 0xffff);
    struct sigs ref;
    sign(&ref, ptr, mod);
    check(ref.ia != ptr && ref.ia != ref.ib && ref.da != ref.db && auth_ok(&ref, ptr, mod), "sign_authenticate",
          "ptr %lx ia %lx ib %lx da %lx db %lx", (unsigned long)ptr, (unsigned long)ref.ia, (unsigned long)ref.ib,
          (unsigned long)ref.da, (unsigned long)ref.db);
    /* The check below can fail: another key A gives another signature. */
    sysreg_write(s3_0_c2_c1_0, seed ^ 0xdead);
    __asm__ volatile("isb");
    uint64_t other = PAC2("pacia", ptr, mod);
    sysreg_write(s3_0_c2_c1_0, seed ^ 0x1111);
    __asm__ volatile("isb");
    check(other != ref.ia && PAC2("pacia", ptr, mod) == ref.ia, "signature_depends_on_key", "%lx vs %lx",
          (unsigned long)other, (unsigned long)ref.ia);
    /* The soak: 3 s of the counter with the other VM on the same CPU (1 ms slices). */
    uint64_t freq = sysreg_read(cntfrq_el0), end = ctr() + 3 * freq;
    unsigned rounds = 0, bad = 0;
    while (ctr() < end) {
        for (unsigned i = 0; i < 64; i++) {
            struct sigs s;
            sign(&s, ptr, mod);
            if (s.ia != ref.ia || s.ib != ref.ib || s.da != ref.da || s.db != ref.db || s.ga != ref.ga ||
                !auth_ok(&s, ptr, mod))
                bad++;
            rounds++;
        }
        if (sysreg_read(s3_0_c2_c1_2) != (seed ^ 0x3333) || sysreg_read(s3_0_c2_c3_1) != (seed ^ 0xaaaa))
            bad++;
    }
    uint64_t irqs = hvc_call(EXIT_COUNTERS, 7, 0, 0);
    gprintf("pauth: %u rounds, %lu IRQ exits\n", rounds, (unsigned long)irqs);
    check(bad == 0 && rounds > 1000, "soak_keys_kept", "%u of %u rounds wrong", bad, rounds);
    /* Only the first use trapped (the key read above); the rest ran untrapped. */
    uint64_t others = hvc_call(EXIT_COUNTERS, EXITC_OTHER, 0, 0) - others0;
    check(others == 0, "untrapped_after_first_use", "%lu other exits", (unsigned long)others);
}

/* A VM without pointer authentication (configured off, or on a CPU without it). */
static void test_off(void)
{
    check(!has_addr_auth() && !has_gen_auth(), "off_hidden", "ISAR1 %lx ISAR2 %lx",
          (unsigned long)sysreg_read(id_aa64isar1_el1), (unsigned long)sysreg_read(s3_0_c0_c6_2));
    uint64_t esr = 0;
    fault_expect();
    (void)sysreg_read(s3_0_c2_c1_0);
    bool t1 = fault_taken(&esr, NULL) && (esr >> 26) == 0;
    fault_expect();
    sysreg_write(s3_0_c2_c3_0, 1);
    bool t2 = fault_taken(&esr, NULL) && (esr >> 26) == 0;
    check(t1 && t2, "off_keys_undefined", "read %d write %d", t1, t2);
    fault_expect();
    (void)pacga(1, 2);
    bool t3 = fault_taken(&esr, NULL) && (esr >> 26) == 0;
    check(t3, "off_pacga_undefined", "esr %lx", (unsigned long)esr);
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : NULL;
    if (!args || strcmp(args, "no-pauth") == 0 || !has_addr_auth())
        test_off();
    else
        test_on(args[0] == 'B' ? 0xb0b0b0b0b0b0b0b0 : 0xa0a0a0a0a0a0a0a0);
    return guest_failures;
}
