/* The hypervisor's own timer: the EL2 physical timer (CNTHP_*_EL2) of each physical CPU,
 * multiplexed into one-shot software timers. A timer belongs to the CPU that starts it: start,
 * stop and the callback all run on that CPU, with IRQs masked (as all hypervisor code does),
 * so no lock is needed and nothing is allocated: the caller owns the struct. */
#ifndef DRIVERS_TIMER_H
#define DRIVERS_TIMER_H

#include <stdint.h>
#include <stdbool.h>

struct hyp_timer;
typedef void (*hyp_timer_fn)(struct hyp_timer *t);

struct hyp_timer {
    uint64_t deadline; /* physical counter (CNTPCT_EL0) value */
    hyp_timer_fn fn;
    void *arg; /* for the callback */
    struct hyp_timer *next;
    bool armed;
};

/* Boot CPU, once, before timer_cpu_init(): the EL2 physical timer's PPI (INTID), 0 if none. */
void timer_init(uint32_t hyp_ppi);
/* Per CPU: the EL2 physical timer off, its PPI enabled. */
void timer_cpu_init(void);
/* The physical counter and its frequency (CNTFRQ_EL0, the same for guests). */
uint64_t timer_now(void);
uint64_t timer_freq(void);
static inline uint64_t timer_us_to_ticks(uint64_t us) { return us * timer_freq() / 1000000; }
/* Arms t on the calling CPU to call fn at deadline (re-arming an armed timer moves it). A
 * deadline in the past fires at the next interrupt dispatch. */
void timer_start(struct hyp_timer *t, uint64_t deadline, hyp_timer_fn fn, void *arg);
void timer_stop(struct hyp_timer *t);
/* The hypervisor timer PPI fired: run every expired callback, re-arm for the next. */
void timer_handle_irq(void);

#endif
