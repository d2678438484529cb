/* The physical GIC as the hypervisor uses it: one interface over GICv2 (drivers/gicv2.c) and
 * GICv3 (drivers/gicv3.c), chosen by the version in the descriptor that core passes to
 * gic_init(). The CPU interface runs with EOImode = 1: gic_eoi() only drops the running
 * priority, gic_deactivate() ends the interrupt, so that an interrupt handed to a guest with
 * the list-register HW bit stays active until the guest deactivates it. Calls on a private
 * INTID (< 32) act on the calling CPU's copy. */
#ifndef DRIVERS_GIC_H
#define DRIVERS_GIC_H

#include <stdint.h>
#include <stdbool.h>
#include "arch/aarch64/config.h"

#define GIC_NR_SGIS           16
#define GIC_NR_PRIVATE        32
#define GIC_SPURIOUS          1020 /* INTIDs 1020..1023 are special: nothing to handle */
#define GIC_PRIO_HYP          0xa0 /* every interrupt the hypervisor takes */
#define GIC_MAX_RDIST_REGIONS 8

struct gic_range {
    uint64_t base, size;
};

/* The GIC as the host device tree describes it; core fills it and passes it to gic_init(),
 * which copies what it keeps. */
struct gic_desc {
    unsigned version;                             /* 2 or 3 */
    uint64_t gicd;                                /* distributor base */
    uint64_t gicc;                                /* GICv2: CPU interface base */
    struct gic_range gicr[GIC_MAX_RDIST_REGIONS]; /* GICv3: redistributor regions */
    unsigned gicr_count;
    /* MPIDR of each logical CPU (index 0 = the boot CPU), for GICv3 routing and SGIs. */
    uint64_t cpu_mpidr[MAX_CPUS];
};

struct gic_ops {
    /* The INTID field of an acknowledge value: GICC_IAR [9:0] (its [12:10] name a GICv2 SGI's
     * source CPU), ICC_IAR1_EL1 [23:0]. */
    uint32_t intid_mask;
    void (*init)(const struct gic_desc *d);
    void (*cpu_init)(unsigned cpu);
    void (*enable)(uint32_t intid, bool on);
    void (*set_priority)(uint32_t intid, uint8_t prio);
    void (*set_edge)(uint32_t intid, bool edge);
    void (*route)(uint32_t intid, unsigned cpu);
    void (*set_pending)(uint32_t intid, bool pending);
    void (*set_active)(uint32_t intid, bool active);
    bool (*is_active)(uint32_t intid);
    uint32_t (*ack)(void);
    void (*eoi)(uint32_t iar);
    void (*deactivate)(uint32_t iar);
    void (*send_sgi)(unsigned cpu, unsigned sgi);
};

extern const struct gic_ops *gic;
extern const struct gic_ops gicv2_ops, gicv3_ops;
extern unsigned gic_lines; /* INTIDs the distributor implements */

/* Boot CPU, once, after the EL2 MMU maps the GIC: picks the driver, sets up the distributor. */
void gic_init(const struct gic_desc *d);
/* Every CPU (including the boot CPU): its redistributor / banked distributor state and CPU
 * interface. cpu is the calling CPU's logical index (cpu_index()). */
static inline void gic_cpu_init(unsigned cpu) { gic->cpu_init(cpu); }

static inline void gic_irq_enable(uint32_t intid) { gic->enable(intid, true); }
static inline void gic_irq_disable(uint32_t intid) { gic->enable(intid, false); }
static inline void gic_irq_set_priority(uint32_t intid, uint8_t prio) { gic->set_priority(intid, prio); }
/* SPIs (and PPIs whose configuration is programmable): edge (true) or level. */
static inline void gic_irq_set_edge(uint32_t intid, bool edge) { gic->set_edge(intid, edge); }
/* An SPI to one physical CPU (logical index). */
static inline void gic_irq_route(uint32_t intid, unsigned cpu) { gic->route(intid, cpu); }
static inline void gic_irq_set_pending(uint32_t intid, bool p) { gic->set_pending(intid, p); }
static inline void gic_irq_set_active(uint32_t intid, bool a) { gic->set_active(intid, a); }
static inline bool gic_irq_is_active(uint32_t intid) { return gic->is_active(intid); }
/* Acknowledge: returns the IAR value (GICv2 keeps the SGI source in bits [12:10]); pass it to
 * gic_eoi()/gic_deactivate(). gic_intid() extracts the INTID. */
static inline uint32_t gic_ack(void) { return gic->ack(); }
static inline uint32_t gic_intid(uint32_t iar) { return iar & gic->intid_mask; }
static inline void gic_eoi(uint32_t iar) { gic->eoi(iar); }
static inline void gic_deactivate(uint32_t iar) { gic->deactivate(iar); }
/* SGI to one physical CPU; memory written before is visible to it when the SGI arrives. */
static inline void gic_send_sgi(unsigned cpu, unsigned sgi) { gic->send_sgi(cpu, sgi); }
/* INTIDs the distributor implements (32 * (GICD_TYPER.ITLinesNumber + 1), at most 1020). */
static inline unsigned gic_nr_irqs(void) { return gic_lines; }

#endif
