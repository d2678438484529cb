/* The vGIC's CPU interface registers that trap (writes to the SGI generation registers trap
 * to EL2 while HCR_EL2.IMO/FMO route interrupts there): write-only (IHI 0069H 12.2.21-12.2.23);
 * their handlers refuse a VM with a GICv2, so there they are UNDEFINED. */
#include "vdev/vsysreg.h"
#include "vdev/vgic.h"

static const struct sysreg_desc rows[] = {
    { .name = "ICC_SGI1R_EL1", .enc = VGIC_ICC_SGI1R, .wr = SR_WR_VALUE, .write_value = vgic_sgi1r_write },
    { .name = "ICC_ASGI1R_EL1", .enc = VGIC_ICC_ASGI1R, .wr = SR_WR_VALUE, .write_value = vgic_sgi1r_write },
    { .name = "ICC_SGI0R_EL1", .enc = VGIC_ICC_SGI0R, .wr = SR_WR_VALUE, .write_value = vgic_sgi0r_write },
};

const struct sysreg_table vgic_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
