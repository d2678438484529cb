/* core/console_plain.c, the console without CONFIG_CONSOLE_MUX (docs/build.md): each VM's
 * output on the terminal as it comes, each line after "[name] ", nothing that could drive the
 * terminal, and a line interrupted by other output ended and continued under its name. The
 * UART, the timer and the CPU's registers are stand-ins defined here. */
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

/* ---- stand-ins ---- */

static char uart_out[1 << 14];
static unsigned uart_len;
static struct {
    uint64_t pad;
    unsigned id; /* CPU_LOCAL_ID_OFFSET */
} cpu_block;

uint64_t host_sysreg_read(const char *name)
{
    return strcmp(name, "tpidr_el2") == 0 ? (uint64_t)(uintptr_t)&cpu_block : 0;
}
void host_sysreg_write(const char *name, uint64_t val) {}

void uart_select(const struct uart_driver *d, uint64_t base) {}
void uart_putc(char c)
{
    assert_true(uart_len < sizeof(uart_out) - 1);
    uart_out[uart_len++] = c;
}
bool uart_try_putc(char c)
{
    uart_putc(c);
    return true;
}
uint64_t timer_freq(void) { return 1000000; }
uint64_t timer_now(void) { return 0; }
void timer_start(struct hyp_timer *t, uint64_t deadline, hyp_timer_fn fn, void *arg) {}
void timer_stop(struct hyp_timer *t) {}

static log_sink_fn sink;
void log_set_sink(log_sink_fn s) { sink = s; }

/* ---- the tests ---- */

static const int vm_a, vm_b;
static struct console_out *a, *b;

/* Output goes to the UART before the writer returns (output not deferred: as at boot). */
static int setup(void **state)
{
    static bool once;
    if (!once) {
        console_init(0, 0x9000000);
        console_focus(&vm_a); /* no focus: changes nothing */
        a = console_out_get(&vm_a, "a");
        b = console_out_get(&vm_b, "bee");
        once = true;
    }
    console_out_reset(a);
    console_out_reset(b);
    uart_len = 0;
    return 0;
}

static const char *got(void)
{
    uart_out[uart_len] = 0;
    return uart_out;
}

static void put(struct console_out *o, const char *s) { console_out_put(o, s, (unsigned)strlen(s)); }

static void test_lines_prefixed_as_they_come(void **state)
{
    put(a, "hel");
    assert_string_equal(got(), "[a] hel"); /* a prompt shows at once */
    put(a, "lo\r\nworld\n");
    assert_string_equal(got(), "[a] hello\r\n[a] world\r\n");
}

static void test_nothing_drives_the_terminal(void **state)
{
    /* ESC[2J (erase), an OSC title, BEL, DEL, UTF-8 and the 8-bit CSI: each byte a '.'. */
    put(a, "x\033[2J\033]0;t\007\177\xc3\xa9\x9b"
           "6n\tq\bz\n");
    assert_string_equal(got(), "[a] x.[2J.]0;t.....6n\tq\bz\r\n");
}

static void test_interrupted_line_continues_under_its_name(void **state)
{
    put(a, "one ");
    put(b, "two\n");
    put(a, "three\n");
    assert_string_equal(got(), "[a] one \r\n[bee] two\r\n[a] three\r\n");
    uart_len = 0;
    put(b, "half");
    sink("elvisor: log line\n", 18);
    put(b, "rest\n");
    assert_string_equal(got(), "[bee] half\r\nelvisor: log line\r\n[bee] rest\r\n");
}

static void test_reset_ends_the_line(void **state)
{
    put(a, "partial");
    console_out_reset(a);
    put(a, "boot\n");
    assert_string_equal(got(), "[a] partial\r\n[a] boot\r\n");
}

static void test_released_stream_returns_to_pool(void **state)
{
    put(b, "bye");
    console_out_release(b);
    sink("x\n", 2);
    assert_string_equal(got(), "[bee] bye\r\nx\r\n");
    struct console_out *c = console_out_get(&vm_b, "c");
    assert_ptr_equal(c, b); /* the same slot again */
    put(c, "hi\n");
    assert_true(strstr(got(), "[c] hi\r\n") != NULL);
    b = c;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_lines_prefixed_as_they_come, setup),
        cmocka_unit_test_setup(test_nothing_drives_the_terminal, setup),
        cmocka_unit_test_setup(test_interrupted_line_continues_under_its_name, setup),
        cmocka_unit_test_setup(test_reset_ends_the_line, setup),
        cmocka_unit_test_setup(test_released_stream_returns_to_pool, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
