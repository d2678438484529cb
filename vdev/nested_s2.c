/* Shadow stage 2 for a guest hypervisor's guest (docs/nested.md "Shadow stage 2"; Arm ARM DDI
 * 0487K.a D8.2 translation process, D8.4.2 stage 2 permissions, D24.2 ESR_EL2/HPFAR_EL2).
 *
 * While the guest hypervisor runs its EL1 guest (L2) with its own HCR_EL2.VM = 1, the CPU's
 * stage 2 is a shadow: a table per vCPU, with its own VMID, mapping L2 IPAs straight to host
 * PAs. It starts empty; each stage 2 abort of L2 walks the guest hypervisor's tables
 * (arch/aarch64/s2walk.c, reads only of the VM's RAM) and takes the L1 IPA through the VM's own
 * stage 2: RAM is mapped (a 1 GiB or 2 MiB block where its block covers one of the VM's RAM,
 * else one 4 KiB page) with the intersection of both stages' permissions; one of the VM's
 * emulated devices is left unmapped and the access emulated (core/mmio.c, mmio_abort_via);
 * anything else the VM's stage 2 maps (a passthrough device, a shared-memory window, its flash)
 * is mapped through with the more restrictive permissions and memory type of the two. Tables come
 * from a fixed pool per vCPU taken at the VM's build: when it is used up the whole shadow is
 * dropped and refilled on demand, so a guest can never make elvisor allocate. */
#include <stddef.h>
#include "vdev/nested.h"
#include "vdev/nested_s2.h"
#include "core/mmio.h"
#include "core/stage2.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "lib/string.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/s2walk.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/vncr.h"
#include "arch/aarch64/regs/vtcr.h"

/* Shadow VMIDs sit above the VMs' own (1..CONFIG_MAX_VMS): one per (VM, vCPU) slot. */
#define SHADOW_VMID_BASE 128u
_Static_assert(SHADOW_VMID_BASE > CONFIG_MAX_VMS, "shadow VMIDs overlap the VMs' own");
_Static_assert(SHADOW_VMID_BASE + CONFIG_MAX_VMS * VM_MAX_VCPUS <= 256, "8-bit VMIDs");

/* Table pages from the vCPU's pool: those a per-IPA invalidation freed first (pgtable frees a
 * table only after its TLB flush, so no walker still holds it), then bump-allocated; all of
 * them back at once by shadow_reset. Under s->lock. */
static void *pool_alloc(void *ctx)
{
    struct nested_shadow *s = ctx;
    if (s->free) {
        uint64_t *t = s->free;
        s->free = (uint64_t *)(uintptr_t)t[0];
        memset(t, 0, PT_PAGE_SIZE);
        return t;
    }
    if (s->used >= NESTED_SHADOW_PAGES)
        return NULL;
    return s->pool + (uint64_t)s->used++ * PT_PAGE_SIZE;
}

static void pool_free(void *ctx, void *table)
{
    struct nested_shadow *s = ctx;
    uint64_t *t = table;
    t[0] = (uint64_t)(uintptr_t)s->free;
    s->free = t;
}

static void shadow_tlb_flush(void *ctx, uint64_t va, uint64_t size)
{
    struct nested_shadow *s = ctx;
    stage2_tlb_flush_ipa(s->vttbr, va, size);
}

static void shadow_sync(void *ctx)
{
    (void)ctx;
    dsb_ishst();
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
    s->free = NULL;
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

/* Only the shadow's entries for [ipa, ipa + size): a leaf that covers more (a 2 MiB block) goes
 * whole, so nothing is split and nothing allocated. Larger ranges empty the whole shadow, as
 * does a range beyond its input size (nothing is mapped there: only the count moves). */
unsigned nested_s2_vmid(uint64_t vtcr, uint64_t vttbr)
{
    uint64_t vmid = vttbr >> VTTBR_EL2_VMID_SHIFT;
    return (unsigned)((vtcr & VTCR_EL2_VS) ? vmid : vmid & VTTBR_EL2_VMID8_MASK);
}

void nested_s2_zap_ipa(struct nested_shadow *s, uint64_t ipa, uint64_t size, unsigned vmid)
{
    const uint64_t blk = PT_LEVEL_SIZE(2);
    uint64_t limit = UINT64_C(1) << s->pt.va_bits;
    spin_lock(&s->lock);
    /* TLBI IPAS2E1* applies to the VMID of the VTTBR_EL2 at the time (Arm ARM D8.13.3): a shadow
     * of another VMID keeps its entries. A shadow holds one VTTBR_EL2's entries only (it is
     * emptied when that changes, nested_s2_enter), read here under its lock. */
    if (nested_s2_vmid(s->guest_vtcr, s->guest_vttbr) != vmid) {
        spin_unlock(&s->lock);
        return;
    }
    if (size > NESTED_S2_ZAP_MAX || ipa >= limit || size > limit - ipa) {
        spin_unlock(&s->lock);
        if (ipa < limit)
            nested_s2_zap(s);
        else
            __atomic_add_fetch(&s->zaps, 1, __ATOMIC_RELEASE);
        return;
    }
    uint64_t start = ipa & ~(PT_PAGE_SIZE - 1), end = (ipa + size + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);
    for (uint64_t a = start; a < end;) {
        int level = 3;
        if (pt_walk(&s->pt, a, NULL, NULL, &level) == PT_OK && level < 3) {
            uint64_t leaf = PT_LEVEL_SIZE(level), base = a & ~(leaf - 1);
            pt_unmap(&s->pt, base, leaf); /* its block (2 MiB or 1 GiB): whole, no split */
            a = base + leaf;
            continue;
        }
        uint64_t chunk = (a & ~(blk - 1)) + blk, stop = chunk < end ? chunk : end;
        pt_unmap(&s->pt, a, stop - a); /* pages only: a block there would have been found above */
        a = stop;
    }
    __atomic_store_n(&s->zaps, s->zaps + 1, __ATOMIC_RELEASE);
    spin_unlock(&s->lock);
}

/* TLBI encodings with op1 = 4, CRn = 8 (Arm ARM C5.5): CRm 0 the inner shareable ones, CRm 4
 * the local and outer shareable ones; op2 picks the operation. By IPA: IPAS2E1IS (0, 1),
 * IPAS2LE1IS (0, 5), IPAS2E1OS (4, 0), IPAS2E1 (4, 1), IPAS2LE1OS (4, 4), IPAS2LE1 (4, 5); by
 * range (FEAT_TLBIRANGE): RIPAS2E1IS (0, 2), RIPAS2LE1IS (0, 6), RIPAS2E1 (4, 2), RIPAS2E1OS
 * (4, 3), RIPAS2LE1 (4, 6), RIPAS2LE1OS (4, 7). The "last level" forms drop more here than
 * asked (the leaf whatever its level), which the architecture allows. */
bool nested_s2_tlbi_range(unsigned crm, unsigned op2, uint64_t xt, uint64_t *ipa, uint64_t *size)
{
    bool by_ipa = (crm == 0 && (op2 == 1 || op2 == 5)) || (crm == 4 && (op2 == 0 || op2 == 1 || op2 == 4 || op2 == 5));
    bool range = (crm == 0 && (op2 == 2 || op2 == 6)) || (crm == 4 && (op2 == 2 || op2 == 3 || op2 == 6 || op2 == 7));
    if (by_ipa) {
        /* Xt[35:0] = IPA[47:12]; [47:44] TTL, a hint of the level, and [63] NS are ignored. */
        *ipa = (xt & ((UINT64_C(1) << 36) - 1)) << 12;
        *size = PT_PAGE_SIZE;
        return true;
    }
    if (!range)
        return false;
    /* D8.14.5 range operands: TG [47:46], SCALE [45:44], NUM [43:39], TTL [38:37], BaseADDR
     * [36:0]; the range is (NUM + 1) << (5 * SCALE + 1) granules from BaseADDR x granule. Only
     * the 4 KiB granule (TG = 0b01) is walked (s2walk): any other TG drops everything. */
    unsigned tg = (unsigned)(xt >> 46) & 3u, scale = (unsigned)(xt >> 44) & 3u, num = (unsigned)(xt >> 39) & 31u;
    if (tg != 1) {
        *ipa = 0;
        *size = UINT64_MAX;
        return true;
    }
    *ipa = (xt & ((UINT64_C(1) << 37) - 1)) << 12;
    *size = ((uint64_t)num + 1) << (5 * scale + 1 + 12);
    return true;
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

uint8_t nested_s2_walk(struct vm *vm, const struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec,
                       struct s2walk_result *r)
{
    s2walk(s->guest_vtcr, s->guest_vttbr, l2ipa, ram_read, vm, r);
    if (!r->ok)
        return r->fsc;
    return s2walk_check(r, write, exec);
}

bool nested_s2_translate(struct vm *vm, const struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec,
                         uint64_t *l1ipa)
{
    struct s2walk_result r;
    if (nested_s2_walk(vm, s, l2ipa, write, exec, &r))
        return false;
    *l1ipa = r.out;
    return true;
}

/* Whether the L2 IPA's aligned block of size blk is inside the guest's leaf (r) and the
 * shadow's input range: the first conditions of both shadow block sizes below. */
static bool l2_block_fits(const struct s2walk_result *r, uint64_t l2ipa, uint64_t blk)
{
    return r->size >= blk && !(((l2ipa & ~(blk - 1)) + blk - 1) >> stage2_ipa_bits());
}

/* The shadow entry for l2ipa whose L1 IPA is RAM (the walk r): a 1 GiB or 2 MiB block where
 * the guest's leaf covers the L2 IPA's whole block of that size and that block's L1 IPAs are
 * all the VM's RAM at a host address aligned to it (the VM's stage 2 maps RAM contiguously, RW
 * and executable, with a block of that size there: pt_map takes the largest block alignment
 * allows; the guest's permissions are the intersection), else the 4 KiB page. */
static uint64_t fill_size(struct vm *vm, const struct s2walk_result *r, uint64_t l2ipa)
{
    for (int level = 1; level <= 2; level++) {
        const uint64_t blk = PT_LEVEL_SIZE(level);
        if (!l2_block_fits(r, l2ipa, blk))
            continue;
        uint64_t l1blk = r->out - (l2ipa & (blk - 1)); /* the leaf's output is aligned to its size */
        const uint8_t *host = vm_ram_ptr(vm, l1blk, blk);
        if (host && !((uintptr_t)host & (blk - 1)))
            return blk;
    }
    return PT_PAGE_SIZE;
}

/* A MemAttr[3:0] field pair (outer [3:2], inner [1:0]; 0b00 outer is Device, D8.5.5): the more
 * restrictive of the two stages' types, as the CPU combines two stages (Arm ARM D8.5.5,
 * "Combining the stage 1 and stage 2 attributes"): Device beats Normal, of two Device types the
 * stricter (lower), of two Normal the lesser cacheability of each half (NC 0b01 < WT 0b10 <
 * WB 0b11; a reserved 0b00 half counts as NC). */
static unsigned normal_half(unsigned h) { return h ? h : 1u; }
unsigned nested_s2_memattr(unsigned a, unsigned b)
{
    a &= 0xfu;
    b &= 0xfu;
    bool dev_a = (a & 0xcu) == 0, dev_b = (b & 0xcu) == 0;
    if (dev_a || dev_b) {
        unsigned da = dev_a ? a : 0xfu, db = dev_b ? b : 0xfu;
        return da < db ? da : db;
    }
    unsigned o = normal_half(a >> 2) < normal_half(b >> 2) ? normal_half(a >> 2) : normal_half(b >> 2);
    unsigned i = normal_half(a & 3u) < normal_half(b & 3u) ? normal_half(a & 3u) : normal_half(b & 3u);
    return o << 2 | i;
}

uint64_t nested_s2_combine(const struct s2walk_result *r, uint64_t vm_attrs)
{
    bool vm_r = vm_attrs & PT_S2_AP_RO, vm_w = vm_attrs & PT_S2_AP_WO, vm_x = !(vm_attrs & PT_S2_XN);
    unsigned memattr = nested_s2_memattr(r->memattr, (unsigned)(vm_attrs >> 2) & 0xfu);
    return PT_AF | PT_SH_INNER | PT_S2_MEMATTR(memattr) | (r->r && vm_r ? PT_S2_AP_RO : 0) |
           (r->w && vm_w ? PT_S2_AP_WO : 0) | (r->x && vm_x ? 0 : PT_S2_XN);
}

/* The shadow entry for l2ipa whose L1 IPA the VM's stage 2 maps with `leaf` outside its RAM:
 * the largest of 1 GiB and 2 MiB that both leaves cover whole (each maps its aligned block
 * contiguously), else the 4 KiB page. */
static uint64_t through_size(const struct s2walk_result *r, const struct stage2_leaf *leaf, uint64_t l2ipa)
{
    for (int level = 1; level <= 2; level++) {
        const uint64_t blk = PT_LEVEL_SIZE(level);
        if (l2_block_fits(r, l2ipa, blk) && leaf->size >= blk)
            return blk;
    }
    return PT_PAGE_SIZE;
}

/* Installs l2base -> pa (size, attrs) unless a zap came after the walk that found it (zaps):
 * its guest hypervisor changed its tables and invalidated, or elvisor unmapped part of the VM's
 * stage 2, meanwhile: the walk may have read the old tables. Nothing is installed then; the
 * access is retried and walks again. */
static int install(struct nested_shadow *s, unsigned zaps, uint64_t l2base, uint64_t pa, uint64_t size, uint64_t attrs,
                   uint8_t *fsc)
{
    if (l2base >> stage2_ipa_bits()) {
        *fsc = ESR_FSC_TRANS_L0;
        return NESTED_S2_GUEST_FAULT;
    }
    spin_lock(&s->lock);
    if (s->zaps != zaps) {
        spin_unlock(&s->lock);
        return NESTED_S2_MAPPED;
    }
    int rc = pt_map(&s->pt, l2base, pa, size, attrs, PT_REPLACE);
    if (rc == PT_E_NOMEM) {
        shadow_reset(s); /* budget used up: start again with this page */
        rc = pt_map(&s->pt, l2base, pa, size, attrs, PT_REPLACE);
    }
    spin_unlock(&s->lock);
    *fsc = ESR_FSC_TRANS_L0 + 3;
    return rc == PT_OK ? NESTED_S2_MAPPED : NESTED_S2_GUEST_FAULT;
}

/* An L1 IPA outside the VM's RAM and its emulated devices: what the VM's own stage 2 maps there
 * (a passthrough device, a shared-memory window, its flash) is mapped through; where it maps
 * nothing, or refuses the access (a write to its read-only flash or window, a fetch from
 * execute-never), the guest hypervisor gets the external abort the VM would get (core/mmio.c
 * abort_slow: a write to read-only memory is an external abort) and the shadow stays as it was,
 * so the access cannot fault again and again. */
static int map_through(struct vm *vm, struct nested_shadow *s, unsigned zaps, const struct s2walk_result *r,
                       uint64_t l2ipa, bool write, bool exec, uint8_t *fsc)
{
    struct stage2_leaf leaf;
    *fsc = ESR_FSC_SEA;
    if (!stage2_lookup(vm, r->out, &leaf)) /* nothing there, or unmapped since: walked again */
        return __atomic_load_n(&s->zaps, __ATOMIC_ACQUIRE) == zaps ? NESTED_S2_GUEST_FAULT : NESTED_S2_MAPPED;
    if (!(leaf.attrs & PT_S2_AP_RO) || (write && !(leaf.attrs & PT_S2_AP_WO)) || (exec && (leaf.attrs & PT_S2_XN)))
        return NESTED_S2_GUEST_FAULT;
    uint64_t size = through_size(r, &leaf, l2ipa);
    uint64_t pa = (leaf.pa & ~(PT_PAGE_SIZE - 1)) - ((r->out & ~(PT_PAGE_SIZE - 1)) & (size - 1));
    return install(s, zaps, l2ipa & ~(size - 1), pa, size, nested_s2_combine(r, leaf.attrs), fsc);
}

int nested_s2_fault(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec, uint8_t *fsc,
                    uint64_t *l1ipa)
{
    struct s2walk_result r;
    unsigned zaps = __atomic_load_n(&s->zaps, __ATOMIC_ACQUIRE);
    uint8_t f = nested_s2_walk(vm, s, l2ipa, write, exec, &r);
    if (f) {
        *fsc = f;
        return NESTED_S2_GUEST_FAULT;
    }
    void *host = vm_ram_ptr(vm, r.out & ~(PT_PAGE_SIZE - 1), PT_PAGE_SIZE);
    if (!host) {
        /* One of the VM's emulated devices is emulated for a data access, as the VM's own
         * access there would be (never mapped: each access comes back here). */
        if (exec || !mmio_is_device(vm, r.out))
            return map_through(vm, s, zaps, &r, l2ipa, write, exec, fsc);
        *fsc = ESR_FSC_SEA;
        *l1ipa = r.out;
        /* A walk that began before a zap may have read tables its hypervisor had already
         * changed and invalidated: walked again, as for a fill. */
        return __atomic_load_n(&s->zaps, __ATOMIC_ACQUIRE) == zaps ? NESTED_S2_MMIO : NESTED_S2_MAPPED;
    }
    /* VM RAM is RW and executable, Normal write-back, in the VM's own stage 2: combined. */
    uint64_t size = fill_size(vm, &r, l2ipa);
    uint64_t pa = size == PT_PAGE_SIZE ? (uint64_t)(uintptr_t)host
                                       : (uint64_t)(uintptr_t)vm_ram_ptr(vm, r.out - (l2ipa & (size - 1)), size);
    return install(s, zaps, l2ipa & ~(size - 1), pa, size, nested_s2_combine(&r, PT_S2_RAM), fsc);
}

bool nested_s2_fill_read(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, uint64_t *val, uint8_t *fsc)
{
    uint64_t l1ipa;
    uint8_t f = 0;
    int rc = nested_s2_fault(vm, s, l2ipa, false, false, &f, &l1ipa);
    *fsc = rc == NESTED_S2_GUEST_FAULT ? f : 0;
    if (rc != NESTED_S2_MAPPED || !nested_s2_translate(vm, s, l2ipa, false, false, &l1ipa))
        return false;
    const uint64_t *p = vm_ram_ptr(vm, l1ipa & ~UINT64_C(7), 8);
    if (!p)
        return false;
    *val = __atomic_load_n(p, __ATOMIC_RELAXED);
    return true;
}
