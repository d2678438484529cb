/* Assembler helpers shared by the .S files. */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

/* Assembler macros: not C, so not clang-formatted. */
/* clang-format off */

/* PC-relative address of a symbol, valid before relocation and with the MMU off. */
.macro adr_l reg, sym
    adrp \reg, \sym
    add \reg, \reg, :lo12:\sym
.endm

/* Every function starts with a BTI C landing pad (HINT #34: a NOP without FEAT_BTI), so that
 * an indirect call may reach it once the hypervisor's text is a guarded page (mmu.c). */
#define FUNC(name) .global name; .type name, %function; name: hint #34
#define ENDFUNC(name) .size name, . - name
/* clang-format on */

#endif
