/* Trapped system registers: sanitized ID registers, set/way maintenance, debug registers;
 * anything not emulated is UNDEFINED in the guest. */
#ifndef VDEV_VSYSREG_H
#define VDEV_VSYSREG_H

#include <stdint.h>
#include "core/vm.h"

void vsysreg_trap(struct vcpu *v, uint64_t esr);
/* The ID register value a guest reads (exposed for tests and the vGIC's needs). */
uint64_t vsysreg_id_value(uint32_t id, bool *known);

#endif
