#ifndef CORE_POWER_H
#define CORE_POWER_H

#include <stdbool.h>

/* Powers the machine off through PSCI; if the firmware cannot, parks this CPU for good. Without
 * PSCI (a board whose CPUs start by spin-table) it says so and parks every CPU. */
void power_off(void) __attribute__((noreturn));
/* Set once the machine is going down without PSCI: every CPU parks at its next kick. */
extern bool power_parking;
void power_park(void) __attribute__((noreturn));
/* From the kick IPI's handler (every kick: inline, one load): parks this CPU when power_off
 * found no PSCI. */
static inline void power_park_if_halting(void)
{
    if (__builtin_expect(__atomic_load_n(&power_parking, __ATOMIC_ACQUIRE), 0))
        power_park();
}

#endif
