/* MSIs of an assigned PCI function through the host ITS (docs/pci.md "MSI", vdev/vpci_msi.c,
 * core/pci_msi.c): the guest owns QEMU's edu device (hw/misc/edu.c: one MSI message, 64-bit
 * addresses) and has a virtual ITS. It finds its DeviceID in its device tree's msi-map, maps
 * two of its events to LPIs (MAPD, MAPC, MAPTI), programs edu's MSI capability with its ITS's
 * GITS_TRANSLATER and an EventID, and takes edu's interrupt (the raise register) and a DMA
 * completion interrupt as LPIs, each exactly once. Then what must raise nothing: an unmapped
 * EventID, one beyond its ITT, an address that is not its ITS (which must not be written
 * either), MSI disabled, the event DISCARDed, and a vCPU's own write to the host doorbell
 * page the hypervisor maps for the device; after each, a good message works again. The event
 * moved to vCPU 1 (on another physical CPU) with MOVI is taken there. Then MSI-X
 * with QEMU's e1000e at device 1: the shadow table, Function Mask, hostile entries. */
#include "tests/guests/common/gic.h"
#include "tests/guests/common/e1000e.h"
#include "lib/string.h"

#define GICR_CTLR       0x0000
#define GICR_PROPBASER  0x0070
#define GICR_PENDBASER  0x0078
#define GITS_CTLR       0x0000
#define GITS_CBASER     0x0080
#define GITS_CWRITER    0x0088
#define GITS_CREADR     0x0090
#define GITS_BASER(n)   (0x0100 + 8 * (n))
#define GITS_TRANSLATER 0x10040
#define DOORBELL_PAGE   0x11000 /* where elvisor maps the host doorbell in the ITS window */
#define VALID           (1UL << 63)

#define CMD_SYNC    0x05
#define CMD_MAPD    0x08
#define CMD_MAPC    0x09
#define CMD_MAPTI   0x0a
#define CMD_DISCARD 0x0f

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_COUNT  0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_RUN    1u
#define EDU_DMA_TO_RAM 2u
#define EDU_DMA_IRQ    4u
#define EDU_BUF        0x40000

#define PCI_COMMAND  0x04
#define PCI_CAP_PTR  0x34
#define CAP_ID_MSI   0x05
#define MSI_ENABLE   (1u << 16) /* Message Control bit 0, in the header dword */
#define MSI_64BIT    (1u << 23)
#define MSI_MMC_MASK (7u << 17)
#define MSI_MASKBIT  (1u << 24)

#define LPI_BASE  8192
#define NR_LPIS   64
#define ITT_BITS  5
#define LPI_RAISE (LPI_BASE + 10) /* event 0 */
#define LPI_DMA   (LPI_BASE + 11) /* event 1 */
#define WAIT_US   1000000
#define QUIET_US  20000

static volatile uint8_t prop[NR_LPIS] __attribute__((aligned(4096)));
static volatile uint8_t pend[65536] __attribute__((aligned(65536)));
static volatile uint8_t pend1[65536] __attribute__((aligned(65536)));
static volatile uint64_t cmdq[512] __attribute__((aligned(4096)));
static volatile uint64_t devtab[512] __attribute__((aligned(4096)));
static volatile uint64_t colltab[512] __attribute__((aligned(4096)));
static volatile uint8_t itt[8 << ITT_BITS] __attribute__((aligned(256)));
static volatile uint8_t itt_nic[8 << ITT_BITS] __attribute__((aligned(256)));
static volatile uint64_t target[512] __attribute__((aligned(4096))); /* a bad MSI address in RAM */
static uint64_t src[512] __attribute__((aligned(4096)));
static uint64_t dst[512] __attribute__((aligned(4096)));

static uintptr_t its, ecam, edu;
static unsigned msi_cap, cmd_wr;
static uint32_t devid;
static volatile uint32_t seen[NR_LPIS], other_irqs;
static volatile uint32_t seen_on1[NR_LPIS]; /* taken by vCPU 1 */
static volatile bool vcpu1_up;
static volatile uint64_t taken_at;        /* cntvct at the handler's entry, of the last LPI */
static volatile uint64_t vcpu1_wfi_exits; /* vCPU 1's trapped WFIs, after its last wake */
static volatile bool vcpu1_asleep;        /* vCPU 1 is about to wait in WFI */

/* ELVISOR_HVC_EXIT_COUNTERS (docs/performance.md "Exits per operation"): the calling vCPU's
 * exits of class c (enum exit_class: 0 HVC, 2 WFI, 7 IRQ), -1 past the last class. */
#define EXIT_COUNTERS 0xc6000001u
#define EXITC_HVC     0
#define EXITC_WFI     2
#define EXITC_IRQ     7
#define EXITC_MAX     16
static uint64_t exits(unsigned c) { return hvc_call(EXIT_COUNTERS, c, 0, 0); }
/* Every exit but the hypercalls that read them. */
static uint64_t exits_but_hvc(void)
{
    uint64_t n = 0;
    for (unsigned c = 0; c < EXITC_MAX; c++) {
        uint64_t v = exits(c);
        if (v == (uint64_t)-1)
            break;
        if (c != EXITC_HVC)
            n += v;
    }
    return n;
}

static void on_irq(uint64_t entry)
{
    uint32_t iar = gic_ack();
    uint32_t intid = gic_iar_intid(iar);
    if (intid >= 1020 && intid < LPI_BASE)
        return;
    if (intid >= LPI_BASE && intid < LPI_BASE + NR_LPIS && my_vcpu() == 1) {
        seen_on1[intid - LPI_BASE]++;
    } else if (intid >= LPI_BASE && intid < LPI_BASE + NR_LPIS) {
        taken_at = entry;
        seen[intid - LPI_BASE]++;
    } else
        other_irqs++;
    gic_eoi(iar);
}

static void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static uint32_t cfg_rd(unsigned reg) { return mmio_rd(ecam + reg); }
static void cfg_wr(unsigned reg, uint32_t v) { mmio_wr(ecam + reg, v); }

static void cmd(uint64_t d0, uint64_t d1, uint64_t d2)
{
    volatile uint64_t *c = &cmdq[cmd_wr / 8];
    c[0] = d0;
    c[1] = d1;
    c[2] = d2;
    c[3] = 0;
    dsb();
    cmd_wr = (cmd_wr + 32) % sizeof(cmdq);
    mmio_wr64(its + GITS_CWRITER, cmd_wr);
}

static bool cmd_wait(void)
{
    cmd(CMD_SYNC, 0, 0);
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while ((mmio_rd64(its + GITS_CREADR) & 0xfffe0) != cmd_wr)
        if (cntvct() > end)
            return false;
    return true;
}

static bool wait_lpi(uint32_t lpi, uint32_t count)
{
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (seen[lpi - LPI_BASE] < count)
        if (cntvct() > end)
            return false;
    return true;
}

static uint32_t lpis_total(void)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < NR_LPIS; i++)
        n += seen[i] + seen_on1[i];
    return n;
}

/* Nothing at all arrives within QUIET_US. */
static bool quiet_since(uint32_t before)
{
    udelay(QUIET_US);
    return lpis_total() == before;
}

static void msi_program(uint64_t addr, uint32_t data, bool enable)
{
    uint32_t hdr = cfg_rd(msi_cap);
    cfg_wr(msi_cap, hdr & ~MSI_ENABLE);
    cfg_wr(msi_cap + 4, (uint32_t)addr);
    cfg_wr(msi_cap + 8, (uint32_t)(addr >> 32));
    cfg_wr(msi_cap + 12, data);
    if (enable)
        cfg_wr(msi_cap, hdr | MSI_ENABLE);
}

/* edu's interrupt, then its acknowledge (the status bit would keep its INTx up otherwise). */
static void edu_raise(void)
{
    mmio_wr(edu + EDU_IRQ_RAISE, 1);
    udelay(2000);
    mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
}

/* ---- discovery: the ITS, the bridge, msi-map, the MSI capability ---- */

static bool discover(void)
{
    its = (uintptr_t)dt_reg_of("arm,gic-v3-its");
    ecam = (uintptr_t)dt_reg_of("pci-host-ecam-generic");
    int pci = fdt_next_compatible(&guest_fdt, -1, "pci-host-ecam-generic");
    int itsn = fdt_next_compatible(&guest_fdt, -1, "arm,gic-v3-its");
    int len = 0, rlen = 0;
    const uint8_t *map = pci >= 0 ? fdt_getprop(&guest_fdt, pci, "msi-map", &len) : 0;
    const uint8_t *r = pci >= 0 ? fdt_getprop(&guest_fdt, pci, "ranges", &rlen) : 0;
    uint32_t ph = 0;
    bool ok = its && ecam && map && len == 16 && r && rlen == 28 && itsn >= 0 &&
              fdt_prop_u32(&guest_fdt, itsn, "phandle", &ph) == 0 && fdt_cell(map, 1) == ph && fdt_cell(map, 0) == 0;
    check(ok, "msi_map_points_at_its", "its 0x%lx ecam 0x%lx msi-map %d bytes", (unsigned long)its, (unsigned long)ecam,
          len);
    if (!ok)
        return false;
    devid = fdt_cell(map, 2); /* requester ID 0 (device 0) is the map's first DeviceID */
    edu = (uintptr_t)((uint64_t)fdt_cell(r, 3) << 32 | fdt_cell(r, 4));
    for (unsigned p = cfg_rd(PCI_CAP_PTR) & 0xfc, n = 0; p && n < 48; n++) {
        uint32_t h = cfg_rd(p);
        if ((h & 0xff) == CAP_ID_MSI)
            msi_cap = p;
        p = (h >> 8) & 0xfc;
    }
    uint32_t h = msi_cap ? cfg_rd(msi_cap) : 0;
    check(msi_cap && (h & MSI_64BIT) && !(h & MSI_MMC_MASK) && !(h & MSI_MASKBIT) && !(h & MSI_ENABLE), "msi_cap_shown",
          "MSI capability at 0x%x: 0x%x", msi_cap, h);
    gprintf("msi: ITS 0x%lx, DeviceID 0x%x, MSI capability at 0x%x\n", (unsigned long)its, devid, msi_cap);
    return msi_cap != 0;
}

/* vCPU vcpu's redistributor: the shared LPI configuration table (14 INTID bits), its own pending
 * table, LPIs enabled. */
static void rd_lpis_on(unsigned vcpu, volatile void *pending)
{
    uintptr_t rd = gicr_of(vcpu);
    mmio_wr64(rd + GICR_PROPBASER, (uint64_t)(uintptr_t)prop | 13);
    mmio_wr64(rd + GICR_PENDBASER, (uint64_t)(uintptr_t)pending);
    dsb();
    mmio_wr(rd + GICR_CTLR, 1);
}

static void its_setup(void)
{
    for (unsigned i = 0; i < NR_LPIS; i++)
        prop[i] = 0xa0 | 1;
    dsb();
    rd_lpis_on(0, pend);
    mmio_wr64(its + GITS_BASER(0), VALID | (uint64_t)(uintptr_t)devtab);
    mmio_wr64(its + GITS_BASER(1), VALID | (uint64_t)(uintptr_t)colltab);
    mmio_wr64(its + GITS_CBASER, VALID | (uint64_t)(uintptr_t)cmdq);
    mmio_wr64(its + GITS_CWRITER, 0);
    dsb();
    mmio_wr(its + GITS_CTLR, 1);
    cmd(CMD_MAPD | (uint64_t)devid << 32, ITT_BITS - 1, VALID | (uint64_t)(uintptr_t)itt);
    cmd(CMD_MAPC, 0, VALID | 0);
    cmd(CMD_MAPTI | (uint64_t)devid << 32, 0 | (uint64_t)LPI_RAISE << 32, 0);
    cmd(CMD_MAPTI | (uint64_t)devid << 32, 1 | (uint64_t)LPI_DMA << 32, 0);
    check(cmd_wait(), "its_mapped", "CREADR 0x%lx", (unsigned long)mmio_rd64(its + GITS_CREADR));
}

/* ---- MSI-X: QEMU's e1000e (82574) at device 1, its "other" interrupt cause raised by a
 * write of its Interrupt Cause Set register and sent to the MSI-X vector IVAR names ---- */

#define NIC_DEV     1
#define CAP_ID_MSIX 0x11
#define MSIX_ENABLE (1u << 31) /* Message Control bit 15, in the header dword */
#define MSIX_FMASK  (1u << 30)
#define NIC_VEC     2
#define LPI_NIC     (LPI_BASE + 20) /* event 5 of the NIC's DeviceID */
#define NIC_EVENT   5

static uintptr_t nic, nic_tab;
static unsigned msix_cap;

static uint32_t nic_cfg_rd(unsigned reg) { return mmio_rd(ecam + (NIC_DEV << 15) + reg); }
static void nic_cfg_wr(unsigned reg, uint32_t v) { mmio_wr(ecam + (NIC_DEV << 15) + reg, v); }

/* One check: what the guest set up raises nothing; with the good entry it is delivered. */
static void msix_bad_then_good(const char *name)
{
    udelay(QUIET_US); /* a late second message of the last good one */
    uint32_t before = lpis_total();
    e1000e_raise(nic, QUIET_US);
    bool quiet = quiet_since(before);
    uint32_t n = seen[LPI_NIC - LPI_BASE];
    nic_cfg_wr(msix_cap, (nic_cfg_rd(msix_cap) & ~MSIX_FMASK) | MSIX_ENABLE);
    e1000e_msix_set(nic_tab, NIC_VEC, its + GITS_TRANSLATER, NIC_EVENT, false);
    e1000e_raise(nic, QUIET_US);
    bool back = wait_lpi(LPI_NIC, n + 1);
    check(quiet && back, name, "quiet %d, good entry afterwards %d", quiet, back);
}

static void test_msix(void)
{
    uint32_t id = nic_cfg_rd(0);
    for (unsigned p = nic_cfg_rd(PCI_CAP_PTR) & 0xfc, n = 0; p && n < 48; n++) {
        uint32_t h = nic_cfg_rd(p);
        if ((h & 0xff) == CAP_ID_MSIX)
            msix_cap = p;
        p = (h >> 8) & 0xfc;
    }
    uint32_t h = msix_cap ? nic_cfg_rd(msix_cap) : 0, t = msix_cap ? nic_cfg_rd(msix_cap + 4) : 0;
    unsigned size = ((h >> 16) & 0x7ff) + 1, bir = t & 7;
    check(id == 0x10d38086 && msix_cap && size >= NIC_VEC + 1 && bir == 3, "msix_cap_shown",
          "id 0x%x, MSI-X at 0x%x: 0x%x table 0x%x", id, msix_cap, h, t);
    if (!msix_cap || bir != 3)
        return;
    /* BAR0 (128 KiB registers) and BAR3 (the MSI-X table) in the bar-window after edu's 1 MiB. */
    nic = edu + 0x100000;
    uintptr_t bar3 = edu + 0x200000;
    nic_cfg_wr(0x10, (uint32_t)nic);
    nic_cfg_wr(0x1c, (uint32_t)bar3);
    nic_cfg_wr(PCI_COMMAND, 0x2 | 0x4);
    nic_tab = bar3 + (t & ~7u);
    uint32_t nic_dev = devid + 8; /* requester ID 8: device 1 */
    cmd(CMD_MAPD | (uint64_t)nic_dev << 32, ITT_BITS - 1, VALID | (uint64_t)(uintptr_t)itt_nic);
    cmd(CMD_MAPTI | (uint64_t)nic_dev << 32, NIC_EVENT | (uint64_t)LPI_NIC << 32, 0);
    check(cmd_wait(), "its_nic_mapped", "CREADR 0x%lx", (unsigned long)mmio_rd64(its + GITS_CREADR));
    mmio_wr(nic + E1000_IVAR, IVAR_OTHER(NIC_VEC));
    mmio_wr(nic + E1000_IMS, ICR_OTHER);
    nic_cfg_wr(msix_cap, h | MSIX_ENABLE | MSIX_FMASK);
    for (unsigned i = 0; i < size; i++)
        e1000e_msix_set(nic_tab, i, 0, 0, true);
    e1000e_msix_set(nic_tab, NIC_VEC, its + GITS_TRANSLATER, NIC_EVENT, false);
    uint32_t back = mmio_rd(e1000e_msix_entry(nic_tab, NIC_VEC, 0)),
             data = mmio_rd(e1000e_msix_entry(nic_tab, NIC_VEC, 8));
    check(back == (uint32_t)(its + GITS_TRANSLATER) && data == NIC_EVENT, "msix_table_reads_back",
          "entry %u: address 0x%x data 0x%x", NIC_VEC, back, data);
    /* Function Mask still set: nothing; cleared, the interrupt held back is sent (6.8.2.7). */
    uint32_t before = lpis_total();
    e1000e_raise(nic, QUIET_US);
    bool quiet = quiet_since(before);
    nic_cfg_wr(msix_cap, (nic_cfg_rd(msix_cap) & ~MSIX_FMASK) | MSIX_ENABLE);
    bool pended = wait_lpi(LPI_NIC, 1);

    check(quiet && pended, "msix_function_mask_holds_then_sends", "quiet %d, sent at unmask %d", quiet, pended);
    uint32_t n = seen[LPI_NIC - LPI_BASE];
    e1000e_raise(nic, QUIET_US);
    check(wait_lpi(LPI_NIC, n + 1), "msix_nic_lpi", "taken %u", seen[LPI_NIC - LPI_BASE]);
    /* Hostile tables. */
    for (unsigned i = 0; i < 512; i++)
        target[i] = 0x2222222222222222ULL;
    dsb();
    e1000e_msix_set(nic_tab, NIC_VEC, (uint64_t)(uintptr_t)&target[8], NIC_EVENT, false);
    msix_bad_then_good("msix_address_not_its_nothing");
    bool intact = true;
    for (unsigned i = 0; i < 512; i++)
        intact &= target[i] == 0x2222222222222222ULL;
    check(intact, "msix_bad_address_not_written", "the RAM the bad entry names was written");
    e1000e_msix_set(nic_tab, NIC_VEC, its + GITS_TRANSLATER, 9, false); /* an event not mapped */
    msix_bad_then_good("msix_unmapped_event_nothing");
    e1000e_msix_set(nic_tab, NIC_VEC, its + GITS_TRANSLATER, NIC_EVENT, true);
    msix_bad_then_good("msix_masked_entry_nothing");
    e1000e_msix_set(nic_tab, NIC_VEC, its + GITS_TRANSLATER, NIC_EVENT, false);
    nic_cfg_wr(msix_cap, nic_cfg_rd(msix_cap) & ~MSIX_ENABLE);
    msix_bad_then_good("msix_disabled_nothing");
    /* Past the table, in its page: the device's own space (forwarded), no entry of any table. */
    for (unsigned i = size; i < size + 4; i++)
        e1000e_msix_set(nic_tab, i, its + GITS_TRANSLATER, NIC_EVENT, false);
    udelay(QUIET_US);
    n = seen[LPI_NIC - LPI_BASE];
    before = lpis_total();
    e1000e_raise(nic, QUIET_US);
    bool got = wait_lpi(LPI_NIC, n + 1);
    udelay(QUIET_US);
    uint32_t others = lpis_total() - before - (seen[LPI_NIC - LPI_BASE] - n);
    check(got && others == 0, "msix_writes_past_table_harmless", "taken %d, %u other LPIs", got, others);
    cmd(CMD_DISCARD | (uint64_t)nic_dev << 32, NIC_EVENT, 0);
    bool ok = cmd_wait();
    udelay(QUIET_US);
    before = lpis_total();
    e1000e_raise(nic, QUIET_US);
    check(ok && quiet_since(before), "msix_after_discard_nothing", "an LPI came after DISCARD");
}

/* ---- the edu event moved to vCPU 1, on another physical CPU (MOVI) ---- */

#define PSCI_CPU_ON 0xc4000003u
#define CMD_MOVI    0x01

void guest_secondary_main(uint64_t index)
{
    gic_cpu_init();
    rd_lpis_on(1, pend1);
    vcpu1_up = true;
    irq_unmask();
    for (;;) {
        vcpu1_asleep = true;
        __asm__ volatile("wfi");
        vcpu1_asleep = false;
        vcpu1_wfi_exits = exits(EXITC_WFI);
    }
}

static void test_moved_to_vcpu1(void)
{
    extern char guest_secondary_entry[];
    bool up = hvc_call(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)guest_secondary_entry, 1) == 0;
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (up && !vcpu1_up && cntvct() < end)
        ;
    cmd(CMD_MAPC, 0, VALID | 1UL << 16 | 1); /* collection 1: vCPU 1 (RDbase = processor number) */
    cmd(CMD_MOVI | (uint64_t)devid << 32, 0, 1);
    bool moved = cmd_wait();
    msi_program(its + GITS_TRANSLATER, 0, true);
    uint32_t on0 = seen[LPI_RAISE - LPI_BASE];
    unsigned got = 0;
    for (unsigned i = 0; i < 8; i++) {
        uint32_t before = seen_on1[LPI_RAISE - LPI_BASE];
        /* vCPU 1 asleep, and given time to leave its CPU: the message must wake it. */
        uint64_t t = cntvct() + us_to_ticks(WAIT_US);
        while (!vcpu1_asleep && cntvct() < t)
            ;
        t = cntvct() + us_to_ticks(2000);
        while (cntvct() < t)
            ;
        mmio_wr(edu + EDU_IRQ_RAISE, 1);
        t = cntvct() + us_to_ticks(WAIT_US);
        while (seen_on1[LPI_RAISE - LPI_BASE] == before && cntvct() < t)
            ;
        got += seen_on1[LPI_RAISE - LPI_BASE] > before;
        mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
    }
    check(vcpu1_up && moved && got == 8 && seen[LPI_RAISE - LPI_BASE] == on0, "msi_follows_movi_to_vcpu1",
          "vCPU 1 up %d, MOVI %d, %u of 8 on vCPU 1, %u on vCPU 0", vcpu1_up, moved, got,
          seen[LPI_RAISE - LPI_BASE] - on0);
    /* vCPU 1 shares its CPU with the 'sleeper' VM (tests/configs/msi-assign.dts): its WFI traps
     * and it leaves the CPU, which then sleeps with nothing loaded. Each message found it so
     * (a trapped WFI before each wake) and woke it: with GICv4 through the vLPI's doorbell, as
     * nothing else would wake that CPU. */
    uint64_t t = cntvct() + us_to_ticks(WAIT_US);
    while (vcpu1_wfi_exits < 8 && cntvct() < t) /* its count after the last wake */
        ;
    check(got == 8 && vcpu1_wfi_exits >= 8, "msi_wakes_vcpu_in_wfi", "%u taken, vCPU 1 WFI exits %lu", got,
          (unsigned long)vcpu1_wfi_exits);
    cmd(CMD_MOVI | (uint64_t)devid << 32, 0, 0);
    cmd_wait();
}

/* ---- the tests ---- */

static void test_delivery(void)
{
    cfg_wr(0x10, (uint32_t)edu); /* BAR0 at the start of the bar-window */
    cfg_wr(PCI_COMMAND, 0x2 | 0x4);
    uint64_t tr = its + GITS_TRANSLATER;
    msi_program(tr, 0, true);
    check(cfg_rd(msi_cap) & MSI_ENABLE && cfg_rd(msi_cap + 4) == (uint32_t)tr && cfg_rd(msi_cap + 12) == 0,
          "msi_shadow_reads_back", "0x%x 0x%x 0x%x", cfg_rd(msi_cap), cfg_rd(msi_cap + 4), cfg_rd(msi_cap + 12));
    edu_raise();
    bool got = wait_lpi(LPI_RAISE, 1);
    uint32_t before = lpis_total();
    check(got && quiet_since(before) && seen[LPI_RAISE - LPI_BASE] == 1, "msi_edu_raise_lpi", "taken %u",
          seen[LPI_RAISE - LPI_BASE]);
    /* EventID 1: a DMA round trip whose completion interrupt is the LPI. */
    msi_program(tr, 1, true);
    for (unsigned i = 0; i < 512; i++)
        src[i] = 0x5a5a000000000000ULL + i;
    memset(dst, 0, sizeof(dst));
    dsb();
    mmio_wr64(edu + EDU_DMA_SRC, (uint64_t)(uintptr_t)src);
    mmio_wr64(edu + EDU_DMA_DST, EDU_BUF);
    mmio_wr64(edu + EDU_DMA_COUNT, sizeof(src));
    mmio_wr64(edu + EDU_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ);
    bool first = wait_lpi(LPI_DMA, 1);
    mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
    mmio_wr64(edu + EDU_DMA_SRC, EDU_BUF);
    mmio_wr64(edu + EDU_DMA_DST, (uint64_t)(uintptr_t)dst);
    mmio_wr64(edu + EDU_DMA_COUNT, sizeof(dst));
    mmio_wr64(edu + EDU_DMA_CMD, EDU_DMA_RUN | EDU_DMA_TO_RAM | EDU_DMA_IRQ);
    bool second = wait_lpi(LPI_DMA, 2);
    mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
    dsb();
    check(first && second && memcmp(src, dst, sizeof(src)) == 0 && seen[LPI_RAISE - LPI_BASE] == 1,
          "msi_edu_dma_completion_lpi", "first %d second %d data %s", first, second,
          memcmp(src, dst, sizeof(src)) ? "differs" : "ok");
}

/* How long from the store to edu's raise register to the LPI's handler (virtual counter):
 * the device's write through the SMMU, the host LPI, the vITS translation and injection. */
#define LAT_ROUNDS 64
static void measure_latency(void)
{
    uint64_t lat[LAT_ROUNDS];
    unsigned n = 0;
    uint64_t irq0 = exits(EXITC_IRQ), all0 = exits_but_hvc();
    for (unsigned i = 0; i < LAT_ROUNDS; i++) {
        uint32_t before = seen[LPI_RAISE - LPI_BASE];
        uint64_t t0 = cntvct();
        mmio_wr(edu + EDU_IRQ_RAISE, 1);
        bool got = wait_lpi(LPI_RAISE, before + 1);
        mmio_wr(edu + EDU_IRQ_ACK, mmio_rd(edu + EDU_IRQ_STATUS));
        if (got)
            lat[n++] = taken_at - t0;
    }
    for (unsigned i = 1; i < n; i++) /* insertion sort: n is small */
        for (unsigned j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
            uint64_t t = lat[j];
            lat[j] = lat[j - 1];
            lat[j - 1] = t;
        }
    uint64_t irq = exits(EXITC_IRQ) - irq0, all = exits_but_hvc() - all0;
    check(n == LAT_ROUNDS, "msi_every_raise_delivered", "%u of %u", n, LAT_ROUNDS);
    /* With GICv4 the vLPI reaches the running vCPU with no exit; emulated, each one is a
     * physical interrupt exit (tests/system/test_msi_assign.py checks which). */
    gprintf("msi: exits during %u edu raises: irq %lu, all %lu\n", LAT_ROUNDS, (unsigned long)irq, (unsigned long)all);
    /* In counter ticks too: under -icount shift=0 (tools/bench.py lpi_direct), instructions. */
    if (n)
        gprintf("msi: edu raise to LPI handler ticks: min %lu median %lu max %lu over %u\n", (unsigned long)lat[0],
                (unsigned long)lat[n / 2], (unsigned long)lat[n - 1], n);
    if (n)
        gprintf("msi: edu raise to LPI handler: min %lu us, median %lu us, max %lu us over %u\n",
                (unsigned long)ticks_to_us(lat[0]), (unsigned long)ticks_to_us(lat[n / 2]),
                (unsigned long)ticks_to_us(lat[n - 1]), n);
}

/* Each bad message raises nothing; the good one afterwards does (once). */
static void bad_then_good(const char *name, uint64_t addr, uint32_t data, bool enable)
{
    uint32_t before = lpis_total();
    msi_program(addr, data, enable);
    edu_raise();
    bool quiet = quiet_since(before);
    msi_program(its + GITS_TRANSLATER, 0, true);
    uint32_t n = seen[LPI_RAISE - LPI_BASE];
    edu_raise();
    bool back = wait_lpi(LPI_RAISE, n + 1);
    check(quiet && back, name, "quiet %d, good message afterwards %d", quiet, back);
}

static void test_nonsense(void)
{
    bad_then_good("msi_unmapped_event_nothing", its + GITS_TRANSLATER, 7, true);
    bad_then_good("msi_event_beyond_itt_nothing", its + GITS_TRANSLATER, 0xffff, true);
    for (unsigned i = 0; i < 512; i++)
        target[i] = 0x1111111111111111ULL;
    dsb();
    bad_then_good("msi_address_not_its_nothing", (uint64_t)(uintptr_t)&target[16], 0, true);
    bool intact = true;
    for (unsigned i = 0; i < 512; i++)
        intact &= target[i] == 0x1111111111111111ULL;
    check(intact, "msi_bad_address_not_written", "the RAM the bad address names was written");
    bad_then_good("msi_doorbell_page_address_nothing", its + DOORBELL_PAGE + 0x40, 0, true);
    bad_then_good("msi_disabled_nothing", its + GITS_TRANSLATER, 0, false);
}

/* A vCPU's store to the host doorbell page (its DeviceID is the CPU's, mapped by nobody). */
static void test_cpu_doorbell_write(void)
{
    uint32_t before = lpis_total();
    uint64_t esr = 0, far = 0;
    fault_expect();
    mmio_wr(its + DOORBELL_PAGE + 0x40, 0);
    mmio_wr(its + DOORBELL_PAGE + 0x40, 1);
    bool aborted = fault_taken(&esr, &far);
    gprintf("msi: a vCPU's stores to the host doorbell page %s\n", aborted ? "aborted" : "completed");
    check(quiet_since(before), "doorbell_cpu_write_nothing", "an LPI came (write aborted: %d)", aborted);
}

static void test_discard(void)
{
    cmd(CMD_DISCARD | (uint64_t)devid << 32, 0, 0);
    bool ok = cmd_wait();
    uint32_t before = lpis_total();
    msi_program(its + GITS_TRANSLATER, 0, true);
    edu_raise();
    edu_raise();
    check(ok && quiet_since(before), "msi_after_discard_nothing", "an LPI came after DISCARD");
}

int guest_main(void)
{
    if (gic_probe() < 0 || gic.version != 3) {
        check(false, "gicv3_found", "no GICv3 in the device tree");
        return guest_failures;
    }
    guest_set_irq_hook(on_irq);
    gic_dist_init();
    gic_cpu_init();
    irq_unmask();
    if (!discover())
        return guest_failures;
    its_setup();
    test_delivery();
    msi_program(its + GITS_TRANSLATER, 0, true);
    measure_latency();
    test_moved_to_vcpu1();
    test_nonsense();
    test_cpu_doorbell_write();
    test_discard();
    test_msix();
    check(other_irqs == 0, "no_stray_interrupts", "%u", other_irqs);
    return guest_failures;
}
