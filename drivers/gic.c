#include "drivers/gic.h"
#include "lib/log.h"

/* The driver of the one GIC version a build drives folds to a constant (docs/build.md:
 * CONFIG_GICV2, CONFIG_GICV3): the other version's ops are then never named, nor linked. */
static const struct gic_ops *driver_for(unsigned version)
{
    if (!CONFIG_GICV2)
        return &gicv3_ops;
    if (!CONFIG_GICV3)
        return &gicv2_ops;
    return version == 3 ? &gicv3_ops : &gicv2_ops;
}

/* Set before gic_init to the one driver of a build of one version, which gic_init then never
 * changes: LTO sees a constant and calls that driver's functions directly. */
const struct gic_ops *gic = CONFIG_GICV3 ? &gicv3_ops : &gicv2_ops;
unsigned gic_lines;

void gic_init(const struct gic_desc *d)
{
    if (d->version == 2 && !CONFIG_GICV2)
        panic("elvisor: host GICv2: not in this build (CONFIG_GICV2=n, docs/build.md)\n");
    if (d->version == 3 && !CONFIG_GICV3)
        panic("elvisor: host GICv3: not in this build (CONFIG_GICV3=n, docs/build.md)\n");
    gic = driver_for(d->version);
    gic->init(d);
}
