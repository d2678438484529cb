/* printk, panic and the halt path over the sink and hook that boot registers (lib/log.h). */
#include "lib/log.h"
#include "lib/printf.h"
#include "arch/aarch64/sysreg.h"

/* Written once by the boot CPU before the secondaries start; read-only afterwards. */
static log_sink_fn log_sink;
static log_halt_fn log_halt_hook;

void log_set_sink(log_sink_fn sink) { log_sink = sink; }
void log_set_halt(log_halt_fn halt) { log_halt_hook = halt; }

void vprintk(const char *fmt, va_list ap)
{
    if (!log_sink)
        return;
    char line[512];
    int n = ev_vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0)
        return;
    if ((unsigned)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n'; /* a truncated line still ends its line */
    }
    log_sink(line, (unsigned)n);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void log_halt(void)
{
    irq_disable();
    if (log_halt_hook)
        log_halt_hook();
    for (;;)
        wfi();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    irq_disable();
    printk("elvisor: PANIC on CPU%u: ", (unsigned)(sysreg_read(mpidr_el1) & MPIDR_AFF0_MASK));
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    log_halt();
}
