/* The hardware walk of a guest's stage 1 tables (guest_at.c). The guest controls those tables:
 * a walk may take a synchronous external abort at EL2 (Arm ARM, "Address translation
 * instructions": an External abort on a translation table walk of an AT instruction may be
 * taken as a Data Abort rather than reported in PAR_EL1). The AT instructions lie between
 * guest_at_insns and guest_at_insns_end, so that the EL2 synchronous vector (vectors.S,
 * guest_at_fixup_check in guest_at.c) resumes such an abort at guest_at_fixup instead of
 * ending in the crash report. */
#include "arch/aarch64/asm.h"

/* uint64_t guest_at_walk(uint64_t va, unsigned op): PAR_EL1 after AT S1E1R (op 0), S1E1W (1),
 * S1E0R (2), S1E0W (3), or FEAT_PAN2's S1E1RP (4), S1E1WP (5) (vdev/nested_at.c calls those
 * only where the VM trapped one, so the CPU has them; spelled as SYS for an Armv8.0
 * assembler: op1 0, C7, C9, op2 0/1); ~0 (PAR_EL1.F set) if the walk was aborted. */
FUNC(guest_at_walk)
    cmp     w1, #1
    b.eq    1f
    cmp     w1, #2
    b.eq    2f
    cmp     w1, #3
    b.eq    3f
    cmp     w1, #4
    b.eq    4f
    cmp     w1, #5
    b.eq    5f
    .global guest_at_insns
guest_at_insns:
    at      s1e1r, x0
    b       9f
1:  at      s1e1w, x0
    b       9f
2:  at      s1e0r, x0
    b       9f
3:  at      s1e0w, x0
    b       9f
4:  sys     #0, c7, c9, #0, x0
    b       9f
5:  sys     #0, c7, c9, #1, x0
    .global guest_at_insns_end
guest_at_insns_end:
9:  isb
    mrs     x0, par_el1
    ret
    /* Entered by ERET from the synchronous vector (PSTATE.BTYPE is 0: no landing pad needed). */
    .global guest_at_fixup
guest_at_fixup:
    mov     x0, #-1
    ret
ENDFUNC(guest_at_walk)
