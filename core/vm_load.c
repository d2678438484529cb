/* Guest RAM written by the hypervisor, made visible to a guest that starts with its MMU off.
 * The hypervisor writes through its cacheable mapping; a guest with stage 1 off reads
 * Non-cacheable (Arm ARM D8.2.11), straight from memory, so every line written is cleaned to
 * the point of coherency, and the instruction caches are invalidated before the guest runs
 * (B2.4.4: instruction fetches need not see data writes without it). QEMU keeps no caches, so
 * only the unit test (tests/unit/test_vm_load.c) sees this work. */
#include "core/vm_load.h"
#include "core/vm.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/mte.h"
#include "arch/aarch64/regs/ctr.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "lib/string.h"

static char *ram_at(struct vm *vm, uint64_t off) { return (char *)(uintptr_t)(vm->ram_pa + off); }

void vm_load_clean(struct vm *vm, uint64_t off, uint64_t len)
{
    vm_load_clean_pa((uint64_t)(uintptr_t)ram_at(vm, off), len);
}

void vm_load_clean_pa(uint64_t start, uint64_t len)
{
    if (!len)
        return;
    uint64_t line = CTR_EL0_DLINE(sysreg_read(ctr_el0));
    uint64_t end = start + len;
    for (uint64_t a = start & ~(line - 1); a < end; a += line)
        dc_cvac(a);
    dsb_ish(); /* the cleans complete before anything the guest may do */
}

void vm_load_copy(struct vm *vm, uint64_t off, const void *src, uint64_t len)
{
    memcpy(ram_at(vm, off), src, len);
    vm_load_clean(vm, off, len);
}

/* Where the machine has tag storage, the Allocation Tags too (DC GZVA): a VM never sees the
 * tags an earlier life of its RAM left, whether it may read them (MTE) or only be checked
 * against them. */
void vm_load_zero(struct vm *vm, uint64_t off, uint64_t len)
{
    if (mte_tag_memory())
        mte_zero_tagged((uint64_t)(uintptr_t)ram_at(vm, off), len);
    else
        memset(ram_at(vm, off), 0, len);
    vm_load_clean(vm, off, len);
}

void vm_load_zero_pa(uint64_t start, uint64_t len)
{
    if (mte_tag_memory())
        mte_zero_tagged(start, len);
    else
        memset((void *)(uintptr_t)start, 0, len);
    vm_load_clean_pa(start, len);
}

void vm_load_publish(struct vm *vm)
{
    dsb_ish();
    ic_ialluis();
    dsb_ish();
    isb();
    stage2_tlb_flush_vmid(vm->vttbr);
}
