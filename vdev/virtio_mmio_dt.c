/* The guest device-tree node of a virtio-mmio device (the dt_node of every virtio kind). */
#include "vdev/virtio_mmio.h"
#include "core/vm_dtb.h"
#include "lib/fdt_write.h"
#include "lib/printf.h"

/* Linux binding virtio/mmio.yaml: DMA is cache-coherent, as the hypervisor reads and writes the
 * VM's RAM through normal cacheable mappings. */
void virtio_mmio_dt_node(const struct vm_device *cfg, void *state, struct vdev_dt *dt)
{
    char name[40];
    ev_snprintf(name, sizeof(name), "virtio_mmio@%lx", (unsigned long)cfg->ipa);
    fdtw_begin_node(dt->w, name);
    fdtw_prop_string(dt->w, "compatible", "virtio,mmio");
    fdtw_prop_reg(dt->w, cfg->ipa, cfg->size);
    vm_dtb_spi(dt->w, cfg->intid);
    fdtw_prop_empty(dt->w, "dma-coherent");
    fdtw_end_node(dt->w);
}
