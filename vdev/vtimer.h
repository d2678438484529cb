/* The guest's EL1 virtual timer (vdev/vtimer.c): a part of the virtual CPU hardware
 * (vtimer_hw_ops, vdev/vcpu_hw_table.h). */
#ifndef VDEV_VTIMER_H
#define VDEV_VTIMER_H

#include <stdint.h>

struct vcpu;

/* Where the VM's EL1 virtual timer is while the CPU's holds another timer of the VM: a guest
 * hypervisor with E2H = 1 at virtual EL2 has its EL2 virtual timer on the CPU and its guest's
 * EL1 one (CNTV_CTL_EL02, CNTV_CVAL_EL02, with its CNTVOFF_EL2) in its VNCR page
 * (vdev/nested_vhe.c). ctl, cval and off point at those three, read whenever the timer's
 * interrupt state is decided; all NULL when the CPU's timer is the VM's EL1 one again. */
void vtimer_park(struct vcpu *v, const uint64_t *ctl, const uint64_t *cval, const uint64_t *off);

#endif
