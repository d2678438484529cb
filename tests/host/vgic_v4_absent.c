/* For harnesses of the vITS and the vGIC's LPIs without the GICv4 part (vdev/vgic_v4.c): a
 * VM with no direct injection has no configuration table to copy into. */
#include "vdev/vgic_v4.h"

void vgic_v4_set_config(struct vm *vm, uint32_t intid, uint8_t cfg) {}
