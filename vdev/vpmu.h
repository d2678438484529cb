/* The guest's PMUv3 (vdev/vpmu.c): a part of the virtual CPU hardware (vpmu_hw_ops,
 * vdev/vcpu_hw_table.h), the rows of its trapped registers, and the version ID_AA64DFR0_EL1
 * advertises. */
#ifndef VDEV_VPMU_H
#define VDEV_VPMU_H

#include <stdint.h>
#include "core/sysreg_trap.h"

/* The PMU's overflow interrupt is PPI 7 (INTID 23) in every guest's device tree. */
#define VPMU_VIRQ 23

/* The PMU registers (listed in vdev/trap_table.c). */
extern const struct sysreg_table vpmu_sysreg_table;

/* ID_AA64DFR0_EL1.PMUVer the part offers guests: 0 (no PMU) when it is not active. A VM whose
 * cpu-features say "no-pmu" reads 0 (vdev/id_regs.c features[]) and has no PMU. */
#if CONFIG_PMU
uint64_t vpmu_version(void);
#else
/* Left out of this build (CONFIG_PMU=n, docs/build.md): hidden, every access UNDEFINED. */
static inline uint64_t vpmu_version(void) { return 0; }
#endif

#endif
