/* Starting a secondary CPU by the spin-table enable method (arch/aarch64/spin_table.h): for
 * boards whose firmware has no PSCI, such as the Raspberry Pi 4 (docs/boards.md). */
#ifndef DRIVERS_SPIN_TABLE_H
#define DRIVERS_SPIN_TABLE_H

#include <stdint.h>

/* Releases the CPU with affinity mpidr, logical index (1 .. MAX_CPUS-1), waiting on the
 * 64-bit location release_pa (mapped, 8-byte aligned: core/platform.c checked). It enters
 * secondary_entry with index, as after PSCI CPU_ON. There is no answer: the caller waits for the
 * CPU to report in. */
void spin_table_release(uint64_t release_pa, uint64_t mpidr, unsigned index);

#endif
