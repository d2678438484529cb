/* Physical interrupts at EL2: dispatch to handlers registered by INTID, IPIs between physical
 * CPUs, ownership of SPIs given to VMs. The hypervisor runs with IRQs masked (PSTATE.I) and
 * takes interrupts by polling the GIC at the points where it can act on them: after a guest
 * exit (EXIT_IRQ), and when it waits (irq_wait, irq_vcpu_wait). */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include <stdint.h>
#include <stdbool.h>

struct vm;
struct vcpu;

/* SGIs the hypervisor sends to itself; guests' SGIs are virtual and never reach these. */
enum { IPI_KICK = 0 };

/* Handles physical interrupt intid, acknowledged and priority-dropped on this CPU. Returns true
 * when it handed the interrupt on still active (to a guest, through a list register's HW bit:
 * the guest's deactivation ends it), false to have it deactivated on return. */
typedef bool (*irq_handler_fn)(uint32_t intid, void *arg);

void irq_init(void);             /* boot CPU: distributor and handlers, before the secondaries */
void irq_cpu_init(unsigned cpu); /* every CPU: its GIC interface, timers, IPIs */
/* The boot banner's lines for the host ITS (drivers/gicv3_its.c) or GICv2m frame (drivers/gicv2m.c), if in use. */
void irq_banner(void);
/* fn(intid, arg) handles intid from now on (0: nobody; the interrupt is then deactivated and
 * counted as spurious). For the hypervisor's own interrupts, at boot; -1 if intid is out of
 * range. */
int irq_set_handler(uint32_t intid, irq_handler_fn fn, void *arg);
/* Acknowledges and handles every pending physical interrupt of this CPU. */
void irq_handle_pending(void);
/* Interrupts CPU cpu acknowledged with no handler (deactivated, nothing else done). */
uint64_t irq_spurious_count(unsigned cpu);
/* Makes physical CPU cpu leave its guest (if one runs there) or wake from irq_wait(), so that
 * it re-examines its vCPUs. Safe from any CPU, including cpu itself. */
void irq_kick_cpu(unsigned cpu);
void irq_kick_all(void);
/* Idle: sleeps until an interrupt (kick, timer, device) arrives and handles it. */
void irq_wait(void);
/* WFI of a guest: returns when v has an interrupt or event due (vcpu_has_work), it must stop,
 * or the CPU is kicked with nothing else to do (so the caller re-checks its own state). */
void irq_vcpu_wait(struct vcpu *v);
/* Gives physical SPI intid to vm (at VM creation): fn(intid, vm) handles it. -1 if it is not
 * a usable SPI, or has a handler already (the hypervisor's, or another VM's). */
int irq_claim_spi(uint32_t intid, irq_handler_fn fn, struct vm *vm);
/* A VM that is refused or ends gives its SPIs back: disabled, their handlers removed. */
void irq_release_spis(struct vm *vm);

#endif
