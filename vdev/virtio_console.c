/* virtio console device (virtio 1.2, 5.3): one port, hvc0 in a Linux guest. No MULTIPORT and
 * no SIZE: receiveq0 (0) and transmitq0 (1) only, cols = rows = 0. VIRTIO_CONSOLE_F_EMERG_WRITE
 * is offered: a write of emerg_wr (configuration offset 8) prints one character.
 *
 * Output (transmitq0, emerg_wr) goes to the hypervisor console like a vPL011's, through a console
 * stream of its own (core/console.h: filtered, "[vm-name] " first on each line). Input is the console
 * input of the focused VM (core/console_input.c): once the driver is ready (DRIVER_OK, receiveq0
 * enabled) it comes here instead of to the VM's PL011, waits in a small buffer and fills the
 * driver's posted receive buffers, when it arrives and when the driver posts new ones.
 *
 * Locking: input runs on physical CPU 0 (console interrupt), the driver's notifications on its
 * vCPU's CPU; d->lock covers the device and this file's state alike. */
#include "vdev/virtio_devices.h"
#include "vdev/virtio_mmio.h"
#include "core/console.h"
#include "lib/string.h"

#define CONSOLE_DEVICE_ID 3
#define RECEIVEQ          0
#define TRANSMITQ         1
#define NR_QUEUES         2

#define F_EMERG_WRITE   (1ULL << 2) /* VIRTIO_CONSOLE_F_EMERG_WRITE (5.3.3) */
#define CONFIG_SIZE     12          /* cols, rows, max_nr_ports, emerg_wr (5.3.4) */
#define CONFIG_EMERG_WR 8

#define RX_SIZE 256 /* input waiting for receive buffers (a power of two) */
/* Output printed per transmit notification: bounds the time one exit spends printing. A
 * driver's larger writes are returned with the excess dropped (Linux's hvc writes at most a
 * page per buffer, one buffer per notification). */
#define TX_BUDGET 4096

struct vconsole {
    struct virtio_dev dev;
    struct console_out *out; /* taken at the first attach, kept across resets */
    char rx[RX_SIZE];
    unsigned rx_head, rx_tail; /* free-running; rx_head - rx_tail characters wait */
};

VDEV_STATE_FITS(struct vconsole);

static struct vconsole *vc_of(struct virtio_dev *d) { return d->priv; }

/* Hands waiting input to the driver's receive buffers (d->lock held). At most one pass over
 * the ring per call, even if another vCPU keeps posting buffers. */
static void fill_rx(struct vconsole *vc)
{
    struct virtio_dev *d = &vc->dev;
    struct virtq_chain c;
    unsigned chains = 0;
    bool pushed = false;
    while (vc->rx_head != vc->rx_tail && chains++ < VIRTQ_MAX_SIZE) {
        if (virtio_pop(d, RECEIVEQ, &c) <= 0)
            break;
        uint32_t done = 0;
        while (vc->rx_head != vc->rx_tail && done < c.in_len) {
            /* The contiguous run from rx_tail, bounded by the buffer's end and the chain. */
            unsigned at = vc->rx_tail % RX_SIZE;
            unsigned run = vc->rx_head - vc->rx_tail;
            if (run > RX_SIZE - at)
                run = RX_SIZE - at;
            if (run > c.in_len - done)
                run = (unsigned)(c.in_len - done);
            uint64_t n = virtq_copy_to_chain(&c, done, vc->rx + at, run);
            if (n == 0)
                break;
            done += (uint32_t)n;
            vc->rx_tail += (unsigned)n;
        }
        /* A chain without device-writable space (a driver error) goes back empty. */
        virtio_push(d, RECEIVEQ, c.head, done);
        pushed = true;
    }
    if (pushed)
        virtio_signal(d, RECEIVEQ);
}

static void print_output(struct virtio_dev *d, const char *bytes, uint32_t len)
{
    console_out_put(vc_of(d)->out, bytes, len);
}

/* Prints what the driver queued for output, at most TX_BUDGET bytes per notification. */
static void drain_tx(struct vconsole *vc)
{
    struct virtio_dev *d = &vc->dev;
    uint64_t dropped = virtio_drain_out(d, TRANSMITQ, TX_BUDGET, print_output);
    if (dropped)
        vm_log(d->vm, "%s@%lx: %lu bytes of output dropped (over %u in one notification)", d->be->name,
               (unsigned long)d->ipa, (unsigned long)dropped, TX_BUDGET);
}

static void console_notify(struct virtio_dev *d, unsigned q)
{
    if (q == RECEIVEQ)
        fill_rx(vc_of(d));
    else if (q == TRANSMITQ)
        drain_tx(vc_of(d));
}

static unsigned console_config(struct virtio_dev *d, uint8_t *buf, unsigned size)
{
    /* cols, rows (no SIZE), max_nr_ports (no MULTIPORT) and emerg_wr all read as 0. */
    unsigned n = size < CONFIG_SIZE ? size : CONFIG_SIZE;
    memset(buf, 0, n);
    return n;
}

static void console_config_write(struct virtio_dev *d, unsigned off, unsigned size, uint32_t val)
{
    /* 5.3.5: with EMERG_WRITE offered, emerg_wr may be written at any time, even before
     * feature negotiation; the low byte is the character. */
    if (off != CONFIG_EMERG_WR)
        return;
    char c = (char)(val & 0xff);
    console_out_put(vc_of(d)->out, &c, 1);
}

/* Device reset (status 0, VM reset): waiting input is dropped, a partial output line printed. */
static void console_reset(struct virtio_dev *d)
{
    struct vconsole *vc = vc_of(d);
    vc->rx_head = vc->rx_tail = 0;
    console_out_reset(vc->out);
}

/* The VM is refused: the console stream goes back. */
static void console_release(struct virtio_dev *d)
{
    struct vconsole *vc = vc_of(d);
    console_out_release(vc->out);
    vc->out = 0;
}

static const struct virtio_backend console_backend = {
    .name = "virtio-console",
    .device_id = CONSOLE_DEVICE_ID,
    .nr_queues = NR_QUEUES,
    .config = console_config,
    .config_write = console_config_write,
    .notify = console_notify,
    .reset = console_reset,
    .release = console_release,
};

static int virtio_console_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct vconsole *vc = state;
    if (!vc->out && !(vc->out = console_out_get(vm, vm->cfg.name))) {
        printk("elvisor: VM '%s' refused: virtio-console@%lx: no console stream left\n", vm->cfg.name,
               (unsigned long)d->ipa);
        return -1;
    }
    return virtio_mmio_attach(vm, d, &vc->dev, &console_backend, F_EMERG_WRITE, vc);
}

/* Whether its driver can take input now; d->lock held by the caller. */
static bool rx_ready(struct vconsole *vc) { return virtio_queue_usable(&vc->dev, RECEIVEQ); }

static bool virtio_console_ready(void *state)
{
    struct vconsole *vc = state;
    if (!vc->dev.be)
        return false;
    spin_lock(&vc->dev.lock);
    bool ready = rx_ready(vc);
    spin_unlock(&vc->dev.lock);
    return ready;
}

static unsigned virtio_console_rx_room(void *state)
{
    struct vconsole *vc = state;
    spin_lock(&vc->dev.lock);
    unsigned room = RX_SIZE - (vc->rx_head - vc->rx_tail);
    spin_unlock(&vc->dev.lock);
    return room;
}

/* Queues c and fills the driver's receive buffers; dropped if the driver stopped being ready
 * since console_input asked. */
static void virtio_console_input(void *state, char c)
{
    struct vconsole *vc = state;
    spin_lock(&vc->dev.lock);
    if (rx_ready(vc)) {
        if (vc->rx_head - vc->rx_tail < RX_SIZE)
            vc->rx[vc->rx_head++ % RX_SIZE] = c;
        fill_rx(vc);
    }
    spin_unlock(&vc->dev.lock);
}

/* A VM's virtio console takes its console input once the driver is ready (DRIVER_OK, receiveq0
 * enabled), before its PL011. */
static const struct vdev_console virtio_console_sink = {
    .rank = 1,
    .ready = virtio_console_ready,
    .room = virtio_console_rx_room,
    .input = virtio_console_input,
};

const struct vdev_ops virtio_console_ops = {
    .attach = virtio_console_attach,
    .dt_node = virtio_mmio_dt_node,
    .quiesce = virtio_mmio_quiesce,
    .release = virtio_mmio_release,
    .console = &virtio_console_sink,
};
