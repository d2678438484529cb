/* Memory tagging for guests (Arm ARM DDI 0487K.a, D10 "The Memory Tagging Extension"), where
 * the machine has tag storage (FEAT_MTE2: QEMU `-M virt,mte=on`, arch/aarch64/mte.h); a part of
 * the virtual CPU hardware (core/vcpu_hw.h).
 *
 * A VM with MTE (not turned off by "no-mte" or virtual-el2) runs with HCR_EL2.ATA = 1 from its
 * first instruction: Allocation Tag access at EL1 and EL0 as the guest's SCTLR_EL1.ATA/ATA0
 * allow, and the tag-check registers GCR_EL1, RGSR_EL1, TFSR_EL1 and TFSRE0_EL1 untrapped, so
 * they are switched at every load and put of its vCPUs. Not lazily: with ATA = 0 the tag
 * instructions do not trap (STG is ignored, LDG reads 0, D10.4), so a guest that tags memory
 * before touching a tag-check register would silently lose its tags. SCTLR_EL1 (ATA, ATA0,
 * TCF, TCF0, ITFSB) and TCR_EL1 (TBI, TCMA) are part of its EL1 context already.
 *
 * Stage 2: guest RAM is Normal Inner/Outer Write-Back (PT_S2_RAM); with FEAT_MTE2 and without
 * FEAT_MTE_PERM, memory the guest maps Tagged at stage 1 (MAIR 0xf0) is Tagged after the two
 * stages combine (D10.3.1), so stage 2 needs nothing more; device and passthrough regions are
 * Device memory at stage 2 and never Tagged. The tags of a VM's RAM are cleared with its data
 * when it is created and at each reset (core/vm_load.c, in core/vm_reset.c's 2 MiB steps).
 *
 * Any other VM (or any VM where the CPU lacks tag storage) sees ID_AA64PFR1_EL1.MTE = 0
 * (vdev/id_regs.c); HCR_EL2.ATA = 0 traps its tag-check registers (UNDEFINED, core's sysreg
 * trap) and makes tag stores no-ops; HCR_EL2.TID5 traps GMID_EL1 (UNDEFINED). Its RAM's tags
 * are zero (cleared at creation and reset) and it cannot change them, so a tag check it turns
 * on in SCTLR_EL1 (a RES0 field it was told does not exist) can only fault itself.
 *
 * Concurrency: load and put run on the vCPU's physical CPU; attach runs with no vCPU of the VM
 * loaded. */
#include "vdev/vmte.h"
#include "vdev/vcpu_hw_table.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "arch/aarch64/mte.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/hcr.h"

struct vmte_cpu {
    uint64_t gcr, rgsr, tfsr, tfsre0;
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VMTE].state). */
struct vmte_vm {
    bool on; /* the VM has MTE: its vCPUs' registers are switched */
    struct vmte_cpu cpu[VM_MAX_VCPUS];
};

static bool host_tags; /* the boot CPU has tag storage: set once, before any VM is built */

bool vmte_offered(void) { return host_tags; }

static void vmte_init(void) { host_tags = mte_tag_memory(); }

/* At creation and each reset (no vCPU loaded; vcpu_init cleared the HCR_EL2 bits parts set):
 * the registers' reset values (GCR_EL1, RGSR_EL1: UNKNOWN; TFSR*: the flags clear) are 0. */
static int vmte_attach(struct vm *vm)
{
    struct vmte_vm *s = vm->hw[VCPU_HW_VMTE].state;
    *s = (struct vmte_vm){ .on = host_tags && !vm_cpu_feature_off(&vm->cfg, CPU_FEAT_MTE) };
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VMTE, s->on);
    if (!host_tags)
        return 0; /* ATA and TID5 name nothing to trap; HCR_EL2.ATA stays 0 */
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        vcpu_set_hcr(&vm->vcpu[i], s->on ? HCR_EL2_ATA : HCR_EL2_TID5, true);
    return 0;
}

/* Effective for the guest at the next ERET (a context synchronization event). Encodings: GCR_EL1
 * S3_0_C1_C0_6, RGSR_EL1 S3_0_C1_C0_5, TFSR_EL1 S3_0_C5_C6_0, TFSRE0_EL1 S3_0_C5_C6_1. */
static void vmte_load(struct vcpu *v)
{
    const struct vmte_vm *s = v->vm->hw[VCPU_HW_VMTE].state;
    if (!s->on)
        return;
    const struct vmte_cpu *c = &s->cpu[v->id];
    sysreg_write(s3_0_c1_c0_6, c->gcr);
    sysreg_write(s3_0_c1_c0_5, c->rgsr);
    sysreg_write(s3_0_c5_c6_0, c->tfsr);
    sysreg_write(s3_0_c5_c6_1, c->tfsre0);
}

/* An asynchronous tag check fault the guest caused reaches TFSR_EL1 by the time of the exit's
 * exception entry only with SCTLR_EL1.ITFSB; without it the flag may land later, possibly in
 * the next vCPU's register (D10.6.3). The DSB here is the synchronization a hypervisor is
 * given for it: faults of the guest's earlier accesses are recorded before the save. */
static void vmte_put(struct vcpu *v)
{
    struct vmte_vm *s = v->vm->hw[VCPU_HW_VMTE].state;
    if (!s->on)
        return;
    struct vmte_cpu *c = &s->cpu[v->id];
    dsb_ish(); /* a superset of the DSB NSH Arm asks for */
    isb();
    c->gcr = sysreg_read(s3_0_c1_c0_6);
    c->rgsr = sysreg_read(s3_0_c1_c0_5);
    c->tfsr = sysreg_read(s3_0_c5_c6_0);
    c->tfsre0 = sysreg_read(s3_0_c5_c6_1);
}

const struct vcpu_hw_ops vmte_hw_ops = {
    .vm_state_size = sizeof(struct vmte_vm),
    .init = vmte_init,
    .attach = vmte_attach,
    .load = vmte_load,
    .put = vmte_put,
};
