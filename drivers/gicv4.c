/* GICv4.0 virtual LPIs on the host GIC (drivers/gicv4.h): the commands of IHI 0069H 5.3.19
 * (VMAPP), 5.3.20 (VMAPTI), 5.3.22 (VMOVI), 5.3.25 (VSYNC) on the host ITS's queue
 * (drivers/gicv3_its.c), and the residency of a vPE on a redistributor (12.12). */
#include "drivers/gicv4.h"
#include "drivers/gicv3_its.h"
#include "drivers/gicv3_its_priv.h"
#include "drivers/gic.h"
#include "drivers/gic_regs.h"
#include "drivers/gic_its_regs.h"
#include "arch/aarch64/sysreg.h"
#include "lib/log.h"

#define DIRTY_WAIT 1000000u /* polls of GICR_VPENDBASER.Dirty after a vPE leaves */

unsigned gicv4_nr_vpes(void) { return its_nr_vpes(); }
bool gicv4_cpu_ok(unsigned cpu) { return its_nr_vpes() && its_cpu_vlpis(cpu); }

static uint64_t vpeid_dw(uint32_t vpeid) { return (uint64_t)vpeid << ITS_CMD_VPEID_SHIFT; }
static uint64_t dev_dw(uint64_t op, uint32_t dev) { return op | (uint64_t)dev << ITS_CMD_DEVID_SHIFT; }

int gicv4_vpe_map(uint32_t vpeid, unsigned cpu, const void *vpt, bool valid)
{
    if (vpeid >= its_nr_vpes() || !its_cpu_vlpis(cpu))
        return -1;
    uint64_t rd = its_rdbase(cpu) << ITS_CMD_RDBASE_SHIFT;
    uint64_t pa = (uint64_t)(uintptr_t)vpt & ITS_CMD_VPT_MASK;
    const uint64_t cmd[2][4] = {
        { ITS_CMD_VMAPP, vpeid_dw(vpeid), (valid ? ITS_CMD_VALID : 0) | rd, pa | (GICV4_ID_BITS - 1) },
        /* VSYNC needs a mapped vPE; after an unmap a SYNC of the redistributor orders it. */
        { valid ? ITS_CMD_VSYNC : ITS_CMD_SYNC, valid ? vpeid_dw(vpeid) : 0, valid ? 0 : rd, 0 },
    };
    return its_submit(cmd, 2) ? 0 : -1;
}

int gicv4_vlpi_map(uint32_t dev, uint32_t ev, uint32_t vpeid, uint32_t vintid, uint32_t doorbell)
{
    if (!its_event_ok(dev, ev) || vpeid >= its_nr_vpes() || vintid < GICV4_LPI_BASE ||
        vintid >= (1u << GICV4_ID_BITS) || !its_lpi_ok(doorbell))
        return -1;
    const uint64_t cmd[3][4] = {
        { dev_dw(ITS_CMD_DISCARD, dev), ev, 0, 0 },
        { dev_dw(ITS_CMD_VMAPTI, dev), ev | vpeid_dw(vpeid), vintid | (uint64_t)doorbell << ITS_CMD_VMAPTI_DB_SHIFT,
          0 },
        { ITS_CMD_VSYNC, vpeid_dw(vpeid), 0, 0 },
    };
    return its_submit(cmd, 3) ? 0 : -1;
}

int gicv4_vlpi_move(uint32_t dev, uint32_t ev, uint32_t vpeid, uint32_t doorbell)
{
    if (!its_event_ok(dev, ev) || vpeid >= its_nr_vpes() || !its_lpi_ok(doorbell))
        return -1;
    const uint64_t cmd[2][4] = {
        { dev_dw(ITS_CMD_VMOVI, dev), ev | vpeid_dw(vpeid),
          ITS_CMD_VMOVI_D | (uint64_t)doorbell << ITS_CMD_VMOVI_DB_SHIFT, 0 },
        { ITS_CMD_VSYNC, vpeid_dw(vpeid), 0, 0 },
    };
    return its_submit(cmd, 2) ? 0 : -1;
}

int gicv4_vlpi_inv(uint32_t dev, uint32_t ev, uint32_t vpeid)
{
    if (!its_event_ok(dev, ev) || vpeid >= its_nr_vpes())
        return -1;
    const uint64_t cmd[2][4] = {
        { dev_dw(ITS_CMD_INV, dev), ev, 0, 0 },
        { ITS_CMD_VSYNC, vpeid_dw(vpeid), 0, 0 },
    };
    return its_submit(cmd, 2) ? 0 : -1;
}

int gicv4_vlpi_unmap(uint32_t dev, uint32_t ev, uint32_t lpi, unsigned cpu)
{
    if (!its_event_ok(dev, ev) || !its_lpi_ok(lpi) || cpu >= MAX_CPUS)
        return -1;
    const uint64_t cmd[4][4] = {
        { dev_dw(ITS_CMD_DISCARD, dev), ev, 0, 0 },
        { dev_dw(ITS_CMD_MAPTI, dev), ev | (uint64_t)lpi << ITS_CMD_PINTID_SHIFT, cpu, 0 }, /* ICID = cpu */
        { dev_dw(ITS_CMD_INV, dev), ev, 0, 0 },
        { ITS_CMD_SYNC, 0, its_rdbase(cpu) << ITS_CMD_RDBASE_SHIFT, 0 },
    };
    return its_submit(cmd, 4) ? 0 : -1;
}

static uint64_t vlpi_frame(unsigned cpu) { return gicv3_rdist_base(cpu) + GICR_VLPI_FRAME; }

void gicv4_vpe_load(unsigned cpu, const void *prop, const void *vpt)
{
    uint64_t f = vlpi_frame(cpu);
    gic_wr64(f, GICR_VPROPBASER,
             ((uint64_t)(uintptr_t)prop & GICR_PROPBASER_PA_MASK) | GICR_BASER_INNER_SH | GICR_BASER_INNER_WB |
                 (GICV4_ID_BITS - 1));
    /* IDAI: nothing IMPLEMENTATION DEFINED is kept in the table's first 1 KiB by us; the
     * redistributor reads the pending bits afresh (12.12.1). */
    gic_wr64(f, GICR_VPENDBASER,
             ((uint64_t)(uintptr_t)vpt & GICR_PENDBASER_PA_MASK) | GICR_BASER_INNER_SH | GICR_BASER_INNER_WB |
                 GICR_VPENDBASER_IDAI | GICR_VPENDBASER_VALID);
    dsb_sy();
}

bool gicv4_vpe_put(unsigned cpu)
{
    uint64_t f = vlpi_frame(cpu);
    uint64_t v = gic_rd64(f, GICR_VPENDBASER);
    if (!(v & GICR_VPENDBASER_VALID))
        return false;
    gic_wr64(f, GICR_VPENDBASER, v & ~(GICR_VPENDBASER_VALID | GICR_VPENDBASER_PENDING_LAST));
    for (unsigned i = 0; i < DIRTY_WAIT; i++) {
        v = gic_rd64(f, GICR_VPENDBASER);
        if (!(v & GICR_VPENDBASER_DIRTY))
            return (v & GICR_VPENDBASER_PENDING_LAST) != 0;
        cpu_relax();
    }
    printk("elvisor: GICv4: CPU%u's vPE stays Dirty after it left\n", cpu);
    return true;
}
