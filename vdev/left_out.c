/* What a VM's configuration can ask for that this build leaves out (docs/build.md): the
 * compatibles of the device kinds without a row in vdev/device_table.c and the properties whose
 * part is not in vdev/vcpu_hw_table.c, each with its option. core/config.c refuses a VM that
 * names one, with one line naming the VM, what it asked for and the option. Ends with a NULL
 * row. */
#include "core/vdev.h"

const struct vdev_left_out vdev_left_out[] = {
#if !CONFIG_ITS
    { "arm,gic-v3-its", "ITS" },
#endif
#if !CONFIG_GICV2M
    { "arm,gic-v2m-frame", "GICV2M" },
#endif
#if !CONFIG_VIRTIO_BLK
    { "elvisor,virtio-blk", "VIRTIO_BLK" },
#endif
#if !CONFIG_VIRTIO_NET
    { "elvisor,virtio-net", "VIRTIO_NET" },
#endif
#if !CONFIG_VIRTIO_CONSOLE
    { "elvisor,virtio-console", "VIRTIO_CONSOLE" },
#endif
#if !CONFIG_CONTROL
    { "elvisor,virtio-control", "CONTROL" },
#endif
#if !CONFIG_VIRTIO_RNG
    { "elvisor,virtio-rng", "VIRTIO_RNG" },
#endif
#if !CONFIG_PCI_ASSIGN
    { "pci-host-ecam-generic", "PCI_ASSIGN" },
#endif
#if !CONFIG_SHMEM
    { "elvisor,ivshmem-pci", "SHMEM" },
#endif
#if !CONFIG_NESTED
    { "virtual-el2", "NESTED" },
#endif
    { 0, 0 },
};
