/* A guest that owns QEMU's "edu" PCI device (a DMA engine: hw/misc/edu.c, docs/specs/edu.rst)
 * through its virtual host bridge, and uses it against itself and everyone else:
 *   - the virtual configuration space: only its function, no MSI/MSI-X, BAR sizing, a BAR
 *     placed outside its bar-window is not reachable;
 *   - DMA into its own RAM (by IPA) works, both ways, data checked;
 *   - DMA reads of the hypervisor's image (its Image header magic at host PA 0x40200000) and of
 *     host RAM bring nothing back;
 *   - DMA writes to every 16 MiB of host RAM (where the hypervisor and the victim VM live) and
 *     to the hypervisor's image;
 *   - DMA into its own RAM still works afterwards.
 * Controls: a DMA read of its own Image header does bring "ARM\x64" back (so the read checks
 * can see a leak); bootargs "negative" is the run on a machine without an SMMU (dma-unsafe),
 * where only the harmless own-RAM round trip runs, and must go wrong (the device then sees host
 * physical addresses, and there is no host RAM at this VM's IPAs). */
#include "tests/guests/common/guest.h"
#include "lib/string.h"

#define EDU_ID         0x00
#define EDU_LIVENESS   0x04
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_COUNT  0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_RUN    1u
#define EDU_DMA_TO_RAM 2u      /* direction: device buffer -> bus address */
#define EDU_BUF        0x40000 /* the device's 4 KiB buffer, in its own address space */
#define EDU_BUF_SIZE   4096

#define HV_IMAGE_PA 0x40200000ULL /* where QEMU loads elvisor.bin (-kernel): its Image header */

extern char __image_start[];

static uint64_t ecam, bar_win, bar_win_size;
static volatile uint8_t *edu;
static uint64_t src[EDU_BUF_SIZE / 8] __attribute__((aligned(4096)));
static uint64_t dst[EDU_BUF_SIZE / 8] __attribute__((aligned(4096)));

static uint32_t cfg_rd(unsigned dev, unsigned reg) { return *(volatile uint32_t *)(ecam + (dev << 15) + reg); }
static void cfg_wr(unsigned dev, unsigned reg, uint32_t v) { *(volatile uint32_t *)(ecam + (dev << 15) + reg) = v; }
static uint64_t rd64(unsigned off) { return *(volatile uint64_t *)(edu + off); }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(edu + off) = v; }

static uint64_t now_ms(void) { return sysreg_read(cntvct_el0) * 1000 / sysreg_read(cntfrq_el0); }

/* One DMA of len bytes; false if the engine did not finish within 3 s. */
static bool dma(uint64_t from, uint64_t to, unsigned len, bool to_ram)
{
    wr64(EDU_DMA_SRC, from);
    wr64(EDU_DMA_DST, to);
    wr64(EDU_DMA_COUNT, len);
    wr64(EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
    uint64_t end = now_ms() + 3000;
    while (rd64(EDU_DMA_CMD) & EDU_DMA_RUN)
        if (now_ms() > end)
            return false;
    return true;
}

static void fill(uint64_t *b, uint64_t seed)
{
    for (unsigned i = 0; i < EDU_BUF_SIZE / 8; i++)
        b[i] = seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);
}

static unsigned differ(const uint64_t *a, const uint64_t *b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < EDU_BUF_SIZE / 8; i++)
        n += a[i] != b[i];
    return n;
}

/* RAM -> device -> RAM: the device's DMA lands in this VM's RAM, by IPA. */
static bool own_ram_round_trip(uint64_t seed)
{
    fill(src, seed);
    fill(dst, ~seed);
    bool ok = dma((uint64_t)(uintptr_t)src, EDU_BUF, EDU_BUF_SIZE, false) &&
              dma(EDU_BUF, (uint64_t)(uintptr_t)dst, EDU_BUF_SIZE, true);
    unsigned bad = differ(src, dst);
    gprintf("dma: own RAM round trip: %u of %u words differ\n", bad, EDU_BUF_SIZE / 8);
    return ok && bad == 0;
}

/* Reads host PA pa into the device buffer (seeded with a known pattern first), then the
 * buffer back into RAM: true if anything of the target came back ("ARM\x64" at 56 for the
 * hypervisor's header; anything other than the seed or zeros elsewhere). */
static bool read_leaks(uint64_t pa, bool header)
{
    fill(src, 0x1111111111111111ULL);
    dma((uint64_t)(uintptr_t)src, EDU_BUF, EDU_BUF_SIZE, false);
    dma(pa, EDU_BUF, 256, false);
    fill(dst, 0);
    dma(EDU_BUF, (uint64_t)(uintptr_t)dst, EDU_BUF_SIZE, true);
    if (header)
        return (uint32_t)dst[7] == 0x644d5241; /* "ARM\x64", little endian, at byte 56 */
    for (unsigned i = 0; i < 32; i++)
        if (dst[i] != src[i] && dst[i] != 0)
            return true;
    return false;
}

static bool find_bridge(void)
{
    int node = fdt_next_compatible(&guest_fdt, -1, "pci-host-ecam-generic");
    int len;
    const uint8_t *r = node >= 0 ? fdt_getprop(&guest_fdt, node, "ranges", &len) : 0;
    ecam = dt_reg_of("pci-host-ecam-generic");
    if (!r || len != 28 || !ecam)
        return false;
    bar_win = (uint64_t)fdt_cell(r, 3) << 32 | fdt_cell(r, 4);
    bar_win_size = (uint64_t)fdt_cell(r, 5) << 32 | fdt_cell(r, 6);
    return true;
}

static bool bootarg(const char *word)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    size_t n = strlen(word);
    for (const char *a = args; a && *a; a++)
        if (strncmp(a, word, n) == 0)
            return true;
    return false;
}

/* The virtual configuration space of device 0 (the edu function) and the absence of others. */
static void config_space(void)
{
    uint32_t id = cfg_rd(0, 0);
    check(id == 0x11e81234, "vpci_sees_edu", "vendor/device 0x%x", id);
    check(cfg_rd(1, 0) == 0xffffffff && cfg_rd(0, 0x100) == 0, "vpci_only_its_function",
          "device 1 reads 0x%x, extended space 0x%x", cfg_rd(1, 0), cfg_rd(0, 0x100));
    unsigned caps = 0, msi = 0;
    for (unsigned p = cfg_rd(0, 0x34) & 0xfc; p && caps < 48; caps++) {
        uint32_t h = cfg_rd(0, p);
        msi += (h & 0xff) == 0x05 || (h & 0xff) == 0x11;
        p = (h >> 8) & 0xfc;
    }
    check(msi == 0, "vpci_msi_hidden", "%u MSI/MSI-X capabilities visible", msi);
    cfg_wr(0, 0x10, 0xffffffff);
    uint32_t mask = cfg_rd(0, 0x10);
    check((mask & ~0xfu) == 0xfff00000u, "vpci_bar_sizing", "BAR0 reads 0x%x after all ones", mask);
    /* Outside the bar-window (at an IPA of its own space, in the hole below its RAM): the BAR is
     * not mapped there, so memory decoding shows nothing. */
    cfg_wr(0, 0x10, 0x40000000);
    cfg_wr(0, 0x04, 0x2);
    uint64_t esr = 0, far = 0;
    fault_expect();
    (void)*(volatile uint32_t *)0x40000000;
    bool aborted = fault_taken(&esr, &far);
    check(aborted, "vpci_bar_outside_window_unmapped", "a read at the BAR outside the window did not abort");
    cfg_wr(0, 0x04, 0);
    cfg_wr(0, 0x10, (uint32_t)bar_win);
    cfg_wr(0, 0x04, 0x2 | 0x4); /* memory decoding, bus master */
    edu = (volatile uint8_t *)(uintptr_t)bar_win;
    uint32_t eid = *(volatile uint32_t *)(edu + EDU_ID);
    *(volatile uint32_t *)(edu + EDU_LIVENESS) = 0x12345678;
    uint32_t live = *(volatile uint32_t *)(edu + EDU_LIVENESS);
    check((eid & 0xffff) == 0xed && live == ~0x12345678u, "vpci_bar_mapped", "edu id 0x%x liveness 0x%x", eid, live);
}

int guest_main(void)
{
    bool negative = bootarg("negative");
    if (!find_bridge()) {
        check(false, "vpci_in_dt", "no pci-host-ecam-generic with one range in the device tree");
        return guest_failures;
    }
    gprintf("dma: ECAM 0x%lx, BAR window 0x%lx+0x%lx\n", (unsigned long)ecam, (unsigned long)bar_win,
            (unsigned long)bar_win_size);
    config_space();
    if (negative) {
        /* No SMMU: the device sees host physical addresses; own RAM (IPA 4 GiB, no host RAM
         * there) is not where the data goes. */
        bool own = own_ram_round_trip(0xabcdef0123456789ULL);
        gprintf("dma: NEGATIVE own_ram_ok=%d\n", own);
        return guest_failures;
    }
    check(own_ram_round_trip(0xabcdef0123456789ULL), "dma_own_ram", "DMA into its own RAM failed");
    check(read_leaks((uint64_t)(uintptr_t)__image_start, true), "dma_read_control_own_header",
          "a DMA read of its own Image header did not bring the magic back");
    check(!read_leaks(HV_IMAGE_PA, true), "dma_read_hypervisor_blocked", "the hypervisor's image header came back");
    unsigned leaks = 0;
    for (uint64_t pa = 0x40000000; pa < 0x80000000; pa += 0x8000000)
        leaks += read_leaks(pa, false);
    check(leaks == 0, "dma_read_host_ram_blocked", "%u reads of host RAM brought data back", leaks);
    /* Let the victim fill its memory before the writes start. */
    uint64_t t = now_ms() + 2000;
    while (now_ms() < t)
        ;
    fill(src, 0xbadbadbadbadbadULL);
    dma((uint64_t)(uintptr_t)src, EDU_BUF, EDU_BUF_SIZE, false);
    unsigned writes = 0;
    dma(EDU_BUF, HV_IMAGE_PA, EDU_BUF_SIZE, true);
    for (uint64_t pa = 0x40000000; pa < 0x80000000; pa += 0x1000000, writes++)
        if (!dma(EDU_BUF, pa, EDU_BUF_SIZE, true))
            break;
    check(writes == 64, "dma_write_attempts", "%u of 64 writes ran", writes);
    gprintf("dma: %u DMA writes into host RAM attempted\n", writes + 1);
    check(own_ram_round_trip(0x0123456789abcdefULL), "dma_own_ram_after_attack", "DMA into its own RAM failed");
    return guest_failures;
}
