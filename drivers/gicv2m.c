/* The host GICv2m MSI frame (drivers/gicv2m.h). The hypervisor owns it: nothing but the
 * allocation of its SPIs is kept here; who takes them and where they go is core's business
 * (core/pci_msi.c). */
#include "drivers/gicv2m.h"
#include "drivers/gic.h"
#include "drivers/gic_regs.h"
#include "lib/printf.h"
#include "lib/spinlock.h"

#define V2M_MAX_SPIS 1024u /* MSI_TYPER's count field is 10 bits */

static uint64_t frame;
static uint32_t spi_first, spi_count;
static bool used[V2M_MAX_SPIS]; /* by index from spi_first */
static spinlock_t lock = SPINLOCK_INIT;

int gicv2m_init(uint64_t base, char *why, size_t cap)
{
    uint32_t typer = gic_rd32(base, V2M_MSI_TYPER);
    uint32_t first = (typer >> V2M_TYPER_BASE_SHIFT) & V2M_TYPER_BASE_MASK, count = typer & V2M_TYPER_NUM_MASK;
    /* The range must be SPIs (32..1019) the distributor has. */
    if (!count || first < GIC_NR_PRIVATE || first + count > gic_nr_irqs()) {
        ev_snprintf(why, cap, "MSI_TYPER 0x%x names SPIs %u..%u, the GIC has %u INTIDs", typer, first,
                    first + count - 1, gic_nr_irqs());
        return -1;
    }
    frame = base;
    spi_first = first;
    spi_count = count;
    return 0;
}

bool gicv2m_ready(void) { return frame != 0; }

void gicv2m_range(uint32_t *first, uint32_t *count)
{
    *first = spi_first;
    *count = spi_count;
}

uint64_t gicv2m_doorbell(void) { return frame ? frame + V2M_MSI_SETSPI_NS : 0; }

uint32_t gicv2m_alloc_spis(unsigned n)
{
    uint32_t got = 0;
    if (!frame || !n || n > spi_count)
        return 0;
    spin_lock(&lock);
    for (unsigned i = 0; i + n <= spi_count && !got; i++) {
        unsigned k = 0;
        while (k < n && !used[i + k])
            k++;
        if (k < n) {
            i += k; /* the block cannot start before the used one */
            continue;
        }
        for (k = 0; k < n; k++)
            used[i + k] = true;
        got = spi_first + i;
    }
    spin_unlock(&lock);
    return got;
}

void gicv2m_free_spis(uint32_t first, unsigned n)
{
    spin_lock(&lock);
    for (unsigned i = 0; i < n; i++)
        if (first + i >= spi_first && first + i - spi_first < spi_count)
            used[first + i - spi_first] = false;
    spin_unlock(&lock);
}
