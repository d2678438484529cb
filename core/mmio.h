#ifndef CORE_MMIO_H
#define CORE_MMIO_H

#include <stdbool.h>
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

/* An IPA space in front of the VM's: the faulting context's IPAs go through another stage of
 * translation first (a guest hypervisor's stage 2 for its guest, vdev/nested.c). to_vm: the VM
 * IPA of that context's `ipa` for an access of `kind`, or false when that stage refuses it. */
#define MMIO_XLATE_READ  0
#define MMIO_XLATE_WRITE 1
#define MMIO_XLATE_EXEC  2
struct mmio_xlate {
    bool (*to_vm)(struct vcpu *v, uint64_t ipa, int kind, uint64_t *vm_ipa);
};

#if CONFIG_NESTED /* their one user: a guest hypervisor's shadow stage 2 (docs/nested.md) */
/* Whether the VM's access at ipa reaches one of its emulated windows (a device mmio_dispatch
 * reaches): in a window and not mapped by its stage 2 there. */
bool mmio_is_device(struct vm *vm, uint64_t ipa);

/* A data abort of v whose access, translated through x's stage, is at vm_ipa of the VM's IPA
 * space (one of its devices): emulated as mmio_abort does (ISV=1 syndrome, or the instruction
 * decoded, its other addresses through x). Always EXIT_RESUME. */
enum exit_result mmio_abort_via(struct vcpu *v, uint64_t esr, uint64_t vm_ipa, const struct mmio_xlate *x);
#endif

/* One access to the VM's emulated windows: 0, MMIO_NO_DEVICE, MMIO_REFUSED (a size or
 * offset the device does not accept) or MMIO_RETRY (done in part: execute it again). */
int mmio_dispatch(struct vcpu *v, uint64_t ipa, unsigned size, int write, uint64_t *val);

#endif
