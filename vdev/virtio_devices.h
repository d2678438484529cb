/* The virtio device kinds a VM's configuration can name (docs/virtio.md), each a back end of
 * the virtio-mmio transport (vdev/virtio_mmio.c), listed in vdev/device_table.c. */
#ifndef VDEV_VIRTIO_DEVICES_H
#define VDEV_VIRTIO_DEVICES_H

#include "core/vdev.h"

/* A virtio-mmio window holds the common registers and the configuration space (4.2.2). */
#define VIRTIO_MMIO_MIN_WINDOW 0x200

extern const struct vdev_ops virtio_blk_ops, virtio_net_ops, virtio_console_ops, virtio_rng_ops, virtio_control_ops;

#endif
