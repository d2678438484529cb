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
 * The EL2 timers (CNTHP_*, CNTHV_*) stay UNDEFINED: Linux in its nVHE mode runs its own kernel's
 * timer on the EL1 physical one and its guests' on the EL1 virtual one; only a VHE host uses
 * the EL2 physical timer. */
#include "vdev/nested.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/vncr.h"

void nested_timer_apply(const struct nested_vcpu *n)
{
    /* With E2H = 1 its EL2&0 regime reads the virtual counter with no offset (D12.1.3: the
     * offset is zero for EL2 and, with TGE = 1, EL0), and virtual EL2 runs at EL1: 0 there. */
    uint64_t off = n->vhe && !n->at_el1 ? 0 : __atomic_load_n(&n->vncr[VNCR_CNTVOFF_EL2 / 8], __ATOMIC_RELAXED);
    sysreg_write(cntvoff_el2, off);
}
