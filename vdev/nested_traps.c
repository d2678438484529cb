/* The guest hypervisor's trap controls for its EL1 guest (docs/nested.md "Its traps for its guest";
 * Arm ARM DDI 0487K.a D24.2 HCR_EL2, D24.10 CNTHCTL_EL2). While its guest runs, an exception
 * that trapped to elvisor and that the guest hypervisor's own HCR_EL2 or CNTHCTL_EL2 also traps
 * is its, not elvisor's: it is taken to virtual EL2 (VBAR_EL2 + 0x400, ESR_EL2 the syndrome,
 * ELR_EL2 the trapped instruction) as the CPU would take it to EL2. Linux's KVM relies on this:
 * it shows its guest sanitised ID registers (TID3), emulates ACTLR_EL1 (TACR), turns pointer
 * authentication on for a vCPU at its first use (API, APK), emulates the EL1 physical timer
 * of its guest (CNTHCTL_EL2.EL1PCEN = 0), blocks its vCPU on WFI (TWI), emulates set/way
 * maintenance and watches its guest's caches come on (TSW, TVM).
 *
 * Controls elvisor sets for every VM (TWE, TSW, TID3, TACR, TIDCP, TLOR, SMC's TSC in
 * vdev/nested.c) trap anyway; the others (TWI where the vCPU has its CPU alone, TID1, TID2,
 * TID4, TVM, TRVM, TPU, TPCP, TTLB, TDZ and FEAT_EVT's TOCU, TICAB, TTLBIS, TTLBOS) are set in
 * the CPU's HCR_EL2 while its guest runs, when and only when its HCR_EL2 has them
 * (nested_traps_hcr): every such trap is then one to forward, and its guest pays for exactly
 * what its hypervisor asked. With TDZ the CPU also shows that guest DCZID_EL0.DZP = 1.
 *
 * Only its EL1 guest's exits pay for this: at the ERET into that guest the vCPU switches to the
 * exit mode NESTED_EXIT_L2 (core/exit.h) when the guest hypervisor asked for one of these traps, and
 * back at the exit to virtual EL2; every other vCPU dispatches as before. API and APK trap when
 * clear: elvisor's own HCR_EL2 sets them once the VM uses pointer authentication
 * (vdev/vpauth.c), so they are taken off (vcpu_hcr_off) while its guest runs without them.
 *
 * Beyond HCR_EL2: its CPTR_EL2.TFP/TCPAC, CNTHCTL_EL2.EL1PCTEN = 0 (its guest's physical counter
 * reads), MDCR_EL2.TDE (its guest's debug exceptions, and the debug registers as TDA, TDOSA
 * and TDRA would) and MDCR_EL2.TDA (elvisor clears the CPU's while the VM's own debug registers
 * are in the hardware, vdev/vdebug_regs.c) are put in the CPU's CPTR_EL2, CNTHCTL_EL2 and
 * MDCR_EL2 while its guest runs (nested_traps_cpu). Its TDOSA, TDRA and TPM (and TPMCR, whose
 * PMCR_EL0 TPM traps too) need nothing: elvisor's MDCR_EL2 always has them (core/vcpu.c
 * MDCR_GUEST). HCR_EL2.TSC and HCD: vdev/nested.c. Not forwarded: FEAT_FGT's registers (hidden
 * from the VM, vdev/id_regs.c). Moot: TERR and TEA, RES0 without FEAT_RAS, which the VM does not
 * have (ID_AA64PFR0_EL1.RAS reads 0: its error records are UNDEFINED to it and to its guest). */
#include "vdev/nested.h"
#include "core/exit.h"
#include "core/vcpu.h"
#include "core/vcpu_fp.h"
#include "core/vm.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/mdcr.h"
#include "arch/aarch64/regs/timer.h"
#include "arch/aarch64/regs/vncr.h"

/* The trap-when-clear controls. */
#define HCR_PAUTH (HCR_EL2_API | HCR_EL2_APK)
/* FEAT_EVT's controls (RES0 without it: never set in the CPU, never acted on). */
#define HCR_EVT1 (HCR_EL2_TID4 | HCR_EL2_TICAB | HCR_EL2_TOCU)
#define HCR_EVT2 (HCR_EL2_TTLBIS | HCR_EL2_TTLBOS)
/* Trap-when-set controls elvisor sets in the CPU for its guest when its HCR_EL2 has them. */
#define HCR_L2_ADDED NESTED_TRAPS_ADDED
/* The routing controls that also trap its guest's SGI generation (sgi_reg): elvisor sets both
 * for every VM. */
#define HCR_SGI_TRAPS (HCR_EL2_IMO | HCR_EL2_FMO)
/* Trap-when-set controls whose traps are forwarded: those, and elvisor's own it shares (TIDCP,
 * TLOR: core/vcpu.c sets them for every VM; IMO, FMO). */
#define HCR_FORWARDED                                                                                        \
    (HCR_L2_ADDED | HCR_EL2_TWE | HCR_EL2_TSW | HCR_EL2_TID3 | HCR_EL2_TACR | HCR_EL2_TIDCP | HCR_EL2_TLOR | \
     HCR_SGI_TRAPS)

/* The FEAT_EVT controls this CPU lacks (ID_AA64MMFR2_EL1.EVT, D19.2): taken out of its HCR_EL2
 * before anything reads it. Set once by nested_traps_init; all of them until then. */
static uint64_t hcr_unsupported = HCR_EVT1 | HCR_EVT2;

void nested_traps_init(void)
{
    uint64_t evt = ID_FIELD_GET(sysreg_read(s3_0_c0_c7_2), ID_AA64MMFR2_EL1_EVT);
    hcr_unsupported = evt >= 2 ? 0 : evt == 1 ? HCR_EVT2 : HCR_EVT1 | HCR_EVT2;
}

uint64_t nested_traps_hcr_of(uint64_t hcr) { return hcr & ~hcr_unsupported; }

uint64_t nested_traps_hcr(uint64_t hcr) { return hcr & HCR_L2_ADDED; }

#define ENC(op0, op1, crn, crm, op2) SYSREG(op0, op1, crn, crm, op2)

/* ID group 3 (HCR_EL2.TID3): reads of op0 = 3, op1 = 0, CRn = 0, CRm = 1..7, any op2 (the
 * AArch32 and AArch64 ID registers and the unallocated encodings among them). */
static bool id_group3(const struct sysreg_access *a)
{
    return a->read && a->op0 == 3 && a->op1 == 0 && a->crn == 0 && a->crm >= 1 && a->crm <= 7;
}

/* APIAKey..APGAKey_EL1 (HCR_EL2.APK): op0 = 3, op1 = 0, CRn = 2, CRm = 1..3. */
static bool pauth_key(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 0 && a->crn == 2 && a->crm >= 1 && a->crm <= 3;
}

/* CNTP_TVAL/CTL/CVAL_EL0 (CNTHCTL_EL2.EL1PCEN, E2H = 0): op0 = 3, op1 = 3, CRn = 14, CRm = 2,
 * op2 = 0..2. */
static bool el1_ptimer(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 3 && a->crn == 14 && a->crm == 2 && a->op2 <= 2;
}

/* CNTPCT_EL0 and FEAT_ECV's CNTPCTSS_EL0 (CNTHCTL_EL2.EL1PCTEN, E2H = 0; D24.10): reads of
 * op0 = 3, op1 = 3, CRn = 14, CRm = 0, op2 = 1 or 5. */
static bool phys_counter(const struct sysreg_access *a)
{
    return a->read && a->op0 == 3 && a->op1 == 3 && a->crn == 14 && a->crm == 0 && (a->op2 == 1 || a->op2 == 5);
}

/* The encodings reserved for IMPLEMENTATION DEFINED registers and System instructions
 * (HCR_EL2.TIDCP; D24.2, "Reserved encodings for IMPLEMENTATION DEFINED registers" D18.3):
 * op0 = 1 or 3 with CRn = 11 or 15, any op1, CRm, op2. */
static bool impdef(const struct sysreg_access *a)
{
    return (a->op0 == 1 || a->op0 == 3) && (a->crn == 11 || a->crn == 15);
}

/* FEAT_LOR's LORSA, LOREA, LORN, LORC and LORID_EL1 (HCR_EL2.TLOR): op0 = 3, op1 = 0, CRn = 10,
 * CRm = 4, op2 = 0..3 or 7. */
static bool lor_reg(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 0 && a->crn == 10 && a->crm == 4 && (a->op2 <= 3 || a->op2 == 7);
}

/* ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1 (op0 = 3, op1 = 0, CRn = 12, CRm = 11,
 * op2 = 5..7): at EL1 their writes trap to EL2 when HCR_EL2.IMO or FMO is set (GIC IHI 0069H
 * 12.2.21-12.2.23, or ICH_HCR_EL2.TC, not honoured: nested_gic.c). Its guest's SGIs are then
 * its hypervisor's to deliver (Linux's KVM emulates them in its vGIC): taken as the VM's own
 * they would reach the VM's vCPUs and be lost to its guest, whose IPIs then never arrive. */
static bool sgi_reg(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 0 && a->crn == 12 && a->crm == 11 && a->op2 >= 5;
}

/* DC ZVA, and FEAT_MTE's DC GVA and DC GZVA (HCR_EL2.TDZ): op0 = 1, op1 = 3, CRn = 7, CRm = 4,
 * op2 = 1, 3, 4. */
static bool dc_zva(const struct sysreg_access *a)
{
    return a->op0 == 1 && a->op1 == 3 && a->crn == 7 && a->crm == 4 && (a->op2 == 1 || a->op2 == 3 || a->op2 == 4);
}

/* The ID and cache ID registers (D24.2 HCR_EL2.TID1, TID2, TID4): the control that traps a
 * read (a write: CSSELR_EL1 only), 0 for none. */
static uint64_t id_control(const struct sysreg_access *a)
{
    switch (a->id) {
    case ENC(3, 0, 0, 0, 6): /* REVIDR_EL1 */
    case ENC(3, 1, 0, 0, 7): /* AIDR_EL1 */
    case ENC(3, 1, 0, 0, 6): /* SMIDR_EL1 */
        return a->read ? HCR_EL2_TID1 : 0;
    case ENC(3, 3, 0, 0, 1): /* CTR_EL0 */
        return a->read ? HCR_EL2_TID2 : 0;
    case ENC(3, 1, 0, 0, 0): /* CCSIDR_EL1 */
    case ENC(3, 1, 0, 0, 1): /* CLIDR_EL1 */
    case ENC(3, 1, 0, 0, 2): /* CCSIDR2_EL1 */
        return a->read ? HCR_EL2_TID2 | HCR_EL2_TID4 : 0;
    case ENC(3, 2, 0, 0, 0): /* CSSELR_EL1 */
        return HCR_EL2_TID2 | HCR_EL2_TID4;
    default:
        return 0;
    }
}

/* The EL1 virtual memory controls (D24.2 HCR_EL2.TVM for writes, TRVM for reads). */
static bool vm_control(const struct sysreg_access *a)
{
    switch (a->id) {
    case ENC(3, 0, 1, 0, 0):  /* SCTLR_EL1 */
    case ENC(3, 0, 1, 0, 3):  /* SCTLR2_EL1 */
    case ENC(3, 0, 2, 0, 0):  /* TTBR0_EL1 */
    case ENC(3, 0, 2, 0, 1):  /* TTBR1_EL1 */
    case ENC(3, 0, 2, 0, 2):  /* TCR_EL1 */
    case ENC(3, 0, 2, 0, 3):  /* TCR2_EL1 */
    case ENC(3, 0, 5, 1, 0):  /* AFSR0_EL1 */
    case ENC(3, 0, 5, 1, 1):  /* AFSR1_EL1 */
    case ENC(3, 0, 5, 2, 0):  /* ESR_EL1 */
    case ENC(3, 0, 6, 0, 0):  /* FAR_EL1 */
    case ENC(3, 0, 10, 2, 0): /* MAIR_EL1 */
    case ENC(3, 0, 10, 2, 1): /* MAIR2_EL1 */
    case ENC(3, 0, 10, 2, 2): /* PIRE0_EL1 */
    case ENC(3, 0, 10, 2, 3): /* PIR_EL1 */
    case ENC(3, 0, 10, 3, 0): /* AMAIR_EL1 */
    case ENC(3, 0, 10, 3, 1): /* AMAIR2_EL1 */
    case ENC(3, 0, 13, 0, 1): /* CONTEXTIDR_EL1 */
        return true;
    default:
        return false;
    }
}

/* Cache maintenance (op0 = 1, CRn = 7; C5.3) and TLB maintenance of EL1 (op0 = 1, op1 = 0,
 * CRn = 8; C5.5): the controls that trap the instruction (D24.2 HCR_EL2). */
static uint64_t maint_control(const struct sysreg_access *a)
{
    bool va_op = a->op2 == 1 || a->op2 == 3 || a->op2 == 5; /* DC by VA (and FEAT_MTE's G/GD forms) */
    if (a->crn == 8 || a->crn == 9)                         /* CRn = 9: FEAT_XS's nXS forms */
        return a->op1 != 0                  ? 0
               : a->crm == 2 || a->crm == 3 ? HCR_EL2_TTLB | HCR_EL2_TTLBIS /* ...IS, RVA*IS */
               : a->crm == 1 || a->crm == 5 ? HCR_EL2_TTLB | HCR_EL2_TTLBOS /* ...OS, RVA*OS */
                                            : HCR_EL2_TTLB;
    if (a->crn != 7)
        return 0;
    if (a->op1 == 0) {
        if (a->crm == 1 && a->op2 == 0) /* IC IALLUIS */
            return HCR_EL2_TPU | HCR_EL2_TICAB;
        if (a->crm == 5 && a->op2 == 0) /* IC IALLU */
            return HCR_EL2_TPU | HCR_EL2_TOCU;
        if ((a->crm == 6 || a->crm == 10 || a->crm == 14) && (a->op2 == 2 || a->op2 == 4 || a->op2 == 6))
            return HCR_EL2_TSW; /* DC ISW, CSW, CISW and their tag forms */
        if (a->crm == 6 && va_op)
            return HCR_EL2_TPCP; /* DC IVAC, IGVAC, IGDVAC */
        return 0;
    }
    if (a->op1 != 3)
        return 0;
    if ((a->crm == 5 && a->op2 == 1) || (a->crm == 11 && a->op2 == 1)) /* IC IVAU, DC CVAU */
        return HCR_EL2_TPU | HCR_EL2_TOCU;
    if ((a->crm == 10 || a->crm == 12 || a->crm == 13 || a->crm == 14) && va_op)
        return HCR_EL2_TPCP; /* DC CVAC, CVAP, CVADP, CIVAC and their tag forms */
    return 0;
}

/* The debug System registers (op0 = 2; D24.3, D24.2 MDCR_EL2) and the trace unit's (op0 = 2,
 * op1 = 1; CPTR_EL2.TTA): the control that traps them. MDCR_EL2.TDE = 1 makes TDA, TDOSA and
 * TDRA behave as 1 for all purposes but a direct read (D24.3 MDCR_EL2.TDE). */
static uint64_t debug_control(const struct sysreg_access *a, const struct nested_ctls *c)
{
    uint64_t mdcr = c->mdcr & MDCR_EL2_TDE ? c->mdcr | MDCR_EL2_TDA | MDCR_EL2_TDOSA | MDCR_EL2_TDRA : c->mdcr;
    if (a->op1 == 1)
        return c->cptr & CPTR_EL2_TTA;
    if (a->id == ENC(2, 0, 1, 0, 0)) /* MDRAR_EL1 */
        return mdcr & MDCR_EL2_TDRA;
    if (a->op1 == 0 && a->crn == 1 && a->op2 == 4) /* OSLAR, OSLSR, OSDLR, DBGPRCR_EL1 */
        return mdcr & MDCR_EL2_TDOSA;
    return mdcr & MDCR_EL2_TDA; /* breakpoints, watchpoints, MDSCR, claim tags, DCC */
}

/* The PMU's registers (D24.2 MDCR_EL2.TPM, TPMCR): PMCR_EL0 (either control), the others of
 * op1 = 3, CRn = 9, CRm = 12..14 and CRn = 14, CRm = 8..15 (the event counters), and
 * PMINTENSET/CLR_EL1, PMMIR_EL1 (op1 = 0, CRn = 9, CRm = 14). */
static uint64_t pmu_control(const struct sysreg_access *a, const struct nested_ctls *c)
{
    if (a->id == ENC(3, 3, 9, 12, 0)) /* PMCR_EL0 */
        return c->mdcr & (MDCR_EL2_TPM | MDCR_EL2_TPMCR);
    bool pmu = (a->op1 == 3 && a->crn == 9 && a->crm >= 12 && a->crm <= 14) ||
               (a->op1 == 3 && a->crn == 14 && a->crm >= 8) || (a->op1 == 0 && a->crn == 9 && a->crm == 14);
    return pmu ? c->mdcr & MDCR_EL2_TPM : 0;
}

/* The decision (docs/nested.md table "Its traps for its guest"): the exception class and, for a
 * system register, its encoding, against the control that traps it (D24.2 HCR_EL2: API, APK,
 * TWI, TWE, TID1-4, TACR, TVM, TRVM, TSW, TPU, TPCP, TTLB, TOCU, TICAB, TTLBIS, TTLBOS; CPTR_EL2:
 * TFP, TTA, TCPAC; MDCR_EL2: TDA, TDOSA, TDRA, TPM, TPMCR, TDE; D24.10 CNTHCTL_EL2.EL1PCEN,
 * EL1PCTEN; HCR_EL2 TIDCP, TLOR, TDZ). c->hcr is its HCR_EL2 as nested_traps_hcr_of leaves it,
 * c->cptr and c->cnthctl in the E2H = 0 layouts. */
bool nested_trap_is_vel2s(uint64_t esr, const struct nested_ctls *c)
{
    struct sysreg_access a;
    uint64_t hcr = c->hcr, cnthctl = c->cnthctl;
    switch (esr_ec(esr)) {
    case ESR_EC_FP_ASIMD: /* FP/SIMD: CPTR_EL2.TFP (SVE and SME stay elvisor's: EC 0x19, 0x1d) */
        return (c->cptr & CPTR_EL2_TFP) != 0;
    case ESR_EC_WFX: /* WFI, WFIT: TWI; WFE, WFET: TWE */
        return (hcr & (esr_wfx_is_wfe(esr) ? HCR_EL2_TWE : HCR_EL2_TWI)) != 0;
    case ESR_EC_PAC:
        return !(hcr & HCR_EL2_API);
    /* Its guest's debug exceptions: MDCR_EL2.TDE (D2.4 "Routing debug exceptions"); the CPU's
     * MDCR_EL2 has TDE only while its does (nested_traps_cpu). */
    case ESR_EC_BREAKPT_LOW:
    case ESR_EC_SOFTSTP_LOW:
    case ESR_EC_WATCHPT_LOW:
    case ESR_EC_BRK64:
        return (c->mdcr & MDCR_EL2_TDE) != 0;
    case ESR_EC_SYS64:
        if (esr_sysreg_decode(esr, &a) < 0)
            return false;
        if (impdef(&a))
            return (hcr & HCR_EL2_TIDCP) != 0;
        if (a.op0 == 1 && dc_zva(&a))
            return (hcr & HCR_EL2_TDZ) != 0;
        if (a.op0 == 1)
            return (hcr & maint_control(&a)) != 0;
        if (a.op0 == 2)
            return debug_control(&a, c) != 0;
        if (a.op0 != 3)
            return false;
        if (sgi_reg(&a))
            return !a.read && (hcr & HCR_SGI_TRAPS) != 0;
        if (a.id == ENC(3, 0, 1, 0, 2)) /* CPACR_EL1 */
            return (c->cptr & CPTR_EL2_TCPAC) != 0;
        if (pmu_control(&a, c))
            return true;
        if (pauth_key(&a))
            return !(hcr & HCR_EL2_APK);
        if (id_group3(&a))
            return (hcr & HCR_EL2_TID3) != 0;
        if (a.id == SYSREG(3, 0, 1, 0, 1)) /* ACTLR_EL1 */
            return (hcr & HCR_EL2_TACR) != 0;
        if (el1_ptimer(&a))
            return !(cnthctl & CNTHCTL_EL2_EL1PCEN);
        if (phys_counter(&a))
            return !(cnthctl & CNTHCTL_EL2_EL1PCTEN);
        if (lor_reg(&a))
            return (hcr & HCR_EL2_TLOR) != 0;
        if (vm_control(&a))
            return (hcr & (a.read ? HCR_EL2_TRVM : HCR_EL2_TVM)) != 0;
        return (hcr & id_control(&a)) != 0;
    default:
        return false;
    }
}

/* Whether any of those controls is on: then its guest's exits need NESTED_EXIT_L2. */
#define CPTR_FORWARDED    (CPTR_EL2_TFP | CPTR_EL2_TTA | CPTR_EL2_TCPAC)
#define MDCR_FORWARDED    (MDCR_EL2_TDA | MDCR_EL2_TDOSA | MDCR_EL2_TDRA | MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDE)
#define CNTHCTL_FORWARDED (CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN) /* trap when clear */
bool nested_traps_wanted(const struct nested_ctls *c)
{
    return (c->hcr & HCR_FORWARDED) || (~c->hcr & HCR_PAUTH) || (~c->cnthctl & CNTHCTL_FORWARDED) ||
           (c->cptr & CPTR_FORWARDED) || (c->mdcr & MDCR_FORWARDED);
}

/* Its CPTR_EL2 in the E2H = 0 layout (D24.2 CPTR_EL2): with E2H = 1, FPEN (bits [21:20]) traps its
 * guest's FP unless FPEN[0] (0b01 traps only EL0 under TGE, 0b11 nothing), TTA is bit 28. */
static inline uint64_t cptr_nvhe(const struct nested_vcpu *n)
{
    uint64_t c = n->el2.cptr;
    if (!n->vhe)
        return c;
    return (c & CPTR_EL2_TCPAC) | ((c & REG_BIT(CPACR_EL1_FPEN_SHIFT)) ? 0 : CPTR_EL2_TFP) |
           ((c & REG_BIT(28)) ? CPTR_EL2_TTA : 0);
}

/* Its controls for its guest as the decision reads them. */
static void ctls_of(const struct nested_vcpu *n, uint64_t hcr, struct nested_ctls *c)
{
    c->hcr = nested_traps_hcr_of(hcr);
    c->cnthctl = nested_cnthctl_nvhe(n);
    c->cptr = cptr_nvhe(n);
    c->mdcr = n->el2.mdcr;
}

/* The controls elvisor puts in the CPU's other EL2 registers for its guest, while it runs and
 * the vCPU is loaded (n->l2_cpu, NESTED_L2_*): the CPU's CPTR_EL2 traps its guest's FP/SIMD (TFP)
 * and CPACR_EL1 accesses (TCPAC) when its CPTR_EL2 does (TTA: elvisor's own, always); its
 * CNTHCTL_EL2 traps that guest's physical counter reads when its EL1PCTEN is clear (elvisor's
 * has it set: the counter is every VM's); its MDCR_EL2 takes that guest's debug exceptions to
 * EL2 (TDE, which also traps the debug registers) when its TDE is set, and traps that guest's
 * debug registers (TDA) when its TDA is: elvisor clears TDA while the VM's own debug registers
 * are in the hardware, and its off leaves TDA set, elvisor's safe value (the next access of the
 * VM traps and vdev/vdebug_regs.c settles again; puts run in part order, vdebug's first, so a
 * restored "clear" could outlive the vCPU). Set at the ERET into
 * that guest and at a vCPU load while it runs; cleared at the switch back and whenever the vCPU
 * is put. The CPU's TFP is shared with core's lazy FP/SIMD switch (core/vcpu_fp.c), which sets
 * it while the vCPU's registers are not live and clears it for EL2's own FP/SIMD use: this part
 * says only whether its guest's FP/SIMD traps (vcpu_fp_guest_trap), and its guest's EC 0x07 is
 * first core's (nested_guest_trap claims the registers, then forwards it when its TFP applies).
 * Each other one is a read-modify-write of only its own bits: vdev/vdebug_regs.c and vdev/vpmu.c change other fields of MDCR_EL2. */
#define CPTR_ADDED (CPTR_EL2_TFP | CPTR_EL2_TCPAC)

static uint8_t l2_cpu_of(const struct nested_vcpu *n, uint64_t cptr)
{
    uint64_t cnthctl = nested_cnthctl_nvhe(n);
    return (uint8_t)(((cptr & CPTR_EL2_TFP) ? NESTED_L2_TFP : 0) | ((cptr & CPTR_EL2_TCPAC) ? NESTED_L2_TCPAC : 0) |
                     ((cnthctl & CNTHCTL_EL2_EL1PCTEN) ? 0 : NESTED_L2_PCT) |
                     ((n->el2.mdcr & MDCR_EL2_TDE) ? NESTED_L2_TDE : 0) |
                     ((n->el2.mdcr & MDCR_EL2_TDA) ? NESTED_L2_TDA : 0));
}

void nested_traps_cpu(struct vcpu *v, const struct nested_vcpu *n, bool on)
{
    uint8_t f = n->l2_cpu;
    if (!f)
        return;
    if (f & NESTED_L2_TFP)
        vcpu_fp_guest_trap(v, on); /* the CPU's TFP is also core's lazy FP/SIMD switch's */
    if (f & NESTED_L2_TCPAC) {
        uint64_t cptr = sysreg_read(cptr_el2);
        sysreg_write(cptr_el2, on ? cptr | CPTR_EL2_TCPAC : cptr & ~CPTR_EL2_TCPAC);
    }
    if (f & NESTED_L2_PCT) {
        uint64_t c = sysreg_read(cnthctl_el2);
        sysreg_write(cnthctl_el2, on ? c & ~CNTHCTL_EL2_EL1PCTEN : c | CNTHCTL_EL2_EL1PCTEN);
    }
    if (f & NESTED_L2_TDE) {
        uint64_t m = sysreg_read(mdcr_el2);
        sysreg_write(mdcr_el2, on ? m | MDCR_EL2_TDE : m & ~MDCR_EL2_TDE);
    }
    if ((f & NESTED_L2_TDA) && on)
        sysreg_write(mdcr_el2, sysreg_read(mdcr_el2) | MDCR_EL2_TDA);
    isb();
}

/* API/APK off while its guest runs without them, where elvisor's HCR_EL2 has them (clear ones
 * trap already): again after each of that guest's traps elvisor handled, which may have made
 * the VM's pointer authentication active (vdev/vpauth.c sets them then). */
static void pauth_off(struct vcpu *v, uint64_t hcr)
{
    uint64_t off = ~hcr & HCR_PAUTH & v->hcr_parts;
    if (off != v->hcr_off)
        vcpu_hcr_off(v, off);
}

/* At the ERET into its guest: the exit mode, the controls the CPU's HCR_EL2 gains (*set) and
 * those it runs without (returned; vdev/nested.c applies both with its own change). */
uint64_t nested_traps_enter(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr, uint64_t *set)
{
    /* nested_traps_wanted, in the order that decides soonest for the usual controls (Linux's
     * KVM: its own kernel's HCR_EL2 asks for nothing, its guests' for API/APK and TID3). */
    hcr = nested_traps_hcr_of(hcr);
    *set = hcr & HCR_L2_ADDED;
    uint64_t cptr = cptr_nvhe(n);
    bool want = (hcr & HCR_FORWARDED) || (~hcr & HCR_PAUTH) || (cptr & CPTR_FORWARDED) ||
                (n->el2.mdcr & MDCR_FORWARDED) || (~nested_cnthctl_nvhe(n) & CNTHCTL_FORWARDED) || n->ptimer_lazy;
    exit_set_mode(v, want ? NESTED_EXIT_L2 : NESTED_EXIT_VEL2);
    n->l2_cpu = want ? l2_cpu_of(n, cptr) : 0;
    if (__builtin_expect(n->l2_cpu != 0, 0))
        nested_traps_cpu(v, n, true);
    return ~hcr & HCR_PAUTH & v->hcr_parts;
}

/* The way back with controls in the CPU, out of line: the way back without them needs no frame. */
static __attribute__((noinline)) void leave_with_cpu_traps(struct vcpu *v, struct nested_vcpu *n)
{
    nested_traps_cpu(v, n, false);
    n->l2_cpu = 0;
    exit_set_mode(v, NESTED_EXIT_VEL2);
}

void nested_traps_leave(struct vcpu *v, struct nested_vcpu *n)
{
    if (__builtin_expect(n->l2_cpu, 0)) {
        leave_with_cpu_traps(v, n);
        return;
    }
    exit_set_mode(v, NESTED_EXIT_VEL2);
}

/* NESTED_EXIT_L2's own rows (vdev/trap_table.c): a trapped system register, PAC, WFx or FP/SIMD
 * instruction or a debug exception of the guest hypervisor's guest goes to virtual EL2 when its
 * controls say so, else where every VM's goes. */
enum exit_result nested_guest_trap(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || !n->at_el1)
        return exit_main(v, esr);
    /* FP/SIMD: elvisor's lazy switch first (core/vcpu_fp.c), whether or not its TFP traps it. */
    if (esr_ec(esr) == ESR_EC_FP_ASIMD) {
        vcpu_fp_claim(v);
        vcpu_fp_el2_done(v);
    }
    /* E2H = 1: its guest's EL1 physical timer put in place at its first CNTP_* access
     * (op0 = 3, op1 = 3, CRn = 14, CRm = 2), before anything reads it. */
    if (__builtin_expect(n->ptimer_lazy, 0) && esr_ec(esr) == ESR_EC_SYS64 &&
        (esr & SYSREG(3, 7, 15, 15, 0)) == SYSREG(3, 3, 14, 2, 0))
        nested_vhe_ptimer_claim(v, n);
    uint64_t hcr = __atomic_load_n(&n->vncr[VNCR_HCR_EL2 / 8], __ATOMIC_RELAXED);
    struct nested_ctls c;
    ctls_of(n, hcr, &c);
    if (nested_trap_is_vel2s(esr, &c)) {
        if (esr_ec(esr) == ESR_EC_WATCHPT_LOW) /* FAR_EL2: the address the watchpoint matched */
            n->el2.far = sysreg_read(far_el2);
        nested_take(v, n, esr);
        return EXIT_RESUME;
    }
    enum exit_result r = exit_main(v, esr);
    if (n->at_el1)
        pauth_off(v, hcr);
    return r;
}
