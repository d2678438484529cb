/* Echoes each line typed on its UART back as "echo: LINE", forever (an interactive guest for
 * `make run` and the console-focus test). Input arrives through the emulated PL011. */
#include "tests/guests/common/guest.h"

int guest_main(void)
{
    volatile uint32_t *uart = (volatile uint32_t *)(uintptr_t)dt_reg_of("arm,pl011");
    char line[80];
    unsigned len = 0;
    gprintf("echo: ready, type a line\n");
    for (;;) {
        if (uart[0x18 / 4] & (1u << 4)) { /* FR.RXFE: nothing received */
            __asm__ volatile("wfi");
            continue;
        }
        char c = (char)(uart[0] & 0xff);
        if (c == '\r' || c == '\n') {
            line[len] = 0;
            gprintf("echo: %s\n", line);
            len = 0;
        } else if (len < sizeof(line) - 1) {
            line[len++] = c;
        }
    }
    return 0;
}
