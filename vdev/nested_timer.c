/* The guest hypervisor's counter offset (docs/nested.md "Timers"; Arm ARM DDI 0487K.a D12.1.3
 * "The virtual counter", D24.10 CNTVOFF_EL2). A VM at virtual EL2 plays the hypervisor of its
 * own virtual counter: with HCR_EL2.E2H = 0 the virtual counter reads CNTPCT_EL0 minus
 * CNTVOFF_EL2 at EL2 and below, and CNTVOFF_EL2 is the guest hypervisor's (a slot of its VNCR
 * page, written without a trap). So the CPU's CNTVOFF_EL2 holds that slot, not the VM's own
 * offset (vm->cntvoff): taken at every ERET from virtual EL2 into its guest (where Linux's KVM
 * has just set its guest's offset, or 0 for its own kernel) and at every load of the vCPU. A
 * write at virtual EL2 reaches the CPU at its next ERET to its guest (nothing at virtual EL2
 * itself reads the virtual counter in the guest hypervisors this was built for).
 *
 * The EL1 virtual timer compares against that counter, in the hardware; the vtimer part
 * (vdev/vtimer.c) watches its deadline with the offset the CPU held when the vCPU was put. The
 * slot's value is the guest's choice: it moves only the VM's own virtual counter.
 *
 * Its EL2 timers, CNTHP_*_EL2 (the EL2 physical timer, PPI 10) and CNTHV_*_EL2 (FEAT_VHE's
 * EL2 virtual timer, PPI 12), trap at virtual EL2 (HCR_EL2.NV) to the rows below. With E2H = 0
 * they are two more emulated timers of the vCPU (vdev/vptimer.c: a deadline each, watched on
 * its physical CPU whether it runs virtual EL2, its guest or nothing, raising the VM's PPI on
 * the vGIC, where the guest hypervisor takes it as any interrupt of the VM). With E2H = 1 the
 * EL2 physical timer is the one its CNTP_*_EL0 accesses reach (vptimer_vhe) and the EL2
 * virtual timer the CPU's EL1 virtual timer while virtual EL2 runs (vdev/nested_vhe.c): the
 * EL2 names reach the same. Every value written is the guest's: a deadline, a TimerValue, the
 * enable and mask bits (D24.10). */
#include "vdev/nested.h"
#include "vdev/vptimer.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/vncr.h"

/* CNTHP_* are op2 0..2 at CRm = 2, CNTHV_* at CRm = 3 (op0 = 3, op1 = 4, CRn = 14). */
#define CRM_CNTHV 3

static struct nested_vcpu *at_vel2(struct vcpu *v, const struct sysreg_access *a)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || n->at_el1 || a->op2 > VPTIMER_CVAL)
        return 0;
    nested_vhe_sync(v, n);
    return n;
}

/* E2H = 1: its EL2 virtual timer is the CPU's EL1 virtual timer now. */
static uint64_t cpu_vtimer_read(unsigned reg)
{
    return reg == VPTIMER_TVAL  ? sysreg_read(cntv_tval_el0)
           : reg == VPTIMER_CTL ? sysreg_read(cntv_ctl_el0)
                                : sysreg_read(cntv_cval_el0);
}

static void cpu_vtimer_write(unsigned reg, uint64_t val)
{
    if (reg == VPTIMER_TVAL)
        sysreg_write(cntv_tval_el0, val);
    else if (reg == VPTIMER_CTL)
        sysreg_write(cntv_ctl_el0, val);
    else
        sysreg_write(cntv_cval_el0, val);
}

/* Which emulated timer the name reaches (E2H = 1: the EL2 physical one is in the EL1 one's
 * place, vptimer_vhe). */
static unsigned which(const struct nested_vcpu *n, const struct sysreg_access *a)
{
    if (a->crm == CRM_CNTHV)
        return VPTIMER_EL2_VIRT;
    return n->vhe ? VPTIMER_EL1_PHYS : VPTIMER_EL2_PHYS;
}

static bool el2_timer_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    struct nested_vcpu *n = at_vel2(v, a);
    if (!n)
        return false;
    *val = n->vhe && a->crm == CRM_CNTHV ? cpu_vtimer_read(a->op2) : vptimer_read(v, which(n, a), a->op2);
    return true;
}

static bool el2_timer_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct nested_vcpu *n = at_vel2(v, a);
    if (!n)
        return false;
    if (n->vhe && a->crm == CRM_CNTHV)
        cpu_vtimer_write(a->op2, val);
    else
        vptimer_write(v, which(n, a), a->op2, val);
    return true;
}

static const struct sysreg_desc rows[] = {
    { .name = "CNTHP_*_EL2, CNTHV_*_EL2",
      .enc = SYSREG(3, 4, 14, 2, 0),
      .any = SYSREG(0, 0, 0, 1, 3),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = el2_timer_read,
      .write = el2_timer_write },
};

const struct sysreg_table nested_timer_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };

void nested_timer_apply(const struct nested_vcpu *n)
{
    /* With E2H = 1 its EL2&0 regime reads the virtual counter with no offset (D12.1.3: the
     * offset is zero for EL2 and, with TGE = 1, EL0), and virtual EL2 runs at EL1: 0 there. */
    uint64_t off = n->vhe && !n->at_el1 ? 0 : __atomic_load_n(&n->vncr[VNCR_CNTVOFF_EL2 / 8], __ATOMIC_RELAXED);
    sysreg_write(cntvoff_el2, off);
}
