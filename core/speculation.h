/* Each CPU's speculation mitigations at the EL2 boundary, chosen at boot (arch/aarch64/spectre.h). */
#ifndef CORE_SPECULATION_H
#define CORE_SPECULATION_H

#include <stddef.h>

/* On the CPU itself, once the firmware conduit is known and before it runs a guest: gathers its
 * MIDR, ID registers and the firmware's answers, chooses, arms the exit path (this CPU's
 * percpu.spectre_exit) and switches on the firmware's Spectre-v4 workaround where it has one. */
void speculation_cpu_init(unsigned id);
/* One line for the banner: "Cortex-A72 r0p3: Spectre-v2 ..., BHB ..., v4 ...". */
void speculation_describe(unsigned id, char *buf, size_t size);

#endif
