/* Physical interrupts at EL2 and kicks between physical CPUs. */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

/* Makes physical CPU `cpu` leave its guest (if one runs there) and re-run its scheduler loop.
 * Placeholder until the GIC driver sends SGIs: an event (SEV) wakes an idle CPU but cannot
 * interrupt a running guest. */
void irq_kick_cpu(unsigned cpu);

#endif
