/* Does a QEMU machine deliver GICv3 virtual interrupts to its CPUs? (docs/boards.md, "Checking
 * a QEMU board model first"). Started at EL2 as a Linux arm64 Image (so that QEMU's boot stub
 * enters it at EL2 on boards whose CPUs also have EL3), it makes vINTID 27 pending in list
 * register 0 and drops to EL1 with interrupts masked, where it keeps ISR_EL1 in x5: its I bit
 * (0x80) shows a virtual IRQ pending for EL1 (Arm ARM D24.2.85, ISR_EL1: with HCR_EL2.IMO set
 * it reports the virtual IRQ). The GIC drives that signal through its VIRQ output to the CPU;
 * a board that leaves the output unconnected never shows it. The answer is QEMU's exit status,
 * through semihosting (SYS_EXIT with ADP_Stopped_ApplicationExit): 0 when the vIRQ showed
 * within a million reads, 1 when it did not. */
#define HCR_EL2_RW      (1 << 31)
#define HCR_EL2_IMO     (1 << 4)
#define HCR_EL2_FMO     (1 << 3)
#define ICC_SRE_EL2     S3_4_C12_C9_5
#define ICH_HCR_EL2     S3_4_C12_C11_0
#define ICH_VMCR_EL2    S3_4_C12_C11_7
#define ICH_LR0_EL2     S3_4_C12_C12_0

    .global _start
_start:
    b       probe
    .long   0
    .quad   0x80000                 /* text_offset: loaded 512 KiB into RAM */
    .quad   end - _start            /* image_size */
    .quad   0, 0, 0, 0              /* flags, reserved */
    .ascii  "ARM\x64"               /* Linux Documentation/arch/arm64/booting.rst */
    .long   0
probe:
    ldr     x0, =(HCR_EL2_RW | HCR_EL2_IMO | HCR_EL2_FMO)
    msr     hcr_el2, x0
    mov     x0, #0x9                /* ICC_SRE_EL2: SRE, Enable (EL1 may use the sysregs) */
    msr     ICC_SRE_EL2, x0
    isb
    ldr     x0, =0xff000002         /* ICH_VMCR_EL2: VPMR 0xff, VENG1 */
    msr     ICH_VMCR_EL2, x0
    mov     x0, #1                  /* ICH_HCR_EL2.En */
    msr     ICH_HCR_EL2, x0
    /* ICH_LR0_EL2: State pending (bits 63:62 = 01), Group 1 (bit 60), priority 0x80, vINTID 27 */
    ldr     x0, =((1 << 62) | (1 << 60) | (0x80 << 48) | 27)
    msr     ICH_LR0_EL2, x0
    isb
    adr     x0, el1
    msr     elr_el2, x0
    mov     x0, #0x3c5              /* EL1h, D, A, I and F masked */
    msr     spsr_el2, x0
    eret
el1:
    mov     x2, #1
    ldr     x3, =1000000
1:  mrs     x5, isr_el1
    tbnz    x5, #7, 2f              /* ISR_EL1.I */
    subs    x3, x3, #1
    b.ne    1b
    b       3f
2:  mov     x2, #0
3:  adr     x1, block               /* SYS_EXIT's parameter block: reason, exit status */
    str     x2, [x1, #8]
    mov     x0, #0x18               /* SYS_EXIT */
    hlt     #0xf000                 /* the semihosting call on AArch64 */
    b       .
    .ltorg
    .balign 8
block:
    .quad   0x20026                 /* ADP_Stopped_ApplicationExit */
    .quad   0
end:
