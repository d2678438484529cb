#include "core/console_input.h"
#include "core/console.h"
#include "lib/printf.h"
#include "core/vm.h"
#include "drivers/uart.h"
#include "drivers/timer.h"
#include "core/vdev.h"
#include "core/vm_devices.h"

static struct escape_state esc;
static unsigned focus; /* index into vms[] */

static const char *state_name(const struct vm *vm)
{
    switch (vm->state) {
    case VM_RUNNING:
        return "running";
    case VM_RESETTING:
        return "restarting";
    case VM_PAUSED:
        return "paused";
    default:
        return "stopped";
    }
}

/* The VM's exits so far by class, summed over its vCPUs (the counters of the
 * ELVISOR_EXIT_COUNTERS hypercall, docs/performance.md). */
static void print_exits(const struct vm *vm)
{
    static const char *const names[EXITC_NR] = {
        [EXITC_HVC] = "hvc",       [EXITC_SMC] = "smc",     [EXITC_WFI] = "wfi",   [EXITC_WFE] = "wfe",
        [EXITC_SYSREG] = "sysreg", [EXITC_MMIO] = "mmio",   [EXITC_IABT] = "iabt", [EXITC_IRQ] = "irq",
        [EXITC_FP] = "fp",         [EXITC_OTHER] = "other",
    };
    char line[160];
    unsigned len = 0;
    for (unsigned c = 0; c < EXITC_NR; c++) {
        uint64_t n = 0;
        for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
            n += __atomic_load_n(&vm->vcpu[i].exits[c], __ATOMIC_RELAXED);
        if (n && len < sizeof(line))
            len += (unsigned)ev_snprintf(line + len, sizeof(line) - len, " %s %lu", names[c], (unsigned long)n);
    }
    printk("      exits:%s\n", len ? line : " none");
}

void console_list_vms(void)
{
    printk("elvisor: VMs (Ctrl-a three times moves the input focus):\n");
    for (unsigned i = 0; i < nr_vms; i++) {
        printk("  %c %-16s %-10s %u vCPU(s), %lu MiB\n", i == focus ? '*' : ' ', vms[i].cfg.name, state_name(&vms[i]),
               vms[i].cfg.nr_vcpus, (unsigned long)(vms[i].cfg.ram_size >> 20));
        print_exits(&vms[i]);
    }
    vm_devices_list_status();
}

/* A VM's console input goes to the device that takes it now (core/vm_devices.c: a virtio
 * console once its driver is ready, else a PL011); a VM without such a device cannot take the
 * focus, and input for a VM whose devices are not ready is dropped. */
static bool has_input(const struct vm *vm) { return vm_devices_take_input(vm); }

static unsigned input_room(struct vm *vm)
{
    void *state;
    const struct vdev_console *c = vm_devices_console(vm, &state);
    return c ? c->room(state) : ~0u;
}

static void deliver(struct vm *vm, char c)
{
    void *state;
    const struct vdev_console *in = vm_devices_console(vm, &state);
    if (in)
        in->input(state, c);
}

static void move_focus(void)
{
    for (unsigned n = 1; n <= nr_vms; n++) {
        unsigned next = (focus + n) % nr_vms;
        if (vms[next].state != VM_STOPPED && has_input(&vms[next])) {
            focus = next;
            break;
        }
    }
    console_list_vms();
    if (nr_vms)
        printk("elvisor: input now goes to VM '%s'\n", vms[focus].cfg.name);
    console_focus(&vms[focus]); /* its output now goes to the terminal as it comes */
}

void console_input_init(void) { console_focus(&vms[focus]); }

/* Flow control: a character stays in the UART (and the sender waits) until the focused VM's
 * input device has room for it, instead of being dropped; but a VM that does not read its
 * input for 100 ms does not hold up the console (Ctrl-a must still reach the hypervisor). */
static bool can_take(void)
{
    static uint64_t stalled_since;
    if (focus >= nr_vms || !has_input(&vms[focus]) || vms[focus].state != VM_RUNNING ||
        input_room(&vms[focus]) > CONSOLE_ESCAPE_RUN) {
        stalled_since = 0;
        return true;
    }
    uint64_t now = timer_now();
    if (!stalled_since)
        stalled_since = now;
    return now - stalled_since > timer_us_to_ticks(100000);
}

/* With interrupt-driven input, a VM that is not reading leaves characters in the UART: its
 * receive interrupt is masked meanwhile (it would fire without end) and a 10 ms timer on this
 * CPU looks again. */
static bool rx_irq_driven, rx_paused;
static struct hyp_timer rx_retry;

static void rx_retry_fire(struct hyp_timer *t)
{
    rx_paused = false;
    uart_rx_irq(true);
    console_input_poll(); /* what arrived meanwhile raised no new interrupt: drain it now */
}

void console_input_irq_mode(void) { rx_irq_driven = true; }

bool console_input_irq_driven(void) { return rx_irq_driven; }

void console_input_poll(void)
{
    int c;
    if (rx_irq_driven && !can_take()) {
        if (!rx_paused) {
            rx_paused = true;
            uart_rx_irq(false);
            timer_start(&rx_retry, timer_now() + timer_us_to_ticks(10000), rx_retry_fire, 0);
        }
        return;
    }
    while (can_take() && (c = uart_getc()) >= 0) {
        char out[CONSOLE_ESCAPE_RUN + 1];
        unsigned n;
        if (escape_feed(&esc, (char)c, out, &n)) {
            move_focus();
            continue;
        }
        if (focus >= nr_vms)
            continue;
        for (unsigned i = 0; i < n; i++)
            deliver(&vms[focus], out[i]);
    }
}
