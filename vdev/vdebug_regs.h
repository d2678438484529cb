/* Self-hosted debug for guests (vdev/vdebug_regs.c): its trapped registers and its part of the
 * virtual CPU hardware (vdev/vcpu_hw_table.h). */
#ifndef VDEV_VDEBUG_REGS_H
#define VDEV_VDEBUG_REGS_H

#include "core/sysreg_trap.h"

/* The debug registers MDCR_EL2.TDA, TDOSA and TDRA trap. */
extern const struct sysreg_table vdebug_sysreg_table;

#endif
