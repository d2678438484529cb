/* The stage 2 translation registers (Arm ARM DDI 0487K.a, D24.2 VTCR_EL2, VTTBR_EL2). IRGN0,
 * ORGN0, SH0, TG0 and PS take the TCR_* encodings of tcr.h. */
#ifndef ARCH_REGS_VTCR_H
#define ARCH_REGS_VTCR_H

#include "arch/aarch64/regs/bits.h"
#include "arch/aarch64/regs/tcr.h"

#define VTCR_EL2_T0SZ_SHIFT  0 /* T0SZ[5:0]: IPA size is 64 - T0SZ bits */
#define VTCR_EL2_T0SZ_MASK   REG_MASK(6, VTCR_EL2_T0SZ_SHIFT)
#define VTCR_EL2_SL0_SHIFT   6 /* SL0[7:6]: starting level of the walk, VTCR_EL2_SL0_4K_* */
#define VTCR_EL2_SL0_MASK    REG_MASK(2, VTCR_EL2_SL0_SHIFT)
#define VTCR_EL2_IRGN0_SHIFT 8
#define VTCR_EL2_ORGN0_SHIFT 10
#define VTCR_EL2_SH0_SHIFT   12
#define VTCR_EL2_TG0_SHIFT   14
#define VTCR_EL2_TG0_MASK    REG_MASK(2, VTCR_EL2_TG0_SHIFT)
#define VTCR_EL2_PS_SHIFT    16
#define VTCR_EL2_PS_MASK     REG_MASK(3, VTCR_EL2_PS_SHIFT)
#define VTCR_EL2_VS          REG_BIT(19) /* FEAT_VMID16: 16-bit VMID */
#define VTCR_EL2_HA          REG_BIT(21) /* FEAT_HAFDBS: hardware Access flag */
#define VTCR_EL2_HD          REG_BIT(22) /* FEAT_HAFDBS: hardware dirty state */
#define VTCR_EL2_NSW         REG_BIT(29) /* Secure stage 2: tables in Non-secure PA space */
#define VTCR_EL2_NSA         REG_BIT(30) /* Secure stage 2: output in Non-secure PA space */
#define VTCR_EL2_RES1        REG_BIT(31)
#define VTCR_EL2_DS          REG_BIT(32) /* FEAT_LPA2 */

/* SL0 with the 4 KiB granule (and SL2 = 0): the level the walk starts at. */
#define VTCR_EL2_SL0_4K_L2 0
#define VTCR_EL2_SL0_4K_L1 1
#define VTCR_EL2_SL0_4K_L0 2

/* VTTBR_EL2: BADDR[47:1] is the stage 2 root, VMID[55:48] (VMID[63:48] with VTCR_EL2.VS). */
#define VTTBR_EL2_CnP        REG_BIT(0) /* FEAT_TTCNP: common not private */
#define VTTBR_EL2_VMID_SHIFT 48
#define VTTBR_EL2_VMID8_MASK 0xff            /* an 8-bit VMID, before the shift */
#define VTTBR_EL2_BADDR_MASK REG_MASK(47, 1) /* BADDR[47:1] */

#endif
