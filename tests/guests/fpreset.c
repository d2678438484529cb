/* FP/SIMD state across PSCI SYSTEM_RESET on a CPU shared with another VM (issue 13 item 9):
 * first thing at each boot, q0-q31, FPCR and FPSR must read zero; then they are filled with a
 * pattern and the VM resets itself. tests/configs/fpreset.dts runs two of these on one CPU. */
#include "tests/guests/common/guest.h"
#include "tests/guests/common/vregs.h"

#define PSCI_SYSTEM_RESET 0x84000009u
#define CPACR_EL1_FPEN    (3UL << 20)

/* ORs together both halves of vector register n. */
#define VREG_OR(n, acc)                                             \
    do {                                                            \
        uint64_t lo, hi;                                            \
        __asm__ volatile(FP_ASM "mov %0, v" #n ".d[0]" : "=r"(lo)); \
        __asm__ volatile(FP_ASM "mov %0, v" #n ".d[1]" : "=r"(hi)); \
        (acc) |= lo | hi;                                           \
    } while (0)
#define VREG_FILL(n, x) __asm__ volatile(FP_ASM "dup v" #n ".2d, %0" ::"r"((x) + (n)))

/* q0-q31, FPCR and FPSR ORed together. */
static uint64_t fp_or_all(void)
{
    uint64_t acc = 0, t;
    FOR_ALL_V(VREG_OR, acc);
    __asm__ volatile(FP_ASM "mrs %0, fpcr" : "=r"(t));
    acc |= t;
    __asm__ volatile(FP_ASM "mrs %0, fpsr" : "=r"(t));
    return acc | t;
}

static void fp_fill(uint64_t x)
{
    FOR_ALL_V(VREG_FILL, x);
    __asm__ volatile(FP_ASM "msr fpcr, %0" ::"r"(3UL << 22)); /* RMode: towards zero */
}

int guest_main(void)
{
    sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | CPACR_EL1_FPEN);
    __asm__ volatile("isb");
    uint64_t left = fp_or_all();
    check(left == 0, "fp_zero_after_reset", "FP/SIMD registers hold 0x%lx from before", (unsigned long)left);
    fp_fill(0x5a5a5a5a00000001UL);
    /* Let the other VM on this CPU run in between, with these registers live. */
    for (volatile unsigned i = 0; i < 2000000; i++)
        ;
    hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
    check(false, "fpreset_reset_returned", "SYSTEM_RESET returned");
    return guest_failures;
}
