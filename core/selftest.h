/* The machine owner's self-tests of the hypervisor's hardening, each asked for by a bootarg
 * (docs/debugging.md): the stack's guard page, W^X of the hypervisor's text, BTI, PAC, the AT
 * walk's external abort and a crash on CPU0 while the VMs run. An optional part
 * (CONFIG_SELFTEST, docs/build.md); elvisor.crash_test, the crash report itself, is core/boot.c's. */
#ifndef CORE_SELFTEST_H
#define CORE_SELFTEST_H

#if CONFIG_SELFTEST
/* At boot, after the banner: the tests that end in the crash report or print their result. */
void selftest_boot(void);
/* On the boot CPU once the VMs started: elvisor.late_crash_test. */
void selftest_late(void);
#else
/* Left out of this build (CONFIG_SELFTEST=n): the bootargs ask for nothing. */
static inline void selftest_boot(void) {}
static inline void selftest_late(void) {}
#endif

#endif
