/* Host stand-ins for a machine without GICv4 (drivers/gicv4.h), for harnesses that link the
 * virtual CPU hardware table or the vGIC's LPIs: vdev/vgic_v4.c stays off (gicv4_nr_vpes is
 * 0), so every call that would touch a vPE means the part left its lane and aborts. */
#include <stdlib.h>

#include "drivers/gicv4.h"
#include "vdev/vits.h"

unsigned gicv4_nr_vpes(void) { return 0; }
bool gicv4_cpu_ok(unsigned cpu) { return false; }
int gicv4_vpe_map(uint32_t vpeid, unsigned cpu, const void *vpt, bool valid) { abort(); }
void gicv4_vpe_load(unsigned cpu, const void *prop, const void *vpt) { abort(); }
bool gicv4_vpe_put(unsigned cpu) { abort(); }
/* Harnesses of the table have no vITS either (vdev/vits.c). */
int vits_index(const struct vm *vm) { return -1; }
