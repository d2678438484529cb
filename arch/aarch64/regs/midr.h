/* MIDR_EL1, Main ID Register (Arm ARM D24.2.114): which core this is, for the errata and
 * speculation tables that name cores (arch/aarch64/spectre.c). */
#ifndef ARCH_REGS_MIDR_H
#define ARCH_REGS_MIDR_H

#define MIDR_REVISION_SHIFT    0 /* the p in rNpM */
#define MIDR_REVISION_WIDTH    4
#define MIDR_PARTNUM_SHIFT     4
#define MIDR_PARTNUM_WIDTH     12
#define MIDR_VARIANT_SHIFT     20 /* the r in rNpM */
#define MIDR_VARIANT_WIDTH     4
#define MIDR_IMPLEMENTER_SHIFT 24
#define MIDR_IMPLEMENTER_WIDTH 8
#define MIDR_IMPLEMENTER_ARM   0x41

#define MIDR_FIELD(midr, f) (((midr) >> MIDR_##f##_SHIFT) & ((1u << MIDR_##f##_WIDTH) - 1))

#endif
