/* MSIs of an assigned PCI function on a GICv2 machine, through the VM's GICv2m frame
 * (docs/pci.md "MSI", docs/interrupts.md "The GICv2m frame", vdev/vpci_msi.c, core/pci_msi.c,
 * tests/configs/msi-v2m.dts): the guest owns QEMU's edu device (one MSI message, 64-bit
 * addresses) and an e1000e (MSI-X), and has a GICv2m frame of SPIs 64..95. It programs edu's
 * MSI capability with its frame's MSI_SETSPI_NS and one of those SPIs, and takes edu's
 * interrupt as that SPI, exactly once each time; another SPI, the last of the range, a DMA
 * completion. Then what must raise nothing: an address that is not its frame (which must not
 * be written either), the frame's MSI_TYPER, an SPI just below or above its range, the host
 * doorbell page the hypervisor maps after its frame, MSI disabled; after each, the good message
 * works again. Its vCPU's own stores of every SPI number to that host page raise none of its
 * SPIs while its messages are off. Then the e1000e's MSI-X table: an entry aimed at its frame
 * and SPI is taken; out of range, elsewhere, masked: nothing. */
#include "tests/guests/common/guest.h"
#include "tests/guests/common/gic.h"
#include "tests/guests/common/irq_tally.h"
#include "tests/guests/common/e1000e.h"
#include "lib/string.h"

#define MSI_TYPER     0x008
#define MSI_SETSPI_NS 0x040
#define HOST_PAGE     0x1000 /* where elvisor maps the host frame: the page after the VM's */

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_COUNT  0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_RUN    1u
#define EDU_DMA_IRQ    4u
#define EDU_BUF        0x40000

#define PCI_COMMAND  0x04
#define PCI_CAP_PTR  0x34
#define CAP_ID_MSI   0x05
#define CAP_ID_MSIX  0x11
#define MSI_ENABLE   (1u << 16) /* Message Control bit 0, in the header dword */
#define MSI_64BIT    (1u << 23)
#define MSI_MMC_MASK (7u << 17)
#define MSIX_ENABLE  (1u << 31) /* Message Control bit 15 */
#define MSIX_FMASK   (1u << 30)

#define WAIT_US  1000000
#define QUIET_US 20000

static volatile uint64_t target[512] __attribute__((aligned(4096))); /* a bad MSI address in RAM */
static uint64_t src[512] __attribute__((aligned(4096)));

static uintptr_t frame, ecam, edu;
static uint32_t first, count;
static unsigned msi_cap;

static void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static uint32_t cfg_rd(unsigned dev, unsigned reg) { return mmio_rd(ecam + (dev << 15) + reg); }
static void cfg_wr(unsigned dev, unsigned reg, uint32_t v) { mmio_wr(ecam + (dev << 15) + reg, v); }

static unsigned find_cap(unsigned dev, unsigned id)
{
    for (unsigned p = cfg_rd(dev, PCI_CAP_PTR) & 0xfc, n = 0; p && n < 48; n++) {
        uint32_t h = cfg_rd(dev, p);
        if ((h & 0xff) == id)
            return p;
        p = (h >> 8) & 0xfc;
    }
    return 0;
}

static void msi_program(uint64_t addr, uint32_t data, bool enable)
{
    uint32_t hdr = cfg_rd(0, msi_cap);
    cfg_wr(0, msi_cap, hdr & ~MSI_ENABLE);
    cfg_wr(0, msi_cap + 4, (uint32_t)addr);
    cfg_wr(0, msi_cap + 8, (uint32_t)(addr >> 32));
    cfg_wr(0, msi_cap + 12, data);
    if (enable)
        cfg_wr(0, msi_cap, hdr | MSI_ENABLE);
}

/* edu's interrupt, then its acknowledge (the status bit would keep its INTx up otherwise). */
static void edu_raise(void)
{
    mmio_wr(edu + EDU_IRQ_RAISE, 1);
    udelay(2000);
    mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
}

static bool discover(void)
{
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,gic-v2m-frame");
    uint64_t base = 0, size = 0;
    bool dt = node >= 0 && fdt_reg(&guest_fdt, node, 0, &base, &size) == 0 &&
              fdt_prop_u32(&guest_fdt, node, "arm,msi-base-spi", &first) == 0 &&
              fdt_prop_u32(&guest_fdt, node, "arm,msi-num-spis", &count) == 0;
    frame = (uintptr_t)base;
    ecam = (uintptr_t)dt_reg_of("pci-host-ecam-generic");
    int pci = fdt_next_compatible(&guest_fdt, -1, "pci-host-ecam-generic");
    int rlen = 0;
    const uint8_t *r = pci >= 0 ? fdt_getprop(&guest_fdt, pci, "ranges", &rlen) : 0;
    bool ok = dt && count >= 4 && ecam && r && rlen == 28 && (mmio_rd(frame + MSI_TYPER) & 0x3ff) == count;
    check(ok, "v2m_frame_in_dt", "frame 0x%lx SPIs %u+%u, ecam 0x%lx", (unsigned long)frame, first, count,
          (unsigned long)ecam);
    if (!ok)
        return false;
    edu = (uintptr_t)((uint64_t)fdt_cell(r, 3) << 32 | fdt_cell(r, 4));
    msi_cap = find_cap(0, CAP_ID_MSI);
    uint32_t h = msi_cap ? cfg_rd(0, msi_cap) : 0;
    check(msi_cap && (h & MSI_64BIT) && !(h & MSI_MMC_MASK) && !(h & MSI_ENABLE), "msi_cap_shown",
          "MSI capability at 0x%x: 0x%x", msi_cap, h);
    gprintf("msi-v2m: frame 0x%lx SPIs %u..%u, MSI capability at 0x%x\n", (unsigned long)frame, first,
            first + count - 1, msi_cap);
    return msi_cap != 0;
}

static void test_delivery(void)
{
    uint64_t setspi = frame + MSI_SETSPI_NS;
    uint32_t a = first + 3, b = first + count - 1;
    cfg_wr(0, 0x10, (uint32_t)edu); /* BAR0 at the start of the bar-window */
    cfg_wr(0, PCI_COMMAND, 0x2 | 0x4);
    msi_program(setspi, a, true);
    check(
        (cfg_rd(0, msi_cap) & MSI_ENABLE) && cfg_rd(0, msi_cap + 4) == (uint32_t)setspi && cfg_rd(0, msi_cap + 12) == a,
        "msi_shadow_reads_back", "0x%x 0x%x 0x%x", cfg_rd(0, msi_cap), cfg_rd(0, msi_cap + 4), cfg_rd(0, msi_cap + 12));
    edu_raise();
    bool got = tally_wait(a, 1, WAIT_US);
    uint32_t before = tally_taken;
    check(got && tally_quiet_since(before, QUIET_US) && tally_seen[a] == 1, "msi_v2m_edu_raise_spi",
          "SPI %u taken %u times", a, tally_seen[a]);
    for (unsigned i = 0; i < 8; i++)
        edu_raise();
    check(tally_wait(a, 9, WAIT_US) && tally_quiet_since(tally_taken, QUIET_US) && tally_seen[a] == 9,
          "msi_v2m_every_raise_once", "SPI %u taken %u of 9", a, tally_seen[a]);
    /* The last SPI of the range, as a DMA's completion interrupt. */
    msi_program(setspi, b, true);
    for (unsigned i = 0; i < 512; i++)
        src[i] = 0x5a5a000000000000ULL + i;
    dsb();
    mmio_wr64(edu + EDU_DMA_SRC, (uint64_t)(uintptr_t)src);
    mmio_wr64(edu + EDU_DMA_DST, EDU_BUF);
    mmio_wr64(edu + EDU_DMA_COUNT, sizeof(src));
    mmio_wr64(edu + EDU_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ);
    bool dma = tally_wait(b, 1, WAIT_US);
    mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
    check(dma && tally_seen[a] == 9, "msi_v2m_last_spi_dma_completion", "SPI %u taken %u times", b, tally_seen[b]);
}

/* Each bad message raises nothing; the good one afterwards does (once). */
static void bad_then_good(const char *name, uint64_t addr, uint32_t data, bool enable)
{
    uint32_t good = first + 3;
    uint32_t before = tally_taken;
    msi_program(addr, data, enable);
    edu_raise();
    bool quiet = tally_quiet_since(before, QUIET_US);
    msi_program(frame + MSI_SETSPI_NS, good, true);
    uint32_t n = tally_seen[good];
    edu_raise();
    bool back = tally_wait(good, n + 1, WAIT_US);
    check(quiet && back, name, "quiet %d, good message afterwards %d", quiet, back);
}

static void test_nonsense(void)
{
    uint64_t setspi = frame + MSI_SETSPI_NS;
    for (unsigned i = 0; i < 512; i++)
        target[i] = 0x1111111111111111ULL;
    dsb();
    bad_then_good("msi_v2m_address_not_frame_nothing", (uint64_t)(uintptr_t)&target[16], first + 3, true);
    bool intact = true;
    for (unsigned i = 0; i < 512; i++)
        intact &= target[i] == 0x1111111111111111ULL;
    check(intact, "msi_v2m_bad_address_not_written", "the RAM the bad address names was written");
    bad_then_good("msi_v2m_typer_address_nothing", frame + MSI_TYPER, first + 3, true);
    bad_then_good("msi_v2m_spi_below_range_nothing", setspi, first - 1, true);
    bad_then_good("msi_v2m_spi_above_range_nothing", setspi, first + count, true);
    bad_then_good("msi_v2m_host_page_address_nothing", frame + HOST_PAGE + MSI_SETSPI_NS, first + 3, true);
    bad_then_good("msi_v2m_disabled_nothing", setspi, first + 3, false);
}

/* The vCPU's own stores to the host frame's page after its frame: with its messages off, every
 * SPI number written there (the host frame's SPIs among them) raises nothing in this VM. */
static void test_cpu_host_page(void)
{
    msi_program(frame + MSI_SETSPI_NS, first + 3, false);
    uint32_t before = tally_taken;
    uint64_t esr = 0, far = 0;
    fault_expect();
    for (uint32_t v = 0; v < 1024; v++)
        mmio_wr(frame + HOST_PAGE + MSI_SETSPI_NS, v);
    bool aborted = fault_taken(&esr, &far);
    gprintf("msi-v2m: the vCPU's stores to the host frame page %s\n", aborted ? "aborted" : "completed");
    bool quiet = tally_quiet_since(before, QUIET_US);
    msi_program(frame + MSI_SETSPI_NS, first + 3, true);
    uint32_t n = tally_seen[first + 3];
    edu_raise();
    bool back = tally_wait(first + 3, n + 1, WAIT_US);
    check(quiet && back, "v2m_host_page_cpu_writes_nothing", "quiet %d (%u taken), good message afterwards %d", quiet,
          tally_taken - before, back);
}

/* ---- MSI-X: QEMU's e1000e (82574) at device 1, its "other" interrupt cause raised by a
 * write of its Interrupt Cause Set register and sent to the MSI-X vector IVAR names ---- */

#define NIC_DEV 1
#define NIC_VEC 2

static uintptr_t nic, nic_tab;
static unsigned msix_cap;

static void msix_bad_then_good(const char *name, uint32_t spi)
{
    udelay(QUIET_US);
    uint32_t before = tally_taken;
    e1000e_raise(nic, QUIET_US);
    bool quiet = tally_quiet_since(before, QUIET_US);
    uint32_t n = tally_seen[spi];
    e1000e_msix_set(nic_tab, NIC_VEC, frame + MSI_SETSPI_NS, spi, false);
    e1000e_raise(nic, QUIET_US);
    bool back = tally_wait(spi, n + 1, WAIT_US);
    check(quiet && back, name, "quiet %d, good entry afterwards %d", quiet, back);
}

static void test_msix(void)
{
    uint32_t id = cfg_rd(NIC_DEV, 0);
    msix_cap = find_cap(NIC_DEV, CAP_ID_MSIX);
    uint32_t h = msix_cap ? cfg_rd(NIC_DEV, msix_cap) : 0, t = msix_cap ? cfg_rd(NIC_DEV, msix_cap + 4) : 0;
    unsigned size = ((h >> 16) & 0x7ff) + 1, bir = t & 7;
    check(id == 0x10d38086 && msix_cap && size >= NIC_VEC + 1 && bir == 3, "msix_v2m_cap_shown",
          "id 0x%x, MSI-X at 0x%x: 0x%x table 0x%x", id, msix_cap, h, t);
    if (!msix_cap || bir != 3)
        return;
    /* BAR0 (128 KiB registers) and BAR3 (the MSI-X table) in the bar-window after edu's 1 MiB. */
    nic = edu + 0x100000;
    uintptr_t bar3 = edu + 0x200000;
    cfg_wr(NIC_DEV, 0x10, (uint32_t)nic);
    cfg_wr(NIC_DEV, 0x1c, (uint32_t)bar3);
    cfg_wr(NIC_DEV, PCI_COMMAND, 0x2 | 0x4);
    nic_tab = bar3 + (t & ~7u);
    mmio_wr(nic + E1000_IVAR, IVAR_OTHER(NIC_VEC));
    mmio_wr(nic + E1000_IMS, ICR_OTHER);
    cfg_wr(NIC_DEV, msix_cap, h | MSIX_ENABLE);
    for (unsigned i = 0; i < size; i++)
        e1000e_msix_set(nic_tab, i, 0, 0, true);
    uint32_t spi = first + 10;
    e1000e_msix_set(nic_tab, NIC_VEC, frame + MSI_SETSPI_NS, spi, false);
    e1000e_raise(nic, QUIET_US);
    check(tally_wait(spi, 1, WAIT_US), "msix_v2m_spi", "SPI %u taken %u times", spi, tally_seen[spi]);
    e1000e_msix_set(nic_tab, NIC_VEC, frame + MSI_SETSPI_NS, first + count, false);
    msix_bad_then_good("msix_v2m_spi_out_of_range_nothing", spi);
    e1000e_msix_set(nic_tab, NIC_VEC, (uint64_t)(uintptr_t)&target[8], spi, false);
    msix_bad_then_good("msix_v2m_address_not_frame_nothing", spi);
    e1000e_msix_set(nic_tab, NIC_VEC, frame + HOST_PAGE + MSI_SETSPI_NS, spi, false);
    msix_bad_then_good("msix_v2m_host_page_address_nothing", spi);
    e1000e_msix_set(nic_tab, NIC_VEC, frame + MSI_SETSPI_NS, spi, true);
    msix_bad_then_good("msix_v2m_masked_entry_nothing", spi);
    cfg_wr(NIC_DEV, msix_cap, cfg_rd(NIC_DEV, msix_cap) & ~MSIX_ENABLE);
}

int guest_main(void)
{
    if (gic_probe() < 0 || gic.version != 2) {
        check(false, "gicv2_found", "no GICv2 in the device tree");
        return guest_failures;
    }
    guest_set_irq_hook(tally_irq);
    gic_dist_init();
    gic_cpu_init();
    if (!discover())
        return guest_failures;
    /* Every SPI of the range, and the one on each side: a delivery anywhere would be seen. */
    for (uint32_t s = first - 1; s <= first + count; s++)
        gic_spi_edge_setup(s);
    irq_unmask();
    test_delivery();
    test_nonsense();
    test_cpu_host_page();
    test_msix();
    uint32_t stray = tally_taken - tally_seen[first + 3] - tally_seen[first + count - 1] - tally_seen[first + 10];
    check(stray == 0 && tally_seen[first - 1] == 0 && tally_seen[first + count] == 0, "no_stray_interrupts",
          "%u others, %u below the range, %u above", stray, tally_seen[first - 1], tally_seen[first + count]);
    irq_mask();
    return guest_failures;
}
