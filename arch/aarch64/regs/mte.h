/* FEAT_MTE2 registers and attributes (Arm ARM DDI 0487K.a, D10 "The Memory Tagging Extension",
 * D24.2 GCR_EL1, RGSR_EL1, TFSR_EL1, TFSRE0_EL1, DCZID_EL0). */
#ifndef ARCH_REGS_MTE_H
#define ARCH_REGS_MTE_H

#include "arch/aarch64/regs/bits.h"

/* ID_AA64PFR1_EL1.MTE: 1 = FEAT_MTE (the instructions at EL0 only, no tag storage), 2 =
 * FEAT_MTE2 (tag storage, the tag-check registers), 3 = FEAT_MTE3 (asymmetric checks). */
#define ID_MTE_MTE2 2

/* MAIR attribute: Tagged Normal, Inner and Outer Write-Back non-transient RW-allocate
 * (D10.3: the only attribute whose memory holds Allocation Tags). */
#define MAIR_ATTR_NORMAL_TAGGED 0xf0

/* GCR_EL1: Exclude[15:0] (tags IRG never makes), RRND (16). RGSR_EL1: TAG[3:0], SEED[23:8].
 * TFSR_EL1 / TFSRE0_EL1: TF0 (0), TF1 (1), the asynchronous tag check fault flags. */
#define GCR_EL1_EXCLUDE_MASK REG_MASK(16, 0)
#define GCR_EL1_RRND         REG_BIT(16)
#define TFSR_EL1_TF0         REG_BIT(0)
#define TFSR_EL1_TF1         REG_BIT(1)

/* DCZID_EL0.BS[3:0]: log2 of the DC ZVA / DC GZVA block size in words. */
#define DCZID_EL0_BS_MASK 0xfu

#endif
