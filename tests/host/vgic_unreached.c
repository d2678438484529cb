/* Host stand-ins for the vGIC calls of virtual EL2's GIC interface (vdev/nested_gic.c), for
 * harnesses that link vdev/nested.c without the vGIC and never run a guest hypervisor's guest
 * (tests/fuzz/fuzz_smccc.c): each would mean the harness left its lane, and aborts. */
#include <stdlib.h>

#include "vdev/vgic.h"

void vgic_put(struct vcpu *v) { abort(); }
void vgic_load(struct vcpu *v) { abort(); }
void vgic_flush(struct vcpu *v) { abort(); }
unsigned vgic_irq_deliverable(struct vcpu *v) { abort(); }
bool vgic_hw_link(struct vcpu *v, uint32_t intid, uint32_t *pintid) { abort(); }
void vgic_deactivate(struct vcpu *v, uint32_t intid) { abort(); }
void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level) { abort(); }
