/* FP/SIMD register file save and restore (struct fp_ctx in el1_ctx.h). */
#include "arch/aarch64/asm.h"

    .arch armv8-a+fp+simd

FUNC(fp_ctx_save)
    stp     q0, q1, [x0, #32 * 0]
    stp     q2, q3, [x0, #32 * 1]
    stp     q4, q5, [x0, #32 * 2]
    stp     q6, q7, [x0, #32 * 3]
    stp     q8, q9, [x0, #32 * 4]
    stp     q10, q11, [x0, #32 * 5]
    stp     q12, q13, [x0, #32 * 6]
    stp     q14, q15, [x0, #32 * 7]
    stp     q16, q17, [x0, #32 * 8]
    stp     q18, q19, [x0, #32 * 9]
    stp     q20, q21, [x0, #32 * 10]
    stp     q22, q23, [x0, #32 * 11]
    stp     q24, q25, [x0, #32 * 12]
    stp     q26, q27, [x0, #32 * 13]
    stp     q28, q29, [x0, #32 * 14]
    stp     q30, q31, [x0, #32 * 15]
    mrs     x1, fpsr
    mrs     x2, fpcr
    add     x0, x0, #32 * 16
    stp     x1, x2, [x0]
    ret
ENDFUNC(fp_ctx_save)

FUNC(fp_ctx_restore)
    ldp     q0, q1, [x0, #32 * 0]
    ldp     q2, q3, [x0, #32 * 1]
    ldp     q4, q5, [x0, #32 * 2]
    ldp     q6, q7, [x0, #32 * 3]
    ldp     q8, q9, [x0, #32 * 4]
    ldp     q10, q11, [x0, #32 * 5]
    ldp     q12, q13, [x0, #32 * 6]
    ldp     q14, q15, [x0, #32 * 7]
    ldp     q16, q17, [x0, #32 * 8]
    ldp     q18, q19, [x0, #32 * 9]
    ldp     q20, q21, [x0, #32 * 10]
    ldp     q22, q23, [x0, #32 * 11]
    ldp     q24, q25, [x0, #32 * 12]
    ldp     q26, q27, [x0, #32 * 13]
    ldp     q28, q29, [x0, #32 * 14]
    ldp     q30, q31, [x0, #32 * 15]
    add     x3, x0, #32 * 16
    ldp     x1, x2, [x3]
    msr     fpsr, x1
    msr     fpcr, x2
    ret
ENDFUNC(fp_ctx_restore)

/* void fp_reg_write(unsigned n, const uint64_t v[2]): writes V<n> only. Like any SIMD&FP write,
 * it clears bits above 128 of Z<n> (Arm ARM B1.2.2) and leaves every other register as it is,
 * so that an emulated SIMD&FP load (core/mmio.c) does not touch the SVE state of the others.
 * A table of 32 entries of 16 bytes, indexed by n (0..31; the caller checks). */
FUNC(fp_reg_write)
    and     x0, x0, #31
    adr     x2, 1f
    add     x2, x2, x0, lsl #4
    br      x2
    .balign 16
1:
    hint    #36                     /* BTI j */
    ldr     q0, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q1, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q2, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q3, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q4, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q5, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q6, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q7, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q8, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q9, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q10, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q11, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q12, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q13, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q14, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q15, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q16, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q17, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q18, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q19, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q20, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q21, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q22, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q23, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q24, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q25, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q26, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q27, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q28, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q29, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q30, [x1]
    ret
    nop
    hint    #36                     /* BTI j */
    ldr     q31, [x1]
    ret
    nop
ENDFUNC(fp_reg_write)
