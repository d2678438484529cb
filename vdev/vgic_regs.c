/* The register semantics GICv2 and GICv3 share: the distributor / redistributor arrays from
 * IGROUPR to ICFGR (IHI 0048B 4.3, IHI 0069H 12.9 and 12.11), read and written against the
 * interrupt state vdev/vgic.c keeps. The back ends decode their own register maps and call in
 * here for these arrays, with g->lock held. */
#include "vdev/vgic_priv.h"
#include "drivers/gic.h"

void vgic_refresh_all(struct vgic *g)
{
    for (unsigned c = 0; c < g->vm->cfg.nr_vcpus; c++)
        for (uint32_t i = 0; i < VGIC_NR_PRIVATE; i++)
            vgic_update(g, i, vgic_irq(g, c, i));
    for (uint32_t i = VGIC_NR_PRIVATE; i < g->nr_irqs; i++)
        vgic_update(g, i, vgic_irq(g, 0, i));
}

static void set_enable(struct vgic *g, struct virq *q, bool on)
{
    q->enabled = on;
    if (q->passthru) {
        if (on)
            gic_irq_enable(q->hw_intid);
        else
            gic_irq_disable(q->hw_intid);
    }
}

static void set_pending(struct vgic *g, uint32_t intid, struct virq *q, unsigned owner, bool on)
{
    if (q->passthru) {
        /* The VM's own device line: the physical GIC keeps the state. */
        gic_irq_set_pending(q->hw_intid, on);
        if (on)
            return;
        /* An instance latched here was taken by the hypervisor and is still active in the
         * physical GIC, and no list register will deactivate it: end it there as well, or
         * the line stays active and never fires again (a level line still asserted simply
         * fires again). An SPI's active state is global: any CPU may clear it. The latch is
         * never in a list register: one the guest emptied may still name the interrupt. */
        if (q->pending && !vgic_lr_holds(g, q) && !q->active)
            gic_irq_set_active(q->hw_intid, false);
    } else if (q->hw && !on && !vgic_lr_holds(g, q)) {
        /* A latched HW private interrupt (the virtual timer) is a level line whose physical
         * copy is active on its own CPU: it stays pending while asserted, and vtimer_sync
         * withdraws it there once the timer condition is gone. Likewise when the list register
         * naming it was emptied by the guest: the new instance is the latch, not the LR's. */
        return;
    }
    if (vgic_is_v2_sgi(g, intid))
        return; /* GICv2: SGI pending state goes through GICD_SPENDSGIR/CPENDSGIR */
    q->pending = on;
    if (!on && q->lr >= 0)
        q->unpend = true;
    (void)owner;
}

static uint32_t field(struct vgic *g, uint32_t intid, struct virq *q, uint32_t base, unsigned owner)
{
    switch (base) {
    case 0x080:
        return q->group1;
    case 0x100:
    case 0x180:
        return q->enabled;
    case 0x200:
    case 0x280:
        return vgic_new_pending(g, intid, q) || vgic_lr_pending(g, q);
    case 0x300:
    case 0x380:
        return q->active;
    case 0x400:
        return q->priority;
    case 0x800:
        if (intid < VGIC_NR_PRIVATE)
            return 1u << owner;
        return q->targets;
    case 0xc00:
        return intid < 16 ? 2 : (q->edge ? 2 : 0);
    default:
        return 0;
    }
}

static void set_field(struct vgic *g, uint32_t intid, struct virq *q, uint32_t base, unsigned owner, uint32_t f)
{
    switch (base) {
    case 0x080:
        q->group1 = f & 1;
        break;
    case 0x100:
        if (f & 1)
            set_enable(g, q, true);
        break;
    case 0x180:
        if ((f & 1) && !(vgic_is_v2_sgi(g, intid)))
            set_enable(g, q, false);
        break;
    case 0x200:
        if (f & 1)
            set_pending(g, intid, q, owner, true);
        break;
    case 0x280:
        if (f & 1)
            set_pending(g, intid, q, owner, false);
        break;
    case 0x300:
        if ((f & 1) && !q->hw)
            q->active = true;
        break;
    case 0x380:
        if ((f & 1) && !q->hw)
            q->active = false;
        break;
    case 0x400:
        q->priority = (uint8_t)(f & VGIC_PRIO_MASK);
        break;
    case 0x800:
        if (intid >= VGIC_NR_PRIVATE && g->be->version == 2) {
            q->targets = (uint8_t)(f & ((1u << g->vm->cfg.nr_vcpus) - 1));
            vgic_set_target(g, intid, q->targets ? (unsigned)__builtin_ctz(q->targets) : VGIC_NO_TARGET);
        }
        break;
    case 0xc00:
        /* SGIs are always edge; PPIs keep their configuration (IHI 0069H 12.11.7: may be
         * read-only); SPIs are programmable. */
        if (intid >= VGIC_NR_PRIVATE) {
            q->edge = (f & 2) != 0;
            /* Changing it while enabled is UNPREDICTABLE (IHI 0069H 12.9.11): only then. */
            if (q->passthru && !q->enabled)
                gic_irq_set_edge(q->hw_intid, q->edge);
        }
        break;
    default:
        break;
    }
}

void vgic_regs_access(struct vgic *g, unsigned owner, uint32_t off, unsigned size, bool write, uint64_t *val,
                      uint32_t lo, uint32_t hi)
{
    static const struct {
        uint32_t base, end;
        unsigned bits;
    } arrays[] = {
        { 0x080, 0x100, 1 }, { 0x100, 0x180, 1 }, { 0x180, 0x200, 1 }, { 0x200, 0x280, 1 }, { 0x280, 0x300, 1 },
        { 0x300, 0x380, 1 }, { 0x380, 0x400, 1 }, { 0x400, 0x800, 8 }, { 0x800, 0xc00, 8 }, { 0xc00, 0xd00, 2 },
    };
    if (!write)
        *val = 0;
    for (unsigned r = 0; r < sizeof(arrays) / sizeof(arrays[0]); r++) {
        if (off < arrays[r].base || off >= arrays[r].end)
            continue;
        unsigned bits = arrays[r].bits;
        /* Byte-wide arrays take byte or word accesses, the others words only (IHI 0069H
         * 12.1.6, IHI 0048B 4.1.4); anything else reads as zero and ignores writes. */
        if ((size != 4 && !(bits == 8 && size == 1)) || (off & (size - 1)))
            return;
        uint32_t first = (off - arrays[r].base) * 8 / bits;
        unsigned n = size * 8 / bits;
        uint32_t mask = bits == 32 ? ~0u : (1u << bits) - 1;
        uint64_t out = 0;
        for (unsigned i = 0; i < n; i++) {
            uint32_t intid = first + i;
            if (intid < lo || intid >= hi || intid >= g->nr_irqs)
                continue;
            struct virq *q = vgic_irq(g, owner, intid);
            if (write) {
                uint32_t f = (uint32_t)(*val >> (i * bits)) & mask;
                /* A zero bit changes nothing in the set/clear arrays; IGROUPR takes it. */
                if (bits == 1 && !f && arrays[r].base != 0x080)
                    continue;
                set_field(g, intid, q, arrays[r].base, owner, f);
                vgic_update(g, intid, q);
            } else {
                out |= (uint64_t)(field(g, intid, q, arrays[r].base, owner) & mask) << (i * bits);
            }
        }
        if (!write)
            *val = out;
        return;
    }
}
