/* The GICv3 virtual interface control registers that come in numbered sets (IHI 0069H 12.4):
 * the list registers ICH_LR<n>_EL2 and the active priority registers ICH_AP0R<n>_EL2 and
 * ICH_AP1R<n>_EL2, each a system register of its own, reached here by number. */
#ifndef ARCH_ICH_REGS_H
#define ARCH_ICH_REGS_H

#include <stdint.h>
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/ich.h"

#define ICH_MAX_LRS 16

/* Inline: the world switch saves and restores these on every vCPU switch; a call per
 * register set costs it measurably (make bench: vcpu_switch). */
/* ICH_LR<n>_EL2, n < ICH_MAX_LRS (others read 0, writes ignored). */
/* One switch case per register: their encodings are separate system registers. */
/* clang-format off */
#define LR_CASE(n) \
    case n:        \
        return sysreg_read(ich_lr##n##_el2);
static inline uint64_t ich_lr_read(unsigned n)
{
    switch (n) {
        LR_CASE(0) LR_CASE(1) LR_CASE(2) LR_CASE(3) LR_CASE(4) LR_CASE(5) LR_CASE(6) LR_CASE(7)
        LR_CASE(8) LR_CASE(9) LR_CASE(10) LR_CASE(11) LR_CASE(12) LR_CASE(13) LR_CASE(14) LR_CASE(15)
    default:
        return 0;
    }
}

#define LW_CASE(n)                          \
    case n:                                 \
        sysreg_write(ich_lr##n##_el2, val); \
        break;
static inline void ich_lr_write(unsigned n, uint64_t val)
{
    switch (n) {
        LW_CASE(0) LW_CASE(1) LW_CASE(2) LW_CASE(3) LW_CASE(4) LW_CASE(5) LW_CASE(6) LW_CASE(7)
        LW_CASE(8) LW_CASE(9) LW_CASE(10) LW_CASE(11) LW_CASE(12) LW_CASE(13) LW_CASE(14) LW_CASE(15)
    default:
        break;
    }
}
/* clang-format on */

/* 5 preemption bits: one register per group; 6: two; 7: four (12.4.1). */
static inline unsigned ich_nr_apr(void)
{
    unsigned pre = (unsigned)REG_GET(sysreg_read(ich_vtr_el2), ICH_VTR_PREBITS) + 1;
    return pre >= 7 ? 4 : pre == 6 ? 2 : 1;
}

/* apr[0..3] = ICH_AP0R0..3, apr[4..7] = ICH_AP1R0..3; only the first nr (ich_nr_apr()) of each. */
static inline void ich_apr_save(uint32_t apr[8], unsigned nr)
{
    switch (nr) {
    case 4:
        apr[3] = (uint32_t)sysreg_read(ich_ap0r3_el2);
        apr[2] = (uint32_t)sysreg_read(ich_ap0r2_el2);
        apr[7] = (uint32_t)sysreg_read(ich_ap1r3_el2);
        apr[6] = (uint32_t)sysreg_read(ich_ap1r2_el2);
        /* fall through */
    case 2:
        apr[1] = (uint32_t)sysreg_read(ich_ap0r1_el2);
        apr[5] = (uint32_t)sysreg_read(ich_ap1r1_el2);
        /* fall through */
    default:
        apr[0] = (uint32_t)sysreg_read(ich_ap0r0_el2);
        apr[4] = (uint32_t)sysreg_read(ich_ap1r0_el2);
    }
}

static inline void ich_apr_restore(const uint32_t apr[8], unsigned nr)
{
    switch (nr) {
    case 4:
        sysreg_write(ich_ap0r3_el2, apr[3]);
        sysreg_write(ich_ap0r2_el2, apr[2]);
        sysreg_write(ich_ap1r3_el2, apr[7]);
        sysreg_write(ich_ap1r2_el2, apr[6]);
        /* fall through */
    case 2:
        sysreg_write(ich_ap0r1_el2, apr[1]);
        sysreg_write(ich_ap1r1_el2, apr[5]);
        /* fall through */
    default:
        sysreg_write(ich_ap0r0_el2, apr[0]);
        sysreg_write(ich_ap1r0_el2, apr[4]);
    }
}

#endif
