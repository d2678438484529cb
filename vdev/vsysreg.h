/* The trapped system registers a VM sees, as tables of rows for core/sysreg_trap.c (listed in
 * vdev/trap_table.c); anything in no row is UNDEFINED in the guest. */
#ifndef VDEV_VSYSREG_H
#define VDEV_VSYSREG_H

#include "core/sysreg_trap.h"

/* The ID registers (vdev/id_regs.c). */
extern const struct sysreg_table id_reg_table;
/* ACTLR_EL1, data cache set/way maintenance (vdev/vsysreg.c). */
extern const struct sysreg_table vsysreg_table;
/* The vGIC's CPU interface registers that trap: SGI generation (vdev/vgic_sysregs.c). */
extern const struct sysreg_table vgic_sysreg_table;

#endif
