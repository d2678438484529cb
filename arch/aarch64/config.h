/* Build-time limits of the hypervisor. */
#ifndef ARCH_CONFIG_H
#define ARCH_CONFIG_H

#define MAX_CPUS   8
#define STACK_SIZE (16 * 1024)
/* Each CPU's stack sits above an unmapped guard page (boot_stacks in head.S, unmapped by
 * core/boot.c): an overflow faults instead of writing over the stack below it. The fault is
 * reported from a separate per-CPU crash stack (vectors.S). */
#define STACK_GUARD_SIZE  4096
#define STACK_SLOT_SIZE   (STACK_GUARD_SIZE + STACK_SIZE)
#define CRASH_STACK_SHIFT 13 /* 8 KiB per CPU */
#ifndef __ASSEMBLER__
_Static_assert((MAX_CPUS & (MAX_CPUS - 1)) == 0, "vectors.S masks a CPU index with MAX_CPUS - 1");
#endif
#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12

#endif
