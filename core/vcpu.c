#include "core/vcpu.h"
#include "core/sched.h"
#include "core/exit.h"
#include "core/percpu.h"
#include "core/irq.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/stage2_hw.h"
#include "core/vcpu_hw.h"

/* HCR_EL2 for guests (Arm ARM D19.2 HCR_EL2). */
#define HCR_VM     (1UL << 0) /* stage 2 on */
#define HCR_SWIO   (1UL << 1) /* set/way invalidate becomes clean+invalidate */
#define HCR_FMO    (1UL << 3) /* physical FIQ/IRQ/SError to EL2, virtual ones to EL1 */
#define HCR_IMO    (1UL << 4)
#define HCR_AMO    (1UL << 5)
#define HCR_VF     (1UL << 6) /* virtual FIQ, IRQ, SError pending */
#define HCR_VI     (1UL << 7)
#define HCR_VSE    (1UL << 8)
#define HCR_FB     (1UL << 9)  /* broadcast TLB and I-cache maintenance */
#define HCR_BSU_IS (1UL << 10) /* barriers inner shareable */
#define HCR_TWI    (1UL << 13)
#define HCR_TWE    (1UL << 14)
#define HCR_TID3   (1UL << 18) /* ID group 3: sanitized ID registers */
#define HCR_TSC    (1UL << 19) /* SMC traps: the firmware is never reached */
#define HCR_TIDCP  (1UL << 20) /* implementation-defined registers */
#define HCR_TACR   (1UL << 21) /* ACTLR_EL1 */
#define HCR_TSW    (1UL << 22) /* data cache set/way maintenance */
#define HCR_RW     (1UL << 31) /* EL1 is AArch64 */

#define HCR_GUEST                                                                                           \
    (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWE | HCR_TID3 | HCR_TSC | \
     HCR_TIDCP | HCR_TACR | HCR_TSW | HCR_RW)

/* WFI traps only where the vCPU shares its CPU, so that it can give the CPU away. A vCPU alone
 * on its CPU executes WFI itself: the CPU sleeps in the guest until a virtual interrupt is
 * pending or a physical one (its timer, a kick, an IPI) takes it to EL2, which saves an exit
 * on each side of every wake-up (static partitioning, as Bao and Jailhouse do). Exception:
 * while a timer interrupt is latched but cannot be given to the guest (disabled in its GIC),
 * its physical PPI stays active and cannot wake the CPU; WFI traps then and the hypervisor
 * watches the timer (vcpu_trap_wfi, vdev/vtimer.c). And a vCPU given vcpu_poll_kick (new input
 * for a guest that polls its UART between WFIs) traps its next WFI, which then completes at
 * once: otherwise news that lands between the guest's last look and its WFI is slept through
 * (core/irq.c, core/exit.c). */
static uint64_t guest_hcr(const struct vcpu *v)
{
    return HCR_GUEST | (sched_cpu_shared() || v->wfi_trap ? HCR_TWI : 0);
}

/* CPTR_EL2, E2H=0 (Arm ARM D19.2): TZ[8] traps SVE, TSM[12] (RES1 without SME) traps SME,
 * TAM[30] traps activity monitors; bits 9 and 13 are RES1; TFP[10] stays 0 (FP is switched). */
#define CPTR_GUEST ((1UL << 8) | (1UL << 9) | (1UL << 12) | (1UL << 13) | (1UL << 30))

/* MDCR_EL2: TPMCR[5], TPM[6] trap the PMU, TDA[9], TDOSA[10], TDRA[11] trap debug registers,
 * TPMS[14] traps SPE, TTRF[19] trace filters. HPMN[4:0] = 0 counters for EL1. The guest sees
 * these features hidden in its ID registers; their registers are emulated or UNDEFINED. */
#define MDCR_GUEST ((1UL << 5) | (1UL << 6) | (1UL << 9) | (1UL << 10) | (1UL << 11) | (1UL << 14) | (1UL << 19))

/* CNTHCTL_EL2, E2H=0: EL1PCTEN[0] lets EL1 read the physical counter; EL1PCEN[1] = 0 traps the
 * EL1 physical timer registers, which the guest does not get. */
#define CNTHCTL_GUEST (1UL << 0)

void vcpu_cpu_init(void)
{
    sysreg_write(cptr_el2, CPTR_GUEST);
    sysreg_write(mdcr_el2, MDCR_GUEST);
    sysreg_write(cnthctl_el2, CNTHCTL_GUEST);
    sysreg_write(vpidr_el2, sysreg_read(midr_el1));
    stage2_hw_init();
    isb();
}

/* The parts of the virtual CPU hardware (core/vcpu_hw.h), on the paths of every vCPU switch,
 * exit and entry: inline loops that cost a few instructions more than calling each part. */
static inline void hw_load(struct vcpu *v)
{
    const struct vm *vm = v->vm;
    for (unsigned i = vm->nr_hw; i-- > 0;)
        vm->hw[i].ops->load(v);
}

static inline void hw_put(struct vcpu *v)
{
    const struct vm *vm = v->vm;
    for (unsigned i = 0, n = vm->nr_hw; i < n; i++)
        vm->hw[i].ops->put(v);
}

/* The parts whose byte is set in mask (first value m), first to last; each later byte is read
 * again after the earlier parts ran. */
static inline void hw_marked(struct vcpu *v, const volatile union vcpu_hw_mask *mask, uint64_t m, bool sync)
{
    const struct vcpu_hw *hw = v->vm->hw;
    for (;;) {
        unsigned i = (unsigned)__builtin_ctzll(m) / 8;
        const struct vcpu_hw_ops *ops = hw[i].ops;
        (sync ? ops->sync : ops->flush)(v);
        m = mask->any & (~0UL << 8 << 8 * i);
        if (!m)
            return;
    }
}

void vcpu_load(struct vcpu *v)
{
    struct percpu *pc = this_cpu();
    if (pc->fp_owner != v || v->fp_stale) {
        if (pc->fp_owner && pc->fp_owner != v)
            fp_ctx_save(&pc->fp_owner->fp);
        fp_ctx_restore(&v->fp);
        pc->fp_owner = v;
        v->fp_stale = false;
    }
    el1_ctx_restore(&v->el1);
    sysreg_write(vttbr_el2, v->vm->vttbr);
    sysreg_write(vmpidr_el2, v->vmpidr);
    sysreg_write(cntvoff_el2, v->vm->cntvoff);
    v->hcr = guest_hcr(v);
    sysreg_write(hcr_el2, v->hcr | __atomic_load_n(&v->vlines, __ATOMIC_RELAXED));
    isb();
    pc->vcpu = v;
    v->loaded = true;
    hw_load(v);
}

void vcpu_put(struct vcpu *v)
{
    el1_ctx_save(&v->el1);
    hw_put(v);
    sysreg_write(hcr_el2, HCR_RW);
    isb();
    this_cpu()->vcpu = 0;
    __atomic_store_n(&v->loaded, false, __ATOMIC_RELEASE);
}

void vcpu_trap_wfi(struct vcpu *v, unsigned reason, bool on)
{
    v->wfi_trap = (uint8_t)(on ? v->wfi_trap | reason : v->wfi_trap & ~reason);
    v->hcr = guest_hcr(v);
}

void vcpu_poll_kick(struct vcpu *v)
{
    __atomic_store_n(&v->poll_kick, true, __ATOMIC_RELEASE);
    vcpu_kick(v);
}

/* Makes v leave the guest soon, if it is running on another CPU. */
void vcpu_kick(struct vcpu *v)
{
    if (v->loaded)
        irq_kick_cpu(v->pcpu);
}

/* HCR_EL2 for the next entry, written only when it changes: v->hcr (guest_hcr) with the
 * virtual interrupt lines outside the GIC, VF [6], VI [7], VSE [8] (Arm ARM D19.2 HCR_EL2). */
static uint64_t vcpu_entry_hcr(struct vcpu *v, uint64_t cur)
{
    uint64_t want = v->hcr | __atomic_load_n(&v->vlines, __ATOMIC_RELAXED);
    if (want != cur) {
        /* With FEAT_RAS (ID_AA64PFR0_EL1.RAS [31:28]) the guest's ESR_EL1 for the virtual
         * SError comes from VSESR_EL2: 0, an uncategorized error (Arm ARM D19.2 VSESR_EL2). */
        if ((want & HCR_VSE) && ((sysreg_read(id_aa64pfr0_el1) >> 28) & 0xf))
            sysreg_write(s3_4_c5_c2_3, 0);
        sysreg_write(hcr_el2, want);
        isb();
    }
    return want;
}

/* The guest taking the virtual SError clears HCR_EL2.VSE: it is one-shot. */
static uint64_t vlines_exit(struct vcpu *v, uint64_t cur)
{
    if ((cur & HCR_VSE) && !(sysreg_read(hcr_el2) & HCR_VSE)) {
        __atomic_fetch_and(&v->vlines, ~HCR_VSE, __ATOMIC_RELAXED);
        cur &= ~HCR_VSE;
    }
    return cur;
}

void vcpu_set_vline(struct vcpu *v, enum vcpu_vline line, bool on)
{
    uint64_t bit = line == VLINE_IRQ ? HCR_VI : line == VLINE_FIQ ? HCR_VF : HCR_VSE;
    if (on)
        __atomic_fetch_or(&v->vlines, bit, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&v->vlines, ~bit, __ATOMIC_RELAXED);
    if (v->pcpu != this_cpu()->id)
        vcpu_kick(v);
}

void vcpu_run(struct vcpu *v)
{
    vcpu_load(v);
    uint64_t hcr = v->hcr | __atomic_load_n(&v->vlines, __ATOMIC_RELAXED);
    struct percpu *pc = this_cpu();
    while (v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING && !pc->resched) {
        /* The virtual CPU hardware: one load and branch each way unless a part has work. */
        uint64_t m = v->hw_flush.any;
        if (m)
            hw_marked(v, &v->hw_flush, m, false);
        hcr = vcpu_entry_hcr(v, hcr);
        unsigned kind = vcpu_enter(&v->regs);
        hcr = vlines_exit(v, hcr);
        m = v->hw_sync.any;
        if (m)
            hw_marked(v, &v->hw_sync, m, true);
        if (exit_handle(v, kind) == EXIT_YIELD)
            break;
    }
    vcpu_put(v);
}
