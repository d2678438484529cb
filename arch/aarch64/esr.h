/*
 * ESR_EL2 decoding: exception class, data-abort syndrome, MSR/MRS trap syndrome.
 *
 * Layout (Arm ARM DDI 0487, D24.2 "ESR_EL2, Exception Syndrome Register (EL2)"):
 *   [63:56] RES0   [55:32] ISS2   [31:26] EC   [25] IL   [24:0] ISS
 * Pure logic: no system-register access here; the exit path reads ESR_EL2, FAR_EL2 and
 * HPFAR_EL2 and hands the values in.
 */
#ifndef ARCH_ESR_H
#define ARCH_ESR_H

/* ESR_EL2.EC's place, also for the exit path's dispatch (vectors.S). */
#define ESR_EC_SHIFT 26
#define ESR_EC_WIDTH 6

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stdint.h>

/* ESR_EL2.EC values (Arm ARM D24.2 ESR_EL2, field EC, bits [31:26]). */
enum esr_ec {
    ESR_EC_UNKNOWN = 0x00,  /* unknown reason (e.g. UNDEFINED instruction) */
    ESR_EC_WFX = 0x01,      /* trapped WFI, WFE, WFIT, WFET */
    ESR_EC_CP15_32 = 0x03,  /* AArch32 MCR/MRC, coproc 0b1111 */
    ESR_EC_CP15_64 = 0x04,  /* AArch32 MCRR/MRRC, coproc 0b1111 */
    ESR_EC_CP14_MR = 0x05,  /* AArch32 MCR/MRC, coproc 0b1110 */
    ESR_EC_CP14_LS = 0x06,  /* AArch32 LDC/STC */
    ESR_EC_FP_ASIMD = 0x07, /* SVE/SIMD/FP access trapped by CPACR/CPTR */
    ESR_EC_CP10_ID = 0x08,  /* AArch32 VMRS of an ID register (HCR_EL2.TID0/TID3) */
    ESR_EC_PAC = 0x09,      /* pointer-authentication instruction trapped (HCR_EL2.API) */
    ESR_EC_OTHER = 0x0a,    /* other trapped instruction, e.g. LD64B/ST64B (FEAT_LS64) */
    ESR_EC_CP14_64 = 0x0c,  /* AArch32 MRRC, coproc 0b1110 */
    ESR_EC_BTI = 0x0d,      /* branch target exception (FEAT_BTI) */
    ESR_EC_ILL = 0x0e,      /* illegal execution state */
    ESR_EC_SVC32 = 0x11,
    ESR_EC_HVC32 = 0x12,
    ESR_EC_SMC32 = 0x13,
    ESR_EC_SYS128 = 0x14, /* MRRS/MSRR/SYSP trapped (FEAT_SYSREG128) */
    ESR_EC_SVC64 = 0x15,
    ESR_EC_HVC64 = 0x16,
    ESR_EC_SMC64 = 0x17,
    ESR_EC_SYS64 = 0x18,  /* MSR, MRS or System instruction trapped */
    ESR_EC_SVE = 0x19,    /* SVE access trapped (CPACR_EL1.ZEN, CPTR_EL2.ZEN/TZ) */
    ESR_EC_ERET = 0x1a,   /* ERET/ERETAA/ERETAB trapped (FEAT_NV) */
    ESR_EC_TSTART = 0x1b, /* TSTART access trapped (FEAT_TME) */
    ESR_EC_FPAC = 0x1c,   /* pointer authentication failure (FEAT_FPAC) */
    ESR_EC_SME = 0x1d,    /* SME access trapped (FEAT_SME) */
    ESR_EC_IABT_LOW = 0x20,
    ESR_EC_IABT_CUR = 0x21,
    ESR_EC_PC_ALIGN = 0x22,
    ESR_EC_DABT_LOW = 0x24,
    ESR_EC_DABT_CUR = 0x25,
    ESR_EC_SP_ALIGN = 0x26,
    ESR_EC_MOPS = 0x27, /* memory copy/set exception (FEAT_MOPS) */
    ESR_EC_FP_EXC32 = 0x28,
    ESR_EC_FP_EXC64 = 0x2c,
    ESR_EC_GCS = 0x2d, /* guarded control stack exception (FEAT_GCS) */
    ESR_EC_SERROR = 0x2f,
    ESR_EC_BREAKPT_LOW = 0x30,
    ESR_EC_BREAKPT_CUR = 0x31,
    ESR_EC_SOFTSTP_LOW = 0x32,
    ESR_EC_SOFTSTP_CUR = 0x33,
    ESR_EC_WATCHPT_LOW = 0x34,
    ESR_EC_WATCHPT_CUR = 0x35,
    ESR_EC_BKPT32 = 0x38,
    ESR_EC_VECTOR32 = 0x3a, /* AArch32 vector catch (EL2 only) */
    ESR_EC_BRK64 = 0x3c,
    ESR_EC_PROFILING = 0x3d, /* profiling exception (FEAT_SPE_EXC / FEAT_TRBE_EXC) */
};

/* Top-level fields (Arm ARM D24.2 ESR_EL2). */
#define ESR_EC_MASK    0x3fu
#define ESR_IL         (UINT64_C(1) << 25) /* 1: 32-bit instruction trapped */
#define ESR_ISS_MASK   UINT64_C(0x1ffffff)
#define ESR_ISS2_SHIFT 32
#define ESR_ISS2_MASK  UINT64_C(0xffffff)

static inline uint32_t esr_ec(uint64_t esr) { return (uint32_t)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK; }

static inline uint32_t esr_iss(uint64_t esr) { return (uint32_t)(esr & ESR_ISS_MASK); }

static inline uint32_t esr_iss2(uint64_t esr) { return (uint32_t)((esr >> ESR_ISS2_SHIFT) & ESR_ISS2_MASK); }

/* Bytes by which ELR must advance to skip the trapped instruction (IL, bit [25]). */
static inline unsigned esr_insn_len(uint64_t esr) { return (esr & ESR_IL) ? 4u : 2u; }

/* HVC/SMC/SVC: the immediate is ISS[15:0] (Arm ARM D24.2, "ISS encoding for an exception
 * from HVC or SVC instruction execution"). */
#define ESR_IMM16_MASK 0xffffu

static inline uint16_t esr_imm16(uint64_t esr) { return (uint16_t)(esr & ESR_IMM16_MASK); }

/* ERET trapped by HCR_EL2.NV (Arm ARM D24.2, "ISS encoding for an exception from ERET, ERETAA
 * or ERETAB instruction"): ISS[1] ERETA, 1 for ERETAA and ERETAB (pointer-authenticated). */
#define ESR_ERET_ERETA 0x2u

/* WFx: ISS.TI, bits [1:0] (Arm ARM D24.2, "ISS encoding for an exception from a WF*
 * instruction"): 0b00 WFI, 0b01 WFE, 0b10 WFIT, 0b11 WFET. */
#define ESR_WFX_TI_MASK 0x3u
#define ESR_WFX_TI_WFI  0x0u
#define ESR_WFX_TI_WFE  0x1u
#define ESR_WFX_TI_WFIT 0x2u
#define ESR_WFX_TI_WFET 0x3u

static inline bool esr_wfx_is_wfe(uint64_t esr) { return (esr & ESR_WFX_TI_WFE) != 0; /* TI[0] set for WFE and WFET */ }

/* Human-readable name of an exception class, "UNKNOWN_EC" for unallocated values
 * (arch/aarch64/esr_names.c); without CONFIG_CRASH_NAMES "?" (the number is printed beside it). */
#if CONFIG_CRASH_NAMES
const char *esr_ec_name(uint32_t ec);
#else
static inline const char *esr_ec_name(uint32_t ec) { return "?"; }
#endif

/*
 * Data abort ISS (Arm ARM D24.2 ESR_EL2, "ISS encoding for an exception from a Data Abort").
 */
#define ESR_DABT_ISV       (UINT32_C(1) << 24) /* instruction syndrome valid */
#define ESR_DABT_SAS_SHIFT 22                  /* access size: log2(bytes) */
#define ESR_DABT_SAS_MASK  0x3u
#define ESR_DABT_SSE       (UINT32_C(1) << 21) /* sign-extend the loaded value */
#define ESR_DABT_SRT_SHIFT 16                  /* transfer register Xt/Wt */
#define ESR_DABT_SRT_MASK  0x1fu
#define ESR_DABT_SF        (UINT32_C(1) << 15) /* Xt (1) or Wt (0) */
#define ESR_DABT_AR        (UINT32_C(1) << 14) /* acquire/release semantics */
#define ESR_DABT_VNCR      (UINT32_C(1) << 13) /* fault on a VNCR_EL2-relative access (NV2) */
#define ESR_DABT_FNV       (UINT32_C(1) << 10) /* FAR not valid */
#define ESR_DABT_EA        (UINT32_C(1) << 9)  /* external abort type */
#define ESR_DABT_CM        (UINT32_C(1) << 8)  /* cache maintenance / address translation */
#define ESR_DABT_S1PTW     (UINT32_C(1) << 7)  /* stage 2 fault on a stage 1 table walk */
#define ESR_DABT_WNR       (UINT32_C(1) << 6)  /* write (1) or read (0) */
#define ESR_DABT_DFSC_MASK 0x3fu

/* Fault status codes (DFSC/IFSC, bits [5:0]) that the hypervisor tests for. */
#define ESR_FSC_ADDR_SIZE_L0 0x00 /* + level, 0..3 */
#define ESR_FSC_TRANS_L0     0x04 /* + level, 0..3 */
#define ESR_FSC_ACCESS_L0    0x08 /* + level, 0..3 (level 0 only with FEAT_LPA2) */
#define ESR_FSC_PERM_L0      0x0c /* + level, 0..3 (level 0 only with FEAT_LPA2) */
#define ESR_FSC_SEA          0x10 /* synchronous external abort, not on a walk */
#define ESR_FSC_TAG_CHECK    0x11
#define ESR_FSC_SEA_WALK_L0  0x14 /* + level, 0..3 */
#define ESR_FSC_ALIGN        0x21
#define ESR_FSC_TRANS_LM1    0x2b /* translation fault, level -1 (FEAT_LPA2) */
#define ESR_FSC_TLB_CONFLICT 0x30

/* Human-readable name of a DFSC/IFSC value, "UNKNOWN_FSC" for reserved values
 * (arch/aarch64/esr_names.c); without CONFIG_CRASH_NAMES "?". */
#if CONFIG_CRASH_NAMES
const char *esr_dfsc_name(uint32_t fsc);
#else
static inline const char *esr_dfsc_name(uint32_t fsc) { return "?"; }
#endif

/* One emulated MMIO access, as described by the data-abort syndrome. */
struct mmio_access {
    uint64_t ipa;     /* faulting intermediate physical address */
    uint8_t size;     /* bytes: 1, 2, 4, 8 (0 when cm) */
    bool write;       /* WnR */
    bool sign_extend; /* SSE: sign-extend a load to the register width */
    bool sf;          /* destination is 64-bit (Xt), else 32-bit (Wt) */
    uint8_t reg;      /* SRT: 0..30, 31 = XZR */
    bool acqrel;      /* AR */
    bool s1ptw;       /* stage 2 fault during the guest's stage 1 walk */
    bool cm;          /* DC/IC/AT by VA: no data moves; the caller usually just skips it */
};

/* esr_decode_dabt() results. */
#define ESR_DABT_OK        0
#define ESR_DABT_NO_ISV    (-1) /* ISV=0: decode the instruction at ELR (a64_decode_ldst) */
#define ESR_DABT_NOT_DABT  (-2) /* EC is not ESR_EC_DABT_LOW */
#define ESR_DABT_S1PTW_ERR (-3) /* stage 2 fault on the guest's own table walk: not MMIO */
#define ESR_DABT_NOT_MMIO \
    (-4) /* fault status cannot be an emulated access (external abort,
                                   alignment, TLB conflict, NV2 VNCR access ...) */

/*
 * Only stage 2 translation, access flag and permission faults can come from an access to an
 * emulated (unmapped or read-only mapped) region. Levels -1..3, as LPA2 adds level -1.
 */
static inline bool esr_fsc_is_mmio_candidate(uint32_t fsc)
{
    if (fsc == ESR_FSC_TRANS_LM1)
        return true;
    return fsc >= ESR_FSC_TRANS_L0 && fsc <= ESR_FSC_PERM_L0 + 3;
}

/*
 * Decode a data abort from a lower EL into *out. The fields that do not depend on ISV (ipa,
 * write, s1ptw, cm) are filled on every return except ESR_DABT_NOT_DABT, so the caller can log
 * or continue from them. A cache-maintenance fault (CM=1) returns 0 with out->cm set and
 * size 0: no data moves (CM faults never have ISV=1).
 * Inline: on every MMIO exit, where the decoded fields stay in registers.
 */
static inline int esr_decode_dabt(uint64_t esr, uint64_t ipa, struct mmio_access *out)
{
    uint32_t iss = esr_iss(esr);

    if (esr_ec(esr) != ESR_EC_DABT_LOW)
        return ESR_DABT_NOT_DABT;

    *out = (struct mmio_access){
        .ipa = ipa,
        .write = (iss & ESR_DABT_WNR) != 0,
        .s1ptw = (iss & ESR_DABT_S1PTW) != 0,
        .cm = (iss & ESR_DABT_CM) != 0,
        .reg = 31,
    };

    /* A stage 2 fault on the guest's own page-table walk is never a device access. */
    if (out->s1ptw)
        return ESR_DABT_S1PTW_ERR;
    if ((iss & (ESR_DABT_VNCR | ESR_DABT_FNV)) || !esr_fsc_is_mmio_candidate(iss & ESR_DABT_DFSC_MASK))
        return ESR_DABT_NOT_MMIO;
    if (out->cm)
        return ESR_DABT_OK;
    if (!(iss & ESR_DABT_ISV))
        return ESR_DABT_NO_ISV;

    out->size = (uint8_t)(1u << ((iss >> ESR_DABT_SAS_SHIFT) & ESR_DABT_SAS_MASK));
    out->sign_extend = (iss & ESR_DABT_SSE) != 0;
    out->sf = (iss & ESR_DABT_SF) != 0;
    out->reg = (uint8_t)((iss >> ESR_DABT_SRT_SHIFT) & ESR_DABT_SRT_MASK);
    out->acqrel = (iss & ESR_DABT_AR) != 0;
    return ESR_DABT_OK;
}

/* IPA of a stage 2 abort: HPFAR_EL2.FIPA (bits [43:4] = IPA[51:12], Arm ARM D24.2 HPFAR_EL2)
 * gives the page, FAR_EL2[11:0] the offset within it. */
#define HPFAR_EL2_FIPA_SHIFT 4
#define HPFAR_EL2_FIPA_MASK  UINT64_C(0xffffffffff) /* 40 bits, before the shift */
#define HPFAR_EL2_FIPA_PAGE  12                     /* FIPA counts 4 KiB pages */
#define FAR_PAGE_OFFSET_MASK 0xfffu

static inline uint64_t esr_fault_ipa(uint64_t hpfar, uint64_t far)
{
    return (((hpfar >> HPFAR_EL2_FIPA_SHIFT) & HPFAR_EL2_FIPA_MASK) << HPFAR_EL2_FIPA_PAGE) |
           (far & FAR_PAGE_OFFSET_MASK);
}

/*
 * System register encoding as one integer, so callers can switch on it. The layout is that of
 * the EC=0x18 ISS with Rt and Direction cleared (Arm ARM D24.2, "ISS encoding for an exception
 * from MSR, MRS, or System instruction execution in AArch64 state"):
 *   Op0 [21:20]  Op2 [19:17]  Op1 [16:14]  CRn [13:10]  CRm [4:1]
 * e.g. SYSREG(3, 0, 12, 11, 5) is ICC_SGI1R_EL1.
 */
#define SYSREG(op0, op1, crn, crm, op2)                                                                 \
    ((((uint32_t)(op0)&0x3u) << 20) | (((uint32_t)(op2)&0x7u) << 17) | (((uint32_t)(op1)&0x7u) << 14) | \
     (((uint32_t)(crn)&0xfu) << 10) | (((uint32_t)(crm)&0xfu) << 1))
#define SYSREG_ISS_MASK UINT32_C(0x3ffc1e)
#define SYSREG_OP0(id)  (((id) >> 20) & 0x3u)
#define SYSREG_OP2(id)  (((id) >> 17) & 0x7u)
#define SYSREG_OP1(id)  (((id) >> 14) & 0x7u)
#define SYSREG_CRN(id)  (((id) >> 10) & 0xfu)
#define SYSREG_CRM(id)  (((id) >> 1) & 0xfu)
/* The rest of that ISS: Rt [9:5] and Direction [0]. */
#define ESR_SYS_RT_SHIFT 5
#define ESR_SYS_RT_MASK  0x1fu
#define ESR_SYS_DIR_READ 1u /* Direction = 1: MRS */

struct sysreg_access {
    uint32_t id; /* SYSREG(op0, op1, crn, crm, op2) */
    uint8_t op0, op1, crn, crm, op2;
    uint8_t rt; /* 0..30, 31 = XZR */
    bool read;  /* Direction: 1 = MRS (read into Xt), 0 = MSR (write from Xt) */
};

#define ESR_SYSREG_NOT_SYS64 (-1)

/* Decode an EC=0x18 trap; returns 0 or ESR_SYSREG_NOT_SYS64. ISS for EC=0x18 (Arm ARM D24.2,
 * "ISS encoding for an exception from MSR, MRS, or System instruction execution in AArch64
 * state"): Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Direction
 * [0]. Inline: on every trapped MSR/MRS, where the fields the caller uses stay in registers. */
static inline int esr_sysreg_decode(uint64_t esr, struct sysreg_access *out)
{
    uint32_t iss = esr_iss(esr);

    if (esr_ec(esr) != ESR_EC_SYS64)
        return ESR_SYSREG_NOT_SYS64;

    out->id = iss & SYSREG_ISS_MASK;
    out->op0 = (uint8_t)SYSREG_OP0(iss);
    out->op1 = (uint8_t)SYSREG_OP1(iss);
    out->crn = (uint8_t)SYSREG_CRN(iss);
    out->crm = (uint8_t)SYSREG_CRM(iss);
    out->op2 = (uint8_t)SYSREG_OP2(iss);
    out->rt = (uint8_t)((iss >> ESR_SYS_RT_SHIFT) & ESR_SYS_RT_MASK);
    out->read = (iss & ESR_SYS_DIR_READ) != 0;
    return 0;
}

#endif /* __ASSEMBLY__ */

#endif /* ARCH_ESR_H */
