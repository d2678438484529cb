/* The guest hypervisor's GICv3 virtual interface (ICH_*_EL2; GIC architecture specification
 * IHI 0069H 12.4, Arm ARM D8.11): its list registers, active priorities, ICH_HCR_EL2 and
 * ICH_VMCR_EL2 are in its VNCR page (FEAT_NV2 turns their accesses into memory accesses);
 * what traps is here: ICC_SRE_EL2 and the read-only registers that the GIC computes from the
 * list registers (ICH_VTR_EL2, ICH_MISR_EL2, ICH_EISR_EL2, ICH_ELRSR_EL2), computed from the
 * VNCR copy the same way. It gets as many list registers as the CPU has, so that they can be
 * the CPU's own while its guest runs. */
#include "vdev/nested.h"
#include "core/vm.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/ich.h"
#include "arch/aarch64/regs/vncr.h"
#include "arch/aarch64/ich_regs.h"
#include "vdev/vgic.h"

#define VNCR_LR(n, i) __atomic_load_n(&(n)->vncr[VNCR_ICH_LR0_EL2 / 8 + (i)], __ATOMIC_RELAXED)

unsigned nested_gic_nr_lrs(void)
{
    unsigned nr = (unsigned)REG_GET(sysreg_read(ich_vtr_el2), ICH_VTR_LISTREGS) + 1;
    return nr > NESTED_GIC_MAX_LRS ? NESTED_GIC_MAX_LRS : nr;
}

/* ICH_VTR_EL2 as the guest hypervisor sees it: the CPU's priority and preemption bits (its
 * guest's virtual CPU interface is the CPU's), no direct injection of virtual LPIs (nV4), no
 * trapping of deactivation (TDS) nor of SEIs (SEIS). */
static uint64_t vtr(void)
{
    uint64_t v = sysreg_read(ich_vtr_el2) & ~(ICH_VTR_LISTREGS_MASK | ICH_VTR_TDS | ICH_VTR_SEIS);
    return v | ICH_VTR_NV4 | REG_FIELD(nested_gic_nr_lrs() - 1, ICH_VTR_LISTREGS_SHIFT);
}

/* ICH_EISR_EL2 (12.4.6): list registers with an EOI maintenance request done (state invalid,
 * HW = 0, EOI = 1). ICH_ELRSR_EL2 (12.4.7): the empty ones (state invalid, and HW = 1 or
 * EOI = 0). */
static uint64_t eisr(const struct nested_vcpu *n)
{
    uint64_t bits = 0;
    for (unsigned i = 0; i < nested_gic_nr_lrs(); i++) {
        uint64_t lr = VNCR_LR(n, i);
        if (!(lr & (ICH_LR_STATE_MASK | ICH_LR_HW)) && (lr & ICH_LR_EOI))
            bits |= REG_BIT(i);
    }
    return bits;
}

static uint64_t elrsr(const struct nested_vcpu *n)
{
    uint64_t bits = 0;
    for (unsigned i = 0; i < nested_gic_nr_lrs(); i++) {
        uint64_t lr = VNCR_LR(n, i);
        if (!(lr & ICH_LR_STATE_MASK) && ((lr & ICH_LR_HW) || !(lr & ICH_LR_EOI)))
            bits |= REG_BIT(i);
    }
    return bits;
}

/* ICH_MISR_EL2 (12.4.9): each reason the maintenance interrupt is asserted, from ICH_HCR_EL2's
 * enables, ICH_VMCR_EL2's group enables and the list registers. */
uint64_t nested_gic_misr(const struct nested_vcpu *n)
{
    uint64_t hcr = __atomic_load_n(&n->vncr[VNCR_ICH_HCR_EL2 / 8], __ATOMIC_RELAXED);
    uint64_t vmcr = __atomic_load_n(&n->vncr[VNCR_ICH_VMCR_EL2 / 8], __ATOMIC_RELAXED);
    unsigned valid = 0, pending = 0;
    for (unsigned i = 0; i < nested_gic_nr_lrs(); i++) {
        uint64_t lr = VNCR_LR(n, i);
        valid += (lr & ICH_LR_STATE_MASK) != 0;
        pending += (lr & ICH_LR_PENDING) != 0;
    }
    uint64_t misr = eisr(n) ? ICH_MISR_EOI : 0;
    if ((hcr & ICH_HCR_UIE) && valid <= 1)
        misr |= ICH_MISR_U;
    if ((hcr & ICH_HCR_LRENPIE) && (hcr & ICH_HCR_EOICOUNT_MASK))
        misr |= ICH_MISR_LRENP;
    if ((hcr & ICH_HCR_NPIE) && !pending)
        misr |= ICH_MISR_NP;
    if (hcr & (vmcr & ICH_VMCR_VENG0 ? ICH_HCR_VGRP0EIE : ICH_HCR_VGRP0DIE))
        misr |= vmcr & ICH_VMCR_VENG0 ? ICH_MISR_VGRP0E : ICH_MISR_VGRP0D;
    if (hcr & (vmcr & ICH_VMCR_VENG1 ? ICH_HCR_VGRP1EIE : ICH_HCR_VGRP1DIE))
        misr |= vmcr & ICH_VMCR_VENG1 ? ICH_MISR_VGRP1E : ICH_MISR_VGRP1D;
    return misr;
}

static bool gic_el2_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || n->at_el1)
        return false;
    switch (a->id) {
    case SYSREG(3, 4, 12, 9, 5): /* ICC_SRE_EL2: system registers only, always enabled */
        *val = ICC_SRE_EL2_SRE | ICC_SRE_EL2_DFB | ICC_SRE_EL2_DIB | ICC_SRE_EL2_ENABLE;
        return true;
    case SYSREG(3, 4, 12, 11, 1):
        *val = vtr();
        return true;
    case SYSREG(3, 4, 12, 11, 2):
        *val = nested_gic_misr(n);
        return true;
    case SYSREG(3, 4, 12, 11, 3):
        *val = eisr(n);
        return true;
    case SYSREG(3, 4, 12, 11, 5):
        *val = elrsr(n);
        return true;
    default:
        return false;
    }
}

/* ICC_SRE_EL2's bits are RAO/WI here (GICv3 system registers, no legacy interface); the other
 * rows are read-only, so their writes are UNDEFINED. */
static bool sre_el2_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct nested_vcpu *n = nested_of(v);
    (void)a;
    (void)val;
    return n && !n->at_el1;
}

static const struct sysreg_desc rows[] = {
    { .name = "ICC_SRE_EL2",
      .enc = SYSREG(3, 4, 12, 9, 5),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = gic_el2_read,
      .write = sre_el2_write },
    { .name = "ICH_VTR_EL2", .enc = SYSREG(3, 4, 12, 11, 1), .rd = SR_RD_CALL, .read = gic_el2_read },
    { .name = "ICH_MISR_EL2", .enc = SYSREG(3, 4, 12, 11, 2), .rd = SR_RD_CALL, .read = gic_el2_read },
    { .name = "ICH_EISR_EL2", .enc = SYSREG(3, 4, 12, 11, 3), .rd = SR_RD_CALL, .read = gic_el2_read },
    { .name = "ICH_ELRSR_EL2", .enc = SYSREG(3, 4, 12, 11, 5), .rd = SR_RD_CALL, .read = gic_el2_read },
};

const struct sysreg_table nested_gic_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };

/* ---- its guest on the CPU's interface ------------------------------------------------------
 * While its EL1 guest runs with the guest hypervisor's HCR_EL2.IMO set (as a hypervisor runs
 * its guests), the CPU's GIC virtual interface is that guest's: the VM's own interface is put
 * (vgic_put) and the guest hypervisor's list registers, active priorities, ICH_VMCR_EL2 and
 * ICH_HCR_EL2 are loaded from its VNCR page; its guest then takes, acknowledges and ends its
 * virtual interrupts with no exit, as on hardware. They go back to the page at the switch to
 * virtual EL2 or when the vCPU is put. */

#define VNCR_SLOT(n, off) (n)->vncr[(off) / 8]
/* The ICH_HCR_EL2 fields loaded into the CPU: the enable, the maintenance enables and
 * EOIcount. Its trap controls (TC, TALL0, TALL1, TDIR, TSEI) would trap its guest's GIC
 * accesses to elvisor, whose own rows are the VM's: not honoured. */
#define HCR_LOADED                                                                                     \
    (ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_LRENPIE | ICH_HCR_NPIE | ICH_HCR_VGRP0EIE | ICH_HCR_VGRP0DIE | \
     ICH_HCR_VGRP1EIE | ICH_HCR_VGRP1DIE | ICH_HCR_EOICOUNT_MASK)

/* A list register of the guest hypervisor as the CPU gets it. HW = 1 names one of the VM's
 * interrupts as the "physical" one (pINTID): if that is linked to a physical interrupt (the
 * timer's PPI, a passthrough SPI), the CPU's LR names that one, so that the guest's
 * deactivation reaches it as it would on hardware; otherwise HW = 0 with an EOI maintenance
 * request, and elvisor deactivates the VM's interrupt itself when it sees the EOI
 * (nested_gic_links_done). */
static uint64_t lr_for_cpu(struct vcpu *v, uint64_t lr)
{
    if (!(lr & ICH_LR_HW))
        return lr;
    uint32_t intid = (uint32_t)REG_GET(lr, ICH_LR_PINTID), phys;
    lr &= ~(ICH_LR_HW | ICH_LR_PINTID_MASK);
    if (vgic_hw_link(v, intid, &phys))
        return lr | ICH_LR_HW | (REG_FIELD(phys, ICH_LR_PINTID_SHIFT) & ICH_LR_PINTID_MASK);
    return lr | ICH_LR_EOI;
}

void nested_gic_lend(struct vcpu *v, struct nested_vcpu *n)
{
    vgic_put(v);
    unsigned nr = nested_gic_nr_lrs();
    n->lr_links = 0;
    for (unsigned i = 0; i < nr; i++) {
        uint64_t lr = VNCR_LR(n, i);
        if ((lr & ICH_LR_HW) && (lr & ICH_LR_STATE_MASK))
            n->lr_links |= (uint16_t)(1u << i);
        ich_lr_write(i, lr_for_cpu(v, lr));
    }
    uint32_t apr[8];
    for (unsigned i = 0; i < 4; i++) {
        apr[i] = (uint32_t)__atomic_load_n(&VNCR_SLOT(n, VNCR_ICH_AP0R0_EL2 + 8 * i), __ATOMIC_RELAXED);
        apr[4 + i] = (uint32_t)__atomic_load_n(&VNCR_SLOT(n, VNCR_ICH_AP1R0_EL2 + 8 * i), __ATOMIC_RELAXED);
    }
    ich_apr_restore(apr, ich_nr_apr());
    sysreg_write(ich_vmcr_el2, (uint32_t)__atomic_load_n(&VNCR_SLOT(n, VNCR_ICH_VMCR_EL2), __ATOMIC_RELAXED));
    sysreg_write(ich_hcr_el2, __atomic_load_n(&VNCR_SLOT(n, VNCR_ICH_HCR_EL2), __ATOMIC_RELAXED) & HCR_LOADED);
    isb();
    n->gic_lent = true;
}

/* The linked interrupts its guest ended: the VM's interrupt behind each is no longer active. An
 * LR whose HW link became an EOI request (lr_for_cpu) is emptied once done, so that its
 * maintenance request does not stay. */
void nested_gic_links_done(struct vcpu *v, struct nested_vcpu *n)
{
    for (uint32_t m = n->lr_links; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctz(m);
        uint64_t lr = ich_lr_read(i);
        if (lr & ICH_LR_STATE_MASK)
            continue;
        vgic_deactivate(v, (uint32_t)REG_GET(VNCR_LR(n, i), ICH_LR_PINTID));
        n->lr_links &= (uint16_t) ~(1u << i);
        if (!(lr & ICH_LR_HW))
            ich_lr_write(i, lr & ~ICH_LR_EOI);
    }
}

/* Back to the VNCR page: the state of each list register (the guest hypervisor's own encoding
 * kept), the active priorities, ICH_VMCR_EL2, EOIcount; the CPU's interface left disabled. */
void nested_gic_save(struct vcpu *v, struct nested_vcpu *n)
{
    nested_gic_links_done(v, n);
    unsigned nr = nested_gic_nr_lrs();
    for (unsigned i = 0; i < nr; i++) {
        uint64_t state = ich_lr_read(i) & ICH_LR_STATE_MASK;
        __atomic_store_n(&n->vncr[VNCR_ICH_LR0_EL2 / 8 + i], (VNCR_LR(n, i) & ~ICH_LR_STATE_MASK) | state,
                         __ATOMIC_RELAXED);
        ich_lr_write(i, 0);
    }
    uint32_t apr[8] = { 0 };
    ich_apr_save(apr, ich_nr_apr());
    for (unsigned i = 0; i < 4; i++) {
        __atomic_store_n(&VNCR_SLOT(n, VNCR_ICH_AP0R0_EL2 + 8 * i), apr[i], __ATOMIC_RELAXED);
        __atomic_store_n(&VNCR_SLOT(n, VNCR_ICH_AP1R0_EL2 + 8 * i), apr[4 + i], __ATOMIC_RELAXED);
    }
    __atomic_store_n(&VNCR_SLOT(n, VNCR_ICH_VMCR_EL2), sysreg_read(ich_vmcr_el2), __ATOMIC_RELAXED);
    uint64_t hcr = __atomic_load_n(&VNCR_SLOT(n, VNCR_ICH_HCR_EL2), __ATOMIC_RELAXED);
    hcr = (hcr & ~ICH_HCR_EOICOUNT_MASK) | (sysreg_read(ich_hcr_el2) & ICH_HCR_EOICOUNT_MASK);
    __atomic_store_n(&VNCR_SLOT(n, VNCR_ICH_HCR_EL2), hcr, __ATOMIC_RELAXED);
    sysreg_write(ich_hcr_el2, 0);
    isb();
    n->gic_lent = false;
}

void nested_gic_give_back(struct vcpu *v, struct nested_vcpu *n)
{
    nested_gic_save(v, n);
    vgic_load(v);
    nested_gic_maint_update(v, n);
}

/* The maintenance interrupt is a level (IHI 0069H 12.4.9): asserted while ICH_HCR_EL2.En and
 * some reason in ICH_MISR_EL2, from the VNCR copy. Looked at on each ERET of virtual EL2, so
 * the vGIC (a lock) is told only when it changes. */
void nested_gic_maint_update(struct vcpu *v, struct nested_vcpu *n)
{
    uint64_t hcr = __atomic_load_n(&VNCR_SLOT(n, VNCR_ICH_HCR_EL2), __ATOMIC_RELAXED);
    bool high = (hcr & ICH_HCR_EN) && nested_gic_misr(n);
    uint8_t level = high ? NESTED_MAINT_HIGH : NESTED_MAINT_LOW;
    if (level == n->maint)
        return;
    n->maint = level;
    vgic_set_level(v->vm, v, VGIC_MAINT_VIRQ, high);
}

/* While lent: the CPU's interface asks for maintenance (the guest hypervisor's reasons). */
bool nested_gic_maint_due(void) { return (sysreg_read(ich_hcr_el2) & ICH_HCR_EN) && sysreg_read(ich_misr_el2); }
