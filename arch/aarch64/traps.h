/* Exception kinds and the frame the EL2 vectors save. Shared by vectors.S and C. */
#ifndef ARCH_TRAPS_H
#define ARCH_TRAPS_H

#include "arch/aarch64/regs/psr.h" /* the fields of trap_frame.spsr and guest_regs.pstate */

/* Exceptions taken from EL2 itself. */
#define TRAP_EL2_SP0    0
#define TRAP_EL2_SYNC   1
#define TRAP_EL2_IRQ    2
#define TRAP_EL2_FIQ    3
#define TRAP_EL2_SERROR 4

/* Exits from a guest: the kind the exit path gives vcpu_exit(). */
#define EXIT_SYNC    0
#define EXIT_IRQ     1
#define EXIT_FIQ     2
#define EXIT_SERROR  3
#define EXIT_AARCH32 4

#define TRAP_FRAME_SIZE (16 * 17)

/* Offsets in struct guest_regs that vectors.S uses beyond the registers. */
#define GUEST_REGS_PAUTH_LIVE 264
#define GUEST_REGS_APIA       272
#define GUEST_REGS_SIZE       288

/* What the exit path's dispatch of a synchronous exit reads around the register file
 * (vectors.S guest_exit_common): core's vCPU (core/vm.h struct vcpu) has the register file
 * first and these words right after it, and its exit table rows (core/exit.h struct exit_hook)
 * this layout; core checks both at build time. The dispatch goes to C (vcpu_exit) when the
 * word at VCPU_HCR_LIVE has HCR_EL2.VSE set or the one at VCPU_HW_SYNC is nonzero; else it calls
 * the row of ESR_EL2.EC in the table at VCPU_EXIT_TABLE, after adding one to the 64-bit counter
 * at VCPU_EXITS + 8 * the row's class; after a handler that resumes, back to C
 * (vcpu_exit_tail) when the per-CPU attention word (cpu_local.h) or the word at VCPU_HW_FLUSH
 * is nonzero, else straight into the guest. */
#define VCPU_HCR_LIVE       (GUEST_REGS_SIZE + 0)
#define VCPU_HW_SYNC        (GUEST_REGS_SIZE + 8)
#define VCPU_HW_FLUSH       (GUEST_REGS_SIZE + 16)
#define VCPU_EXIT_TABLE     (GUEST_REGS_SIZE + 24)
#define VCPU_EXITS          (GUEST_REGS_SIZE + 32)
#define EXIT_ROW_CLS        1 /* uint8_t: the exit class counted */
#define EXIT_ROW_FN         8 /* the handler, enum exit_result fn(struct vcpu *, uint64_t esr) */
#define EXIT_ROW_SIZE_SHIFT 4 /* 16 bytes a row */

#ifndef __ASSEMBLY__
#include <stdint.h>

/* Layout fixed by save_el2_frame in vectors.S. */
struct trap_frame {
    uint64_t x[31];
    uint64_t elr;
    uint64_t spsr;
    uint64_t sp; /* SP_EL2 at the time of the exception */
};
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap_frame layout");

/* A guest's general-purpose registers and return state; layout fixed by vectors.S. */
struct guest_regs {
    uint64_t x[31];
    uint64_t pc;     /* ELR_EL2 */
    uint64_t pstate; /* SPSR_EL2 */
    /* Pointer authentication (vdev/vpauth.c): EL2 signs its own return addresses with
     * instruction key A (branch_prot.h), and with HCR_EL2.E2H = 0 EL2 and EL1 share the key
     * registers. While pauth_live is nonzero the guest's key A is apia[]: vcpu_enter installs
     * it just before the ERET, and every exit saves it back here and reinstalls EL2's before any
     * EL2 code runs that signs or authenticates (vectors.S). The guest's other four keys are
     * never used by EL2 and are switched per vCPU load by the part. */
    uint64_t pauth_live;
    uint64_t apia[2]; /* APIAKeyLo_EL1, APIAKeyHi_EL1 */
};
_Static_assert(__builtin_offsetof(struct guest_regs, pauth_live) == GUEST_REGS_PAUTH_LIVE, "guest_regs layout");
_Static_assert(__builtin_offsetof(struct guest_regs, apia) == GUEST_REGS_APIA, "guest_regs layout");
_Static_assert(sizeof(struct guest_regs) == GUEST_REGS_SIZE, "guest_regs layout");

/* The hypervisor performed the trapped instruction of len bytes at regs->pc for the guest: the
 * guest resumes after it. PSTATE.SS is cleared so that a guest single-stepping that instruction
 * takes its software step exception right after it, as if it had executed it (Arm ARM D2.12.5,
 * "Entering the active-pending state": an ERET with SPSR.SS = 0); left set, the guest would
 * execute one more instruction before the step exception. */
static inline void guest_skip_insn(struct guest_regs *regs, unsigned len)
{
    regs->pc += len;
    regs->pstate &= ~PSR_SS;
}

/* Runs the guest whose register file is regs (its system registers loaded) and calls
 * vcpu_exit() after each of its exits, on this stack: while vcpu_exit returns regs, the guest is
 * entered again at once (the hypervisor's callee-saved registers stay saved); when it returns
 * NULL, vcpu_enter returns. vcpu_exit is core's (core/vcpu.c). */
void vcpu_enter(struct guest_regs *regs);
struct guest_regs *vcpu_exit(struct guest_regs *regs, unsigned kind);
/* vcpu_exit for an exit that is not synchronous (kind != EXIT_SYNC). */
struct guest_regs *vcpu_exit_async(struct guest_regs *regs, unsigned kind);
/* The rest of a synchronous exit after its handler resumed, when the dispatch in vectors.S
 * found the attention word or the flush word set (core/vcpu.c): regs to enter again, or NULL. */
struct guest_regs *vcpu_exit_tail(struct guest_regs *regs);
extern char el2_vectors[];

void el2_fatal_trap(struct trap_frame *f, unsigned kind) __attribute__((noreturn));
void el2_irq_handler(struct trap_frame *f, unsigned kind);
#endif

#endif
