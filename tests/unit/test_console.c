/* core/console_stream.c: what reaches the operator's terminal from a VM's console output. Each
 * test writes what a guest would and compares the exact bytes the terminal gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/console_stream.h"

static char got[8192];
static unsigned got_len;

static void capture(void *ctx, const char *s, unsigned len)
{
    assert_true(got_len + len < sizeof(got));
    memcpy(got + got_len, s, len);
    got_len += len;
}

static struct console_term term;
static struct console_stream a, b, a2;

/* Fails unless the terminal got exactly want since the last check. */
static void expect(const char *want)
{
    got[got_len] = 0;
    if (strlen(want) != got_len || memcmp(want, got, got_len) != 0) {
        fail_msg("terminal got \"%s\" (%u bytes), want \"%s\"", got, got_len, want);
    }
    got_len = 0;
}

static void wr(struct console_stream *s, const char *text) { console_stream_write(s, text, (unsigned)strlen(text)); }

/* One byte per write: every sequence split at every point. */
static void wr_bytes(struct console_stream *s, const char *text)
{
    for (; *text; text++)
        console_stream_write(s, text, 1);
}

/* Each sequence, written whole and then a byte per write, reaches the terminal unchanged
 * (passes) or not at all. */
static void each_sequence(const char *const *seqs, unsigned n, bool passes)
{
    wr(&a, "x");
    expect("[linux1] x");
    for (unsigned i = 0; i < n; i++) {
        wr(&a, seqs[i]);
        expect(passes ? seqs[i] : "");
        wr_bytes(&a, seqs[i]);
        expect(passes ? seqs[i] : "");
    }
}

#define N_OF(arr) (unsigned)(sizeof(arr) / sizeof((arr)[0]))

static int setup(void **state)
{
    got_len = 0;
    console_term_init(&term, capture, NULL);
    console_stream_init(&a, &term, "linux1", true);  /* has the focus */
    console_stream_init(&a2, &term, "linux1", true); /* a second console of the same VM */
    console_stream_init(&b, &term, "linux2", false);
    return 0;
}

/* ---- the focused VM ---- */

static void test_prompt_shows_at_once(void **state)
{
    wr(&a, "~ # ");
    expect("[linux1] ~ # ");
    wr(&a, "l");
    expect("l");
    wr(&a, "s");
    expect("s");
    wr(&a, "\r\n");
    expect("\r\n");
}

static void test_prefix_at_each_line_start(void **state)
{
    wr(&a, "one\r\ntwo\nthree\r\n\r\nfour");
    expect("[linux1] one\r\n[linux1] two\n[linux1] three\r\n\r\n[linux1] four");
    /* After CR alone the line is written again from its start: the prefix too. */
    wr(&a, "\r~ # ls");
    expect("\r[linux1] ~ # ls");
}

static void test_line_editing_csi_passes(void **state)
{
    static const char *const pass[] = {
        "\x1b[K", "\x1b[0K", "\x1b[1K",    "\x1b[2K",        "\x1b[J",  "\x1b[0J",     "\x1b[2J",
        "\x1b[A", "\x1b[3B", "\x1b[12C",   "\x1b[1D",        "\x1b[H",  "\x1b[10;20H", "\x1b[5;1f",
        "\x1b[m", "\x1b[0m", "\x1b[1;32m", "\x1b[38;5;208m", "\x1b[;H",
    };
    each_sequence(pass, N_OF(pass), true);
}

static void test_queries_and_other_csi_dropped(void **state)
{
    static const char *const drop[] = {
        "\x1b[6n",     "\x1b[5n",
        "\x1b[c",      "\x1b[>c",
        "\x1b[=c",     "\x1b[3J",
        "\x1b[4K",     "\x1b[?25l",
        "\x1b[?1049h", "\x1b[18t",
        "\x1b[21t",    "\x1b[2 q",
        "\x1b[12345A", "\x1b[1;2A",
        "\x1b[1;2;3H", "\x1b[4i",
        "\x1b[5i",     "\x1b[1;3r",
        "\x1b[0x",     "\x1b[?6n",
        "\x1b[1:2m",   "\x1b[0;3J",
        "\x1b[s",      "\x1b[u",
        "\x1b[2L",     "\x1b[9999999999999999999999999999999m",
    };
    each_sequence(drop, N_OF(drop), false);
    wr(&a, "y");
    expect("y");
}

/* busybox asks for the cursor position after each prompt: the question must not reach the
 * terminal (its answer would come back as typed input) nor show as text. */
static void test_busybox_prompt_without_cursor_query(void **state)
{
    wr(&a, "\r\n~ # \x1b[6n");
    expect("\r\n[linux1] ~ # ");
}

static void test_control_strings_dropped(void **state)
{
    static const char *const drop[] = {
        "\x1b]0;evil title\a",
        "\x1b]2;evil title\x1b\\",
        "\x1b]52;c;ZWNobyBwd25lZA==\a", /* clipboard write */
        "\x1b]8;;http://x/\x1b\\",
        "\x1bPq#0;2;0;0;0#1!14@\x1b\\", /* DCS (sixel) */
        "\x1bP$q\"p\x1b\\",             /* DECRQSS: a query */
        "\x1bXsos\x1b\\",
        "\x1b^pm\x1b\\",
        "\x1b_apc\x1b\\",
        "\x1b]0;a\x18",                  /* cancelled by CAN */
        "\x1b]0;\xc3\xa9\x9c\xc2\x9c\a", /* no C1 ST in UTF-8: ends at BEL only */
    };
    each_sequence(drop, N_OF(drop), false);
    /* Text after a string is text again. */
    wr_bytes(&a, "\x1b]0;t\aok");
    expect("ok");
}

static void test_escape_inside_string_starts_a_sequence(void **state)
{
    wr(&a, "x\x1b]0;title\x1b[6nA\x1b]0;t\x1b[Kz");
    expect("[linux1] xA\x1b[Kz");
}

static void test_other_escape_sequences_dropped(void **state)
{
    wr(&a, "x\x1b"
           "c\x1b"
           "7\x1b"
           "8\x1b(B\x1b#8\x1b=\x1b>y");
    expect("[linux1] xy");
    /* ESC ESC [ K: the second ESC starts the sequence again. */
    wr(&a, "\x1b\x1b[K");
    expect("\x1b[K");
}

static void test_cancel_and_controls_inside_sequences(void **state)
{
    wr(&a, "x\x1b[12\x18y\x1b[3\x1az");
    expect("[linux1] xyz");
    /* A control character cuts a sequence short and is taken itself. */
    wr(&a, "\x1b[1\r");
    expect("\r");
    wr(&a, "\x1b(\nq");
    expect("\n[linux1] q");
    /* A CSI too long to keep is dropped whole, with its final byte. */
    wr(&a, "\x1b[11111111111111111111111111111111111111111111111111mw");
    expect("w");
}

static void test_controls(void **state)
{
    wr(&a, "a\tb\bc\a");
    expect("[linux1] a\tb\bc\a");
    wr(&a, "\x01\x02\x0b\x0c\x0e\x7f\x1c");
    expect(".......");
}

static void test_utf8(void **state)
{
    wr(&a, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    expect("[linux1] caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    wr_bytes(&a, "\xe2\x82\xac");
    expect("\xe2\x82\xac");
    /* Not UTF-8: one '.' per ill-formed part, then the next byte on its own. */
    wr(&a, "\xff|\xc0\xaf|\xe0\x80\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf5|\x80|\xe2\x82X|\xc3");
    expect(".|..|...|...|....|.|.|.X|");
    wr(&a, "Y");
    expect(".Y");
    /* C1 controls, raw or encoded (CSI as 0x9b, U+009B), are not controls on the terminal. */
    wr(&a, "\x9b"
           "6n\xc2\x9b"
           "6n\xc2\x85\xc2\xa0");
    expect(".6n.6n.\xc2\xa0");
}

/* ---- unfocused VMs: whole lines, no control function ---- */

static void test_unfocused_line_buffered(void **state)
{
    wr(&b, "hello ");
    wr(&b, "world");
    expect("");
    assert_true(console_stream_pending(&b));
    wr(&b, "\r\n");
    expect("[linux2] hello world\r\n");
    assert_false(console_stream_pending(&b));
    wr(&b, "a\nb\n\n");
    expect("[linux2] a\r\n[linux2] b\r\n[linux2] \r\n");
}

static void test_unfocused_sanitised(void **state)
{
    wr(&b, "~ # \x1b[6n\x1b[1;32mgreen\x1b[0m\x1b]0;t\a\bx\ay\x01\tz\r\xc2\x9b\xc3\xa9\n");
    expect("[linux2] ~ # green.x.y.\tz.\xc3\xa9\r\n");
}

static void test_unfocused_long_line_wraps(void **state)
{
    /* CONSOLE_LINE_MAX - 1 x's, then a 2-byte character that does not fit: it starts the next
     * line whole. */
    char line[CONSOLE_LINE_MAX + 8], want[CONSOLE_LINE_MAX + 32];
    memset(line, 'x', sizeof(line));
    line[CONSOLE_LINE_MAX - 1] = '\xc3';
    line[CONSOLE_LINE_MAX] = '\xa9';
    console_stream_write(&b, line, sizeof(line));
    snprintf(want, sizeof(want), "[linux2] %.*s\r\n", CONSOLE_LINE_MAX - 1, line);
    expect(want);
    wr(&b, "\n");
    expect("[linux2] \xc3\xa9xxxxxxx\r\n");
}

static void test_unfocused_partial_line_flushed(void **state)
{
    wr(&b, "~ # ");
    console_stream_flush(&b);
    expect("[linux2] ~ # \r\n");
    assert_false(console_stream_pending(&b));
    console_stream_flush(&b);
    expect("");
    /* The end of a line a pause printed whole adds nothing; a line completed after a pause
     * printed its start is printed whole (a test's search finds it in one piece); a second
     * pause prints only what the first did not. */
    wr(&b, "\n");
    expect("");
    wr(&b, "abc");
    console_stream_flush(&b);
    wr(&b, "de");
    console_stream_flush(&b);
    wr(&b, "f\n");
    expect("[linux2] abc\r\n[linux2] de\r\n[linux2] abcdef\r\n");
}

/* ---- focus ---- */

static void test_focus_gain_shows_unfinished_line(void **state)
{
    wr(&b, "~ # ");
    console_stream_flush(&b);
    expect("[linux2] ~ # \r\n");
    console_stream_set_focus(&a, false);
    console_stream_set_focus(&b, true);
    expect("[linux2] ~ # ");
    wr(&b, "l");
    expect("l");
    assert_false(console_stream_pending(&b));
}

static void test_focus_loss_ends_the_line(void **state)
{
    wr(&a, "~ # ");
    expect("[linux1] ~ # ");
    console_stream_set_focus(&a, false);
    wr(&a, "abc");
    expect("");
    console_term_log(&term, "msg\n", 4);
    expect("\r\nmsg\r\n");
    wr(&a, "\n");
    expect("[linux1] ~ # abc\r\n"); /* the line whole: its start was on the terminal */
    /* A sequence begun while focused is still dropped when it ends unfocused. */
    console_stream_set_focus(&a, true);
    wr(&a, "x\x1b]0;ti");
    console_stream_set_focus(&a, false);
    wr(&a, "tle\ay\n");
    expect("[linux1] x\r\n[linux1] xy\r\n");
}

static void test_prompt_shown_again_when_focus_returns(void **state)
{
    wr(&a, "guest# ");
    expect("[linux1] guest# ");
    console_stream_set_focus(&a, false);
    console_stream_set_focus(&b, true);
    assert_false(console_stream_pending(&a)); /* on the terminal already: no flush */
    console_term_log(&term, "elvisor: input now goes to VM 'linux2'\n", 39);
    expect("\r\nelvisor: input now goes to VM 'linux2'\r\n");
    console_stream_set_focus(&b, false);
    console_stream_set_focus(&a, true);
    expect("[linux1] guest# ");
    wr(&a, "l");
    expect("l");
    /* A line with control functions on it is not kept. */
    wr(&a, "\b\x1b[K");
    console_stream_set_focus(&a, false);
    console_stream_set_focus(&a, true);
    expect("\b\x1b[K");
}

/* ---- lines from elsewhere never split the focused VM's line ---- */

static void test_log_line_ends_and_redraws_prompt(void **state)
{
    wr(&a, "~ # ls");
    expect("[linux1] ~ # ls");
    console_term_log(&term, "elvisor: hello\n", 15);
    expect("\r\nelvisor: hello\r\n");
    assert_true(console_term_redraw_pending(&term));
    console_term_redraw(&term);
    expect("[linux1] ~ # ls");
    assert_false(console_term_redraw_pending(&term));
    wr(&a, " -l");
    expect(" -l");
}

static void test_unfocused_line_and_lazy_redraw(void **state)
{
    wr(&a, "~ # ");
    wr(&b, "boot message\n");
    expect("[linux1] ~ # \r\n[linux2] boot message\r\n");
    /* The focused VM writes before the pause is over: its line comes back first. */
    wr(&a, "e");
    expect("[linux1] ~ # e");
    assert_false(console_term_redraw_pending(&term));
    console_term_redraw(&term);
    expect("");
}

static void test_redraw_keeps_editing(void **state)
{
    wr(&a, "~ # abc\b\x1b[K\x1b[1D");
    console_term_log(&term, "x\n", 2);
    console_term_redraw(&term);
    expect("[linux1] ~ # abc\b\x1b[K\x1b[1D\r\nx\r\n[linux1] ~ # abc\b\x1b[K\x1b[1D");
}

static void test_line_that_cannot_be_redrawn(void **state)
{
    wr(&a, "abc\x1b[2A");
    console_term_log(&term, "x\n", 2);
    console_term_redraw(&term);
    expect("[linux1] abc\x1b[2A\r\nx\r\n");
    wr(&a, "d");
    expect("[linux1] d");
}

static void test_log_continues_its_own_line(void **state)
{
    console_term_log(&term, "one ", 4);
    console_term_log(&term, "two\nthree\n", 10);
    expect("one two\r\nthree\r\n");
    wr(&a, "p");
    console_term_log(&term, "q", 1);
    wr(&a, "r");
    expect("[linux1] p\r\nq\r\n[linux1] pr");
}

static void test_two_consoles_of_the_focused_vm(void **state)
{
    wr(&a, "~ # ");
    wr(&a2, "~ # ");
    expect("[linux1] ~ # \r\n[linux1] ~ # ");
    /* A line another focused console ended is drawn again when it is written to, not after a
     * pause: two shells would take the line from each other at every pause. */
    assert_false(console_term_redraw_pending(&term));
    wr(&a2, "tty");
    expect("tty");
    wr(&a, "x");
    expect("\r\n[linux1] ~ # x");
}

static void test_reset(void **state)
{
    wr(&a, "half a line\x1b]0;");
    console_stream_reset(&a);
    expect("[linux1] half a line\r\n");
    wr(&a, "Booting");
    expect("[linux1] Booting");
    wr(&b, "partial\xe2\x82");
    console_stream_reset(&b);
    expect("\r\n[linux2] partial\r\n");
    wr(&b, "next\n");
    expect("[linux2] next\r\n");
    console_stream_detach(&a);
    assert_false(console_term_redraw_pending(&term));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_prompt_shows_at_once, setup),
        cmocka_unit_test_setup(test_prefix_at_each_line_start, setup),
        cmocka_unit_test_setup(test_line_editing_csi_passes, setup),
        cmocka_unit_test_setup(test_queries_and_other_csi_dropped, setup),
        cmocka_unit_test_setup(test_busybox_prompt_without_cursor_query, setup),
        cmocka_unit_test_setup(test_control_strings_dropped, setup),
        cmocka_unit_test_setup(test_escape_inside_string_starts_a_sequence, setup),
        cmocka_unit_test_setup(test_other_escape_sequences_dropped, setup),
        cmocka_unit_test_setup(test_cancel_and_controls_inside_sequences, setup),
        cmocka_unit_test_setup(test_controls, setup),
        cmocka_unit_test_setup(test_utf8, setup),
        cmocka_unit_test_setup(test_unfocused_line_buffered, setup),
        cmocka_unit_test_setup(test_unfocused_sanitised, setup),
        cmocka_unit_test_setup(test_unfocused_long_line_wraps, setup),
        cmocka_unit_test_setup(test_unfocused_partial_line_flushed, setup),
        cmocka_unit_test_setup(test_focus_gain_shows_unfinished_line, setup),
        cmocka_unit_test_setup(test_focus_loss_ends_the_line, setup),
        cmocka_unit_test_setup(test_prompt_shown_again_when_focus_returns, setup),
        cmocka_unit_test_setup(test_log_line_ends_and_redraws_prompt, setup),
        cmocka_unit_test_setup(test_unfocused_line_and_lazy_redraw, setup),
        cmocka_unit_test_setup(test_redraw_keeps_editing, setup),
        cmocka_unit_test_setup(test_line_that_cannot_be_redrawn, setup),
        cmocka_unit_test_setup(test_log_continues_its_own_line, setup),
        cmocka_unit_test_setup(test_two_consoles_of_the_focused_vm, setup),
        cmocka_unit_test_setup(test_reset, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
