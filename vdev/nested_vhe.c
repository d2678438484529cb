/* A guest hypervisor with HCR_EL2.E2H = 1 (FEAT_VHE; docs/nested.md "E2H = 1"; Arm ARM DDI
 * 0487K.a D8.11 "Nested virtualization", and FEAT_VHE's EL2&0 translation regime).
 *
 * With E2H = 1 its EL2 registers have the layout of their EL1 counterparts, and its accesses
 * to the EL1 names (SCTLR_EL1, TCR_EL1, TTBR0/1_EL1, VBAR_EL1, CPACR_EL1, ...) mean the EL2
 * registers (FEAT_VHE's redirection of the EL1 names at EL2). So virtual EL2 runs with
 * HCR_EL2.{NV,NV1,NV2} = {1,0,1}: the CPU's EL1 registers *are* its EL2&0 regime, written by it
 * without a trap; its *_EL12 accesses (its EL1 guest's registers) become VNCR page accesses
 * (R_CSRPQ, NV1 = 0), at the same offsets as the EL1 names with NV1 = 1, so the page layout is
 * the same for both arrangements. Its user space (EL0 with its HCR_EL2.{E2H,TGE} = {1,1}) runs at
 * the CPU's EL0 under those same EL1 registers: a return to it is an ERET with no switch, and
 * its exceptions go to the CPU's VBAR_EL1, which is its VBAR_EL2.
 *
 * Its HCR_EL2 lives in the VNCR page and is written without a trap, so the arrangement follows
 * E2H at the next trap from virtual EL2 that depends on it (nested_vhe_sync: an ERET, an EL2 or
 * EL12 register access): Linux's hyp stub sets E2H and then reads CPACR_EL12, which traps
 * under NV1 = 1 and is done again after the switch. */
#include "vdev/nested.h"
#include "vdev/vptimer.h"
#include "vdev/vtimer.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/traps.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/psr.h"
#include "arch/aarch64/regs/timer.h"
#include "arch/aarch64/regs/vncr.h"

/* The EL1 registers that hold its EL2&0 regime while virtual EL2 runs with E2H = 1, and the
 * nested_el2 field that keeps each while its EL1 guest runs. SP_EL2 and the four that NV2
 * redirects (ELR, SPSR, ESR, FAR) are in the EL1 registers in both arrangements. */
#define VHE_EL2(X)                \
    X(sctlr_el1, sctlr)           \
    X(tcr_el1, tcr)               \
    X(ttbr0_el1, ttbr0)           \
    X(ttbr1_el1, ttbr1)           \
    X(mair_el1, mair)             \
    X(amair_el1, amair)           \
    X(vbar_el1, vbar)             \
    X(cpacr_el1, cptr)            \
    X(contextidr_el1, contextidr) \
    X(cntkctl_el1, cntkctl)       \
    X(afsr0_el1, afsr0)           \
    X(afsr1_el1, afsr1)           \
    X(sp_el1, sp)                 \
    X(elr_el1, elr)               \
    X(spsr_el1, spsr)             \
    X(esr_el1, esr)               \
    X(far_el1, far)

void nested_vhe_el2_load(const struct nested_el2 *e)
{
#define LOAD(reg, f) sysreg_write(reg, e->f);
    VHE_EL2(LOAD)
#undef LOAD
}

void nested_vhe_el2_save(struct nested_el2 *e)
{
#define SAVE(reg, f) e->f = sysreg_read(reg);
    VHE_EL2(SAVE)
#undef SAVE
}

/* CNTKCTL_EL1's fields (D24.10): with E2H = 1 the same bits of CNTHCTL_EL2 (EL0PCTEN, EL0VCTEN,
 * EVNTEN, EVNTDIR, EVNTI, EL0VTEN, EL0PTEN), which its CNTKCTL_EL1 accesses reach. */
#define CNTHCTL_EL0_BITS 0x3ffUL

/* Its guest's CNTKCTL_EL1 and EL1 virtual timer at the switch to that guest, and back. With
 * E2H = 1 the CPU's EL1 virtual timer is its EL2 virtual timer (CNTHV_*, reached as CNTV_*_EL0)
 * while virtual EL2 runs, and its guest's (CNTV_*_EL02, in the VNCR page) while that guest
 * runs, as KVM in VHE mode expects: it programs its guest's timer through the EL02 names and
 * takes its interrupt (the VM's PPI 27) when it fires. With E2H = 0 the guest hypervisor reaches
 * the EL1 timer itself: one timer, nothing to switch. The values are EL1 registers its guest
 * could write itself.
 *
 * While virtual EL2 runs, the VM's EL1 virtual timer is *parked* in the page (vtimer_park): its
 * interrupt, taken at virtual EL2 when it fired in its guest, stays pending while that timer's
 * condition holds there, not while the CPU's (then its EL2 virtual timer, mostly off) does. */
static void park(struct vcpu *v, struct nested_vcpu *n)
{
    vtimer_park(v, &n->vncr[VNCR_CNTV_CTL_EL0 / 8], &n->vncr[VNCR_CNTV_CVAL_EL0 / 8], &n->vncr[VNCR_CNTVOFF_EL2 / 8]);
}

/* Its guest's EL1 physical timer (CNTP_*_EL02 in the VNCR page, 0x178 and 0x180): with E2H = 1
 * the VM's emulated EL1 physical timer (vdev/vptimer.c, PPI 14) is that guest's, and its EL2
 * physical timer (PPI 10) the one its own CNTP_*_EL0 reach (vptimer_vhe). While its guest runs
 * the two are put back in their E2H = 0 places, so that the guest's CNTP_* accesses (trapped:
 * elvisor's CNTHCTL_EL2.EL1PCEN is 0; not forwarded when its EL1PCEN is 1, as Linux's KVM in
 * VHE mode sets it) reach its own timer, loaded from the page at the switch and stored back at
 * the exit. At virtual EL2 that timer keeps running from its place (a deadline passed there
 * raises PPI 14, taken there as any interrupt of the VM), and follows what the guest
 * hypervisor writes in the page at each of its ERETs (ptimer_follow): KVM's vCPU put turns it
 * off through CNTP_CTL_EL02, and a level it left high is then dropped at the ERET of the
 * handler that took it, as for the maintenance interrupt ("Interrupts for its guest").
 *
 * The move costs two timer updates each way, so it is made only when that guest needs its timer:
 * at the switch if the page has it enabled, else at that guest's first CNTP_* access
 * (nested_vhe_ptimer_claim from nested_traps.c, whose rows its exits then go through:
 * n->ptimer_lazy); a guest that never touches it (Linux's, on its virtual timer) pays nothing. */
static void ptimer_from_page(struct vcpu *v, struct nested_vcpu *n, unsigned which)
{
    uint64_t cval = __atomic_load_n(&n->vncr[VNCR_CNTP_CVAL_EL0 / 8], __ATOMIC_RELAXED);
    uint64_t ctl =
        __atomic_load_n(&n->vncr[VNCR_CNTP_CTL_EL0 / 8], __ATOMIC_RELAXED) & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
    if (vptimer_read(v, which, VPTIMER_CVAL) != cval)
        vptimer_write(v, which, VPTIMER_CVAL, cval);
    if ((vptimer_read(v, which, VPTIMER_CTL) & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != ctl)
        vptimer_write(v, which, VPTIMER_CTL, ctl);
}

void nested_vhe_ptimer_follow(struct vcpu *v, struct nested_vcpu *n)
{
    if (n->vhe && !n->at_el1)
        ptimer_from_page(v, n, VPTIMER_EL2_PHYS); /* its guest's, in the other place (vptimer_vhe) */
}

void nested_vhe_ptimer_claim(struct vcpu *v, struct nested_vcpu *n)
{
    n->ptimer_lazy = false;
    vptimer_vhe(v, false);
    ptimer_from_page(v, n, VPTIMER_EL1_PHYS);
}

void nested_vhe_guest_load(struct vcpu *v, struct nested_vcpu *n)
{
    if (!n->vhe)
        return;
    n->ptimer_lazy = true;
    if (__atomic_load_n(&n->vncr[VNCR_CNTP_CTL_EL0 / 8], __ATOMIC_RELAXED) & CNT_CTL_ENABLE)
        nested_vhe_ptimer_claim(v, n);
    sysreg_write(cntkctl_el1, n->cntkctl12);
    n->el2.cnthv_ctl = sysreg_read(cntv_ctl_el0);
    n->el2.cnthv_cval = sysreg_read(cntv_cval_el0);
    sysreg_write(cntv_cval_el0, __atomic_load_n(&n->vncr[VNCR_CNTV_CVAL_EL0 / 8], __ATOMIC_RELAXED));
    sysreg_write(cntv_ctl_el0, __atomic_load_n(&n->vncr[VNCR_CNTV_CTL_EL0 / 8], __ATOMIC_RELAXED));
    vtimer_park(v, 0, 0, 0);
}

void nested_vhe_guest_save(struct vcpu *v, struct nested_vcpu *n)
{
    if (!n->vhe)
        return;
    n->cntkctl12 = sysreg_read(cntkctl_el1);
    if (!n->ptimer_lazy) {
        __atomic_store_n(&n->vncr[VNCR_CNTP_CVAL_EL0 / 8], vptimer_read(v, VPTIMER_EL1_PHYS, VPTIMER_CVAL),
                         __ATOMIC_RELAXED);
        __atomic_store_n(&n->vncr[VNCR_CNTP_CTL_EL0 / 8], vptimer_read(v, VPTIMER_EL1_PHYS, VPTIMER_CTL),
                         __ATOMIC_RELAXED);
        vptimer_vhe(v, true);
    }
    n->ptimer_lazy = false;
    __atomic_store_n(&n->vncr[VNCR_CNTV_CTL_EL0 / 8], sysreg_read(cntv_ctl_el0), __ATOMIC_RELAXED);
    __atomic_store_n(&n->vncr[VNCR_CNTV_CVAL_EL0 / 8], sysreg_read(cntv_cval_el0), __ATOMIC_RELAXED);
    sysreg_write(cntv_ctl_el0, n->el2.cnthv_ctl);
    sysreg_write(cntv_cval_el0, n->el2.cnthv_cval);
    park(v, n);
}

/* CPTR_EL2 between its two layouts (D24.2 CPTR_EL2): E2H = 0 traps FP with TFP (bit 10), E2H =
 * 1 with FPEN (bits [21:20], the CPACR_EL1 layout). Only the FP control is carried over: SVE,
 * SME and trace stay trapped to elvisor whatever it writes. */
static uint64_t cptr_to_vhe(uint64_t cptr) { return (cptr & CPTR_EL2_TFP) ? 0 : CPACR_EL1_FPEN_ALL; }

static uint64_t cptr_to_nvhe(uint64_t cpacr)
{
    return CPTR_EL2_RES1 | ((cpacr & CPACR_EL1_FPEN_ALL) == CPACR_EL1_FPEN_ALL ? 0 : CPTR_EL2_TFP);
}

bool nested_vhe_sync(struct vcpu *v, struct nested_vcpu *n)
{
    bool want = (__atomic_load_n(&n->vncr[VNCR_HCR_EL2 / 8], __ATOMIC_RELAXED) & HCR_EL2_E2H) != 0;
    if (n->at_el1 || want == n->vhe)
        return false;
    /* Changing E2H keeps each register's contents; only their meaning changes (D24.2): the
     * values it wrote go from the nested_el2 copy to the CPU raw, or back. */
    /* CNTKCTL_EL1: with E2H = 0 one register for both contexts (docs/nested.md); with E2H = 1
     * the CPU's holds CNTHCTL_EL2's EL0 controls and its guest's is kept aside. */
    if (want) {
        nested_el2_save(&n->el2);
        n->el2.cptr = cptr_to_vhe(n->el2.cptr);
        n->cntkctl12 = sysreg_read(cntkctl_el1);
        n->el2.cntkctl = n->el2.cnthctl & CNTHCTL_EL0_BITS;
        nested_vhe_el2_load(&n->el2);
    } else {
        nested_vhe_el2_save(&n->el2);
        n->el2.cptr = cptr_to_nvhe(n->el2.cptr);
        n->el2.cnthctl = (n->el2.cnthctl & ~CNTHCTL_EL0_BITS) | (n->el2.cntkctl & CNTHCTL_EL0_BITS);
        nested_el2_load(&n->el2);
        sysreg_write(cntkctl_el1, n->cntkctl12);
    }
    n->vhe = want;
    if (want)
        park(v, n);
    else
        vtimer_park(v, 0, 0, 0);
    nested_timer_apply(n);
    vptimer_vhe(v, want);
    /* NV1 = 0 gives the EL1&0 regime its own descriptor format (AP[1], UXN), the EL2&0 one. */
    vcpu_set_hcr(v, HCR_EL2_NV1, !want);
    tlb_flush_el1_local();
    return true;
}

/* The EL2 registers it reaches through their EL2 names (trapped, nested_regs.c) that are the
 * CPU's EL1 registers with E2H = 1: where each is. CNTHCTL_EL2 is in two places: its EL0
 * controls in the CPU's CNTKCTL_EL1, the rest (EL1PCTEN, EL1PCEN, ...) kept. */
bool nested_vhe_el2_reg(struct nested_vcpu *n, const uint64_t *f, uint64_t *val, bool write)
{
    if (!n->vhe)
        return false;
    if (f == &n->el2.cnthctl) {
        if (write) {
            n->el2.cnthctl = *val;
            sysreg_write(cntkctl_el1, *val & CNTHCTL_EL0_BITS);
        } else {
            *val = (n->el2.cnthctl & ~CNTHCTL_EL0_BITS) | (sysreg_read(cntkctl_el1) & CNTHCTL_EL0_BITS);
        }
        return true;
    }
#define REG(reg, fld)                \
    if (f == &n->el2.fld) {          \
        if (write)                   \
            sysreg_write(reg, *val); \
        else                         \
            *val = sysreg_read(reg); \
        return true;                 \
    }
    VHE_EL2(REG)
#undef REG
    return false;
}

/* Its CNTHCTL_EL2 in the E2H = 0 layout, for the decisions that read EL1PCEN and EL1PCTEN
 * (nested_traps.c): with E2H = 1 they are bits 11 and 10 (D24.10 CNTHCTL_EL2), and bits [9:8]
 * are EL0's. */
uint64_t nested_cnthctl_nvhe(const struct nested_vcpu *n)
{
    uint64_t c = n->el2.cnthctl;
    return n->vhe ? (c & ~UINT64_C(0xf03)) | ((c >> 10) & 3) : c;
}

/* ERET at virtual EL2 to EL0 with its HCR_EL2.{E2H,TGE} = {1,1}: its own user space, in its
 * EL2&0 regime, which the CPU's EL1&0 registers hold: no switch. */
bool nested_vhe_eret_host_el0(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr, uint64_t m, uint64_t elr,
                              uint64_t keep)
{
    if (!n->vhe || (hcr & (HCR_EL2_E2H | HCR_EL2_TGE)) != (HCR_EL2_E2H | HCR_EL2_TGE) || m != PSR_M_EL0t)
        return false;
    v->regs.pc = elr;
    v->regs.pstate = keep | PSR_M_EL0t;
    return true;
}

/* Its *_EL12 and *_EL02 accesses (op0 = 3, op1 = 5) that trap: with NV1 = 1 (the arrangement
 * of E2H = 0) they trap whatever E2H says. If it has set E2H since, the arrangement follows and
 * the instruction runs again, now a VNCR page access; else they are UNDEFINED (E2H = 0), as
 * are those NV2 does not redirect, but CNTKCTL_EL12 (its guest's CNTKCTL_EL1, kept here). */
#define CNTKCTL_EL12 SYSREG(3, 5, 14, 1, 0)
static bool el12_retry(struct vcpu *v)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || !nested_vhe_sync(v, n))
        return false;
    v->regs.pc -= 4; /* sysreg_trap steps over it: it is done again */
    return true;
}

static struct nested_vcpu *vhe_at_el2(struct vcpu *v)
{
    struct nested_vcpu *n = nested_of(v);
    return n && n->vhe && !n->at_el1 ? n : 0;
}

static bool el12_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    struct nested_vcpu *n = vhe_at_el2(v);
    *val = 0;
    if (n && a->id == CNTKCTL_EL12) {
        *val = n->cntkctl12;
        return true;
    }
    return el12_retry(v);
}

static bool el12_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct nested_vcpu *n = vhe_at_el2(v);
    if (n && a->id == CNTKCTL_EL12) {
        n->cntkctl12 = val;
        return true;
    }
    return el12_retry(v);
}

static const struct sysreg_desc rows[] = {
    { .name = "*_EL12, *_EL02",
      .enc = SYSREG(3, 5, 0, 0, 0),
      .any = SYSREG(0, 0, 15, 15, 7),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = el12_read,
      .write = el12_write },
};

const struct sysreg_table nested_vhe_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
