/*
 * ESR_EL2 decoding (Arm ARM DDI 0487, D24.2 "ESR_EL2, Exception Syndrome Register (EL2)").
 */
#include "arch/aarch64/esr.h"

/*
 * Only stage 2 translation, access flag and permission faults can come from an access to an
 * emulated (unmapped or read-only mapped) region. Levels -1..3, as LPA2 adds level -1.
 */
static bool esr_fsc_is_mmio_candidate(uint32_t fsc)
{
    if (fsc == ESR_FSC_TRANS_LM1)
        return true;
    return fsc >= ESR_FSC_TRANS_L0 && fsc <= ESR_FSC_PERM_L0 + 3;
}

int esr_decode_dabt(uint64_t esr, uint64_t ipa, struct mmio_access *out)
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

/* ISS for EC=0x18 (Arm ARM D24.2, "ISS encoding for an exception from MSR, MRS, or System
 * instruction execution in AArch64 state"): Op0 [21:20], Op2 [19:17], Op1 [16:14],
 * CRn [13:10], Rt [9:5], CRm [4:1], Direction [0]. */
int esr_sysreg_decode(uint64_t esr, struct sysreg_access *out)
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
