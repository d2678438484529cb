#ifndef CORE_SMP_H
#define CORE_SMP_H

/* Starts every CPU of the DTB through PSCI CPU_ON and waits (bounded) for each to report. */
void smp_start_secondaries(void);
void smp_report_online(unsigned id);
/* The per-CPU loop once boot is done: run vCPUs assigned here, else sleep. */
void smp_idle(void) __attribute__((noreturn));
unsigned smp_online_count(void);

#endif
