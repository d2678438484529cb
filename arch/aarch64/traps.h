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
extern char el2_vectors[];

void el2_fatal_trap(struct trap_frame *f, unsigned kind) __attribute__((noreturn));
void el2_irq_handler(struct trap_frame *f, unsigned kind);
#endif

#endif
