/* libFuzzer harness for core/control_req.c: whatever the control VM sends, the reply fits its
 * buffer, ends with its one empty line, starts "ok" or "error: ", and an action reaches the
 * machine only for a named VM in a state where it applies (never the control VM stopping,
 * pausing or resetting itself).
 *
 * Input: byte 0 picks the VMs' states (2 bits each) and which VM asks (bits 6-7, 3 = none of
 * them); byte 1 the length of the log the fake returns; the rest is the request line. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/control_req.h"

#include "tests/host/check.h"

static const char *const names[3] = { "linux1", "linux2", "echo" };
static enum control_state st[3];
static unsigned log_len;
static int acted = -1;

static void f_info(void *ctx, unsigned i, struct control_vm_info *out)
{
    CHECK(i < 3);
    memset(out, 0, sizeof(*out));
    out->name = names[i];
    out->state = st[i];
    out->nr_vcpus = 1;
    out->exits[0] = ~0ULL;
    out->mem_bytes = ~0ULL;
    out->uptime_ms = ~0ULL;
}

static int f_act(void *ctx, unsigned i, enum control_action a)
{
    CHECK(i < 3 && acted < 0);
    acted = (int)i;
    return 0;
}

static size_t f_log(void *ctx, char *buf, size_t size)
{
    size_t n = (size_t)log_len * 64 < size ? (size_t)log_len * 64 : size;
    for (size_t i = 0; i < n; i++)
        buf[i] = i % 50 == 49 ? '\n' : (char)('a' + i % 7);
    return n;
}

static const struct control_ops ops = { .nr_vms = 3, .info = f_info, .act = f_act, .log = f_log };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char out[CONTROL_REPLY_MAX];
    if (size < 2)
        return 0;
    for (unsigned i = 0; i < 3; i++)
        st[i] = (enum control_state)((data[0] >> (2 * i)) & 3);
    unsigned self = data[0] >> 6;
    log_len = data[1];
    acted = -1;
    size_t n = control_handle(&ops, 0, self, (const char *)data + 2, size - 2, out, sizeof(out));
    CHECK(n >= 2 && n <= sizeof(out));
    CHECK(out[n - 1] == '\n' && out[n - 2] == '\n');
    CHECK(!memcmp(out, "ok\n", 3) || !memcmp(out, "error: ", 7));
    for (size_t i = 0; i + 2 < n; i++)
        CHECK(!(out[i] == '\n' && out[i + 1] == '\n'));
    if (acted >= 0) {
        CHECK(!memcmp(out, "ok\n", 3));
        CHECK((unsigned)acted != self);
        CHECK(st[acted] != CTL_RESETTING);
        /* The request names that VM. */
        CHECK(memmem(data + 2, size - 2, names[acted], strlen(names[acted])));
    }
    return 0;
}
