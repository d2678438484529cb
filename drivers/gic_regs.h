/* Register offsets shared by the GICv2 and GICv3 distributors (IHI 0048B 4.1.2 "Distributor
 * register map", IHI 0069H 12.8 "The GIC Distributor register map") and MMIO accessors. */
#ifndef DRIVERS_GIC_REGS_H
#define DRIVERS_GIC_REGS_H

#include <stdint.h>
#include <stdbool.h>

#define GICD_CTLR       0x0000
#define GICD_TYPER      0x0004
#define GICD_IIDR       0x0008
#define GICD_IGROUPR    0x0080
#define GICD_ISENABLER  0x0100
#define GICD_ICENABLER  0x0180
#define GICD_ISPENDR    0x0200
#define GICD_ICPENDR    0x0280
#define GICD_ISACTIVER  0x0300
#define GICD_ICACTIVER  0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR  0x0800
#define GICD_ICFGR      0x0c00
#define GICD_SGIR       0x0f00
#define GICD_IROUTER    0x6000
#define GICD_CTLR_RWP   (1u << 31)

/* GICD_TYPER.ITLinesNumber [4:0]: 32 * (N + 1) INTIDs. */
#define GICD_TYPER_LINES(t) (32u * (((t)&0x1f) + 1))

static inline uint32_t gic_rd32(uint64_t base, uint32_t off) { return *(volatile uint32_t *)(uintptr_t)(base + off); }
static inline void gic_wr32(uint64_t base, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(base + off) = v;
}
static inline uint64_t gic_rd64(uint64_t base, uint32_t off) { return *(volatile uint64_t *)(uintptr_t)(base + off); }
static inline void gic_wr64(uint64_t base, uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(uintptr_t)(base + off) = v;
}
static inline void gic_wr8(uint64_t base, uint32_t off, uint8_t v) { *(volatile uint8_t *)(uintptr_t)(base + off) = v; }

/* One bit per INTID in a set/clear register array (ISENABLER, ICPENDR...). */
static inline void gic_bit_write(uint64_t base, uint32_t reg, uint32_t intid)
{
    gic_wr32(base, reg + 4 * (intid / 32), 1u << (intid % 32));
}
static inline bool gic_bit_read(uint64_t base, uint32_t reg, uint32_t intid)
{
    return (gic_rd32(base, reg + 4 * (intid / 32)) >> (intid % 32)) & 1;
}
/* GICD_ICFGR: two bits per INTID, bit [2n+1] set = edge-triggered. Read-modify-write, so the
 * caller serializes per register. */
static inline void gic_cfg_write(uint64_t base, uint32_t intid, bool edge)
{
    uint32_t off = GICD_ICFGR + 4 * (intid / 16), bit = 2 * (intid % 16) + 1;
    uint32_t v = gic_rd32(base, off);
    gic_wr32(base, off, edge ? v | (1u << bit) : v & ~(1u << bit));
}

#endif
