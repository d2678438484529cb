#include <stdbool.h>
#include "core/console.h"
#include "drivers/pl011.h"
#include "lib/spinlock.h"
#include "arch/aarch64/sysreg.h"

static spinlock_t console_lock = SPINLOCK_INIT;
/* Exclusive loads and stores need the MMU on (Normal memory); before the secondaries start
 * only one CPU prints, so no lock is needed. */
static bool console_locking;

void console_smp_ready(void) { console_locking = true; }

static void emit(const char *s, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        if (s[i] == '\n')
            pl011_putc('\r');
        pl011_putc(s[i]);
    }
}

void console_write(const char *s, unsigned len)
{
    if (!console_locking) {
        emit(s, len);
        return;
    }
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    emit(s, len);
    spin_unlock(&console_lock);
    irq_restore(flags);
}

void console_init(uint64_t uart_base)
{
    pl011_init(uart_base);
    log_set_sink(console_write);
}

static void console_line_flush(struct console_line *l, const char *vm_name)
{
    printk("[%s] %.*s\n", vm_name, (int)l->len, l->buf);
    l->len = 0;
}

void console_line_put(struct console_line *l, const char *vm_name, char c)
{
    if (c == '\n') {
        console_line_flush(l, vm_name);
        return;
    }
    if (c == '\r')
        return;
    if ((unsigned char)c < 0x20 && c != '\t')
        c = '.';
    if (l->len >= CONSOLE_LINE_MAX) /* not expected: the line is printed when it fills */
        l->len = 0;
    l->buf[l->len++] = c;
    if (l->len == CONSOLE_LINE_MAX)
        console_line_flush(l, vm_name);
}
