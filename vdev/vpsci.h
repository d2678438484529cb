/* SMCCC 1.1 and PSCI 1.1 for guests (Arm DEN0028, DEN0022). */
#ifndef VDEV_VPSCI_H
#define VDEV_VPSCI_H

#include <stdint.h>
#include "core/exit.h"

/* Hypervisor calls of elvisor's own (SMCCC vendor-specific hypervisor service range). */
#define ELVISOR_HVC_EXIT_COUNTERS 0xc6000001u /* x1 = exit class -> x0 = count for this vCPU */

/* The SMCCC service, as exit handlers (rows of vdev/trap_table.c): a call by HVC returns
 * where ELR already points; a trapped SMC is stepped over first, then answered the same. */
enum exit_result vpsci_hvc(struct vcpu *v, uint64_t esr);
enum exit_result vpsci_smc(struct vcpu *v, uint64_t esr);

#endif
