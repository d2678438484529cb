/* SMCCC 1.1 and PSCI 1.1 for guests (Arm DEN0028, DEN0022). */
#ifndef VDEV_VPSCI_H
#define VDEV_VPSCI_H

#include <stdbool.h>
#include "core/exit.h"

/* Hypervisor calls of elvisor's own (SMCCC vendor-specific hypervisor service range). */
#define ELVISOR_HVC_EXIT_COUNTERS 0xc6000001u /* x1 = exit class -> x0 = count for this vCPU */

enum exit_result vpsci_smccc(struct vcpu *v, bool smc);

#endif
