/* The virtio-mmio transport (virtio 1.2, 4.2; register layout version 2, no legacy): one
 * 4 KiB window per device with the common registers at 0x000-0x0ff and the device's
 * configuration space from 0x100. It owns feature negotiation, the device status state
 * machine, the queues' setup and the interrupt line; a back end (virtio_blk.c, virtio_net.c,
 * virtio_console.c, virtio_rng.c) supplies the device type's features, configuration space
 * and queue processing. Design: docs/virtio.md. */
#ifndef VDEV_VIRTIO_MMIO_H
#define VDEV_VIRTIO_MMIO_H

#include <stdint.h>
#include <stdbool.h>
#include "core/vm.h"
#include "core/vdev.h"
#include "lib/spinlock.h"
#include "vdev/virtqueue.h"

#define VIRTIO_MAX_QUEUES 4
/* Chains processed per trapped QueueNotify: one exit stays bounded however fast another
 * vCPU refills the ring, so a time-shared CPU is never held by one guest. */
#define VIRTIO_NOTIFY_BUDGET VIRTQ_MAX_SIZE

/* Feature bits (virtio 1.2, 6) the transport offers on behalf of every device. */
#define VIRTIO_F_RING_INDIRECT_DESC (1ULL << 28)
#define VIRTIO_F_RING_EVENT_IDX     (1ULL << 29)
#define VIRTIO_F_VERSION_1          (1ULL << 32)

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

struct virtio_dev;

struct virtio_backend {
    const char *name;   /* "virtio-blk": used in log lines */
    uint32_t device_id; /* 5.x: 1 net, 2 block, 3 console, 4 entropy */
    unsigned nr_queues;
    /* Fills buf with the device configuration space (little-endian) and returns its size. */
    unsigned (*config)(struct virtio_dev *d, uint8_t *buf, unsigned size);
    /* A write into the configuration space; NULL: the space is read-only (writes ignored). */
    void (*config_write)(struct virtio_dev *d, unsigned off, unsigned size, uint32_t val);
    /* The driver notified queue q, which is ready (d->lock held). */
    void (*notify)(struct virtio_dev *d, unsigned q);
    /* Called after a device reset (status 0 or VM reset), d->lock held; may be NULL. */
    void (*reset)(struct virtio_dev *d);
    /* VendorID this device reports (4.2.2); 0: elvisor's "ELVS". */
    uint32_t vendor_id;
    /* The VM was refused after this device attached: give back what attach took (memory, a
     * switch port). May be NULL. */
    void (*release)(struct virtio_dev *d);
};

struct virtio_dev {
    spinlock_t lock; /* everything below; never held while taking another device's */
    struct vm *vm;
    const struct virtio_backend *be;
    void *priv;        /* the back end's state */
    uint64_t ipa;      /* window base, for log lines */
    uint32_t intid;    /* the SPI, level-sensitive: high while isr != 0 */
    uint64_t features; /* offered: the back end's plus the transport's */
    uint64_t driver_features;
    uint32_t status, isr, config_gen;
    uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
    bool line; /* level last given to the vGIC */
    /* Chains one notification may still take (VIRTIO_NOTIFY_BUDGET), and whether it stopped
     * with chains left: the guest then repeats its QueueNotify write (mmio_ops retry). */
    unsigned budget;
    bool notifying, budget_hit;
    struct guest_ram ram;
    struct virtq vq[VIRTIO_MAX_QUEUES];
};

/* At VM creation and at each VM reset: (re)initialises d for device `cfg` of vm with back end
 * `be` offering `features`, and registers its MMIO window. */
int virtio_mmio_attach(struct vm *vm, const struct vm_device *cfg, struct virtio_dev *d,
                       const struct virtio_backend *be, uint64_t features, void *priv);
/* The vdev_ops of every virtio kind (state: a device slot starting with its struct virtio_dev):
 * quiesce resets the device before its VM's RAM is cleared, so that it touches that RAM no more
 * (frames from other VMs, console input) until the driver sets it up again; release gives back
 * what its back end took; dt_node writes its virtio,mmio node. */
void virtio_mmio_quiesce(void *state);
void virtio_mmio_release(void *state);
void virtio_mmio_dt_node(const struct vm_device *cfg, void *state, struct vdev_dt *dt);

/* For back ends, with d->lock held. */
/* Whether queue q can be used now: driver ready, queue enabled, no reset pending, VM running. */
bool virtio_queue_usable(struct virtio_dev *d, unsigned q);
/* virtq_pop on queue q; a driver error puts the device into DEVICE_NEEDS_RESET (one log line)
 * and returns -1. Inside a notification, 0 also means the budget is spent (the transport
 * resumes the work when the guest repeats the notification). */
int virtio_pop(struct virtio_dev *d, unsigned q, struct virtq_chain *c);
void virtio_push(struct virtio_dev *d, unsigned q, uint16_t head, uint32_t written);
/* Raises the used-buffer interrupt if the driver wants one for what was pushed on q. */
void virtio_signal(struct virtio_dev *d, unsigned q);
/* Takes what the driver queued on q for the device to read (an output queue): hands the
 * driver-readable bytes of each chain to sink, at most budget bytes in all (the rest is dropped
 * and counted), completes the chains and signals once. Returns the bytes dropped. */
typedef void (*virtio_sink_fn)(struct virtio_dev *d, const char *bytes, uint32_t len);
uint64_t virtio_drain_out(struct virtio_dev *d, unsigned q, uint32_t budget, virtio_sink_fn sink);
/* Puts the device into DEVICE_NEEDS_RESET with one log line naming the VM, device and cause. */
void virtio_fail(struct virtio_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool virtio_has_feature(const struct virtio_dev *d, uint64_t bit);

#endif
