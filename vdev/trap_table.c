/* What vdev hands to core's exit path (core/exit.h, core/sysreg_trap.h): the exit-table rows
 * of the services a VM calls, and the tables of trapped system registers. Core merges them
 * once at boot (exit_init) and never names a vdev function. A part the build configuration
 * leaves out (docs/build.md) has no row: its exceptions and registers are UNDEFINED in the
 * guest, as for any class or register no row names. */
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
#if CONFIG_NESTED
    /* Virtual EL2 sees HVC, SMC, ERET and its shadow stage 2's aborts first; every other VM's
     * go on to vpsci.c and core's exit_dabt/exit_iabt. */
    { ESR_EC_HVC64, EXITC_HVC, nested_hvc },      { ESR_EC_SMC64, EXITC_SMC, nested_smc },
    { ESR_EC_ERET, EXITC_OTHER, nested_eret },    { ESR_EC_DABT_LOW, EXITC_MMIO, nested_dabt },
    { ESR_EC_IABT_LOW, EXITC_IABT, nested_iabt },
#else
    { ESR_EC_HVC64, EXITC_HVC, vpsci_hvc },
    { ESR_EC_SMC64, EXITC_SMC, vpsci_smc },
    { ESR_EC_DABT_LOW, EXITC_MMIO, exit_dabt },
    { ESR_EC_IABT_LOW, EXITC_IABT, exit_iabt },
#endif
#if CONFIG_PAUTH
    { ESR_EC_PAC, EXITC_OTHER, vpauth_trap },
#endif
#if CONFIG_SVE
    { ESR_EC_SVE, EXITC_FP, vsve_trap },
#endif
};
const unsigned vdev_nr_exit_hooks = sizeof(vdev_exit_hooks) / sizeof(vdev_exit_hooks[0]);

/* The overlay (core/exit.h): a guest hypervisor's guest whose traps that hypervisor asked for
 * (vdev/nested_traps.c) sees its trapped system registers and PAC instructions go to virtual
 * EL2 first; no other vCPU dispatches through it. */
const struct exit_hook vdev_overlay_exit_hooks[] = {
#if CONFIG_NESTED
    { ESR_EC_SYS64, EXITC_SYSREG, nested_guest_trap },
    { ESR_EC_PAC, EXITC_OTHER, nested_guest_trap },
#endif
    { 0, 0, 0 }, /* no empty array in C; EC 0 (unknown) keeps the main row, see exit_init */
};
const unsigned vdev_nr_overlay_exit_hooks = sizeof(vdev_overlay_exit_hooks) / sizeof(vdev_overlay_exit_hooks[0]) - 1;

const struct sysreg_table *const vdev_sysreg_tables[] = {
    &id_reg_table,         &vsysreg_table,           &vgic_sysreg_table,
    &vptimer_sysreg_table, &vdebug_sysreg_table,
#if CONFIG_PMU
    &vpmu_sysreg_table,
#endif
#if CONFIG_PAUTH
    &vpauth_sysreg_table,
#endif
#if CONFIG_NESTED
    &nested_sysreg_table,  &nested_gic_sysreg_table, &nested_vhe_sysreg_table,
#endif
};
const unsigned vdev_nr_sysreg_tables = sizeof(vdev_sysreg_tables) / sizeof(vdev_sysreg_tables[0]);
