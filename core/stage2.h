/* A VM's stage 2 address space: its RAM, passthrough devices, the GIC virtual CPU interface. */
#ifndef CORE_STAGE2_H
#define CORE_STAGE2_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

int stage2_create(struct vm *vm);
void stage2_destroy(struct vm *vm);
/* Device-nGnRE, XN. At run time the caller serialises changes of one VM's tables. */
int stage2_map_device(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size);
/* The same over whatever the range maps now (break-before-make; vm->s2_watch told first). */
int stage2_remap_device(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size);
/* Memory shared between VMs (docs/shmem.md): Normal Write-Back like RAM, execute-never, and
 * read-only for a VM that may only read it (a write is a stage 2 Permission fault). */
int stage2_map_shared(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, bool read_only);
/* Unmaps; the CPU's and the SMMU's cached translations are invalidated, and vm->s2_watch is
 * told first (under the tables' lock, so no stage2_lookup runs meanwhile). */
int stage2_unmap(struct vm *vm, uint64_t ipa, uint64_t size);

/* Where one IPA of a VM's stage 2 goes: the host PA of its page's base, the leaf's attributes
 * (PT_ATTR_MASK bits: MemAttr, S2AP, XN) and the leaf's size (4 KiB, 2 MiB or 1 GiB; the leaf
 * maps the IPA's aligned block of that size contiguously). */
struct stage2_leaf {
    uint64_t pa;
    uint64_t attrs;
    uint64_t size;
};
/* The VM's stage 2 for ipa, from any CPU: true and its leaf, or false where the VM has nothing
 * mapped (RAM outside it, emulated devices, nothing). */
bool stage2_lookup(struct vm *vm, uint64_t ipa, struct stage2_leaf *leaf);

/* Something built over a VM's stage 2 (a guest hypervisor's shadow stage 2) that must forget
 * an IPA range before the VM's tables lose it: `unmapping` runs on the unmapping CPU, under the
 * tables' lock, before the range is unmapped; when it returns no other CPU may translate
 * through what it had derived from that range. Set in vm->s2_watch by the part that needs it. */
struct stage2_watch {
    void (*unmapping)(struct vm *vm, uint64_t ipa, uint64_t size);
};

#endif
