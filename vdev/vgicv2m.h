/* A virtual GICv2m MSI frame (Arm Server Base System Architecture, appendix "GICv2m"): on GICv2
 * machines, which have no ITS, a device or the guest signals one of a range of SPIs by writing
 * its number to MSI_SETSPI_NS. docs/config.md ("arm,gic-v2m-frame"), docs/interrupts.md. */
#ifndef VDEV_VGICV2M_H
#define VDEV_VGICV2M_H

#include "core/vdev.h"
#include "drivers/gicv2m.h" /* the frame's registers */

extern const struct vdev_ops vgicv2m_ops;

#endif
