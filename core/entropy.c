/* core/entropy.h */
#include "core/entropy.h"
#include "arch/aarch64/rng.h"
#include "arch/aarch64/sysreg.h"

#define RNDR_RETRIES 16

/* splitmix64's finaliser: spreads the counter's changing low bits over all 64. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t entropy_u64(void)
{
    if (cpu_has_rndr())
        for (unsigned i = 0; i < RNDR_RETRIES; i++) {
            uint64_t r;
            if (rndr_read(&r))
                return r;
        }
    return mix(sysreg_read(cntpct_el0) ^ mix(sysreg_read(mpidr_el1)));
}
