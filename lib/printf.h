/* Bounded formatted output without libc or floating point.
 *
 * C semantics: the return value is the length the full output would have had, and the buffer is
 * always NUL-terminated when size > 0. Conversions: %s %c %d %i %u %x %X %p %%, length modifiers
 * hh h l ll z, flags '-' '0', width and precision (numbers or '*'). %p prints "0x" and 16 hex
 * digits; a NULL %s prints "(null)". Anything else is copied to the output as written. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int ev_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ev_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
