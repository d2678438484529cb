#ifndef CORE_MMIO_H
#define CORE_MMIO_H

#include <stdint.h>
#include "core/vm.h"
#include "core/exit.h"

/* A stage 2 data abort from v: emulate the access (ISV=1 syndrome, or the decoded
 * instruction when ISV=0) or inject an external abort. Always EXIT_RESUME (exit_dabt's
 * tail call). */
enum exit_result mmio_abort(struct vcpu *v, uint64_t esr);
#define MMIO_NO_DEVICE (-1)
#define MMIO_REFUSED   (-2)
#define MMIO_RETRY     1

/* One access to the VM's emulated windows: 0, MMIO_NO_DEVICE, MMIO_REFUSED (a size or
 * offset the device does not accept) or MMIO_RETRY (done in part: execute it again). */
int mmio_dispatch(struct vcpu *v, uint64_t ipa, unsigned size, int write, uint64_t *val);

#endif
