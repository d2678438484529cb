/* GICv4.0 direct injection of virtual LPIs on the host GIC (IHI 0069H chapters 5.3 and 12.12;
 * docs/interrupts.md "GICv4 direct injection"): the vPE commands of the host ITS and each
 * redistributor's GICR_VPROPBASER/GICR_VPENDBASER. The hypervisor owns every table it names:
 * a vPE's virtual pending table (VPT) and the virtual LPI configuration table of its VM live
 * in hypervisor memory, never mapped into a guest. QEMU's `virt,gic-version=4` is a GICv4.0
 * (per-vLPI doorbells, GICR_TYPER.RVPEID = 0, no GICD_TYPER2), which is what this drives. */
#ifndef DRIVERS_GICV4_H
#define DRIVERS_GICV4_H

#include <stdbool.h>
#include <stdint.h>

/* vINTIDs below 2^GICV4_ID_BITS: the VPT holds a bit per INTID from 0 (64 KiB aligned,
 * GICR_VPENDBASER 12.12.1), the configuration table a byte per LPI from 8192. */
#define GICV4_ID_BITS    14u
#define GICV4_VPT_BYTES  ((1u << GICV4_ID_BITS) / 8)
#define GICV4_VPT_ALIGN  0x10000u
#define GICV4_LPI_BASE   8192u
#define GICV4_PROP_BYTES ((1u << GICV4_ID_BITS) - GICV4_LPI_BASE)

#if CONFIG_GICV4
/* vPEIDs the host ITS takes (its vPE table), 0 when the host has no GICv4 (no ITS, or
 * GITS_TYPER.Virtual = 0). */
unsigned gicv4_nr_vpes(void);
/* CPU cpu's redistributor can host vPEs (GICR_TYPER.VLPIS, its collection mapped). */
bool gicv4_cpu_ok(unsigned cpu);

/* VMAPP: vPE vpeid on CPU cpu's redistributor with virtual pending table vpt (valid), or
 * unmapped (!valid); then VSYNC / SYNC. 0 or -1. */
int gicv4_vpe_map(uint32_t vpeid, unsigned cpu, const void *vpt, bool valid);
/* Event (dev, ev) of a host device becomes vLPI vintid of vPE vpeid: DISCARD of its current
 * mapping, VMAPTI with doorbell (a host LPI, raised on the vPE's redistributor when the vLPI
 * becomes pending while the vPE is not resident), VSYNC. 0 or -1. */
int gicv4_vlpi_map(uint32_t dev, uint32_t ev, uint32_t vpeid, uint32_t vintid, uint32_t doorbell);
/* VMOVI: the event's vLPI (same vINTID) now belongs to vPE vpeid, its pending state moved with
 * it; VSYNC. */
int gicv4_vlpi_move(uint32_t dev, uint32_t ev, uint32_t vpeid, uint32_t doorbell);
/* INV of the event's vLPI (its byte of the configuration table changed); VSYNC. */
int gicv4_vlpi_inv(uint32_t dev, uint32_t ev, uint32_t vpeid);
/* Back to a physical LPI: DISCARD, MAPTI (dev, ev) -> host LPI lpi on CPU cpu's collection,
 * INV, SYNC. */
int gicv4_vlpi_unmap(uint32_t dev, uint32_t ev, uint32_t lpi, unsigned cpu);

/* On CPU cpu itself: the vPE with configuration table prop and pending table vpt becomes
 * resident (GICR_VPROPBASER, then GICR_VPENDBASER.Valid = 1); the GIC signals its pending
 * enabled vLPIs to the vCPU interface with no exit. */
void gicv4_vpe_load(unsigned cpu, const void *prop, const void *vpt);
/* On CPU cpu itself: the resident vPE leaves (Valid = 0, waiting for Dirty = 0 so that its
 * pending table in memory is complete). Returns GICR_VPENDBASER.PendingLast: a vLPI was
 * pending for it. */
bool gicv4_vpe_put(unsigned cpu);
#else
/* Left out of this build (CONFIG_GICV4=n, docs/build.md): no vPE is ever made
 * (vdev/vgic_v4.h's absent form), so the calls below are not reached. */
static inline unsigned gicv4_nr_vpes(void) { return 0; }
static inline bool gicv4_cpu_ok(unsigned cpu) { return false; }
static inline int gicv4_vpe_map(uint32_t vpeid, unsigned cpu, const void *vpt, bool valid) { return -1; }
static inline int gicv4_vlpi_map(uint32_t dev, uint32_t ev, uint32_t vpeid, uint32_t vintid, uint32_t doorbell)
{
    return -1;
}
static inline int gicv4_vlpi_move(uint32_t dev, uint32_t ev, uint32_t vpeid, uint32_t doorbell) { return -1; }
static inline int gicv4_vlpi_inv(uint32_t dev, uint32_t ev, uint32_t vpeid) { return -1; }
static inline int gicv4_vlpi_unmap(uint32_t dev, uint32_t ev, uint32_t lpi, unsigned cpu) { return -1; }
static inline void gicv4_vpe_load(unsigned cpu, const void *prop, const void *vpt) {}
static inline bool gicv4_vpe_put(unsigned cpu) { return false; }
#endif

#endif
