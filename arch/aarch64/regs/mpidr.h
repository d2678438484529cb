/* MPIDR_EL1, the Multiprocessor Affinity Register (Arm ARM DDI 0487K.a, D24.2 MPIDR_EL1), and
 * VMPIDR_EL2, the value EL1 reads from it in a VM (same layout). A PE is named by its four
 * affinity levels, Aff3.Aff2.Aff1.Aff0; the GIC routes by them (drivers/gic_regs.h). */
#ifndef ARCH_REGS_MPIDR_H
#define ARCH_REGS_MPIDR_H

#include "arch/aarch64/regs/bits.h"

#define MPIDR_AFF_WIDTH  8 /* every affinity level */
#define MPIDR_AFF0_SHIFT 0
#define MPIDR_AFF1_SHIFT 8
#define MPIDR_AFF2_SHIFT 16
#define MPIDR_AFF3_SHIFT 32
#define MPIDR_AFF0_MASK  REG_MASK(MPIDR_AFF_WIDTH, MPIDR_AFF0_SHIFT)
#define MPIDR_AFF1_MASK  REG_MASK(MPIDR_AFF_WIDTH, MPIDR_AFF1_SHIFT)
#define MPIDR_AFF2_MASK  REG_MASK(MPIDR_AFF_WIDTH, MPIDR_AFF2_SHIFT)
#define MPIDR_AFF3_MASK  REG_MASK(MPIDR_AFF_WIDTH, MPIDR_AFF3_SHIFT)
#define MPIDR_MT         REG_BIT(24) /* lowest level made of threads that share a core */
#define MPIDR_U          REG_BIT(30) /* uniprocessor system */
#define MPIDR_RES1       REG_BIT(31)

/* Aff2.Aff1.Aff0, bits [23:0]: what a device tree's CPU reg holds with #address-cells = 1. */
#define MPIDR_AFF_LOW_MASK (MPIDR_AFF2_MASK | MPIDR_AFF1_MASK | MPIDR_AFF0_MASK)
/* All four levels (0xff00ffffff): the PE's identity, without MT, U and RES1. */
#define MPIDR_AFF_MASK (MPIDR_AFF3_MASK | MPIDR_AFF_LOW_MASK)

/* Affinity level n (0..3) of an MPIDR value, as a number. */
#define MPIDR_AFF(mpidr, n) REG_GET(mpidr, MPIDR_AFF##n)

#endif
