/* The ID registers a guest reads (HCR_EL2.TID3 traps op0=3, op1=0, CRn=0, CRm=1..7): the host
 * CPU's own value with the features elvisor does not switch per vCPU hidden (DESIGN.md:
 * "switch it or hide it"), or a fixed value; then the fields of the features the VM's
 * configuration turns off (`cpu-features`, table features[] below). One row per register; fields
 * by name in arch/aarch64/regs/id_regs.h (Arm ARM D19.2 / D23.2). The ID registers are
 * read-only: a write is UNDEFINED. */
#include "vdev/vsysreg.h"
#include "core/vm.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/sysreg.h"
#include "vdev/vpmu.h"
#include "vdev/vsve.h"
#include "vdev/vmte.h"

/* host_c<CRm>_<op2>(): this CPU's register op0=3, op1=0, CRn=0, CRm, op2, read by encoding
 * (an Armv8.0 assembler does not know every name). Defined for the whole ID space; the
 * compiler drops those no row uses. */
/* clang-format off */
#define HOST_READER(crm, op2) \
    static __attribute__((unused)) uint64_t host_c##crm##_##op2(void) { return sysreg_read(s3_0_c0_c##crm##_##op2); }
#define HOST_READERS(crm) \
    HOST_READER(crm, 0) HOST_READER(crm, 1) HOST_READER(crm, 2) HOST_READER(crm, 3) \
    HOST_READER(crm, 4) HOST_READER(crm, 5) HOST_READER(crm, 6) HOST_READER(crm, 7)
HOST_READERS(1)
HOST_READERS(2)
HOST_READERS(3)
HOST_READERS(4)
HOST_READERS(5)
HOST_READERS(6)
HOST_READERS(7)
/* clang-format on */

/* ID_AA64DFR0_EL1 as the host has it, but PMUVer: the PMU guests get is the one vdev/vpmu.c
 * switches (0 where it is not active, at most the version it models); a VM with "no-pmu" reads
 * 0 through features[]. */
static uint64_t host_dfr0(void)
{
    return (host_c5_0() & ~ID_FIELD_MASK(ID_AA64DFR0_EL1_PMUVER)) |
           ID_FIELD_VAL(ID_AA64DFR0_EL1_PMUVER, vpmu_version());
}

/* ID_AA64PFR0_EL1 as the host has it, SVE shown only where vdev/vsve.c switches it (every CPU
 * has SVE); a VM with "no-sve" reads 0 through features[]. */
static uint64_t host_pfr0(void)
{
    uint64_t v = host_c4_0();
    return vsve_active() ? v : v & ~ID_FIELD_MASK(ID_AA64PFR0_EL1_SVE);
}

/* ID_AA64PFR1_EL1 as the host has it, MTE shown only where vdev/vmte.c switches it (the CPU
 * has tag storage, FEAT_MTE2 or later; a host value of 1, the instructions without tags, reads
 * 0); a VM with "no-mte" reads 0 through features[]. */
static uint64_t host_pfr1(void)
{
    uint64_t v = host_c4_1();
    return vmte_offered() ? v : v & ~ID_FIELD_MASK(ID_AA64PFR1_EL1_MTE);
}

/* ID_AA64ZFR0_EL1 (the SVE and SVE2 instructions, D19.2.78): the host's where vdev/vsve.c
 * switches SVE (every instruction it lists runs once CPTR_EL2.TZ is clear), else 0. */
static uint64_t host_zfr0(void) { return vsve_active() ? host_c4_4() : 0; }

/* What turning a feature off hides (Arm ARM D19.2): its fields in one register, which then read
 * as `val` (0, "not implemented", unless the architecture requires more). A feature hidden from
 * every VM today keeps its rows, so that it is hidden per VM once it is offered. */
static const struct {
    uint8_t feature; /* enum cpu_feature */
    uint32_t enc;    /* the register, SYSREG() */
    uint64_t mask, val;
} features[] = {
    /* Armv8 has no CPU without self-hosted debug: its minimum is 2 breakpoints (one of them
     * context-aware) and 2 watchpoints (BRPs = WRPs = 1, CTX_CMPs = 0), which a VM without debug
     * sees, RAZ/WI (vdev/vdebug_regs.c). */
    { CPU_FEAT_DEBUG, SYSREG(3, 0, 0, 5, 0),
      ID_FIELD_MASK(ID_AA64DFR0_EL1_BRPS) | ID_FIELD_MASK(ID_AA64DFR0_EL1_WRPS) |
          ID_FIELD_MASK(ID_AA64DFR0_EL1_CTX_CMPS),
      ID_FIELD_VAL(ID_AA64DFR0_EL1_BRPS, 2 - 1) | ID_FIELD_VAL(ID_AA64DFR0_EL1_WRPS, 2 - 1) },
    { CPU_FEAT_PMU, SYSREG(3, 0, 0, 5, 0), ID_FIELD_MASK(ID_AA64DFR0_EL1_PMUVER), 0 },
    { CPU_FEAT_PMU, SYSREG(3, 0, 0, 1, 2), ID_FIELD_MASK(ID_DFR0_EL1_PERFMON), 0 },
    { CPU_FEAT_SVE, SYSREG(3, 0, 0, 4, 0), ID_FIELD_MASK(ID_AA64PFR0_EL1_SVE), 0 },
    { CPU_FEAT_SVE, SYSREG(3, 0, 0, 4, 4), ~UINT64_C(0), 0 }, /* ID_AA64ZFR0_EL1 */
    { CPU_FEAT_SME, SYSREG(3, 0, 0, 4, 1), ID_FIELD_MASK(ID_AA64PFR1_EL1_SME), 0 },
    { CPU_FEAT_SME, SYSREG(3, 0, 0, 4, 5), ~UINT64_C(0), 0 }, /* ID_AA64SMFR0_EL1 */
    { CPU_FEAT_PAUTH, SYSREG(3, 0, 0, 6, 1),
      ID_FIELD_MASK(ID_AA64ISAR1_EL1_APA) | ID_FIELD_MASK(ID_AA64ISAR1_EL1_API) | ID_FIELD_MASK(ID_AA64ISAR1_EL1_GPA) |
          ID_FIELD_MASK(ID_AA64ISAR1_EL1_GPI),
      0 },
    { CPU_FEAT_PAUTH, SYSREG(3, 0, 0, 6, 2),
      ID_FIELD_MASK(ID_AA64ISAR2_EL1_GPA3) | ID_FIELD_MASK(ID_AA64ISAR2_EL1_APA3), 0 },
    { CPU_FEAT_MTE, SYSREG(3, 0, 0, 4, 1), ID_FIELD_MASK(ID_AA64PFR1_EL1_MTE), 0 },
};

/* Every ID row, in a VM that turns a feature off: the fields of its features that are off
 * replaced (core calls it only for such a VM). */
static uint64_t id_filter(const struct vcpu *v, uint32_t id, uint64_t val)
{
    /* A VM at virtual EL2 (docs/nested.md) has EL2, AArch64 only (ID_AA64PFR0_EL1.EL2 = 1), and
     * FEAT_VHE (ID_AA64MMFR1_EL1.VH = 1: HCR_EL2.E2H = 1 is handled, vdev/nested_vhe.c; E2H = 0
     * too: ID_AA64MMFR4_EL1.E2H0 reads 0); it does not see FEAT_NV/NV2 (ID_AA64MMFR2_EL1.NV
     * stays hidden: no nested-nested). */
    if (v->vm->cfg.virtual_el2 && id == SYSREG(3, 0, 0, 4, 0))
        val =
            (val & ~ID_FIELD_MASK(ID_AA64PFR0_EL1_EL2)) | ID_FIELD_VAL(ID_AA64PFR0_EL1_EL2, ID_AA64PFR0_EL1_EL_AARCH64);
    if (CONFIG_NESTED && v->vm->cfg.virtual_el2 && id == SYSREG(3, 0, 0, 7, 1))
        val = (val & ~ID_FIELD_MASK(ID_AA64MMFR1_EL1_VH)) | ID_FIELD_VAL(ID_AA64MMFR1_EL1_VH, 1);
    /* FEAT_ATS1A: at virtual EL2 its AT S1E1A and S1E2A trap (HCR_EL2.AT, NV) and are not
     * emulated (vdev/nested_at.c), so a guest hypervisor does not see them; a VM's EL1 runs
     * them on the CPU. */
    if (CONFIG_NESTED && v->vm->cfg.virtual_el2 && id == SYSREG(3, 0, 0, 6, 2))
        val &= ~ID_FIELD_MASK(ID_AA64ISAR2_EL1_ATS1A);
    uint32_t off = v->vm->cfg.cpu_features_off;
    for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++)
        if (features[i].enc == id && (off & CPU_FEAT_BIT(features[i].feature)))
            val = (val & ~features[i].mask) | features[i].val;
    return val;
}

/* The host's value (as `reader` returns it) with the fields in `hidden` read as `value`'s (0:
 * "not implemented"). */
#define ID_HOST_READ(reg, crm, op2, reader, hidden, value)                                                          \
    {                                                                                                               \
        .name = #reg, .enc = SYSREG(3, 0, 0, crm, op2), .rd = SR_RD_HOST, .vm_filter = id_filter, .host = (reader), \
        .hide = (hidden), .val = (value)                                                                            \
    }
#define ID_HOST_SET(reg, crm, op2, hidden, value) ID_HOST_READ(reg, crm, op2, host_c##crm##_##op2, hidden, value)
#define ID_HOST(reg, crm, op2, hidden)            ID_HOST_SET(reg, crm, op2, hidden, 0)
/* A fixed value, whatever the host has. */
#define ID_FIXED(reg, crm, op2, value)                                                                            \
    {                                                                                                             \
        .name = #reg, .enc = SYSREG(3, 0, 0, crm, op2), .rd = SR_RD_FIXED, .vm_filter = id_filter, .val = (value) \
    }
/* Encodings of the ID space no row above names read as zero (Arm ARM D19.2 "Reserved ID
 * registers"): every op2 of the CRm values that differ from crm only in the bits of crm_any. */
#define ID_RESERVED(crm, crm_any)                                                                           \
    {                                                                                                       \
        .name = "reserved ID register", .enc = SYSREG(3, 0, 0, crm, 0), .any = SYSREG(0, 0, 0, crm_any, 7), \
        .rd = SR_RD_FIXED                                                                                   \
    }

/* RAS, MPAM and AMU state is not switched (SVE is, by vdev/vsve.c: host_pfr0); EL2 and EL3: a
 * guest is neither a hypervisor (but one with virtual-el2, id_filter) nor a monitor. EL0 and EL1
 * are AArch64 only: an exit from AArch32
 * stops the VM (core/exit.c), so AArch32 at EL0 is not offered (and EL1 is AArch64 by
 * HCR_EL2.RW). */
#define ID_AA64PFR0_HIDDEN                                                                                           \
    (ID_FIELD_MASK(ID_AA64PFR0_EL1_RAS) | ID_FIELD_MASK(ID_AA64PFR0_EL1_MPAM) | ID_FIELD_MASK(ID_AA64PFR0_EL1_AMU) | \
     ID_FIELD_MASK(ID_AA64PFR0_EL1_EL2) | ID_FIELD_MASK(ID_AA64PFR0_EL1_EL3) | ID_FIELD_MASK(ID_AA64PFR0_EL1_EL0) |  \
     ID_FIELD_MASK(ID_AA64PFR0_EL1_EL1))
#define ID_AA64PFR0_VALUE                                            \
    (ID_FIELD_VAL(ID_AA64PFR0_EL1_EL0, ID_AA64PFR0_EL1_EL_AARCH64) | \
     ID_FIELD_VAL(ID_AA64PFR0_EL1_EL1, ID_AA64PFR0_EL1_EL_AARCH64))
#define ID_AA64PFR1_HIDDEN                                                           \
    (ID_FIELD_MASK(ID_AA64PFR1_EL1_SME) | ID_FIELD_MASK(ID_AA64PFR1_EL1_RNDR_TRAP) | \
     ID_FIELD_MASK(ID_AA64PFR1_EL1_CSV2_FRAC) | ID_FIELD_MASK(ID_AA64PFR1_EL1_GCS))
/* v8.0 debug (the registers vdev/vdebug_regs.c switches) with the host's breakpoints and
 * watchpoints, the PMU vdev/vpmu.c switches (host_dfr0); no SPE or trace, no OS double lock. */
#define ID_AA64DFR0_SHOWN                                                        \
    (ID_FIELD_MASK(ID_AA64DFR0_EL1_BRPS) | ID_FIELD_MASK(ID_AA64DFR0_EL1_WRPS) | \
     ID_FIELD_MASK(ID_AA64DFR0_EL1_CTX_CMPS) | ID_FIELD_MASK(ID_AA64DFR0_EL1_PMUVER))
#define ID_AA64DFR0_VALUE                                                  \
    (ID_FIELD_VAL(ID_AA64DFR0_EL1_DEBUGVER, ID_AA64DFR0_EL1_DEBUGVER_V8) | \
     ID_FIELD_VAL(ID_AA64DFR0_EL1_DOUBLELOCK, ID_AA64DFR0_EL1_DOUBLELOCK_NI))
/* Pointer authentication (APA/API/GPA/GPI, APA3/GPA3) is the host's: its keys are switched per
 * vCPU (vdev/vpauth.c). MOPS is the host's too: HCRX_EL2.MSCEn enables it at EL1&0 (core/vcpu.c)
 * and its exceptions go to the guest's EL1. WFET and WFIT are hidden: their timeout operand is
 * not honoured by the WFx trap handler (core/exit.c). A build without CONFIG_PAUTH (docs/build.md)
 * hides pointer authentication: HCR_EL2.API and APK stay clear, so its instructions trap to a
 * class no row handles and are UNDEFINED. */
#define ID_PAUTH_ISAR1                                                                                                 \
    (ID_FIELD_MASK(ID_AA64ISAR1_EL1_APA) | ID_FIELD_MASK(ID_AA64ISAR1_EL1_API) | ID_FIELD_MASK(ID_AA64ISAR1_EL1_GPA) | \
     ID_FIELD_MASK(ID_AA64ISAR1_EL1_GPI))
#define ID_PAUTH_ISAR2      (ID_FIELD_MASK(ID_AA64ISAR2_EL1_GPA3) | ID_FIELD_MASK(ID_AA64ISAR2_EL1_APA3))
#define ID_AA64ISAR1_HIDDEN (CONFIG_PAUTH ? 0 : ID_PAUTH_ISAR1)
#define ID_AA64ISAR2_HIDDEN (ID_FIELD_MASK(ID_AA64ISAR2_EL1_WFXT) | (CONFIG_PAUTH ? 0 : ID_PAUTH_ISAR2))
/* Counter offsets are EL2's business. FEAT_FGT's fine-grained traps (HFGRTR_EL2, ...) and
 * FEAT_HCX's HCRX_EL2 are a hypervisor's, and a guest hypervisor's (virtual-el2, docs/nested.md)
 * are not applied to its guest: hidden from every VM, so that none is advertised unswitched. */
#define ID_AA64MMFR0_HIDDEN (ID_FIELD_MASK(ID_AA64MMFR0_EL1_ECV) | ID_FIELD_MASK(ID_AA64MMFR0_EL1_FGT))
/* XNX and FWB are stage 2 features; VHE and NV are for hypervisors. */
#define ID_AA64MMFR1_HIDDEN \
    (ID_FIELD_MASK(ID_AA64MMFR1_EL1_VH) | ID_FIELD_MASK(ID_AA64MMFR1_EL1_XNX) | ID_FIELD_MASK(ID_AA64MMFR1_EL1_HCX))
#define ID_AA64MMFR2_HIDDEN (ID_FIELD_MASK(ID_AA64MMFR2_EL1_NV) | ID_FIELD_MASK(ID_AA64MMFR2_EL1_FWB))

static const struct sysreg_desc rows[] = {
    /* AArch32: no execution state of a guest is AArch32 (ID_AA64PFR0_EL1.EL0/EL1 say AArch64
     * only), so its feature registers read as zero (Arm ARM D19.2: an AArch32 ID register
     * of an AArch64-only PE is UNKNOWN; zero is what KVM gives too), never the host's. */
    ID_FIXED(ID_PFR0_EL1, 1, 0, 0),
    ID_FIXED(ID_PFR1_EL1, 1, 1, 0),
    ID_FIXED(ID_DFR0_EL1, 1, 2, 0),
    ID_FIXED(ID_AFR0_EL1, 1, 3, 0),
    ID_FIXED(ID_MMFR0_EL1, 1, 4, 0),
    ID_FIXED(ID_MMFR1_EL1, 1, 5, 0),
    ID_FIXED(ID_MMFR2_EL1, 1, 6, 0),
    ID_FIXED(ID_MMFR3_EL1, 1, 7, 0),
    ID_FIXED(ID_ISAR0_EL1, 2, 0, 0),
    ID_FIXED(ID_ISAR1_EL1, 2, 1, 0),
    ID_FIXED(ID_ISAR2_EL1, 2, 2, 0),
    ID_FIXED(ID_ISAR3_EL1, 2, 3, 0),
    ID_FIXED(ID_ISAR4_EL1, 2, 4, 0),
    ID_FIXED(ID_ISAR5_EL1, 2, 5, 0),
    ID_FIXED(MVFR0_EL1, 3, 0, 0),
    ID_FIXED(MVFR1_EL1, 3, 1, 0),
    ID_FIXED(MVFR2_EL1, 3, 2, 0),
    /* AArch64 */
    ID_HOST_READ(ID_AA64PFR0_EL1, 4, 0, host_pfr0, ID_AA64PFR0_HIDDEN, ID_AA64PFR0_VALUE),
    ID_HOST_READ(ID_AA64PFR1_EL1, 4, 1, host_pfr1, ID_AA64PFR1_HIDDEN, 0),
    ID_HOST_READ(ID_AA64ZFR0_EL1, 4, 4, host_zfr0, 0, 0),
    ID_FIXED(ID_AA64SMFR0_EL1, 4, 5, 0), /* SME: hidden */
    ID_HOST_READ(ID_AA64DFR0_EL1, 5, 0, host_dfr0, ~ID_AA64DFR0_SHOWN, ID_AA64DFR0_VALUE),
    ID_FIXED(ID_AA64DFR1_EL1, 5, 1, 0),
    ID_HOST(ID_AA64ISAR0_EL1, 6, 0, 0),
    ID_HOST(ID_AA64ISAR1_EL1, 6, 1, ID_AA64ISAR1_HIDDEN),
    ID_HOST(ID_AA64ISAR2_EL1, 6, 2, ID_AA64ISAR2_HIDDEN),
    ID_HOST(ID_AA64MMFR0_EL1, 7, 0, ID_AA64MMFR0_HIDDEN),
    ID_HOST(ID_AA64MMFR1_EL1, 7, 1, ID_AA64MMFR1_HIDDEN),
    ID_HOST(ID_AA64MMFR2_EL1, 7, 2, ID_AA64MMFR2_HIDDEN),
    ID_RESERVED(1, 0),
    ID_RESERVED(2, 1),
    ID_RESERVED(4, 3),
};

const struct sysreg_table id_reg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
