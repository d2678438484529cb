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
/* Memory shared between VMs (docs/shmem.md): Normal Write-Back like RAM, execute-never, and
 * read-only for a VM that may only read it (a write is a stage 2 Permission fault). */
int stage2_map_shared(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, bool read_only);
/* Unmaps; the CPU's and the SMMU's cached translations are invalidated. */
int stage2_unmap(struct vm *vm, uint64_t ipa, uint64_t size);

#endif
