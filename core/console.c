/* The hypervisor console on the PL011: the log's sink and the VMs' console output, through one
 * terminal model (core/console_stream.h) under one lock, so that nothing interleaves.
 *
 * What the terminal model produces waits in a ring and goes to the UART only as fast as the
 * UART's FIFO takes it, a bounded number of bytes at a time, by whichever CPU wrote last or by
 * that CPU's timer while the FIFO is full: no exit ever waits for the UART (issue 13 item 6).
 * VM output may fill three quarters of the ring; what does not fit is dropped and counted
 * against the stream that wrote it, so a VM that floods its console loses its own output,
 * never another VM's time. The hypervisor's log may use the whole ring and waits for room. */
#include <stdbool.h>
#include "core/console.h"
#include "core/console_stream.h"
#include "core/config.h"
#include "drivers/uart.h"
#include "drivers/timer.h"
#include "lib/byte_ring.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/sysreg.h"

/* Every device of every VM could be a console. */
#define CONSOLE_STREAMS (CONFIG_MAX_VMS * VM_MAX_DEVICES)
#define VM_OUTPUT_LIMIT (BYTE_RING_SIZE / 4 * 3)
#define DRAIN_MAX       256  /* bytes to the UART per drain: the bound on one exit's share */
#define DRAIN_RETRY_US  1000 /* while the UART's FIFO is full */

struct console_out {
    struct console_stream s;
    const void *vm;
    bool used;
    bool timed; /* a partial line waits for deadline, watched by CPU cpu's timer */
    unsigned cpu;
    uint64_t deadline;
    uint64_t dropped; /* bytes the ring had no room for, not yet reported */
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

static struct byte_ring out_ring;
/* The stream whose text the terminal model is handing to emit(), NULL for the log (console
 * lock held). */
static struct console_out *writer;
static char last_queued = '\n'; /* the last byte the ring took */
/* Held by the one CPU moving bytes from the ring to the UART (the ring's consumer). */
static bool drain_busy;
/* Set once every CPU's timer runs: until then a writer waits for the UART, as a boot console
 * does, and its output is on the terminal when it returns. */
static bool drain_deferred;
static struct hyp_timer drain_timer[MAX_CPUS];

void console_smp_ready(void) { console_locking = true; }

void console_defer_output(void) { __atomic_store_n(&drain_deferred, true, __ATOMIC_RELAXED); }

static uint64_t lock(void)
{
    if (!console_locking)
        return 0;
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    return flags;
}

static void drain(void);

/* Every release of the lock moves what the holder put into the ring towards the UART. */
static void unlock(uint64_t flags)
{
    if (console_locking) {
        spin_unlock(&console_lock);
        irq_restore(flags);
    }
    drain();
}

static bool drain_claim(void) { return !__atomic_test_and_set(&drain_busy, __ATOMIC_ACQUIRE); }
static void drain_release(void) { __atomic_clear(&drain_busy, __ATOMIC_RELEASE); }

/* Drain owner: up to max bytes from the ring into the UART's FIFO, while it has room (or all
 * of them, waiting for the UART, if wait). Returns the bytes moved. */
static uint32_t drain_some(uint32_t max, bool wait)
{
    uint32_t moved = 0, n;
    const char *p;
    while (moved < max && (p = byte_ring_peek(&out_ring, &n), n)) {
        uint32_t i = 0;
        if (n > max - moved)
            n = max - moved;
        for (; i < n; i++)
            if (wait)
                uart_putc(p[i]);
            else if (!uart_try_putc(p[i]))
                break;
        byte_ring_take(&out_ring, i);
        moved += i;
        if (i < n)
            break; /* the FIFO is full */
    }
    return moved;
}

static void drain_fire(struct hyp_timer *t);

/* After writing into the ring, with the console lock released: moves what the UART takes now
 * and leaves the rest to this CPU's timer (see drain_deferred). */
static void drain(void)
{
    bool deferred = __atomic_load_n(&drain_deferred, __ATOMIC_RELAXED);
    uint32_t budget = DRAIN_MAX;
    while (byte_ring_used(&out_ring) && drain_claim()) {
        uint32_t moved = drain_some(deferred ? budget : UINT32_MAX, !deferred);
        drain_release();
        budget -= moved < budget ? moved : budget;
        if (!budget || !moved)
            break;
        /* Loop: bytes a CPU appended while this one held the drain are this one's to move. */
    }
    if (deferred && byte_ring_used(&out_ring)) {
        struct hyp_timer *t = &drain_timer[cpu_index()];
        uint64_t irq = irq_save();
        if (!t->armed)
            timer_start(t, timer_now() + timer_us_to_ticks(DRAIN_RETRY_US), drain_fire, 0);
        irq_restore(irq);
    }
}

static void drain_fire(struct hyp_timer *t) { drain(); }

/* Console lock held: the terminal model's output. */
static void emit(void *ctx, const char *s, unsigned len)
{
    if (!len)
        return;
    if (writer) {
        if (byte_ring_put(&out_ring, s, len, VM_OUTPUT_LIMIT))
            last_queued = s[len - 1];
        else
            writer->dropped += len;
        return;
    }
    last_queued = s[len - 1];
    /* The log waits for room, moving bytes itself when no other CPU is. */
    while (!byte_ring_put(&out_ring, s, len, BYTE_RING_SIZE)) {
        if (len > BYTE_RING_SIZE) {
            for (unsigned i = 0; i < len; i++)
                uart_putc(s[i]);
            return;
        }
        if (drain_claim()) {
            drain_some(len, true);
            drain_release();
        } else {
            cpu_relax();
        }
    }
}

void console_flush(void)
{
    /* A CPU stopped while holding the drain must not stop the last words: take it anyway
     * after a while (its bytes may then be printed twice, never lost). */
    for (unsigned spins = 0; spins < 1000000 && !drain_claim(); spins++)
        cpu_relax();
    drain_some(UINT32_MAX, true);
    drain_release();
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
    unlock(flags);
}

/* The log's recent lines, kept for the control channel's log request (docs/control.md). */
#define LOG_HISTORY 4096
static char log_history[LOG_HISTORY];
static uint64_t log_written; /* free-running count of bytes put into log_history */

void console_write(const char *s, unsigned len)
{
    uint64_t flags = lock();
    for (unsigned i = 0; i < len; i++)
        log_history[log_written++ % LOG_HISTORY] = s[i];
    console_term_log(&term, s, len);
    if (console_term_redraw_pending(&term))
        note_redraw(timer_now());
    unlock(flags);
}

size_t console_log_recent(char *buf, size_t size)
{
    uint64_t flags = lock();
    uint64_t n = log_written < LOG_HISTORY ? log_written : LOG_HISTORY;
    n = n < size ? n : size;
    uint64_t from = log_written - n;
    size_t skip = 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = log_history[(from + i) % LOG_HISTORY];
    /* Start at a whole line: unless the history starts at the very beginning, drop the
     * first, partial one. */
    if (from)
        while (skip < n && buf[skip++] != '\n')
            ;
    unlock(flags);
    memmove(buf, buf + skip, n - skip);
    return n - skip;
}

void console_init(const struct uart_driver *uart, uint64_t uart_base)
{
    uart_select(uart, uart_base);
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
    if (o->dropped && byte_ring_used(&out_ring) < VM_OUTPUT_LIMIT / 2) {
        char note[96];
        int n = ev_snprintf(note, sizeof(note), "elvisor: VM '%s': %lu bytes of console output dropped (UART busy)\n",
                            o->s.name, (unsigned long)o->dropped);
        if (last_queued != '\n')
            emit(0, "\r\n", 2); /* the text cut short may have ended mid-line */
        console_term_log(&term, note, n > 0 && (unsigned)n < sizeof(note) ? (unsigned)n : 0);
        o->dropped = 0;
    }
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
    unlock(flags);
}

void console_out_reset(struct console_out *o)
{
    uint64_t flags = lock();
    writer = o;
    console_stream_reset(&o->s);
    writer = 0;
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
