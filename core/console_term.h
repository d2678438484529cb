/* Inside the console: between core/console.c (the lock, the ring the UART drains, the log) and
 * the terminal model it serves, which decides what a VM's console output looks like on the
 * operator's terminal: core/console_mux.c (CONFIG_CONSOLE_MUX: every stream filtered, the
 * focused VM's as it comes and the others a line at a time) or core/console_plain.c (without
 * it: each VM's bytes as they come, a line prefixed with its name, control characters shown as
 * '.'). docs/build.md, docs/debugging.md. */
#ifndef CORE_CONSOLE_TERM_H
#define CORE_CONSOLE_TERM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/config.h"

/* Every device of every VM could be a console. */
#define CONSOLE_STREAMS (CONFIG_MAX_VMS * VM_MAX_DEVICES)

/* core/console.c */
uint64_t console_lock(void);
/* Releasing the lock moves what the holder put into the ring towards the UART. */
void console_unlock(uint64_t flags);
/* Console lock held: bytes for the UART. dropped NULL: the log's, which waits for room in the
 * ring; else a VM's, which are dropped when VM output fills its share of the ring and counted
 * in *dropped. */
void console_emit(uint64_t *dropped, const char *s, unsigned len);
/* Console lock held: if a VM's output was dropped and the ring has room again, the log says
 * how much ("elvisor: VM 'name': N bytes of console output dropped"), on a line of its own. */
void console_report_dropped(const char *name, uint64_t *dropped);

/* The terminal model */
/* console_init: the model's terminal writes through console_emit from now on. */
void console_term_setup(void);
/* Console lock held: the hypervisor's log (trusted, whole lines). */
void console_term_log_text(const char *s, unsigned len);

#endif
