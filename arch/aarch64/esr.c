/*
 * ESR_EL2 decoding (Arm ARM DDI 0487, D24.2 "ESR_EL2, Exception Syndrome Register (EL2)").
 */
#include "arch/aarch64/esr.h"

#include <stddef.h>

/* Names indexed by EC; NULL marks an unallocated value. Designated initializers keep the
 * table readable against the Arm ARM's list. */
static const char *const esr_ec_names[64] = {
    [ESR_EC_UNKNOWN] = "UNKNOWN",
    [ESR_EC_WFX] = "WFX",
    [ESR_EC_CP15_32] = "CP15_32",
    [ESR_EC_CP15_64] = "CP15_64",
    [ESR_EC_CP14_MR] = "CP14_MR",
    [ESR_EC_CP14_LS] = "CP14_LS",
    [ESR_EC_FP_ASIMD] = "FP_ASIMD",
    [ESR_EC_CP10_ID] = "CP10_ID",
    [ESR_EC_PAC] = "PAC",
    [ESR_EC_OTHER] = "OTHER",
    [ESR_EC_CP14_64] = "CP14_64",
    [ESR_EC_BTI] = "BTI",
    [ESR_EC_ILL] = "ILLEGAL_STATE",
    [ESR_EC_SVC32] = "SVC32",
    [ESR_EC_HVC32] = "HVC32",
    [ESR_EC_SMC32] = "SMC32",
    [ESR_EC_SYS128] = "SYS128",
    [ESR_EC_SVC64] = "SVC64",
    [ESR_EC_HVC64] = "HVC64",
    [ESR_EC_SMC64] = "SMC64",
    [ESR_EC_SYS64] = "SYS64",
    [ESR_EC_SVE] = "SVE",
    [ESR_EC_ERET] = "ERET",
    [ESR_EC_TSTART] = "TSTART",
    [ESR_EC_FPAC] = "FPAC",
    [ESR_EC_SME] = "SME",
    [ESR_EC_IABT_LOW] = "IABT_LOW",
    [ESR_EC_IABT_CUR] = "IABT_CUR",
    [ESR_EC_PC_ALIGN] = "PC_ALIGN",
    [ESR_EC_DABT_LOW] = "DABT_LOW",
    [ESR_EC_DABT_CUR] = "DABT_CUR",
    [ESR_EC_SP_ALIGN] = "SP_ALIGN",
    [ESR_EC_MOPS] = "MOPS",
    [ESR_EC_FP_EXC32] = "FP_EXC32",
    [ESR_EC_FP_EXC64] = "FP_EXC64",
    [ESR_EC_GCS] = "GCS",
    [ESR_EC_SERROR] = "SERROR",
    [ESR_EC_BREAKPT_LOW] = "BREAKPT_LOW",
    [ESR_EC_BREAKPT_CUR] = "BREAKPT_CUR",
    [ESR_EC_SOFTSTP_LOW] = "SOFTSTP_LOW",
    [ESR_EC_SOFTSTP_CUR] = "SOFTSTP_CUR",
    [ESR_EC_WATCHPT_LOW] = "WATCHPT_LOW",
    [ESR_EC_WATCHPT_CUR] = "WATCHPT_CUR",
    [ESR_EC_BKPT32] = "BKPT32",
    [ESR_EC_VECTOR32] = "VECTOR32",
    [ESR_EC_BRK64] = "BRK64",
    [ESR_EC_PROFILING] = "PROFILING",
};

const char *esr_ec_name(uint32_t ec)
{
    if (ec >= sizeof(esr_ec_names) / sizeof(esr_ec_names[0]) || esr_ec_names[ec] == NULL)
        return "UNKNOWN_EC";
    return esr_ec_names[ec];
}

/* DFSC/IFSC names (Arm ARM D24.2 ESR_EL2, DFSC bits [5:0]); level -1/-2 codes belong to
 * FEAT_LPA2 and FEAT_D128. */
static const char *const esr_fsc_names[64] = {
    [0x00] = "ADDR_SIZE_L0",
    [0x01] = "ADDR_SIZE_L1",
    [0x02] = "ADDR_SIZE_L2",
    [0x03] = "ADDR_SIZE_L3",
    [0x04] = "TRANSLATION_L0",
    [0x05] = "TRANSLATION_L1",
    [0x06] = "TRANSLATION_L2",
    [0x07] = "TRANSLATION_L3",
    [0x08] = "ACCESS_FLAG_L0",
    [0x09] = "ACCESS_FLAG_L1",
    [0x0a] = "ACCESS_FLAG_L2",
    [0x0b] = "ACCESS_FLAG_L3",
    [0x0c] = "PERMISSION_L0",
    [0x0d] = "PERMISSION_L1",
    [0x0e] = "PERMISSION_L2",
    [0x0f] = "PERMISSION_L3",
    [0x10] = "SYNC_EXT_ABORT",
    [0x11] = "TAG_CHECK",
    [0x12] = "SYNC_EXT_ABORT_WALK_LM2",
    [0x13] = "SYNC_EXT_ABORT_WALK_LM1",
    [0x14] = "SYNC_EXT_ABORT_WALK_L0",
    [0x15] = "SYNC_EXT_ABORT_WALK_L1",
    [0x16] = "SYNC_EXT_ABORT_WALK_L2",
    [0x17] = "SYNC_EXT_ABORT_WALK_L3",
    [0x18] = "SYNC_PARITY_ECC",
    [0x1b] = "SYNC_PARITY_ECC_WALK_LM1",
    [0x1c] = "SYNC_PARITY_ECC_WALK_L0",
    [0x1d] = "SYNC_PARITY_ECC_WALK_L1",
    [0x1e] = "SYNC_PARITY_ECC_WALK_L2",
    [0x1f] = "SYNC_PARITY_ECC_WALK_L3",
    [0x21] = "ALIGNMENT",
    [0x22] = "GPF_WALK_LM2",
    [0x23] = "GPF_WALK_LM1",
    [0x24] = "GPF_WALK_L0",
    [0x25] = "GPF_WALK_L1",
    [0x26] = "GPF_WALK_L2",
    [0x27] = "GPF_WALK_L3",
    [0x28] = "GPF",
    [0x29] = "ADDR_SIZE_LM1",
    [0x2a] = "TRANSLATION_LM2",
    [0x2b] = "TRANSLATION_LM1",
    [0x2c] = "ADDR_SIZE_LM2",
    [0x30] = "TLB_CONFLICT",
    [0x31] = "UNSUPPORTED_ATOMIC_HW_UPDATE",
    [0x34] = "IMPDEF_LOCKDOWN",
    [0x35] = "IMPDEF_UNSUPPORTED_EXCL_ATOMIC",
};

const char *esr_dfsc_name(uint32_t fsc)
{
    if (fsc >= sizeof(esr_fsc_names) / sizeof(esr_fsc_names[0]) || esr_fsc_names[fsc] == NULL)
        return "UNKNOWN_FSC";
    return esr_fsc_names[fsc];
}
