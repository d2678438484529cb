/* EL2 exception vectors (Arm ARM D1.10.2 "Exception vectors": 16 entries of 0x80 bytes).
 *  - From EL2 itself: the hypervisor's own IRQs are handled and return; anything synchronous,
 *    an FIQ or an SError is a hypervisor bug and ends in the crash report.
 *  - From a guest (lower EL, AArch64): the guest's GPRs go into its vCPU's register file and
 *    vcpu_exit() handles the exit in ordinary C on the hypervisor stack, inside vcpu_enter()'s
 *    frame; the guest is entered again from there, or vcpu_enter() returns to vcpu_run(). */
#include "arch/aarch64/asm.h"
#include "arch/aarch64/traps.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/regs/vbar.h"
#include "arch/aarch64/spectre.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/hcr.h"

/* After every ERET: a barrier that execution never reaches, so that the CPU does not run the
 * instructions after the ERET speculatively (straight-line speculation, Arm's SLS guidance:
 * SB where FEAT_SB exists, DSB NSH + ISB everywhere; the latter is used as it needs no check). */
.macro eret_sb
    eret
    dsb     nsh
    isb
.endm

/* x2-x29 into a struct trap_frame at sp (traps.h). */
.macro save_x2_to_x29
    stp     x2, x3, [sp, #16 * 1]
    stp     x4, x5, [sp, #16 * 2]
    stp     x6, x7, [sp, #16 * 3]
    stp     x8, x9, [sp, #16 * 4]
    stp     x10, x11, [sp, #16 * 5]
    stp     x12, x13, [sp, #16 * 6]
    stp     x14, x15, [sp, #16 * 7]
    stp     x16, x17, [sp, #16 * 8]
    stp     x18, x19, [sp, #16 * 9]
    stp     x20, x21, [sp, #16 * 10]
    stp     x22, x23, [sp, #16 * 11]
    stp     x24, x25, [sp, #16 * 12]
    stp     x26, x27, [sp, #16 * 13]
    stp     x28, x29, [sp, #16 * 14]
.endm

/* x2-x29 from a struct trap_frame (or a guest register file, same layout) at base. */
.macro load_x2_to_x29 base
    ldp     x2, x3, [\base, #16 * 1]
    ldp     x4, x5, [\base, #16 * 2]
    ldp     x6, x7, [\base, #16 * 3]
    ldp     x8, x9, [\base, #16 * 4]
    ldp     x10, x11, [\base, #16 * 5]
    ldp     x12, x13, [\base, #16 * 6]
    ldp     x14, x15, [\base, #16 * 7]
    ldp     x16, x17, [\base, #16 * 8]
    ldp     x18, x19, [\base, #16 * 9]
    ldp     x20, x21, [\base, #16 * 10]
    ldp     x22, x23, [\base, #16 * 11]
    ldp     x24, x25, [\base, #16 * 12]
    ldp     x26, x27, [\base, #16 * 13]
    ldp     x28, x29, [\base, #16 * 14]
.endm

/* struct trap_frame, see traps.h */
.macro save_el2_frame kind
    sub     sp, sp, #TRAP_FRAME_SIZE
    stp     x0, x1, [sp, #16 * 0]
    save_x2_to_x29
    mrs     x0, elr_el2
    stp     x30, x0, [sp, #16 * 15]
    mrs     x0, spsr_el2
    add     x1, sp, #TRAP_FRAME_SIZE
    stp     x0, x1, [sp, #16 * 16]
    mov     x0, sp
    mov     x1, #\kind
.endm

/* A fatal exception (every EL2 exception but IRQ) is reported on this CPU's crash stack, not
 * on SP_EL2, which may be what failed: an overflow into the guard page below the stack faults
 * again on every push. x0 and x1 are parked in SP_EL0 and TPIDRRO_EL0, EL0 registers of a
 * guest that no longer matters: the machine powers off after the report. The frame records the
 * faulting SP. */
.macro fatal_frame kind
    msr     sp_el0, x0
    msr     tpidrro_el0, x1
    mov     x1, sp
    mrs     x0, tpidr_el2
    ldr     w0, [x0, #CPU_LOCAL_ID_OFFSET]
    and     x0, x0, #(MAX_CPUS - 1)
    add     x0, x0, #1
    lsl     x0, x0, #CRASH_STACK_SHIFT
    mov     sp, x0
    adr_l   x0, crash_stacks
    add     sp, sp, x0
    sub     sp, sp, #TRAP_FRAME_SIZE
    save_x2_to_x29
    mrs     x2, sp_el0
    mrs     x3, tpidrro_el0
    stp     x2, x3, [sp, #16 * 0]
    mrs     x0, elr_el2
    stp     x30, x0, [sp, #16 * 15]
    mrs     x0, spsr_el2
    stp     x0, x1, [sp, #16 * 16]
    mov     x29, xzr                    /* the backtrace starts from the frame's x29 */
    mov     x0, sp
    mov     x1, #\kind
.endm

.macro restore_el2_frame
    ldp     x30, x0, [sp, #16 * 15]
    msr     elr_el2, x0
    ldr     x0, [sp, #16 * 16]
    msr     spsr_el2, x0
    ldp     x0, x1, [sp, #16 * 0]
    load_x2_to_x29 sp
    add     sp, sp, #TRAP_FRAME_SIZE
.endm

/* vcpu_enter's frame on the hypervisor stack, where SP_EL2 points while the guest runs: the
 * hypervisor's x29/x30 (the frame record) and x19-x28, then the guest's register file. */
#define ENTER_FRAME_SIZE (16 * 7)
#define ENTER_FRAME_REGS (16 * 6)

/* Guest exit: x0/x1 are parked below vcpu_enter's frame, the rest go to the register file whose
 * address the frame holds. Then x0 = the register file, x1 = the exit kind. */
.macro guest_exit kind
    stp     x0, x1, [sp, #-16]!
    ldr     x0, [sp, #16 + ENTER_FRAME_REGS]
    stp     x2, x3, [x0, #16 * 1]
    stp     x4, x5, [x0, #16 * 2]
    stp     x6, x7, [x0, #16 * 3]
    stp     x8, x9, [x0, #16 * 4]
    stp     x10, x11, [x0, #16 * 5]
    stp     x12, x13, [x0, #16 * 6]
    stp     x14, x15, [x0, #16 * 7]
    stp     x16, x17, [x0, #16 * 8]
    stp     x18, x19, [x0, #16 * 9]
    stp     x20, x21, [x0, #16 * 10]
    stp     x22, x23, [x0, #16 * 11]
    stp     x24, x25, [x0, #16 * 12]
    stp     x26, x27, [x0, #16 * 13]
    stp     x28, x29, [x0, #16 * 14]
    mrs     x1, elr_el2
    stp     x30, x1, [x0, #16 * 15]
    mrs     x1, spsr_el2
    str     x1, [x0, #16 * 16]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #16 * 0]
    mov     x1, #\kind
    b       guest_exit_common
.endm

.macro vec_entry target
    .balign VBAR_ENTRY_SIZE
    b       \target
.endm

.macro vec_guest_exit name, kind
    .balign VBAR_ENTRY_SIZE
\name:
    guest_exit \kind
    .if . - \name > VBAR_ENTRY_SIZE
    .error "guest_exit does not fit in a vector slot"
    .endif
.endm

    .text
    .balign VBAR_TABLE_ALIGN
    .global el2_vectors
el2_vectors:
    vec_entry el2_sp0_trap          /* current EL, SP_EL0: we never run on SP_EL0 */
    vec_entry el2_sp0_trap
    vec_entry el2_sp0_trap
    vec_entry el2_sp0_trap
    vec_entry el2_sync              /* current EL, SP_ELx */
    vec_entry el2_irq
    vec_entry el2_fiq
    vec_entry el2_serror
    /* Lower EL, AArch64: each saves the guest's registers in its own slot (one branch less on
     * every exit; guest_exit fits in the 32 instructions of a slot, checked below). */
    vec_guest_exit guest_sync, EXIT_SYNC
    vec_guest_exit guest_irq, EXIT_IRQ
    vec_guest_exit guest_fiq, EXIT_FIQ
    vec_guest_exit guest_serror, EXIT_SERROR
    vec_entry guest_aarch32         /* lower EL, AArch32: guests are AArch64 only (HCR_EL2.RW) */
    vec_entry guest_aarch32
    vec_entry guest_aarch32
    vec_entry guest_aarch32

el2_sp0_trap:
    fatal_frame TRAP_EL2_SP0
    b       el2_fatal_trap
el2_sync:
    fatal_frame TRAP_EL2_SYNC
    /* A walk of a guest's tables by an AT instruction that took an abort (guest_at.c): back to
     * its fixup, from the frame on the crash stack; anything else is a hypervisor bug. */
    bl      guest_at_fixup_check
    cbz     w0, 1f
    mov     x0, sp
    ldp     x30, x1, [x0, #16 * 15]
    msr     elr_el2, x1
    ldp     x1, x2, [x0, #16 * 16]
    msr     spsr_el2, x1
    mov     sp, x2
    load_x2_to_x29 x0
    ldp     x0, x1, [x0, #16 * 0]
    eret_sb
1:  mov     x0, sp
    mov     x1, #TRAP_EL2_SYNC
    b       el2_fatal_trap
el2_fiq:
    fatal_frame TRAP_EL2_FIQ
    b       el2_fatal_trap
el2_serror:
    /* Taken in guest_exit_common's window: the guest's error, charged to the guest that just
     * exited (x1 = EXIT_SERROR for its vCPU; x0, its register file, is kept). The window then
     * ends with SError masked again (SPSR_EL2.A). Anywhere else: a hypervisor bug. */
    stp     x0, x1, [sp, #-16]!
    mrs     x0, elr_el2
    adr     x1, serror_window_start
    cmp     x0, x1
    b.lo    1f
    adr     x1, serror_window_end
    cmp     x0, x1
    b.hi    1f
    mrs     x1, spsr_el2
    orr     x1, x1, #PSR_A
    msr     spsr_el2, x1
    ldr     x0, [sp], #16
    mov     x1, #EXIT_SERROR
    eret_sb
1:  ldp     x0, x1, [sp], #16
    fatal_frame TRAP_EL2_SERROR
    b       el2_fatal_trap
el2_irq:
    save_el2_frame TRAP_EL2_IRQ
    bl      el2_irq_handler
    restore_el2_frame
    eret_sb

guest_aarch32:  guest_exit EXIT_AARCH32

/* Every exit from a guest: x0 = the guest's register file (saved above), x1 = the exit kind.
 * The hypervisor's callee-saved registers stay on the stack where vcpu_enter pushed them, and
 * SP_EL2 points at that frame: the exit is handled on this stack, and the guest's x19-x29,
 * already saved, are free here. An exit that needs nothing of vcpu_run (most do not: the vCPU
 * keeps its CPU) never saves or restores x19-x30 of the hypervisor. */
guest_exit_common:
    /* A guest that uses pointer authentication ran with its own instruction key A, the
     * register EL2 signs its return addresses with (struct guest_regs, traps.h): save the
     * guest's and put back EL2's before the first C code; the ISB below makes it effective
     * (Arm ARM D8.8: a key write needs a context synchronization event before it is used). */
    ldr     x2, [x0, #GUEST_REGS_PAUTH_LIVE]
    cbz     x2, 1f
    mrs     x2, s3_0_c2_c1_0            /* APIAKeyLo_EL1 */
    mrs     x3, s3_0_c2_c1_1            /* APIAKeyHi_EL1 */
    stp     x2, x3, [x0, #GUEST_REGS_APIA]
    adr_l   x2, branch_prot_key
    ldp     x2, x3, [x2]
    msr     s3_0_c2_c1_0, x2
    msr     s3_0_c2_c1_1, x3
1:
    /* An asynchronous external abort the guest caused may still be on its way (Arm ARM
     * D1.4.5, D17.2: an SError is taken when it is not masked). DSB SY completes the guest's
     * memory accesses, then a window with SError unmasked takes any that is pending here, so
     * it is charged to this guest (el2_serror: x1 becomes EXIT_SERROR) and never to the next
     * VM entered on this CPU (issue 13 item 3). */
    dsb     sy
serror_window_start:
    msr     daifclr, #DAIFSET_A
    isb
serror_window_end:
    msr     daifset, #DAIFSET_A
    /* Spectre-v2/BHB (issue 13 item 1): what this CPU needs (arch/aarch64/spectre.h), before
     * the first indirect branch since the guest ran (the handler's call below, or in
     * vcpu_exit): the code from the vector to there has only direct branches. A CPU that needs
     * nothing pays this load and branch. x20 keeps this CPU's block (cpu_local.h) for the
     * attention word below. */
    mrs     x20, tpidr_el2
    ldr     w2, [x20, #CPU_LOCAL_SPECTRE_OFFSET]
    cbnz    w2, spectre_exit
spectre_exit_done:
    /* A frame pointer for the frame records of the C code called from here: the one
     * vcpu_enter pushed at SP, so that a backtrace from the exit path runs on into vcpu_run
     * (AAPCS64 6.4.6), never into the guest's x29. x19 keeps the vCPU across the calls (its
     * register file is its first member, traps.h). */
    mov     x29, sp
    cbnz    w1, exit_async_in_c         /* IRQ, FIQ, SError, AArch32: core/vcpu.c */
    mov     x19, x0
    /* A synchronous exit (kind 0, unless the SError window changed it) is dispatched here,
     * as vcpu_exit would (core/vcpu.c exit_body), when nothing needs C before the handler: no
     * virtual SError was pending (the guest taking one clears HCR_EL2.VSE, which vcpu_exit
     * records) and no part of the virtual CPU hardware asked to sync (traps.h). x0 stays the
     * register file, the handler's first argument (v). */
    ldr     x2, [x19, #VCPU_HCR_LIVE]
    tbnz    x2, #HCR_EL2_VSE_SHIFT, exit_in_c
    ldr     x2, [x19, #VCPU_HW_SYNC]
    cbnz    x2, exit_in_c
    /* The row of ESR_EL2.EC (Arm ARM D24.2 ESR_EL2: EC is bits [31:26]) in the vCPU's exit
     * table: its class counted, then its handler(v, esr). The Spectre check above ran before
     * this first indirect branch. */
    mrs     x1, esr_el2
    ldr     x2, [x19, #VCPU_EXIT_TABLE]
    ubfx    x3, x1, #ESR_EC_SHIFT, #ESR_EC_WIDTH
    add     x2, x2, x3, lsl #EXIT_ROW_SIZE_SHIFT
    ldrb    w3, [x2, #EXIT_ROW_CLS]
    ldr     x4, [x2, #EXIT_ROW_FN]
    add     x3, x19, x3, lsl #3
    ldr     x5, [x3, #VCPU_EXITS]
    add     x5, x5, #1
    str     x5, [x3, #VCPU_EXITS]
    blr     x4
    cbnz    w0, exit_return             /* EXIT_YIELD: back to vcpu_run */
    /* EXIT_RESUME: straight back into the guest, unless the run loop's attention word or a
     * part's flush says otherwise (core/vcpu.c vcpu_exit_tail). */
    ldr     w2, [x20, #CPU_LOCAL_ATTN_OFFSET]
    cbnz    w2, exit_tail_in_c
    ldr     x2, [x19, #VCPU_HW_FLUSH]
    cbnz    x2, exit_tail_in_c
    mov     x0, x19
    /* Into the guest whose register file is x0: its registers, then ERET. vcpu_enter comes
     * here for a run's first entry, the exit path for every further one. */
guest_enter_regs:
    /* The guest's instruction key A, if it uses pointer authentication (see
     * guest_exit_common); from here to the ERET (a context synchronization event) nothing
     * signs or authenticates. */
    ldr     x1, [x0, #GUEST_REGS_PAUTH_LIVE]
    cbz     x1, 1f
    ldp     x1, x2, [x0, #GUEST_REGS_APIA]
    msr     s3_0_c2_c1_0, x1
    msr     s3_0_c2_c1_1, x2
1:
    ldp     x30, x1, [x0, #16 * 15]
    msr     elr_el2, x1
    ldr     x1, [x0, #16 * 16]
    msr     spsr_el2, x1
    load_x2_to_x29 x0
    ldp     x0, x1, [x0, #16 * 0]
    eret_sb
exit_tail_in_c:
    mov     x0, x19
    bl      vcpu_exit_tail
    cbnz    x0, guest_enter_regs
    b       exit_return
    /* Everything else: in C, which returns the register file to enter again at once (straight
     * back into the guest) or NULL. x0 = the register file, x1 = the kind. */
exit_async_in_c:
    bl      vcpu_exit_async
    cbnz    x0, guest_enter_regs
    b       exit_return
exit_in_c:
    bl      vcpu_exit
    cbnz    x0, guest_enter_regs
exit_return:
    ldp     x19, x20, [sp, #16 * 1]
    ldp     x21, x22, [sp, #16 * 2]
    ldp     x23, x24, [sp, #16 * 3]
    ldp     x25, x26, [sp, #16 * 4]
    ldp     x27, x28, [sp, #16 * 5]
    ldp     x29, x30, [sp], #ENTER_FRAME_SIZE
    ret

/* w2 = this CPU's SPECTRE_EXIT_* word, x0 = the register file, x1 = the exit kind, x20 = this
 * CPU's block (kept); the other registers are free (the guest's are saved). The firmware calls
 * keep x4-x17 (SMCCC 1.1) and may change x0-x3. */
spectre_exit:
    mov     x21, x0
    mov     w22, w2
    mov     x23, x1
    tbz     w22, #SPECTRE_EXIT_FW_WA3, 1f
    mov     w0, #(SMCCC_ARCH_WORKAROUND_3 & 0xffff)
    movk    w0, #(SMCCC_ARCH_WORKAROUND_3 >> 16), lsl #16
    smc     #0
    b       4f                          /* WORKAROUND_3 covers WORKAROUND_1 */
1:  tbz     w22, #SPECTRE_EXIT_FW_WA1, 2f
    mov     w0, #(SMCCC_ARCH_WORKAROUND_1 & 0xffff)
    movk    w0, #(SMCCC_ARCH_WORKAROUND_1 >> 16), lsl #16
    smc     #0
2:  tbz     w22, #SPECTRE_EXIT_CLRBHB, 3f
    hint    #22                         /* CLRBHB (FEAT_CLRBHB), then ISB as Arm requires */
    isb
    b       4f
3:  ands    w2, w22, #SPECTRE_EXIT_LOOP_MASK
    b.eq    4f
    /* The branch history loop (Arm's Spectre-BHB whitepaper): as many taken branches as the
     * core's history holds, then the barriers that stop speculation past the loop. */
5:  b       6f
6:  subs    w2, w2, #1
    b.ne    5b
    dsb     nsh
    isb
4:  mov     x0, x21
    mov     x1, x23
    b       spectre_exit_done

/* void vcpu_enter(struct guest_regs *regs): run the guest, handling its exits (vcpu_exit),
 * until one needs vcpu_run. The caller has loaded the vCPU's system-register state. The
 * callee-saved registers are pushed once here, for every exit until then; SP_EL2 stays at
 * their frame while the guest runs (the exit path calls vcpu_exit there). */
FUNC(vcpu_enter)
    stp     x29, x30, [sp, #-ENTER_FRAME_SIZE]!
    stp     x19, x20, [sp, #16 * 1]
    stp     x21, x22, [sp, #16 * 2]
    stp     x23, x24, [sp, #16 * 3]
    stp     x25, x26, [sp, #16 * 4]
    stp     x27, x28, [sp, #16 * 5]
    str     x0, [sp, #ENTER_FRAME_REGS]
    /* x0 = the register file, already in the frame: the guest's registers, then ERET
     * (guest_enter_regs, beside the exit path that enters the guest again there). */
    b       guest_enter_regs
ENDFUNC(vcpu_enter)
