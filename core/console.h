/* The hypervisor console: whole lines, never interleaved between CPUs. */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stdarg.h>

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Writes a string under the console lock; used for pre-formatted text. */
void console_write(const char *s, unsigned len);
/* From here on several CPUs may print: the console lock is taken. */
void console_smp_ready(void);
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
