/* Secrets the hypervisor picks for itself (hash keys): 64 bits from RNDR (FEAT_RNG) where the
 * CPU has it, else from the physical counter and the calling CPU's identity, which a guest
 * cannot read at the moment of the call but could narrow down: a weaker fallback, said so in
 * docs/security.md. */
#ifndef CORE_ENTROPY_H
#define CORE_ENTROPY_H

#include <stdint.h>

uint64_t entropy_u64(void);

#endif
