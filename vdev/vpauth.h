/* Pointer authentication for guests (vdev/vpauth.c): its trapped key registers, the trap of
 * its instructions, and its part of the virtual CPU hardware (vdev/vcpu_hw_table.h). */
#ifndef VDEV_VPAUTH_H
#define VDEV_VPAUTH_H

#include "core/sysreg_trap.h"

/* The key registers HCR_EL2.APK traps. */
extern const struct sysreg_table vpauth_sysreg_table;
/* A PAC instruction HCR_EL2.API traps (ESR_EL2.EC 0x09). */
enum exit_result vpauth_trap(struct vcpu *v, uint64_t esr);

#endif
