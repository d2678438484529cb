/* The one table of device kinds a VM's configuration can name (core/vdev.h). Adding a kind: a
 * new file with its struct vdev_ops, and one row here (docs/architecture.md, "Adding a
 * device"). Host tests of the configuration parser link this table without the models
 * (HOST_TEST), so only the bindings are seen there. A kind the build configuration leaves out
 * (docs/build.md) has no row; its compatible is listed in vdev_left_out (vdev/left_out.c) so
 * that a VM naming it is refused with the option to turn on. */
#include "core/vdev.h"
#include "drivers/gic_its_regs.h"
#include "vdev/ivshmem.h"
#include "vdev/vdebug.h"
#include "vdev/vits.h"
#include "vdev/vgicv2m.h"
#include "vdev/virtio_devices.h"
#include "vdev/vpci.h"
#include "vdev/vpl011.h"

#ifdef HOST_TEST
#define MODEL(ops) 0
#else
#define MODEL(ops) (ops)
#endif

const struct vdev_kind vdev_kinds[] = {
    { .compatible = "arm,pl011", .ops = MODEL(&vpl011_ops) },
    { .compatible = "elvisor,debug-regs", .ops = MODEL(&vdebug_ops) },
#if CONFIG_ITS
    { .compatible = "arm,gic-v3-its", .min_size = GITS_FRAME_SIZE, .ops = MODEL(&vits_ops) },
#endif
#if CONFIG_GICV2M
    { .compatible = "arm,gic-v2m-frame",
      .props = VDEV_PROP_MSI_SPIS,
      .needs_irq = true,
      .min_size = V2M_FRAME_SIZE,
      .ops = MODEL(&vgicv2m_ops) },
#endif
#if CONFIG_VIRTIO_BLK
    { .compatible = "elvisor,virtio-blk",
      .props = VDEV_PROP_DISK | VDEV_PROP_READ_ONLY,
      .needs_irq = true,
      .min_size = VIRTIO_MMIO_MIN_WINDOW,
      .ops = MODEL(&virtio_blk_ops) },
#endif
#if CONFIG_VIRTIO_NET
    { .compatible = "elvisor,virtio-net",
      .props = VDEV_PROP_MAC | VDEV_PROP_PORT_SEC | VDEV_PROP_NO_OFFLOADS,
      .needs_irq = true,
      .min_size = VIRTIO_MMIO_MIN_WINDOW,
      .ops = MODEL(&virtio_net_ops) },
#endif
#if CONFIG_VIRTIO_CONSOLE
    { .compatible = "elvisor,virtio-console",
      .needs_irq = true,
      .min_size = VIRTIO_MMIO_MIN_WINDOW,
      .ops = MODEL(&virtio_console_ops) },
#endif
#if CONFIG_CONTROL
    { .compatible = "elvisor,virtio-control",
      .needs_irq = true,
      .min_size = VIRTIO_MMIO_MIN_WINDOW,
      .control = true,
      .ops = MODEL(&virtio_control_ops) },
#endif
#if CONFIG_VIRTIO_RNG
    { .compatible = "elvisor,virtio-rng",
      .needs_irq = true,
      .min_size = VIRTIO_MMIO_MIN_WINDOW,
      .ops = MODEL(&virtio_rng_ops) },
#endif
#if CONFIG_PCI_ASSIGN
    { .compatible = "pci-host-ecam-generic",
      .props = VDEV_PROP_PCI,
      .min_size = VPCI_ECAM_MIN_WINDOW,
      .ops = MODEL(&vpci_ops) },
#endif
#if CONFIG_SHMEM
    { .compatible = "elvisor,ivshmem-pci",
      .props = VDEV_PROP_SHMEM | VDEV_PROP_READ_ONLY,
      .needs_irq = true,
      .min_size = VPCI_ECAM_MIN_WINDOW,
      .ops = MODEL(&ivshmem_ops) },
#endif
};

const unsigned vdev_nr_kinds = sizeof(vdev_kinds) / sizeof(vdev_kinds[0]);
