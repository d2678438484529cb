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

#endif
