/* Physical interrupts at EL2: dispatch, IPIs between physical CPUs, ownership of SPIs given
 * to VMs. The hypervisor runs with IRQs masked (PSTATE.I) and takes interrupts by polling the
 * GIC at the points where it can act on them: after a guest exit (EXIT_IRQ), and when it waits
 * (irq_wait, irq_vcpu_wait). */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include <stdint.h>
#include <stdbool.h>

struct vm;
struct vcpu;

/* SGIs the hypervisor sends to itself; guests' SGIs are virtual and never reach these. */
enum { IPI_KICK = 0 };

void irq_init(void);             /* boot CPU: distributor, before the secondaries start */
void irq_cpu_init(unsigned cpu); /* every CPU: its GIC interface, timers, IPIs */
/* Acknowledges and handles every pending physical interrupt of this CPU. */
void irq_handle_pending(void);
/* Makes physical CPU cpu leave its guest (if one runs there) or wake from irq_wait(), so that
 * it re-examines its vCPUs. Safe from any CPU, including cpu itself. */
void irq_kick_cpu(unsigned cpu);
void irq_kick_all(void);
/* Idle: sleeps until an interrupt (kick, timer, device) arrives and handles it. */
void irq_wait(void);
/* WFI of a guest: returns when v has an interrupt to take, its timer expires, it must stop,
 * or the CPU is kicked with nothing else to do (so the caller re-checks its own state). */
void irq_vcpu_wait(struct vcpu *v);
/* Gives physical SPI intid to vm (at VM creation); -1 if it is not a usable SPI or taken. */
int irq_claim_spi(uint32_t intid, struct vm *vm);
struct vm *irq_spi_owner(uint32_t intid);
void irq_release_spis(struct vm *vm); /* a VM that is refused or ends gives its SPIs back */

#endif
