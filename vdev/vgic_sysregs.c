/* The vGIC's CPU interface registers that trap (writes to the SGI generation registers trap
 * to EL2 while HCR_EL2.IMO/FMO route interrupts there): write-only (IHI 0069H 12.2.21-12.2.23);
 * vgic_sysreg refuses a VM with a GICv2, so there they are UNDEFINED. */
#include "vdev/vsysreg.h"
#include "vdev/vgic.h"

static const struct sysreg_desc rows[] = {
    { .name = "ICC_SGI1R_EL1", .enc = SYSREG(3, 0, 12, 11, 5), .wr = SR_WR_CALL, .write = vgic_sysreg },
    { .name = "ICC_ASGI1R_EL1", .enc = SYSREG(3, 0, 12, 11, 6), .wr = SR_WR_CALL, .write = vgic_sysreg },
    { .name = "ICC_SGI0R_EL1", .enc = SYSREG(3, 0, 12, 11, 7), .wr = SR_WR_CALL, .write = vgic_sysreg },
};

const struct sysreg_table vgic_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
