/* The hypervisor console: whole lines, never interleaved between CPUs. printk() and panic()
 * live in lib/log.h (every layer prints); this is the sink behind them, on the PL011. */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stdint.h>
#include "lib/log.h"

/* Boot CPU, once the DTB names the UART: the PL011 at base becomes the log's sink. */
void console_init(uint64_t uart_base);
/* Writes a string under the console lock; used for pre-formatted text. */
void console_write(const char *s, unsigned len);
/* From here on several CPUs may print: the console lock is taken. */
void console_smp_ready(void);

/* A guest's console output (vdev/vpl011.c, vdev/virtio_console.c), printed a line at a time as
 * "[vm-name] text": a line ends at '\n' or after CONSOLE_LINE_MAX characters, '\r' is dropped
 * and control characters other than tab are shown as '.', so that a guest cannot drive the
 * operator's terminal with escape sequences. */
#define CONSOLE_LINE_MAX 160
struct console_line {
    unsigned len;
    char buf[CONSOLE_LINE_MAX];
};
/* Adds one character of VM `vm_name`'s output to l; the caller serialises the calls on l. */
void console_line_put(struct console_line *l, const char *vm_name, char c);

#endif
