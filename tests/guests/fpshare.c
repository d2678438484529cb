/* The FP/SIMD registers of VMs that time-share one CPU (core/vcpu_fp.c's lazy switch:
 * tests/system/test_guests.py, tests/configs/fpshare.dts). Each VM fills q0-q31, FPCR and FPSR
 * with values of its own (bootargs "seed=N"), then round after round spins a few time slices
 * without any FP/SIMD instruction (the other VM runs meanwhile and takes the CPU's registers),
 * checks every register, and changes them all (what is live when the other VM takes them next
 * must have been saved). Its FP exits (ELVISOR_EXIT_COUNTERS) must show the switch at its
 * first FP/SIMD instruction after the other's use. */
#include "tests/guests/common/guest.h"
#include "tests/guests/common/vregs.h"
#include "lib/string.h"

#define ELVISOR_EXIT_COUNT 0xc6000001u
#define EXITC_FP           8 /* core/vm.h enum exit_class */
#define CPACR_EL1_FPEN     (3UL << 20)
#define ROUNDS             40
/* FPCR: AHP, DN, FZ, RMode; FPSR: QC and the cumulative exception flags (Arm ARM C5.2.8, C5.2.9). */
#define FPCR_BITS (0xfUL << 22)
#define FPSR_BITS 0x0800009fUL

static uint64_t seed;

static uint64_t lo_of(unsigned n, uint64_t r) { return seed * (2 * n + 1) + r; }
static uint64_t hi_of(unsigned n, uint64_t r) { return ~lo_of(n, r) ^ ((uint64_t)n << 40); }

#define V_SET(n, r) \
    __asm__ volatile(FP_ASM "mov v" #n ".d[0], %0\n mov v" #n ".d[1], %1" ::"r"(lo_of(n, r)), "r"(hi_of(n, r)))
#define V_CHECK(n, r)                                                                                \
    do {                                                                                             \
        uint64_t lo, hi;                                                                             \
        __asm__ volatile(FP_ASM "mov %0, v" #n ".d[0]\n mov %1, v" #n ".d[1]" : "=r"(lo), "=r"(hi)); \
        if (bad < 0 && (lo != lo_of(n, r) || hi != hi_of(n, r)))                                     \
            bad = n;                                                                                 \
    } while (0)

static uint64_t fpcr_of(uint64_t r) { return ((seed >> 8) + r) << 22 & FPCR_BITS; }
static uint64_t fpsr_of(uint64_t r) { return (seed ^ (r * 0x08000011UL)) & FPSR_BITS; }

static void fill(uint64_t r)
{
    FOR_ALL_V(V_SET, r);
    __asm__ volatile(FP_ASM "msr fpcr, %0\n msr fpsr, %1" ::"r"(fpcr_of(r)), "r"(fpsr_of(r)));
}

/* The first register that differs (32: FPCR, 33: FPSR), or -1. */
static int verify(uint64_t r)
{
    int bad = -1;
    FOR_ALL_V(V_CHECK, r);
    uint64_t fpcr, fpsr;
    __asm__ volatile(FP_ASM "mrs %0, fpcr\n mrs %1, fpsr" : "=r"(fpcr), "=r"(fpsr));
    if (bad < 0 && (fpcr & FPCR_BITS) != fpcr_of(r))
        bad = 32;
    if (bad < 0 && (fpsr & FPSR_BITS) != fpsr_of(r))
        bad = 33;
    return bad;
}

static uint64_t cntvct(void)
{
    __asm__ volatile("isb");
    return sysreg_read(cntvct_el0);
}

/* Spins us microseconds without FP/SIMD (built -mgeneral-regs-only); whether the vCPU was away
 * from its CPU in between (a gap of more than 500 us between two reads of the counter). */
static bool spin_away(uint64_t us)
{
    uint64_t tick = sysreg_read(cntfrq_el0) / 1000000;
    uint64_t prev = cntvct(), end = prev + tick * us;
    bool away = false;
    while (prev < end) {
        uint64_t now = cntvct();
        away |= now - prev > tick * 500;
        prev = now;
    }
    return away;
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    seed = 0x5eed000000000001UL;
    for (const char *s = args; s && *s; s++) {
        if (strncmp(s, "seed=", 5))
            continue;
        for (s += 5; *s >= '0' && *s <= '9'; s++)
            seed = seed * 10 + (uint64_t)(*s - '0');
        break;
    }
    sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | CPACR_EL1_FPEN);
    __asm__ volatile("isb");
    uint64_t fp_before = hvc_call(ELVISOR_EXIT_COUNT, EXITC_FP, 0, 0);
    unsigned away = 0;
    int bad = -1;
    uint64_t r = 0;
    for (; r < ROUNDS && bad < 0; r++) {
        fill(r);
        away += spin_away(3000);
        bad = verify(r);
    }
    uint64_t fp_exits = hvc_call(ELVISOR_EXIT_COUNT, EXITC_FP, 0, 0) - fp_before;
    gprintf("fpshare: %u of %u rounds away from the CPU, %lu FP exits\n", away, ROUNDS, (unsigned long)fp_exits);
    check(bad < 0, "fp_kept_across_switches", "register %d (32: FPCR, 33: FPSR) wrong in round %lu", bad,
          (unsigned long)(r - 1));
    check(away >= ROUNDS / 2, "fp_rounds_away", "only %u of %u rounds away", away, ROUNDS);
    /* The other VM takes the registers at each of its rounds (about one per round here); at
     * most one trap per load of this vCPU. */
    check(fp_exits >= ROUNDS / 4 && fp_exits <= 4 * ROUNDS, "fp_switched_at_first_use", "%lu FP exits, %u rounds away",
          (unsigned long)fp_exits, away);
    return guest_failures;
}
