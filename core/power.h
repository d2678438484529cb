#ifndef CORE_POWER_H
#define CORE_POWER_H

/* Powers the machine off through PSCI; if the firmware cannot, parks this CPU for good. */
void power_off(void) __attribute__((noreturn));

#endif
