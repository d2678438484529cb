/* The spin-table enable method's way in (Linux Documentation/arch/arm64/booting.rst,
 * "spin-table"; devicetree specification 3.8.1 cpu-release-addr): firmware holds a secondary
 * CPU in a WFE loop reading its cpu-release-addr until that holds an address, then jumps there
 * with no argument, MMU and caches off. head.S's spin_table_entry finds the CPU's logical index
 * by its MPIDR in spin_table_mpidr[] (slot i: CPU i's affinity | SPIN_TABLE_VALID, 0 unused;
 * drivers/spin_table.c fills it). */
#ifndef ARCH_SPIN_TABLE_H
#define ARCH_SPIN_TABLE_H

#include "arch/aarch64/regs/bits.h"

/* Above every affinity field (MPIDR bits [39:32] and [23:0]): an unused slot never matches. */
#define SPIN_TABLE_VALID REG_BIT(63)

#ifndef __ASSEMBLY__
#include <stdint.h>
#include "arch/aarch64/config.h"

extern uint64_t spin_table_mpidr[MAX_CPUS];
extern char spin_table_entry[];
#endif

#endif
