/* The console's terminal model with CONFIG_CONSOLE_MUX (core/console_term.h): each console
 * device of a VM is a stream from a pool, filtered and put on the terminal as
 * core/console_stream.h says: the VM with the input focus (core/console_input.c) as it comes,
 * the others a line at a time, a partial line printed after CONSOLE_IDLE_US without output; a
 * focused VM's unfinished line ended by other output is drawn again after the same pause. */
#include <stdbool.h>
#include "core/console.h"
#include "core/console_stream.h"
#include "core/console_term.h"
#include "core/config.h"
#include "drivers/timer.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"

struct console_out {
    struct console_stream s;
    const void *vm;
    bool used;
    bool timed; /* a partial line waits for deadline, watched by CPU cpu's timer */
    unsigned cpu;
    uint64_t deadline;
    uint64_t dropped; /* bytes the ring had no room for, not yet reported */
};

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

/* The stream whose text the terminal model is handing to emit(), NULL for the log (console
 * lock held). */
static struct console_out *writer;

/* Console lock held: the terminal model's output. */
static void emit(void *ctx, const char *s, unsigned len) { console_emit(writer ? &writer->dropped : 0, s, len); }

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
    uint64_t flags = console_lock();
    uint64_t now = timer_now(), next = UINT64_MAX;
    unsigned cpu = cpu_index();
    for (unsigned i = 0; i < CONSOLE_STREAMS; i++) {
        struct console_out *o = &pool[i];
        if (!o->used || !o->timed)
            continue;
        if (!console_stream_pending(&o->s)) {
            o->timed = false;
        } else if (o->deadline <= now) {
            writer = o;
            console_stream_flush(&o->s);
            writer = 0;
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
    console_unlock(flags);
}

void console_term_setup(void) { console_term_init(&term, emit, 0); }

void console_term_log_text(const char *s, unsigned len)
{
    console_term_log(&term, s, len);
    if (console_term_redraw_pending(&term))
        note_redraw(timer_now());
}

struct console_out *console_out_get(const void *vm, const char *name)
{
    struct console_out *o = 0;
    uint64_t flags = console_lock();
    for (unsigned i = 0; i < CONSOLE_STREAMS && !o; i++)
        if (!pool[i].used)
            o = &pool[i];
    if (o) {
        o->used = true;
        o->vm = vm;
        o->timed = false;
        console_stream_init(&o->s, &term, name, vm == focus_vm);
    }
    console_unlock(flags);
    return o;
}

void console_out_put(struct console_out *o, const char *buf, unsigned len)
{
    uint64_t flags = console_lock();
    uint64_t now = timer_now();
    console_report_dropped(o->s.name, &o->dropped);
    writer = o;
    console_stream_write(&o->s, buf, len);
    writer = 0;
    if (console_stream_pending(&o->s)) {
        o->timed = true;
        o->cpu = cpu_index();
        o->deadline = now + timer_us_to_ticks(CONSOLE_IDLE_US);
        arm(o->deadline);
    }
    note_redraw(now);
    console_unlock(flags);
}

void console_out_reset(struct console_out *o)
{
    uint64_t flags = console_lock();
    writer = o;
    console_stream_reset(&o->s);
    writer = 0;
    o->timed = false;
    console_unlock(flags);
}

void console_out_release(struct console_out *o)
{
    uint64_t flags = console_lock();
    console_stream_detach(&o->s);
    o->used = false;
    o->timed = false;
    console_unlock(flags);
}

void console_focus(const void *vm)
{
    uint64_t flags = console_lock();
    focus_vm = vm;
    /* Off first, so that the newly focused VM's unfinished line is the last thing printed. */
    for (unsigned i = 0; i < CONSOLE_STREAMS; i++)
        if (pool[i].used && pool[i].vm != vm)
            console_stream_set_focus(&pool[i].s, false);
    for (unsigned i = 0; i < CONSOLE_STREAMS; i++)
        if (pool[i].used && pool[i].vm == vm)
            console_stream_set_focus(&pool[i].s, true);
    console_unlock(flags);
}
