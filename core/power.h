#ifndef CORE_POWER_H
#define CORE_POWER_H

/* Powers the machine off through PSCI; if the firmware cannot, parks this CPU for good. Without
 * PSCI (a board whose CPUs start by spin-table) it says so and parks every CPU. */
void power_off(void) __attribute__((noreturn));
/* From the kick IPI's handler: parks this CPU when power_off found no PSCI. */
void power_park_if_halting(void);

#endif
