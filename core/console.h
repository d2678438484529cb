/* The hypervisor console: whole lines, never interleaved between CPUs. printk() and panic()
 * live in lib/log.h (every layer prints); this is the sink behind them, on the PL011. */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/log.h"

/* Boot CPU, once the DTB names the UART: the PL011 at base becomes the log's sink. */
struct uart_driver;
void console_init(const struct uart_driver *uart, uint64_t uart_base);
/* Writes a string under the console lock; used for pre-formatted text. */
void console_write(const char *s, unsigned len);
/* From here on several CPUs may print: the console lock is taken. */
void console_smp_ready(void);
/* Every CPU's timer runs: from here on output goes to the UART from a ring as the UART takes
 * it (core/console.c), and no writer waits for it. */
void console_defer_output(void);
/* Before the machine stops (power_off): everything in the ring goes to the UART. */
void console_flush(void);
/* Copies the hypervisor's most recent log output (at most 4 KiB, whole lines) into buf;
 * returns its length. */
size_t console_log_recent(char *buf, size_t size);

/* A VM's console output (vdev/vpl011.c, vdev/virtio_console.c): one stream per console device,
 * filtered and put on the terminal as core/console_stream.h says: the VM with the input focus
 * (core/console_input.c) as it comes, the others a line at a time, a partial line printed after
 * CONSOLE_IDLE_US without output; a focused VM's unfinished line ended by other output is drawn
 * again after the same pause. Streams come from a pool with room for every device of every VM. */
#define CONSOLE_IDLE_US 100000
struct console_out;
/* At the device's first attach: a stream of VM vm (its identity for the focus), printed as
 * "[name] "; NULL if the pool is empty. */
struct console_out *console_out_get(const void *vm, const char *name);
/* Output the guest wrote; the caller serialises the calls on one stream. */
void console_out_put(struct console_out *o, const char *buf, unsigned len);
/* Device or VM reset: a partial line is printed, a sequence begun is forgotten. */
void console_out_reset(struct console_out *o);
/* The device goes away (its VM is refused): the stream returns to the pool. */
void console_out_release(struct console_out *o);
/* The input focus moved to VM vm (core/console_input.c); its streams go to the terminal as
 * they come from now on. */
void console_focus(const void *vm);

#endif
