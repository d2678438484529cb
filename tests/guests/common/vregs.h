/* The FP/SIMD registers in the test guests: the guests are built -mgeneral-regs-only, so each
 * asm that names a V register enables the extensions for itself. */
#ifndef GUEST_VREGS_H
#define GUEST_VREGS_H

#define FP_ASM ".arch_extension fp\n.arch_extension simd\n"
/* Expands op(n, arg) for n = 0..31 (each V register named in its own asm). */
#define FOR_ALL_V(op, arg) \
    do {                   \
        op(0, arg);        \
        op(1, arg);        \
        op(2, arg);        \
        op(3, arg);        \
        op(4, arg);        \
        op(5, arg);        \
        op(6, arg);        \
        op(7, arg);        \
        op(8, arg);        \
        op(9, arg);        \
        op(10, arg);       \
        op(11, arg);       \
        op(12, arg);       \
        op(13, arg);       \
        op(14, arg);       \
        op(15, arg);       \
        op(16, arg);       \
        op(17, arg);       \
        op(18, arg);       \
        op(19, arg);       \
        op(20, arg);       \
        op(21, arg);       \
        op(22, arg);       \
        op(23, arg);       \
        op(24, arg);       \
        op(25, arg);       \
        op(26, arg);       \
        op(27, arg);       \
        op(28, arg);       \
        op(29, arg);       \
        op(30, arg);       \
        op(31, arg);       \
    } while (0)

#endif
