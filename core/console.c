/* The hypervisor console on the PL011: the log's sink and the VMs' console output, through one
 * terminal model (core/console_stream.h) under one lock, so that nothing interleaves. */
#include <stdbool.h>
#include "core/console.h"
#include "core/console_stream.h"
#include "core/config.h"
#include "drivers/pl011.h"
#include "drivers/timer.h"
#include "lib/spinlock.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/sysreg.h"

/* Every device of every VM could be a console. */
#define CONSOLE_STREAMS (CONFIG_MAX_VMS * VM_MAX_DEVICES)

struct console_out {
    struct console_stream s;
    const void *vm;
    bool used;
    bool timed; /* a partial line waits for deadline, watched by CPU cpu's timer */
    unsigned cpu;
    uint64_t deadline;
};

static spinlock_t console_lock = SPINLOCK_INIT;
/* Exclusive loads and stores need the MMU on (Normal memory); before the secondaries start
 * only one CPU prints, so no lock is needed. */
static bool console_locking;
static struct console_term term;
static struct console_out pool[CONSOLE_STREAMS];
static const void *focus_vm;
/* A focused line to draw again once the terminal is quiet (console_term_redraw_pending). */
static bool redraw_timed;
static unsigned redraw_cpu;
static uint64_t redraw_deadline;
/* Per CPU: wakes up for the pauses its own writes started. Timers belong to the CPU that arms
 * them (drivers/timer.h), and a VM's console may be written from any of its vCPUs' CPUs: each
 * CPU arms its own, and whichever fires first does all that is due. */
static struct hyp_timer idle_timer[MAX_CPUS];

void console_smp_ready(void) { console_locking = true; }

static uint64_t lock(void)
{
    if (!console_locking)
        return 0;
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    return flags;
}

static void unlock(uint64_t flags)
{
    if (!console_locking)
        return;
    spin_unlock(&console_lock);
    irq_restore(flags);
}

static void emit(void *ctx, const char *s, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        pl011_putc(s[i]);
}

static void idle_fire(struct hyp_timer *t);

/* Makes this CPU's timer fire by deadline (it may fire earlier: it then looks again). */
static void arm(uint64_t deadline)
{
    struct hyp_timer *t = &idle_timer[cpu_index()];
    if (!t->armed || t->deadline > deadline)
        timer_start(t, deadline, idle_fire, 0);
}

/* After anything was printed (console lock held): a focused line waiting to be drawn again
 * waits for a full pause from now. Only once VMs run: the log alone never has one. */
static void note_redraw(uint64_t now)
{
    if (!console_term_redraw_pending(&term))
        return;
    redraw_timed = true;
    redraw_cpu = cpu_index();
    redraw_deadline = now + timer_us_to_ticks(CONSOLE_IDLE_US);
    arm(redraw_deadline);
}

static void idle_fire(struct hyp_timer *t)
{
    uint64_t flags = lock();
    uint64_t now = timer_now(), next = UINT64_MAX;
    unsigned cpu = cpu_index();
    for (unsigned i = 0; i < CONSOLE_STREAMS; i++) {
        struct console_out *o = &pool[i];
        if (!o->used || !o->timed)
            continue;
        if (!console_stream_pending(&o->s)) {
            o->timed = false;
        } else if (o->deadline <= now) {
            console_stream_flush(&o->s);
            o->timed = false;
        } else if (o->cpu == cpu && o->deadline < next) {
            next = o->deadline;
        }
    }
    if (redraw_timed) {
        if (!console_term_redraw_pending(&term)) {
            redraw_timed = false;
        } else if (redraw_deadline <= now) {
            redraw_timed = false;
            console_term_redraw(&term);
        } else if (redraw_cpu == cpu && redraw_deadline < next) {
            next = redraw_deadline;
        }
    }
    note_redraw(now); /* a flush above may have ended a focused line */
    if (next != UINT64_MAX)
        arm(next);
    unlock(flags);
}

void console_write(const char *s, unsigned len)
{
    uint64_t flags = lock();
    console_term_log(&term, s, len);
    if (console_term_redraw_pending(&term))
        note_redraw(timer_now());
    unlock(flags);
}

void console_init(uint64_t uart_base)
{
    pl011_init(uart_base);
    console_term_init(&term, emit, 0);
    log_set_sink(console_write);
}

struct console_out *console_out_get(const void *vm, const char *name)
{
    struct console_out *o = 0;
    uint64_t flags = lock();
    for (unsigned i = 0; i < CONSOLE_STREAMS && !o; i++)
        if (!pool[i].used)
            o = &pool[i];
    if (o) {
        o->used = true;
        o->vm = vm;
        o->timed = false;
        console_stream_init(&o->s, &term, name, vm == focus_vm);
    }
    unlock(flags);
    return o;
}

void console_out_put(struct console_out *o, const char *buf, unsigned len)
{
    uint64_t flags = lock();
    uint64_t now = timer_now();
    console_stream_write(&o->s, buf, len);
    if (console_stream_pending(&o->s)) {
        o->timed = true;
        o->cpu = cpu_index();
        o->deadline = now + timer_us_to_ticks(CONSOLE_IDLE_US);
        arm(o->deadline);
    }
    note_redraw(now);
    unlock(flags);
}

void console_out_reset(struct console_out *o)
{
    uint64_t flags = lock();
    console_stream_reset(&o->s);
    o->timed = false;
    unlock(flags);
}

void console_out_release(struct console_out *o)
{
    uint64_t flags = lock();
    console_stream_detach(&o->s);
    o->used = false;
    o->timed = false;
    unlock(flags);
}

void console_focus(const void *vm)
{
    uint64_t flags = lock();
    focus_vm = vm;
    /* Off first, so that the newly focused VM's unfinished line is the last thing printed. */
    for (unsigned i = 0; i < CONSOLE_STREAMS; i++)
        if (pool[i].used && pool[i].vm != vm)
            console_stream_set_focus(&pool[i].s, false);
    for (unsigned i = 0; i < CONSOLE_STREAMS; i++)
        if (pool[i].used && pool[i].vm == vm)
            console_stream_set_focus(&pool[i].s, true);
    unlock(flags);
}
