/* The guest's EL1 physical timer (vdev/vptimer.c): a part of the virtual CPU hardware
 * (vptimer_hw_ops, vdev/vcpu_hw_table.h) and the rows of its trapped registers. */
#ifndef VDEV_VPTIMER_H
#define VDEV_VPTIMER_H

#include <stdbool.h>
#include <stdint.h>
#include "core/sysreg_trap.h"

struct vcpu;

/* The EL1 physical timer is PPI 14 (INTID 30) in every guest's device tree; the EL2 physical
 * timer PPI 10 (INTID 26), the EL2 virtual timer PPI 12 (INTID 28). */
#define VPTIMER_VIRQ      30
#define VPTIMER_EL2_VIRQ  26
#define VPTIMER_EL2V_VIRQ 28

/* The timers of a vCPU: its EL1 physical timer (CNTP_*_EL0, every VM) and a guest
 * hypervisor's EL2 physical (CNTHP_*_EL2) and EL2 virtual (CNTHV_*_EL2) timers with E2H = 0
 * (vdev/nested_timer.c). Each its own deadline and interrupt, watched whether the vCPU runs or
 * not. */
enum { VPTIMER_EL1_PHYS, VPTIMER_EL2_PHYS, VPTIMER_EL2_VIRT, VPTIMER_NR };
/* Their registers, by op2 of the encoding: TVAL, CTL, CVAL (Arm ARM D24.10). */
enum { VPTIMER_TVAL, VPTIMER_CTL, VPTIMER_CVAL };
uint64_t vptimer_read(struct vcpu *v, unsigned which, unsigned reg);
void vptimer_write(struct vcpu *v, unsigned which, unsigned reg, uint64_t val);

/* With a guest hypervisor's HCR_EL2.E2H = 1 (on, vdev/nested_vhe.c) CNTP_*_EL0 reach its EL2
 * physical timer (PPI 10): the EL1 and EL2 physical timers change places; off (E2H = 0 again, a
 * vCPU's boot) puts them back. */
void vptimer_vhe(struct vcpu *v, bool on);

/* CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTP_TVAL_EL0 (listed in vdev/trap_table.c). */
extern const struct sysreg_table vptimer_sysreg_table;

#endif
