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
 * aborted (guest_at_raw). A fault of the shadow (S = 1, PTW) may only mean the shadow has not
 * mapped a table page yet (it maps the pages its guest touched since the last stage 2 TLBI):
 * the stage 1 tables of the VA are then walked in software (arch/aarch64/s1tables.c) through
 * its own stage 2, each table page mapped in the shadow, and the AT run once more; a table page
 * its own stage 2 refuses is its stage 2 fault on the walk (S = 1, PTW, FST its fault code).
 *  - AT S12E1R/W, S12E0R/W (op1 = 4, CRm = 8, op2 = 4..7): stage 1 as AT S1E1R/W, S1E0R/W
 *    above, then, with its HCR_EL2.VM = 1, its own stage 2 walked in software on the output IPA
 *    (vdev/nested_s2.c nested_s2_walk, reads of the VM's RAM only): a fault there is PAR_EL1 with
 *    S = 1 and PTW = 0, a success its output address with both stages' attributes combined
 *    (arch/aarch64/par_s12.c). With VM = 0, or {E2H, TGE} = {1, 1}, stage 1 alone. */
#include "vdev/nested.h"
#include "vdev/vcpu_hw_table.h"
#include "core/vm.h"
#include "arch/aarch64/guest_at.h"
#include "arch/aarch64/par_s12.h"
#include "arch/aarch64/s1tables.h"
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

/* Which AT, from the encoding (op1, CRm, op2): the guest_at_raw op (with NESTED_AT_S12 for the
 * two-stage ones, whose stage 1 it is), and whether it walks its EL2 regime; -1 for the others
 * (S1E1A, S1E2A: not emulated, UNDEFINED). */
int nested_at_op(const struct sysreg_access *a, bool *el2)
{
    *el2 = a->op1 == 4 && a->op2 <= 1;
    if (a->op1 == 4 && a->crm == 8 && a->op2 >= 4)
        return (int)(NESTED_AT_S12 | (GUEST_AT_S1E1R + a->op2 - 4)); /* S12E1R, S12E1W, S12E0R, S12E0W */
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

/* The shadow's fill of one stage 1 table page of its guest, and the descriptor read. */
struct table_fill {
    struct vm *vm;
    struct nested_shadow *s;
    uint8_t fsc; /* its own stage 2's fault on the page read refused, 0 for none */
};

static bool fill_read(void *ctx, uint64_t ipa, uint64_t *desc)
{
    struct table_fill *f = ctx;
    return nested_s2_fill_read(f->vm, f->s, ipa, desc, &f->fsc);
}

/* A walk on the shadow that met a table page the shadow lacks (S = 1, PTW): its stage 1 tables
 * for va mapped in the shadow, the AT once more (bounded: one retry, a walk of at most four
 * reads). A table page its own stage 2 refuses: its fault on the walk. Otherwise (a layout not
 * walked in software, a device page, a TLBI meanwhile) the CPU's answer stands. */
static uint64_t at_filled(struct vcpu *v, struct nested_vcpu *n, uint64_t va, unsigned op, uint64_t par)
{
    const uint64_t s2_walk_fault = PAR_EL1_F | PAR_EL1_S | PAR_EL1_PTW;
    if (par == GUEST_AT_ABORTED || (par & s2_walk_fault) != s2_walk_fault)
        return par;
    struct table_fill f = { v->vm, &n->s2, 0 };
    uint64_t refused;
    int rc = s1tables_walk(VNCR(n, VNCR_TCR_EL1), VNCR(n, VNCR_TTBR0_EL1), VNCR(n, VNCR_TTBR1_EL1), va, fill_read, &f,
                           &refused);
    if (rc == S1T_REFUSED && f.fsc)
        return s2_walk_fault | PAR_EL1_RES1_F | REG_FIELD((uint64_t)f.fsc, PAR_EL1_FST_SHIFT);
    return rc == S1T_DONE ? guest_at_raw(va, op) : par;
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
    if (!own)
        par = at_filled(v, n, va, op, par);
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

/* Stage 2 of AT S12E*: its own, in software, on the IPA of a successful stage 1 (par1) of va;
 * nothing with its HCR_EL2.VM = 0 (C5.4: the two stages are then stage 1). */
static uint64_t at_stage2(struct vcpu *v, struct nested_vcpu *n, uint64_t va, bool write, uint64_t par1)
{
    if ((par1 & PAR_EL1_F) || !(VNCR(n, VNCR_HCR_EL2) & HCR_EL2_VM))
        return par1;
    struct s2walk_result r;
    uint64_t ipa = (par1 & PAR_EL1_PA_MASK) | (va & (PT_PAGE_SIZE - 1));
    uint8_t fsc = nested_s2_walk(v->vm, &n->s2, ipa, write, false, &r);
    return fsc ? par_s2_fault(fsc) : par_s12(par1, r.out, r.memattr, r.sh);
}

/* The regime (C5.4): S1E2* its EL2 one; S1E1*, S1E0* and S12E* its guest's EL1&0 one, but its
 * EL2&0 one (its own, on the CPU) while its HCR_EL2.{E2H, TGE} is {1, 1}. */
static bool at_write(struct vcpu *v, const struct sysreg_access *a, uint64_t va)
{
    struct nested_vcpu *n = nested_of(v);
    bool el2;
    int op = nested_at_op(a, &el2);
    if (!n || n->at_el1 || op < 0)
        return false;
    nested_vhe_sync(v, n);
    bool own = el2 || (n->vhe && (VNCR(n, VNCR_HCR_EL2) & HCR_EL2_TGE));
    unsigned s1 = (unsigned)op & ~NESTED_AT_S12;
    uint64_t par = at_op(v, va, s1, own ? at_own : at_guest);
    if ((op & NESTED_AT_S12) && !own)
        par = at_stage2(v, n, va, s1 == GUEST_AT_S1E1W || s1 == GUEST_AT_S1E0W, par);
    sysreg_write(par_el1, par);
    return true;
}

/* The AT instructions of C5.4 at EL1 (op1 = 0, CRm = 8, 9) and EL2 (op1 = 4, CRm = 8); at_write
 * refuses those not emulated (FEAT_ATS1A's S1E1A, S1E2A, ...: UNDEFINED). */
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
