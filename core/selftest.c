/* The machine owner's self-tests of the hardening (core/selftest.h), each asked for by a
 * bootarg; guests cannot set host bootargs. Each ends in the crash report (the hardening
 * stopped it) or prints what went wrong. tests/system/test_boot.py, test_at_walk.py and
 * test_boards.py run them. */
#include <stdbool.h>
#include <stdint.h>
#include "arch/aarch64/guest_at.h"
#include "arch/aarch64/sections.h"
#include "arch/aarch64/sysreg.h"
#include "core/platform.h"
#include "core/selftest.h"
#include "drivers/timer.h"
#include "lib/log.h"

/* Keeps the compiler from inlining, cloning or seeing through a test function: each must be a
 * real call with its own frame record and landing pad. */
#if defined(__clang__)
#define SELFTEST_OPAQUE __attribute__((noinline, optnone))
#else
#define SELFTEST_OPAQUE __attribute__((noipa))
#endif

/* Page 0 is RAM on some boards (the Raspberry Pi 4's starts at 0): 128 TiB is mapped nowhere. */
static volatile uintptr_t late_crash_test_addr = UINT64_C(1) << 47;

/* Recurses until the stack runs into its guard page (bootargs "elvisor.stack_test"); the
 * bound is far beyond any stack, only there to keep the recursion finite for the compiler. */
static unsigned SELFTEST_OPAQUE overflow_stack(volatile char *caller, unsigned depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    if (depth > (1u << 20))
        return caller[0];
    return overflow_stack(frame, depth + 1) + frame[0];
}

/* Branch protection tests (bootargs "elvisor.bti_test", "elvisor.pac_test"): an indirect call
 * past a function's landing pad, and a return through a saved return address replaced by one
 * that was never signed. Both must end in the crash report on a CPU with BTI and PAuth. */
static void SELFTEST_OPAQUE bti_target(void) { printk("elvisor: BTI did not stop the call\n"); }

static void SELFTEST_OPAQUE forge_return_address(void)
{
    volatile uint64_t *frame = __builtin_frame_address(0); /* AAPCS64 frame record: fp, then lr */
    frame[1] = (uint64_t)(uintptr_t)bti_target;
}

static void SELFTEST_OPAQUE branch_protection_tests(void)
{
    if (platform_has_bootarg("elvisor.bti_test")) {
        printk("elvisor: BTI test requested by bootargs\n");
        void (*volatile past_pad)(void) = (void (*)(void))((uintptr_t)bti_target + 4);
        past_pad();
    }
    if (platform_has_bootarg("elvisor.pac_test")) {
        printk("elvisor: PAC test requested by bootargs\n");
        forge_return_address();
        printk("elvisor: PAC did not stop the return\n");
    }
}

/* "elvisor.at_walk_test": the hypervisor's walk of EL1 tables (guest_va_to_ipa, as for a
 * guest's ISV=0 access) takes a synchronous external abort: EL1's stage 1 is pointed at a table
 * in the physical address space just past the last RAM region, where nothing answers (QEMU
 * raises the abort as an exception at EL2, not in PAR_EL1). The walk must fail and boot go on. */
static void at_walk_test(void)
{
    const struct mem_range *last = &platform.mem[platform.mem_count - 1];
    uint64_t sctlr = sysreg_read(sctlr_el1), tcr = sysreg_read(tcr_el1), ttbr = sysreg_read(ttbr0_el1);
    printk("elvisor: AT walk test requested by bootargs: EL1 tables at 0x%lx\n",
           (unsigned long)(last->base + last->size));
    sysreg_write(ttbr0_el1, last->base + last->size);
    sysreg_write(tcr_el1, 25 | (UINT64_C(1) << 23)); /* T0SZ 25: walks from level 1; EPD1 */
    sysreg_write(sctlr_el1, sctlr | 1);              /* M: EL1's stage 1 on (EL1 runs nothing) */
    isb();
    uint64_t ipa = 0;
    int r = guest_va_to_ipa(0x1000, false, false, &ipa);
    sysreg_write(sctlr_el1, sctlr);
    sysreg_write(tcr_el1, tcr);
    sysreg_write(ttbr0_el1, ttbr);
    isb();
    printk("elvisor: AT walk test: %s\n", r < 0 ? "the walk failed, as it must" : "translated (wrong)");
}

void __attribute__((noinline)) selftest_boot(void)
{
    if (platform_has_bootarg("elvisor.at_walk_test"))
        at_walk_test();
    branch_protection_tests();
    if (platform_has_bootarg("elvisor.stack_test")) {
        printk("elvisor: stack overflow test requested by bootargs\n");
        overflow_stack(0, 0);
    }
    if (platform_has_bootarg("elvisor.wx_test")) {
        printk("elvisor: W^X test requested by bootargs: writing to the hypervisor's text\n");
        *(volatile uint32_t *)(uintptr_t)__text_start = 0;
    }
}

/* elvisor.late_crash_test: the hypervisor crashes on CPU0 two seconds after the VMs started on
 * the others, which must stop with it (tests/system/test_boards.py: on a board without PSCI,
 * power off parks every CPU). */
void __attribute__((noinline)) selftest_late(void)
{
    if (!platform_has_bootarg("elvisor.late_crash_test"))
        return;
    uint64_t until = timer_now() + 2 * sysreg_read(cntfrq_el0);
    while (timer_now() < until)
        cpu_relax();
    printk("elvisor: late crash test requested by bootargs\n");
    *(volatile uint64_t *)late_crash_test_addr = 0xdead;
}
