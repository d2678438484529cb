/* EL2 physical timer (Arm ARM D11.2 "The generic timer"; CNTHP_CTL_EL2, fields CNT_CTL_* of
 * regs/timer.h; CNTHP_CVAL_EL2 the compare value against CNTPCT_EL0). */
#include "drivers/timer.h"
#include "drivers/gic.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/timer.h"

static struct hyp_timer *queue[MAX_CPUS]; /* sorted by deadline, per CPU (cpu_index()) */
static uint64_t freq;
static uint32_t hyp_ppi; /* the EL2 physical timer's PPI; 0 when the DTB names none */

void timer_init(uint32_t ppi) { hyp_ppi = ppi; }

uint64_t timer_now(void)
{
    isb(); /* not read early, before the instructions that precede it (D11.2.2) */
    return sysreg_read(cntpct_el0);
}

uint64_t timer_freq(void)
{
    if (!freq)
        freq = sysreg_read(cntfrq_el0);
    return freq;
}

void timer_cpu_init(void)
{
    sysreg_write(cnthp_ctl_el2, CNT_CTL_IMASK);
    isb();
    if (hyp_ppi) {
        gic_irq_set_priority(hyp_ppi, GIC_PRIO_HYP);
        gic_irq_enable(hyp_ppi);
    }
    (void)timer_freq();
}

static void program(unsigned cpu)
{
    struct hyp_timer *first = queue[cpu];
    if (!first) {
        sysreg_write(cnthp_ctl_el2, CNT_CTL_IMASK);
    } else {
        sysreg_write(cnthp_cval_el2, first->deadline);
        sysreg_write(cnthp_ctl_el2, CNT_CTL_ENABLE);
    }
    isb();
}

static void unlink(unsigned cpu, struct hyp_timer *t)
{
    for (struct hyp_timer **pp = &queue[cpu]; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->armed = false;
    t->next = 0;
}

void timer_start(struct hyp_timer *t, uint64_t deadline, hyp_timer_fn fn, void *arg)
{
    unsigned cpu = cpu_index();
    uint64_t flags = irq_save();
    if (t->armed)
        unlink(cpu, t);
    t->deadline = deadline;
    t->fn = fn;
    t->arg = arg;
    struct hyp_timer **pp = &queue[cpu];
    while (*pp && (*pp)->deadline <= deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = true;
    program(cpu);
    irq_restore(flags);
}

void timer_stop(struct hyp_timer *t)
{
    uint64_t flags = irq_save();
    if (t->armed) {
        unsigned cpu = cpu_index();
        unlink(cpu, t);
        program(cpu);
    }
    irq_restore(flags);
}

void timer_handle_irq(void)
{
    unsigned cpu = cpu_index();
    uint64_t now = timer_now();
    struct hyp_timer *t;
    while ((t = queue[cpu]) && t->deadline <= now) {
        unlink(cpu, t);
        t->fn(t);
    }
    program(cpu);
}
