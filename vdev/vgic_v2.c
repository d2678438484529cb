/* GICv2 back end (IHI 0048B): the distributor is emulated through MMIO traps; the guest's CPU
 * interface is the physical GICV frame, mapped by stage 2 at the VM's GICC address, fed through
 * the GICH list registers (chapter 5, "GIC Support for Virtualization"). */
#include "vdev/vgic_priv.h"
#include "core/vm_layout.h"
#include "core/stage2.h"
#include "core/platform.h"
#include "core/console.h"
#include "arch/aarch64/sysreg.h"

/* GICH registers (5.3, table 5-1). */
#define GICH_HCR    0x000
#define GICH_VTR    0x004
#define GICH_VMCR   0x008
#define GICH_ELRSR0 0x030
#define GICH_APR    0x0f0
#define GICH_LR0    0x100
/* GICH_HCR (5.3.1): En [0], UIE [1]. */
#define HCR_EN  1u
#define HCR_UIE 2u
/* GICH_LR<n> (5.3.11): VirtualID [9:0], PhysicalID [19:10] when HW = 1; with HW = 0, EOI [19]
 * and CPUID [12:10] for SGIs; Priority [27:23]; State [29:28]; Grp1 [30]; HW [31]. */
#define LR_EOI     (1u << 19)
#define LR_PENDING (1u << 28)
#define LR_ACTIVE  (1u << 29)
#define LR_GRP1    (1u << 30)
#define LR_HW      (1u << 31)

/* GICD_TYPER (4.3.2): ITLinesNumber [4:0], CPUNumber [7:5]; GICD_IIDR (4.3.3) Arm's JEP106
 * code 0x43b; ICPIDR2 ArchRev [7:4] = 2 (4.3.26 "Identification registers"). */
#define VGIC_IIDR      (0x45u << 24 | 0x43b)
#define VGIC_PIDR2     0x2b
#define GICD_SGIR      0xf00
#define GICD_CPENDSGIR 0xf10
#define GICD_SPENDSGIR 0xf20
#define GICD_PIDR2     0xfe8
#define GICV_MAP_SIZE  0x2000 /* GICV_CTLR..GICV_DIR (GICV_DIR at 0x1000) */

static uint64_t gich;

static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(uintptr_t)(gich + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(uintptr_t)(gich + off) = v; }

static uint64_t v2_lr_read(unsigned n) { return rd(GICH_LR0 + 4 * n); }
static void v2_lr_write(unsigned n, uint64_t val) { wr(GICH_LR0 + 4 * n, (uint32_t)val); }

/* GICH_ELRSR0 (5.3.9): Status<n> set for list register n with neither state whose HW bit is
 * set or EOI bit clear, one read for them all. Asked only about LRs without the EOI bit
 * (lr_emptied), for which that is "neither state". At most 16 LRs are used (VGIC_MAX_LRS):
 * GICH_ELRSR1 (LRs 32-63) never names one. */
_Static_assert(VGIC_MAX_LRS <= 32, "GICH_ELRSR0 covers every list register used");
static uint32_t v2_lr_emptied(uint32_t mask) { return rd(GICH_ELRSR0) & mask; }

/* GICH_LR (5.3.11) of an SGI: CPUID [12:10] its source. */
static uint64_t v2_lr_encode_sgi(uint32_t intid, uint8_t priority, bool group1, unsigned src, bool eoi)
{
    return (intid & 0xf) | (uint32_t)(src & 7) << 10 | (uint32_t)(priority >> 3) << 23 | LR_PENDING |
           (group1 ? LR_GRP1 : 0) | (eoi ? LR_EOI : 0);
}

static uint64_t v2_lr_encode(const struct vgic_lr *lr)
{
    uint32_t v = (lr->intid & 0x3ff) | (uint32_t)(lr->priority >> 3) << 23;
    if (lr->group1)
        v |= LR_GRP1;
    if (lr->hw) {
        v |= LR_HW | (uint32_t)(lr->pintid & 0x3ff) << 10;
    } else {
        if (lr->eoi)
            v |= LR_EOI;
        if (lr->intid < 16)
            v |= (uint32_t)(lr->src & 7) << 10;
    }
    if (lr->pending)
        v |= LR_PENDING;
    if (lr->active)
        v |= LR_ACTIVE;
    return v;
}

static uint64_t v2_lr_encode_pending(uint32_t intid, uint8_t priority, bool group1, uint32_t pintid)
{
    uint32_t v = (intid & 0x3ff) | (uint32_t)(priority >> 3) << 23 | LR_PENDING | (group1 ? LR_GRP1 : 0);
    if (pintid)
        v |= LR_HW | (pintid & 0x3ff) << 10;
    return v;
}

static void v2_lr_state(uint64_t val, bool *pending, bool *active)
{
    *pending = (val & LR_PENDING) != 0;
    *active = (val & LR_ACTIVE) != 0;
}

static void v2_load(struct vgic_cpu *c)
{
    wr(GICH_VMCR, c->vmcr);
    wr(GICH_APR, c->apr[0]);
    wr(GICH_HCR, HCR_EN);
}

static void v2_put(struct vgic_cpu *c)
{
    c->vmcr = rd(GICH_VMCR);
    c->apr[0] = rd(GICH_APR);
    wr(GICH_HCR, 0);
}

static void v2_set_underflow(bool on) { wr(GICH_HCR, HCR_EN | (on ? HCR_UIE : 0)); }

/* GICH_VMCR.VMPriMask [31:27] (5.3.4): the top 5 bits of the virtual priority mask. */
static uint8_t v2_vpmr(void) { return (uint8_t)((rd(GICH_VMCR) >> 27) << 3); }

/* GICD_SGIR (4.3.15): TargetListFilter [25:24] (0 list, 1 all but self, 2 self),
 * CPUTargetList [23:16], SGIINTID [3:0]. */
static void sgir_write(struct vgic *g, struct vcpu *v, uint32_t val)
{
    unsigned filter = (val >> 24) & 3, sgi = val & 0xf;
    uint32_t list = (val >> 16) & 0xff;
    if (filter == 1)
        list = ~(1u << v->id);
    else if (filter == 2)
        list = 1u << v->id;
    else if (filter == 3)
        return; /* reserved */
    /* Bits beyond the VM's vCPUs name nobody. */
    vgic_send_sgis_inline(g, true, v->id, list, sgi, false);
}

/* GICD_CPENDSGIR / GICD_SPENDSGIR (4.3.16, 4.3.17): one byte per SGI of the accessing CPU, one
 * bit per source CPU. */
static void sgi_pend_access(struct vgic *g, struct vcpu *v, uint32_t off, unsigned size, bool write, uint64_t *val,
                            bool set)
{
    uint32_t first = off & 0xf;
    uint64_t out = 0;
    uint8_t valid = (uint8_t)((1u << g->vm->cfg.nr_vcpus) - 1);
    for (unsigned i = 0; i < size; i++) {
        unsigned sgi = first + i;
        struct virq *q = vgic_irq(g, v->id, sgi);
        if (write) {
            uint8_t b = (uint8_t)(*val >> (8 * i)) & valid;
            if (!b)
                continue;
            if (set) {
                q->sgi_src |= b;
            } else {
                q->sgi_src &= (uint8_t)~b;
                if (q->lr >= 0 && (b >> q->lr_src & 1))
                    q->unpend = true;
            }
            vgic_update(g, sgi, q);
        } else {
            uint8_t b = q->sgi_src;
            if (q->lr >= 0 && !q->unpend) {
                bool pending, active;
                g->be->lr_state(g->cpu[q->lr_vcpu].lr_val[q->lr], &pending, &active);
                if (pending)
                    b |= (uint8_t)(1u << q->lr_src);
            }
            out |= (uint64_t)b << (8 * i);
        }
    }
    if (!write)
        *val = out;
}

static int gicd_access(struct vcpu *v, void *dev, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    struct vgic *g = dev;
    if (!write)
        *val = 0;
    if (size == 8)
        return 0; /* the GICv2 distributor has no 64-bit registers: RAZ/WI */
    if (!write && size == 4 && (off == 0x004 || off == 0x008 || off == GICD_PIDR2)) {
        /* Identification: constant, no lock. */
        if (off == 0x004)
            *val = (g->nr_irqs / 32 - 1) | ((g->vm->cfg.nr_vcpus - 1) & 7) << 5;
        else
            *val = off == 0x008 ? VGIC_IIDR : VGIC_PIDR2;
        return 0;
    }
    spin_lock(&g->lock);
    if (off == 0x000 && size == 4) { /* GICD_CTLR (4.3.1) */
        if (write) {
            g->grp0_en = *val & 1;
            g->grp1_en = (*val >> 1) & 1;
            vgic_refresh_all(g);
        } else {
            *val = (uint32_t)g->grp0_en | (uint32_t)g->grp1_en << 1;
        }
    } else if (off >= 0x080 && off < 0xd00) {
        vgic_regs_access(g, v->id, (uint32_t)off, size, write, val, 0, g->nr_irqs);
    } else if (off == GICD_SGIR && size == 4 && write) {
        sgir_write(g, v, (uint32_t)*val);
    } else if (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR + 0x10 && !(off & (size - 1))) {
        sgi_pend_access(g, v, (uint32_t)off, size, write, val, off >= GICD_SPENDSGIR);
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
    if (off == GICD_SGIR && size == 4) {
        /* An IPI, the hottest write: straight to it, without gicd_access's other cases. */
        struct vgic *g = dev;
        spin_lock(&g->lock);
        sgir_write(g, v, (uint32_t)val);
        spin_unlock(&g->lock);
        return 0;
    }
    return gicd_access(v, dev, off, size, true, &val);
}

static const struct mmio_ops gicd_ops = { .read = gicd_read, .write = gicd_write };

static int v2_attach(struct vm *vm)
{
    struct vgic *g = vgic_of(vm);
    gich = platform.gich.base;
    /* GICH_VTR.ListRegs [5:0] = LRs - 1 (5.3.2). */
    g->nr_lrs = (rd(GICH_VTR) & 0x3f) + 1;
    if (g->nr_lrs > VGIC_MAX_LRS)
        g->nr_lrs = VGIC_MAX_LRS;
    if (vm_add_mmio(vm, VGIC_DIST_IPA, 0x1000, &gicd_ops, g) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    /* Replacing: a VM reset attaches again over the same mapping. */
    if (stage2_remap_device(vm, VGIC_CPU_IPA, platform.gicv.base, GICV_MAP_SIZE) < 0) {
        printk("elvisor: VM '%s' refused: cannot map the GICV frame\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

const struct vgic_backend vgic_v2_backend = {
    .version = 2,
    .attach = v2_attach,
    .lr_encode = v2_lr_encode,
    .lr_encode_pending = v2_lr_encode_pending,
    .lr_encode_sgi = v2_lr_encode_sgi,
    .lr_state_bits = LR_PENDING | LR_ACTIVE,
    .lr_pending_bit = LR_PENDING,
    .lr_state = v2_lr_state,
    .lr_read = v2_lr_read,
    .lr_emptied = v2_lr_emptied,
    .lr_write = v2_lr_write,
    .load = v2_load,
    .put = v2_put,
    .set_underflow = v2_set_underflow,
    .vpmr = v2_vpmr,
};
