/* "pci-host-ecam-generic": a VM's virtual PCIe host bridge over host functions given to it
 * (docs/pci.md). */
#ifndef VDEV_VPCI_H
#define VDEV_VPCI_H

#include "core/vdev.h"

/* One ECAM bus: 32 devices x 8 functions x 4 KiB. */
#define VPCI_ECAM_MIN_WINDOW 0x100000

extern const struct vdev_ops vpci_ops;

#endif
