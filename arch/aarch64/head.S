/* Entry point: the Linux arm64 Image header (Documentation/arch/arm64/booting.rst), so that
 * QEMU -kernel and U-Boot booti load us, followed by the code that runs with the MMU off:
 * self-relocation, BSS clearing and the jump into C. Entered with x0 = physical address of
 * the DTB, MMU off, at EL2 (anything else is reported by C code and powered off). */
#include "arch/aarch64/asm.h"
#include "arch/aarch64/config.h"

#define R_AARCH64_RELATIVE 1027

/* Image header flags (booting.rst): bit 0 = 0 little-endian, bits [2:1] = 1 4 KiB pages,
 * bit 3 = 1 the image may be placed anywhere in physical memory. */
#define IMAGE_FLAG_PAGE_4K   (1 << 1)
#define IMAGE_FLAG_PHYS_ANY  (1 << 3)

    /* code0, code1, text_offset; image_size follows from elvisor.ld (it needs the final
     * layout), then .head.tail. */
    .section .head, "ax"
    .global _head
_head:
    b       primary_entry               /* code0 */
    .word   0                           /* code1 */
    .quad   0                           /* text_offset: any 2 MiB aligned base */

    .section .head.tail, "a"
    .quad   IMAGE_FLAG_PAGE_4K | IMAGE_FLAG_PHYS_ANY /* flags */
    .quad   0, 0, 0                     /* res2..res4 */
    .ascii  "ARM\x64"                   /* magic */
    .word   0                           /* res5: no PE/COFF header */

    .section .text.boot, "ax"
FUNC(primary_entry)
    mov     x19, x0                     /* DTB */
    /* Apply R_AARCH64_RELATIVE relocations: *(base + offset) = base + addend. */
    adr_l   x9, _head
    adr_l   x10, __rela_start
    adr_l   x11, __rela_end
1:  cmp     x10, x11
    b.hs    2f
    ldp     x12, x13, [x10], #16        /* r_offset, r_info */
    ldr     x14, [x10], #8              /* r_addend */
    cmp     w13, #R_AARCH64_RELATIVE
    b.ne    1b                          /* the link leaves no other kind; see elvisor.ld */
    add     x14, x14, x9
    str     x14, [x9, x12]
    b       1b
2:
    adr_l   x10, __bss_start
    adr_l   x11, __bss_end
3:  cmp     x10, x11
    b.hs    4f
    stp     xzr, xzr, [x10], #16
    b       3b
4:
    adr_l   x10, boot_stacks
    add     sp, x10, #STACK_SLOT_SIZE
    mov     x29, xzr
    mov     x30, xzr
    mov     x0, x19
    bl      boot_primary                /* does not return */
5:  wfi
    b       5b
ENDFUNC(primary_entry)

/* Secondary CPUs arrive here from PSCI CPU_ON with x0 = their logical CPU index (the
 * context id we passed), MMU off, at EL2. */
FUNC(secondary_entry)
    cmp     x0, #MAX_CPUS
    b.hs    2f
    adr_l   x10, boot_stacks
    mov     x11, #STACK_SLOT_SIZE
    madd    x10, x0, x11, x10
    add     sp, x10, #STACK_SLOT_SIZE
    mov     x29, xzr
    mov     x30, xzr
    bl      boot_secondary              /* does not return */
2:  wfi
    b       2b
ENDFUNC(secondary_entry)

    .section .bss
    /* Per CPU: a guard page (unmapped at boot), then its stack (arch/aarch64/config.h). */
    .balign STACK_GUARD_SIZE
    .global boot_stacks
boot_stacks:
    .space  MAX_CPUS * STACK_SLOT_SIZE
    /* Per CPU: the stack a fatal exception is reported on (vectors.S fatal_frame). */
    .balign 16
    .global crash_stacks
crash_stacks:
    .space  MAX_CPUS << CRASH_STACK_SHIFT
