/* The guest hypervisor's address translation instructions (docs/nested.md "Address translation";
 * Arm ARM DDI 0487K.a C5.4 "A64 System instructions for address translation", D8.15
 * "Address translation instructions", D24.2 PAR_EL1). At virtual EL2 they trap: AT S1E2R/W
 * (op1 = 4) by HCR_EL2.NV, AT S1E1R/W/RP/WP and S1E0R/W (op1 = 0) by HCR_EL2.AT, which
 * elvisor sets there because on the CPU they would walk the wrong regime. Each is done here on
 * the CPU, with the regime it names loaded (and its PSTATE.PAN for S1E1RP/WP), and PAR_EL1 (one
 * register for both contexts, the CPU's) left as the CPU writes it:
 *  - AT S1E2*: its EL2 regime, which the CPU's EL1 registers already hold at virtual EL2 (with
 *    E2H = 0 in the EL2 descriptor format, NV1); done as AT S1E1*, its privileged permissions
 *    being its EL2's. The output address is the VM's IPA, its physical address.
 *  - AT S1E1*, S1E0* with its HCR_EL2.{E2H, TGE} = {1, 1}: its EL2&0 regime (C5.4), the same.
 *  - AT S1E1*, S1E0* otherwise: its guest's EL1&0 regime: SCTLR, TCR, TTBR0/1 and MAIR from
 *    its VNCR page (NV1 = 1 and, with E2H = 1, its *_EL12 names put them there) into the CPU's
 *    EL1 registers, NV1 off (that regime has the EL1 format), its guest's stage 2 for the walks:
 *    the VM's, or with its HCR_EL2.VM = 1 the shadow of its own (vdev/nested_s2.c); then
 *    everything back and
 *    the VM's EL1&0 TLB entries on this CPU invalidated (the walk ran under the VM's VMID with
 *    its guest's tables, which virtual EL2 must not hit). The output is its guest's IPA.
 * A fault of elvisor's stage 2 on the walk (a table outside the VM's RAM, or in Device memory:
 * HCR_EL2.PTW) is, to the guest hypervisor, an External abort on the walk (its physical
 * address space has nothing there): PAR_EL1.FST 0b0101LL, S and PTW clear. So is a walk the CPU
 * aborted (guest_at_raw). A fault of the shadow is reported as the CPU gives it (S = 1, PTW),
 * a stage 2 fault of its own stage 2 on the walk; the shadow maps only the pages its guest has
 * touched since the last stage 2 TLBI, so an AT whose walk reads a table page its guest has not
 * may report one its stage 2 would not give (docs/nested.md "Not done"). */
#include "vdev/nested.h"
#include "vdev/vcpu_hw_table.h"
#include "core/vm.h"
#include "arch/aarch64/guest_at.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/par.h"
#include "arch/aarch64/regs/psr.h"
#include "arch/aarch64/regs/vncr.h"

#define VNCR(n, off) __atomic_load_n(&(n)->vncr[(off) / 8], __ATOMIC_RELAXED)

/* PAR_EL1 as the guest hypervisor sees it: a fault of elvisor's own stage 2 on the walk, or an
 * aborted walk, becomes an External abort on its walk (pure; the level is the stage 2 walk's:
 * none better is known). */
uint64_t nested_at_par(uint64_t par, bool own_stage2)
{
    if (par == GUEST_AT_ABORTED)
        return PAR_EL1_F | PAR_EL1_RES1_F | REG_FIELD(PAR_FST_EXT_WALK(0), PAR_EL1_FST_SHIFT);
    if (!(par & PAR_EL1_F) || !(par & PAR_EL1_S) || own_stage2)
        return par;
    unsigned level = (unsigned)((par & PAR_EL1_FST_MASK) >> PAR_EL1_FST_SHIFT) & 3u;
    return (par & ~(PAR_EL1_FST_MASK | PAR_EL1_S | PAR_EL1_PTW)) |
           REG_FIELD(PAR_FST_EXT_WALK(level), PAR_EL1_FST_SHIFT);
}

/* Which AT, from the encoding (op1, CRm, op2): the guest_at_raw op, and whether it walks its EL2
 * regime; -1 for the others (S12E*, S1E1A: not emulated, UNDEFINED). */
int nested_at_op(const struct sysreg_access *a, bool *el2)
{
    *el2 = a->op1 == 4;
    if (a->op1 == 4)
        return a->crm == 8 && a->op2 <= 1 ? (int)(GUEST_AT_S1E1R + a->op2) : -1;
    if (a->op1 != 0)
        return -1;
    if (a->crm == 8 && a->op2 <= 3)
        return (int)(GUEST_AT_S1E1R + a->op2); /* S1E1R, S1E1W, S1E0R, S1E0W */
    if (a->crm == 9 && a->op2 <= 1)
        return (int)(GUEST_AT_S1E1RP + a->op2);
    return -1;
}

/* Its guest's EL1&0 regime on the CPU for one AT, and back. */
static uint64_t at_its_guest(struct vcpu *v, struct nested_vcpu *n, uint64_t va, unsigned op)
{
    uint64_t sctlr = sysreg_read(sctlr_el1), tcr = sysreg_read(tcr_el1), ttbr0 = sysreg_read(ttbr0_el1),
             ttbr1 = sysreg_read(ttbr1_el1), mair = sysreg_read(mair_el1), hcr = sysreg_read(hcr_el2);
    uint64_t ghcr = VNCR(n, VNCR_HCR_EL2);
    bool own = !(ghcr & HCR_EL2_VM);
    if (!own) {
        struct nested_vm *s = v->vm->hw[VCPU_HW_NESTED].state;
        sysreg_write(vttbr_el2, nested_s2_enter(&n->s2, VNCR(n, VNCR_VTCR_EL2), VNCR(n, VNCR_VTTBR_EL2),
                                                __atomic_load_n(&s->s2_gen, __ATOMIC_ACQUIRE)));
    }
    sysreg_write(sctlr_el1, VNCR(n, VNCR_SCTLR_EL1));
    sysreg_write(tcr_el1, VNCR(n, VNCR_TCR_EL1));
    sysreg_write(ttbr0_el1, VNCR(n, VNCR_TTBR0_EL1));
    sysreg_write(ttbr1_el1, VNCR(n, VNCR_TTBR1_EL1));
    sysreg_write(mair_el1, VNCR(n, VNCR_MAIR_EL1));
    sysreg_write(hcr_el2, hcr & ~HCR_EL2_NV1);
    isb();
    uint64_t par = guest_at_raw(va, op);
    sysreg_write(hcr_el2, hcr);
    sysreg_write(sctlr_el1, sctlr);
    sysreg_write(tcr_el1, tcr);
    sysreg_write(ttbr0_el1, ttbr0);
    sysreg_write(ttbr1_el1, ttbr1);
    sysreg_write(mair_el1, mair);
    if (!own)
        sysreg_write(vttbr_el2, v->vm->vttbr);
    isb();
    tlb_flush_el1_local();
    return nested_at_par(par, !own);
}

/* AT S1E1RP/WP check permissions with PSTATE.PAN (C5.4.9): the guest hypervisor's, around the
 * instruction (PAN, S3_0_C4_C2_3: FEAT_PAN, which FEAT_PAN2 implies). */
static uint64_t at_op(struct vcpu *v, uint64_t va, unsigned op, uint64_t (*run)(struct vcpu *, uint64_t, unsigned))
{
    if (op != GUEST_AT_S1E1RP && op != GUEST_AT_S1E1WP)
        return run(v, va, op);
    uint64_t pan = sysreg_read(s3_0_c4_c2_3);
    sysreg_write(s3_0_c4_c2_3, v->regs.pstate & PSR_PAN);
    uint64_t par = run(v, va, op);
    sysreg_write(s3_0_c4_c2_3, pan);
    return par;
}

static uint64_t at_own(struct vcpu *v, uint64_t va, unsigned op) { return nested_at_par(guest_at_raw(va, op), false); }
static uint64_t at_guest(struct vcpu *v, uint64_t va, unsigned op) { return at_its_guest(v, nested_of(v), va, op); }

/* The regime (C5.4): S1E2* its EL2 one; S1E1* and S1E0* its guest's EL1&0 one, but its EL2&0
 * one (its own, on the CPU) while its HCR_EL2.{E2H, TGE} is {1, 1}. */
static bool at_write(struct vcpu *v, const struct sysreg_access *a, uint64_t va)
{
    struct nested_vcpu *n = nested_of(v);
    bool el2;
    int op = nested_at_op(a, &el2);
    if (!n || n->at_el1 || op < 0)
        return false;
    nested_vhe_sync(v, n);
    bool own = el2 || (n->vhe && (VNCR(n, VNCR_HCR_EL2) & HCR_EL2_TGE));
    sysreg_write(par_el1, at_op(v, va, (unsigned)op, own ? at_own : at_guest));
    return true;
}

/* The AT instructions of C5.4 at EL1 (op1 = 0, CRm = 8, 9) and EL2 (op1 = 4, CRm = 8); at_write
 * refuses those not emulated (S12E*, FEAT_ATS1A's S1E1A, ...: UNDEFINED). */
static const struct sysreg_desc rows[] = {
    { .name = "AT S1E1*, S1E0* (virtual EL2)",
      .enc = SYSREG(1, 0, 7, 8, 0),
      .any = SYSREG(0, 0, 0, 1, 7),
      .wr = SR_WR_CALL,
      .write = at_write },
    { .name = "AT S1E2*, S12E* (virtual EL2)",
      .enc = SYSREG(1, 4, 7, 8, 0),
      .any = SYSREG(0, 0, 0, 0, 7),
      .wr = SR_WR_CALL,
      .write = at_write },
};

const struct sysreg_table nested_at_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
