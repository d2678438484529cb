/* The control channel over the VMs (docs/control.md): control_req.c validates each request
 * against what this file reports about vms[], then this file applies it: pause and resume
 * change the VM's state and kick its vCPUs off or back onto their CPUs; stop, reset and start
 * go through the bounded reset steps of core/vm_reset.c (stop quiesces the VM's devices first,
 * so a virtio-blk request in flight completes before the VM stops). */
#include "core/control.h"
#include "core/control_req.h"
#include "core/console.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "core/vm_reset.h"
#include "lib/string.h"
#include "arch/aarch64/sysreg.h"

_Static_assert(CONTROL_NR_EXITS == EXITC_NR, "control_exit_names follows enum exit_class");
_Static_assert(CONTROL_MAX_VCPUS >= VM_MAX_VCPUS, "every vCPU's CPU is listed");

static struct {
    char line[CONTROL_REQ_MAX + 1];
    size_t line_len; /* CONTROL_REQ_MAX + 1: the line is too long, the rest is skipped */
    char reply[CONTROL_REPLY_MAX];
    size_t reply_len, reply_sent;
} chan;

static enum control_state state_of(const struct vm *vm)
{
    switch (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE)) {
    case VM_RUNNING:
        return CTL_RUNNING;
    case VM_PAUSED:
        return CTL_PAUSED;
    case VM_RESETTING:
        return CTL_RESETTING;
    default:
        return CTL_STOPPED;
    }
}

static void info(void *ctx, unsigned i, struct control_vm_info *out)
{
    const struct vm *vm = &vms[i];
    memset(out, 0, sizeof(*out));
    out->name = vm->cfg.name;
    out->state = state_of(vm);
    out->nr_vcpus = vm->cfg.nr_vcpus;
    for (unsigned c = 0; c < vm->cfg.nr_vcpus; c++) {
        out->cpu[c] = vm->cfg.affinity[c];
        for (unsigned k = 0; k < EXITC_NR; k++)
            out->exits[k] += __atomic_load_n(&vm->vcpu[c].exits[k], __ATOMIC_RELAXED);
    }
    out->mem_bytes = vm->cfg.ram_size;
    uint64_t started = __atomic_load_n(&vm->started, __ATOMIC_RELAXED), freq = sysreg_read(cntfrq_el0);
    if (started && out->state != CTL_STOPPED && freq)
        out->uptime_ms = (sysreg_read(cntpct_el0) - started) / (freq / 1000 ? freq / 1000 : 1);
    out->irqs = __atomic_load_n(&vm->irqs_injected, __ATOMIC_RELAXED);
    out->virtio_notifies = __atomic_load_n(&vm->virtio_notifies, __ATOMIC_RELAXED);
    out->virtio_irqs = __atomic_load_n(&vm->virtio_irqs, __ATOMIC_RELAXED);
}

/* Pause and resume: from one state to the other under the VM's lock, then every vCPU is
 * kicked (off its CPU at its next exit, or back onto it). */
static int switch_state(struct vm *vm, enum vm_state from, enum vm_state to)
{
    spin_lock(&vm->lock);
    bool ok = vm->state == from;
    if (ok) {
        __atomic_store_n(&vm->state, to, __ATOMIC_SEQ_CST);
        vm_attention(vm);
    }
    spin_unlock(&vm->lock);
    if (!ok)
        return -1;
    sev();
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        vcpu_kick(&vm->vcpu[i]);
    return 0;
}

static int act(void *ctx, unsigned i, enum control_action a)
{
    struct vm *vm = &vms[i];
    switch (a) {
    case CTL_PAUSE:
        return switch_state(vm, VM_RUNNING, VM_PAUSED);
    case CTL_RESUME:
        return switch_state(vm, VM_PAUSED, VM_RUNNING);
    case CTL_STOP:
        return vm_reset_request(vm, true);
    case CTL_RESET:
    case CTL_START:
        return vm_reset_request(vm, false);
    }
    return -1;
}

static size_t log_recent(void *ctx, char *buf, size_t size) { return console_log_recent(buf, size); }

static unsigned index_of(const struct vm *self)
{
    for (unsigned i = 0; i < nr_vms; i++)
        if (&vms[i] == self)
            return i;
    return ~0u;
}

void control_input(struct vm *self, const char *p, size_t n)
{
    const struct control_ops ops = { .nr_vms = nr_vms, .info = info, .act = act, .log = log_recent };
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n') {
            if (chan.line_len < sizeof(chan.line))
                chan.line[chan.line_len++] = p[i];
            continue;
        }
        /* A new reply replaces one the control VM did not read. */
        chan.reply_len =
            control_handle(&ops, 0, index_of(self), chan.line, chan.line_len, chan.reply, sizeof(chan.reply));
        chan.reply_sent = 0;
        chan.line_len = 0;
    }
}

const char *control_pending(size_t *len)
{
    *len = chan.reply_len - chan.reply_sent;
    return chan.reply + chan.reply_sent;
}

void control_consumed(size_t n)
{
    size_t left = chan.reply_len - chan.reply_sent;
    chan.reply_sent += n < left ? n : left;
}

void control_reset(void)
{
    chan.line_len = 0;
    chan.reply_len = chan.reply_sent = 0;
}
