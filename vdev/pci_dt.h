/* The device-tree node of a virtual PCIe host bridge (Linux binding pci/host-generic-pci.yaml),
 * shared by the bridges vdev offers: vdev/vpci.c (assigned functions) and vdev/ivshmem.c
 * (shared memory). */
#ifndef VDEV_PCI_DT_H
#define VDEV_PCI_DT_H

#include "core/config.h"
#include "lib/fdt_write.h"

/* Opens the bridge's node for device d: ECAM at d's reg (bus 0 only), one memory window where
 * PCI bus addresses are the IPAs of d's bar-window (32-bit space below 4 GiB, 64-bit above), the
 * interrupt-map-mask of one pin per device. The caller adds its interrupt-map and children and
 * closes the node. */
void pci_dt_bridge_begin(struct fdt_writer *w, const struct vm_device *d);

#endif
