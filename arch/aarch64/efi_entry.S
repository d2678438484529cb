/* The EFI application's entry and its exit into the hypervisor (docs/booting.md).
 *
 * UEFI starts the image at efi_pe_entry (head.S names it as the PE entry point) with
 * x0 = image handle, x1 = system table, the MMU on with an identity map, at EL2 when the
 * firmware runs there (UEFI 2.10, 2.3.6 AArch64 platforms). efi_main (efi_stub.c) takes the
 * device tree and the memory map and leaves boot services; efi_enter_elvisor then turns the
 * MMU off and enters primary_entry as a boot loader would, with the handoff block in x1. */
#include "arch/aarch64/asm.h"
#include "arch/aarch64/efi.h"

/* SCTLR_ELx bits turned off (Arm ARM D24.2.161 SCTLR_EL2): M (stage 1 MMU), C (data
 * cacheability), I (instruction cacheability). */
#define SCTLR_MMU_CACHES ((1 << 0) | (1 << 2) | (1 << 12))
#define CURRENT_EL_EL2   (2 << 2)

    .text
    .hidden efi_pe_entry
FUNC(efi_pe_entry)
    stp     x29, x30, [sp, #-32]!
    mov     x29, sp
    stp     x0, x1, [sp, #16]
    /* The loader applied no relocations (the image declares none): apply our own, so C code
     * may use initialized pointers. */
    apply_relocations
    ldp     x0, x1, [sp, #16]
    bl      efi_main                    /* returns only on failure: x0 = EFI status */
    ldp     x29, x30, [sp], #32
    ret
ENDFUNC(efi_pe_entry)

/* Clean and invalidate [x0, x0 + x1) to the point of coherency, by VA (DC CIVAC), so that
 * what the firmware left in the caches reaches memory before it is read with the MMU off,
 * and no stale line shadows what elvisor writes then. Clobbers x0-x4. */
FUNC(efi_dcache_civac)
    mrs     x3, ctr_el0
    ubfx    x3, x3, #16, #4             /* DminLine: log2 of the smallest line, in words */
    mov     x2, #4
    lsl     x2, x2, x3                  /* line size in bytes */
    add     x1, x0, x1
    sub     x3, x2, #1
    bic     x0, x0, x3
1:  cmp     x0, x1
    b.hs    2f
    dc      civac, x0
    add     x0, x0, x2
    b       1b
2:  dsb     sy
    ret
ENDFUNC(efi_dcache_civac)

/* efi_enter_elvisor(dtb, handoff, handoff_size, dtb_size): after ExitBootServices; does not
 * return. */
FUNC(efi_enter_elvisor)
    msr     daifset, #0xf               /* no firmware handler runs any more */
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    adr_l   x0, _head
    ldr     x1, [x0, #16]               /* image_size: the image and its VM pack */
    bl      efi_dcache_civac
    mov     x0, x19
    mov     x1, x22
    bl      efi_dcache_civac
    mov     x0, x20
    mov     x1, x21
    bl      efi_dcache_civac
    mov     x10, #SCTLR_MMU_CACHES
    mrs     x9, CurrentEL
    cmp     x9, #CURRENT_EL_EL2
    b.ne    1f
    mrs     x9, sctlr_el2
    bic     x9, x9, x10
    msr     sctlr_el2, x9
    b       2f
    /* Not at EL2 (firmware running at EL1): primary_entry's C code says so and powers off. */
1:  mrs     x9, sctlr_el1
    bic     x9, x9, x10
    msr     sctlr_el1, x9
2:  isb
    ic      iallu                       /* nothing the firmware fetched is executed again */
    dsb     nsh
    isb
    mov     x0, x19
    mov     x1, x20
    ldr     x2, =EFI_HANDOFF_MAGIC
    b       primary_entry
ENDFUNC(efi_enter_elvisor)
