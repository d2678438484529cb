/* This CPU's logical index, for the layers below core that keep per-CPU state in arrays of
 * MAX_CPUS (drivers/timer.c, drivers/gicv3.c). TPIDR_EL2 holds the address of the per-CPU
 * block that core/percpu.h lays out; the arch contract is only its head: the guest register
 * file pointer at offset 0 (vectors.S), the logical index (0 = boot CPU) at
 * CPU_LOCAL_ID_OFFSET and the exit path's two words below, which core/percpu.h checks at build
 * time. One load, as this_cpu()->id. */
#ifndef ARCH_CPU_LOCAL_H
#define ARCH_CPU_LOCAL_H

#define CPU_LOCAL_REGS_OFFSET 0
#define CPU_LOCAL_ID_OFFSET   8 /* also read by vectors.S (fatal_frame) */
/* What the exit path does against Spectre-v2/BHB on this CPU (arch/aarch64/spectre.h,
 * SPECTRE_EXIT_*), a 32-bit word read by vectors.S (guest_exit_common). */
#define CPU_LOCAL_SPECTRE_OFFSET 12
/* The run loop's attention word (core/percpu.h), a 32-bit word the exit path reads after each
 * synchronous exit's handler (vectors.S, traps.h). */
#define CPU_LOCAL_ATTN_OFFSET 16

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "arch/aarch64/sysreg.h"

static inline unsigned cpu_index(void)
{
    return *(const unsigned *)(uintptr_t)(sysreg_read(tpidr_el2) + CPU_LOCAL_ID_OFFSET);
}

#endif /* __ASSEMBLER__ */

#endif
