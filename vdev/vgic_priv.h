/* vGIC internals shared by the interrupt state machine (vdev/vgic.c), the register arrays
 * both GIC versions have (vdev/vgic_regs.c) and the two back ends. */
#ifndef VDEV_VGIC_PRIV_H
#define VDEV_VGIC_PRIV_H

#include "vdev/vgic.h"
#include "core/vm.h"
#include "vdev/vcpu_hw_table.h"
#include "lib/spinlock.h"
#include "core/vcpu.h"
#include "core/percpu.h"

#define VGIC_NR_IRQS    256 /* INTIDs 0..255 per VM: 16 SGIs, 16 PPIs, 224 SPIs */
#define VGIC_NR_PRIVATE 32
/* LPIs (vdev/vgic.h) have their state beside the SPIs', and each a slot after them in the
 * per-vCPU queue bitmap. */
#define VGIC_NR_SLOTS (VGIC_NR_IRQS + VGIC_NR_LPIS)
#define VGIC_MAX_LRS  16
_Static_assert(VGIC_NR_SLOTS / 64 <= 32, "vgic_cpu.queued_words has a bit per word of queued[]");
#define VGIC_NO_TARGET 0xff
/* Priority bits kept: 5, the minimum of GICv2 list registers (GICH_LR.Priority [27:23]) and
 * of a GICv3 virtual CPU interface (ICH_VTR_EL2.PRIbits >= 4); lower bits read as zero. */
#define VGIC_PRIO_MASK 0xf8

struct virq {
    uint16_t hw_intid; /* physical INTID behind it (list-register HW bit), 0 = none */
    uint8_t priority;
    uint8_t target;  /* vCPU index it is delivered to, VGIC_NO_TARGET = none */
    uint8_t targets; /* GICv2 GICD_ITARGETSR byte (SPIs) */
    int8_t lr;       /* list register holding it (on vCPU lr_vcpu), -1 = none */
    uint8_t lr_vcpu;
    uint8_t sgi_src; /* GICv2 SGIs: pending per source vCPU */
    uint8_t lr_src;  /* GICv2 SGI: the source in its list register */
    bool enabled, group1, edge, hw, passthru;
    bool pending; /* latch: edge seen / set by GICD_ISPENDR, not yet in an LR */
    bool level;   /* line level of a software level-sensitive source */
    bool active;
    bool unpend;      /* withdraw the pending state held in its list register */
    uint64_t irouter; /* GICv3 GICD_IROUTER<n> */
};

struct vgic_cpu {
    struct vcpu *vcpu; /* whose these are (its index: id) */
    unsigned id;
    struct virq priv[VGIC_NR_PRIVATE];
    uint64_t queued[VGIC_NR_SLOTS / 64]; /* want a list register, not in one (by slot) */
    uint16_t nr_queued;                  /* bits set in queued[]: the exit path's quick test */
    uint32_t queued_words;               /* bit w: queued[w] != 0 (the LPIs' words are mostly empty) */
    bool underflow;                      /* underflow maintenance interrupt requested */
    uint64_t lr_val[VGIC_MAX_LRS];       /* as last read or written */
    uint16_t lr_intid[VGIC_MAX_LRS];
    uint32_t lr_used; /* bitmap of list registers in use */
    /* Of those, the ones the guest emptied (state invalid, EOI bit clear) whose interrupt had
     * nothing new: kept, with the interrupt still in them, until they are wanted (vgic_sync).
     * Written only on the vCPU's own CPU. */
    uint32_t lr_empty;
    /* Of those, the ones whose emptying needs no look at the state: an edge or HW-linked
     * interrupt written pending only (never the EOI bit) and not seen active since. */
    uint32_t lr_quick;
    bool loaded;
    uint32_t vmcr;   /* saved ICH_VMCR_EL2 / GICH_VMCR */
    uint32_t apr[8]; /* ICH_AP0R0-3 + ICH_AP1R0-3 / GICH_APR */
    uint32_t waker;  /* GICv3 GICR_WAKER.ProcessorSleep */
    /* LPIs of this redistributor (IHI 0069H 12.11.2, 12.11.28, 12.11.29; vdev/vgic_lpi.c). */
    bool lpis_enabled; /* GICR_CTLR.EnableLPIs */
    uint64_t propbaser, pendbaser;
};

/* An LR in a neutral form; the back end encodes it. */
struct vgic_lr {
    uint32_t intid;
    uint16_t pintid;
    uint8_t priority;
    uint8_t src; /* GICv2 SGI source CPU */
    bool pending, active, group1, hw, eoi;
};

struct vgic_backend {
    unsigned version;
    int (*attach)(struct vm *vm);
    uint64_t (*lr_encode)(const struct vgic_lr *lr);
    /* The same for the usual case: intid pending only, linked to physical pintid (0: none),
     * not a GICv2 SGI, no EOI maintenance. */
    uint64_t (*lr_encode_pending)(uint32_t intid, uint8_t priority, bool group1, uint32_t pintid);
    /* A GICv2 SGI from source CPU src, pending only, with the EOI bit if eoi (GICv2 only). */
    uint64_t (*lr_encode_sgi)(uint32_t intid, uint8_t priority, bool group1, unsigned src, bool eoi);
    uint64_t lr_state_bits; /* an LR's pending and active bits: none set, the LR is invalid */
    uint64_t lr_pending_bit;
    void (*lr_state)(uint64_t val, bool *pending, bool *active);
    uint64_t (*lr_read)(unsigned n);
    /* Of the list registers in mask, which hold neither state (the guest ended their
     * interrupt); asked only of list registers without the EOI bit, for which that is
     * ICH_ELRSR_EL2's "empty" (IHI 0069H 12.4.6) and GICH_ELRSR0's (IHI 0048B 5.3.9). */
    uint32_t (*lr_emptied)(uint32_t mask);
    void (*lr_write)(unsigned n, uint64_t val);
    void (*load)(struct vgic_cpu *c);
    void (*put)(struct vgic_cpu *c);
    void (*set_underflow)(bool on);
    uint8_t (*vpmr)(void); /* live virtual priority mask */
};

struct vgic {
    spinlock_t lock;
    struct vm *vm;
    const struct vgic_backend *be;
    unsigned nr_lrs;
    unsigned nr_irqs;      /* 32 + SPIs offered (multiple of 32) */
    bool grp0_en, grp1_en; /* GICD_CTLR */
    struct virq spi[VGIC_NR_IRQS - VGIC_NR_PRIVATE];
    struct vgic_cpu cpu[VM_MAX_VCPUS];
    /* LPIs: only with a vITS (has_lpis, set by its attach after the vGIC's), whose window
     * the guest's device tree shows under the GIC node. */
    bool has_lpis;
    uint64_t its_ipa, its_size;
    struct virq lpi[VGIC_NR_LPIS];
    /* GICv2m MSI frames (vdev/vgicv2m.c), which the guest's device tree shows under the GIC
     * node: each one's window and SPIs. */
    unsigned nr_v2m;
    struct {
        uint64_t ipa;
        uint32_t first, count;
    } v2m[VGIC_MAX_V2M_FRAMES];
};

extern const struct vgic_backend vgic_v2_backend, vgic_v3_backend;

/* A VM's vGIC: its state as a part of the virtual CPU hardware (core/vcpu_hw.h). */
static inline struct vgic *vgic_of(struct vm *vm) { return (struct vgic *)vm->hw[VCPU_HW_VGIC].state; }
/* intid must be < g->nr_irqs or an LPI below VGIC_LPI_BASE + VGIC_NR_LPIS. */
struct virq *vgic_irq(struct vgic *g, unsigned vcpu, uint32_t intid);
/* Where an INTID sits in the queue bitmaps, and back. */
static inline unsigned vgic_slot(uint32_t intid)
{
    return intid < VGIC_LPI_BASE ? intid : VGIC_NR_IRQS + (intid - VGIC_LPI_BASE);
}
static inline uint32_t vgic_slot_intid(unsigned slot)
{
    return slot < VGIC_NR_IRQS ? slot : VGIC_LPI_BASE + (slot - VGIC_NR_IRQS);
}

/* State of intid changed (caller holds g->lock): queue it for its target and kick it. */
void vgic_update(struct vgic *g, uint32_t intid, struct virq *q);
void vgic_set_target(struct vgic *g, uint32_t intid, unsigned vcpu);
/* q (intid, targeting v) wants a list register: put it in one at once if v is loaded on
 * this CPU, nothing is queued and one is free (caller holds g->lock); false: use vgic_update. */
bool vgic_fill_now(struct vgic *g, struct vcpu *v, uint32_t intid, struct virq *q);
void vgic_send_sgi(struct vgic *g, unsigned src, unsigned dst, unsigned sgi, bool group1);
/* The same to each vCPU whose bit is set in targets (bits at or above nr_vcpus name nobody):
 * the SGI registers' path (caller holds g->lock). */
void vgic_send_sgis(struct vgic *g, unsigned src, uint32_t targets, unsigned sgi, bool group1);

/* The target's list registers are refilled at its next entry; an IPI only if it runs on
 * another CPU now or that CPU sleeps (vcpu_kick), never to a CPU where another VM runs. */
static inline void vgic_kick(struct vgic *g, unsigned vcpu)
{
    struct vcpu *t = &g->vm->vcpu[vcpu];
    t->hw_flush.part[VCPU_HW_VGIC] = true;
    if (t->pcpu != this_cpu()->id)
        vcpu_kick(t);
}

/* vgic_send_sgis, inline in the SGI registers' handlers (v2 a constant there; caller holds
 * g->lock). */
static inline __attribute__((always_inline)) void vgic_send_sgis_inline(struct vgic *g, bool v2, unsigned src,
                                                                        uint32_t targets, unsigned sgi, bool group1)
{
    targets &= (1u << g->vm->cfg.nr_vcpus) - 1;
    sgi %= 16;
    for (; targets; targets &= targets - 1) {
        struct virq *q = &g->cpu[__builtin_ctz(targets)].priv[sgi];
        if (v2) {
            q->sgi_src |= (uint8_t)(1u << src);
        } else {
            if (q->group1 != group1)
                continue; /* IHI 0069H 12.2.23: forwarded only to the group it is configured in */
            q->pending = true;
        }
        /* vgic_update's usual case inline: the SGI is in a list register (emptied or not), its
         * vCPU is kicked and its flush refills that list register. */
        if (q->lr >= 0)
            vgic_kick(g, q->lr_vcpu);
        else
            vgic_update(g, sgi, q);
    }
}

/* Pending-state queries shared by the state machine (vdev/vgic.c) and the register arrays
 * (vdev/vgic_regs.c); inline, as the exit path's vgic_update asks them. */
/* A build without GICv2 (CONFIG_GICV2=n) has no GICv2 VM: its SGI paths fold away. */
static inline bool vgic_is_v2_sgi(const struct vgic *g, uint32_t intid)
{
    return CONFIG_GICV2 && g->be->version == 2 && intid < 16;
}

/* Pending state not yet given to a list register. */
static inline bool vgic_new_pending(const struct vgic *g, uint32_t intid, const struct virq *q)
{
    if (vgic_is_v2_sgi(g, intid))
        return q->sgi_src != 0;
    if (!q->edge && !q->hw)
        return q->pending || q->level;
    return q->pending;
}

/* q is in a list register that the guest has not emptied (vgic_sync's lr_empty). */
static inline bool vgic_lr_holds(const struct vgic *g, const struct virq *q)
{
    return q->lr >= 0 && !((g->cpu[q->lr_vcpu].lr_empty >> q->lr) & 1);
}

/* Pending state that a list register holds for q. */
static inline bool vgic_lr_pending(const struct vgic *g, const struct virq *q)
{
    if (q->lr < 0 || q->unpend)
        return false;
    bool pending, active;
    g->be->lr_state(g->cpu[q->lr_vcpu].lr_val[q->lr], &pending, &active);
    return pending;
}

/* The register semantics both back ends share (vdev/vgic_regs.c); the caller holds g->lock.
 * GICD/GICR register arrays from IGROUPR to ICFGR (0x080..0xcff) for INTIDs [lo, hi); owner
 * is the vCPU whose private INTIDs are meant. */
void vgic_regs_access(struct vgic *g, unsigned owner, uint32_t off, unsigned size, bool write, uint64_t *val,
                      uint32_t lo, uint32_t hi);
/* GICR_CTLR, GICR_PROPBASER and GICR_PENDBASER of redistributor idx (vdev/vgic_lpi.c, the
 * caller holds g->lock): true if off is one of them (then done). */
#if CONFIG_ITS
bool vgic_lpi_rd_access(struct vgic *g, unsigned idx, uint32_t off, unsigned size, bool write, uint64_t *val);
#else
/* Left out of this build (CONFIG_ITS=n): no LPIs, GICR_CTLR and the LPI tables' bases read as
 * zero like any register the vGIC does not implement. */
static inline bool vgic_lpi_rd_access(struct vgic *g, unsigned idx, uint32_t off, unsigned size, bool write,
                                      uint64_t *val)
{
    return false;
}
#endif
/* After a GICD_CTLR group enable changed: every interrupt re-evaluated. */
void vgic_refresh_all(struct vgic *g);

#endif
