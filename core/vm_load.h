/* Writing a VM's RAM from the hypervisor (images, device tree, zeroing at reset) so that the
 * guest sees what was written on real hardware too, where it starts with its MMU and caches
 * off (issue 13 item 14). */
#ifndef CORE_VM_LOAD_H
#define CORE_VM_LOAD_H

#include <stdint.h>

struct vm;

/* Copies len bytes to RAM offset off (the caller has checked the range) and cleans them to
 * the point of coherency. */
void vm_load_copy(struct vm *vm, uint64_t off, const void *src, uint64_t len);
/* Zeroes len bytes at RAM offset off and cleans them to the point of coherency. */
void vm_load_zero(struct vm *vm, uint64_t off, uint64_t len);
/* Cleans what the hypervisor wrote in place (the device tree) to the point of coherency. */
void vm_load_clean(struct vm *vm, uint64_t off, uint64_t len);
/* The same for len bytes of other memory a guest reads (its flash), by hypervisor address. */
void vm_load_clean_pa(uint64_t start, uint64_t len);
/* Zeroes (with its tags, where RAM has them) and cleans len bytes of other memory guests map
 * (a shared region, docs/shmem.md), by hypervisor address. */
void vm_load_zero_pa(uint64_t start, uint64_t len);
/* Before the VM (re)starts: no instruction cache holds old code, and no TLB holds a
 * translation of its VMID from before (a previous run or whatever ran before boot). */
void vm_load_publish(struct vm *vm);

#endif
