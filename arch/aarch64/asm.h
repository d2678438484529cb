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

/* Applies the image's R_AARCH64_RELATIVE relocations, *(base + offset) = base + addend, for
 * wherever the loader put it. Idempotent (each word is written, not adjusted), so the EFI stub
 * and primary_entry may both run it. Clobbers x9-x14. */
#define R_AARCH64_RELATIVE 1027
.macro apply_relocations
    adr_l   x9, _head
    adr_l   x10, __rela_start
    adr_l   x11, __rela_end
.Lrela_loop\@:
    cmp     x10, x11
    b.hs    .Lrela_done\@
    ldp     x12, x13, [x10], #16        /* r_offset, r_info */
    ldr     x14, [x10], #8              /* r_addend */
    cmp     w13, #R_AARCH64_RELATIVE
    b.ne    .Lrela_loop\@              /* the link leaves no other kind; see elvisor.ld */
    add     x14, x14, x9
    str     x14, [x9, x12]
    b       .Lrela_loop\@
.Lrela_done\@:
.endm

/* Every function starts with a BTI C landing pad (HINT #34: a NOP without FEAT_BTI), so that
 * an indirect call may reach it once the hypervisor's text is a guarded page (mmu.c). */
#define FUNC(name) .global name; .type name, %function; name: hint #34
#define ENDFUNC(name) .size name, . - name
/* clang-format on */

#endif
