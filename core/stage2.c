#include "core/stage2.h"
#include "core/vm.h"
#include "core/console.h"
#include "core/page_alloc.h"
#include "core/pci_assign.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"

static void *s2_alloc(void *ctx) { return page_alloc(1, 4096); }
static void s2_free(void *ctx, void *t) { page_free(t, 1); }
/* The SMMU walks these same tables for the VM's devices: it forgets them too. An unmap only
 * makes entries invalid, so the SMMU forgets the whole VM once at its end (TLBI_S12_VMALL +
 * CMD_SYNC: two commands instead of two per entry, 512 for a 1 MiB BAR of 4 KiB pages) before
 * the guest runs again. Anything else (a live entry replaced, break-before-make) is forgotten at
 * once: the SMMU must never hold the old and the new translation together. */
static void s2_flush(void *ctx, uint64_t ipa, uint64_t size)
{
    struct vm *vm = ctx;
    stage2_tlb_flush_ipa(vm->vttbr, ipa, size);
    if (vm->s2_unmapping)
        vm->s2_smmu_stale = true;
    else
        pci_assign_s2_changed(vm);
}
static void s2_sync(void *ctx) { dsb_ishst(); }

static const struct pt_ops s2_ops = {
    .alloc_table = s2_alloc,
    .free_table = s2_free,
    .tlb_flush = s2_flush,
    .sync = s2_sync,
};

/* A map may free tables again (its rollback on PT_E_NOMEM): under the lock stage2_lookup takes.
 * A replacing map takes away what was there, so the watch forgets it first, as for an unmap. */
static int map_locked(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, uint64_t attrs, unsigned flags)
{
    spin_lock(&vm->s2_lock);
    if ((flags & PT_REPLACE) && vm->s2_watch)
        vm->s2_watch->unmapping(vm, ipa, size);
    int err = pt_map(&vm->s2, ipa, pa, size, attrs, flags);
    spin_unlock(&vm->s2_lock);
    return err;
}

int stage2_map_device(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size)
{
    return map_locked(vm, ipa, pa, size, PT_S2_DEVICE, 0);
}

int stage2_remap_device(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size)
{
    return map_locked(vm, ipa, pa, size, PT_S2_DEVICE, PT_REPLACE);
}

int stage2_map_shared(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, bool read_only)
{
    /* S2AP RO (Arm ARM D8.4.5) for a read-only peer; XN: nobody runs code from a mailbox. */
    return map_locked(vm, ipa, pa, size, (read_only ? PT_S2_RAM_RO : PT_S2_RAM) | PT_S2_XN, 0);
}

bool stage2_lookup(struct vm *vm, uint64_t ipa, struct stage2_leaf *leaf)
{
    uint64_t pa = 0, attrs = 0;
    int level = 3;
    spin_lock(&vm->s2_lock);
    int rc = pt_walk(&vm->s2, ipa & ~(PT_PAGE_SIZE - 1), &pa, &attrs, &level);
    spin_unlock(&vm->s2_lock);
    if (rc != PT_OK)
        return false;
    leaf->pa = pa;
    leaf->attrs = attrs;
    leaf->size = PT_LEVEL_SIZE(level);
    return true;
}

int stage2_unmap(struct vm *vm, uint64_t ipa, uint64_t size)
{
    spin_lock(&vm->s2_lock);
    if (vm->s2_watch)
        vm->s2_watch->unmapping(vm, ipa, size);
    vm->s2_unmapping = true;
    int err = pt_unmap(&vm->s2, ipa, size);
    vm->s2_unmapping = false;
    spin_unlock(&vm->s2_lock);
    if (vm->s2_smmu_stale) {
        vm->s2_smmu_stale = false;
        pci_assign_s2_changed(vm);
    }
    return err;
}

int stage2_create(struct vm *vm)
{
    const struct vm_config *c = &vm->cfg;
    if (pt_init(&vm->s2, stage2_ipa_bits(), &s2_ops, vm) < 0) {
        printk("elvisor: VM '%s' refused: out of memory for stage 2 tables\n", c->name);
        return -1;
    }
    vm->vttbr = stage2_vttbr((uint64_t)(uintptr_t)vm->s2.root, vm->id);
    int err = pt_map(&vm->s2, c->ram_ipa, vm->ram_pa, c->ram_size, PT_S2_RAM, 0);
    /* The firmware's flash: Normal memory it executes from, read-only (Arm ARM D8.4.5,
     * S2AP = 0b01); a write is a stage 2 Permission fault (core/mmio.c). */
    if (err == 0 && vm->flash_pa)
        err = pt_map(&vm->s2, c->flash_ipa, vm->flash_pa, c->flash_size, PT_S2_RAM_RO, 0);
    for (unsigned i = 0; err == 0 && i < c->nr_passthru; i++)
        err = stage2_map_device(vm, c->passthru[i].ipa, c->passthru[i].pa, c->passthru[i].size);
    if (err < 0) {
        printk("elvisor: VM '%s' refused: stage 2 mapping failed (%d)\n", c->name, err);
        return -1;
    }
    return 0;
}

void stage2_destroy(struct vm *vm)
{
    if (vm->s2.root) {
        stage2_tlb_flush_vmid(vm->vttbr);
        pt_destroy(&vm->s2);
    }
}
