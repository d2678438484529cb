/* LPIs of the virtual GICv3 (IHI 0069H 5.1): each redistributor's GICR_CTLR.EnableLPIs,
 * GICR_PROPBASER and GICR_PENDBASER, the LPI configuration table (a priority and an enable
 * bit per LPI) and the pending table in guest memory, and the operations the vITS
 * (vdev/vits.c) performs on LPIs. An LPI is a struct virq like the others (edge, Group 1, no
 * active state of its own), delivered through the list registers by vdev/vgic.c.
 *
 * What the hypervisor caches, as a GIC is allowed to (5.1.1, 5.1.2): an LPI's configuration
 * is read from the table when its redistributor enables LPIs, when an ITS maps it, and at
 * INV / INVALL; its pending state is read from the pending table once, when EnableLPIs is
 * set, and kept here afterwards (software may not read the pending table while LPIs are
 * enabled, and EnableLPIs cannot be cleared again here: 12.11.2 leaves that IMPLEMENTATION
 * DEFINED). Every table address is checked against the VM's RAM (vm_ram_ptr); what falls
 * outside reads as "disabled, not pending" and never touches other memory. */
#include "vdev/vgic_priv.h"
#include "vdev/vgic.h"
#include "vdev/vgic_v4.h"
#include "drivers/gic_its_regs.h"
#include "arch/aarch64/cache.h"

/* The smallest PROPBASER.IDbits that covers an LPI (12.11.28: below 13 no LPI is in range). */
#define PROPBASER_MIN_IDBITS 13

/* One byte of a guest table, as memory holds it (a guest with its MMU off writes around the
 * hypervisor's caches); false if ipa is not the VM's RAM. */
static bool guest_byte(struct vm *vm, uint64_t ipa, uint8_t *out)
{
    volatile uint8_t *p = vm_ram_ptr(vm, ipa, 1);
    if (!p)
        return false;
    dc_civac((uint64_t)(uintptr_t)p);
    *out = *p;
    return true;
}

/* Reads q's configuration from the table of redistributor rd (its target). */
static void read_config(struct vgic *g, unsigned rd, uint32_t intid, struct virq *q)
{
    const struct vgic_cpu *c = &g->cpu[rd];
    uint8_t cfg = 0;
    uint64_t base = c->propbaser & GICR_PROPBASER_PA_MASK;
    if (!c->lpis_enabled || REG_GET(c->propbaser, GICR_PROPBASER_IDBITS) < PROPBASER_MIN_IDBITS ||
        !guest_byte(g->vm, base + (intid - VGIC_LPI_BASE), &cfg))
        cfg = 0;
    vgic_v4_set_config(g->vm, intid, cfg); /* the GIC's copy, for a directly injected vLPI */
    q->priority = (uint8_t)(cfg & LPI_CFG_PRIO_MASK & VGIC_PRIO_MASK);
    q->enabled = (cfg & LPI_CFG_ENABLE) != 0;
}

static void refresh(struct vgic *g, uint32_t intid)
{
    struct virq *q = vgic_irq(g, 0, intid);
    if (q->target != VGIC_NO_TARGET)
        read_config(g, q->target, intid, q);
    vgic_update(g, intid, q);
}

/* EnableLPIs 0 -> 1 on redistributor rd: LPIs already pending in its pending table (unless
 * PTZ says it is zero) become pending here, and every LPI it serves reads its configuration. */
static void enable_lpis(struct vgic *g, unsigned rd, bool ptz)
{
    struct vgic_cpu *c = &g->cpu[rd];
    c->lpis_enabled = true;
    uint64_t pend = (c->pendbaser & GICR_PENDBASER_PA_MASK) + VGIC_LPI_BASE / 8;
    const volatile uint8_t *bits = ptz ? 0 : vm_ram_ptr(g->vm, pend, VGIC_NR_LPIS / 8);
    for (uint32_t i = 0; i < VGIC_NR_LPIS; i++) {
        uint32_t intid = VGIC_LPI_BASE + i;
        struct virq *q = &g->lpi[i];
        if (bits && i % 8 == 0)
            dc_civac((uint64_t)(uintptr_t)&bits[i / 8]);
        if (bits && ((bits[i / 8] >> (i % 8)) & 1)) {
            q->pending = true;
            vgic_set_target(g, intid, rd);
        }
        if (q->target == rd)
            refresh(g, intid);
    }
}

bool vgic_lpi_rd_access(struct vgic *g, unsigned idx, uint32_t off, unsigned size, bool write, uint64_t *val)
{
    struct vgic_cpu *c = &g->cpu[idx];
    if (off == GICR_CTLR && size == 4) {
        if (!write)
            *val = c->lpis_enabled ? GICR_CTLR_ENABLE_LPIS : 0;
        else if (g->has_lpis && (*val & GICR_CTLR_ENABLE_LPIS) && !c->lpis_enabled)
            enable_lpis(g, idx, (c->pendbaser & GICR_PENDBASER_PTZ) != 0);
        return true;
    }
    uint32_t reg = off & ~7u;
    if ((reg != GICR_PROPBASER && reg != GICR_PENDBASER) || (size != 8 && size != 4) || (off & (size - 1)))
        return false;
    uint64_t *r = reg == GICR_PROPBASER ? &c->propbaser : &c->pendbaser;
    unsigned shift = (off & 4) ? 32 : 0;
    uint64_t mask = size == 8 ? ~0UL : 0xffffffffUL << shift;
    if (!write) {
        uint64_t v = reg == GICR_PENDBASER ? *r & ~GICR_PENDBASER_PTZ : *r; /* PTZ is write-only (12.11.29) */
        *val = (v & mask) >> shift;
        return true;
    }
    /* Unimplemented without LPIs; UNPREDICTABLE while LPIs are enabled (12.11.28): ignored. */
    if (!g->has_lpis || c->lpis_enabled)
        return true;
    uint64_t keep = reg == GICR_PROPBASER ? GICR_PROPBASER_IDBITS_MASK | GICR_PROPBASER_PA_MASK | GICR_BASER_ATTR_MASK
                                          : GICR_PENDBASER_PA_MASK | GICR_BASER_ATTR_MASK | GICR_PENDBASER_PTZ;
    *r = ((*r & ~mask) | ((*val << shift) & mask)) & keep;
    return true;
}

/* ---- for the vITS (vdev/vgic.h) ---- */

void vgic_lpi_attach(struct vm *vm, uint64_t its_ipa, uint64_t its_size)
{
    struct vgic *g = vgic_of(vm);
    spin_lock(&g->lock);
    g->has_lpis = true;
    g->its_ipa = its_ipa;
    g->its_size = its_size;
    spin_unlock(&g->lock);
}

bool vgic_lpi_rd_enabled(struct vm *vm, unsigned rd)
{
    struct vgic *g = vgic_of(vm);
    return rd < vm->cfg.nr_vcpus && g->cpu[rd].lpis_enabled;
}

void vgic_lpi_map(struct vm *vm, uint32_t intid, unsigned rd)
{
    struct vgic *g = vgic_of(vm);
    if (!vgic_is_lpi(intid))
        return;
    spin_lock(&g->lock);
    vgic_set_target(g, intid, rd);
    refresh(g, intid);
    spin_unlock(&g->lock);
}

void vgic_lpi_unmap(struct vm *vm, uint32_t intid)
{
    struct vgic *g = vgic_of(vm);
    if (!vgic_is_lpi(intid))
        return;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, 0, intid);
    q->pending = false;
    if (q->lr >= 0)
        q->unpend = true;
    vgic_set_target(g, intid, VGIC_NO_TARGET);
    vgic_update(g, intid, q);
    spin_unlock(&g->lock);
}

bool vgic_lpi_set_pending(struct vm *vm, uint32_t intid, bool on)
{
    struct vgic *g = vgic_of(vm);
    if (!vgic_is_lpi(intid))
        return false;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, 0, intid);
    bool ok = q->target != VGIC_NO_TARGET && g->cpu[q->target].lpis_enabled;
    if (on && ok) {
        q->pending = true;
        /* An INT or a GITS_TRANSLATER write for the vCPU that made it (make bench lpi). */
        if (vgic_fill_now(g, &vm->vcpu[q->target], intid, q)) {
            spin_unlock(&g->lock);
            return true;
        }
    } else if (!on) {
        q->pending = false;
        if (q->lr >= 0)
            q->unpend = true;
    }
    vgic_update(g, intid, q);
    spin_unlock(&g->lock);
    return ok || !on;
}

void vgic_lpi_inv(struct vm *vm, uint32_t intid)
{
    struct vgic *g = vgic_of(vm);
    if (!vgic_is_lpi(intid))
        return;
    spin_lock(&g->lock);
    refresh(g, intid);
    spin_unlock(&g->lock);
}

void vgic_lpi_movall(struct vm *vm, unsigned from, unsigned to)
{
    struct vgic *g = vgic_of(vm);
    if (from >= vm->cfg.nr_vcpus || to >= vm->cfg.nr_vcpus || from == to)
        return;
    spin_lock(&g->lock);
    for (uint32_t i = 0; i < VGIC_NR_LPIS; i++)
        if (g->lpi[i].target == from) {
            vgic_set_target(g, VGIC_LPI_BASE + i, to);
            refresh(g, VGIC_LPI_BASE + i);
        }
    spin_unlock(&g->lock);
}

bool vgic_lpi_pending(struct vm *vm, uint32_t intid)
{
    struct vgic *g = vgic_of(vm);
    if (!vgic_is_lpi(intid))
        return false;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, 0, intid);
    bool p = q->pending || vgic_lr_pending(g, q);
    spin_unlock(&g->lock);
    return p;
}
