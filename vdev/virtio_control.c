/* The control channel's device (docs/control.md): a virtio console (virtio 1.2, 5.3) with one
 * port, so that Linux's own driver makes it /dev/hvcN, given only to the VM marked `control;`.
 * What the driver queues on transmitq0 is request text for core/control.c; the replies fill
 * the buffers it posts on receiveq0. No MULTIPORT, SIZE or EMERG_WRITE.
 *
 * Locking: the driver's notifications run on its vCPUs' CPUs; d->lock covers the device and
 * the channel (core/control.h) alike. */
#include "vdev/virtio_devices.h"
#include "vdev/virtio_mmio.h"
#include "core/control.h"
#include "core/console.h"
#include "lib/string.h"

#define CONSOLE_DEVICE_ID 3
#define RECEIVEQ          0
#define TRANSMITQ         1
#define NR_QUEUES         2
#define CONFIG_SIZE       12 /* cols, rows, max_nr_ports, emerg_wr (5.3.4): all 0 */
/* Request bytes taken per transmit notification: bounds the time one exit spends. */
#define TX_BUDGET 4096

struct vcontrol {
    struct virtio_dev dev;
};

VDEV_STATE_FITS(struct vcontrol);

/* Hands the pending reply to the driver's receive buffers (d->lock held). */
static void fill_rx(struct virtio_dev *d)
{
    struct virtq_chain c;
    unsigned chains = 0;
    bool pushed = false;
    size_t len;
    const char *p = control_pending(&len);
    while (len && chains++ < VIRTQ_MAX_SIZE) {
        if (virtio_pop(d, RECEIVEQ, &c) <= 0)
            break;
        uint64_t n = virtq_copy_to_chain(&c, 0, p, len < c.in_len ? len : c.in_len);
        virtio_push(d, RECEIVEQ, c.head, (uint32_t)n);
        pushed = true;
        control_consumed(n);
        p = control_pending(&len);
        if (n == 0)
            break; /* a chain without device-writable space: a driver error */
    }
    if (pushed)
        virtio_signal(d, RECEIVEQ);
}

static void take_request(struct virtio_dev *d, const char *bytes, uint32_t len) { control_input(d->vm, bytes, len); }

/* Takes the driver's request bytes, at most TX_BUDGET per notification; answers. */
static void drain_tx(struct virtio_dev *d)
{
    uint64_t dropped = virtio_drain_out(d, TRANSMITQ, TX_BUDGET, take_request);
    if (dropped)
        vm_log(d->vm, "%s@%lx: %lu request bytes dropped (over %u in one notification)", d->be->name,
               (unsigned long)d->ipa, (unsigned long)dropped, TX_BUDGET);
    fill_rx(d);
}

static void control_notify(struct virtio_dev *d, unsigned q)
{
    if (q == RECEIVEQ)
        fill_rx(d);
    else if (q == TRANSMITQ)
        drain_tx(d);
}

static unsigned control_config(struct virtio_dev *d, uint8_t *buf, unsigned size)
{
    unsigned n = size < CONFIG_SIZE ? size : CONFIG_SIZE;
    memset(buf, 0, n);
    return n;
}

static void control_dev_reset(struct virtio_dev *d) { control_reset(); }

static const struct virtio_backend control_backend = {
    .name = "virtio-control",
    .device_id = CONSOLE_DEVICE_ID,
    .nr_queues = NR_QUEUES,
    .config = control_config,
    .notify = control_notify,
    .reset = control_dev_reset,
    .vendor_id = 0x43564c45u, /* "ELVC": how the guest's init tells this hvc from a console */
};

static int virtio_control_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct vcontrol *vc = state;
    return virtio_mmio_attach(vm, d, &vc->dev, &control_backend, 0, vc);
}

const struct vdev_ops virtio_control_ops = {
    .attach = virtio_control_attach,
    .dt_node = virtio_mmio_dt_node,
    .quiesce = virtio_mmio_quiesce,
    .release = virtio_mmio_release,
};
