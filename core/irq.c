#include "arch/aarch64/traps.h"
#include "core/irq.h"

/* The hypervisor keeps IRQs masked at EL2 except where it waits for one; an IRQ that reaches
 * this vector has nobody to handle it yet, which is a bug worth a crash report. */
void el2_irq_handler(struct trap_frame *f, unsigned kind)
{
    el2_fatal_trap(f, kind);
}

void irq_kick_cpu(unsigned cpu)
{
    (void)cpu;
    __asm__ volatile("dsb ish; sev" ::: "memory");
}
