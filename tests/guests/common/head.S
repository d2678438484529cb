/* Test-guest entry: the Linux arm64 Image header, so elvisor loads guests exactly like Linux
 * (x0 = DTB IPA, EL1h, MMU off), then self-relocation (guests are PIE) and C. */
#define R_AARCH64_RELATIVE 1027

.macro adr_l reg, sym
    adrp \reg, \sym
    add \reg, \reg, :lo12:\sym
.endm

    .section .head, "ax"
    .global _head
_head:
    b       guest_entry
    .word   0
    .quad   0x80000                     /* text_offset */
    /* image_size comes from guest.ld */
    .section .head.tail, "a"
    .quad   (1 << 1) | (1 << 3)
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .word   0

    .text
    .global guest_entry
guest_entry:
    mov     x19, x0
    adr_l   x9, _head
    adr_l   x10, __rela_start
    adr_l   x11, __rela_end
1:  cmp     x10, x11
    b.hs    2f
    ldp     x12, x13, [x10], #16
    ldr     x14, [x10], #8
    cmp     w13, #R_AARCH64_RELATIVE
    b.ne    1b
    add     x14, x14, x9
    str     x14, [x9, x12]
    b       1b
2:  adr_l   x10, __bss_start
    adr_l   x11, __bss_end
3:  cmp     x10, x11
    b.hs    4f
    str     xzr, [x10], #8
    b       3b
4:  adr_l   x10, guest_stacks
    add     sp, x10, #4096
    adr_l   x10, guest_vectors
    msr     vbar_el1, x10
    isb
    mov     x0, x19
    bl      guest_boot
5:  wfi
    b       5b

/* Secondary vCPUs started by PSCI CPU_ON: x0 = context id = vCPU index (< 8). */
    .global guest_secondary_entry
guest_secondary_entry:
    and     x0, x0, #7
    adr_l   x10, guest_stacks
    add     x11, x0, #1
    lsl     x11, x11, #12
    add     sp, x10, x11
    adr_l   x10, guest_vectors
    msr     vbar_el1, x10
    isb
    bl      guest_secondary_main
6:  wfi
    b       6b

/* EL1 vectors: every exception goes to guest_exception(frame, vector offset). */
.macro vec off
    .balign 0x80
    sub     sp, sp, #272
    stp     x0, x1, [sp]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    b       vec_common_\off
.endm

.macro vec_common off
vec_common_\off:
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mov     x0, sp
    mov     x1, #\off
    bl      guest_exception
    ldp     x0, x1, [sp]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    add     sp, sp, #272
    eret
.endm

    .balign 0x800
guest_vectors:
    vec 0x000
    vec 0x080
    vec 0x100
    vec 0x180
    vec 0x200
    vec 0x280
    vec 0x300
    vec 0x380
    vec 0x400
    vec 0x480
    vec 0x500
    vec 0x580
    vec 0x600
    vec 0x680
    vec 0x700
    vec 0x780
    vec_common 0x000
    vec_common 0x080
    vec_common 0x100
    vec_common 0x180
    vec_common 0x200
    vec_common 0x280
    vec_common 0x300
    vec_common 0x380
    vec_common 0x400
    vec_common 0x480
    vec_common 0x500
    vec_common 0x580
    vec_common 0x600
    vec_common 0x680
    vec_common 0x700
    vec_common 0x780

    .bss
    .balign 16
guest_stacks:
    .space 8 * 4096
