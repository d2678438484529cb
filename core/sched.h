#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include "core/percpu.h"

struct vcpu;

/* Each physical CPU's loop: run the vCPUs placed on it; sleep when none is runnable. */
void sched_loop(void) __attribute__((noreturn));
/* sched_loop's choice on physical CPU cpu: the next eligible vCPU placed there in a running VM,
 * round-robin from *cursor (moved past it), or 0 with *someone_waits set if one of them waits
 * in WFI for an interrupt. A vCPU given CPU_ON becomes runnable here. */
struct vcpu *sched_pick(unsigned cpu, unsigned *cursor, bool *someone_waits);
/* True when the calling CPU hosts more than one vCPU (time slices; WFI yields). Inline: read
 * at every vCPU load (core/vcpu.c guest_hcr). */
static inline bool sched_cpu_shared(void) { return this_cpu()->sharing > 1; }
/* Length of a time slice, from the configuration (/vms time-slice-us). */
extern uint32_t sched_slice_us;

#endif
