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
