/* HCRX_EL2 (FEAT_HCX) and the fine-grained trap registers (FEAT_FGT), Arm ARM DDI 0487K.a
 * D24.2.69 HCRX_EL2, D24.2.66-68 HFGRTR_EL2/HFGWTR_EL2/HFGITR_EL2, D24.3.11-12
 * HDFGRTR_EL2/HDFGWTR_EL2. Their reset values are UNKNOWN: the hypervisor writes every one
 * that exists so that nothing a guest may use depends on what firmware left there. */
#ifndef ARCH_REGS_HCRX_H
#define ARCH_REGS_HCRX_H

/* Encodings (sysreg_read/sysreg_write take them spelled out, as assemblers may not know the
 * names): HCRX_EL2 s3_4_c1_c2_2, HFGRTR_EL2 s3_4_c1_c1_4, HFGWTR_EL2 s3_4_c1_c1_5, HFGITR_EL2
 * s3_4_c1_c1_6, HDFGRTR_EL2 s3_4_c3_c1_4, HDFGWTR_EL2 s3_4_c3_c1_5. */

/* HCRX_EL2 = 0: every extension it enables for EL1/EL0 is off (FEAT_MOPS's MSCEn, FEAT_LS64's
 * EnALS/EnAS0/EnASR, FEAT_NMI's TALLINT/VINMI, SMPME, FnXS, ...): the guest gets none of them. */
#define HCRX_EL2_GUEST 0

/* The fine-grained trap registers = 0: no fine-grained trap beyond what HCR_EL2, CPTR_EL2 and
 * MDCR_EL2 already set (their n-prefixed bits, which trap at 0, cover registers of features
 * the guest does not get, which are UNDEFINED for it anyway). */
#define FGT_EL2_GUEST 0

#endif
