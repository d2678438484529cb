/* The hypervisor console on the UART: the log's sink and the VMs' console output, under one
 * lock, so that nothing interleaves. What a VM's output looks like on the terminal is the
 * terminal model's (core/console_term.h: console_mux.c or console_plain.c); this file holds
 * what both share.
 *
 * What the terminal model produces waits in a ring and goes to the UART only as fast as the
 * UART's FIFO takes it, a bounded number of bytes at a time, by whichever CPU wrote last or by
 * that CPU's timer while the FIFO is full: no exit ever waits for the UART (issue 13 item 6).
 * VM output may fill three quarters of the ring; what does not fit is dropped and counted
 * against the stream that wrote it, so a VM that floods its console loses its own output,
 * never another VM's time. The hypervisor's log may use the whole ring and waits for room. */
#include <stdbool.h>
#include "core/console.h"
#include "core/console_term.h"
#include "drivers/uart.h"
#include "drivers/timer.h"
#include "lib/byte_ring.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/sysreg.h"

#define VM_OUTPUT_LIMIT (BYTE_RING_SIZE / 4 * 3)
#define DRAIN_MAX       256  /* bytes to the UART per drain: the bound on one exit's share */
#define DRAIN_RETRY_US  1000 /* while the UART's FIFO is full */

static spinlock_t lock = SPINLOCK_INIT;
/* Exclusive loads and stores need the MMU on (Normal memory); before the secondaries start
 * only one CPU prints, so no lock is needed. */
static bool locking;

static struct byte_ring out_ring;
static char last_queued = '\n'; /* the last byte the ring took */
/* Held by the one CPU moving bytes from the ring to the UART (the ring's consumer). */
static bool drain_busy;
/* Set once every CPU's timer runs: until then a writer waits for the UART, as a boot console
 * does, and its output is on the terminal when it returns. */
static bool drain_deferred;
static struct hyp_timer drain_timer[MAX_CPUS];

void console_smp_ready(void) { locking = true; }

void console_defer_output(void) { __atomic_store_n(&drain_deferred, true, __ATOMIC_RELAXED); }

uint64_t console_lock(void)
{
    if (!locking)
        return 0;
    uint64_t flags = irq_save();
    spin_lock(&lock);
    return flags;
}

static void drain(void);

void console_unlock(uint64_t flags)
{
    if (locking) {
        spin_unlock(&lock);
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

void console_emit(uint64_t *dropped, const char *s, unsigned len)
{
    if (!len)
        return;
    if (dropped) {
        if (byte_ring_put(&out_ring, s, len, VM_OUTPUT_LIMIT))
            last_queued = s[len - 1];
        else
            *dropped += len;
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

void console_report_dropped(const char *name, uint64_t *dropped)
{
    if (!*dropped || byte_ring_used(&out_ring) >= VM_OUTPUT_LIMIT / 2)
        return;
    char note[96];
    int n = ev_snprintf(note, sizeof(note), "elvisor: VM '%s': %lu bytes of console output dropped (UART busy)\n", name,
                        (unsigned long)*dropped);
    if (last_queued != '\n')
        console_emit(0, "\r\n", 2); /* the text cut short may have ended mid-line */
    console_term_log_text(note, n > 0 && (unsigned)n < sizeof(note) ? (unsigned)n : 0);
    *dropped = 0;
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

/* The log's recent lines, kept for the control channel's log request (docs/control.md). */
#define LOG_HISTORY 4096
static char log_history[LOG_HISTORY];
static uint64_t log_written; /* free-running count of bytes put into log_history */

void console_write(const char *s, unsigned len)
{
    uint64_t flags = console_lock();
    for (unsigned i = 0; i < len; i++)
        log_history[log_written++ % LOG_HISTORY] = s[i];
    console_term_log_text(s, len);
    console_unlock(flags);
}

size_t console_log_recent(char *buf, size_t size)
{
    uint64_t flags = console_lock();
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
    console_unlock(flags);
    memmove(buf, buf + skip, n - skip);
    return n - skip;
}

void console_init(const struct uart_driver *uart, uint64_t uart_base)
{
    uart_select(uart, uart_base);
    console_term_setup();
    log_set_sink(console_write);
}
