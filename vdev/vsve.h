/* The guest's SVE (vdev/vsve.c): a part of the virtual CPU hardware (vsve_hw_ops,
 * vdev/vcpu_hw_table.h), the exit row of its first use (vdev/trap_table.c), and whether
 * ID_AA64PFR0_EL1.SVE and ID_AA64ZFR0_EL1 advertise it (vdev/id_regs.c). */
#ifndef VDEV_VSVE_H
#define VDEV_VSVE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/exit.h"

/* Every CPU has SVE, so that the part offers it to guests (a VM with cpu-features "no-sve" reads
 * it hidden, vdev/id_regs.c features[]). */
#if CONFIG_SVE
/* Computed when VMs are built (vdev/vsve.c), read on every ID register trap that shows SVE:
 * inline, so that the row's host value needs no frame. */
extern bool vsve_all_cpus;
static inline bool vsve_active(void) { return vsve_all_cpus; }
#else
/* Left out of this build (CONFIG_SVE=n, docs/build.md): hidden, CPTR_EL2.TZ makes it UNDEFINED. */
static inline bool vsve_active(void) { return false; }
#endif

/* ESR_EL2.EC 0x19: an SVE instruction or ZCR_EL1 access by a vCPU whose SVE is not live. */
enum exit_result vsve_trap(struct vcpu *v, uint64_t esr);

#endif
