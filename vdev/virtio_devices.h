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

/* Console input for a VM's virtio console (core/console_input.c, on CPU 0): the VM's first
 * virtio console takes the input typed for the VM once its driver is ready (DRIVER_OK,
 * receiveq0 enabled); until then the input goes to the VM's PL011. */
bool virtio_console_ready(struct vm *vm);
/* Characters its input buffer can still take (0 for a VM without a virtio console). */
unsigned virtio_console_rx_room(struct vm *vm);
/* Queues c for the virtio console and fills the driver's receive buffers; false (c not taken)
 * when the VM has no virtio console or its driver is not ready. */
bool virtio_console_input(struct vm *vm, char c);

#endif
