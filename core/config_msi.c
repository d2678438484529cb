/* The binding of arm,gic-v2m-frame (docs/interrupts.md, docs/config.md): msi-spis = <N>, how
 * many SPIs from the one interrupts names the frame owns. Linked with CONFIG_GICV2M. */
#include "core/config_parse.h"
#include "core/vdev.h"
#include "lib/fdt_read.h"
#include "lib/string.h"

#ifdef HOST_TEST
#include <string.h>
#endif

bool config_bind_msi_spis(struct config_parse *p, int node, const char *name, struct vm_config *vm, struct vm_device *d)
{
    uint32_t n;
    if (fdt_prop_u32(p->f, node, "msi-spis", &n) < 0 || n == 0 || n > VDEV_MAX_MSI_SPIS || d->intid + n - 1 > 1019)
        REFUSE(p, "devices/%s: msi-spis = <N>: 1 to %u SPIs from interrupts, all below 1020", name, VDEV_MAX_MSI_SPIS);
    d->msi_spis = (uint16_t)n;
    return true;
}
