/* PAR_EL1 of a two-stage address translation (AT S12E1R/W, S12E0R/W) made from the stage 1
 * result and a software stage 2 walk (arch/aarch64/s2walk.h). Pure. Arm ARM DDI 0487K.a: D8.6.2
 * "Combining the stage 1 and stage 2 attributes", D24.2 PAR_EL1, C5.4 (the AT instructions). */
#ifndef ARCH_PAR_S12_H
#define ARCH_PAR_S12_H

#include <stdint.h>

/* A successful stage 1 PAR (F = 0) whose output address is an IPA, and that IPA's stage 2 leaf:
 * output address `oa` (the stage 2 output of the IPA), MemAttr[3:0] `s2memattr` and SH[1:0]
 * `s2sh`. Returns the PAR of both stages: PA[47:12] from oa, ATTR and SH combined (the stronger
 * Device type, the weaker cacheability per half, the wider shareability), NS and the rest of
 * stage 1's. Stage 2 attributes never override stage 1's here (no FEAT_S2FWB: HCR_EL2.FWB 0). */
uint64_t par_s12(uint64_t par1, uint64_t oa, uint8_t s2memattr, uint8_t s2sh);

/* A fault of the stage 2 translation of the final IPA (not of a stage 1 table read): F, FST
 * the fault status code (DFSC format, with its level), S = 1, PTW = 0. */
uint64_t par_s2_fault(uint8_t fsc);

#endif
