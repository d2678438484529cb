/* What drivers/gicv3_its.c lends drivers/gicv4.c: the host ITS's command queue and what it
 * knows of the CPUs and events. Nothing outside drivers/ includes this. */
#ifndef DRIVERS_GICV3_ITS_PRIV_H
#define DRIVERS_GICV3_ITS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

/* Queues n commands (four doublewords each) and waits until the ITS has read them all; false
 * if the ITS is not usable or stalled (then it is marked unusable). */
bool its_submit(const uint64_t (*cmd)[4], unsigned n);
/* CPU cpu's redistributor is mapped (its collection exists) and has virtual LPIs. */
bool its_cpu_vlpis(unsigned cpu);
/* The RDbase field of commands aimed at CPU cpu's redistributor. */
uint64_t its_rdbase(unsigned cpu);
/* vPEIDs the vPE table covers; 0 when the ITS has no virtual LPIs. */
unsigned its_nr_vpes(void);
/* (dev, ev) is an event of a device the ITS mapped (gicv3_its_map_device). */
bool its_event_ok(uint32_t dev, uint32_t ev);
/* intid is one of the host LPIs gicv3_its_alloc_lpi hands out. */
bool its_lpi_ok(uint32_t intid);

#endif
