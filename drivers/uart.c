#include "drivers/uart.h"
#include "lib/fdt_read.h"

extern const struct uart_driver pl011_uart, cadence_uart, imx_uart;

/* Every UART kind elvisor can use as its console, by the compatible strings of their bindings
 * (Linux Documentation/devicetree/bindings/serial/). The boards' UARTs are optional parts
 * (docs/build.md): a driver left out of the build has no row. */
static const struct uart_driver *const drivers[] = {
    &pl011_uart,
#if CONFIG_UART_CADENCE
    &cadence_uart,
#endif
#if CONFIG_UART_IMX
    &imx_uart,
#endif
};

static const struct uart_driver *console;

const struct uart_driver *uart_match(const struct fdt *f, int node)
{
    for (unsigned i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        for (const char *const *c = drivers[i]->compatibles; *c; c++)
            if (fdt_is_compatible(f, node, *c))
                return drivers[i];
    return 0;
}

int uart_next_known(const struct fdt *f, int after)
{
    int best = -1;
    /* The first node in DTB order that any driver knows: each kind's next match, the lowest. */
    for (unsigned i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        for (const char *const *c = drivers[i]->compatibles; *c; c++) {
            int n = fdt_next_compatible(f, after, *c);
            if (n >= 0 && (best < 0 || n < best))
                best = n;
        }
    return best;
}

void uart_select(const struct uart_driver *d, uint64_t base)
{
    d->init(base);
    console = d;
}

const char *uart_name(void) { return console ? console->name : "none"; }

void uart_putc(char c)
{
    if (console)
        console->putc(c);
}

bool uart_try_putc(char c) { return console ? console->try_putc(c) : true; }

int uart_getc(void) { return console ? console->getc() : -1; }

void uart_enable_rx_irq(void)
{
    if (console)
        console->rx_irq_start();
}

void uart_rx_irq(bool on)
{
    if (console)
        console->rx_irq(on);
}
