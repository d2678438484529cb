/* The common part of a virtual PCIe host bridge's node (vdev/pci_dt.h). */
#include "vdev/pci_dt.h"
#include "drivers/pci_regs.h"
#include "lib/printf.h"

void pci_dt_bridge_begin(struct fdt_writer *w, const struct vm_device *d)
{
    char name[32];
    ev_snprintf(name, sizeof(name), "pcie@%lx", (unsigned long)d->ipa);
    fdtw_begin_node(w, name);
    fdtw_prop_string(w, "compatible", "pci-host-ecam-generic");
    fdtw_prop_string(w, "device_type", "pci");
    fdtw_prop_reg(w, d->ipa, d->size);
    uint32_t bus_range[2] = { 0, 0 };
    fdtw_prop_cells(w, "bus-range", bus_range, 2);
    fdtw_prop_u32(w, "#address-cells", 3);
    fdtw_prop_u32(w, "#size-cells", 2);
    fdtw_prop_u32(w, "#interrupt-cells", 1);
    /* PCI bus addresses are IPAs: the window maps one to one. */
    bool below_4g = d->win_ipa + d->win_size <= (1ULL << 32);
    uint32_t space = (below_4g ? PCI_DT_SPACE_MEM32 : PCI_DT_SPACE_MEM64) << PCI_DT_SPACE_SHIFT;
    uint32_t ranges[7] = { space,
                           (uint32_t)(d->win_ipa >> 32),
                           (uint32_t)d->win_ipa,
                           (uint32_t)(d->win_ipa >> 32),
                           (uint32_t)d->win_ipa,
                           (uint32_t)(d->win_size >> 32),
                           (uint32_t)d->win_size };
    fdtw_prop_cells(w, "ranges", ranges, 7);
    /* interrupt-map entries match on the device number and the pin (phys.hi bits 15:11, pin). */
    uint32_t mask[4] = { 0xf800, 0, 0, 7 };
    fdtw_prop_cells(w, "interrupt-map-mask", mask, 4);
}
