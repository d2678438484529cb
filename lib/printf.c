/* Bounded formatted output: integer-only, no libc, safe to call from any context at EL2. */
#include <stdbool.h>
#include <stdint.h>
#include "lib/printf.h"

/* Output cursor: counts every character, stores only those that fit before the final NUL. */
struct pf_out {
    char *buf;
    size_t size;
    size_t len;
};

/* One parsed conversion specification. */
struct pf_spec {
    bool left; /* '-' */
    bool zero; /* '0' */
    int width; /* 0 when absent */
    int prec;  /* -1 when absent */
    char size; /* 'H' hh, 'h', 'l', 'L' ll, 'z', or 0 */
    char conv;
};

static void pf_putc(struct pf_out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pf_repeat(struct pf_out *o, char c, int n)
{
    while (n-- > 0)
        pf_putc(o, c);
}

static void pf_write(struct pf_out *o, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        pf_putc(o, s[i]);
}

/* Saturating decimal field parse, so that an absurd width cannot overflow an int. */
static int pf_number(const char **p)
{
    int n = 0;

    while (**p >= '0' && **p <= '9') {
        int d = **p - '0';

        n = n > (INT32_MAX - d) / 10 ? INT32_MAX : n * 10 + d;
        (*p)++;
    }
    return n;
}

static void pf_parse_width(struct pf_spec *sp, const char **p, va_list *ap)
{
    if (**p != '*') {
        sp->width = pf_number(p);
        return;
    }
    (*p)++;
    int w = va_arg(*ap, int);

    if (w < 0) {
        /* A negative '*' width means '-' plus its magnitude (C11 7.21.6.1p5). */
        sp->left = true;
        w = w == INT32_MIN ? INT32_MAX : -w;
    }
    sp->width = w;
}

static void pf_parse_prec(struct pf_spec *sp, const char **p, va_list *ap)
{
    sp->prec = -1;
    if (**p != '.')
        return;
    (*p)++;
    if (**p == '*') {
        (*p)++;
        int v = va_arg(*ap, int);

        sp->prec = v < 0 ? -1 : v; /* negative means "as if omitted" */
    } else {
        sp->prec = pf_number(p);
    }
}

static void pf_parse_size(struct pf_spec *sp, const char **p)
{
    sp->size = 0;
    char c = **p;

    if (c != 'h' && c != 'l' && c != 'z')
        return;
    (*p)++;
    sp->size = c;
    if (c != 'z' && **p == c) {
        (*p)++;
        sp->size = c == 'h' ? 'H' : 'L';
    }
}

/* Parses the specification after '%'; on return *p is past the conversion character, or at the
 * terminating NUL of a truncated specification (then sp->conv is '\0'). */
static void pf_parse(struct pf_spec *sp, const char **p, va_list *ap)
{
    sp->left = false;
    sp->zero = false;
    for (;; (*p)++) {
        if (**p == '-')
            sp->left = true;
        else if (**p == '0')
            sp->zero = true;
        else
            break;
    }
    pf_parse_width(sp, p, ap);
    pf_parse_prec(sp, p, ap);
    pf_parse_size(sp, p);
    sp->conv = **p;
    if (sp->conv != '\0')
        (*p)++;
}

static uint64_t pf_arg_unsigned(char size, va_list *ap)
{
    switch (size) {
    case 'H':
        return (unsigned char)va_arg(*ap, unsigned int);
    case 'h':
        return (unsigned short)va_arg(*ap, unsigned int);
    case 'l':
        return va_arg(*ap, unsigned long);
    case 'L':
        return va_arg(*ap, unsigned long long);
    case 'z':
        return va_arg(*ap, size_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

static int64_t pf_arg_signed(char size, va_list *ap)
{
    switch (size) {
    case 'H':
        return (signed char)va_arg(*ap, int);
    case 'h':
        return (short)va_arg(*ap, int);
    case 'l':
        return va_arg(*ap, long);
    case 'L':
        return va_arg(*ap, long long);
    case 'z':
        return va_arg(*ap, ptrdiff_t); /* the signed type matching size_t on LP64 */
    default:
        return va_arg(*ap, int);
    }
}

/* Pads a finished field of body characters to the width. */
static void pf_pad(struct pf_out *o, const struct pf_spec *sp, int body, bool before)
{
    if (sp->left != before && sp->width > body)
        pf_repeat(o, ' ', sp->width - body);
}

static void pf_emit_str(struct pf_out *o, const struct pf_spec *sp, const char *s, int n)
{
    pf_pad(o, sp, n, true);
    pf_write(o, s, n);
    pf_pad(o, sp, n, false);
}

/* Emits an integer magnitude with optional sign or prefix, honouring precision (minimum digits,
 * zero value with precision 0 prints no digits) and the '0' flag (ignored with '-' or a
 * precision, as C specifies). */
static void pf_emit_int(struct pf_out *o, const struct pf_spec *sp, uint64_t mag, unsigned int base, const char *prefix)
{
    const char *digits = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    if (mag != 0 || sp->prec != 0) {
        do {
            tmp[n++] = digits[mag % base];
            mag /= base;
        } while (mag != 0);
    }
    int plen = 0;

    while (prefix[plen] != '\0')
        plen++;
    int zeros = sp->prec > n ? sp->prec - n : 0;
    int body = plen + zeros + n;

    if (sp->zero && !sp->left && sp->prec < 0 && sp->width > body) {
        zeros += sp->width - body;
        body = sp->width;
    }
    pf_pad(o, sp, body, true);
    pf_write(o, prefix, plen);
    pf_repeat(o, '0', zeros);
    while (n > 0)
        pf_putc(o, tmp[--n]);
    pf_pad(o, sp, body, false);
}

static void pf_emit_signed(struct pf_out *o, const struct pf_spec *sp, va_list *ap)
{
    int64_t v = pf_arg_signed(sp->size, ap);

    if (v < 0)
        pf_emit_int(o, sp, 0 - (uint64_t)v, 10, "-"); /* no overflow for INT64_MIN */
    else
        pf_emit_int(o, sp, (uint64_t)v, 10, "");
}

static void pf_emit_string(struct pf_out *o, const struct pf_spec *sp, va_list *ap)
{
    const char *s = va_arg(*ap, const char *);
    int n = 0;

    if (s == NULL)
        s = "(null)";
    /* With a precision, never look past it: the array need not be NUL-terminated. */
    while ((sp->prec < 0 || n < sp->prec) && n < INT32_MAX && s[n] != '\0')
        n++;
    pf_emit_str(o, sp, s, n);
}

static void pf_emit_pointer(struct pf_out *o, const struct pf_spec *sp, va_list *ap)
{
    struct pf_spec p = *sp;

    p.prec = 16;
    p.conv = 'x';
    pf_emit_int(o, &p, (uintptr_t)va_arg(*ap, void *), 16, "0x");
}

/* Returns false for an unknown conversion, which the caller copies through verbatim. */
static bool pf_convert(struct pf_out *o, const struct pf_spec *sp, va_list *ap)
{
    char c;

    switch (sp->conv) {
    case 'd':
    case 'i':
        pf_emit_signed(o, sp, ap);
        return true;
    case 'u':
        pf_emit_int(o, sp, pf_arg_unsigned(sp->size, ap), 10, "");
        return true;
    case 'x':
    case 'X':
        pf_emit_int(o, sp, pf_arg_unsigned(sp->size, ap), 16, "");
        return true;
    case 'p':
        pf_emit_pointer(o, sp, ap);
        return true;
    case 's':
        pf_emit_string(o, sp, ap);
        return true;
    case 'c':
        c = (char)va_arg(*ap, int);
        pf_emit_str(o, sp, &c, 1);
        return true;
    case '%':
        pf_putc(o, '%');
        return true;
    default:
        return false;
    }
}

int ev_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct pf_out o = { buf, size, 0 };
    va_list args;

    /* Helpers take a va_list pointer; a copy makes that portable where va_list is an array. */
    va_copy(args, ap);
    while (*fmt != '\0') {
        if (*fmt != '%') {
            pf_putc(&o, *fmt++);
            continue;
        }
        const char *start = fmt++;
        struct pf_spec sp;

        pf_parse(&sp, &fmt, &args);
        if (!pf_convert(&o, &sp, &args))
            pf_write(&o, start, (int)(fmt - start));
    }
    va_end(args);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT32_MAX ? -1 : (int)o.len;
}

int ev_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = ev_vsnprintf(buf, size, fmt, ap);

    va_end(ap);
    return n;
}
