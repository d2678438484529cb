#ifndef CORE_MMIO_H
#define CORE_MMIO_H

#include <stdint.h>
#include "core/vm.h"

/* A stage 2 data abort from v: emulate the access (ISV=1 syndrome, or the decoded
 * instruction when ISV=0) or inject an external abort. */
void mmio_abort(struct vcpu *v, uint64_t esr);
/* One access to the VM's emulated windows; -1 if no window covers it or the device refuses. */
int mmio_dispatch(struct vcpu *v, uint64_t ipa, unsigned size, int write, uint64_t *val);

#endif
