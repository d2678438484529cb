/* A virtual GICv2m MSI frame (Arm Server Base System Architecture, appendix "GICv2m"): on GICv2
 * machines, which have no ITS, a device or the guest signals one of a range of SPIs by writing
 * its number to MSI_SETSPI_NS. docs/config.md ("arm,gic-v2m-frame"), docs/interrupts.md. */
#ifndef VDEV_VGICV2M_H
#define VDEV_VGICV2M_H

#include "core/vdev.h"

/* The frame's registers (offsets in its 4 KiB page). */
#define V2M_MSI_TYPER        0x008 /* [25:16] first SPI, [9:0] number of SPIs */
#define V2M_MSI_SETSPI_NS    0x040 /* write: the SPI to make pending */
#define V2M_MSI_IIDR         0xfcc
#define V2M_TYPER_BASE_SHIFT 16
#define V2M_TYPER_BASE_MASK  0x3ffu
#define V2M_TYPER_NUM_MASK   0x3ffu
#define V2M_FRAME_SIZE       0x1000

extern const struct vdev_ops vgicv2m_ops;

#endif
