/* Virtual EL2 on FEAT_NV2 (docs/nested.md; Arm ARM DDI 0487K.a D8.11 "Nested virtualization").
 *
 * A vCPU of a VM with `virtual-el2;` is in one of two contexts, both run at EL1:
 *  - virtual EL2, the guest hypervisor: HCR_EL2.{NV,NV1,NV2} = {1,1,1}. CurrentEL reads EL2, its
 *    ERET traps (EC 0x1a), its EL2 registers either become loads and stores in its VNCR page
 *    (HCR_EL2 and the other rows of R_CSRPQ, and with NV1 = 1 its EL1 guest's EL1 registers),
 *    or are redirected to the EL1 registers (ELR_EL2, SPSR_EL2, ESR_EL2, FAR_EL2), or trap
 *    (SCTLR_EL2, TCR_EL2, TTBR0_EL2, VBAR_EL2... vdev/nested_regs.c), and the CPU's EL1 regime
 *    runs its E2H = 0 EL2 regime (NV1 = 1 gives EL1&0 descriptors the EL2 meaning: bit 54 is
 *    PXN, AP[1] ignored, PAN off). Exceptions it takes at EL1 look like EL2 ones (I_DBTLM);
 *  - its EL1 guest: an ordinary EL1 context (NV off) whose EL1 registers come from the VNCR
 *    page. Its IPA space is the VM's, or with the guest hypervisor's HCR_EL2.VM = 1 a shadow
 *    stage 2 (nested_s2.c) that maps it through the guest hypervisor's tables.
 * The switch between them is nested_eret (ERET to EL1 or EL0) and enter_vel2 (an HVC, or an
 * SMC that its HCR_EL2.TSC traps). Each switch invalidates the VMID's EL1&0 TLB entries on this
 * CPU: the two contexts share the VM's VMID. */
#include <stddef.h>
#include "vdev/nested.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vpsci.h"
#include "vdev/vgic.h"
#include "vdev/vptimer.h"
#include "vdev/vtimer.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/percpu.h"
#include "core/page_alloc.h"
#include "core/platform.h"
#include "core/exit.h"
#include "core/mmio.h"
#include "core/stage2.h"
#include "lib/string.h"
#include "lib/log.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/psr.h"
#include "arch/aarch64/regs/sctlr.h"
#include "arch/aarch64/regs/tcr.h"
#include "arch/aarch64/regs/vbar.h"
#include "arch/aarch64/regs/vncr.h"

/* HCR_EL2 bits added while the guest hypervisor runs: NV (its EL2 accesses and ERET trap,
 * CurrentEL reads EL2), NV1 (E2H = 0: its EL1 registers are its guest's, in the VNCR page;
 * EL2 descriptor format; not with E2H = 1, nested_vhe.c), NV2 (the VNCR page) and AT
 * (AT S1E0x/S1E1x, which would walk its own regime rather than its guest's, trap: UNDEFINED for
 * now). */
#define HCR_VEL2     (HCR_EL2_NV | HCR_EL2_NV1 | HCR_EL2_NV2 | HCR_EL2_AT)
#define HCR_VEL2_VHE (HCR_EL2_NV | HCR_EL2_NV2 | HCR_EL2_AT)

/* The PSTATE fields an ERET restores from SPSR_EL2 (Arm ARM D1.4 "Exception return"); the
 * others (SS, ALLINT, M) are set by the emulation. */
#define SPSR_KEEP                                                                                                \
    (PSR_N | PSR_Z | PSR_C | PSR_V | PSR_DAIF_MASK | PSR_IL | PSR_SSBS | PSR_PAN | PSR_UAO | PSR_DIT | PSR_TCO | \
     PSR_BTYPE_MASK)

#define VNCR(n, off) ((n)->vncr[(off) / 8])

struct nested_vcpu *nested_of(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (!vm->cfg.virtual_el2)
        return 0;
    struct nested_vm *s = vm->hw[VCPU_HW_NESTED].state;
    return &s->cpu[v->id];
}

/* SCTLR_EL2 (E2H = 0) controls that SCTLR_EL1 has at the same place (Arm ARM D24.2): the EL1
 * register takes them, with its EL0-only controls set so that nothing of EL0's traps. */
uint64_t nested_sctlr_el1(uint64_t sctlr_el2)
{
    const uint64_t same = SCTLR_M | SCTLR_A | SCTLR_C | SCTLR_SA | SCTLR_nAA | SCTLR_I | SCTLR_WXN | SCTLR_IESB |
                          SCTLR_EE | SCTLR_EnIA | SCTLR_EnIB | SCTLR_EnDA | SCTLR_EnDB | SCTLR_BT | SCTLR_DSSBS;
    return (sctlr_el2 & same) | SCTLR_EL1_RES1 | SCTLR_nTWI | SCTLR_nTWE;
}

/* TCR_EL2 (E2H = 0, one range from TTBR0) as TCR_EL1 (D24.2): the low fields in place, PS to
 * IPS, TBI, HA, HD, HPD, TBID, TCMA, DS to their TTBR0 counterparts; no walks from TTBR1. */
uint64_t nested_tcr_el1(uint64_t tcr_el2)
{
    uint64_t t = (tcr_el2 & TCR_EL1_LOW_SAME & ~REG_MASK(2, 6)) | TCR_EL1_EPD1 |
                 REG_FIELD(TCR_EL1_TG1_4K, TCR_EL1_TG1_SHIFT) |
                 REG_FIELD((tcr_el2 >> TCR_EL2_PS_SHIFT) & 7, TCR_EL1_IPS_SHIFT);
    static const struct {
        uint64_t el2, el1;
    } moved[] = {
        { TCR_EL2_TBI, TCR_EL1_TBI0 }, { TCR_EL2_HA, TCR_EL1_HA },      { TCR_EL2_HD, TCR_EL1_HD },
        { TCR_EL2_HPD, TCR_EL1_HPD0 }, { TCR_EL2_TBID, TCR_EL1_TBID0 }, { TCR_EL2_TCMA, TCR_EL1_TCMA0 },
        { TCR_EL2_DS, TCR_EL1_DS },
    };
    for (unsigned i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
        if (tcr_el2 & moved[i].el2)
            t |= moved[i].el1;
    return t;
}

/* CPTR_EL2.TFP (E2H = 0) as CPACR_EL1.FPEN: an FP/SIMD instruction of the guest hypervisor
 * then traps to its own EL2 vector, as TFP asks. SVE and SME stay trapped to elvisor. */
uint64_t nested_cpacr_el1(uint64_t cptr_el2) { return (cptr_el2 & CPTR_EL2_TFP) ? 0 : CPACR_EL1_FPEN_ALL; }

/* Its EL2 registers at reset: the RES1 bits; MMU off, FP not trapped. */
static void el2_reset(struct nested_el2 *e)
{
    *e = (struct nested_el2){ .sctlr = SCTLR_EL2_RES1, .tcr = TCR_EL2_RES1, .cptr = CPTR_EL2_RES1 };
}

static void vlines_leave(struct vcpu *v, struct nested_vcpu *n);

/* A vCPU starts at virtual EL2 (VM build or reset, PSCI CPU_ON), not loaded: its VNCR page
 * cleared, its EL1 registers those that run its EL2 regime. */
static void vcpu_boot(struct vcpu *v, struct nested_vcpu *n)
{
    memset(n->vncr, 0, VNCR_PAGE_SIZE);
    /* VMPIDR_EL2 and VPIDR_EL2 reset UNKNOWN (D24.2): the values firmware would leave, the
     * vCPU's own MPIDR and the MIDR, for a guest hypervisor that never writes them. */
    VNCR(n, VNCR_VMPIDR_EL2) = v->vmpidr;
    VNCR(n, VNCR_VPIDR_EL2) = sysreg_read(midr_el1);
    n->at_el1 = false;
    n->vhe = false; /* its HCR_EL2 reads 0: E2H = 0 at reset (docs/nested.md "E2H = 1") */
    n->cntkctl12 = 0;
    n->ptimer_lazy = false;
    n->on_shadow = false;
    n->gic_lent = false;
    n->lr_links = 0;
    vlines_leave(v, n); /* a vCPU that left its guest by PSCI CPU_OFF or a reset */
    n->l2_cpu = 0;      /* the CPU's CPTR/CNTHCTL/MDCR_EL2 were put back when the vCPU was put */
    n->maint = NESTED_MAINT_UNKNOWN;
    nested_traps_leave(v, n);
    vcpu_hcr_update(v, NESTED_TRAPS_ADDED, HCR_VEL2, 0);
    el2_reset(&n->el2);
    v->el1.sctlr = nested_sctlr_el1(n->el2.sctlr);
    v->el1.tcr = nested_tcr_el1(n->el2.tcr);
    v->el1.cpacr = nested_cpacr_el1(n->el2.cptr);
    v->el1.ttbr0 = v->el1.ttbr1 = v->el1.vbar = 0;
}

/* The EL1 registers the two contexts do not share, by VNCR offset (R_CSRPQ, NV1 = 1). The
 * others (TPIDR_EL1, PAR_EL1, CSSELR_EL1, SP_EL0, the timers' and debug's) are one set, as on
 * a CPU where EL2 and EL1 share them. */
#define EL1_SWITCHED(X)                    \
    X(VNCR_SCTLR_EL1, sctlr_el1)           \
    X(VNCR_CPACR_EL1, cpacr_el1)           \
    X(VNCR_CONTEXTIDR_EL1, contextidr_el1) \
    X(VNCR_TCR_EL1, tcr_el1)               \
    X(VNCR_AFSR0_EL1, afsr0_el1)           \
    X(VNCR_AFSR1_EL1, afsr1_el1)           \
    X(VNCR_ESR_EL1, esr_el1)               \
    X(VNCR_MAIR_EL1, mair_el1)             \
    X(VNCR_AMAIR_EL1, amair_el1)           \
    X(VNCR_SPSR_EL1, spsr_el1)             \
    X(VNCR_TTBR0_EL1, ttbr0_el1)           \
    X(VNCR_TTBR1_EL1, ttbr1_el1)           \
    X(VNCR_FAR_EL1, far_el1)               \
    X(VNCR_ELR_EL1, elr_el1)               \
    X(VNCR_SP_EL1, sp_el1)                 \
    X(VNCR_VBAR_EL1, vbar_el1)

/* Its EL1 guest's registers: from the VNCR page to the CPU (what the guest hypervisor wrote
 * there is hostile, but each is an EL1 register the EL1 guest could write itself), and back. */
static void guest_el1_load(struct nested_vcpu *n)
{
#define LOAD(off, reg) sysreg_write(reg, __atomic_load_n(&VNCR(n, off), __ATOMIC_RELAXED));
    EL1_SWITCHED(LOAD)
#undef LOAD
}

static void guest_el1_save(struct nested_vcpu *n)
{
#define SAVE(off, reg) __atomic_store_n(&VNCR(n, off), sysreg_read(reg), __ATOMIC_RELAXED);
    EL1_SWITCHED(SAVE)
#undef SAVE
}

/* The guest hypervisor's EL2 context (E2H = 0) on the CPU's EL1 registers. */
static void el2_load(const struct nested_el2 *e)
{
    sysreg_write(sctlr_el1, nested_sctlr_el1(e->sctlr));
    sysreg_write(cpacr_el1, nested_cpacr_el1(e->cptr));
    sysreg_write(contextidr_el1, 0); /* CONTEXTIDR_EL2 exists only with E2H = 1 */
    sysreg_write(tcr_el1, nested_tcr_el1(e->tcr));
    sysreg_write(afsr0_el1, e->afsr0);
    sysreg_write(afsr1_el1, e->afsr1);
    sysreg_write(mair_el1, e->mair);
    sysreg_write(amair_el1, e->amair);
    sysreg_write(ttbr0_el1, e->ttbr0);
    sysreg_write(ttbr1_el1, 0);
    sysreg_write(vbar_el1, e->vbar);
    sysreg_write(sp_el1, e->sp);
    sysreg_write(elr_el1, e->elr);
    sysreg_write(spsr_el1, e->spsr);
    sysreg_write(esr_el1, e->esr);
    sysreg_write(far_el1, e->far);
}

/* What the guest hypervisor changes in the CPU's EL1 registers without trapping: SP_EL2 and
 * the four redirected ones (ELR_EL2, SPSR_EL2, ESR_EL2, FAR_EL2). */
static void el2_save(struct nested_el2 *e)
{
    e->sp = sysreg_read(sp_el1);
    e->elr = sysreg_read(elr_el1);
    e->spsr = sysreg_read(spsr_el1);
    e->esr = sysreg_read(esr_el1);
    e->far = sysreg_read(far_el1);
}

void nested_el2_load(const struct nested_el2 *e) { el2_load(e); }
void nested_el2_save(struct nested_el2 *e) { el2_save(e); }

/* What its EL1 guest reads as MPIDR_EL1 and MIDR_EL1 (D24.2 VMPIDR_EL2, VPIDR_EL2): the guest
 * hypervisor's VMPIDR_EL2 and VPIDR_EL2 from the page while that guest runs (KVM gives each of
 * its vCPUs its own MPIDR, which its guest's GIC driver looks up in its device tree), else the
 * vCPU's own (core/vcpu.c). Any value only changes what this VM's EL1 reads. */
static void id_context(struct vcpu *v, struct nested_vcpu *n)
{
    if (n->at_el1) {
        sysreg_write(vmpidr_el2, __atomic_load_n(&VNCR(n, VNCR_VMPIDR_EL2), __ATOMIC_RELAXED));
        sysreg_write(vpidr_el2, __atomic_load_n(&VNCR(n, VNCR_VPIDR_EL2), __ATOMIC_RELAXED));
    } else {
        sysreg_write(vmpidr_el2, v->vmpidr);
        sysreg_write(vpidr_el2, sysreg_read(midr_el1));
    }
}

/* The stage 2 of the context: the shadow for an EL1 guest under the guest hypervisor's own
 * stage 2, the VM's otherwise. HCR_EL2 in one change: to its guest, NV, NV1, NV2 and AT off,
 * its trap controls for that guest on (set) and API/APK off where its are (off,
 * nested_traps_enter); back, the reverse (with E2H = 1, NV1 stays clear: nested_vhe_sync
 * cleared it). The TLB flush is of that VMID. */
static void set_context(struct vcpu *v, struct nested_vcpu *n, bool at_el1, uint64_t set, uint64_t off)
{
    n->at_el1 = at_el1;
    if (!at_el1)
        n->on_shadow = false;
    id_context(v, n);
    sysreg_write(vttbr_el2, n->on_shadow ? n->s2.vttbr : v->vm->vttbr);
    isb();
    if (at_el1)
        vcpu_hcr_update(v, HCR_VEL2, set, off);
    else
        vcpu_hcr_update(v, NESTED_TRAPS_ADDED, n->vhe ? HCR_VEL2_VHE : HCR_VEL2, 0);
    tlb_flush_el1_local();
}

/* Its virtual FIQ and SError for its guest (D24.2 HCR_EL2.VF, VSE; D1.3.x "Virtual
 * interrupts"): with its HCR_EL2.FMO (AMO) set, VF (VSE) makes one pending for its guest, as
 * the VM's own lines do for the VM (core: vcpu_set_vline), so the CPU delivers it while that
 * guest runs. The SError's syndrome is its VSESR_EL2 (ISS and IDS, bits [24:0]). VSE is
 * one-shot: taken by its guest, it is cleared in its HCR_EL2, as the CPU clears it; not taken,
 * it stays there for its next ERET. Without FMO (AMO) VF (VSE) has no effect. */
#define VSESR_MASK   0x1ffffffUL
#define VLINES_SHIFT 6 /* n->l2_vlines: HCR_EL2.VF (bit 6), VI (bit 7) and VSE (bit 8) shifted down */
static void vlines_enter(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr)
{
    uint64_t lines = ((hcr & HCR_EL2_FMO) ? hcr & HCR_EL2_VF : 0) | ((hcr & HCR_EL2_IMO) ? hcr & HCR_EL2_VI : 0) |
                     ((hcr & HCR_EL2_AMO) ? hcr & HCR_EL2_VSE : 0);
    n->l2_vlines = (uint8_t)(lines >> VLINES_SHIFT);
    if (lines & HCR_EL2_VSE) {
        vcpu_set_vsesr(v, __atomic_load_n(&VNCR(n, VNCR_VSESR_EL2), __ATOMIC_RELAXED) & VSESR_MASK);
        vcpu_set_vline(v, VLINE_SERROR, true);
    }
    if (lines & HCR_EL2_VF)
        vcpu_set_vline(v, VLINE_FIQ, true);
    if (lines & HCR_EL2_VI)
        vcpu_set_vline(v, VLINE_IRQ, true);
}

static void vlines_leave(struct vcpu *v, struct nested_vcpu *n)
{
    uint64_t lines = (uint64_t)n->l2_vlines << VLINES_SHIFT;
    if (lines & HCR_EL2_VF)
        vcpu_set_vline(v, VLINE_FIQ, false);
    if (lines & HCR_EL2_VI)
        vcpu_set_vline(v, VLINE_IRQ, false);
    if (lines & HCR_EL2_VSE) {
        if (__atomic_load_n(&v->vlines, __ATOMIC_RELAXED) & HCR_EL2_VSE)
            vcpu_set_vline(v, VLINE_SERROR, false);
        else
            __atomic_fetch_and(&VNCR(n, VNCR_HCR_EL2), ~HCR_EL2_VSE, __ATOMIC_RELAXED);
        vcpu_set_vsesr(v, 0);
    }
    n->l2_vlines = 0;
}

/* An exception from its EL1 guest taken to virtual EL2 (D1.3 "Exception entry"): ELR_EL2 is
 * the preferred return address (the exit's PC), SPSR_EL2 the guest's PSTATE, ESR_EL2 the
 * syndrome; the vector is VBAR_EL2 + 0x400 (lower EL, AArch64); EL2h with DAIF masked. */
static void enter_vel2_at(struct vcpu *v, struct nested_vcpu *n, uint64_t vector)
{
    if (n->gic_lent)
        nested_gic_give_back(v, n);
    if (__builtin_expect(n->l2_vlines != 0, 0))
        vlines_leave(v, n);
    nested_traps_leave(v, n);
    guest_el1_save(n);
    n->el2.elr = v->regs.pc;
    n->el2.spsr = v->regs.pstate;
    if (__builtin_expect(n->vhe, 0)) {
        nested_vhe_guest_save(v, n);
        nested_vhe_el2_load(&n->el2);
    } else {
        el2_load(&n->el2);
    }
    set_context(v, n, false, 0, 0);
    if (__builtin_expect(n->vhe, 0))
        nested_timer_apply(n); /* its EL2&0 counter: no offset */
    v->regs.pc = n->el2.vbar + VBAR_LOWER_A64 + vector;
    v->regs.pstate = PSR_M_EL1h | PSR_DAIF_MASK;
}

static void enter_vel2(struct vcpu *v, struct nested_vcpu *n, uint64_t esr)
{
    n->el2.esr = esr;
    enter_vel2_at(v, n, VBAR_SYNC);
}

void nested_take(struct vcpu *v, struct nested_vcpu *n, uint64_t esr) { enter_vel2(v, n, esr); }

/* An exception the guest hypervisor takes at virtual EL2 from virtual EL2 (an HVC): its own
 * current-EL vector, SP_EL0 or SP_EL2 as PSTATE.SP was; SPSR_EL2 reports EL2. */
static void vel2_self_exception(struct vcpu *v, struct nested_vcpu *n, uint64_t esr)
{
    uint64_t m = v->regs.pstate & PSR_M_MASK; /* EL1t or EL1h: virtual EL2t or EL2h */
    sysreg_write(elr_el1, v->regs.pc);
    sysreg_write(spsr_el1, (v->regs.pstate & ~PSR_M_MASK) | (m + (PSR_M_EL2t - PSR_M_EL1t)));
    sysreg_write(esr_el1, esr);
    uint64_t vbar = n->vhe ? sysreg_read(vbar_el1) : n->el2.vbar; /* E2H = 1: VBAR_EL2 is the CPU's */
    v->regs.pc = vbar + (m == PSR_M_EL1t ? VBAR_CUR_SP0 : VBAR_CUR_SPX);
    v->regs.pstate = PSR_M_EL1h | PSR_DAIF_MASK;
}

static uint64_t guest_hcr_el2(struct nested_vcpu *n)
{
    return __atomic_load_n(&VNCR(n, VNCR_HCR_EL2), __ATOMIC_RELAXED);
}

enum exit_result nested_hvc(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (__builtin_expect(!n, 1))
        return vpsci_hvc(v, esr);
    /* HCR_EL2.HCD makes HVC UNDEFINED at EL1 and EL2 (D24.2 HCR_EL2). */
    if (guest_hcr_el2(n) & HCR_EL2_HCD)
        inject_undef(&v->regs);
    else if (n->at_el1)
        enter_vel2(v, n, esr);
    else
        vel2_self_exception(v, n, esr);
    return EXIT_RESUME;
}

/* SMC: the guest hypervisor's calls (PSCI, SMCCC, elvisor's) are elvisor's, as a machine's EL3
 * firmware's; its EL1 guest's go to virtual EL2 when its HCR_EL2.TSC says so (preferred return:
 * the SMC itself, D1.10.4), else to the same firmware. */
enum exit_result nested_smc(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (n && n->at_el1 && (guest_hcr_el2(n) & HCR_EL2_TSC)) {
        enter_vel2(v, n, esr);
        return EXIT_RESUME;
    }
    return vpsci_smc(v, esr);
}

/* An illegal exception return (D1.4.x "Illegal return events from AArch64 state"): PC from
 * ELR, PSTATE.IL set, the Exception level and SP unchanged; the next instruction takes an
 * Illegal Execution state exception, to the guest hypervisor's own vector. */
static void illegal_return(struct vcpu *v, uint64_t elr, uint64_t spsr)
{
    v->regs.pc = elr;
    v->regs.pstate = (spsr & SPSR_KEEP) | PSR_IL | (v->regs.pstate & PSR_M_MASK);
}

/* ERET at virtual EL2 (EC 0x1a, trapped by HCR_EL2.NV): to virtual EL2 itself (M = EL2t/EL2h),
 * or to its EL1 guest (M = EL1t, EL1h, EL0t: the context switch). SPSR_EL2 and ELR_EL2 are in
 * the CPU's SPSR_EL1 and ELR_EL1 (NV2 redirects them). Whatever they hold, PSTATE.M becomes
 * an EL1 or EL0 mode of AArch64: the vCPU never runs at EL2. */
enum exit_result nested_eret(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || n->at_el1 || (esr & ESR_ERET_ERETA)) {
        inject_undef(&v->regs); /* ERETAA/ERETAB: pointer authentication of ELR not emulated */
        return EXIT_RESUME;
    }
    uint64_t hcr = guest_hcr_el2(n);
    /* Its HCR_EL2.E2H against the arrangement, on the value read once (nested_vhe_sync if it
     * changed). */
    if (__builtin_expect(((hcr & HCR_EL2_E2H) != 0) != n->vhe, 0))
        nested_vhe_sync(v, n);
    /* Its maintenance interrupt follows its ICH_HCR_EL2 and list registers, which it writes in
     * the page with no trap: an ERET is where a level left high by the last exit of its guest is
     * looked at again. Linux's KVM in VHE mode clears ICH_HCR_EL2.En after that exit and then
     * unmasks its interrupts at virtual EL2: a stale level is taken once, and dropped at the
     * ERET of that handler (before, it came back at every ERET: the L1 livelocked). */
    nested_gic_maint_update(v, n);
    if (__builtin_expect(n->vhe, 0))
        nested_vhe_ptimer_follow(v, n);
    uint64_t spsr = sysreg_read(spsr_el1), elr = sysreg_read(elr_el1);
    uint64_t m = spsr & (PSR_M_MASK | PSR_M4);
    uint64_t keep = spsr & SPSR_KEEP;
    if (m == PSR_M_EL2t || m == PSR_M_EL2h) {
        v->regs.pc = elr;
        v->regs.pstate = keep | (m - (PSR_M_EL2t - PSR_M_EL1t));
        return EXIT_RESUME;
    }
    if (n->vhe && nested_vhe_eret_host_el0(v, n, hcr, m, elr, keep))
        return EXIT_RESUME;
    /* To EL1 or EL0 of AArch64 only, with EL1 AArch64 (RW) and not disabled by TGE (D1.4.x);
     * an EL0 return with TGE = 1 is also refused but with E2H = 1 (no E2H = 0 host mode). */
    if ((m != PSR_M_EL1h && m != PSR_M_EL1t && m != PSR_M_EL0t) || !(hcr & HCR_EL2_RW) || (hcr & HCR_EL2_TGE)) {
        illegal_return(v, elr, spsr);
        return EXIT_RESUME;
    }
    n->on_shadow = (hcr & HCR_EL2_VM) != 0;
    if (n->on_shadow) {
        struct nested_vm *s = v->vm->hw[VCPU_HW_NESTED].state;
        nested_s2_enter(&n->s2, __atomic_load_n(&VNCR(n, VNCR_VTCR_EL2), __ATOMIC_RELAXED),
                        __atomic_load_n(&VNCR(n, VNCR_VTTBR_EL2), __ATOMIC_RELAXED),
                        __atomic_load_n(&s->s2_gen, __ATOMIC_ACQUIRE));
    }
    if (__builtin_expect(n->vhe, 0))
        nested_vhe_el2_save(&n->el2);
    else
        el2_save(&n->el2);
    guest_el1_load(n);
    if (__builtin_expect(n->vhe, 0))
        nested_vhe_guest_load(v, n);
    uint64_t set, off = nested_traps_enter(v, n, hcr, &set);
    set_context(v, n, true, set, off);
    if (__builtin_expect(hcr & (HCR_EL2_VF | HCR_EL2_VI | HCR_EL2_VSE), 0))
        vlines_enter(v, n, hcr);
    sysreg_write(cntvoff_el2, __atomic_load_n(&VNCR(n, VNCR_CNTVOFF_EL2), __ATOMIC_RELAXED)); /* nested_timer_apply */
    v->hw_flush.part[VCPU_HW_NESTED] = true; /* nested_flush: its guest's interrupts */
    v->regs.pc = elr;
    v->regs.pstate = keep | m;
    return EXIT_RESUME;
}

void nested_s2_tlbi(struct vcpu *v)
{
    struct nested_vm *s = v->vm->hw[VCPU_HW_NESTED].state;
    __atomic_add_fetch(&s->s2_gen, 1, __ATOMIC_RELEASE);
    /* v's own shadow is dropped at its next ERET to L2 (the count moved); the others may be
     * running L2 on another CPU right now, so theirs are emptied before the TLBI completes, as
     * a broadcast TLBI would (Arm ARM D8.13: complete once every PE's walks see the change). */
    for (unsigned i = 0; i < v->vm->cfg.nr_vcpus; i++)
        if (i != v->id)
            nested_s2_zap(&s->cpu[i].s2);
}

void nested_s2_tlbi_ipa(struct vcpu *v, uint64_t ipa, uint64_t size)
{
    struct nested_vm *s = v->vm->hw[VCPU_HW_NESTED].state;
    struct nested_vcpu *n = nested_of(v);
    /* Every shadow of the VM of the VMID its VTTBR_EL2 names now (D8.13.3), v's too (no count
     * moves: the rest of each shadow stays), before the TLBI completes. */
    unsigned vmid = nested_s2_vmid(__atomic_load_n(&VNCR(n, VNCR_VTCR_EL2), __ATOMIC_RELAXED),
                                   __atomic_load_n(&VNCR(n, VNCR_VTTBR_EL2), __ATOMIC_RELAXED));
    for (unsigned i = 0; i < v->vm->cfg.nr_vcpus; i++)
        nested_s2_zap_ipa(&s->cpu[i].s2, ipa, size, vmid);
}

/* vm->s2_watch: elvisor unmaps part of the VM's stage 2 (an ivshmem window moved or gone, an
 * assigned function's BAR moved, an MSI doorbell): every shadow of the VM is emptied before
 * the unmap, on every CPU, whatever it held (no reverse map: such unmaps are rare, a whole
 * drop costs one page cleared and one VMID invalidation per vCPU and the refills, where a
 * reverse map would cost memory and work at every fill). Its fills in flight are not
 * installed (the zap count moved); core holds the tables' lock, so none reads them meanwhile. */
static void shadows_unmapping(struct vm *vm, uint64_t ipa, uint64_t size)
{
    struct nested_vm *s = vm->hw[VCPU_HW_NESTED].state;
    (void)ipa;
    (void)size;
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        nested_s2_zap(&s->cpu[i].s2);
}

static const struct stage2_watch shadows_watch = { .unmapping = shadows_unmapping };

/* Its guest's other accesses of an emulated instruction (core/mmio.c, ISV = 0): the L2 IPAs its
 * stage 1 gives go through its hypervisor's stage 2 too. */
static bool l2_to_vm(struct vcpu *v, uint64_t ipa, int kind, uint64_t *vm_ipa)
{
    struct nested_vcpu *n = nested_of(v);
    return n && nested_s2_translate(v->vm, &n->s2, ipa, kind == MMIO_XLATE_WRITE, kind == MMIO_XLATE_EXEC, vm_ipa);
}

static const struct mmio_xlate l2_xlate = { .to_vm = l2_to_vm };

/* A stage 2 abort of the EL1 guest on its shadow (D24.2 ESR_EL2, HPFAR_EL2): the L2 IPA from
 * HPFAR_EL2 and FAR_EL2; the page is mapped and the access retried, or the guest hypervisor
 * takes the abort the CPU would have given it: the same EC and ISS (the instruction syndrome
 * is L2's), the fault code of its own stage 2, HPFAR_EL2 the L2 IPA page, FAR_EL2 the VA. */
static enum exit_result shadow_abort(struct vcpu *v, struct nested_vcpu *n, uint64_t esr, bool exec)
{
    uint64_t far = sysreg_read(far_el2), hpfar = sysreg_read(hpfar_el2);
    uint64_t l2ipa = esr_fault_ipa(hpfar, far);
    bool write = !exec && (esr & ESR_DABT_WNR) && !(esr & ESR_DABT_CM) && !(esr & ESR_DABT_S1PTW);
    uint8_t fsc = 0;
    uint64_t l1ipa = 0;
    int rc = nested_s2_fault(v->vm, &n->s2, l2ipa, write, exec, &fsc, &l1ipa);
    if (rc == NESTED_S2_MAPPED)
        return EXIT_RESUME;
    if (rc == NESTED_S2_MMIO) /* one of the VM's devices, at the L1 IPA its stage 2 gave */
        return mmio_abort_via(v, esr, l1ipa, &l2_xlate);
    n->el2.far = far;
    n->el2.hpfar = hpfar & ((HPFAR_EL2_FIPA_MASK << HPFAR_EL2_FIPA_SHIFT));
    enter_vel2(v, n, (esr & ~(uint64_t)ESR_DABT_DFSC_MASK) | fsc);
    return EXIT_RESUME;
}

enum exit_result nested_dabt(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (__builtin_expect(!n || !n->on_shadow, 1))
        return exit_dabt(v, esr);
    return shadow_abort(v, n, esr, false);
}

enum exit_result nested_iabt(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (__builtin_expect(!n || !n->on_shadow, 1))
        return exit_iabt(v, esr);
    return shadow_abort(v, n, esr, true);
}

/* ---- the part ------------------------------------------------------------------------------ */

static int nested_attach(struct vm *vm)
{
    struct nested_vm *s = vm->hw[VCPU_HW_NESTED].state;
    vm->s2_watch = NULL; /* until its shadows exist */
    if (!vm->cfg.virtual_el2) {
        for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
            vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_NESTED, false);
        return 0;
    }
    /* FEAT_NV2: ID_AA64MMFR2_EL1.NV = 2 (D19.2). */
    uint64_t nv = ID_FIELD_GET(sysreg_read(s3_0_c0_c7_2), ID_AA64MMFR2_EL1_NV);
    if (nv < 2) {
        printk("elvisor: VM '%s' refused: virtual-el2: this CPU lacks FEAT_NV2 (ID_AA64MMFR2_EL1.NV is %lu)\n",
               vm->cfg.name, (unsigned long)nv);
        return -1;
    }
    /* Its guest's interrupts go through the GICv3 CPU interface lent to it (nested_gic.c): a
     * GICv2 host has no ICH_* system registers to lend (Arm ARM D1.3; GICv3 12.5). */
    if (platform_gic_v2()) {
        printk("elvisor: VM '%s' refused: virtual-el2: needs a GICv3 host (its GIC virtual interface is the "
               "CPU's ICH_* registers, lent)\n",
               vm->cfg.name);
        return -1;
    }
    nested_traps_init();
    if (!s->pages) {
        s->pages = page_alloc(vm->cfg.nr_vcpus, PA_PAGE_SIZE);
        if (!s->pages) {
            printk("elvisor: VM '%s' refused: memory: none left for its VNCR pages\n", vm->cfg.name);
            return -1;
        }
        s->nr_pages = vm->cfg.nr_vcpus;
    }
    if (!s->s2pool) {
        s->s2pool = page_alloc((uint64_t)vm->cfg.nr_vcpus * NESTED_SHADOW_PAGES, PA_PAGE_SIZE);
        if (!s->s2pool) {
            printk("elvisor: VM '%s' refused: memory: none left for its shadow stage 2 tables\n", vm->cfg.name);
            return -1;
        }
    }
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
        s->cpu[i].vncr = (uint64_t *)(void *)(s->pages + (uint64_t)i * VNCR_PAGE_SIZE);
        vcpu_boot(&vm->vcpu[i], &s->cpu[i]);
        nested_s2_attach(vm, &s->cpu[i].s2, s->s2pool + (uint64_t)i * NESTED_SHADOW_PAGES * PA_PAGE_SIZE, i);
    }
    vm->s2_watch = &shadows_watch;
    return 0;
}

static void nested_release(struct vm *vm)
{
    struct nested_vm *s = vm->hw[VCPU_HW_NESTED].state;
    vm->s2_watch = NULL; /* its shadows' pool goes */
    if (s && s->pages) {
        page_free(s->pages, s->nr_pages);
        s->pages = 0;
    }
    if (s && s->s2pool) {
        page_free(s->s2pool, (uint64_t)vm->cfg.nr_vcpus * NESTED_SHADOW_PAGES);
        s->s2pool = 0;
    }
}

/* VNCR_EL2 (S3_4_C2_C2_0) holds the page's address in the EL2 regime, where RAM is mapped at
 * its physical address. The TLB is invalidated as at a switch: another vCPU of the VM may have
 * left entries of the other context here. */
static void nested_load(struct vcpu *v)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n)
        return;
    sysreg_write(s3_4_c2_c2_0, (uint64_t)(uintptr_t)n->vncr);
    nested_timer_apply(n);
    if (n->at_el1) {
        nested_traps_cpu(v, n, true);
        id_context(v, n);
    }
    if (n->on_shadow)
        sysreg_write(vttbr_el2, n->s2.vttbr);
    isb();
    tlb_flush_el1_local();
}

/* The lent interface goes back to the VNCR page; the VM's own was put already (vgic_put does
 * nothing for a lent one) and is loaded again with the vCPU, the next entry lends it again. */
static void nested_put(struct vcpu *v)
{
    struct nested_vcpu *n = nested_of(v);
    /* VPIDR_EL2 is set once per CPU (core/vcpu.c): the next VM here must read the MIDR. */
    if (n && n->at_el1) {
        nested_traps_cpu(v, n, false);
        sysreg_write(vpidr_el2, sysreg_read(midr_el1));
    }
    if (n && n->gic_lent) {
        nested_gic_save(v, n);
        v->hw_flush.part[VCPU_HW_NESTED] = true;
    }
}

/* The VM's own virtual lines outside the GIC (core vcpu_set_vline: the diagnostic device's
 * IRQ, FIQ and SError, vdev/vdebug.c) while its guest runs: they are the machine's physical
 * IRQ, FIQ and SError to the guest hypervisor, taken to virtual EL2 when its HCR_EL2.IMO, FMO,
 * AMO routes them there (D1.3.x "Asynchronous exception routing"; the guest's PSTATE masks do
 * not apply to an exception taken to a higher EL), at VBAR_EL2 + 0x480, 0x500, 0x580, else left
 * to its guest, which takes them as any EL1 does. The lines its own VI, VF, VSE raised for its
 * guest (n->l2_vlines) are not the VM's: those stay its guest's. An SError taken to virtual EL2
 * is consumed (the VM's VSE line dropped; ESR_EL2 EC 0x2f with the syndrome the VM's VSESR
 * holds); the IRQ and FIQ are levels, taken again at virtual EL2 itself (the CPU's virtual
 * line, at its own vector) until the device lowers them. Returns the vector, 0 for none. */
#define VEL2_ROUTED (HCR_EL2_IMO | HCR_EL2_FMO | HCR_EL2_AMO)
static uint64_t own_line_vector(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr)
{
    uint64_t own = __atomic_load_n(&v->vlines, __ATOMIC_RELAXED) & ~((uint64_t)n->l2_vlines << VLINES_SHIFT);
    if ((own & HCR_EL2_VSE) && (hcr & HCR_EL2_AMO)) {
        n->el2.esr = (uint64_t)ESR_EC_SERROR << ESR_EC_SHIFT | ESR_IL | (v->vsesr & VSESR_MASK);
        vcpu_set_vline(v, VLINE_SERROR, false);
        return VBAR_SERROR;
    }
    if ((own & HCR_EL2_VF) && (hcr & HCR_EL2_FMO))
        return VBAR_FIQ;
    if ((own & HCR_EL2_VI) && (hcr & HCR_EL2_IMO))
        return VBAR_IRQ;
    return 0;
}

/* Before entering its EL1 guest, with its HCR_EL2.IMO set, the physical interrupts being the
 * guest hypervisor's (Arm ARM D1.3.x "Asynchronous exception routing"): the CPU's interface is
 * lent to the guest, and an interrupt of the VM that would be taken now is taken at virtual
 * EL2 instead of entering: Group 1 (and the lent interface's maintenance) at its IRQ vector,
 * Group 0 at its FIQ vector when its FMO routes FIQs there (GICv3: Group 0 is the FIQ); a
 * Group 0 one without FMO waits for its next exit (its guest cannot take it: the VM's list
 * registers are not loaded while lent). Without
 * IMO its EL1 guest takes the VM's interrupts itself (a kernel under its own hypervisor). With
 * any of IMO, FMO, AMO the VM's own lines are looked at too (own_line_vector). The byte stays
 * set while its guest runs with one of them: every entry looks again. */
static void nested_flush(struct vcpu *v)
{
    struct nested_vcpu *n = nested_of(v);
    uint64_t hcr = n->at_el1 ? guest_hcr_el2(n) : 0, vector;
    if (!(hcr & HCR_EL2_IMO)) {
        if (n->gic_lent) {
            nested_gic_give_back(v, n);
            vgic_flush(v);
        }
        if (!(hcr & VEL2_ROUTED)) {
            v->hw_flush.part[VCPU_HW_NESTED] = false;
        } else if ((vector = own_line_vector(v, n, hcr)) != 0) {
            v->hw_flush.part[VCPU_HW_NESTED] = false;
            enter_vel2_at(v, n, vector);
        }
        return;
    }
    if (!n->gic_lent)
        nested_gic_lend(v, n);
    else
        nested_gic_links_done(v, n);
    vector = own_line_vector(v, n, hcr);
    if (!vector) {
        unsigned waits = vgic_irq_deliverable(v);
        if ((waits & VGIC_WAITS_FIQ) && (hcr & HCR_EL2_FMO))
            vector = VBAR_FIQ;
        else if ((waits & VGIC_WAITS_IRQ) || nested_gic_maint_due())
            vector = VBAR_IRQ;
    }
    if (vector) {
        v->hw_flush.part[VCPU_HW_NESTED] = false;
        enter_vel2_at(v, n, vector);
        vgic_flush(v);
    }
}

static void nested_vcpu_start(struct vcpu *v)
{
    struct nested_vcpu *n = nested_of(v);
    if (n) {
        vcpu_boot(v, n);
        vptimer_vhe(v, false);   /* E2H = 0 again (nested_vhe.c) */
        vtimer_park(v, 0, 0, 0); /* the CPU's virtual timer is the VM's EL1 one */
    }
}

const struct vcpu_hw_ops nested_hw_ops = {
    .vm_state_size = sizeof(struct nested_vm),
    .attach = nested_attach,
    .release = nested_release,
    .load = nested_load,
    .put = nested_put,
    .flush = nested_flush,
    .vcpu_start = nested_vcpu_start,
};
