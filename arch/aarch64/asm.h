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

/* Applies the image's relative relocations for wherever the loader put it. The link packs them
 * (ld.lld --pack-dyn-relocs=relr, the ELF gABI's SHT_RELR): each word to relocate already holds
 * its link-time value (the image is linked at 0), so it needs only its place, and a table of 64-bit
 * entries gives the places: an even entry is the offset of one word (the next entry continues
 * after it), an odd one a bitmap whose bits 1..63 stand for the 63 words that follow, after which
 * the next entry continues. Each word gets the distance between where the image is now and where
 * reloc_base (head.S) says it was relocated for last (0: never), so that the EFI stub and
 * primary_entry may both run it, and a copy of a relocated image may be relocated again.
 * Clobbers x9-x16. */
.macro apply_relocations
    adr_l   x9, _head
    adr_l   x14, reloc_base
    ldr     x10, [x14]
    subs    x10, x9, x10                /* what to add to each word */
    b.eq    .Lrelr_done\@
    str     x9, [x14]
    adr_l   x11, __relr_start
    adr_l   x12, __relr_end
    mov     x13, #0                     /* where a bitmap's bit 1 points */
.Lrelr_loop\@:
    cmp     x11, x12
    b.hs    .Lrelr_done\@
    ldr     x14, [x11], #8
    tbnz    x14, #0, .Lrelr_bitmap\@
    ldr     x16, [x9, x14]              /* an offset */
    add     x16, x16, x10
    str     x16, [x9, x14]
    add     x13, x14, #8
    b       .Lrelr_loop\@
.Lrelr_bitmap\@:
    mov     x15, x13
.Lrelr_bit\@:
    lsr     x14, x14, #1
    cbz     x14, .Lrelr_bitmap_end\@
    tbz     x14, #0, .Lrelr_skip\@
    ldr     x16, [x9, x15]
    add     x16, x16, x10
    str     x16, [x9, x15]
.Lrelr_skip\@:
    add     x15, x15, #8
    b       .Lrelr_bit\@
.Lrelr_bitmap_end\@:
    add     x13, x13, #63 * 8
    b       .Lrelr_loop\@
.Lrelr_done\@:
.endm

/* Every function starts with a BTI C landing pad (HINT #34: a NOP without FEAT_BTI), so that
 * an indirect call may reach it once the hypervisor's text is a guarded page (mmu.c). */
#define FUNC(name) .global name; .type name, %function; name: hint #34
#define ENDFUNC(name) .size name, . - name
/* clang-format on */

#endif
