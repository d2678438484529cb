#include "core/vcpu.h"
#include "core/sched.h"
#include "core/exit.h"
#include "core/percpu.h"
#include "core/irq.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/hcrx.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/mdcr.h"
#include "arch/aarch64/regs/timer.h"
#include "core/vcpu_hw.h"
#include "core/vcpu_fp.h"

/* HCR_EL2 for guests (Arm ARM D24.2.62): stage 2 on; set/way invalidate upgraded to clean and
 * invalidate; physical FIQ/IRQ/SError to EL2 and virtual ones to EL1; TLB and I-cache
 * maintenance broadcast and barriers inner shareable; traps of WFE, ID group 3 (sanitized ID
 * registers), SMC (the firmware is never reached), implementation-defined registers, ACTLR_EL1
 * and data-cache set/way operations; EL1 is AArch64. And, where the CPU has them (RES0
 * otherwise): the RAS error record registers (TERR: the physical error records are the
 * machine's, never a guest's; RAS is hidden from it, so they are UNDEFINED), synchronous
 * external aborts from EL1 and EL0 (TEA: the hypervisor sees and logs each one, then injects
 * it into the guest that caused it, core/mmio.c and core/exit.c) and the LORegion registers
 * (TLOR: emulated RAZ/WI, no LORegions, vdev/vsysreg.c). PTW: a guest's stage 1 walk that
 * lands in Device memory (a passthrough device) is a stage 2 fault, never a device read, also
 * when the hypervisor walks the guest's tables with AT (arch/aarch64/guest_at.c). */
#define HCR_GUEST                                                                                                      \
    (HCR_EL2_VM | HCR_EL2_SWIO | HCR_EL2_FMO | HCR_EL2_IMO | HCR_EL2_AMO | HCR_EL2_FB | HCR_EL2_BSU_IS | HCR_EL2_TWE | \
     HCR_EL2_TID3 | HCR_EL2_TSC | HCR_EL2_TIDCP | HCR_EL2_TACR | HCR_EL2_TSW | HCR_EL2_RW | HCR_EL2_TERR |             \
     HCR_EL2_TEA | HCR_EL2_TLOR | HCR_EL2_PTW)

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
    return (HCR_GUEST | v->hcr_parts | (sched_cpu_shared() || v->wfi_trap ? HCR_EL2_TWI : 0)) & ~v->hcr_off;
}

/* CPTR_EL2, E2H=0 (Arm ARM D24.2.38): SME, the activity monitors and the trace System
 * registers (TTA: trace is not switched per VM; the trap makes them UNDEFINED) trap (hidden
 * from the guest). FP/SIMD (TFP) traps while the loaded vCPU's registers are not live: core's
 * lazy switch (core/vcpu_fp.c) owns TFP, by read-modify-write. SVE traps until a
 * vCPU's first use: the SVE part (vdev/vsve.c) owns TZ and clears it, by read-modify-write,
 * while a vCPU that uses SVE is loaded. The RES1 bits, [7:0] among them, are set. */
#define CPTR_GUEST (CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TSM | CPTR_EL2_TAM | CPTR_EL2_TTA)

/* MDCR_EL2 (Arm ARM D24.3): the PMU (TPMCR, TPM), the debug registers (TDA, TDOSA, TDRA),
 * statistical profiling (TPMS) and the trace filters (TTRF) trap; HPMN = 0 counters for EL1.
 * Profiling and trace are hidden in the guest's ID registers and their registers UNDEFINED.
 * Debug and the PMU are the guest's, switched by two parts that each change only their own
 * fields of MDCR_EL2, by read-modify-write, while a vCPU that uses them is loaded: debug
 * (vdev/vdebug_regs.c) clears TDA (TDE = 0 takes the guest's debug exceptions to its EL1), the
 * PMU (vdev/vpmu.c) sets HPMN to the guest's counters and clears TPMCR. */
#define MDCR_GUEST \
    (MDCR_EL2_TPMCR | MDCR_EL2_TPM | MDCR_EL2_TDA | MDCR_EL2_TDOSA | MDCR_EL2_TDRA | MDCR_EL2_TPMS | MDCR_EL2_TTRF)

/* CNTHCTL_EL2, E2H=0 (Arm ARM D24.10): EL1 may read the physical counter; the EL1 physical timer
 * registers trap (EL1PCEN = 0) to their emulation (vdev/vptimer.c). */
#define CNTHCTL_GUEST CNTHCTL_EL2_EL1PCTEN

void vcpu_cpu_init(void)
{
    sysreg_write(cptr_el2, CPTR_GUEST);
    sysreg_write(mdcr_el2, MDCR_GUEST);
    sysreg_write(cnthctl_el2, CNTHCTL_GUEST);
    sysreg_write(vpidr_el2, sysreg_read(midr_el1));
    /* EL2 controls whose reset values are UNKNOWN, where the CPU has them (regs/hcrx.h). */
    if (ID_FIELD_GET(sysreg_read(id_aa64mmfr1_el1), ID_AA64MMFR1_EL1_HCX)) {
        bool mops = ID_FIELD_GET(sysreg_read(s3_0_c0_c6_2), ID_AA64ISAR2_EL1_MOPS) != 0;
        sysreg_write(s3_4_c1_c2_2, HCRX_EL2_GUEST | (mops ? HCRX_EL2_GUEST_MOPS : 0));
    }
    if (ID_FIELD_GET(sysreg_read(id_aa64mmfr0_el1), ID_AA64MMFR0_EL1_FGT)) {
        sysreg_write(s3_4_c1_c1_4, FGT_EL2_GUEST);
        sysreg_write(s3_4_c1_c1_5, FGT_EL2_GUEST);
        sysreg_write(s3_4_c1_c1_6, FGT_EL2_GUEST);
        sysreg_write(s3_4_c3_c1_4, FGT_EL2_GUEST);
        sysreg_write(s3_4_c3_c1_5, FGT_EL2_GUEST);
    }
    stage2_hw_init();
    isb();
}

/* The parts of the virtual CPU hardware (core/vcpu_hw.h), on the paths of every vCPU switch,
 * exit and entry: inline loops that cost a few instructions more than calling each part. At a
 * switch only the parts switched for v (v->hw_switched) are called. */
static inline void hw_load(struct vcpu *v)
{
    const struct vcpu_hw *hw = v->vm->hw;
    for (unsigned m = v->hw_switched; m;) {
        unsigned i = 31 - (unsigned)__builtin_clz(m);
        m &= ~(1u << i);
        if (hw[i].ops->load)
            hw[i].ops->load(v);
    }
}

static inline void hw_put(struct vcpu *v)
{
    const struct vcpu_hw *hw = v->vm->hw;
    for (unsigned m = v->hw_switched; m; m &= m - 1)
        hw[__builtin_ctz(m)].ops->put(v);
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

/* Writes HCR_EL2 for the guest. With a virtual SError pending (VSE) and FEAT_RAS, the guest's
 * ESR_EL1 for it comes from VSESR_EL2: v->vsesr, 0 (an uncategorized error, Arm ARM D24.2.197)
 * unless a guest hypervisor chose one for its guest (vcpu_set_vsesr), written first, whether
 * the SError was raised while the vCPU ran or before it was loaded. */
static void write_guest_hcr(const struct vcpu *v, uint64_t hcr)
{
    if ((hcr & HCR_EL2_VSE) && ID_FIELD_GET(sysreg_read(id_aa64pfr0_el1), ID_AA64PFR0_EL1_RAS))
        sysreg_write(s3_4_c5_c2_3, v->vsesr);
    sysreg_write(hcr_el2, hcr);
}

void vcpu_load(struct vcpu *v)
{
    struct percpu *pc = this_cpu();
    vcpu_fp_load(pc, v);
    el1_ctx_restore(&v->el1);
    sysreg_write(vttbr_el2, v->vm->vttbr);
    sysreg_write(vmpidr_el2, v->vmpidr);
    sysreg_write(cntvoff_el2, v->vm->cntvoff);
    v->hcr = guest_hcr(v);
    v->hcr_live = v->hcr | __atomic_load_n(&v->vlines, __ATOMIC_RELAXED);
    write_guest_hcr(v, v->hcr_live);
    isb();
    pc->vcpu = v;
    v->loaded = true;
    /* Pairs with vcpu_kick: news posted before it saw loaded false is seen by the flush. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    hw_load(v);
}

void vcpu_put(struct vcpu *v)
{
    el1_ctx_save(&v->el1);
    hw_put(v);
    sysreg_write(hcr_el2, HCR_EL2_RW);
    isb();
    this_cpu()->vcpu = 0;
    __atomic_store_n(&v->loaded, false, __ATOMIC_RELEASE);
}

void vcpu_trap_wfi(struct vcpu *v, unsigned reason, bool on)
{
    v->wfi_trap = (uint8_t)(on ? v->wfi_trap | reason : v->wfi_trap & ~reason);
    v->hcr = guest_hcr(v);
    cpu_attention(v->pcpu); /* the next entry writes it */
}

/* On the vCPU loaded on this CPU a change applies at once, before the caller's next step (e.g.
 * the TLB invalidation that follows a change of HCR_EL2.NV1, vdev/nested.c). No change, no
 * write: HCR_EL2 holds it already, or the next load or entry writes it (entry_hcr, after the
 * attention it is given). */
static void hcr_changed(struct vcpu *v)
{
    uint64_t old = v->hcr;
    v->hcr = guest_hcr(v);
    if (v->hcr == old)
        return;
    if (v->loaded && this_cpu()->vcpu == v) {
        v->hcr_live = v->hcr | __atomic_load_n(&v->vlines, __ATOMIC_RELAXED);
        write_guest_hcr(v, v->hcr_live);
        isb();
    } else {
        cpu_attention(v->pcpu);
    }
}

void vcpu_set_hcr(struct vcpu *v, uint64_t bits, bool on)
{
    v->hcr_parts = on ? v->hcr_parts | bits : v->hcr_parts & ~bits;
    hcr_changed(v);
}

void vcpu_hcr_off(struct vcpu *v, uint64_t bits)
{
    v->hcr_off = bits;
    hcr_changed(v);
}

void vcpu_hcr_update(struct vcpu *v, uint64_t clear, uint64_t set, uint64_t off)
{
    v->hcr_parts = (v->hcr_parts & ~clear) | set;
    v->hcr_off = off;
    hcr_changed(v);
}

void vcpu_poll_kick(struct vcpu *v)
{
    __atomic_store_n(&v->poll_kick, true, __ATOMIC_RELEASE);
    vcpu_kick(v);
}

/* Makes v leave the guest soon if it is running on another CPU, or has its CPU look at it
 * if that CPU sleeps with nothing loaded. No IPI otherwise: a vCPU that is not loaded is
 * looked at by its CPU's next scheduling point, and an IPI would only force an exit on
 * whichever vCPU (of any VM) runs there (issue 13 item 8; tests/system/test_kick.py). The
 * fence orders the caller's news (a queued interrupt, a state change) before the reads of
 * loaded and idle; vcpu_load and sched_loop order the other way round with their own. */
void vcpu_kick(struct vcpu *v)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    struct percpu *t = &percpu_data[v->pcpu];
    if (v->loaded || t->idle)
        irq_kick_cpu(v->pcpu);
}

/* HCR_EL2 for the next entry, written only when it changed: v->hcr (guest_hcr) with the
 * virtual interrupt lines outside the GIC, VF, VI and VSE (Arm ARM D24.2.62). Every change of
 * either gives v's CPU attention (cpu_attention), so an exit looks only then. */
static void entry_hcr(struct vcpu *v)
{
    uint64_t want = v->hcr | __atomic_load_n(&v->vlines, __ATOMIC_RELAXED);
    if (want != v->hcr_live) {
        v->hcr_live = want;
        write_guest_hcr(v, want);
        isb();
    }
}

/* The guest taking the virtual SError clears HCR_EL2.VSE: it is one-shot. */
static inline void vlines_exit(struct vcpu *v)
{
    if (__builtin_expect((v->hcr_live & HCR_EL2_VSE) && !(sysreg_read(hcr_el2) & HCR_EL2_VSE), 0)) {
        __atomic_fetch_and(&v->vlines, ~HCR_EL2_VSE, __ATOMIC_RELAXED);
        v->hcr_live &= ~HCR_EL2_VSE;
    }
}

void vcpu_set_vsesr(struct vcpu *v, uint64_t vsesr) { v->vsesr = (uint32_t)vsesr; }

void vcpu_set_vline(struct vcpu *v, enum vcpu_vline line, bool on)
{
    uint64_t bit = line == VLINE_IRQ ? HCR_EL2_VI : line == VLINE_FIQ ? HCR_EL2_VF : HCR_EL2_VSE;
    if (on)
        __atomic_fetch_or(&v->vlines, bit, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&v->vlines, ~bit, __ATOMIC_RELAXED);
    cpu_attention(v->pcpu); /* the next entry writes HCR_EL2 */
    if (v->pcpu != this_cpu()->id)
        vcpu_kick(v);
}

/* Whether v goes on running on this CPU: still runnable, its VM running, its slice not over. */
static inline bool keeps_cpu(const struct vcpu *v)
{
    return v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING && !this_cpu()->resched;
}

/* The parts' flush before an entry: one load and branch unless a part has work. */
static inline void hw_flush(struct vcpu *v)
{
    uint64_t m = v->hw_flush.any;
    if (m)
        hw_marked(v, &v->hw_flush, m, false);
}

/* Before an entry when this CPU's attention word (core/percpu.h) is set: the word is cleared
 * first, then everything it may stand for is looked at, so that a change made after the clear
 * sets it again for the next exit. The run loop's checks come before the parts' flush (a vCPU
 * that leaves its CPU is not flushed for nothing), HCR_EL2 after it (a virtual interrupt line
 * the flush changed). False: v leaves its CPU. */
static inline __attribute__((always_inline)) bool look(struct vcpu *v)
{
    __atomic_exchange_n(&this_cpu()->attn, 0, __ATOMIC_SEQ_CST);
    if (!keeps_cpu(v))
        return false;
    hw_flush(v);
    entry_hcr(v);
    return true;
}

/* look, for the exit path: a vCPU that leaves its CPU leaves without clearing the word (the
 * next vcpu_run looks again before any entry), and the rest is out of line. */
static __attribute__((noinline)) bool look_out_of_line(struct vcpu *v) { return look(v); }
static inline bool resume_look(struct vcpu *v) { return keeps_cpu(v) && look_out_of_line(v); }

void vcpu_run(struct vcpu *v)
{
    /* Claim v before looking at its VM's state once more: a reset that marked the VM
     * RESETTING either is seen here, or sees v loaded and waits (core/vm_reset.c); it never
     * rewrites a vCPU this CPU is about to load (issue 13 item 10). */
    __atomic_store_n(&v->loaded, true, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v->vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING) {
        __atomic_store_n(&v->loaded, false, __ATOMIC_RELEASE);
        return;
    }
    vcpu_load(v);
    if (look(v))
        vcpu_enter(&v->regs); /* exits are handled by vcpu_exit until one ends the run */
    vcpu_put(v);
}

/* After a handler that resumes the guest: the parts' flush and straight back into the guest
 * (v's register file), unless this CPU's attention word is set: then the checks of the run loop
 * (is v still to run here, HCR_EL2), around the flush (resume_look). NULL ends the run. After a
 * flush the word is read again, so that what the flush changed (a virtual interrupt line) is
 * applied before the entry. */
static inline __attribute__((always_inline)) struct guest_regs *exit_tail(struct vcpu *v)
{
    if (__builtin_expect(this_cpu()->attn != 0, 0))
        return resume_look(v) ? &v->regs : NULL;
    uint64_t f = v->hw_flush.any;
    if (f) {
        hw_marked(v, &v->hw_flush, f, false);
        if (this_cpu()->attn && !resume_look(v)) /* the flush changed a line */
            return NULL;
    }
    return &v->regs;
}

/* Each exit of the guest vcpu_enter runs, on this CPU's stack inside vcpu_enter (vectors.S):
 * the parts that asked to sync, the exit's handler, then exit_tail. NULL ends the run:
 * vcpu_enter returns to vcpu_run, which puts v. A synchronous exit that needs neither the sync
 * before its handler nor exit_tail's work after it is dispatched by vectors.S itself, the same
 * way (arch/aarch64/traps.h): this is the rest. */
static inline __attribute__((always_inline)) struct guest_regs *exit_body(struct vcpu *v, unsigned kind)
{
    vlines_exit(v);
    uint64_t m = v->hw_sync.any;
    if (m)
        hw_marked(v, &v->hw_sync, m, true);
    enum exit_result r = kind == EXIT_SYNC ? exit_sync(v) : exit_async(v, kind);
    if (r == EXIT_YIELD)
        return NULL;
    return exit_tail(v);
}

/* IRQ, FIQ, SError and illegal-state exits (vectors.S calls this one for them): out of line,
 * so that a synchronous exit keeps nothing but v across the calls. */
__attribute__((noinline)) struct guest_regs *vcpu_exit_async(struct guest_regs *regs, unsigned kind)
{
    return exit_body((struct vcpu *)(void *)regs, kind);
}

struct guest_regs *vcpu_exit(struct guest_regs *regs, unsigned kind)
{
    if (__builtin_expect(kind != EXIT_SYNC, 0))
        return vcpu_exit_async(regs, kind);
    return exit_body((struct vcpu *)(void *)regs, EXIT_SYNC);
}

struct guest_regs *vcpu_exit_tail(struct guest_regs *regs) { return exit_tail((struct vcpu *)(void *)regs); }
