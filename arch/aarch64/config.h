/* Build-time limits of the hypervisor. */
#ifndef ARCH_CONFIG_H
#define ARCH_CONFIG_H

#define MAX_CPUS   8
#define STACK_SIZE (16 * 1024)
#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12

#endif
