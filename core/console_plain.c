/* The console's terminal model without CONFIG_CONSOLE_MUX (core/console_term.h, docs/build.md):
 * a VM's console output goes to the terminal as it comes, each line prefixed "[name] ", with no
 * filter, line discipline or focus. The one safeguard kept is that a guest cannot drive the
 * operator's terminal: of what it writes only printable ASCII, LF, tab and backspace pass, CR is
 * dropped (a line ends at LF), and every other byte (ESC and the other C0 controls, DEL, every
 * byte above 0x7f: UTF-8 and the C1 controls) is shown as '.'. Lines stay attributable: when a
 * VM's unfinished line is interrupted by another VM's output or by the log, it is ended first
 * ("\r\n") and its rest continues on a new line after "[name] " again. */
#include <stdbool.h>
#include "core/console.h"
#include "core/console_term.h"
#include "core/config.h"
#include "lib/string.h"

struct console_out {
    const void *vm;
    const char *name; /* the prefix is "[name] " */
    bool used;
    bool line_start;  /* the next byte starts a line: the prefix goes first */
    uint64_t dropped; /* bytes the ring had no room for, not yet reported */
};

static struct console_out pool[CONSOLE_STREAMS];
/* The stream whose line the terminal shows unfinished, NULL when the terminal is at the start
 * of a line or the log wrote last (the log writes whole lines). Console lock held. */
static struct console_out *mid_line;

/* Ends another stream's unfinished line before o (NULL: the log) writes. */
static void take_line(struct console_out *o)
{
    if (!mid_line || mid_line == o)
        return;
    console_emit(&mid_line->dropped, "\r\n", 2);
    mid_line->line_start = true;
    mid_line = 0;
}

void console_term_setup(void) {}

void console_term_log_text(const char *s, unsigned len)
{
    take_line(0);
    for (unsigned i = 0, from = 0; i <= len; i++)
        if (i == len || s[i] == '\n') {
            console_emit(0, s + from, i - from);
            if (i < len)
                console_emit(0, "\r\n", 2);
            from = i + 1;
        }
}

struct console_out *console_out_get(const void *vm, const char *name)
{
    struct console_out *o = 0;
    uint64_t flags = console_lock();
    for (unsigned i = 0; i < CONSOLE_STREAMS && !o; i++)
        if (!pool[i].used)
            o = &pool[i];
    if (o)
        *o = (struct console_out){ .vm = vm, .name = name, .used = true, .line_start = true };
    console_unlock(flags);
    return o;
}

void console_out_put(struct console_out *o, const char *buf, unsigned len)
{
    uint64_t flags = console_lock();
    console_report_dropped(o->name, &o->dropped);
    take_line(o);
    for (unsigned i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\r')
            continue;
        if (o->line_start) {
            console_emit(&o->dropped, "[", 1);
            console_emit(&o->dropped, o->name, (unsigned)strlen(o->name));
            console_emit(&o->dropped, "] ", 2);
            o->line_start = false;
        }
        if (c == '\n') {
            console_emit(&o->dropped, "\r\n", 2);
            o->line_start = true;
            mid_line = 0;
            continue;
        }
        if ((c < ' ' && c != '\t' && c != '\b') || c > '~') /* above 0x7f: < 0 if char is signed */
            c = '.';
        console_emit(&o->dropped, &c, 1);
        mid_line = o;
    }
    console_unlock(flags);
}

/* Ends o's own unfinished line (a reset, a release). Console lock held. */
static void end_own_line(struct console_out *o)
{
    if (mid_line == o) {
        console_emit(&o->dropped, "\r\n", 2);
        mid_line = 0;
    }
    o->line_start = true;
}

/* Device or VM reset: an unfinished line is ended. */
void console_out_reset(struct console_out *o)
{
    uint64_t flags = console_lock();
    end_own_line(o);
    console_unlock(flags);
}

void console_out_release(struct console_out *o)
{
    uint64_t flags = console_lock();
    end_own_line(o);
    o->used = false;
    console_unlock(flags);
}

/* No focus: console input goes to the first VM that takes it (core/console_input.c), and every
 * VM's output is shown as it comes. */
void console_focus(const void *vm) {}
