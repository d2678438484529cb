/* Unit tests for core/control_req.c: every request of the control channel with valid and
 * hostile input, against three fake VMs (docs/control.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/control_req.h"

struct fake {
    enum control_state state[3];
    int acts, last_vm, last_action;
    int fail;
    const char *log;
};

static const char *const names[3] = { "linux1", "linux2", "echo" };

static void fake_info(void *ctx, unsigned i, struct control_vm_info *out)
{
    struct fake *f = ctx;
    memset(out, 0, sizeof(*out));
    out->name = names[i];
    out->state = f->state[i];
    out->nr_vcpus = i == 0 ? 2 : 1;
    out->cpu[0] = i == 0 ? 0 : i + 1;
    out->cpu[1] = 1;
    out->mem_bytes = 128u << 20;
    out->uptime_ms = 12345;
    out->exits[2] = 7; /* wfi */
    out->exits[5] = 3; /* mmio */
    out->irqs = 42;
}

static int fake_act(void *ctx, unsigned i, enum control_action a)
{
    struct fake *f = ctx;
    f->acts++;
    f->last_vm = (int)i;
    f->last_action = (int)a;
    return f->fail ? -1 : 0;
}

static size_t fake_log(void *ctx, char *buf, size_t size)
{
    struct fake *f = ctx;
    size_t n = strlen(f->log);
    n = n < size ? n : size;
    memcpy(buf, f->log, n);
    return n;
}

static const struct control_ops ops = { .nr_vms = 3, .info = fake_info, .act = fake_act, .log = fake_log };

static char out[CONTROL_REPLY_MAX];

static const char *ask(struct fake *f, unsigned self, const char *req)
{
    memset(out, 0x55, sizeof(out));
    size_t n = control_handle(&ops, f, self, req, strlen(req), out, sizeof(out));
    assert_true(n >= 2 && n <= sizeof(out));
    /* Every reply ends with an empty line and holds no other. */
    assert_int_equal(out[n - 1], '\n');
    assert_int_equal(out[n - 2], '\n');
    out[n] = 0;
    assert_null(strstr(out, "\n\n") != out + n - 2 ? strstr(out, "\n\n") : NULL);
    return out;
}

static void list_shows_every_vm(void **state)
{
    struct fake f = { .state = { CTL_RUNNING, CTL_PAUSED, CTL_STOPPED }, .log = "" };
    const char *r = ask(&f, 0, "list");
    assert_memory_equal(r, "ok\nNAME", 7);
    assert_non_null(strstr(r, "linux1          running    2 0,1            128        12.345           10"));
    assert_non_null(strstr(r, "linux2          paused     1 2"));
    assert_non_null(strstr(r, "echo            stopped    1 3"));
    assert_int_equal(f.acts, 0);
    assert_non_null(strstr(ask(&f, 0, "  list \r"), "linux2"));
}

static void stats_shows_counters(void **state)
{
    struct fake f = { .state = { CTL_RUNNING, CTL_RUNNING, CTL_RUNNING }, .log = "" };
    const char *r = ask(&f, 0, "stats linux2");
    assert_memory_equal(r, "ok\nvm linux2\nstate running\n", 27);
    assert_non_null(strstr(r, "\nexits.wfi 7\n"));
    assert_non_null(strstr(r, "\nexits.mmio 3\n"));
    assert_non_null(strstr(r, "\nirqs 42\n"));
    assert_non_null(strstr(r, "\nvirtio.notifies 0\n"));
}

static void log_is_copied_whole_lines(void **state)
{
    struct fake f = { .log = "elvisor: one\n\nelvisor: two\npartial" };
    /* The unfinished line is left out, an empty line does not end the reply early. */
    assert_string_equal(ask(&f, 0, "log"), "ok\nelvisor: one\n elvisor: two\n\n");
    f.log = "";
    assert_string_equal(ask(&f, 0, "log"), "ok\n\n");
}

static void actions_follow_the_state_machine(void **state)
{
    struct fake f = { .state = { CTL_RUNNING, CTL_RUNNING, CTL_STOPPED }, .log = "" };
    assert_string_equal(ask(&f, 0, "pause linux2"), "ok\nlinux2 done\n\n");
    assert_int_equal(f.acts, 1);
    assert_int_equal(f.last_vm, 1);
    assert_int_equal(f.last_action, CTL_PAUSE);
    f.state[1] = CTL_PAUSED;
    /* Idempotent: pausing a paused VM, stopping a stopped one, starting a running one. */
    assert_string_equal(ask(&f, 0, "pause linux2"), "ok\nlinux2 unchanged\n\n");
    assert_string_equal(ask(&f, 0, "stop echo"), "ok\necho unchanged\n\n");
    assert_string_equal(ask(&f, 0, "start linux2"), "error: start linux2: it is paused; use resume\n\n");
    assert_string_equal(ask(&f, 0, "resume linux2"), "ok\nlinux2 done\n\n");
    assert_int_equal(f.last_action, CTL_RESUME);
    assert_int_equal(f.acts, 2);
    assert_string_equal(ask(&f, 0, "reset echo"), "error: reset echo: it is stopped; use start\n\n");
    assert_string_equal(ask(&f, 0, "resume echo"), "error: resume echo: it is stopped; use start\n\n");
    assert_string_equal(ask(&f, 0, "pause echo"), "error: pause echo: it is stopped\n\n");
    assert_string_equal(ask(&f, 0, "start echo"), "ok\necho done\n\n");
    assert_int_equal(f.last_action, CTL_START);
    f.state[2] = CTL_RESETTING;
    assert_string_equal(ask(&f, 0, "stop echo"), "error: stop echo: it is resetting; try again\n\n");
    assert_string_equal(ask(&f, 0, "reset echo"), "ok\necho unchanged\n\n");
    f.state[2] = CTL_RUNNING;
    assert_string_equal(ask(&f, 0, "reset echo"), "ok\necho done\n\n");
    assert_string_equal(ask(&f, 0, "stop echo"), "ok\necho done\n\n");
    assert_int_equal(f.last_action, CTL_STOP);
    assert_int_equal(f.acts, 5);
    f.fail = 1;
    assert_string_equal(ask(&f, 0, "stop linux2"), "error: stop linux2: failed (see log)\n\n");
}

static void the_control_vm_cannot_wedge_itself(void **state)
{
    struct fake f = { .state = { CTL_RUNNING, CTL_RUNNING, CTL_RUNNING }, .log = "" };
    const char *const refused[] = { "stop linux1", "pause linux1", "reset linux1" };
    for (unsigned i = 0; i < 3; i++)
        assert_non_null(strstr(ask(&f, 0, refused[i]), "error: ") == out ? out : NULL);
    assert_non_null(strstr(ask(&f, 0, "stop linux1"), "cannot stop, pause or reset itself"));
    assert_string_equal(ask(&f, 0, "start linux1"), "ok\nlinux1 unchanged\n\n");
    assert_int_equal(f.acts, 0);
    /* Another VM as the control VM may stop linux1. */
    assert_string_equal(ask(&f, 2, "stop linux1"), "ok\nlinux1 done\n\n");
}

static void hostile_requests_are_refused(void **state)
{
    struct fake f = { .state = { CTL_RUNNING, CTL_RUNNING, CTL_RUNNING }, .log = "" };
    assert_string_equal(ask(&f, 0, ""), "error: empty request\n\n");
    assert_string_equal(ask(&f, 0, "   "), "error: empty request\n\n");
    assert_non_null(strstr(ask(&f, 0, "frobnicate"), "error: unknown request"));
    assert_string_equal(ask(&f, 0, "stop"), "error: stop needs a VM name\n\n");
    assert_string_equal(ask(&f, 0, "stats"), "error: stats needs a VM name\n\n");
    assert_string_equal(ask(&f, 0, "list x"), "error: list takes no argument\n\n");
    assert_string_equal(ask(&f, 0, "log x"), "error: log takes no argument\n\n");
    assert_non_null(strstr(ask(&f, 0, "stop linux2 now"), "error: malformed"));
    assert_string_equal(ask(&f, 0, "stop linux"), "error: no VM named 'linux'\n\n");
    assert_string_equal(ask(&f, 0, "stop linux22"), "error: no VM named 'linux22'\n\n");
    assert_string_equal(ask(&f, 0, "STOP linux2"), ask(&f, 0, "STOP linux2")); /* stable */
    assert_non_null(strstr(ask(&f, 0, "STOP linux2"), "error: unknown request"));
    assert_non_null(strstr(ask(&f, 0, "stop \x1b[2Jlinux2"), "error: malformed"));
    assert_non_null(strstr(ask(&f, 0, "stop linux2\x7f"), "error: malformed"));
    char longname[64];
    memset(longname, 'a', sizeof(longname));
    memcpy(longname, "stop ", 5);
    longname[63] = 0;
    assert_string_equal(ask(&f, 0, longname), "error: no VM has a name that long\n\n");
    /* A NUL inside the request, and a request over the limit. */
    size_t n = control_handle(&ops, &f, 0, "stop\0linux2", 11, out, sizeof(out));
    out[n] = 0;
    assert_non_null(strstr(out, "error: malformed"));
    char big[CONTROL_REQ_MAX + 2];
    memset(big, 'l', sizeof(big));
    n = control_handle(&ops, &f, 0, big, sizeof(big), out, sizeof(out));
    out[n] = 0;
    assert_string_equal(out, "error: request longer than 128 bytes\n\n");
    assert_int_equal(f.acts, 0);
}

static void a_long_log_is_cut_to_fit(void **state)
{
    static char big[3 * CONTROL_REPLY_MAX];
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = i % 64 == 63 ? '\n' : 'x';
    big[sizeof(big) - 1] = 0;
    struct fake f = { .log = big };
    const char *r = ask(&f, 0, "log");
    size_t n = strlen(r);
    assert_true(n <= CONTROL_REPLY_MAX);
    assert_true(n > CONTROL_REPLY_MAX / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_shows_every_vm),
        cmocka_unit_test(stats_shows_counters),
        cmocka_unit_test(log_is_copied_whole_lines),
        cmocka_unit_test(actions_follow_the_state_machine),
        cmocka_unit_test(the_control_vm_cannot_wedge_itself),
        cmocka_unit_test(hostile_requests_are_refused),
        cmocka_unit_test(a_long_log_is_cut_to_fit),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
