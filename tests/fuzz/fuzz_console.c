/* libFuzzer harness for core/console_stream.c: whatever guests write, whatever the focus does,
 * nothing but the allowed bytes reaches the operator's terminal.
 *
 * Input: a list of operations on one terminal with three streams (a0 and a1: two consoles of VM
 * "a", b: VM "b"). Each operation is one byte, op & 7: 0-3 write the next (op >> 3) bytes to
 * stream op % 3; 4 moves the focus to VM a or b (op >> 3 odd); 5 flushes stream (op >> 3) % 3
 * after a pause; 6 resets it; 7 prints a log line, or draws a line again (op >> 3 odd).
 *
 * The terminal's bytes are then checked: UTF-8 throughout, no C1 control (U+0080..U+009F), no
 * C0 control but BS, tab, LF, CR and BEL, and ESC only as ESC [ P F with P digits and ';' and F
 * one of A B C D H f J K m, with at most the parameters each takes, J and K at most 2 (so no
 * query such as ESC[6n, no ESC[3J, no OSC, DCS, SOS, PM or APC). And every line begins with
 * "[a] ", "[b] " or the log's text: after CR or LF, the next character shown (control
 * sequences and BS, BEL, CR, LF skipped) is the start of one of those. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console_stream.h"

#define CHECK(c, at)                                                                                               \
    do {                                                                                                           \
        if (!(c)) {                                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s at output byte %zu\n", __FILE__, __LINE__, #c, (size_t)(at)); \
            dump();                                                                                                \
            abort();                                                                                               \
        }                                                                                                          \
    } while (0)

static unsigned char term_out[1 << 20];
static size_t term_len;

static void dump(void)
{
    fprintf(stderr, "terminal (%zu bytes):\n", term_len);
    for (size_t i = 0; i < term_len && i < 4096; i++)
        fprintf(stderr, (term_out[i] >= 0x20 && term_out[i] < 0x7f) ? "%c" : "\\x%02x", term_out[i]);
    fprintf(stderr, "\n");
}

static void capture(void *ctx, const char *s, unsigned len)
{
    if (term_len + len > sizeof(term_out))
        len = (unsigned)(sizeof(term_out) - term_len);
    memcpy(term_out + term_len, s, len);
    term_len += len;
}

/* ESC at i: an allowed CSI sequence; returns its length. */
static size_t check_csi(size_t i)
{
    CHECK(i + 2 < term_len && term_out[i + 1] == '[', i);
    size_t j = i + 2;
    unsigned params = 0, digits = 0, value = 0, first = 0;
    bool any = false;
    for (; j < term_len; j++) {
        unsigned char c = term_out[j];
        if (c >= '0' && c <= '9') {
            CHECK(++digits <= 4, j);
            value = value * 10 + (c - '0');
            any = true;
        } else if (c == ';') {
            if (params++ == 0)
                first = value;
            digits = value = 0;
            any = true;
        } else {
            break;
        }
    }
    CHECK(j < term_len, j);
    if (any) {
        if (params++ == 0)
            first = value;
    }
    unsigned char f = term_out[j];
    CHECK(strchr("ABCDHfJKm", f) != NULL && f != 0, j);
    if (strchr("ABCDJK", f))
        CHECK(params <= 1, j);
    if (f == 'H' || f == 'f')
        CHECK(params <= 2, j);
    if (f == 'J' || f == 'K')
        CHECK(first <= 2, j);
    return j - i + 1;
}

/* A UTF-8 character at i, not a C1 control; returns its length. */
static size_t check_utf8(size_t i)
{
    unsigned char c = term_out[i];
    size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    CHECK(n != 0 && i + n <= term_len, i);
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        CHECK((term_out[i + k] & 0xc0) == 0x80, i + k);
        cp = cp << 6 | (term_out[i + k] & 0x3f);
    }
    static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    CHECK(cp >= min[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff), i);
    CHECK(!(cp >= 0x80 && cp <= 0x9f), i);
    return n;
}

static bool starts(size_t i, const char *s) { return term_len - i >= strlen(s) && !memcmp(term_out + i, s, strlen(s)); }

static void check_terminal(void)
{
    bool line_start = true;
    for (size_t i = 0; i < term_len;) {
        unsigned char c = term_out[i];
        if (c == 0x1b) {
            i += check_csi(i);
            continue;
        }
        if (c == '\r' || c == '\n') {
            line_start = true;
            i++;
            continue;
        }
        if (c == '\b' || c == '\a') {
            i++;
            continue;
        }
        CHECK(c >= 0x20 || c == '\t', i);
        CHECK(c != 0x7f, i);
        if (line_start) {
            CHECK(starts(i, "[a] ") || starts(i, "[b] ") || starts(i, "LOG"), i);
            line_start = false;
        }
        i += check_utf8(i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct console_term t;
    struct console_stream s[3];
    term_len = 0;
    console_term_init(&t, capture, NULL);
    console_stream_init(&s[0], &t, "a", true);
    console_stream_init(&s[1], &t, "a", true);
    console_stream_init(&s[2], &t, "b", false);
    size_t i = 0;
    while (i < size) {
        unsigned op = data[i++];
        unsigned arg = op >> 3;
        switch (op & 7) {
        case 0:
        case 1:
        case 2:
        case 3: {
            size_t n = arg < size - i ? arg : size - i;
            console_stream_write(&s[(op & 7) % 3], (const char *)data + i, (unsigned)n);
            i += n;
            break;
        }
        case 4:
            for (int k = 0; k < 3; k++)
                console_stream_set_focus(&s[k], false);
            for (int k = 0; k < 3; k++)
                console_stream_set_focus(&s[k], (k < 2) == !(arg & 1));
            break;
        case 5:
            console_stream_flush(&s[arg % 3]);
            break;
        case 6:
            console_stream_reset(&s[arg % 3]);
            break;
        default:
            if (arg & 1)
                console_term_redraw(&t);
            else
                console_term_log(&t, "LOG line\n", 9);
            break;
        }
    }
    for (int k = 0; k < 3; k++)
        console_stream_detach(&s[k]);
    check_terminal();
    return 0;
}
