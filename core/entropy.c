/* core/entropy.h */
#include "core/entropy.h"
#include "arch/aarch64/rng.h"
#include "arch/aarch64/sysreg.h"

/* splitmix64's finaliser: spreads the counter's changing low bits over all 64. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t entropy_u64(void)
{
    uint64_t r;
    if (cpu_has_rndr() && rndr_read_retry(&r))
        return r;
    return mix(sysreg_read(cntpct_el0) ^ mix(sysreg_read(mpidr_el1)));
}
