#ifndef CORE_VM_DTB_H
#define CORE_VM_DTB_H

#include <stdint.h>
#include <stddef.h>

struct vm;

/* Writes the VM's own device tree into buf: memory, cpus (PSCI), psci (hvc), the virtual GIC,
 * the timer, its emulated devices and /chosen. Returns its size or -1 if it does not fit. */
int vm_dtb_build(struct vm *vm, void *buf, size_t cap, uint64_t initrd_ipa, uint64_t initrd_size);

#endif
