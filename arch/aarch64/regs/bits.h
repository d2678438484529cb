/* Building blocks of the register-field headers in this directory. They expand to plain
 * constants that the assembler accepts too (no UL suffix) when __ASSEMBLY__ is defined, and to
 * uint64_t expressions in C, so that a field ORed into a 64-bit register value never loses bits. */
#ifndef ARCH_REGS_BITS_H
#define ARCH_REGS_BITS_H

/* cppcheck also reads each C file with __ASSEMBLY__ defined, as one of the configurations it
 * tries; it gets the C definitions so that it does not take C uses for int shifts. */
#if defined(__ASSEMBLY__) && !defined(__CPPCHECK__)
#define REG_BIT(n)         (1 << (n))
#define REG_FIELD(val, sh) ((val) << (sh))
#else
#include <stdint.h>
#define REG_BIT(n)         (UINT64_C(1) << (n))
#define REG_FIELD(val, sh) ((uint64_t)(val) << (sh))
#endif

/* A field `width` bits wide (width < 64) starting at bit `sh`. */
#define REG_MASK(width, sh) REG_FIELD(REG_BIT(width) - 1, sh)

/* Field f of register value val, for a field named by f##_MASK (in place) and f##_SHIFT. */
#define REG_GET(val, f) (((val)&f##_MASK) >> f##_SHIFT)

#endif
