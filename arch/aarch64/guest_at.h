/* Guest virtual to intermediate physical address, by the hardware walker (AT S1E1R/S1E0R),
 * using the guest's own stage 1 tables as they are live on this CPU. */
#ifndef ARCH_GUEST_AT_H
#define ARCH_GUEST_AT_H

#include <stdint.h>
#include <stdbool.h>

/* Returns 0 and the IPA, or -1 when the guest's stage 1 has no valid mapping or its walk
 * faulted (tables outside its RAM or in Device memory, an external abort on the walk). */
int guest_va_to_ipa(uint64_t va, bool el0, bool write, uint64_t *ipa);

/* One AT instruction on the stage 1 regime live in the CPU's EL1 registers (and the stage 2 in
 * VTTBR_EL2 for its walks): PAR_EL1 as it leaves it (PAR_EL1 itself is left changed), or
 * GUEST_AT_ABORTED when the walk took an external abort. S1E1RP/S1E1WP need FEAT_PAN2. */
#define GUEST_AT_S1E1R   0u
#define GUEST_AT_S1E1W   1u
#define GUEST_AT_S1E0R   2u
#define GUEST_AT_S1E0W   3u
#define GUEST_AT_S1E1RP  4u
#define GUEST_AT_S1E1WP  5u
#define GUEST_AT_ABORTED (~UINT64_C(0))
uint64_t guest_at_raw(uint64_t va, unsigned op);

struct trap_frame;
/* From the EL2 synchronous vector: a data abort taken by one of guest_va_to_ipa's AT
 * instructions resumes as a failed walk (true, f->elr moved); anything else is a crash. */
bool guest_at_fixup_check(struct trap_frame *f);

#endif
