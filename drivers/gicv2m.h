/* The host's GICv2m MSI frame (Arm Server Base System Architecture, appendix "GICv2m"): on a
 * GICv2 machine, which has no ITS, a write of an SPI number to the frame's MSI_SETSPI_NS makes
 * that SPI pending as an edge. The frame signals only the SPIs MSI_TYPER names; the hypervisor
 * hands contiguous blocks of them to the assigned functions' messages (core/pci_msi.c). The
 * register offsets are shared with the VMs' virtual frames (vdev/vgicv2m.c). */
#ifndef DRIVERS_GICV2M_H
#define DRIVERS_GICV2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The frame's registers (offsets in its 4 KiB page). */
#define V2M_MSI_TYPER        0x008 /* [25:16] first SPI, [9:0] number of SPIs */
#define V2M_MSI_SETSPI_NS    0x040 /* write: the SPI to make pending */
#define V2M_MSI_IIDR         0xfcc
#define V2M_TYPER_BASE_SHIFT 16
#define V2M_TYPER_BASE_MASK  0x3ffu
#define V2M_TYPER_NUM_MASK   0x3ffu
#define V2M_FRAME_SIZE       0x1000

#if CONFIG_GICV2M
/* Boot CPU, after gic_init: the frame at base (its page mapped Device at EL2) is used if its
 * MSI_TYPER names a range of SPIs the distributor implements. 0, or -1 with why filled. */
int gicv2m_init(uint64_t base, char *why, size_t cap);
bool gicv2m_ready(void);
/* The frame's SPIs: [*first, *first + *count). */
void gicv2m_range(uint32_t *first, uint32_t *count);
/* Physical address a device writes an SPI number to (the frame's MSI_SETSPI_NS). */
uint64_t gicv2m_doorbell(void);
/* n contiguous free SPIs of the frame: the first, or 0 if no such block is left. */
uint32_t gicv2m_alloc_spis(unsigned n);
void gicv2m_free_spis(uint32_t first, unsigned n);
#else
#include "lib/printf.h"
/* Left out of this build (CONFIG_GICV2M=n, docs/build.md): the host frame is never used, so
 * assigned functions on a GICv2 host have no MSI. */
static inline int gicv2m_init(uint64_t base, char *why, size_t cap)
{
    ev_snprintf(why, cap, "not in this build (CONFIG_GICV2M=n)");
    return -1;
}
static inline bool gicv2m_ready(void) { return false; }
static inline void gicv2m_range(uint32_t *first, uint32_t *count)
{
    *first = 0;
    *count = 0;
}
static inline uint64_t gicv2m_doorbell(void) { return 0; }
static inline uint32_t gicv2m_alloc_spis(unsigned n) { return 0; }
static inline void gicv2m_free_spis(uint32_t first, unsigned n) {}
#endif

#endif
