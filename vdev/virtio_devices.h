/* The virtio device types a VM's configuration can name (docs/virtio.md), each a back end of
 * the virtio-mmio transport (vdev/virtio_mmio.c). `index` is the device's position in the
 * VM's configuration. Each attach runs at VM creation and again at every VM reset. */
#ifndef VDEV_VIRTIO_DEVICES_H
#define VDEV_VIRTIO_DEVICES_H

#include <stdbool.h>
#include "core/vm.h"

int virtio_blk_attach(struct vm *vm, const struct vm_device *d, unsigned index);
int virtio_net_attach(struct vm *vm, const struct vm_device *d, unsigned index);
int virtio_console_attach(struct vm *vm, const struct vm_device *d, unsigned index);
int virtio_rng_attach(struct vm *vm, const struct vm_device *d, unsigned index);

/* virtio-rng is offered only on CPUs with FEAT_RNG (RNDR); elsewhere its node is left out of
 * the VM's device tree and the VM runs without it. */
bool virtio_rng_supported(void);

#endif
