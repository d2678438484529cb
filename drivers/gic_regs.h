/* Register offsets shared by the GICv2 and GICv3 distributors (IHI 0048B 4.1.2 "Distributor
 * register map", IHI 0069H 12.8 "The GIC Distributor register map"), the GICv3 fields that
 * name a PE by its MPIDR affinity, and MMIO accessors. */
#ifndef DRIVERS_GIC_REGS_H
#define DRIVERS_GIC_REGS_H

#include <stdint.h>
#include <stdbool.h>
#include "arch/aarch64/regs/bits.h"
#include "arch/aarch64/regs/mpidr.h"

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

/* GICD_IROUTER<n> (IHI 0069H 12.9.22): the PE an SPI goes to, by its MPIDR affinity fields in
 * their MPIDR places (Aff3 [39:32], Aff2..Aff0 [23:0]), or any PE with Interrupt_Routing_Mode. */
#define GICD_IROUTER_IRM      REG_BIT(31)
#define GICD_IROUTER_AFF_MASK MPIDR_AFF_MASK

/* The 32-bit affinity Aff3.Aff2.Aff1.Aff0 that GICR_TYPER.Affinity_Value [63:32] reports
 * (12.11.33), in the low half of the result: MPIDR's Aff3 [39:32] moves down to [31:24]. */
#define GICR_TYPER_AFF_SHIFT 32
#define GIC_AFF32_AFF3_SHIFT 24
static inline uint64_t gic_mpidr_aff32(uint64_t mpidr)
{
    return (mpidr & MPIDR_AFF_LOW_MASK) | MPIDR_AFF(mpidr, 3) << GIC_AFF32_AFF3_SHIFT;
}

/* ICC_SGI0R_EL1, ICC_SGI1R_EL1, ICC_ASGI1R_EL1 (12.2.21-12.2.23), one layout: an SGI INTID for
 * the PEs Aff3.Aff2.Aff1.<Aff0> whose Aff0 is RS * 16 + n for a set bit n of TargetList, or,
 * with IRM, for every PE but the writer. */
#define ICC_SGIR_TARGETLIST_BITS 16 /* TargetList [15:0] */
#define ICC_SGIR_AFF1_SHIFT      16
#define ICC_SGIR_AFF1_MASK       REG_MASK(8, ICC_SGIR_AFF1_SHIFT)
#define ICC_SGIR_INTID_SHIFT     24
#define ICC_SGIR_INTID_MASK      REG_MASK(4, ICC_SGIR_INTID_SHIFT)
#define ICC_SGIR_AFF2_SHIFT      32
#define ICC_SGIR_AFF2_MASK       REG_MASK(8, ICC_SGIR_AFF2_SHIFT)
#define ICC_SGIR_IRM_SHIFT       40
#define ICC_SGIR_IRM             REG_BIT(ICC_SGIR_IRM_SHIFT)
#define ICC_SGIR_RS_SHIFT        44
#define ICC_SGIR_RS_MASK         REG_MASK(4, ICC_SGIR_RS_SHIFT)
#define ICC_SGIR_AFF3_SHIFT      48
#define ICC_SGIR_AFF3_MASK       REG_MASK(8, ICC_SGIR_AFF3_SHIFT)

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
