/* A hostile guest: random hypercalls, PSCI calls with bad targets and entry points, MMIO of
 * every size and alignment to every emulated device and to unmapped IPAs (including ISV=0
 * forms), random system-register reads, writes to trapped registers, set/way maintenance,
 * WFI/WFE floods, all from a fixed seed. bootargs "seed=N count=M" set both. Every act must
 * end architecturally: a value, or an exception injected into this guest, which it survives.
 * It prints "hostile: ops=N faults=F seed=S" and then GUEST DONE. */
#include "tests/guests/common/guest.h"
#include "lib/string.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* xorshift64*: deterministic for a given seed. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t arg_value(const char *args, const char *key, uint64_t dflt)
{
    size_t kl = strlen(key);
    for (const char *p = args; p && *p; p++) {
        if ((p == args || p[-1] == ' ') && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            uint64_t v = 0;
            for (p += kl + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    }
    return dflt;
}

static uint64_t ram_base, ram_size, faults;
static uint64_t windows[8][2];
static unsigned nwindows;

/* Runs op with a fault expected or not: both outcomes are legitimate. */
#define GUARDED(stmt) do { fault_expect(); stmt; if (fault_taken(0, 0)) faults++; } while (0)

static bool terminal_call(uint32_t fid)
{
    uint32_t f = fid & ~0x40000000u;
    return f == 0x84000002 || f == 0x84000008 || f == 0x84000009 || f == 0x84000012 || f == 0x84000015;
}

static void op_call(void)
{
    uint32_t fid;
    switch (rnd() % 4) {
    case 0: fid = 0x84000000u | (uint32_t)(rnd() % 0x20); break;      /* PSCI 32-bit */
    case 1: fid = 0xc4000000u | (uint32_t)(rnd() % 0x20); break;      /* PSCI 64-bit */
    case 2: fid = 0x80000000u | (uint32_t)(rnd() & 0x7fff); break;    /* arch calls */
    default: fid = (uint32_t)rnd(); break;
    }
    if (terminal_call(fid))
        return;
    uint64_t a1 = rnd(), a2 = rnd(), a3 = rnd();
    if (rnd() % 2)
        a2 = ram_base + rnd() % ram_size;       /* a plausible entry point */
    if (rnd() % 2)
        GUARDED(hvc_call(fid, a1, a2, a3));
    else
        GUARDED(smc_call(fid, a1, a2, a3));
}

static void mmio_access(uint64_t addr, unsigned size, bool write, uint64_t val)
{
    switch (size | (write ? 0x10 : 0)) {
    case 1: GUARDED((void)*(volatile uint8_t *)(uintptr_t)addr); break;
    case 2: GUARDED((void)*(volatile uint16_t *)(uintptr_t)addr); break;
    case 4: GUARDED((void)*(volatile uint32_t *)(uintptr_t)addr); break;
    case 8: GUARDED((void)*(volatile uint64_t *)(uintptr_t)addr); break;
    case 0x11: GUARDED(*(volatile uint8_t *)(uintptr_t)addr = (uint8_t)val); break;
    case 0x12: GUARDED(*(volatile uint16_t *)(uintptr_t)addr = (uint16_t)val); break;
    case 0x14: GUARDED(*(volatile uint32_t *)(uintptr_t)addr = (uint32_t)val); break;
    default: GUARDED(*(volatile uint64_t *)(uintptr_t)addr = val); break;
    }
}

static void op_mmio(void)
{
    unsigned size = 1u << (rnd() % 4);
    uint64_t addr;
    if (nwindows && rnd() % 4) {
        const uint64_t *w = windows[rnd() % nwindows];
        addr = w[0] + rnd() % w[1];
    } else {
        addr = rnd() & 0xffffffffffULL;         /* anywhere in a 40-bit IPA space */
        if (addr >= ram_base && addr < ram_base + ram_size)
            addr += ram_size;
    }
    bool write = rnd() % 2;
    uint64_t val = rnd();
    if (write && (addr & 0xfff) == 0 && size == 1)
        val = 'a' + val % 26;                  /* UART data: printable, keep the log readable */
    if (rnd() % 4 == 0) {
        uint64_t a = addr & ~7ULL, x = rnd(), y = rnd();
        if (rnd() % 2)
            GUARDED(__asm__ volatile("stp %0, %1, [%2]" :: "r"(x), "r"(y), "r"(a) : "memory"));
        else
            GUARDED(__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(x), "=&r"(y) : "r"(a) : "memory"));
        return;
    }
    mmio_access(addr, size, write, val);
}

/* Self-modifying code: one instruction then RET, in a buffer that is cleaned to the point of
 * unification before it runs. */
static uint32_t insn_buf[4] __attribute__((aligned(64)));

static void run_insn(uint32_t insn)
{
    insn_buf[0] = insn;
    insn_buf[1] = 0xd65f03c0;                   /* ret */
    __asm__ volatile("dc cvau, %0; dsb ish; ic ivau, %0; dsb ish; isb" :: "r"(insn_buf) : "memory");
    GUARDED(__asm__ volatile("mov x0, %1; blr %0" :: "r"(insn_buf), "r"(rnd()) : "x0", "x30", "memory"));
}

/* MRS/MSR (Arm ARM C6.2): 1101 0101 00 L 1 o0 op1 CRn CRm op2 Rt, with op0 = 2 + o0. */
static uint32_t sysreg_insn(bool read, unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
    return 0xd5100000u | (read ? 1u << 21 : 0) | ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) |
           (crm << 8) | (op2 << 5) | 0;
}

static void op_sysreg(void)
{
    unsigned op0 = 2 + rnd() % 2, op1 = rnd() % 8, crn = rnd() % 16, crm = rnd() % 16, op2 = rnd() % 8;
    if (rnd() % 2) {
        run_insn(sysreg_insn(true, op0, op1, crn, crm, op2));   /* any read */
        return;
    }
    /* Writes only where they trap to EL2 or are UNDEFINED, so the guest does not reprogram
     * its own MMU or vectors: ID registers, debug (op0=2), PMU, implementation defined. */
    switch (rnd() % 4) {
    case 0: run_insn(sysreg_insn(false, 3, 0, 0, rnd() % 8, op2)); break;
    case 1: run_insn(sysreg_insn(false, 2, rnd() % 8, crn % 8, crm, op2)); break;
    case 2: run_insn(sysreg_insn(false, 3, 3, 9, 12 + rnd() % 3, op2)); break;
    default: run_insn(sysreg_insn(false, 3, op1, 15, crm, op2)); break;
    }
}

/* SGI storm through the GICv3 system-register interface (ICC_SGI1R_EL1 = S3_0_C12_C11_5),
 * random targets, affinities and IRM; on GICv2 the GICD_SGIR writes come with the MMIO ops. */
static void op_sgi_storm(void)
{
    if (((sysreg_read(id_aa64pfr0_el1) >> 24) & 0xf) == 0)
        return;
    for (int i = 0; i < 16; i++)
        __asm__ volatile("msr s3_0_c12_c11_5, %0; isb" :: "r"(rnd()) : "memory");
}

static void op_misc(void)
{
    uint64_t v = rnd();
    switch (rnd() % 6) {
    case 5: op_sgi_storm(); break;
    case 0: __asm__ volatile("dc isw, %0" :: "r"(v) : "memory"); break;
    case 1: __asm__ volatile("dc cisw, %0" :: "r"(v) : "memory"); break;
    case 2: for (int i = 0; i < 8; i++) __asm__ volatile("wfe"); break;
    case 3:     /* WFI sleeps until an interrupt: the virtual timer ends it after 100 us */
        sysreg_write(cntv_cval_el0, sysreg_read(cntvct_el0) + sysreg_read(cntfrq_el0) / 10000);
        sysreg_write(cntv_ctl_el0, 1);
        __asm__ volatile("isb; wfi");
        sysreg_write(cntv_ctl_el0, 0);
        break;
    default: __asm__ volatile("tlbi vmalle1is; dsb ish; isb" ::: "memory"); break;
    }
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    uint64_t seed = arg_value(args, "seed", 1), count = arg_value(args, "count", 20000);
    rng_state = seed ? seed : 1;
    int mem = fdt_path_offset(&guest_fdt, "/memory");
    fdt_reg(&guest_fdt, mem, 0, &ram_base, &ram_size);
    /* Every device window the DTB names. */
    for (int n = fdt_first_subnode(&guest_fdt, fdt_root(&guest_fdt)); n >= 0 && nwindows < 8;
         n = fdt_next_subnode(&guest_fdt, n)) {
        uint64_t b, s;
        if (fdt_getprop(&guest_fdt, n, "compatible", 0) && n != mem &&
            fdt_reg(&guest_fdt, n, 0, &b, &s) == 0 && s) {
            windows[nwindows][0] = b;
            windows[nwindows++][1] = s;
        }
    }
    sysreg_write(cpacr_el1, 3UL << 20);
    for (uint64_t i = 0; i < count; i++) {
        switch (rnd() % 4) {
        case 0: op_call(); break;
        case 1: op_mmio(); break;
        case 2: op_sysreg(); break;
        default: op_misc(); break;
        }
    }
    gprintf("hostile: ops=%lu faults=%lu seed=%lu\n", (unsigned long)count, (unsigned long)faults,
            (unsigned long)seed);
    return 0;
}
