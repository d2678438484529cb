/* virtio entropy device (virtio 1.2, 5.4): one request queue whose device-writable buffers
 * are filled from RNDR (FEAT_RNG). Offered only when the CPU has RNDR. */
#include "vdev/virtio_devices.h"
#include "vdev/virtio_mmio.h"
#include "arch/aarch64/rng.h"
#include "core/console.h"
#include "lib/string.h"

#define RNG_DEVICE_ID 4
#define RNG_REQUESTQ  0
#define RNG_MAX_FILL  4096 /* bytes per request: bounds the time spent in one exit */

VDEV_STATE_FITS(struct virtio_dev);

/* Fills up to `len` bytes; stops early if RNDR keeps failing (the guest gets fewer bytes,
 * which 5.4.6.2 allows). */
static uint32_t fill(const struct virtq_chain *c, uint32_t len)
{
    uint32_t done = 0;
    while (done < len) {
        uint64_t r = 0;
        if (!rndr_read_retry(&r))
            return done;
        uint32_t n = len - done < sizeof(r) ? len - done : (uint32_t)sizeof(r);
        virtq_copy_to_chain(c, done, &r, n);
        done += n;
    }
    return done;
}

static void rng_notify(struct virtio_dev *d, unsigned q)
{
    struct virtq_chain c;
    int rc;
    while ((rc = virtio_pop(d, RNG_REQUESTQ, &c)) > 0) {
        uint32_t want = c.in_len < RNG_MAX_FILL ? (uint32_t)c.in_len : RNG_MAX_FILL;
        virtio_push(d, RNG_REQUESTQ, c.head, fill(&c, want));
    }
    if (rc == 0)
        virtio_signal(d, RNG_REQUESTQ);
}

static const struct virtio_backend rng_backend = {
    .name = "virtio-rng",
    .device_id = RNG_DEVICE_ID,
    .nr_queues = 1,
    .notify = rng_notify,
};

static int virtio_rng_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    if (!cpu_has_rndr()) {
        if (vm->state != VM_RESETTING)
            printk("elvisor: VM '%s': virtio-rng at 0x%lx not offered: this CPU has no RNDR (FEAT_RNG)\n", vm->cfg.name,
                   (unsigned long)d->ipa);
        return 0;
    }
    return virtio_mmio_attach(vm, d, state, &rng_backend, 0, 0);
}

/* Without RNDR the device is left out of the VM's device tree: the VM runs without it. */
static void virtio_rng_dt_node(const struct vm_device *d, void *state, struct vdev_dt *dt)
{
    if (cpu_has_rndr())
        virtio_mmio_dt_node(d, state, dt);
}

const struct vdev_ops virtio_rng_ops = {
    .attach = virtio_rng_attach,
    .dt_node = virtio_rng_dt_node,
    .quiesce = virtio_mmio_quiesce,
    .release = virtio_mmio_release,
};
