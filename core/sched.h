#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Each physical CPU's loop: run the vCPUs placed on it; sleep when none is runnable. */
void sched_loop(void) __attribute__((noreturn));
/* True when the calling CPU hosts more than one vCPU (time slices; WFI yields). */
bool sched_cpu_shared(void);
/* Length of a time slice, from the configuration (/vms time-slice-us). */
extern uint32_t sched_slice_us;

#endif
