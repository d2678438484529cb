/* PSCI SYSTEM_RESET of a VM, done in bounded steps (issue 13 item 5). */
#ifndef CORE_VM_RESET_H
#define CORE_VM_RESET_H

#include <stdbool.h>

struct vcpu;

/* RAM zeroed per step: the longest the reset holds its CPU between two scheduling points. */
#define VM_RESET_STEP (2UL << 20)

/* After v left its CPU: starts the reset v asked for, if it did (vmm_request_reset). */
void vm_reset_begin(struct vcpu *v);
/* One step of each reset this CPU is doing; sched_loop calls it while this_cpu()->resets. */
void vm_reset_work(void);
/* From any CPU (the control channel, core/control.c): resets vm, or with stop only quiesces
 * its devices and leaves it stopped, in the same bounded steps, done by the CPU of its vCPU 0.
 * A stopped VM is started this way. -1 if a reset is already under way. */
struct vm;
int vm_reset_request(struct vm *vm, bool stop);

#endif
