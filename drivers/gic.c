#include "drivers/gic.h"
#include "lib/log.h"

const struct gic_ops *gic = &gicv3_ops;
unsigned gic_lines;

void gic_init(const struct gic_desc *d)
{
    /* Without CONFIG_GICV2 (docs/build.md) the GICv2 driver is not linked: the condition folds
     * to a constant and gicv2_ops is never named. */
    if (d->version != 3 && !CONFIG_GICV2)
        panic("elvisor: host GICv2: not in this build (CONFIG_GICV2=n, docs/build.md)\n");
    gic = d->version == 3 || !CONFIG_GICV2 ? &gicv3_ops : &gicv2_ops;
    gic->init(d);
}
