/* The virtual GICv2m MSI frame (vdev/vgicv2m.c, tests/system/test_v2m.py, tests/configs/v2m.dts):
 * the frame is in the device tree under the GIC node with its SPI range, MSI_TYPER says the
 * same, a 32-bit write of an SPI of the range to MSI_SETSPI_NS delivers it (first and last of
 * the range, again after the first was taken), and writes of SPIs outside the range, of
 * another size or at another offset deliver nothing. */
#include "tests/guests/common/guest.h"
#include "tests/guests/common/gic.h"
#include "tests/guests/common/irq_tally.h"

#define MSI_TYPER     0x008
#define MSI_SETSPI_NS 0x040
#define MSI_IIDR      0xfcc
#define WAIT_US       20000
#define QUIET_US      2000

int guest_main(void)
{
    if (gic_probe() < 0 || gic.version != 2) {
        check(false, "v2m_gicv2", "no GICv2 in the device tree");
        return guest_failures;
    }
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,gic-v2m-frame");
    uint64_t base = 0, size = 0;
    uint32_t first = 0, count = 0;
    bool dt = node >= 0 && fdt_getprop(&guest_fdt, node, "msi-controller", 0) &&
              fdt_reg(&guest_fdt, node, 0, &base, &size) == 0 &&
              fdt_prop_u32(&guest_fdt, node, "arm,msi-base-spi", &first) == 0 &&
              fdt_prop_u32(&guest_fdt, node, "arm,msi-num-spis", &count) == 0;
    check(dt && size == 0x1000 && count > 1, "v2m_in_dt", "node %d base 0x%lx size 0x%lx SPIs %u+%u", node,
          (unsigned long)base, (unsigned long)size, first, count);
    if (!dt)
        return guest_failures;
    uintptr_t f = (uintptr_t)base;
    uint32_t typer = mmio_rd(f + MSI_TYPER);
    check((typer >> 16 & 0x3ff) == first && (typer & 0x3ff) == count, "v2m_typer", "MSI_TYPER 0x%x, DT %u+%u", typer,
          first, count);
    check(mmio_rd(f + MSI_IIDR) == 0 && mmio_rd(f + 0x100) == 0, "v2m_other_regs_zero", "IIDR 0x%x",
          mmio_rd(f + MSI_IIDR));

    guest_set_irq_hook(tally_irq);
    gic_dist_init();
    gic_cpu_init();
    uint32_t last = first + count - 1;
    gic_spi_edge_setup(first);
    gic_spi_edge_setup(last);
    gic_spi_edge_setup(first - 1); /* enabled too: a delivery outside the range would be seen */
    gic_spi_edge_setup(last + 1);
    irq_unmask();

    mmio_wr(f + MSI_SETSPI_NS, first);
    check(tally_wait(first, 1, WAIT_US), "v2m_first_spi", "SPI %u not taken", first);
    mmio_wr(f + MSI_SETSPI_NS, last);
    check(tally_wait(last, 1, WAIT_US), "v2m_last_spi", "SPI %u not taken", last);
    mmio_wr(f + MSI_SETSPI_NS, first);
    check(tally_wait(first, 2, WAIT_US), "v2m_again", "SPI %u not taken twice", first);

    mmio_wr(f + MSI_SETSPI_NS, first - 1);
    mmio_wr(f + MSI_SETSPI_NS, last + 1);
    mmio_wr(f + MSI_SETSPI_NS, 0xffffffffu);
    *(volatile uint16_t *)(f + MSI_SETSPI_NS) = (uint16_t)first;
    mmio_wr(f + MSI_SETSPI_NS + 4, first);
    mmio_wr(f + MSI_TYPER, first);
    check(tally_quiet_since(tally_taken, QUIET_US) && tally_seen[first - 1] == 0 && tally_seen[last + 1] == 0 &&
              tally_seen[first] == 2,
          "v2m_rejects", "taken: %u below, %u above, %u of the first", tally_seen[first - 1], tally_seen[last + 1],
          tally_seen[first]);
    irq_mask();
    return guest_failures;
}
