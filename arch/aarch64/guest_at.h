/* Guest virtual to intermediate physical address, by the hardware walker (AT S1E1R/S1E0R),
 * using the guest's own stage 1 tables as they are live on this CPU. */
#ifndef ARCH_GUEST_AT_H
#define ARCH_GUEST_AT_H

#include <stdint.h>
#include <stdbool.h>

/* Returns 0 and the IPA, or -1 when the guest's stage 1 has no valid mapping. */
int guest_va_to_ipa(uint64_t va, bool el0, bool write, uint64_t *ipa);

#endif
