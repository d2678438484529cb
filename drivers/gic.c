#include "drivers/gic.h"

const struct gic_ops *gic = &gicv3_ops;
unsigned gic_lines;

void gic_init(const struct gic_desc *d)
{
    gic = d->version == 3 ? &gicv3_ops : &gicv2_ops;
    gic->init(d);
}
