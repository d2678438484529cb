/* Shadow stage 2 for a guest hypervisor's guest (docs/nested.md "Shadow stage 2"; Arm ARM DDI
 * 0487K.a D8.2 translation process, D8.4.2 stage 2 permissions, D24.2 ESR_EL2/HPFAR_EL2).
 *
 * While the guest hypervisor runs its EL1 guest (L2) with its own HCR_EL2.VM = 1, the CPU's
 * stage 2 is a shadow: a table per vCPU, with its own VMID, mapping L2 IPA pages straight to
 * host PAs. It starts empty; each stage 2 abort of L2 walks the guest hypervisor's tables
 * (arch/aarch64/s2walk.c, reads only of the VM's RAM), takes the L1 IPA through the VM's own
 * stage 2 (RAM only) and maps one 4 KiB page with the intersection of both stages' permissions.
 * Tables come from a fixed pool per vCPU taken at the VM's build: when it is used up the whole
 * shadow is dropped and refilled on demand, so a guest can never make elvisor allocate. */
#include <stddef.h>
#include "vdev/nested.h"
#include "vdev/nested_s2.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "lib/string.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/s2walk.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/vncr.h"

/* Shadow VMIDs sit above the VMs' own (1..CONFIG_MAX_VMS): one per (VM, vCPU) slot. */
#define SHADOW_VMID_BASE 128u
_Static_assert(SHADOW_VMID_BASE > CONFIG_MAX_VMS, "shadow VMIDs overlap the VMs' own");
_Static_assert(SHADOW_VMID_BASE + CONFIG_MAX_VMS * VM_MAX_VCPUS <= 256, "8-bit VMIDs");

/* Table pages from the vCPU's pool, bump-allocated; freed only all at once (shadow_reset). */
static void *pool_alloc(void *ctx)
{
    struct nested_shadow *s = ctx;
    if (s->used >= NESTED_SHADOW_PAGES)
        return NULL;
    return s->pool + (uint64_t)s->used++ * PT_PAGE_SIZE;
}

static void pool_free(void *ctx, void *table) { (void)ctx, (void)table; }

static void shadow_tlb_flush(void *ctx, uint64_t va, uint64_t size)
{
    struct nested_shadow *s = ctx;
    stage2_tlb_flush_ipa(s->vttbr, va, size);
}

static void shadow_sync(void *ctx)
{
    (void)ctx;
    __asm__ volatile("dsb ishst" ::: "memory");
}

static const struct pt_ops shadow_ops = {
    .alloc_table = pool_alloc, .free_table = pool_free, .tlb_flush = shadow_tlb_flush, .sync = shadow_sync
};

/* Empty shadow: pool cleared, a new root, the shadow VMID's TLB entries gone on every CPU. */
static void shadow_reset(struct nested_shadow *s)
{
    if (s->vttbr)
        stage2_tlb_flush_vmid(s->vttbr);
    memset(s->pool, 0, NESTED_SHADOW_PAGES * PT_PAGE_SIZE);
    s->used = 0;
    s->resets++;
    /* The root is the pool's first page: pt_init cannot fail on an empty pool. */
    pt_init(&s->pt, stage2_ipa_bits(), &shadow_ops, s);
    s->vttbr = stage2_vttbr((uint64_t)(uintptr_t)s->pt.root, s->vmid);
}

void nested_s2_attach(struct vm *vm, struct nested_shadow *s, uint8_t *pool, unsigned vcpu)
{
    s->lock = (spinlock_t)SPINLOCK_INIT;
    s->pool = pool;
    s->vmid = SHADOW_VMID_BASE + (vm->id - 1) * VM_MAX_VCPUS + vcpu;
    /* Its VMID may hold entries of an earlier VM in this slot: flushed by the reset. */
    s->vttbr = stage2_vttbr((uint64_t)(uintptr_t)pool, s->vmid);
    s->resets = 0;
    s->gen = 0;
    s->guest_vttbr = s->guest_vtcr = 0;
    shadow_reset(s);
}

uint64_t nested_s2_enter(struct nested_shadow *s, uint64_t vtcr, uint64_t vttbr, unsigned gen)
{
    if (vtcr != s->guest_vtcr || vttbr != s->guest_vttbr || gen != s->gen) {
        spin_lock(&s->lock);
        shadow_reset(s);
        s->guest_vtcr = vtcr;
        s->guest_vttbr = vttbr;
        s->gen = gen;
        spin_unlock(&s->lock);
    }
    return s->vttbr;
}

/* The tables below the root stay counted in the pool until the owner's next reset (at its
 * next ERET to L2, since the VM's invalidation count moved, or when the pool runs out): a
 * zap costs one page cleared and one VMID invalidation, never a refill of the whole pool.
 * The root is always the pool's first page and the VMID fixed, so s->vttbr needs no lock. */
void nested_s2_zap(struct nested_shadow *s)
{
    spin_lock(&s->lock);
    memset(s->pt.root, 0, PT_PAGE_SIZE);
    __atomic_store_n(&s->zaps, s->zaps + 1, __ATOMIC_RELEASE);
    spin_unlock(&s->lock);
    stage2_tlb_flush_vmid(s->vttbr); /* DSB ISHST first: the cleared root is seen by every walker */
}

/* The walker's reads: 8 bytes of the VM's RAM, nothing else. */
static bool ram_read(void *ctx, uint64_t addr, uint64_t *desc)
{
    const uint64_t *p = vm_ram_ptr(ctx, addr, 8);
    if (!p)
        return false;
    *desc = __atomic_load_n(p, __ATOMIC_RELAXED);
    return true;
}

int nested_s2_fault(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec, uint8_t *fsc)
{
    struct s2walk_result r;
    unsigned zaps = __atomic_load_n(&s->zaps, __ATOMIC_ACQUIRE);
    s2walk(s->guest_vtcr, s->guest_vttbr, l2ipa, ram_read, vm, &r);
    if (!r.ok) {
        *fsc = r.fsc;
        return NESTED_S2_GUEST_FAULT;
    }
    uint8_t perm = s2walk_check(&r, write, exec);
    if (perm) {
        *fsc = perm;
        return NESTED_S2_GUEST_FAULT;
    }
    /* The L1 IPA: RAM of the VM only (a device of the VM is refused, docs/nested.md). */
    uint64_t l1page = r.out & ~(PT_PAGE_SIZE - 1);
    void *host = vm_ram_ptr(vm, l1page, PT_PAGE_SIZE);
    if (!host) {
        *fsc = ESR_FSC_SEA;
        return NESTED_S2_GUEST_FAULT;
    }
    /* VM RAM is RW and executable in the VM's own stage 2: the guest's S2AP/XN decide; its
     * device memory types are kept (the stronger type), Normal otherwise. */
    uint64_t attrs = PT_AF | PT_SH_INNER;
    attrs |= (r.memattr & 0xcu) == 0 ? PT_S2_MEMATTR(r.memattr) : PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB);
    attrs |= (r.r ? PT_S2_AP_RO : 0) | (r.w ? PT_S2_AP_WO : 0) | (r.x ? 0 : PT_S2_XN);
    uint64_t l2page = l2ipa & ~(PT_PAGE_SIZE - 1);
    if (l2page >> stage2_ipa_bits()) {
        *fsc = ESR_FSC_TRANS_L0;
        return NESTED_S2_GUEST_FAULT;
    }
    spin_lock(&s->lock);
    if (s->zaps != zaps) {
        /* Its guest hypervisor changed its tables and invalidated meanwhile: the walk may have
         * read the old ones. Nothing is installed; the access is retried and walks again. */
        spin_unlock(&s->lock);
        return NESTED_S2_MAPPED;
    }
    int rc = pt_map(&s->pt, l2page, (uint64_t)(uintptr_t)host, PT_PAGE_SIZE, attrs, PT_REPLACE);
    if (rc == PT_E_NOMEM) {
        shadow_reset(s); /* budget used up: start again with this page */
        rc = pt_map(&s->pt, l2page, (uint64_t)(uintptr_t)host, PT_PAGE_SIZE, attrs, PT_REPLACE);
    }
    spin_unlock(&s->lock);
    *fsc = ESR_FSC_TRANS_L0 + 3;
    return rc == PT_OK ? NESTED_S2_MAPPED : NESTED_S2_GUEST_FAULT;
}
