/* FEAT_NV2's VNCR page (Arm ARM DDI 0487K.a, D8.11 "Nested virtualization", rule R_CSRPQ and
 * its table of offsets; VNCR_EL2 in D24.2): with HCR_EL2.{NV,NV2} = {1,1}, EL1 accesses to the
 * EL2 registers below, and (with NV1 = 1) to the EL1 registers below, become 64-bit loads and
 * stores at VNCR_EL2 + offset, done through the EL2 translation regime. Byte offsets. */
#ifndef ARCH_REGS_VNCR_H
#define ARCH_REGS_VNCR_H

#include "arch/aarch64/regs/bits.h"

/* EL2 registers, redirected whatever NV1 says. */
#define VNCR_VTTBR_EL2   0x020
#define VNCR_VTCR_EL2    0x040
#define VNCR_VMPIDR_EL2  0x050
#define VNCR_CNTVOFF_EL2 0x060
#define VNCR_HCR_EL2     0x078
#define VNCR_HSTR_EL2    0x080
#define VNCR_VPIDR_EL2   0x088
#define VNCR_TPIDR_EL2   0x090
#define VNCR_VNCR_EL2    0x0b0

/* EL1 registers: with NV1 = 1 the EL1 encodings are redirected (a guest hypervisor with
 * E2H = 0 writes its EL1 guest's registers here); with NV1 = 0 the EL12 ones. */
#define VNCR_CPACR_EL1      0x100
#define VNCR_CONTEXTIDR_EL1 0x108
#define VNCR_SCTLR_EL1      0x110
#define VNCR_ACTLR_EL1      0x118
#define VNCR_TCR_EL1        0x120
#define VNCR_AFSR0_EL1      0x128
#define VNCR_AFSR1_EL1      0x130
#define VNCR_ESR_EL1        0x138
#define VNCR_MAIR_EL1       0x140
#define VNCR_AMAIR_EL1      0x148
#define VNCR_MDSCR_EL1      0x158
#define VNCR_SPSR_EL1       0x160
#define VNCR_CNTV_CVAL_EL0  0x168 /* CNTV_CVAL_EL02 with E2H = 1 */
#define VNCR_CNTV_CTL_EL0   0x170 /* CNTV_CTL_EL02 */
#define VNCR_CNTP_CVAL_EL0  0x178 /* CNTP_CVAL_EL02 with E2H = 1 */
#define VNCR_CNTP_CTL_EL0   0x180 /* CNTP_CTL_EL02 */
#define VNCR_TTBR0_EL1      0x200
#define VNCR_TTBR1_EL1      0x210
#define VNCR_FAR_EL1        0x220
#define VNCR_ELR_EL1        0x230
#define VNCR_SP_EL1         0x240
#define VNCR_VBAR_EL1       0x250

/* The GICv3 virtual interface control registers (ICH_*_EL2): LR<n> at 0x400 + 8n, AP0R<n> and
 * AP1R<n> at 0x480 / 0x4a0 + 8n, then HCR and VMCR. */
#define VNCR_ICH_LR0_EL2   0x400
#define VNCR_ICH_AP0R0_EL2 0x480
#define VNCR_ICH_AP1R0_EL2 0x4a0
#define VNCR_ICH_HCR_EL2   0x4c0
#define VNCR_ICH_VMCR_EL2  0x4c8
#define VNCR_VSESR_EL2     0x508 /* FEAT_RAS: the syndrome of its virtual SError */

#define VNCR_PAGE_SIZE 4096 /* VNCR_EL2.BADDR is 4 KiB aligned: one page per vCPU */

#endif
