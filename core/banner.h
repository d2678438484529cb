/* The boot banner, printed once the boot CPU's GIC, SMMU and PCI are up (core/boot.c). */
#ifndef CORE_BANNER_H
#define CORE_BANNER_H

#include "lib/log.h"

#define ELVISOR_VERSION "0.1"

#if CONFIG_BANNER
/* The version, then a line each: exception level, CPUs, memory, GIC, host ITS or GICv2m, UART,
 * SMMU and PCI, timer, PSCI, the boot CPU's speculation mitigations, branch protection, the
 * image's layout (core/banner.c). */
void banner_print(void);
#else
/* Left out of this build (CONFIG_BANNER=n, docs/build.md): the version line alone. */
static inline void banner_print(void)
{
    printk("\nelvisor %s: type-1 hypervisor for AArch64 (CONFIG_BANNER=n: no boot summary)\n", ELVISOR_VERSION);
}
#endif

#endif
