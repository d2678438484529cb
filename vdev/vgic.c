/* The version-independent vGIC: the state of every virtual interrupt of a VM and the list
 * registers that present them to its vCPUs. Locking: one lock per VM (g->lock) for all of its
 * interrupt state; list registers are only touched by the physical CPU their vCPU runs on.
 * An interrupt is either in a list register (q->lr >= 0, the LR holds the pending state it
 * was given) or, while it wants one, queued on its target vCPU (bit in queued[]). The
 * distributor / redistributor register arrays that read and change this state are in
 * vdev/vgic_regs.c. */
#include <stddef.h>
#include "vdev/vgic_priv.h"
#include "vdev/vcpu_hw_table.h"
#include "core/irq.h"
#include "core/vcpu.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/console.h"
#include "drivers/gic.h"
#include "drivers/gic_regs.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/ich.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "lib/fdt_write.h"
#include "core/vdev.h"
#include "core/vm_layout.h"
#include "vdev/vgicv2m.h"

struct virq *vgic_irq(struct vgic *g, unsigned vcpu, uint32_t intid)
{
    if (intid < VGIC_NR_PRIVATE)
        return &g->cpu[vcpu].priv[intid];
    if (intid < VGIC_NR_IRQS)
        return &g->spi[intid - VGIC_NR_PRIVATE];
    return &g->lpi[(intid - VGIC_LPI_BASE) & (VGIC_NR_LPIS - 1)]; /* VGIC_NR_LPIS: a power of two */
}

static bool group_enabled(const struct vgic *g, const struct virq *q) { return q->group1 ? g->grp1_en : g->grp0_en; }

static bool wants_lr(const struct vgic *g, uint32_t intid, const struct virq *q)
{
    return q->active || (vgic_new_pending(g, intid, q) && q->enabled && group_enabled(g, q));
}

static bool any_queued(const struct vgic_cpu *c) { return c->nr_queued != 0; }

/* Marks intid as wanting (or no longer wanting) a list register on c. */
static void queue_set(struct vgic_cpu *c, uint32_t intid, bool on)
{
    unsigned slot = vgic_slot(intid);
    uint64_t bit = 1UL << (slot % 64), *w = &c->queued[slot / 64];
    if (on && !(*w & bit)) {
        *w |= bit;
        c->nr_queued++;
        c->queued_words |= 1u << (slot / 64);
    } else if (!on && (*w & bit)) {
        *w &= ~bit;
        c->nr_queued--;
        if (!*w)
            c->queued_words &= ~(1u << (slot / 64));
    }
}

void vgic_update(struct vgic *g, uint32_t intid, struct virq *q)
{
    if (q->lr >= 0) {
        vgic_kick(g, q->lr_vcpu); /* its list register is rewritten at the next entry */
        return;
    }
    if (q->target == VGIC_NO_TARGET)
        return;
    struct vgic_cpu *c = &g->cpu[q->target];
    if (wants_lr(g, intid, q)) {
        queue_set(c, intid, true);
        vgic_kick(g, q->target);
    } else {
        queue_set(c, intid, false);
    }
}

void vgic_set_target(struct vgic *g, uint32_t intid, unsigned vcpu)
{
    struct virq *q = vgic_irq(g, 0, intid);
    if (vcpu >= g->vm->cfg.nr_vcpus)
        vcpu = VGIC_NO_TARGET;
    if (q->target == vcpu)
        return;
    if (q->target != VGIC_NO_TARGET)
        queue_set(&g->cpu[q->target], intid, false);
    q->target = (uint8_t)vcpu;
    if (q->passthru && vcpu != VGIC_NO_TARGET)
        gic_irq_route(q->hw_intid, g->vm->vcpu[vcpu].pcpu);
    vgic_update(g, intid, q);
}

/* ---- list registers (the vCPU is loaded on this CPU) ---- */

/* The vGIC's byte in hw_sync: only a list register the guest can still change needs a look
 * after an exit; an emptied one stays as it is until the hypervisor writes it. */
static void sync_mark(struct vgic_cpu *c) { c->vcpu->hw_sync.part[VCPU_HW_VGIC] = (c->lr_used & ~c->lr_empty) != 0; }

static void lr_free(struct vgic *g, struct vgic_cpu *c, unsigned n)
{
    c->lr_used &= ~(1u << n);
    c->lr_empty &= ~(1u << n);
    sync_mark(c);
    c->lr_val[n] = 0;
    g->be->lr_write(n, 0);
}

/* Takes q out of list register n, keeping the state the LR held, and queues it again. */
static void lr_retire(struct vgic *g, struct vgic_cpu *c, unsigned n, uint64_t val)
{
    uint32_t intid = c->lr_intid[n];
    struct virq *q = vgic_irq(g, c->id, intid);
    bool pending, active;
    g->be->lr_state(val, &pending, &active);
    if (pending && !q->unpend) {
        if (vgic_is_v2_sgi(g, intid))
            q->sgi_src |= (uint8_t)(1u << q->lr_src);
        else if (q->edge || q->hw)
            q->pending = true;
    }
    if (!pending && !active && !q->edge && !q->hw)
        q->pending = false; /* a level interrupt the guest handled: only the line counts now */
    if (pending && !active && q->hw && q->unpend)
        gic_deactivate(q->hw_intid); /* withdrawn: the guest will never deactivate it now */
    q->unpend = false;
    q->active = active;
    q->lr = -1;
    lr_free(g, c, n);
    vgic_update(g, intid, q);
}

/* The list registers in changed that the guest did more with than end an edge or HW-linked
 * interrupt: under the lock, the interrupt's state follows them. Out of line, and each read
 * again (the guest is not running: the same value): the exits that only find emptied ones keep
 * a small frame. */
static __attribute__((noinline)) void sync_changed(struct vgic *g, struct vcpu *v, struct vgic_cpu *c, uint32_t changed)
{
    spin_lock(&g->lock);
    for (uint32_t m = changed; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        uint64_t val = g->be->lr_read(n);
        bool pending, active;
        g->be->lr_state(val, &pending, &active);
        struct virq *q = vgic_irq(g, v->id, c->lr_intid[n]);
        q->active = active;
        if (!pending && !active && !q->unpend && !vgic_new_pending(g, c->lr_intid[n], q)) {
            /* The guest is done with it and nothing new arrived meanwhile (an interrupt in a
             * list register is never queued, vgic_update): the list register is simply free.
             * A level interrupt's usual case, without lr_retire's general one. */
            q->lr = -1;
            lr_free(g, c, n);
        } else if (!pending && !active) {
            lr_retire(g, c, n, val);
        } else {
            c->lr_val[n] = val;
            c->lr_quick &= ~(1u << n); /* seen active: its end clears q->active */
            continue;
        }
        /* A freed list register matters to the next entry only if something waits for one
         * (what the retirement itself queues is kicked by vgic_update). */
        if (any_queued(c))
            v->hw_flush.part[VCPU_HW_VGIC] = true;
    }
    spin_unlock(&g->lock);
}

/* The list registers in m, read: the ones that changed since they were written or last read
 * (the guest acknowledged or ended their interrupt), for sync_changed. Out of line: the exits
 * that find only emptied ones (vgic_sync) keep a small frame. */
static __attribute__((noinline)) uint32_t lrs_changed(struct vgic *g, struct vgic_cpu *c, uint32_t m)
{
    uint32_t changed = 0;
    for (; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        if (g->be->lr_read(n) != c->lr_val[n])
            changed |= 1u << n;
    }
    return changed;
}

/* vgic_sync's end: the list registers in emptied kept as they are, emptied (state_bits: the
 * back end's lr_state_bits). */
static inline __attribute__((always_inline)) void sync_emptied(struct vgic_cpu *c, uint32_t emptied,
                                                               uint64_t state_bits)
{
    /* One store each, read by other CPUs under the lock (vgic_lr_pending): not pending. */
    for (uint32_t m = emptied; m; m &= m - 1) {
        uint64_t *val = &c->lr_val[__builtin_ctz(m)];
        __atomic_store_n(val, *val & ~state_bits, __ATOMIC_RELAXED);
    }
    c->lr_empty |= emptied;
    sync_mark(c);
    /* A list register emptied matters to the next entry if something waits for one. */
    if (any_queued(c))
        c->vcpu->hw_flush.part[VCPU_HW_VGIC] = true;
}

void vgic_sync(struct vcpu *v)
{
    struct vgic *g = vgic_of(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    /* Most exits find the list registers as they were left (or none in use): no lock. Only
     * the guest changes a list register, and it is not running now; those it emptied
     * (lr_empty) cannot change again and are not looked at.
     *
     * The usual change (the timer's PPI, an IPI's SGI, an LPI handled without an exit): an
     * edge or HW-linked interrupt written pending only (lr_quick) that the guest acknowledged
     * and ended, its list register back with neither state. The back end names those in one
     * look (lr_emptied: ICH_ELRSR_EL2, GICH_ELRSR0), without reading them: such a list register
     * differs from the value written only in its state (the guest changes nothing else). It
     * is kept as it is, with its interrupt in it, without the lock and without a look at the
     * interrupt's state: this changes none of it, and whatever changed it since the list
     * register was written (a new edge or latch, a withdrawal, a configuration write) kicked
     * the vCPU, since the interrupt is in a list register (vgic_update); the next entry's
     * vgic_flush then refills or frees the list register from the state, under the lock. The
     * next injection of the same interrupt rewrites it in place (fill_now, vgic_flush). The
     * others are read: a level interrupt (its pending latch cleared at the end) and one that
     * was seen active (q->active to clear) go to sync_changed when they changed. */
    /* c as one pointer across the back end's call (GCC would keep g and the index and compute
     * c again after it, at each use). */
    __asm__("" : "+r"(c));
    uint32_t live = c->lr_used & ~c->lr_empty;
    if (!live)
        return;
    uint32_t quick = live & c->lr_quick;
    uint32_t emptied = quick ? g->be->lr_emptied(quick) : 0;
    uint32_t slow = emptied != live ? lrs_changed(g, c, live & ~emptied) : 0;
    if (!(slow | emptied))
        return;
    sync_emptied(c, emptied, g->be->lr_state_bits);
    if (slow)
        sync_changed(g, c->vcpu, c, slow);
}

/* Puts val into list register n of c for q (intid), which the exit after the next entry
 * syncs; quick: an edge or HW-linked interrupt pending only, without the EOI bit (lr_quick). */
static inline __attribute__((always_inline)) void lr_install(struct vgic *g, struct vgic_cpu *c, unsigned n,
                                                             uint32_t intid, struct virq *q, uint64_t val, bool quick)
{
    q->lr = (int8_t)n;
    q->lr_vcpu = (uint8_t)c->id;
    c->lr_intid[n] = (uint16_t)intid;
    c->lr_used |= 1u << n;
    c->lr_empty &= ~(1u << n);
    if (quick)
        c->lr_quick |= 1u << n;
    else
        c->lr_quick &= ~(1u << n);
    c->vcpu->hw_sync.part[VCPU_HW_VGIC] = true;
    c->lr_val[n] = val;
    g->be->lr_write(n, val);
}

/* Out of line: the paths that inline lr_fill_fresh for the common case stay small. */
static __attribute__((noinline)) void lr_fill(struct vgic *g, struct vgic_cpu *c, unsigned n, uint32_t intid,
                                              struct virq *q)
{
    struct vgic_lr lr = { .intid = intid, .priority = q->priority, .group1 = q->group1, .active = q->active };
    /* A disabled interrupt, or one of a disabled group, keeps its pending state for when it is
     * enabled again (GIC architecture 4.1, "Interrupt handling state machine"): shown as not
     * pending, but its pending edge, latch or SGI source stays in q. */
    bool shown = q->enabled && group_enabled(g, q);
    bool was_pending = false, dummy;
    if (q->lr >= 0)
        g->be->lr_state(c->lr_val[n], &was_pending, &dummy);
    if (q->unpend)
        was_pending = false;
    q->unpend = false;
    if (vgic_is_v2_sgi(g, intid)) {
        if (q->lr < 0 && q->sgi_src)
            q->lr_src = (uint8_t)__builtin_ctz(q->sgi_src);
        lr.src = q->lr_src;
        lr.pending = was_pending || (q->sgi_src >> q->lr_src & 1);
        q->sgi_src &= (uint8_t) ~(1u << q->lr_src);
        if (lr.pending && !shown)
            q->sgi_src |= (uint8_t)(1u << q->lr_src);
        /* Other sources still pending: the guest's EOI of this one must bring an exit (the EOI
         * maintenance interrupt), for the list register then holds the next source's instance;
         * an emptied list register is otherwise kept without a look (vgic_sync). */
        lr.eoi = q->sgi_src != 0;
    } else if (q->hw || q->edge) {
        lr.pending = was_pending || q->pending;
        q->pending = lr.pending && !shown;
    } else {
        lr.pending = q->pending || q->level;
        /* Level: re-sample the line when the guest deactivates it (the EOI maintenance
         * interrupt, ICH_LR<n>_EL2.EOI / GICH_LR.EOI), but only while the line is high. A
         * driver that lowers the line before its EOI (virtio-mmio's InterruptACK) then costs
         * no exit at the EOI: the ACK's exit rewrites this LR, and a line that rises again
         * while the LR is held kicks the vCPU (vgic_update), whose next entry sets EOI again. */
        lr.eoi = q->level;
    }
    if (!shown)
        lr.pending = false;
    if (q->hw) {
        lr.hw = true;
        lr.pintid = q->hw_intid;
        lr.eoi = false;
    }
    if (!lr.pending && !lr.active) {
        /* Nothing left to show: a HW interrupt that the guest will now never deactivate is
         * deactivated here (one still pending, but disabled, keeps its physical interrupt
         * active until it is shown and deactivated by the guest). */
        if (q->lr >= 0) {
            bool lp, la;
            g->be->lr_state(c->lr_val[n], &lp, &la);
            if (q->hw && (lp || la) && !q->pending)
                gic_deactivate(q->hw_intid);
            q->lr = -1;
            lr_free(g, c, n);
        }
        queue_set(c, intid, false);
        vgic_update(g, intid, q);
        return;
    }
    queue_set(c, intid, false);
    lr_install(g, c, n, intid, q, g->be->lr_encode(&lr), (q->edge || q->hw) && !lr.active && !lr.eoi);
}

/* What fill_now and vgic_flush mostly see (a timer's HW-linked PPI, an LPI, a GICv3 SGI): an
 * edge or HW-linked interrupt, pending, enabled, not active, not a GICv2 SGI, not withdrawn,
 * in no list register (fresh) or in one of c's that the guest emptied (refill: vgic_sync left
 * it there) while it still targets c's vCPU (an SPI or LPI moved since goes to its new one). */
static inline __attribute__((always_inline)) bool fresh_state(const struct vgic *g, uint32_t intid,
                                                              const struct virq *q)
{
    return (q->hw || q->edge) && q->pending && !q->active && !q->unpend && q->enabled && group_enabled(g, q) &&
           !vgic_is_v2_sgi(g, intid);
}
static inline __attribute__((always_inline)) bool fresh(const struct vgic *g, uint32_t intid, const struct virq *q)
{
    return q->lr < 0 && fresh_state(g, intid, q);
}
static inline __attribute__((always_inline)) bool refill(const struct vgic *g, const struct vgic_cpu *c, uint32_t intid,
                                                         const struct virq *q)
{
    return q->lr >= 0 && q->lr_vcpu == c->id && q->target == c->id && ((c->lr_empty >> q->lr) & 1) &&
           fresh_state(g, intid, q);
}

/* lr_fill for a fresh interrupt (or one refilled into its emptied list register n): the same
 * list register, without lr_fill's general cases (a previous LR's state, SGI sources, levels,
 * interrupts no longer pending). The caller takes it off the queue if it was queued. */
static inline __attribute__((always_inline)) void lr_fill_fresh(struct vgic *g, struct vgic_cpu *c, unsigned n,
                                                                uint32_t intid, struct virq *q)
{
    uint64_t val = g->be->lr_encode_pending(intid, q->priority, q->group1, q->hw ? q->hw_intid : 0);
    q->pending = false;
    q->unpend = false;
    lr_install(g, c, n, intid, q, val, true);
}

/* The queued interrupt to present next: active ones first (they hold a place in the guest's
 * active priorities), then the highest priority (lowest value), then the lowest INTID. */
static int best_queued(struct vgic *g, struct vgic_cpu *c, unsigned vcpu, unsigned *key_out)
{
    int best = -1;
    unsigned best_key = ~0u;
    /* Only the words with a bit set: with LPIs the bitmap has 20 words, mostly empty. */
    for (uint32_t words = c->queued_words; words; words &= words - 1) {
        unsigned w = (unsigned)__builtin_ctz(words);
        for (uint64_t m = c->queued[w]; m; m &= m - 1) {
            uint32_t intid = vgic_slot_intid(w * 64 + (unsigned)__builtin_ctzl(m));
            struct virq *q = vgic_irq(g, vcpu, intid);
            unsigned key = (q->active ? 0 : 0x100u) | q->priority;
            if (key < best_key) {
                best_key = key;
                best = (int)intid;
            }
        }
    }
    *key_out = best_key;
    return best;
}

/* The list register holding the lowest-priority interrupt that is only pending (never an
 * active one: it must stay where the guest's active priorities expect it). */
static int worst_pending_lr(struct vgic *g, struct vgic_cpu *c, unsigned *prio_out)
{
    int worst = -1;
    unsigned worst_prio = 0;
    for (uint32_t m = c->lr_used; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        bool pending, active;
        g->be->lr_state(c->lr_val[n], &pending, &active);
        struct virq *q = vgic_irq(g, c->id, c->lr_intid[n]);
        if (active || q->hw)
            continue;
        if (worst < 0 || q->priority >= worst_prio) {
            worst = (int)n;
            worst_prio = q->priority;
        }
    }
    *prio_out = worst_prio;
    return worst;
}

/* ICH_HCR_EL2.UIE / GICH_HCR.UIE, written only when it changes (a system-register write and
 * an ISB, or an MMIO write, on every entry otherwise). */
static void set_underflow(struct vgic *g, struct vgic_cpu *c, bool on)
{
    if (c->underflow != on) {
        c->underflow = on;
        g->be->set_underflow(on);
    }
}

/* vgic_flush's emptied list register n of a GICv2 SGI whose source in it (lr_src) is pending
 * again, shown (enabled, its group enabled), neither active nor withdrawn: lr_fill's SGI case
 * in place, that source's instance pending, the EOI bit (not quick) while other sources wait.
 * False: lr_fill's general case. */
static inline __attribute__((always_inline)) bool v2_sgi_refill(struct vgic *g, struct vgic_cpu *c, unsigned n,
                                                                uint32_t intid, struct virq *q)
{
    uint8_t src = (uint8_t)(1u << q->lr_src);
    if (!(q->sgi_src & src) || q->active || q->unpend || !q->enabled || !group_enabled(g, q))
        return false;
    q->sgi_src &= (uint8_t)~src;
    bool eoi = q->sgi_src != 0;
    uint64_t val = g->be->lr_encode_sgi(intid, q->priority, q->group1, q->lr_src, eoi);
    c->lr_empty &= ~(1u << n);
    if (eoi)
        c->lr_quick &= ~(1u << n);
    c->lr_val[n] = val;
    c->vcpu->hw_sync.part[VCPU_HW_VGIC] = true;
    g->be->lr_write(n, val);
    return true;
}

/* vgic_flush's list register n: emptied (lr_empty), and its interrupt moved to another vCPU
 * since (MOVI, MOVALL, IROUTER): nothing holds it here any more; whatever it has now goes to
 * its target. Out of line: rare. */
static __attribute__((noinline)) void lr_moved(struct vgic *g, struct vgic_cpu *c, unsigned n, uint32_t intid,
                                               struct virq *q)
{
    q->lr = -1;
    lr_free(g, c, n);
    vgic_update(g, intid, q);
}

/* vgic_flush's queue, best first; a better one replaces the worst pending-only LR. Out of
 * line: most flushes find nothing queued (an IPI's or the timer's interrupt is refilled in its
 * emptied list register), and keep a small frame. */
static __attribute__((noinline)) void flush_queue(struct vgic *g, struct vgic_cpu *c, struct vcpu *v)
{
    for (unsigned tries = 0; any_queued(c) && tries < VGIC_MAX_LRS * 2; tries++) {
        unsigned key;
        int intid = best_queued(g, c, v->id, &key);
        if (intid < 0)
            break;
        uint32_t free_lrs = ~c->lr_used & ((1u << g->nr_lrs) - 1);
        if (!free_lrs) {
            unsigned worst_prio;
            int n = worst_pending_lr(g, c, &worst_prio);
            if (n < 0 || key >= 0x100u + worst_prio)
                break;
            lr_retire(g, c, (unsigned)n, c->lr_val[n]);
            free_lrs = 1u << n;
        }
        struct virq *q = vgic_irq(g, v->id, (uint32_t)intid);
        if (fresh(g, (uint32_t)intid, q)) {
            lr_fill_fresh(g, c, (unsigned)__builtin_ctz(free_lrs), (uint32_t)intid, q);
            queue_set(c, (uint32_t)intid, false);
        } else {
            lr_fill(g, c, (unsigned)__builtin_ctz(free_lrs), (uint32_t)intid, q);
        }
    }
}

void vgic_flush(struct vcpu *v)
{
    struct vgic *g = vgic_of(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    __asm__("" : "+r"(c)); /* one pointer, as in vgic_sync */
    if (!c->loaded)
        return; /* the list registers are lent (vgic_put while running): at vgic_load */
    spin_lock(&g->lock);
    v->hw_flush.part[VCPU_HW_VGIC] = false;
    /* Rewrite what is already presented (pending state may have been added or withdrawn);
     * an emptied list register is refilled with its interrupt's new edge (an IPI's SGI again)
     * or freed. An interrupt in one of c's list registers names it (q->lr, q->lr_vcpu: only
     * a freed list register lets it go to another), so only its target is looked at. */
    for (uint32_t m = c->lr_used; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        uint32_t intid = c->lr_intid[n];
        struct virq *q = intid < VGIC_NR_PRIVATE ? &c->priv[intid] : vgic_irq(g, v->id, intid);
        if ((c->lr_empty >> n) & 1) {
            if (q->target != c->id) {
                lr_moved(g, c, n, intid, q);
                continue;
            }
            if (fresh_state(g, intid, q)) {
                /* lr_fill_fresh in place: the interrupt, its vCPU and lr_quick (an emptied
                 * list register's) as they are; its new encoding (a priority or group may
                 * have changed since), pending. */
                uint64_t val = g->be->lr_encode_pending(intid, q->priority, q->group1, q->hw ? q->hw_intid : 0);
                q->pending = false;
                c->lr_empty &= ~(1u << n);
                c->lr_val[n] = val;
                v->hw_sync.part[VCPU_HW_VGIC] = true;
                g->be->lr_write(n, val);
                continue;
            }
            if (vgic_is_v2_sgi(g, intid) && v2_sgi_refill(g, c, n, intid, q))
                continue;
        }
        lr_fill(g, c, n, intid, q);
    }
    if (any_queued(c))
        flush_queue(g, c, v);
    /* More than fits: ask for the underflow maintenance interrupt to refill (and look again
     * at every entry, where a better one may replace a worse one). Written either way: an
     * emptied list register freed above may have queued and kicked its own interrupt again
     * (a GICv2 SGI from another source), which the queue's loop has then placed; other CPUs
     * kick only under the lock, held here. */
    bool more = any_queued(c);
    set_underflow(g, c, more);
    v->hw_flush.part[VCPU_HW_VGIC] = more;
    spin_unlock(&g->lock);
}

bool vgic_vcpu_pending(struct vcpu *v)
{
    struct vgic *g = vgic_of(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    if (v->hw_flush.part[VCPU_HW_VGIC] || any_queued(c))
        return true;
    uint8_t pmr = c->loaded ? g->be->vpmr() : 0xff;
    for (uint32_t m = c->lr_used; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        bool pending, active;
        g->be->lr_state(c->lr_val[n], &pending, &active);
        if (pending && vgic_irq(g, v->id, c->lr_intid[n])->priority < pmr)
            return true;
    }
    return false;
}

void vgic_load(struct vcpu *v)
{
    struct vgic *g = vgic_of(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    g->be->load(c); /* the interface enabled, no maintenance requested */
    c->underflow = false;
    c->loaded = true;
    /* No flush unless something waits for a list register: vgic_put left none in use, and
     * whatever was queued since (its retirements among them) set the byte already, as every
     * queueing does (kick, under the lock), and nothing clears it while the vCPU is put. An
     * empty flush here cost a vCPU switch 74 instructions (the lock and both loops). */
    if (any_queued(c))
        v->hw_flush.part[VCPU_HW_VGIC] = true;
}

void vgic_put(struct vcpu *v)
{
    struct vgic *g = vgic_of(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    if (!c->loaded)
        return; /* put already, its list registers lent to a guest hypervisor's guest */
    /* Nothing stays in the list registers of a vCPU that is not loaded. Only this CPU fills
     * or frees them (other CPUs queue and kick), so with none in use there is nothing to
     * retire and no lock to take: the interface's own registers are this CPU's. */
    if (c->lr_used) {
        spin_lock(&g->lock);
        for (uint32_t m = c->lr_used; m; m &= m - 1) {
            unsigned n = (unsigned)__builtin_ctz(m);
            lr_retire(g, c, n, g->be->lr_read(n));
        }
        spin_unlock(&g->lock);
    }
    g->be->put(c);
    c->loaded = false;
}

void vgic_maintenance(void)
{
    struct vcpu *v = this_cpu()->vcpu;
    if (!v || !vgic_of(v->vm))
        return;
    struct vgic *g = vgic_of(v->vm);
    /* Underflow or EOI: the exit path syncs and refills; lower the level until then. With
     * the interface lent (a guest hypervisor's guest runs on its list registers), the
     * condition is that guest's: the flag makes its owner look (vdev/nested_gic.c). */
    if (g->cpu[v->id].loaded)
        set_underflow(g, &g->cpu[v->id], false);
    v->hw_flush.part[VCPU_HW_VGIC] = true;
}

/* While v's interface is lent (not loaded): what the interrupts that wait for v to take them
 * now (pending, not active, enabled, their group enabled, above the priority mask it had)
 * raise, by their group (vgic.h). The search stops once both are found. */
unsigned vgic_irq_deliverable(struct vcpu *v)
{
    struct vgic *g = vgic_of(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    unsigned pmr = (c->vmcr >> ICH_VMCR_VPMR_SHIFT) & 0xff; /* GICv3 layout; GICv2: unused */
    const unsigned both = VGIC_WAITS_IRQ | VGIC_WAITS_FIQ;
    unsigned groups = 0;
    spin_lock(&g->lock);
    for (uint32_t words = c->queued_words; words && groups != both; words &= words - 1) {
        unsigned w = (unsigned)__builtin_ctz(words);
        for (uint64_t m = c->queued[w]; m && groups != both; m &= m - 1) {
            uint32_t intid = vgic_slot_intid(w * 64 + (unsigned)__builtin_ctzl(m));
            const struct virq *q = vgic_irq(g, v->id, intid);
            if (!q->active && vgic_new_pending(g, intid, q) && q->enabled && group_enabled(g, q) &&
                (g->be->version == 2 || q->priority < pmr))
                groups |= q->group1 || g->be->version == 2 ? VGIC_WAITS_IRQ : VGIC_WAITS_FIQ;
        }
    }
    spin_unlock(&g->lock);
    return groups;
}

bool vgic_hw_link(struct vcpu *v, uint32_t intid, uint32_t *pintid)
{
    struct vgic *g = vgic_of(v->vm);
    if (intid >= g->nr_irqs)
        return false;
    const struct virq *q = vgic_irq(g, v->id, intid);
    if (!q->hw)
        return false;
    *pintid = q->hw_intid;
    return true;
}

void vgic_deactivate(struct vcpu *v, uint32_t intid)
{
    struct vgic *g = vgic_of(v->vm);
    if (intid >= g->nr_irqs)
        return;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, v->id, intid);
    if (q->lr < 0 && q->active) {
        q->active = false;
        vgic_update(g, intid, q);
    }
    spin_unlock(&g->lock);
}

/* ---- sources ---- */

/* Interrupts raised for a VM, for the control channel's stats (docs/control.md). */
static inline void count_irq(struct vm *vm) { __atomic_add_fetch(&vm->irqs_injected, 1, __ATOMIC_RELAXED); }

int vgic_inject_hw_spi(struct vm *vm, uint32_t intid)
{
    struct vgic *g = vgic_of(vm);
    if (!g || intid < VGIC_NR_PRIVATE)
        return -1;
    /* All under the lock: a reset of the VM on another CPU clears the state under it
     * (vgic_attach; tests/unit/race_power_reset.c). */
    spin_lock(&g->lock);
    int r = -1;
    struct virq *q = intid < g->nr_irqs ? vgic_irq(g, 0, intid) : 0;
    if (q && q->passthru && q->hw_intid == intid) {
        count_irq(vm);
        q->pending = true;
        vgic_update(g, intid, q);
        r = 0;
    }
    spin_unlock(&g->lock);
    return r;
}

/* Handler of a passthrough SPI (irq_claim_spi, with the VM as arg). */
static bool passthru_irq(uint32_t intid, void *vm) { return vgic_inject_hw_spi(vm, intid) == 0; }

static inline __attribute__((always_inline)) bool fill_now(struct vgic *g, struct vcpu *v, uint32_t intid,
                                                           struct virq *q)
{
    struct vgic_cpu *c = &g->cpu[v->id];
    /* Loaded on this CPU: v is the vCPU whose list registers this CPU holds now. Nothing else
     * waits for a list register and one is free, so the interrupt goes straight where
     * vgic_flush would put it, without a queue entry and a flush before the next entry. */
    if (!c->loaded || v->pcpu != this_cpu()->id || v->hw_flush.part[VCPU_HW_VGIC] || any_queued(c))
        return false;
    /* The guest ended its previous instance (the timer's last tick) and nothing about the
     * interrupt changed since its list register was written (any change would have set
     * hw_flush, which only the flush that rewrites every list register clears): the same
     * value again, pending. */
    if (refill(g, c, intid, q) && ((c->lr_quick >> q->lr) & 1)) {
        unsigned n = (unsigned)q->lr;
        uint64_t val = c->lr_val[n] | g->be->lr_pending_bit;
        q->pending = false;
        c->lr_empty &= ~(1u << n);
        c->lr_val[n] = val;
        v->hw_sync.part[VCPU_HW_VGIC] = true;
        g->be->lr_write(n, val);
        return true;
    }
    uint32_t free_lrs = ~c->lr_used & ((1u << g->nr_lrs) - 1);
    if (!free_lrs || q->lr >= 0 || !wants_lr(g, intid, q))
        return false;
    unsigned n = (unsigned)__builtin_ctz(free_lrs);
    if (fresh(g, intid, q))
        lr_fill_fresh(g, c, n, intid, q); /* nothing is queued */
    else
        lr_fill(g, c, n, intid, q);
    return true;
}

bool vgic_fill_now(struct vgic *g, struct vcpu *v, uint32_t intid, struct virq *q) { return fill_now(g, v, intid, q); }

int vgic_inject_hw_ppi(struct vcpu *v, uint32_t intid, uint32_t pintid)
{
    struct vgic *g = vgic_of(v->vm);
    if (!g || intid < 16 || intid >= VGIC_NR_PRIVATE)
        return -1;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, v->id, intid);
    q->hw = true;
    q->hw_intid = (uint16_t)pintid;
    q->pending = true;
    count_irq(v->vm);
    struct vgic_cpu *c = &g->cpu[v->id];
    /* The usual case is the timer firing while its vCPU runs here. */
    if (fill_now(g, v, intid, q)) {
        spin_unlock(&g->lock);
        return 0;
    }
    vgic_update(g, intid, q);
    bool latched = q->lr < 0 && !(c->queued[vgic_slot(intid) / 64] & (1UL << (vgic_slot(intid) % 64)));
    spin_unlock(&g->lock);
    return latched ? VGIC_HW_LATCHED : 0;
}

bool vgic_irq_is_pending(struct vcpu *v, uint32_t intid)
{
    struct vgic *g = vgic_of(v->vm);
    struct virq *q = vgic_irq(g, v->id, intid);
    return q->pending || vgic_lr_pending(g, q);
}

unsigned vgic_ppi_state(struct vcpu *v, uint32_t intid)
{
    const struct vgic *g = vgic_of(v->vm);
    const struct vgic_cpu *c = &g->cpu[v->id];
    const struct virq *q = &c->priv[intid % VGIC_NR_PRIVATE];
    int8_t lr = q->lr; /* a private interrupt's list register is one of c's */
    bool pending = q->pending, active = q->active, unpend = q->unpend;
    if (lr >= 0 && !unpend && (c->lr_val[(uint8_t)lr] & g->be->lr_pending_bit))
        pending = true;
    return (pending ? VGIC_IRQ_PENDING : 0) | (active ? VGIC_IRQ_ACTIVE : 0);
}

bool vgic_irq_is_active(struct vcpu *v, uint32_t intid)
{
    struct vgic *g = vgic_of(v->vm);
    return g && vgic_irq(g, v->id, intid)->active;
}

void vgic_retract_hw_ppi(struct vcpu *v, uint32_t intid)
{
    struct vgic *g = vgic_of(v->vm);
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, v->id, intid);
    /* A latched instance is never in a list register (one the guest emptied may still name
     * the interrupt): its physical copy is active here and nobody else will end it. */
    if (q->pending && q->hw && !q->active && !vgic_lr_holds(g, q))
        gic_deactivate(q->hw_intid);
    q->pending = false;
    if (q->lr >= 0)
        q->unpend = true;
    vgic_update(g, intid, q);
    spin_unlock(&g->lock);
}

void vgic_inject_edge(struct vm *vm, struct vcpu *v, uint32_t intid)
{
    struct vgic *g = vgic_of(vm);
    if (!g || intid >= g->nr_irqs || (intid < VGIC_NR_PRIVATE && !v))
        return;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, v ? v->id : 0, intid);
    if (!q->passthru) {
        count_irq(vm);
        q->pending = true;
        vgic_update(g, intid, q);
    }
    spin_unlock(&g->lock);
}

void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    struct vgic *g = vgic_of(vm);
    if (!g || intid >= g->nr_irqs || (intid < VGIC_NR_PRIVATE && !v))
        return;
    spin_lock(&g->lock);
    struct virq *q = vgic_irq(g, v ? v->id : 0, intid);
    if (!q->passthru && q->level != level) {
        if (level)
            count_irq(vm);
        q->level = level;
        vgic_update(g, intid, q);
    }
    spin_unlock(&g->lock);
}

void vgic_send_sgi(struct vgic *g, unsigned src, unsigned dst, unsigned sgi, bool group1)
{
    if (dst < VM_MAX_VCPUS && sgi < 16)
        vgic_send_sgis(g, src, 1u << dst, sgi, group1);
}

void vgic_send_sgis(struct vgic *g, unsigned src, uint32_t targets, unsigned sgi, bool group1)
{
    if (vgic_is_v2_sgi(g, 0))
        vgic_send_sgis_inline(g, true, src, targets, sgi, group1);
    else
        vgic_send_sgis_inline(g, false, src, targets, sgi, group1);
}

/* A write of ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 (group1) or ICC_SGI0R_EL1 (IHI 0069H
 * 12.2.21-12.2.23), fields ICC_SGIR_* of drivers/gic_regs.h. */
static inline __attribute__((always_inline)) bool sgi_write(struct vcpu *v, uint64_t val, bool group1)
{
    struct vgic *g = vgic_of(v->vm);
    if (!g || g->be->version != 3)
        return false;
    unsigned sgi = (unsigned)REG_GET(val, ICC_SGIR_INTID), nr = v->vm->cfg.nr_vcpus;
    /* The targets' Aff3.Aff2.Aff1, in their MPIDR places. */
    uint64_t aff = REG_FIELD(REG_GET(val, ICC_SGIR_AFF1), MPIDR_AFF1_SHIFT) |
                   REG_FIELD(REG_GET(val, ICC_SGIR_AFF2), MPIDR_AFF2_SHIFT) |
                   REG_FIELD(REG_GET(val, ICC_SGIR_AFF3), MPIDR_AFF3_SHIFT);
    unsigned rs = (unsigned)REG_GET(val, ICC_SGIR_RS);
    bool irm = (val & ICC_SGIR_IRM) != 0;
    uint32_t list = (uint32_t)val & ((1u << ICC_SGIR_TARGETLIST_BITS) - 1);
    /* The targets, without the lock (a vCPU's MPIDR is fixed when its VM is built). The usual
     * target list: vCPUs whose Aff0 is their index (core/vmm.c gives vCPU i the MPIDR Aff0 =
     * i), each found by index and its MPIDR checked, without a look at the others; a list that
     * names anything else takes the general search. */
    uint32_t hits = 0;
    if (!irm && list && !(list & (list - 1))) {
        /* One target (an IPI): found by index, its MPIDR checked; anything else is the search. */
        unsigned i = rs * ICC_SGIR_TARGETLIST_BITS + (unsigned)__builtin_ctz(list);
        if (i < nr && (v->vm->vcpu[i].vmpidr & MPIDR_AFF_MASK) == (aff | i)) {
            spin_lock(&g->lock);
            vgic_send_sgis_inline(g, false, v->id, 1u << i, sgi, group1);
            spin_unlock(&g->lock);
            return true;
        }
        list = 0; /* the search below */
    }
    for (uint32_t m = irm ? 0 : list; m; m &= m - 1) {
        unsigned i = rs * ICC_SGIR_TARGETLIST_BITS + (unsigned)__builtin_ctz(m);
        if (i >= nr || (v->vm->vcpu[i].vmpidr & MPIDR_AFF_MASK) != (aff | i)) {
            hits = 0;
            break;
        }
        hits |= 1u << i;
    }
    if (!hits) {
        for (unsigned i = 0; i < nr; i++) {
            uint64_t mp = v->vm->vcpu[i].vmpidr & MPIDR_AFF_MASK;
            bool hit;
            if (irm) {
                hit = i != v->id;
            } else {
                unsigned aff0 = (unsigned)MPIDR_AFF(mp, 0);
                hit = (mp & ~MPIDR_AFF0_MASK) == aff && aff0 / ICC_SGIR_TARGETLIST_BITS == rs &&
                      ((val >> (aff0 % ICC_SGIR_TARGETLIST_BITS)) & 1);
            }
            hits |= (uint32_t)hit << i;
        }
    }
    spin_lock(&g->lock);
    vgic_send_sgis_inline(g, false, v->id, hits, sgi, group1);
    spin_unlock(&g->lock);
    return true;
}

/* The value-only write handlers of their rows (SR_WR_VALUE, core/sysreg_trap.h: the encoding
 * and the value, nothing decoded), one per group: no look at the encoding. */
bool vgic_sgi1r_write(struct vcpu *v, uint32_t id, uint64_t val) { return sgi_write(v, val, true); }
bool vgic_sgi0r_write(struct vcpu *v, uint32_t id, uint64_t val) { return sgi_write(v, val, false); }

bool vgic_sysreg(struct vcpu *v, uint32_t id, uint64_t val)
{
    if (id == VGIC_ICC_SGI1R || id == VGIC_ICC_ASGI1R)
        return vgic_sgi1r_write(v, id, val);
    return id == VGIC_ICC_SGI0R && vgic_sgi0r_write(v, id, val);
}

/* ---- creation ---- */

int vgic_attach(struct vm *vm)
{
    struct vgic *g = vgic_of(vm); /* vm_state_size bytes of its own (core/vcpu_hw.c) */
    /* At a VM reset another CPU may be injecting one of its passthrough SPIs (passthru_irq
     * takes g->lock): the state is cleared under the lock, which stays intact, as does the VM
     * pointer that CPU follows (issue 13 item 10). Zeroed at the first attach: unlocked. */
    spin_lock(&g->lock);
    memset((char *)g + offsetof(struct vgic, be), 0, sizeof(*g) - offsetof(struct vgic, be));
    g->vm = vm;
    /* gic_init refused a host whose GIC the build leaves out: in a build of one version
     * (CONFIG_GICV2, CONFIG_GICV3) the other's back end is not linked. */
    g->be = platform_gic_v2() ? &vgic_v2_backend : &vgic_v3_backend;
    g->nr_irqs = VGIC_NR_IRQS;
    for (unsigned c = 0; c < vm->cfg.nr_vcpus; c++) {
        vm->vcpu[c].hw_flush.part[VCPU_HW_VGIC] = vm->vcpu[c].hw_sync.part[VCPU_HW_VGIC] = false;
        g->cpu[c].vcpu = &vm->vcpu[c];
        g->cpu[c].id = c;
        for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++) {
            struct virq *q = &g->cpu[c].priv[i];
            q->lr = -1;
            q->target = (uint8_t)c;
            q->edge = i < 16;
            /* GICv2: SGIs are always enabled (ISENABLER0[15:0] RAO/WI, as in GIC-400). */
            q->enabled = g->be->version == 2 && i < 16;
        }
    }
    for (unsigned i = 0; i < VGIC_NR_IRQS - VGIC_NR_PRIVATE; i++) {
        g->spi[i].lr = -1;
        /* Reset routing: GICv2 ITARGETSR 0 (no target), GICv3 IROUTER 0 (vCPU with
         * affinity 0.0.0.0). */
        g->spi[i].target = g->be->version == 3 ? 0 : VGIC_NO_TARGET;
    }
    /* LPIs are edge-triggered Group 1 interrupts with no target until an ITS maps them
     * (IHI 0069H 5.1.1). */
    for (unsigned i = 0; i < VGIC_NR_LPIS; i++) {
        g->lpi[i].lr = -1;
        g->lpi[i].target = VGIC_NO_TARGET;
        g->lpi[i].edge = g->lpi[i].group1 = true;
    }
    for (unsigned i = 0; i < vm->cfg.nr_passthru_irqs; i++) {
        uint32_t intid = vm->cfg.passthru_irq[i];
        if (intid < g->nr_irqs) {
            struct virq *q = vgic_irq(g, 0, intid);
            q->hw = q->passthru = true;
            q->hw_intid = (uint16_t)intid;
        }
    }
    spin_unlock(&g->lock);
    for (unsigned i = 0; i < vm->cfg.nr_passthru_irqs; i++) {
        uint32_t intid = vm->cfg.passthru_irq[i];
        if (intid >= g->nr_irqs || irq_claim_spi(intid, passthru_irq, vm) < 0) {
            irq_release_spis(vm);
            printk("elvisor: VM '%s' refused: interrupts: SPI %u is not available (beyond %u, "
                   "the hypervisor's or another VM's)\n",
                   vm->cfg.name, intid, g->nr_irqs - 1);
            return -1;
        }
        /* From a clean physical state (a VM reset may leave it pending or active). */
        gic_irq_disable(intid);
        gic_irq_set_pending(intid, false);
        gic_irq_set_active(intid, false);
        gic_irq_set_priority(intid, GIC_PRIO_HYP);
        gic_irq_set_edge(intid, false);
        gic_irq_route(intid, vm->vcpu[0].pcpu);
    }
    return g->be->attach(vm);
}

/* ---- as a part of the virtual CPU hardware (core/vcpu_hw.h) ---- */

static bool maint_irq(uint32_t intid, void *arg)
{
    vgic_maintenance();
    return false;
}

static void maint_init(void)
{
    if (platform.gic_maint_intid)
        irq_set_handler(platform.gic_maint_intid, maint_irq, 0);
}

static void maint_cpu_init(unsigned cpu)
{
    if (platform.gic_maint_intid) {
        gic_irq_set_priority(platform.gic_maint_intid, GIC_PRIO_HYP);
        gic_irq_enable(platform.gic_maint_intid);
    }
}

#if CONFIG_GICV2M
int vgic_v2m_attach(struct vm *vm, uint64_t ipa, uint32_t first, uint32_t count)
{
    struct vgic *g = vgic_of(vm);
    if (g->nr_v2m == VGIC_MAX_V2M_FRAMES)
        return -1;
    g->v2m[g->nr_v2m].ipa = ipa;
    g->v2m[g->nr_v2m].first = first;
    g->v2m[g->nr_v2m++].count = count;
    return 0;
}
#endif

unsigned vgic_nr_irqs(const struct vm *vm) { return vgic_of((struct vm *)vm)->nr_irqs; }

/* The GICv2m frames under the GICv2 node (Linux binding interrupt-controller/arm,gic.yaml,
 * "v2m@": arm,gic-v2m-frame, msi-controller, and the SPI range so that the guest need not
 * trust MSI_TYPER). */
static void v2m_dt_nodes(const struct vgic *g, struct fdt_writer *w, uint32_t phandle)
{
    for (unsigned i = 0; i < g->nr_v2m; i++) {
        char name[32];
        uint64_t ipa = g->v2m[i].ipa;
        ev_snprintf(name, sizeof(name), "v2m@%lx", (unsigned long)ipa);
        fdtw_begin_node(w, name);
        fdtw_prop_string(w, "compatible", "arm,gic-v2m-frame");
        fdtw_prop_empty(w, "msi-controller");
        uint32_t reg[4] = { (uint32_t)(ipa >> 32), (uint32_t)ipa, 0, V2M_FRAME_SIZE };
        fdtw_prop_cells(w, "reg", reg, 4);
        fdtw_prop_u32(w, "arm,msi-base-spi", g->v2m[i].first);
        fdtw_prop_u32(w, "arm,msi-num-spis", g->v2m[i].count);
        if (i == 0) /* the msi-parent of the VM's PCI host bridges (vdev/vpci.c) */
            fdtw_prop_u32(w, "phandle", phandle);
        fdtw_end_node(w);
    }
}

/* A refused VM's passthrough SPIs go back to nobody. */
static void vgic_release(struct vm *vm) { irq_release_spis(vm); }

/* Linux bindings interrupt-controller/arm,gic-v3.yaml (distributor, then the redistributors of
 * the VM's vCPUs) and arm,gic.yaml (distributor, then the CPU interface: the GICV frame). */
static void vgic_dt_node(const struct vm *vm, struct vdev_dt *dt)
{
    struct fdt_writer *w = dt->w;
    char name[32];
    ev_snprintf(name, sizeof(name), "intc@%lx", (unsigned long)VGIC_DIST_IPA);
    fdtw_begin_node(w, name);
    fdtw_prop_u32(w, "#interrupt-cells", 3);
    fdtw_prop_u32(w, "#address-cells", 2);
    fdtw_prop_u32(w, "#size-cells", 2);
    fdtw_prop_empty(w, "interrupt-controller");
    fdtw_prop_u32(w, "phandle", dt->intc_phandle); /* properties before the ITS child node */
    /* Each CONFIG_ below: a build without the part never has what the test looks for. */
    if (CONFIG_NESTED && vm->cfg.virtual_el2) {
        /* A guest hypervisor's maintenance interrupt (vdev/nested_gic.c): a PPI, level-high. */
        uint32_t maint[3] = { 1, VGIC_MAINT_VIRQ - 16, 4 };
        fdtw_prop_cells(w, "interrupts", maint, 3);
    }
    if (!platform_gic_v2()) {
        fdtw_prop_string(w, "compatible", "arm,gic-v3");
        uint32_t reg[8] = { 0, (uint32_t)VGIC_DIST_IPA,   0, (uint32_t)VGIC_DIST_SIZE,
                            0, (uint32_t)VGIC_REDIST_IPA, 0, (uint32_t)(VGIC_REDIST_STRIDE * vm->cfg.nr_vcpus) };
        fdtw_prop_cells(w, "reg", reg, 8);
        const struct vgic *g = vgic_of((struct vm *)vm);
        if (CONFIG_ITS && g->has_lpis) {
            /* The vITS (vdev/vits.c), a child of the GIC node (Linux binding
             * interrupt-controller/arm,gic-v3.yaml, "^msi-controller@"); its reg in the
             * parent's address space, hence an empty ranges. */
            fdtw_prop_empty(w, "ranges");
            ev_snprintf(name, sizeof(name), "msi-controller@%lx", (unsigned long)g->its_ipa);
            fdtw_begin_node(w, name);
            fdtw_prop_string(w, "compatible", "arm,gic-v3-its");
            fdtw_prop_empty(w, "msi-controller");
            fdtw_prop_u32(w, "#msi-cells", 1);
            fdtw_prop_u32(w, "phandle", dt->msi_phandle);
            uint32_t its_reg[4] = { (uint32_t)(g->its_ipa >> 32), (uint32_t)g->its_ipa, (uint32_t)(g->its_size >> 32),
                                    (uint32_t)g->its_size };
            fdtw_prop_cells(w, "reg", its_reg, 4);
            fdtw_end_node(w);
        }
    } else {
        fdtw_prop_string(w, "compatible", "arm,cortex-a15-gic");
        uint32_t reg[8] = { 0, (uint32_t)VGIC_DIST_IPA, 0, 0x1000, 0, (uint32_t)VGIC_CPU_IPA, 0, 0x2000 };
        fdtw_prop_cells(w, "reg", reg, 8);
        const struct vgic *g = vgic_of((struct vm *)vm);
        if (CONFIG_GICV2M && g->nr_v2m) {
            fdtw_prop_empty(w, "ranges"); /* the frames' reg in the parent's address space */
            v2m_dt_nodes(g, w, dt->msi_phandle);
        }
    }
    fdtw_end_node(w);
}

const struct vcpu_hw_ops vgic_hw_ops = {
    .vm_state_size = sizeof(struct vgic),
    .dt_node = vgic_dt_node,
    .release = vgic_release,
    .init = maint_init,
    .cpu_init = maint_cpu_init,
    .attach = vgic_attach,
    .load = vgic_load,
    .put = vgic_put,
    .flush = vgic_flush,
    .sync = vgic_sync,
    .has_work = vgic_vcpu_pending,
};
