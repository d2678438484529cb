/* The host's GICv3 ITS at EL2 (IHI 0069H chapter 5, 12.19): the hypervisor owns it. It keeps
 * the ITS's command queue, device and collection tables, and the LPI configuration and pending
 * tables of every host redistributor (one collection per CPU), and maps (DeviceID, EventID)
 * pairs to physical LPIs that the hypervisor handles (core/irq.c). A device signals an event by
 * writing its EventID to GITS_TRANSLATER (gicv3_its_doorbell()) with its DeviceID on the bus. */
#ifndef DRIVERS_GICV3_ITS_H
#define DRIVERS_GICV3_ITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GIC_LPI_BASE     8192u
#define ITS_HOST_NR_LPIS 1024u /* physical LPIs the hypervisor hands out: 8192..9215 */

struct gicv3_its_desc {
    uint64_t gicd; /* the distributor (GICD_TYPER: LPIs and their INTID bits) */
    uint64_t base; /* the ITS's 128 KiB (control and translation frames), mapped Device at EL2 */
    /* Zeroed pages, aligned to align bytes (physical = virtual at EL2); NULL when out. */
    void *(*alloc)(size_t pages, size_t align);
};

#if CONFIG_ITS
/* Boot CPU, after gic_init: checks the GIC has LPIs, builds the tables and the command queue
 * and enables the ITS. 0, or -1 with why filled (the ITS then stays unused). */
int gicv3_its_init(const struct gicv3_its_desc *d, char *why, size_t cap);
bool gicv3_its_ready(void);
/* Every CPU, after its GIC interface: LPIs on in its redistributor, collection cpu maps to it. */
void gicv3_its_cpu_init(unsigned cpu);
#else
#include "lib/printf.h"
/* Left out of this build (CONFIG_ITS=n, docs/build.md): the host ITS is never used, so no
 * caller reaches the functions below. */
static inline int gicv3_its_init(const struct gicv3_its_desc *d, char *why, size_t cap)
{
    ev_snprintf(why, cap, "not in this build (CONFIG_ITS=n)");
    return -1;
}
static inline bool gicv3_its_ready(void) { return false; }
static inline void gicv3_its_cpu_init(unsigned cpu) {}
#endif
/* One line for the boot banner. */
void gicv3_its_describe(char *buf, size_t cap);

/* Physical address a device writes an EventID to (GITS_TRANSLATER). */
uint64_t gicv3_its_doorbell(void);
/* A free host LPI (INTID), 0 if none are left; gicv3_its_free_lpi gives it back. */
uint32_t gicv3_its_alloc_lpi(void);
void gicv3_its_free_lpi(uint32_t intid);
/* MAPD: DeviceID dev gets an interrupt translation table for EventIDs below 2^event_bits
 * (valid) or loses it (every event of it discarded). 0, or -1 if dev is out of range or no
 * memory is left. */
int gicv3_its_map_device(uint32_t dev, unsigned event_bits, bool valid);
/* MAPTI (dev, ev) -> LPI intid, on CPU cpu's collection, enabled; then INV + SYNC. */
int gicv3_its_map_event(uint32_t dev, uint32_t ev, uint32_t intid, unsigned cpu);
/* MOVI (dev, ev) to CPU cpu's collection + SYNC: its LPI is taken there from now on. */
int gicv3_its_move_event(uint32_t dev, uint32_t ev, unsigned cpu);
/* DISCARD (dev, ev) + SYNC: the event raises nothing any more. */
void gicv3_its_unmap_event(uint32_t dev, uint32_t ev);
/* INT (dev, ev) + SYNC: the ITS raises the event's LPI as if the device had written it. */
void gicv3_its_int(uint32_t dev, uint32_t ev);

/* drivers/gicv3.c: RD_base of logical CPU cpu's redistributor (after its gic_cpu_init). */
uint64_t gicv3_rdist_base(unsigned cpu);

#endif
