#include "drivers/gic.h"
#include "core/platform.h"

const struct gic_ops *gic = &gicv3_ops;
unsigned gic_lines;

void gic_init(void)
{
    gic = platform.gic_version == 3 ? &gicv3_ops : &gicv2_ops;
    gic->init();
}
