/* GICv3 back end: the distributor and one redistributor per vCPU emulated through MMIO traps
 * (IHI 0069H chapter 12), the virtual CPU interface through ICH_*_EL2 (12.4). */
#include "vdev/vgic_priv.h"
#include "core/vm_layout.h"
#include "core/console.h"
#include "drivers/gic_regs.h"
#include "drivers/gic_its_regs.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/ich.h"
#include "arch/aarch64/ich_regs.h"

/* GICD_CTLR with DS = 1 (12.9.4): EnableGrp0 [0], EnableGrp1 [1], ARE [4], DS [6]; affinity
 * routing is always on and there is one security state, so ARE and DS are RAO/WI. */
#define CTLR_ARE (1u << 4)
#define CTLR_DS  (1u << 6)
/* IIDR (12.9.15): ProductID [31:24] 'E', Implementer [11:0] 0x43b (Arm's JEP106 code). */
#define VGIC_IIDR (0x45u << 24 | 0x43b)
/* PIDR2 (12.9.27 / 12.11.30): ArchRev [7:4] = 3 for GICv3, JEDEC [3] and JEP106 id bits. */
#define VGIC_PIDR2   0x3b
#define GICD_PIDR2   0xffe8
#define REDIST_FRAME 0x20000
#define SGI_FRAME    0x10000

static unsigned nr_apr; /* ICH_AP0R<n>/AP1R<n> registers implemented */

static uint64_t v3_lr_encode(const struct vgic_lr *lr)
{
    uint64_t v = lr->intid | REG_FIELD(lr->priority, ICH_LR_PRIORITY_SHIFT);
    if (lr->group1)
        v |= ICH_LR_GROUP;
    if (lr->hw)
        v |= ICH_LR_HW | (REG_FIELD(lr->pintid, ICH_LR_PINTID_SHIFT) & ICH_LR_PINTID_MASK);
    else if (lr->eoi)
        v |= ICH_LR_EOI;
    if (lr->pending)
        v |= ICH_LR_PENDING;
    if (lr->active)
        v |= ICH_LR_ACTIVE;
    return v;
}

static uint64_t v3_lr_encode_pending(uint32_t intid, uint8_t priority, bool group1, uint32_t pintid)
{
    uint64_t v = intid | REG_FIELD(priority, ICH_LR_PRIORITY_SHIFT) | ICH_LR_PENDING | (group1 ? ICH_LR_GROUP : 0);
    if (pintid)
        v |= ICH_LR_HW | (REG_FIELD(pintid, ICH_LR_PINTID_SHIFT) & ICH_LR_PINTID_MASK);
    return v;
}

static void v3_lr_state(uint64_t val, bool *pending, bool *active)
{
    *pending = (val & ICH_LR_PENDING) != 0;
    *active = (val & ICH_LR_ACTIVE) != 0;
}

/* ICH_ELRSR_EL2 (12.4.6): Status<n> set for an LR with neither state whose HW bit is set or
 * EOI bit clear; one read for every list register. */
static uint32_t v3_lr_emptied(uint32_t mask) { return (uint32_t)sysreg_read(ich_elrsr_el2) & mask; }

static void v3_load(struct vgic_cpu *c)
{
    sysreg_write(ich_vmcr_el2, c->vmcr);
    ich_apr_restore(c->apr, nr_apr);
    sysreg_write(ich_hcr_el2, ICH_HCR_EN);
    isb();
}

static void v3_put(struct vgic_cpu *c)
{
    c->vmcr = (uint32_t)sysreg_read(ich_vmcr_el2);
    ich_apr_save(c->apr, nr_apr);
    sysreg_write(ich_hcr_el2, 0);
    isb();
}

static void v3_set_underflow(bool on)
{
    sysreg_write(ich_hcr_el2, ICH_HCR_EN | (on ? ICH_HCR_UIE : 0));
    isb();
}

static uint8_t v3_vpmr(void) { return (uint8_t)(sysreg_read(ich_vmcr_el2) >> ICH_VMCR_VPMR_SHIFT); }

/* ---- GICD ---- */

static unsigned route_to_vcpu(struct vm *vm, uint64_t irouter)
{
    if (irouter & GICD_IROUTER_IRM)
        return 0; /* any vCPU; vCPU 0 participates */
    struct vcpu *t = vm_vcpu_by_mpidr(vm, irouter & GICD_IROUTER_AFF_MASK);
    return t ? t->id : VGIC_NO_TARGET;
}

static int gicd_access(struct vcpu *v, void *dev, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    struct vgic *g = dev;
    if (size == 8 && !(off >= 0x6000 && off < 0x8000))
        return write ? 0 : (*val = 0, 0); /* 64-bit only for GICD_IROUTER<n> */
    if (!write && size == 4 && (off == 0x0004 || off == 0x0008 || off == GICD_PIDR2)) {
        /* Identification: constant, no lock. GICD_TYPER (12.9.38): ITLinesNumber [4:0],
         * CPUNumber [7:5], IDbits [23:19] = 9 (10-bit INTIDs) without LPIs; with them (a vITS)
         * LPIS, IDbits 13 (14-bit INTIDs, the fewest that hold LPIs) and num_LPIs saying that
         * only VGIC_NR_LPIS of them exist (Linux: "ITS: Using hypervisor restricted LPI
         * range"). */
        if (off == 0x0004)
            *val = (g->nr_irqs / 32 - 1) | ((g->vm->cfg.nr_vcpus - 1) & 7) << 5 |
                   (g->has_lpis ? GICD_TYPER_LPIS | 13u << GICD_TYPER_IDBITS_SHIFT |
                                      (VGIC_NR_LPIS_LOG2 - 1u) << GICD_TYPER_NUM_LPIS_SHIFT
                                : 9u << GICD_TYPER_IDBITS_SHIFT);
        else
            *val = off == 0x0008 ? VGIC_IIDR : VGIC_PIDR2;
        return 0;
    }
    spin_lock(&g->lock);
    if (off == 0x0000 && size == 4) { /* GICD_CTLR */
        if (write) {
            g->grp0_en = *val & 1;
            g->grp1_en = (*val >> 1) & 1;
            vgic_refresh_all(g);
        } else {
            *val = (uint32_t)g->grp0_en | (uint32_t)g->grp1_en << 1 | CTLR_ARE | CTLR_DS;
        }
    } else if (off >= 0x0080 && off < 0x0d00) {
        vgic_regs_access(g, v->id, (uint32_t)off, size, write, val, VGIC_NR_PRIVATE, g->nr_irqs);
    } else if (off >= 0x6000 + 8 * VGIC_NR_PRIVATE && off < 0x6000 + 8 * (uint64_t)g->nr_irqs &&
               (size == 8 || size == 4) && !(off & (size - 1))) {
        /* GICD_IROUTER<n> (12.9.22): the affinity fields and Interrupt_Routing_Mode. */
        uint32_t intid = (uint32_t)(off - 0x6000) / 8;
        struct virq *q = vgic_irq(g, 0, intid);
        unsigned shift = (off & 4) ? 32 : 0;
        uint64_t mask = size == 8 ? ~0UL : 0xffffffffUL << shift;
        if (write) {
            q->irouter = ((q->irouter & ~mask) | ((*val << shift) & mask)) & (GICD_IROUTER_AFF_MASK | GICD_IROUTER_IRM);
            vgic_set_target(g, intid, route_to_vcpu(g->vm, q->irouter));
        } else {
            *val = (q->irouter & mask) >> shift;
        }
    } else if (!write) {
        *val = 0; /* reserved and unimplemented registers: RAZ/WI */
    }
    spin_unlock(&g->lock);
    return 0;
}

static int gicd_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    return gicd_access(v, dev, off, size, false, val);
}

static int gicd_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    return gicd_access(v, dev, off, size, true, &val);
}

static const struct mmio_ops gicd_ops = { .read = gicd_read, .write = gicd_write };

/* ---- GICR: RD_base and SGI_base frames of each vCPU ---- */

static int gicr_access(struct vcpu *v, void *dev, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    struct vgic *g = dev;
    unsigned idx = (unsigned)(off / REDIST_FRAME);
    uint32_t o = (uint32_t)(off % REDIST_FRAME);
    if (!write)
        *val = 0;
    if (idx >= g->vm->cfg.nr_vcpus)
        return 0;
    struct vcpu *owner = &g->vm->vcpu[idx];
    spin_lock(&g->lock);
    if ((o == 0x0008 && (size == 8 || size == 4)) || (o == 0x000c && size == 4)) {
        /* GICR_TYPER (12.11.33): 64 bits, or either 32-bit half */
        if (!write) {
            /* Affinity_Value [63:32], Processor_Number [23:8], Last [4]. */
            /* With LPIs, PLPIS [0]; DirectLPI [3] stays 0 (LPIs come only through the ITS). */
            uint64_t t = gic_mpidr_aff32(owner->vmpidr) << GICR_TYPER_AFF_SHIFT | (uint64_t)idx << 8 |
                         (idx == g->vm->cfg.nr_vcpus - 1 ? 1u << 4 : 0) | (g->has_lpis ? GICR_TYPER_PLPIS : 0);
            *val = size == 8 ? t : (o == 0x000c ? t >> 32 : (uint32_t)t);
        }
    } else if (o < 0x80 && vgic_lpi_rd_access(g, idx, o, size, write, val)) {
        /* GICR_CTLR, GICR_PROPBASER, GICR_PENDBASER: done */
    } else if (size != 4) {
        /* Everything else here is 32 bits wide (or a byte array in the SGI frame). */
        if (o >= SGI_FRAME + 0x400 && o < SGI_FRAME + 0x420 && size == 1)
            vgic_regs_access(g, idx, o - SGI_FRAME, size, write, val, 0, VGIC_NR_PRIVATE);
    } else if (o == 0x0004 && !write) { /* GICR_IIDR */
        *val = VGIC_IIDR;
    } else if (o == 0x0014) { /* GICR_WAKER (12.11.39) */
        /* ProcessorSleep [1]; ChildrenAsleep [2] follows it at once. */
        if (write)
            g->cpu[idx].waker = (uint32_t)*val & 2;
        else
            *val = g->cpu[idx].waker ? 6 : 0;
    } else if (o == GICD_PIDR2 && !write) {
        *val = VGIC_PIDR2;
    } else if (o >= SGI_FRAME + 0x080 && o < SGI_FRAME + 0x0d00 &&
               !(o >= SGI_FRAME + 0x0800 && o < SGI_FRAME + 0x0c00)) {
        /* IGROUPR0..ICFGR1; a redistributor has no ITARGETSR (12.11: reserved, RAZ/WI). */
        vgic_regs_access(g, idx, o - SGI_FRAME, size, write, val, 0, VGIC_NR_PRIVATE);
    }
    spin_unlock(&g->lock);
    return 0;
}

static int gicr_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    return gicr_access(v, dev, off, size, false, val);
}

static int gicr_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    return gicr_access(v, dev, off, size, true, &val);
}

static const struct mmio_ops gicr_ops = { .read = gicr_read, .write = gicr_write };

static int v3_attach(struct vm *vm)
{
    struct vgic *g = vgic_of(vm);
    uint64_t vtr = sysreg_read(ich_vtr_el2);
    g->nr_lrs = (unsigned)REG_GET(vtr, ICH_VTR_LISTREGS) + 1;
    nr_apr = ich_nr_apr();
    if (g->nr_lrs > VGIC_MAX_LRS)
        g->nr_lrs = VGIC_MAX_LRS;
    for (unsigned c = 0; c < vm->cfg.nr_vcpus; c++)
        g->cpu[c].waker = 2; /* asleep until the guest wakes it */
    if (vm_add_mmio(vm, VGIC_DIST_IPA, VGIC_DIST_SIZE, &gicd_ops, g) < 0 ||
        vm_add_mmio(vm, VGIC_REDIST_IPA, VGIC_REDIST_STRIDE * vm->cfg.nr_vcpus, &gicr_ops, g) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

const struct vgic_backend vgic_v3_backend = {
    .version = 3,
    .attach = v3_attach,
    .lr_encode = v3_lr_encode,
    .lr_encode_pending = v3_lr_encode_pending,
    .lr_state_bits = ICH_LR_STATE_MASK,
    .lr_pending_bit = ICH_LR_PENDING,
    .lr_state = v3_lr_state,
    .lr_read = ich_lr_read,
    .lr_emptied = v3_lr_emptied,
    .lr_write = ich_lr_write,
    .load = v3_load,
    .put = v3_put,
    .set_underflow = v3_set_underflow,
    .vpmr = v3_vpmr,
};
