/* The hypervisor's log: printk() and panic() for every layer. The lowest layer cannot know the
 * console, so the layer that owns it registers an output sink (and a halt hook for panic and
 * the crash report) at boot; arch/ and drivers/ print through here only. */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdarg.h>

/* Writes len bytes of finished text (one printk() call, at most one line) as one unit: the
 * sink serialises CPUs so that lines never interleave, and owns any output translation. */
typedef void (*log_sink_fn)(const char *s, unsigned len);
/* Stops the machine for good (power off); must not return. */
typedef void (*log_halt_fn)(void);

/* Until a sink is registered, output is dropped (not buffered): before it there is no console
 * to print on, and boot registers it as soon as the console is known. */
void log_set_sink(log_sink_fn sink);
void log_set_halt(log_halt_fn halt);

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Prints "elvisor: PANIC on CPUn: " and the message, then halts. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Runs the halt hook with IRQs masked; without one (or if it returns), parks this CPU. */
void log_halt(void) __attribute__((noreturn));

#endif
