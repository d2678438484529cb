/* SMCCC 1.1 calls to the firmware below us (Arm DEN0028: args in x0-x7, results in x0-x3). */
#include "arch/aarch64/asm.h"

/* uint64_t smccc_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3) */
FUNC(smccc_smc)
    smc     #0
    ret
ENDFUNC(smccc_smc)

/* uint64_t smccc_hvc(...): only used when we were (wrongly) entered at EL1. */
FUNC(smccc_hvc)
    hvc     #0
    ret
ENDFUNC(smccc_hvc)
