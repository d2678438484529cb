/* GICv3 (IHI 0069H): memory-mapped distributor and redistributors, system-register CPU
 * interface. Affinity routing is always on (GICD_CTLR.ARE_NS). */
#include "drivers/gic.h"
#include "drivers/gic_regs.h"
#include "drivers/gicv3_its.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/sysreg.h"

/* GICD_CTLR, Non-secure view or DS = 1 (12.9.4): bit 0 EnableGrp1 / EnableGrp0, bit 1
 * EnableGrp1A / EnableGrp1, bit 4 ARE_NS / ARE. */
#define GICD_CTLR_EN0_G1 (1u << 0)
#define GICD_CTLR_EN1A   (1u << 1)
#define GICD_CTLR_ARE    (1u << 4)

/* Redistributor RD_base frame (12.10) and SGI_base frame at +64 KiB (12.10, table 12-27). */
#define GICR_CTLR       0x0000
#define GICR_TYPER      0x0008
#define GICR_WAKER      0x0014
#define GICR_SGI_BASE   0x10000
#define GICR_IGROUPR0   (GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI_BASE + 0x0100)
#define GICR_ICENABLER0 (GICR_SGI_BASE + 0x0180)
#define GICR_ISPENDR0   (GICR_SGI_BASE + 0x0200)
#define GICR_ICPENDR0   (GICR_SGI_BASE + 0x0280)
#define GICR_ISACTIVER0 (GICR_SGI_BASE + 0x0300)
#define GICR_ICACTIVER0 (GICR_SGI_BASE + 0x0380)
#define GICR_IPRIORITYR (GICR_SGI_BASE + 0x0400)
#define GICR_ICFGR0     (GICR_SGI_BASE + 0x0c00)
/* GICR_TYPER (12.11.33): Affinity_Value [63:32], Last [4], VLPIS [1]. */
#define GICR_TYPER_LAST  (1u << 4)
#define GICR_TYPER_VLPIS (1u << 1)
/* GICR_WAKER (12.11.39): ProcessorSleep [1], ChildrenAsleep [2]. */
#define GICR_WAKER_PSLEEP  (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)

/* ICC_SRE_EL2 (12.2.22): SRE [0], DFB [1], DIB [2], Enable [3] (lets EL1 use ICC_SRE_EL1). */
#define ICC_SRE_EL2_ALL 0xfUL
/* ICC_CTLR_EL1 (12.2.6): EOImode [1]. */
#define ICC_CTLR_EOIMODE (1UL << 1)

static uint64_t dist;
static uint64_t rdist[MAX_CPUS]; /* RD_base of each logical CPU's redistributor */
static struct gic_desc hw;       /* as gic_init() got it: redistributor regions, MPIDRs */
/* ICC_SGI1R_EL1 (12.2.23) naming each logical CPU, IRM = 0, INTID 0: its target list bit, Aff1-3
 * and RS, built once from the MPIDRs (v3_init), so that an SGI (the kick IPI) is one OR. */
static uint64_t sgi_target[MAX_CPUS];
static spinlock_t cfg_lock = SPINLOCK_INIT;

/* GICD_IROUTER<n> (12.9.22) for the PE mpidr, Interrupt_Routing_Mode = 0. */
static uint64_t mpidr_route(uint64_t mpidr) { return mpidr & GICD_IROUTER_AFF_MASK; }

static void wait_rwp(uint64_t base)
{
    for (unsigned i = 0; i < 1000000 && (gic_rd32(base, GICD_CTLR) & GICD_CTLR_RWP); i++)
        cpu_relax();
}

static void v3_init(const struct gic_desc *d)
{
    hw = *d;
    dist = d->gicd;
    unsigned n = GICD_TYPER_LINES(gic_rd32(dist, GICD_TYPER));
    gic_lines = n > 1020 ? 1020 : n;
    gic_wr32(dist, GICD_CTLR, 0);
    wait_rwp(dist);
    for (uint32_t i = 32; i < gic_lines; i += 32) {
        gic_wr32(dist, GICD_IGROUPR + i / 8, ~0u); /* Group 1 (WI where Secure-owned) */
        gic_wr32(dist, GICD_ICENABLER + i / 8, ~0u);
        gic_wr32(dist, GICD_ICPENDR + i / 8, ~0u);
        gic_wr32(dist, GICD_ICACTIVER + i / 8, ~0u);
    }
    for (uint32_t i = 32; i < gic_lines; i++)
        gic_wr8(dist, GICD_IPRIORITYR + i, GIC_PRIO_HYP);
    wait_rwp(dist);
    gic_wr32(dist, GICD_CTLR, GICD_CTLR_ARE);
    wait_rwp(dist);
    gic_wr32(dist, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_EN1A | GICD_CTLR_EN0_G1);
    wait_rwp(dist);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        uint64_t m = hw.cpu_mpidr[cpu], aff0 = MPIDR_AFF(m, 0);
        sgi_target[cpu] = REG_BIT(aff0 % ICC_SGIR_TARGETLIST_BITS) | REG_FIELD(MPIDR_AFF(m, 1), ICC_SGIR_AFF1_SHIFT) |
                          REG_FIELD(MPIDR_AFF(m, 2), ICC_SGIR_AFF2_SHIFT) |
                          REG_FIELD(aff0 / ICC_SGIR_TARGETLIST_BITS, ICC_SGIR_RS_SHIFT) |
                          REG_FIELD(MPIDR_AFF(m, 3), ICC_SGIR_AFF3_SHIFT);
    }
    uint64_t boot = mpidr_route(sysreg_read(mpidr_el1));
    for (uint32_t i = 32; i < gic_lines; i++)
        gic_wr64(dist, GICD_IROUTER + 8 * i, boot);
}

static uint64_t find_rdist(uint64_t mpidr)
{
    uint32_t aff = (uint32_t)gic_mpidr_aff32(mpidr);
    for (unsigned r = 0; r < hw.gicr_count && r < GIC_MAX_RDIST_REGIONS; r++) {
        uint64_t base = hw.gicr[r].base, end = base + hw.gicr[r].size;
        while (base < end) {
            uint64_t typer = gic_rd64(base, GICR_TYPER);
            if ((uint32_t)(typer >> GICR_TYPER_AFF_SHIFT) == aff)
                return base;
            if (typer & GICR_TYPER_LAST)
                break;
            base += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
        }
    }
    return 0;
}

static void v3_cpu_init(unsigned cpu)
{
    uint64_t rd = find_rdist(hw.cpu_mpidr[cpu]);
    if (!rd)
        panic("GICv3: no redistributor for CPU%u (MPIDR 0x%lx)\n", cpu, (unsigned long)hw.cpu_mpidr[cpu]);
    rdist[cpu] = rd;
    gic_wr32(rd, GICR_WAKER, gic_rd32(rd, GICR_WAKER) & ~GICR_WAKER_PSLEEP);
    for (unsigned i = 0; i < 1000000 && (gic_rd32(rd, GICR_WAKER) & GICR_WAKER_CASLEEP); i++)
        cpu_relax();
    gic_wr32(rd, GICR_IGROUPR0, ~0u);
    gic_wr32(rd, GICR_ICENABLER0, ~0u);
    gic_wr32(rd, GICR_ICACTIVER0, ~0u);
    gic_wr32(rd, GICR_ICPENDR0, ~0u);
    for (uint32_t i = 0; i < 32; i++)
        gic_wr8(rd, GICR_IPRIORITYR + i, GIC_PRIO_HYP);
    wait_rwp(rd);
    sysreg_write(icc_sre_el2, sysreg_read(icc_sre_el2) | ICC_SRE_EL2_ALL);
    isb();
    sysreg_write(icc_pmr_el1, 0xff);
    sysreg_write(icc_bpr1_el1, 0);
    sysreg_write(icc_ctlr_el1, ICC_CTLR_EOIMODE);
    sysreg_write(icc_igrpen1_el1, 1);
    isb();
}

/* Private INTIDs live in the calling CPU's redistributor, SPIs in the distributor. */
static uint64_t base_for(uint32_t intid, uint32_t *off_adj)
{
    if (intid < GIC_NR_PRIVATE) {
        *off_adj = GICR_SGI_BASE;
        return rdist[cpu_index()];
    }
    *off_adj = 0;
    return dist;
}

static void v3_bit(uint32_t reg, uint32_t intid)
{
    uint32_t adj;
    uint64_t base = base_for(intid, &adj);
    gic_bit_write(base, reg + adj, intid);
}

static void v3_enable(uint32_t intid, bool on) { v3_bit(on ? GICD_ISENABLER : GICD_ICENABLER, intid); }
static void v3_set_pending(uint32_t intid, bool p) { v3_bit(p ? GICD_ISPENDR : GICD_ICPENDR, intid); }
static void v3_set_active(uint32_t intid, bool a) { v3_bit(a ? GICD_ISACTIVER : GICD_ICACTIVER, intid); }

static bool v3_is_active(uint32_t intid)
{
    uint32_t adj;
    uint64_t base = base_for(intid, &adj);
    return gic_bit_read(base, GICD_ISACTIVER + adj, intid);
}

static void v3_set_priority(uint32_t intid, uint8_t prio)
{
    uint32_t adj;
    uint64_t base = base_for(intid, &adj);
    gic_wr8(base, GICD_IPRIORITYR + adj + intid, prio);
}

static void v3_set_edge(uint32_t intid, bool edge)
{
    if (intid < GIC_NR_SGIS)
        return;
    uint32_t adj;
    uint64_t base = base_for(intid, &adj);
    spin_lock(&cfg_lock);
    gic_cfg_write(base + adj, intid, edge);
    spin_unlock(&cfg_lock);
}

static void v3_route(uint32_t intid, unsigned cpu)
{
    if (intid >= GIC_NR_PRIVATE && cpu < MAX_CPUS)
        gic_wr64(dist, GICD_IROUTER + 8 * intid, mpidr_route(hw.cpu_mpidr[cpu]));
}

static uint32_t v3_ack(void)
{
    uint32_t iar = (uint32_t)sysreg_read(icc_iar1_el1);
    dsb_sy();
    return iar;
}

static void v3_eoi(uint32_t iar)
{
    sysreg_write(icc_eoir1_el1, iar);
    isb();
}

static void v3_deactivate(uint32_t iar)
{
    sysreg_write(icc_dir_el1, iar);
    isb();
}

/* ICC_SGI1R_EL1 (12.2.23) for one PE, IRM = 0. */
static void v3_send_sgi(unsigned cpu, unsigned sgi)
{
    if (cpu >= MAX_CPUS)
        return;
    uint64_t v = sgi_target[cpu] | (REG_FIELD(sgi, ICC_SGIR_INTID_SHIFT) & ICC_SGIR_INTID_MASK);
    dsb_ishst();
    sysreg_write(icc_sgi1r_el1, v);
    isb();
}

const struct gic_ops gicv3_ops = {
    .intid_mask = 0xffffff,
    .init = v3_init,
    .cpu_init = v3_cpu_init,
    .enable = v3_enable,
    .set_priority = v3_set_priority,
    .set_edge = v3_set_edge,
    .route = v3_route,
    .set_pending = v3_set_pending,
    .set_active = v3_set_active,
    .is_active = v3_is_active,
    .ack = v3_ack,
    .eoi = v3_eoi,
    .deactivate = v3_deactivate,
    .send_sgi = v3_send_sgi,
};

uint64_t gicv3_rdist_base(unsigned cpu) { return cpu < MAX_CPUS ? rdist[cpu] : 0; }
