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
    { ESR_EC_HVC64, EXITC_HVC, vpsci_hvc },     { ESR_EC_SMC64, EXITC_SMC, vpsci_smc },
    { ESR_EC_DABT_LOW, EXITC_MMIO, exit_dabt }, { ESR_EC_IABT_LOW, EXITC_IABT, exit_iabt },
#if CONFIG_PAUTH
    { ESR_EC_PAC, EXITC_OTHER, vpauth_trap },
#endif
#if CONFIG_SVE
    { ESR_EC_SVE, EXITC_FP, vsve_trap },
#endif
};
const unsigned vdev_nr_exit_hooks = sizeof(vdev_exit_hooks) / sizeof(vdev_exit_hooks[0]);

#if CONFIG_NESTED
/* A VM at virtual EL2 (its vCPUs in NESTED_EXIT_VEL2 from their boot): HVC, SMC, ERET and its
 * shadow stage 2's aborts are the guest hypervisor's business first; no other VM dispatches
 * through these rows. Its guest, when that hypervisor asked for some of its traps
 * (NESTED_EXIT_L2, vdev/nested_traps.c), also sends trapped system registers, PAC, WFx
 * and FP/SIMD instructions and debug exceptions to virtual EL2 first. */
#define NESTED_VEL2_ROWS                                                                         \
    { ESR_EC_HVC64, EXITC_HVC, nested_hvc }, { ESR_EC_SMC64, EXITC_SMC, nested_smc },            \
        { ESR_EC_ERET, EXITC_OTHER, nested_eret }, { ESR_EC_DABT_LOW, EXITC_MMIO, nested_dabt }, \
    {                                                                                            \
        ESR_EC_IABT_LOW, EXITC_IABT, nested_iabt                                                 \
    }
static const struct exit_hook nested_vel2_rows[] = { NESTED_VEL2_ROWS };
static const struct exit_hook nested_l2_rows[] = {
    NESTED_VEL2_ROWS,
    { ESR_EC_SYS64, EXITC_SYSREG, nested_guest_trap },
    { ESR_EC_PAC, EXITC_OTHER, nested_guest_trap },
    { ESR_EC_WFX, EXITC_BY_HANDLER, nested_guest_trap },
    { ESR_EC_FP_ASIMD, EXITC_FP, nested_guest_trap },
    /* its MDCR_EL2.TDE: the CPU's has it while its guest runs (vdev/nested_traps.c) */
    { ESR_EC_BREAKPT_LOW, EXITC_OTHER, nested_guest_trap },
    { ESR_EC_SOFTSTP_LOW, EXITC_OTHER, nested_guest_trap },
    { ESR_EC_WATCHPT_LOW, EXITC_OTHER, nested_guest_trap },
    { ESR_EC_BRK64, EXITC_OTHER, nested_guest_trap },
};
#define ROWS(r)                     \
    {                               \
        r, sizeof(r) / sizeof(r[0]) \
    }
const struct exit_mode vdev_exit_modes[] = {
    [NESTED_EXIT_VEL2 - 1] = ROWS(nested_vel2_rows),
    [NESTED_EXIT_L2 - 1] = ROWS(nested_l2_rows),
};
const unsigned vdev_nr_exit_modes = sizeof(vdev_exit_modes) / sizeof(vdev_exit_modes[0]);
#else
const struct exit_mode vdev_exit_modes[] = { { 0, 0 } }; /* no empty array in C */
const unsigned vdev_nr_exit_modes = 0;
#endif

const struct sysreg_table *const vdev_sysreg_tables[] = {
    &id_reg_table,           &vsysreg_table,
#if CONFIG_GICV3 /* in this place: the order rows go into the hash */
    &vgic_sysreg_table,
#endif
    &vptimer_sysreg_table,   &vdebug_sysreg_table,
#if CONFIG_PMU
    &vpmu_sysreg_table,
#endif
#if CONFIG_PAUTH
    &vpauth_sysreg_table,
#endif
#if CONFIG_NESTED
    &nested_sysreg_table,    &nested_gic_sysreg_table, &nested_vhe_sysreg_table, &nested_timer_sysreg_table,
    &nested_at_sysreg_table,
#endif
};
const unsigned vdev_nr_sysreg_tables = sizeof(vdev_sysreg_tables) / sizeof(vdev_sysreg_tables[0]);
