/* GICv2 (IHI 0048B): memory-mapped distributor and CPU interface. */
#include "drivers/gic.h"
#include "drivers/gic_regs.h"
#include "lib/spinlock.h"
#include "arch/aarch64/sysreg.h"

/* CPU interface (IHI 0048B 4.1.3 "CPU interface register map"). */
#define GICC_CTLR 0x0000
#define GICC_PMR  0x0004
#define GICC_BPR  0x0008
#define GICC_IAR  0x000c
#define GICC_EOIR 0x0010
#define GICC_DIR  0x1000

/* GICC_CTLR (4.4.1): bit 0 enables the interrupts of this security view (EnableGrp0 without
 * the Security Extensions, EnableGrp1 in the Non-secure view), bit 1 EnableGrp1 without them;
 * bit 9 EOImode(NS): EOIR only drops priority, DIR deactivates. */
#define GICC_CTLR_EN0     (1u << 0)
#define GICC_CTLR_EN1     (1u << 1)
#define GICC_CTLR_EOIMODE (1u << 9)
/* GICD_TYPER.SecurityExtn, bit 10 (4.3.2). */
#define GICD_TYPER_SECEXT (1u << 10)

static uint64_t dist, cpuif;
static uint8_t cpu_mask[MAX_CPUS]; /* GICv2 CPU interface number of each logical CPU */
static spinlock_t cfg_lock = SPINLOCK_INIT;

static void v2_init(const struct gic_desc *d)
{
    dist = d->gicd;
    cpuif = d->gicc;
    uint32_t typer = gic_rd32(dist, GICD_TYPER);
    unsigned n = GICD_TYPER_LINES(typer);
    gic_lines = n > 1020 ? 1020 : n;
    gic_wr32(dist, GICD_CTLR, 0);
    for (uint32_t i = 32; i < gic_lines; i += 32) {
        gic_wr32(dist, GICD_ICENABLER + i / 8, ~0u);
        gic_wr32(dist, GICD_ICPENDR + i / 8, ~0u);
        gic_wr32(dist, GICD_ICACTIVER + i / 8, ~0u);
    }
    for (uint32_t i = 32; i < gic_lines; i++)
        gic_wr8(dist, GICD_IPRIORITYR + i, GIC_PRIO_HYP);
    /* EnableGrp0 and EnableGrp1 (bit 1 is RES0 in the Non-secure view, where bit 0 is the
     * Non-secure group's enable). */
    gic_wr32(dist, GICD_CTLR, 3);
}

static void v2_cpu_init(unsigned cpu)
{
    /* GICD_ITARGETSR0..7 read as the reading CPU's own interface mask (4.3.12). */
    cpu_mask[cpu] = (uint8_t)gic_rd32(dist, GICD_ITARGETSR);
    gic_wr32(dist, GICD_ICENABLER, ~0u);
    gic_wr32(dist, GICD_ICACTIVER, ~0u);
    for (uint32_t i = 0; i < 32; i++)
        gic_wr8(dist, GICD_IPRIORITYR + i, GIC_PRIO_HYP);
    gic_wr32(cpuif, GICC_PMR, 0xff);
    gic_wr32(cpuif, GICC_BPR, 0);
    uint32_t ctlr = GICC_CTLR_EN0 | GICC_CTLR_EOIMODE;
    if (!(gic_rd32(dist, GICD_TYPER) & GICD_TYPER_SECEXT))
        ctlr |= GICC_CTLR_EN1;
    gic_wr32(cpuif, GICC_CTLR, ctlr);
}

static void v2_enable(uint32_t intid, bool on) { gic_bit_write(dist, on ? GICD_ISENABLER : GICD_ICENABLER, intid); }

static void v2_set_priority(uint32_t intid, uint8_t prio) { gic_wr8(dist, GICD_IPRIORITYR + intid, prio); }

static void v2_set_edge(uint32_t intid, bool edge)
{
    if (intid < GIC_NR_SGIS)
        return;
    spin_lock(&cfg_lock);
    gic_cfg_write(dist, intid, edge);
    spin_unlock(&cfg_lock);
}

static void v2_route(uint32_t intid, unsigned cpu)
{
    if (intid >= GIC_NR_PRIVATE && cpu < MAX_CPUS)
        gic_wr8(dist, GICD_ITARGETSR + intid, cpu_mask[cpu]);
}

static void v2_set_pending(uint32_t intid, bool p) { gic_bit_write(dist, p ? GICD_ISPENDR : GICD_ICPENDR, intid); }
static void v2_set_active(uint32_t intid, bool a) { gic_bit_write(dist, a ? GICD_ISACTIVER : GICD_ICACTIVER, intid); }
static bool v2_is_active(uint32_t intid) { return gic_bit_read(dist, GICD_ISACTIVER, intid); }

/* GICC_IAR: INTID [9:0], CPUID [12:10] of an SGI's source; 1023 = spurious. */
static uint32_t v2_ack(void)
{
    uint32_t iar = gic_rd32(cpuif, GICC_IAR);
    return (iar & 0x3ff) >= GIC_SPURIOUS ? 1023 : iar;
}

static uint32_t v2_intid_bits(uint32_t iar) { return iar & 0x1fff; }
static void v2_eoi(uint32_t iar) { gic_wr32(cpuif, GICC_EOIR, v2_intid_bits(iar)); }
static void v2_deactivate(uint32_t iar) { gic_wr32(cpuif, GICC_DIR, v2_intid_bits(iar)); }

/* GICD_SGIR (4.3.15): TargetListFilter [25:24] = 0 (use the list), CPUTargetList [23:16],
 * SGIINTID [3:0]. */
static void v2_send_sgi(unsigned cpu, unsigned sgi)
{
    if (cpu >= MAX_CPUS)
        return;
    dsb_ishst();
    gic_wr32(dist, GICD_SGIR, (uint32_t)cpu_mask[cpu] << 16 | (sgi & 0xf));
}

const struct gic_ops gicv2_ops = {
    .intid_mask = 0x3ff,
    .init = v2_init,
    .cpu_init = v2_cpu_init,
    .enable = v2_enable,
    .set_priority = v2_set_priority,
    .set_edge = v2_set_edge,
    .route = v2_route,
    .set_pending = v2_set_pending,
    .set_active = v2_set_active,
    .is_active = v2_is_active,
    .ack = v2_ack,
    .eoi = v2_eoi,
    .deactivate = v2_deactivate,
    .send_sgi = v2_send_sgi,
};
