/* Input from the hypervisor console goes to the VM that has focus. Ctrl-a pressed three times
 * in a row moves the focus to the next running VM and lists the VMs; fewer Ctrl-a's followed
 * by another key are passed through to the VM (as in Xen). */
#ifndef CORE_CONSOLE_INPUT_H
#define CORE_CONSOLE_INPUT_H

#include <stdbool.h>

#define CONSOLE_ESCAPE     0x01 /* Ctrl-a */
#define CONSOLE_ESCAPE_RUN 3

/* The pure part: an escape-sequence recognizer. */
struct escape_state {
    unsigned pending; /* Ctrl-a's seen in a row, not yet passed on */
};

/* Feeds one character. Returns true when the focus must move. Characters to pass to the VM
 * are written to out (at most CONSOLE_ESCAPE_RUN + 1) and counted in *nout. */
#if CONFIG_CONSOLE_MUX
bool escape_feed(struct escape_state *s, char c, char *out, unsigned *nout);
#else
/* Without the console's focus (docs/build.md) every character goes to the first VM. */
static inline bool escape_feed(struct escape_state *s, char c, char *out, unsigned *nout)
{
    out[0] = c;
    *nout = 1;
    return false;
}
#endif

/* Boot CPU, before the VMs are built: the first VM has the focus, for output too. */
void console_input_init(void);
/* Reads whatever the console UART holds and delivers it (call from one CPU: the boot CPU,
 * from its UART interrupt, or from its idle loop when the UART has no interrupt). */
void console_input_poll(void);
/* The UART's receive interrupt is wired to the boot CPU. */
void console_input_irq_mode(void);
bool console_input_irq_driven(void);
/* Prints the VMs with their state and which one has the focus. */
void console_list_vms(void);

#endif
