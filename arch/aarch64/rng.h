/* FEAT_RNG: the RNDR random-number register (Arm ARM D19.2 ID_AA64ISAR0_EL1.RNDR; C5.2
 * RNDR). */
#ifndef ARCH_RNG_H
#define ARCH_RNG_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/id_regs.h"

static inline bool cpu_has_rndr(void)
{
    return ID_FIELD_GET(sysreg_read(id_aa64isar0_el1), ID_AA64ISAR0_EL1_RNDR) != 0;
}

/* One 64-bit random number. RNDR sets NZCV to 0b0100 when it could not produce one in
 * reasonable time, 0b0000 on success. Only call when cpu_has_rndr(). */
static inline bool rndr_read(uint64_t *val)
{
    uint64_t v, ok;
    __asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(v), "=r"(ok)::"cc");
    *val = v;
    return ok != 0;
}

/* RNDR may fail transiently (entropy source busy); callers retry a bounded number of times
 * rather than spin, since an exit must not wait on it. */
#define RNDR_RETRIES 16

static inline bool rndr_read_retry(uint64_t *val)
{
    for (unsigned i = 0; i < RNDR_RETRIES; i++)
        if (rndr_read(val))
            return true;
    return false;
}

#endif
