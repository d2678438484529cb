/* TCR_EL2, the Translation Control Register (EL2), in its HCR_EL2.E2H = 0 layout (Arm ARM
 * DDI 0487K.a, D24.2 TCR_EL2): the EL2 stage 1 regime, one range from TTBR0_EL2. Also the
 * field encodings that VTCR_EL2 (vtcr.h) shares. */
#ifndef ARCH_REGS_TCR_H
#define ARCH_REGS_TCR_H

#include "arch/aarch64/regs/bits.h"

/* IRGN0/ORGN0: cacheability of table walks, inner/outer. */
#define TCR_RGN_NC   0 /* Non-cacheable */
#define TCR_RGN_WBWA 1 /* Write-Back, Read-Allocate, Write-Allocate */
#define TCR_RGN_WT   2 /* Write-Through, Read-Allocate, no Write-Allocate */
#define TCR_RGN_WB   3 /* Write-Back, Read-Allocate, no Write-Allocate */
/* SH0: shareability of table walks. */
#define TCR_SH_NON   0
#define TCR_SH_OUTER 2
#define TCR_SH_INNER 3
/* TG0: granule size. */
#define TCR_TG0_4K  0
#define TCR_TG0_64K 1
#define TCR_TG0_16K 2
/* PS: output address size, encoded like ID_AA64MMFR0_EL1.PARange. */
#define TCR_PS_32 0
#define TCR_PS_36 1
#define TCR_PS_40 2
#define TCR_PS_42 3
#define TCR_PS_44 4
#define TCR_PS_48 5
#define TCR_PS_52 6 /* FEAT_LPA */

#define TCR_EL2_T0SZ_SHIFT  0 /* T0SZ[5:0]: input address size is 64 - T0SZ bits */
#define TCR_EL2_T0SZ_MASK   REG_MASK(6, TCR_EL2_T0SZ_SHIFT)
#define TCR_EL2_IRGN0_SHIFT 8  /* IRGN0[9:8], TCR_RGN_* */
#define TCR_EL2_ORGN0_SHIFT 10 /* ORGN0[11:10], TCR_RGN_* */
#define TCR_EL2_SH0_SHIFT   12 /* SH0[13:12], TCR_SH_* */
#define TCR_EL2_TG0_SHIFT   14 /* TG0[15:14], TCR_TG0_* */
#define TCR_EL2_TG0_MASK    REG_MASK(2, TCR_EL2_TG0_SHIFT)
#define TCR_EL2_PS_SHIFT    16          /* PS[18:16], TCR_PS_* */
#define TCR_EL2_TBI         REG_BIT(20) /* top byte ignored */
#define TCR_EL2_HA          REG_BIT(21) /* FEAT_HAFDBS: hardware Access flag */
#define TCR_EL2_HD          REG_BIT(22) /* FEAT_HAFDBS: hardware dirty state */
#define TCR_EL2_HPD         REG_BIT(24) /* FEAT_HPDS: hierarchical permissions disabled */
#define TCR_EL2_TBID        REG_BIT(29) /* FEAT_PAuth: TBI for data accesses only */
#define TCR_EL2_TCMA        REG_BIT(30) /* FEAT_MTE2: unchecked accesses for tag 0b0000 */
#define TCR_EL2_DS          REG_BIT(32) /* FEAT_LPA2: 52-bit addresses with 4K/16K granules */
#define TCR_EL2_RES1        (REG_BIT(31) | REG_BIT(23))

/* TCR_EL1 (D24.2 TCR_EL1), the fields a guest hypervisor's TCR_EL2 maps to when its EL2 regime
 * runs as the EL1&0 regime (vdev/nested.c): T0SZ, IRGN0, ORGN0, SH0 and TG0 sit where TCR_EL2
 * has them; the others move. */
#define TCR_EL1_LOW_SAME   REG_MASK(16, 0) /* [15:0]: T0SZ..TG0 as in TCR_EL2 (bits 6, 7 RES0 there) */
#define TCR_EL1_EPD0       REG_BIT(7)      /* no walks from TTBR0_EL1 */
#define TCR_EL1_T1SZ_SHIFT 16              /* T1SZ[21:16]: TTBR1_EL1's input address size 64 - T1SZ */
#define TCR_EL1_T1SZ_MASK  REG_MASK(6, TCR_EL1_T1SZ_SHIFT)
#define TCR_EL1_EPD1       REG_BIT(23) /* no walks from TTBR1_EL1 */
#define TCR_EL1_TG1_MASK   REG_MASK(2, TCR_EL1_TG1_SHIFT)
#define TCR_EL1_TG1_SHIFT  30 /* TG1[31:30] */
#define TCR_EL1_TG1_4K     2
#define TCR_EL1_IPS_SHIFT  32 /* IPS[34:32], TCR_PS_* */
#define TCR_EL1_TBI0       REG_BIT(37)
#define TCR_EL1_TBI1       REG_BIT(38)
#define TCR_EL1_HA         REG_BIT(39)
#define TCR_EL1_HD         REG_BIT(40)
#define TCR_EL1_HPD0       REG_BIT(41)
#define TCR_EL1_TBID0      REG_BIT(51)
#define TCR_EL1_TCMA0      REG_BIT(57)
#define TCR_EL1_DS         REG_BIT(59)

#endif
