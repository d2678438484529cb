/* The Scalable Vector Extension's control registers (Arm ARM DDI 0487K.a, D24.2.214 ZCR_EL1,
 * D24.2.215 ZCR_EL2) and the sizes of its register file (B1.2.2 "SVE registers"). */
#ifndef ARCH_REGS_SVE_H
#define ARCH_REGS_SVE_H

#include "arch/aarch64/regs/bits.h"

/* ZCR_ELx.LEN: the vector length requested at that level, (LEN + 1) x 128 bits. The length
 * EL1 and EL0 get is the largest the CPU implements that is no longer than both ZCR_EL1's and
 * ZCR_EL2's (D24.2.214). */
#define ZCR_ELX_LEN_SHIFT 0
#define ZCR_ELX_LEN_WIDTH 4
#define ZCR_ELX_LEN_MASK  REG_MASK(ZCR_ELX_LEN_WIDTH, ZCR_ELX_LEN_SHIFT)

/* The architecture's longest vector: 2048 bits (16 quadwords). */
#define SVE_VQ_BYTES 16
#define SVE_VQ_MAX   16
#define SVE_VL_MAX   (SVE_VQ_MAX * SVE_VQ_BYTES) /* bytes */

/* The register file at vector length vl bytes, as sve_ctx_save lays it out: Z0-Z31 (vl bytes
 * each), P0-P15 (vl / 8 each), FFR (vl / 8). */
#define SVE_CTX_BYTES(vl) (32 * (vl) + 17 * ((vl) / 8))

#endif
