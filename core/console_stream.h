/* A VM's console output on the operator's terminal (pure logic: no lock, no timer, no UART).
 *
 * Each console device of a VM (a PL011, a virtio console) writes into one stream; all streams
 * and the hypervisor's log share one terminal. What a guest writes is parsed as UTF-8 text with
 * ECMA-48 control functions (ECMA-48 5th ed., 5.3 and 5.4: ESC, CSI, and the control strings
 * OSC, DCS, SOS, PM and APC), and only what cannot hurt the operator reaches the terminal:
 *
 *  - The focused stream (the VM that has the console input) goes to the terminal as it comes,
 *    "[name] " first at the start of each line (after LF or CR), so a shell's prompt and the
 *    echo of each typed character show at once. BS, CR, LF, BEL and tab pass, and the CSI
 *    sequences line editing needs: cursor movement (CUU A, CUD B, CUF C, CUB D, CUP H, HVP f),
 *    erasing (ED J, EL K) and colours (SGR m), with plain numeric parameters only.
 *  - Other streams are printed a whole line at a time ("[name] text"), with no control function
 *    at all: a line ends at LF or after CONSOLE_LINE_MAX characters, CR and every escape
 *    sequence are dropped, other control characters are shown as '.'. The owner flushes a
 *    partial line after a pause (console_stream_flush).
 *  - Both: control strings (OSC, DCS, SOS, PM, APC: a terminal's title, clipboard, files) and
 *    every other escape sequence (queries such as the cursor position report ESC[6n whose
 *    answer would come back as input, ESC[3J, private modes, ESC c ...) are dropped whole,
 *    also when split across writes; C0 controls other than those above, DEL, C1 controls
 *    (U+0080..U+009F) and bytes that are not UTF-8 become '.'.
 *
 * The terminal (struct console_term) keeps lines whole: when output from elsewhere (another
 * stream, the log) comes while the focused stream's line is unfinished on the terminal, that
 * line is ended first ("\r\n") and, once the other output is done, drawn again ("[name] " and
 * what it held: a prompt and what was typed), so a log line never splits a prompt. */
#ifndef CORE_CONSOLE_STREAM_H
#define CORE_CONSOLE_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 160 /* an unfocused line is printed when it has this many bytes */
#define CONSOLE_SEQ_MAX  24  /* parameter bytes of a CSI sequence kept; a longer one is dropped */

/* Writes len bytes to the operator's terminal, as they are. */
typedef void (*console_emit_fn)(void *ctx, const char *s, unsigned len);

struct console_stream;

struct console_term {
    console_emit_fn emit;
    void *ctx;
    bool mid_line;                 /* the last byte written was not '\n' */
    const void *owner;             /* who wrote the unfinished line: a stream, or t for the log */
    struct console_stream *redraw; /* a focused stream whose line was ended by other output */
};

struct console_stream {
    struct console_term *term;
    const char *name; /* the prefix is "[name] " */
    bool focused;
    /* Parser (console_stream.c: enum state): a sequence or UTF-8 character may span writes. */
    uint8_t state;
    uint8_t seq_len; /* CSI parameter and intermediate bytes in seq[] */
    bool seq_bad;    /* too long for seq[]: dropped when it ends */
    uint8_t u8_len;  /* bytes of the UTF-8 character so far, in u8[] */
    uint8_t u8_need; /* its length, from the lead byte */
    uint8_t u8_lo;   /* the range of its second byte (Unicode 15, table 3-7) */
    uint8_t u8_hi;
    char seq[CONSOLE_SEQ_MAX];
    char u8[4];
    /* The line. Unfocused: its text, of which the first `shown` bytes were printed already (by
     * a flush after a pause; the whole is printed again if the stream gains the focus, so that
     * a prompt shows where typing goes). Focused: what was written to the terminal since
     * "[name] ", to draw it again after an interruption. */
    bool line_start; /* focused: the next character starts a line, "[name] " goes first */
    bool no_redraw;  /* focused: the line cannot be drawn again (too long, or moved the cursor) */
    bool plain;      /* focused: the line holds text only (no control function) */
    bool broken;     /* focused: its line was ended by other output and not drawn again yet */
    unsigned len, shown;
    char line[CONSOLE_LINE_MAX];
};

void console_term_init(struct console_term *t, console_emit_fn emit, void *ctx);
/* The hypervisor's own text (the log: trusted, whole lines); '\n' is written as "\r\n". */
void console_term_log(struct console_term *t, const char *s, unsigned len);
/* Whether a focused stream's line waits to be drawn again: the owner calls console_term_redraw
 * once the terminal has been quiet for a moment (drawing it after every line of a burst of
 * other output would repeat it between all of them). */
bool console_term_redraw_pending(const struct console_term *t);
void console_term_redraw(struct console_term *t);

/* A new stream on t, as after a reset; name must outlive it. */
void console_stream_init(struct console_stream *s, struct console_term *t, const char *name, bool focused);
/* len bytes written by the guest. */
void console_stream_write(struct console_stream *s, const char *buf, unsigned len);
/* The stream gains or loses the focus. Gaining it prints its unfinished line (without ending
 * it: it continues as typed), also the part a pause flushed; on losing it, the rest of a line
 * the terminal shows unfinished is printed as a line of its own when it ends, and a line of
 * text only (a prompt) is kept, to be shown again if the focus comes back. */
void console_stream_set_focus(struct console_stream *s, bool focused);
/* Whether an unfocused stream holds an unfinished line (to flush after a pause). */
bool console_stream_pending(const struct console_stream *s);
/* Prints an unfocused stream's unfinished line now, as a line of its own. */
void console_stream_flush(struct console_stream *s);
/* The device was reset: its unfinished line is printed (unfocused) or ended (focused) and a
 * sequence it had begun is forgotten, so it cannot swallow what the next boot prints. */
void console_stream_reset(struct console_stream *s);
/* The stream goes away: the terminal forgets it. */
void console_stream_detach(struct console_stream *s);

#endif
