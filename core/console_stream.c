/* A VM's console output on the operator's terminal: the filter and the line discipline
 * (core/console_stream.h). The parser follows ECMA-48 (5th ed.): 5.3 (control functions: ESC Fe
 * introduces a C1 function, CSI P...P I...I F a control sequence, 5.4) and 8.3 (the control
 * strings OSC, DCS, SOS, PM, APC, ended by ST = ESC \); a string is also ended by BEL (as xterm
 * does for OSC) and anything is cancelled by CAN or SUB. UTF-8 is checked as Unicode 15 3.9
 * (table 3-7) says, one '.' for each maximal ill-formed subsequence. */
#include "core/console_stream.h"

enum state {
    S_GROUND,     /* text */
    S_UTF8,       /* inside a multi-byte UTF-8 character */
    S_ESC,        /* after ESC */
    S_ESC_INTER,  /* ESC and intermediate bytes (0x20..0x2f): an escape sequence, dropped */
    S_CSI,        /* ESC [ and its parameter and intermediate bytes */
    S_STRING,     /* a control string (OSC, DCS, SOS, PM, APC), dropped to its end */
    S_STRING_ESC, /* ESC inside a control string: ST if '\' follows */
};

#define ESC 0x1b
#define CAN 0x18
#define SUB 0x1a

static unsigned name_len(const char *name)
{
    unsigned n = 0;
    while (n < 32 && name[n])
        n++;
    return n;
}

/* ---- the terminal ---- */

static void out(struct console_term *t, const char *s, unsigned len)
{
    if (!len)
        return;
    t->emit(t->ctx, s, len);
    t->mid_line = s[len - 1] != '\n';
}

/* Before src (a stream, or t for the log) writes: an unfinished line of someone else is ended,
 * and if it was a focused stream's, that stream draws it again later. */
static void claim(struct console_term *t, const void *src)
{
    if (!t->mid_line)
        return;
    if (src == t->owner && (src == t || ((const struct console_stream *)src)->focused))
        return; /* it continues its own line */
    out(t, "\r\n", 2);
    if (t->owner && t->owner != t && t->owner != src) {
        struct console_stream *o = (struct console_stream *)t->owner;
        if (o->focused) {
            o->broken = true;
            /* Drawn again after a pause only when the log or an unfocused VM ended it; one
             * focused console breaking another's line (two shells of the VM) would otherwise
             * take the line back and forth at every pause: that line comes back when next
             * written to. */
            if (src == t || !((const struct console_stream *)src)->focused)
                t->redraw = o;
        }
    }
    t->owner = 0;
}

static void done(struct console_term *t, const void *src) { t->owner = t->mid_line ? src : 0; }

void console_term_init(struct console_term *t, console_emit_fn emit, void *ctx)
{
    t->emit = emit;
    t->ctx = ctx;
    t->mid_line = false;
    t->owner = 0;
    t->redraw = 0;
}

void console_term_log(struct console_term *t, const char *s, unsigned len)
{
    if (!len)
        return;
    claim(t, t);
    unsigned from = 0;
    for (unsigned i = 0; i < len; i++) {
        if (s[i] != '\n')
            continue;
        out(t, s + from, i - from);
        out(t, "\r\n", 2);
        from = i + 1;
    }
    out(t, s + from, len - from);
    done(t, t);
}

/* ---- the line of a stream ---- */

static void prefix(struct console_stream *s)
{
    char buf[36];
    unsigned n = name_len(s->name);
    buf[0] = '[';
    for (unsigned i = 0; i < n; i++)
        buf[1 + i] = s->name[i];
    buf[1 + n] = ']';
    buf[2 + n] = ' ';
    out(s->term, buf, n + 3);
}

static void line_reset(struct console_stream *s)
{
    s->len = 0;
    s->shown = 0;
    s->no_redraw = false;
    s->plain = true;
}

/* Focused: the line as it was, on a fresh line of the terminal (claimed by the caller). */
static void draw(struct console_stream *s)
{
    s->broken = false;
    if (s->term->redraw == s)
        s->term->redraw = 0;
    if (s->no_redraw || s->len == 0) {
        /* Nothing to show again: what follows starts a line of its own. */
        line_reset(s);
        s->line_start = true;
        return;
    }
    prefix(s);
    out(s->term, s->line, s->len);
    done(s->term, s);
}

bool console_term_redraw_pending(const struct console_term *t) { return t->redraw != 0; }

void console_term_redraw(struct console_term *t)
{
    struct console_stream *s = t->redraw;
    t->redraw = 0;
    if (!s || !s->focused || !s->broken)
        return;
    claim(t, s);
    draw(s);
}

/* Focused: n bytes to the terminal, after drawing the line again if it was interrupted. */
static void put(struct console_stream *s, const char *b, unsigned n)
{
    claim(s->term, s);
    if (s->broken)
        draw(s);
    out(s->term, b, n);
    done(s->term, s);
}

/* Focused: keeps what was written since the prefix, while it fits. */
static void record(struct console_stream *s, const char *b, unsigned n, bool text)
{
    if (s->no_redraw)
        return;
    if (s->len + n > CONSOLE_LINE_MAX) {
        s->no_redraw = true;
        return;
    }
    for (unsigned i = 0; i < n; i++)
        s->line[s->len++] = b[i];
    if (!text)
        s->plain = false;
}

/* Unfocused: prints the line from byte `from` if anything of it was not printed yet (with
 * all, even an empty line). */
static void print_line(struct console_stream *s, unsigned from, bool all)
{
    struct console_term *t = s->term;
    if (all || s->len > s->shown) {
        claim(t, s);
        prefix(s);
        out(t, s->line + from, s->len - from);
        out(t, "\r\n", 2);
        done(t, s);
    }
}

/* One character of text (1 to 4 bytes: printable, tab, or the '.' standing for something). */
static void text(struct console_stream *s, const char *b, unsigned n)
{
    if (s->focused) {
        claim(s->term, s);
        if (s->broken)
            draw(s); /* may find nothing to draw: then a new line starts here */
        if (s->line_start) {
            line_reset(s);
            prefix(s);
            s->line_start = false;
        }
        out(s->term, b, n);
        done(s->term, s);
        record(s, b, n, true);
        return;
    }
    if (s->len + n > CONSOLE_LINE_MAX) {
        print_line(s, s->shown, false);
        line_reset(s);
    }
    for (unsigned i = 0; i < n; i++)
        s->line[s->len++] = b[i];
}

/* LF, CR, BS or BEL. */
static void control(struct console_stream *s, char c)
{
    if (!s->focused) {
        if (c == '\n') {
            /* A line a pause printed whole is not printed again; one it printed the start of
             * is printed whole, so that every line can be read (and searched) in one piece. */
            print_line(s, 0, s->len == 0);
            line_reset(s);
        } else if (c != '\r') {
            text(s, ".", 1);
        }
        return;
    }
    put(s, &c, 1);
    if (c == '\n' || c == '\r') {
        line_reset(s);
        s->line_start = true;
    } else if (c == '\b') {
        record(s, &c, 1, false);
    }
}

/* ---- control sequences ---- */

/* A CSI sequence with final byte f passes if it is one line editing needs, with at most the
 * parameters it takes, each a decimal number of at most 4 digits (no private parameters, no
 * intermediate bytes). Returns the number of parameters (values in p[0..1]) or -1. */
static int csi_check(const struct console_stream *s, char f, unsigned p[2])
{
    unsigned max;
    switch (f) {
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'J':
    case 'K':
        max = 1;
        break;
    case 'H':
    case 'f':
        max = 2;
        break;
    case 'm':
        max = CONSOLE_SEQ_MAX;
        break;
    default:
        return -1;
    }
    if (s->seq_bad)
        return -1;
    unsigned count = 0, digits = 0, value = 0;
    p[0] = p[1] = 0;
    for (unsigned i = 0; i <= s->seq_len; i++) {
        char c = i < s->seq_len ? s->seq[i] : ';';
        if (c >= '0' && c <= '9') {
            if (++digits > 4)
                return -1;
            value = value * 10 + (unsigned)(c - '0');
        } else if (c == ';') {
            if (i == s->seq_len && s->seq_len == 0)
                break; /* no parameter at all */
            if (count < 2)
                p[count] = value;
            if (++count > max)
                return -1;
            digits = 0;
            value = 0;
        } else {
            return -1;
        }
    }
    /* ED 3 (erase the scrollback) and beyond, EL beyond 2: not for a guest. */
    if ((f == 'J' || f == 'K') && count && p[0] > 2)
        return -1;
    return (int)count;
}

static void csi(struct console_stream *s, char f)
{
    unsigned p[2];
    int n = csi_check(s, f, p);
    if (n < 0 || !s->focused)
        return; /* dropped; an unfocused line carries no control function at all */
    char b[CONSOLE_SEQ_MAX + 3];
    b[0] = ESC;
    b[1] = '[';
    for (unsigned i = 0; i < s->seq_len; i++)
        b[2 + i] = s->seq[i];
    b[2 + s->seq_len] = f;
    unsigned len = s->seq_len + 3u;
    put(s, b, len);
    if ((f == 'H' || f == 'f') && (n < 2 || p[1] <= 1)) {
        /* To the first column: a new line begins there, as after CR. */
        line_reset(s);
        s->line_start = true;
    } else if (f == 'A' || f == 'B' || f == 'H' || f == 'f' || (f == 'J' && n && p[0])) {
        s->no_redraw = true; /* moved off the line: drawing it again would go elsewhere */
    } else {
        record(s, b, len, false);
    }
}

/* ---- UTF-8 ---- */

static void utf8_start(struct console_stream *s, unsigned char c)
{
    s->u8[0] = (char)c;
    s->u8_len = 1;
    s->u8_need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    s->u8_lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    s->u8_hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    s->state = S_UTF8;
}

static void utf8_end(struct console_stream *s)
{
    s->state = S_GROUND;
    /* U+0080..U+009F, C2 80..C2 9F, are the C1 controls. */
    if (s->u8_need == 2 && (unsigned char)s->u8[0] == 0xc2 && (unsigned char)s->u8[1] <= 0x9f)
        text(s, ".", 1);
    else
        text(s, s->u8, s->u8_need);
}

/* ---- the parser ---- */

static void ground(struct console_stream *s, unsigned char c)
{
    if (c == ESC) {
        s->state = S_ESC;
    } else if (c == '\n' || c == '\r' || c == '\b' || c == '\a') {
        control(s, (char)c);
    } else if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
        char ch = (char)c;
        text(s, &ch, 1);
    } else if (c >= 0xc2 && c <= 0xf4) {
        utf8_start(s, c);
    } else {
        text(s, ".", 1); /* other C0 controls, DEL, and bytes no UTF-8 character starts with */
    }
}

static void feed(struct console_stream *s, unsigned char c)
{
    for (;;) {
        switch (s->state) {
        case S_UTF8:
            if (c >= s->u8_lo && c <= s->u8_hi) {
                s->u8[s->u8_len++] = (char)c;
                s->u8_lo = 0x80;
                s->u8_hi = 0xbf;
                if (s->u8_len == s->u8_need)
                    utf8_end(s);
                return;
            }
            s->state = S_GROUND;
            text(s, ".", 1); /* the character is cut short; c is taken on its own */
            continue;
        case S_ESC:
            if (c == '[') {
                s->state = S_CSI;
                s->seq_len = 0;
                s->seq_bad = false;
            } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
                s->state = S_STRING; /* OSC, DCS, SOS, PM, APC */
            } else if (c >= 0x20 && c <= 0x2f) {
                s->state = S_ESC_INTER;
            } else if (c != ESC) {
                s->state = S_GROUND;
                if (c < 0x20 && c != CAN && c != SUB)
                    continue; /* a control character ends the sequence and is taken */
                if (c > 0x7e)
                    continue;
                /* a complete escape sequence (ESC 7, ESC c ...), or cancelled: dropped */
            }
            return;
        case S_ESC_INTER:
            if (c >= 0x20 && c <= 0x2f)
                return;
            if (c == ESC) {
                s->state = S_ESC;
                return;
            }
            s->state = S_GROUND;
            if ((c >= 0x30 && c <= 0x7e) || c == CAN || c == SUB)
                return;
            continue;
        case S_CSI:
            if (c >= 0x20 && c <= 0x3f) {
                if (s->seq_len < CONSOLE_SEQ_MAX)
                    s->seq[s->seq_len++] = (char)c;
                else
                    s->seq_bad = true;
                return;
            }
            if (c >= 0x40 && c <= 0x7e) {
                s->state = S_GROUND;
                csi(s, (char)c);
                return;
            }
            if (c == ESC) {
                s->state = S_ESC;
                return;
            }
            s->state = S_GROUND;
            if (c == CAN || c == SUB)
                return;
            continue;
        case S_STRING:
            if (c == ESC)
                s->state = S_STRING_ESC;
            else if (c == '\a' || c == CAN || c == SUB)
                s->state = S_GROUND;
            return;
        case S_STRING_ESC:
            if (c == '\\') {
                s->state = S_GROUND;
                return;
            }
            s->state = S_ESC; /* ESC ends the string and begins a sequence */
            continue;
        default:
            ground(s, c);
            return;
        }
    }
}

/* ---- streams ---- */

void console_stream_init(struct console_stream *s, struct console_term *t, const char *name, bool focused)
{
    s->term = t;
    s->name = name;
    s->focused = focused;
    s->state = S_GROUND;
    s->seq_len = 0;
    s->seq_bad = false;
    s->u8_len = 0;
    s->line_start = true;
    s->broken = false;
    line_reset(s);
}

void console_stream_write(struct console_stream *s, const char *buf, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        feed(s, (unsigned char)buf[i]);
}

bool console_stream_pending(const struct console_stream *s) { return !s->focused && s->len > s->shown; }

void console_stream_flush(struct console_stream *s)
{
    if (!console_stream_pending(s))
        return;
    print_line(s, s->shown, false);
    s->shown = s->len;
}

void console_stream_set_focus(struct console_stream *s, bool focused)
{
    struct console_term *t = s->term;
    if (s->focused == focused)
        return;
    s->focused = focused;
    s->broken = false;
    if (t->redraw == s)
        t->redraw = 0;
    if (!focused) {
        /* An unfinished line is ended on the terminal by whoever writes next, and printed
         * whole once the VM ends it (as after a pause). */
        if (t->owner == s)
            t->owner = 0;
        if (s->plain && !s->no_redraw && !s->line_start)
            s->shown = s->len; /* kept, already on the terminal */
        else
            line_reset(s);
        return;
    }
    s->line_start = true;
    s->shown = 0;
    s->no_redraw = false;
    if (!s->len)
        return;
    claim(t, s);
    prefix(s);
    out(t, s->line, s->len);
    done(t, s);
    s->line_start = false;
}

void console_stream_reset(struct console_stream *s)
{
    struct console_term *t = s->term;
    s->state = S_GROUND;
    if (s->focused) {
        if (t->owner == s && t->mid_line) {
            out(t, "\r\n", 2);
            t->owner = 0;
        }
        if (t->redraw == s)
            t->redraw = 0;
        s->broken = false;
        s->line_start = true;
    } else {
        console_stream_flush(s);
    }
    line_reset(s);
}

void console_stream_detach(struct console_stream *s)
{
    console_stream_reset(s);
    if (s->term->owner == s)
        s->term->owner = 0;
}
