/* The control channel's request handler (docs/control.md): parses one request line, checks it
 * against the VMs' names and states, and writes the reply. Every byte of a request comes from
 * the control VM and is treated as hostile: lengths are bounded, names are compared within
 * their length, and the reply never exceeds its buffer (a reply that would is cut at a line
 * boundary and says so). */
#include "core/control_req.h"
#include "lib/printf.h"
#include "lib/string.h"

const char *const control_exit_names[CONTROL_NR_EXITS] = {
    "hvc", "smc", "wfi", "wfe", "sysreg", "mmio", "iabt", "irq", "fp", "other",
};

static const char *const state_names[] = {
    [CTL_RUNNING] = "running",
    [CTL_PAUSED] = "paused",
    [CTL_STOPPED] = "stopped",
    [CTL_RESETTING] = "resetting",
};

struct reply {
    char *buf;
    size_t size, len;
    bool cut;
};

/* Appends one formatted line; a line that does not fit (with room kept for the closing
 * "...cut\n\n") is dropped with everything after it. */
static void line(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct reply *r, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = ev_vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || r->cut)
        return;
    size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
    if (r->len + len + 1 + 16 > r->size) {
        r->cut = true;
        return;
    }
    memcpy(r->buf + r->len, tmp, len);
    r->len += len;
    r->buf[r->len++] = '\n';
}

static size_t finish(struct reply *r)
{
    if (r->cut) {
        memcpy(r->buf + r->len, "...cut\n", 7);
        r->len += 7;
    }
    r->buf[r->len++] = '\n';
    return r->len;
}

static size_t error(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t error(struct reply *r, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->len = 0;
    r->cut = false;
    line(r, "error: %s", msg);
    return finish(r);
}

/* A word: printable ASCII other than space. */
static bool word_char(char c) { return c > ' ' && c < 0x7f; }

/* Splits req into at most 2 words; false if there are more, or a byte is not printable. */
static bool split(const char *req, size_t len, const char **w, size_t *wl, unsigned *nw)
{
    *nw = 0;
    size_t i = 0;
    while (i < len) {
        if (req[i] == ' ' || req[i] == '\t' || req[i] == '\r') {
            i++;
            continue;
        }
        if (!word_char(req[i]))
            return false;
        if (*nw == 2)
            return false;
        w[*nw] = req + i;
        while (i < len && word_char(req[i]))
            i++;
        wl[*nw] = (size_t)(req + i - w[*nw]);
        (*nw)++;
    }
    return true;
}

static bool is(const char *w, size_t wl, const char *s) { return wl == strlen(s) && !memcmp(w, s, wl); }

/* The VM named (w, wl), or -1. */
static int find_vm(const struct control_ops *ops, void *ctx, const char *w, size_t wl, struct control_vm_info *info)
{
    for (unsigned i = 0; i < ops->nr_vms; i++) {
        ops->info(ctx, i, info);
        if (info->name && is(w, wl, info->name))
            return (int)i;
    }
    return -1;
}

static void list_vm(struct reply *r, const struct control_vm_info *vi)
{
    char cpus[CONTROL_MAX_VCPUS * 4 + 1];
    size_t at = 0;
    unsigned n = vi->nr_vcpus < CONTROL_MAX_VCPUS ? vi->nr_vcpus : CONTROL_MAX_VCPUS;
    cpus[0] = 0;
    for (unsigned i = 0; i < n; i++)
        at += (size_t)ev_snprintf(cpus + at, sizeof(cpus) - at, "%s%u", i ? "," : "", vi->cpu[i] % 1000);
    uint64_t exits = 0;
    for (unsigned i = 0; i < CONTROL_NR_EXITS; i++)
        exits += vi->exits[i];
    line(r, "%-15s %-9s %2u %-11s %6lu %9lu.%03lu %12lu", vi->name, state_names[vi->state % 4], vi->nr_vcpus, cpus,
         (unsigned long)(vi->mem_bytes >> 20), (unsigned long)(vi->uptime_ms / 1000),
         (unsigned long)(vi->uptime_ms % 1000), (unsigned long)exits);
}

static void stats_vm(struct reply *r, const struct control_vm_info *vi)
{
    line(r, "vm %s", vi->name);
    line(r, "state %s", state_names[vi->state % 4]);
    line(r, "uptime-ms %lu", (unsigned long)vi->uptime_ms);
    for (unsigned i = 0; i < CONTROL_NR_EXITS; i++)
        line(r, "exits.%s %lu", control_exit_names[i], (unsigned long)vi->exits[i]);
    line(r, "irqs %lu", (unsigned long)vi->irqs);
    line(r, "virtio.notifies %lu", (unsigned long)vi->virtio_notifies);
    line(r, "virtio.irqs %lu", (unsigned long)vi->virtio_irqs);
}

/* Checks action a on a VM in state s; NULL if it is to be applied, "" if it is already done
 * (idempotent: ok without acting), otherwise why it is refused. */
static const char *check_state(enum control_action a, enum control_state s)
{
    if (s == CTL_RESETTING)
        return a == CTL_RESET ? "" : "it is resetting; try again";
    switch (a) {
    case CTL_START:
        return s == CTL_STOPPED ? 0 : s == CTL_RUNNING ? "" : "it is paused; use resume";
    case CTL_STOP:
        return s == CTL_STOPPED ? "" : 0;
    case CTL_RESET:
        return s == CTL_STOPPED ? "it is stopped; use start" : 0;
    case CTL_PAUSE:
        return s == CTL_RUNNING ? 0 : s == CTL_PAUSED ? "" : "it is stopped";
    case CTL_RESUME:
        return s == CTL_PAUSED ? 0 : s == CTL_RUNNING ? "" : "it is stopped; use start";
    }
    return "unknown action";
}

/* The control VM may ask only what leaves it as it is: stopped, paused or resetting, nothing
 * could start it again. */
static const char *check(enum control_action a, enum control_state s, bool self)
{
    const char *why = check_state(a, s);
    if (self && !why)
        return "the control VM cannot stop, pause or reset itself (nothing could start it again)";
    return why;
}

static const char *const action_names[] = {
    [CTL_START] = "start", [CTL_STOP] = "stop", [CTL_RESET] = "reset", [CTL_PAUSE] = "pause", [CTL_RESUME] = "resume",
};

size_t control_handle(const struct control_ops *ops, void *ctx, unsigned self, const char *req, size_t len, char *out,
                      size_t size)
{
    struct reply r = { .buf = out, .size = size };
    const char *w[2];
    size_t wl[2];
    unsigned nw;
    struct control_vm_info vi;
    if (len > CONTROL_REQ_MAX)
        return error(&r, "request longer than %u bytes", CONTROL_REQ_MAX);
    if (!split(req, len, w, wl, &nw))
        return error(&r, "malformed request (printable words, at most two)");
    if (nw == 0)
        return error(&r, "empty request");
    if (is(w[0], wl[0], "list") || is(w[0], wl[0], "log")) {
        if (nw != 1)
            return error(&r, "%s takes no argument", w[0][1] == 'i' ? "list" : "log");
        line(&r, "ok");
        if (w[0][1] == 'o') {
            /* The log is copied as it is, cut at its last whole line. */
            size_t room = size - r.len - 16;
            size_t n = ops->log(ctx, out + r.len, room);
            n = n < room ? n : room;
            char *p = out + r.len;
            for (size_t i = 0; i < n; i++)
                if (p[i] == 0 || (p[i] == '\n' && (i == 0 || p[i - 1] == '\n')))
                    p[i] = ' '; /* no empty line before the end */
            while (n && p[n - 1] != '\n')
                n--;
            r.len += n;
            return finish(&r);
        }
        line(&r, "%-15s %-9s %2s %-11s %6s %13s %12s", "NAME", "STATE", "VC", "CPUS", "MiB", "UPTIME-S", "EXITS");
        for (unsigned i = 0; i < ops->nr_vms; i++) {
            ops->info(ctx, i, &vi);
            list_vm(&r, &vi);
        }
        return finish(&r);
    }
    int a = -1;
    for (unsigned i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
        if (is(w[0], wl[0], action_names[i]))
            a = (int)i;
    bool stats = is(w[0], wl[0], "stats");
    if (a < 0 && !stats)
        return error(&r, "unknown request (list, log, stats, start, stop, reset, pause, resume)");
    if (nw != 2)
        return error(&r, "%s needs a VM name", stats ? "stats" : action_names[a]);
    if (wl[1] > 31)
        return error(&r, "no VM has a name that long");
    int i = find_vm(ops, ctx, w[1], wl[1], &vi);
    if (i < 0)
        return error(&r, "no VM named '%.*s'", (int)wl[1], w[1]);
    if (stats) {
        line(&r, "ok");
        stats_vm(&r, &vi);
        return finish(&r);
    }
    const char *why = check((enum control_action)a, vi.state, (unsigned)i == self);
    if (why && *why)
        return error(&r, "%s %s: %s", action_names[a], vi.name, why);
    if (!why && ops->act(ctx, (unsigned)i, (enum control_action)a) < 0)
        return error(&r, "%s %s: failed (see log)", action_names[a], vi.name);
    line(&r, "ok");
    line(&r, "%s %s", vi.name, why ? "unchanged" : "done");
    return finish(&r);
}
