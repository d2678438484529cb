/* What vdev hands to core's exit path (core/exit.h, core/sysreg_trap.h): the exit-table rows
 * of the services a VM calls, and the tables of trapped system registers. Core merges them
 * once at boot (exit_init) and never names a vdev function. */
#include "core/exit.h"
#include "core/sysreg_trap.h"
#include "vdev/vpsci.h"
#include "vdev/nested.h"
#include "vdev/vsysreg.h"
#include "vdev/vptimer.h"
#include "vdev/vdebug_regs.h"
#include "vdev/vpmu.h"
#include "vdev/vpauth.h"
#include "vdev/vsve.h"

const struct exit_hook vdev_exit_hooks[] = {
    { ESR_EC_HVC64, EXITC_HVC, nested_hvc },      { ESR_EC_SMC64, EXITC_SMC, nested_smc },
    { ESR_EC_PAC, EXITC_OTHER, vpauth_trap },     { ESR_EC_SVE, EXITC_FP, vsve_trap },
    { ESR_EC_ERET, EXITC_OTHER, nested_eret },    { ESR_EC_DABT_LOW, EXITC_MMIO, nested_dabt },
    { ESR_EC_IABT_LOW, EXITC_IABT, nested_iabt },
};
const unsigned vdev_nr_exit_hooks = sizeof(vdev_exit_hooks) / sizeof(vdev_exit_hooks[0]);

const struct sysreg_table *const vdev_sysreg_tables[] = {
    &id_reg_table,      &vsysreg_table,       &vgic_sysreg_table,   &vptimer_sysreg_table,   &vdebug_sysreg_table,
    &vpmu_sysreg_table, &vpauth_sysreg_table, &nested_sysreg_table, &nested_gic_sysreg_table
};
const unsigned vdev_nr_sysreg_tables = sizeof(vdev_sysreg_tables) / sizeof(vdev_sysreg_tables[0]);
