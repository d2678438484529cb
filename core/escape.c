#include "core/console_input.h"

bool escape_feed(struct escape_state *s, char c, char *out, unsigned *nout)
{
    *nout = 0;
    if (c == CONSOLE_ESCAPE) {
        if (++s->pending == CONSOLE_ESCAPE_RUN) {
            s->pending = 0;
            return true;
        }
        return false;
    }
    while (s->pending) {
        out[(*nout)++] = CONSOLE_ESCAPE;
        s->pending--;
    }
    out[(*nout)++] = c;
    return false;
}
