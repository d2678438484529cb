/* HCRX_EL2 (FEAT_HCX) and the fine-grained trap registers (FEAT_FGT), Arm ARM DDI 0487K.a
 * D24.2.69 HCRX_EL2, D24.2.66-68 HFGRTR_EL2/HFGWTR_EL2/HFGITR_EL2, D24.3.11-12
 * HDFGRTR_EL2/HDFGWTR_EL2. Their reset values are UNKNOWN: the hypervisor writes every one
 * that exists so that nothing a guest may use depends on what firmware left there. */
#ifndef ARCH_REGS_HCRX_H
#define ARCH_REGS_HCRX_H

/* Encodings (sysreg_read/sysreg_write take them spelled out, as assemblers may not know the
 * names): HCRX_EL2 s3_4_c1_c2_2, HFGRTR_EL2 s3_4_c1_c1_4, HFGWTR_EL2 s3_4_c1_c1_5, HFGITR_EL2
 * s3_4_c1_c1_6, HDFGRTR_EL2 s3_4_c3_c1_4, HDFGWTR_EL2 s3_4_c3_c1_5. */

#include "arch/aarch64/regs/bits.h"

#define HCRX_EL2_MCE2  REG_BIT(10) /* FEAT_MOPS: memory copy/set exceptions from EL1&0 go to EL2 */
#define HCRX_EL2_MSCEn REG_BIT(11) /* FEAT_MOPS: the CPY and SET instructions enabled at EL1&0 */

/* HCRX_EL2 for guests: every extension it enables for EL1/EL0 is off (FEAT_LS64's
 * EnALS/EnAS0/EnASR, FEAT_NMI's TALLINT/VINMI, SMPME, FnXS, ...): the guest gets none of them;
 * except FEAT_MOPS where the CPU has it (HCRX_EL2_GUEST_MOPS, added by core/vcpu.c; MSCEn is RES0
 * otherwise): the CPY and SET instructions keep no state beyond the general-purpose registers
 * and PSTATE.NZCV, which are the vCPU's anyway, and MCE2 = 0 sends their memory copy/set
 * exceptions (ESR_ELx.EC 0x27) to the guest's own EL1, which restarts them. */
#define HCRX_EL2_GUEST      0
#define HCRX_EL2_GUEST_MOPS HCRX_EL2_MSCEn

/* The fine-grained trap registers = 0: no fine-grained trap beyond what HCR_EL2, CPTR_EL2 and
 * MDCR_EL2 already set (their n-prefixed bits, which trap at 0, cover registers of features
 * the guest does not get, which are UNDEFINED for it anyway). */
#define FGT_EL2_GUEST 0

#endif
