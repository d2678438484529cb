/* Guest virtual to intermediate physical address, by the hardware walker (AT S1E1R/S1E0R),
 * using the guest's own stage 1 tables as they are live on this CPU. */
#ifndef ARCH_GUEST_AT_H
#define ARCH_GUEST_AT_H

#include <stdint.h>
#include <stdbool.h>

/* Returns 0 and the IPA, or -1 when the guest's stage 1 has no valid mapping or its walk
 * faulted (tables outside its RAM or in Device memory, an external abort on the walk). */
int guest_va_to_ipa(uint64_t va, bool el0, bool write, uint64_t *ipa);

struct trap_frame;
/* From the EL2 synchronous vector: a data abort taken by one of guest_va_to_ipa's AT
 * instructions resumes as a failed walk (true, f->elr moved); anything else is a crash. */
bool guest_at_fixup_check(struct trap_frame *f);

#endif
