#ifndef CORE_SCHED_H
#define CORE_SCHED_H

/* Each physical CPU's loop: run the vCPUs placed on it; sleep when none is runnable. */
void sched_loop(void) __attribute__((noreturn));

#endif
