/* The guest's EL1 physical timer (vdev/vptimer.c): a part of the virtual CPU hardware
 * (vptimer_hw_ops, vdev/vcpu_hw_table.h) and the rows of its trapped registers. */
#ifndef VDEV_VPTIMER_H
#define VDEV_VPTIMER_H

#include "core/sysreg_trap.h"

/* The EL1 physical timer is PPI 14 (INTID 30) in every guest's device tree; the EL2 physical
 * timer PPI 10 (INTID 26). */
#define VPTIMER_VIRQ     30
#define VPTIMER_EL2_VIRQ 26

struct vcpu;
/* The interrupt the timer raises: VPTIMER_EL2_VIRQ while it is a guest hypervisor's EL2
 * physical timer (E2H = 1, vdev/nested_vhe.c), else VPTIMER_VIRQ. */
void vptimer_set_virq(struct vcpu *v, uint32_t virq);

/* CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTP_TVAL_EL0 (listed in vdev/trap_table.c). */
extern const struct sysreg_table vptimer_sysreg_table;

#endif
