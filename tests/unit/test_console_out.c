/* core/console.c over a UART that is slower than its writers: no write waits for the UART once
 * output is deferred, a flooding VM loses its own output (and is told how much), the log and
 * other VMs keep their room, and nothing is reordered or lost on the way to a flush. The UART,
 * the timer and the CPU's registers are stand-ins defined here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/console.h"
#include "drivers/uart.h"
#include "drivers/timer.h"
#include "lib/byte_ring.h"

/* ---- stand-ins ---- */

static char uart_out[1 << 17];
static unsigned uart_len;
static unsigned fifo_room; /* bytes uart_try_putc() accepts before reporting the FIFO full */
static unsigned waits;     /* uart_putc() calls: a writer waiting for the UART */
static struct {
    uint64_t pad;
    unsigned id; /* CPU_LOCAL_ID_OFFSET */
} cpu_block;
static uint64_t now;
static struct hyp_timer *armed[4];
static unsigned nr_armed;

uint64_t host_sysreg_read(const char *name)
{
    return strcmp(name, "tpidr_el2") == 0 ? (uint64_t)(uintptr_t)&cpu_block : 0;
}
void host_sysreg_write(const char *name, uint64_t val) {}

static void uart_take(char c)
{
    assert_true(uart_len < sizeof(uart_out));
    uart_out[uart_len++] = c;
}
void uart_select(const struct uart_driver *d, uint64_t base) {}
void uart_putc(char c)
{
    waits++;
    uart_take(c);
}
bool uart_try_putc(char c)
{
    if (!fifo_room)
        return false;
    fifo_room--;
    uart_take(c);
    return true;
}

uint64_t timer_freq(void) { return 1000000; }
uint64_t timer_now(void) { return now; }
void timer_start(struct hyp_timer *t, uint64_t deadline, hyp_timer_fn fn, void *arg)
{
    t->deadline = deadline;
    t->fn = fn;
    if (!t->armed) {
        assert_true(nr_armed < 4);
        armed[nr_armed++] = t;
    }
    t->armed = true;
}
void timer_stop(struct hyp_timer *t) { t->armed = false; }

/* Runs every armed timer whose deadline has come, as the timer interrupt would. */
static void fire_timers(void)
{
    for (unsigned i = 0; i < nr_armed;) {
        struct hyp_timer *t = armed[i];
        if (t->armed && t->deadline <= now) {
            t->armed = false;
            armed[i] = armed[--nr_armed];
            t->fn(t);
            i = 0;
        } else {
            i++;
        }
    }
}

static log_sink_fn sink;
void log_set_sink(log_sink_fn s) { sink = s; }

/* ---- the tests ---- */

static const int vm_a, vm_b; /* the VMs' identities */
static struct console_out *a, *b;

static int setup(void **state)
{
    static bool once;
    if (!once) { /* the console is a singleton: one boot, the streams taken once */
        console_init(0, 0x9000000);
        console_smp_ready();
        console_defer_output();
        console_focus(&vm_a);
        a = console_out_get(&vm_a, "a");
        b = console_out_get(&vm_b, "b");
        once = true;
    }
    fifo_room = UINT32_MAX;
    console_flush();
    now += 10000000; /* past any pause: partial lines printed */
    fire_timers();
    console_flush();
    uart_len = 0;
    waits = 0;
    return 0;
}

static bool uart_has(const char *s)
{
    uart_out[uart_len] = 0;
    return strstr(uart_out, s) != NULL;
}

/* count lines of len bytes (c repeated, then a newline) from stream o. */
static void write_lines(struct console_out *o, char c, unsigned len, unsigned count)
{
    char line[256];
    assert_true(len <= sizeof(line));
    memset(line, c, len - 1);
    line[len - 1] = '\n';
    for (unsigned i = 0; i < count; i++)
        console_out_put(o, line, len);
}

/* The focused VM writes 40 KiB into a UART that takes nothing: every write returns at once, at
 * most three quarters of the ring is held, the rest is dropped, and once the UART moves again
 * the VM is told how much it lost. */
static void test_flood_never_waits(void **state)
{
    fifo_room = 0;
    write_lines(a, 'x', 64, 640);
    assert_int_equal(waits, 0);
    assert_int_equal(uart_len, 0);
    assert_true(nr_armed > 0); /* the timer will try again */
    /* The UART takes a little at each retry: at most one drain's worth per timer. */
    fifo_room = 100000;
    now += 1000000;
    fire_timers();
    assert_true(uart_len > 0 && uart_len <= 256);
    assert_int_equal(waits, 0);
    for (unsigned i = 0; i < 200 && nr_armed; i++) {
        now += 1000000;
        fire_timers();
    }
    assert_int_equal(nr_armed, 0);
    unsigned shown = uart_len;
    assert_true(shown < 40960 && shown >= BYTE_RING_SIZE / 2);
    console_out_put(a, "next\n", 5);
    console_flush();
    assert_true(uart_has("elvisor: VM 'a': "));
    assert_true(uart_has(" bytes of console output dropped (UART busy)\r\n"));
    assert_true(uart_has("x\r\nelvisor: VM 'a': ")); /* on a line of its own */
    assert_true(uart_has("[a] next\n"));
    assert_int_equal(waits, 0);
}

/* While a VM has filled its share of the ring, a log line still fits without waiting. */
static void test_log_keeps_its_room(void **state)
{
    fifo_room = 0;
    write_lines(b, 'y', 128, 200);
    sink("elvisor: a log line\n", 20);
    assert_int_equal(waits, 0);
    fifo_room = UINT32_MAX;
    console_flush();
    assert_true(uart_has("elvisor: a log line\r\n"));
    console_out_put(b, "\n", 1); /* the note on b's loss, not for the next test */
    console_flush();
}

/* What the UART gets is the terminal's text in order, whatever the FIFO's pace. */
static void test_order_kept(void **state)
{
    char want[4096] = "", got_text[4096];
    unsigned n = 0;
    for (unsigned i = 0; i < 100; i++) {
        char line[32];
        int len = snprintf(line, sizeof(line), "line %u\n", i);
        fifo_room = i % 7; /* the FIFO takes a few bytes now and then */
        console_out_put(b, line, (unsigned)len);
        n += (unsigned)snprintf(want + n, sizeof(want) - n, "[b] line %u\r\n", i);
        now += 1000;
        fire_timers();
    }
    fifo_room = UINT32_MAX;
    console_flush();
    assert_true(uart_len < sizeof(got_text));
    memcpy(got_text, uart_out, uart_len);
    got_text[uart_len] = 0;
    assert_string_equal(got_text, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_flood_never_waits, setup),
        cmocka_unit_test_setup(test_log_keeps_its_room, setup),
        cmocka_unit_test_setup(test_order_kept, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
