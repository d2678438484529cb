/* The virtual GICv3 ITS and LPIs (vdev/vits.c, vdev/vgic_lpi.c, docs/interrupts.md), driven
 * as an OS drives an ITS (IHI 0069H chapter 5): the LPI configuration and pending tables
 * (GICR_PROPBASER/PENDBASER, EnableLPIs), the device and collection tables (GITS_BASER0/1), the
 * command queue (GITS_CBASER/CWRITER/CREADR), MAPD/MAPC/MAPTI/MAPI, LPIs raised with INT and
 * by writing GITS_TRANSLATER, priority and enable through the configuration table with INV
 * and INVALL, CLEAR, DISCARD, MOVI/MOVALL between vCPUs, an LPI kept for an offline vCPU; then
 * a hostile part: tables, ITTs and the command queue outside the VM's RAM, and commands with
 * every argument out of range, which must give the architected outcome (command ignored,
 * GITS_CREADR.Stalled) and leave the ITS usable.
 *
 * 4 vCPUs: 0 runs the test, 1 is started for MOVI/MOVALL, 2 stays offline until an LPI waits
 * for it, 3 never runs (its redistributor gets the hostile tables). bootargs "peer": the VM
 * beside it (tests/configs/its.dts) sets up its own ITS and raises LPIs for as long as the
 * hostile VM runs, each of which must arrive exactly once. */
#include "tests/guests/common/gic.h"
#include "lib/string.h"

#define PSCI_CPU_ON 0xc4000003u

#define GICD_TYPER_LPIS (1u << 17)
#define GICR_CTLR       0x0000
#define GICR_PROPBASER  0x0070
#define GICR_PENDBASER  0x0078
#define PENDBASER_PTZ   (1UL << 62)
#define GITS_CTLR       0x0000
#define GITS_TYPER      0x0008
#define GITS_CBASER     0x0080
#define GITS_CWRITER    0x0088
#define GITS_CREADR     0x0090
#define GITS_BASER(n)   (0x0100 + 8 * (n))
#define GITS_TRANSLATER 0x10040
#define VALID           (1UL << 63)

#define CMD_MOVI    0x01
#define CMD_INT     0x03
#define CMD_CLEAR   0x04
#define CMD_SYNC    0x05
#define CMD_MAPD    0x08
#define CMD_MAPC    0x09
#define CMD_MAPTI   0x0a
#define CMD_MAPI    0x0b
#define CMD_INV     0x0c
#define CMD_INVALL  0x0d
#define CMD_MOVALL  0x0e
#define CMD_DISCARD 0x0f

#define LPI_BASE 8192
#define NR_LPIS  1024
#define NR_VCPUS 4
#define ITT_BITS 5 /* 32 events per device */
#define PRIO_DEF 0xa0
#define WAIT_US  500000
#define QUIET_US 3000             /* how long an LPI that must not come is given */
#define FAR_AWAY 0x100000000000UL /* an IPA no VM has RAM at */

/* The guest's tables, in its RAM (the MMU is off: every access goes to memory). */
static volatile uint8_t prop[NR_LPIS] __attribute__((aligned(4096)));
static volatile uint8_t pend[NR_VCPUS][65536] __attribute__((aligned(65536)));
static volatile uint64_t cmdq[512] __attribute__((aligned(4096))); /* 4 KiB: 128 commands */
static volatile uint64_t devtab[512] __attribute__((aligned(4096)));
static volatile uint64_t colltab[512] __attribute__((aligned(4096)));
static volatile uint8_t itt[4][8 << ITT_BITS] __attribute__((aligned(256)));
/* For MAPI, whose EventID is the LPI: 2^14 events. */
#define MAPI_BITS 14
static volatile uint8_t itt_mapi[8 << MAPI_BITS] __attribute__((aligned(256)));

static uintptr_t its;
static unsigned cmd_wr; /* byte offset of the next command */
static uint64_t ram_base, ram_end;
static bool peer;

static volatile uint32_t seen[NR_VCPUS][NR_LPIS];
static volatile uint32_t other_irqs;
static volatile uint32_t order[16];
static volatile unsigned order_n;
static volatile bool vcpu_up[NR_VCPUS];

static void on_irq(uint64_t entry)
{
    unsigned me = my_vcpu() % NR_VCPUS;
    uint32_t iar = gic_ack();
    uint32_t intid = gic_iar_intid(iar);
    if (intid >= 1020 && intid < LPI_BASE)
        return;
    if (intid >= LPI_BASE && intid < LPI_BASE + NR_LPIS) {
        seen[me][intid - LPI_BASE]++;
        unsigned n = order_n;
        if (n < 16)
            order[n] = intid;
        order_n = n + 1;
    } else {
        other_irqs++;
    }
    gic_eoi(iar);
}

static void dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }

/* ---- the command queue ---- */

static void cmd(uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    volatile uint64_t *c = &cmdq[cmd_wr / 8];
    c[0] = d0;
    c[1] = d1;
    c[2] = d2;
    c[3] = d3;
    dsb();
    cmd_wr = (cmd_wr + 32) % sizeof(cmdq);
    mmio_wr64(its + GITS_CWRITER, cmd_wr);
}

/* Waits until the ITS has read every command written (CREADR = CWRITER); false if it stalled
 * or took too long. */
static bool cmd_wait(void)
{
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    for (;;) {
        uint64_t r = mmio_rd64(its + GITS_CREADR);
        if (r & 1)
            return false;
        if ((r & 0xfffe0) == cmd_wr)
            return true;
        if (cntvct() > end)
            return false;
    }
}

static uint64_t rd_of(unsigned vcpu) { return (uint64_t)vcpu << 16; } /* GITS_TYPER.PTA = 0 */

static void mapd_bits(uint32_t dev, uint64_t itt_pa, unsigned bits)
{
    cmd(CMD_MAPD | (uint64_t)dev << 32, bits - 1, VALID | (itt_pa & ~0xffUL), 0);
}
static void mapd(uint32_t dev, uint64_t itt_pa) { mapd_bits(dev, itt_pa, ITT_BITS); }
static void mapc(uint32_t icid, unsigned vcpu) { cmd(CMD_MAPC, 0, VALID | rd_of(vcpu) | icid, 0); }
static void mapti(uint32_t dev, uint32_t ev, uint32_t lpi, uint32_t icid)
{
    cmd(CMD_MAPTI | (uint64_t)dev << 32, ev | (uint64_t)lpi << 32, icid, 0);
}
static void dev_ev(unsigned op, uint32_t dev, uint32_t ev) { cmd(op | (uint64_t)dev << 32, ev, 0, 0); }
static void movi(uint32_t dev, uint32_t ev, uint32_t icid) { cmd(CMD_MOVI | (uint64_t)dev << 32, ev, icid, 0); }
static void sync_rd(unsigned vcpu) { cmd(CMD_SYNC, 0, rd_of(vcpu), 0); }

/* ---- LPIs ---- */

static void set_cfg(uint32_t lpi, uint8_t prio, bool enable)
{
    prop[lpi - LPI_BASE] = (uint8_t)((prio & 0xfc) | (enable ? 1 : 0));
    dsb();
}

static uint32_t seen_total(uint32_t lpi)
{
    uint32_t n = 0;
    for (unsigned v = 0; v < NR_VCPUS; v++)
        n += seen[v][lpi - LPI_BASE];
    return n;
}

/* Waits for LPI lpi to have been taken count times on vCPU vcpu. */
static bool wait_lpi(unsigned vcpu, uint32_t lpi, uint32_t count)
{
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (seen[vcpu][lpi - LPI_BASE] < count)
        if (cntvct() > end)
            return false;
    return true;
}

/* LPI lpi is not taken anywhere within QUIET_US (IRQs open on this vCPU meanwhile). */
static bool stays_quiet(uint32_t lpi)
{
    uint32_t before = seen_total(lpi);
    udelay(QUIET_US);
    return seen_total(lpi) == before;
}

static void rd_setup(unsigned vcpu, uint64_t propbaser, uint64_t pendbaser)
{
    uintptr_t r = gicr_of(vcpu);
    mmio_wr64(r + GICR_PROPBASER, propbaser);
    mmio_wr64(r + GICR_PENDBASER, pendbaser);
    dsb();
    mmio_wr(r + GICR_CTLR, 1); /* EnableLPIs */
}

static uint64_t propbaser_good(void) { return (uint64_t)(uintptr_t)prop | 13; /* IDbits: 14 bits of INTID */ }

static void find_ram(void)
{
    int root = fdt_root(&guest_fdt);
    for (int n = fdt_first_subnode(&guest_fdt, root); n >= 0; n = fdt_next_subnode(&guest_fdt, n)) {
        const char *t = fdt_prop_string(&guest_fdt, n, "device_type");
        uint64_t b, s;
        if (t && !strcmp(t, "memory") && fdt_reg(&guest_fdt, n, 0, &b, &s) == 0) {
            ram_base = b;
            ram_end = b + s;
            return;
        }
    }
}

void guest_secondary_main(uint64_t index)
{
    gic_cpu_init();
    vcpu_up[my_vcpu() % NR_VCPUS] = true;
    irq_unmask();
    for (;;)
        __asm__ volatile("wfi");
}

static bool start_vcpu(unsigned n)
{
    extern char guest_secondary_entry[];
    if (hvc_call(PSCI_CPU_ON, n, (uint64_t)(uintptr_t)guest_secondary_entry, n) != 0)
        return false;
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (!vcpu_up[n])
        if (cntvct() > end)
            return false;
    return true;
}

/* ---- the tests ---- */

static bool test_discovery(void)
{
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,gic-v3-its");
    its = (uintptr_t)dt_reg_of("arm,gic-v3-its");
    bool msi = node >= 0 && fdt_getprop(&guest_fdt, node, "msi-controller", 0) != 0;
    check(its && msi, "its_dt_node", "node %d base 0x%lx", node, (unsigned long)its);
    uint32_t typer = mmio_rd(gic.d + GICD_TYPER);
    check((typer & GICD_TYPER_LPIS) && ((typer >> 19) & 0x1f) >= 13, "gicd_typer_lpis", "TYPER 0x%x", typer);
    check(mmio_rd64(gicr_of(0) + GICR_TYPER) & 1, "gicr_typer_plpis", "no PLPIS");
    if (!its)
        return false;
    uint64_t t = mmio_rd64(its + GITS_TYPER);
    unsigned ite = ((t >> 4) & 0xf) + 1, idbits = ((t >> 8) & 0x1f) + 1, devbits = ((t >> 13) & 0x1f) + 1;
    check((t & 1) && ite == 8 && idbits >= ITT_BITS && devbits >= 4 && !(t & (1UL << 19)), "gits_typer", "TYPER 0x%lx",
          (unsigned long)t);
    /* BASER0: the device table, BASER1: collections (Type [58:56], read-only). */
    uint64_t b0 = mmio_rd64(its + GITS_BASER(0)), b1 = mmio_rd64(its + GITS_BASER(1));
    check(((b0 >> 56) & 7) == 1 && ((b1 >> 56) & 7) == 4, "gits_baser_types", "0x%lx 0x%lx", (unsigned long)b0,
          (unsigned long)b1);
    return true;
}

static void its_setup(void)
{
    mmio_wr64(its + GITS_BASER(0), VALID | (uint64_t)(uintptr_t)devtab);
    mmio_wr64(its + GITS_BASER(1), VALID | (uint64_t)(uintptr_t)colltab);
    mmio_wr64(its + GITS_CBASER, VALID | (uint64_t)(uintptr_t)cmdq);
    mmio_wr64(its + GITS_CWRITER, 0);
    cmd_wr = 0;
    dsb();
    mmio_wr(its + GITS_CTLR, 1);
    check(mmio_rd64(its + GITS_BASER(0)) & VALID && (mmio_rd(its + GITS_CTLR) & 1), "its_enabled", "BASER0 0x%lx",
          (unsigned long)mmio_rd64(its + GITS_BASER(0)));
}

/* An LPI already pending in the pending table when EnableLPIs is set is taken. */
static void test_pending_table(void)
{
    const uint32_t lpi = LPI_BASE + 100;
    for (uint32_t i = 0; i < NR_LPIS; i++)
        set_cfg(LPI_BASE + i, PRIO_DEF, true);
    pend[0][lpi / 8] = (uint8_t)(1u << (lpi % 8));
    dsb();
    rd_setup(0, propbaser_good(), (uint64_t)(uintptr_t)pend[0]);
    irq_unmask();
    check(wait_lpi(0, lpi, 1), "lpi_pending_table_read_at_enable", "not taken");
    check(mmio_rd(gicr_of(0) + GICR_CTLR) & 1, "gicr_enable_lpis", "EnableLPIs reads 0");
}

/* Devices 0 (the vCPUs' own writes to GITS_TRANSLATER) and 1; collections 0-2 on vCPUs 0-2;
 * events e of device d map to LPI 8192 + 32 d + e. */
static uint32_t lpi_of(uint32_t dev, uint32_t ev) { return LPI_BASE + 32 * dev + ev; }
#define MAPI_LPI (LPI_BASE + 1000)

static void test_mapping(void)
{
    mapd(0, (uint64_t)(uintptr_t)itt[0]);
    mapd(1, (uint64_t)(uintptr_t)itt[1]);
    for (unsigned c = 0; c < 3; c++)
        mapc(c, c);
    for (uint32_t ev = 0; ev < 16; ev++) {
        mapti(0, ev, lpi_of(0, ev), 0);
        mapti(1, ev, lpi_of(1, ev), 0);
    }
    sync_rd(0);
    check(cmd_wait(), "its_commands_consumed", "CREADR 0x%lx CWRITER 0x%x", (unsigned long)mmio_rd64(its + GITS_CREADR),
          cmd_wr);
    /* MAPI: the EventID is the LPI (device 2, with 2^14 events). */
    mapd_bits(2, (uint64_t)(uintptr_t)itt_mapi, MAPI_BITS);
    cmd(CMD_MAPI | 2UL << 32, MAPI_LPI, 0, 0);
    mapti(2, MAPI_LPI, 0, 0); /* not an LPI: ignored, the MAPI above stays */
    cmd_wait();
}

static void test_int_and_translater(void)
{
    dev_ev(CMD_INT, 1, 0);
    check(wait_lpi(0, lpi_of(1, 0), 1), "lpi_int_delivered", "not taken");
    mmio_wr(its + GITS_TRANSLATER, 3);
    check(wait_lpi(0, lpi_of(0, 3), 1), "lpi_translater_delivered", "not taken");
    mmio_wr(its + GITS_TRANSLATER, 3);
    mmio_wr(its + GITS_TRANSLATER, 4);
    bool ok = wait_lpi(0, lpi_of(0, 3), 2) && wait_lpi(0, lpi_of(0, 4), 1);
    check(ok && stays_quiet(lpi_of(0, 3)) && seen[0][lpi_of(0, 3) - LPI_BASE] == 2, "lpi_each_write_once",
          "LPI taken %u times", seen[0][lpi_of(0, 3) - LPI_BASE]);
    /* MAPI's event (the second MAPTI to it was not an LPI and ignored). */
    dev_ev(CMD_INT, 2, MAPI_LPI);
    cmd_wait();
    check(wait_lpi(0, MAPI_LPI, 1), "lpi_mapi_delivered", "not taken");
    check(seen_total(LPI_BASE + 100) == 1 && other_irqs == 0, "lpi_nothing_else", "stray interrupts: %u", other_irqs);
}

static void test_priority(void)
{
    /* Priority from the configuration table: three raised while IRQs are masked come in
     * priority order, whatever the order they were raised in. */
    uint32_t a = lpi_of(1, 1), b = lpi_of(1, 2), c = lpi_of(1, 3);
    set_cfg(a, 0xc0, true);
    set_cfg(b, 0x40, true);
    set_cfg(c, 0x80, true);
    dev_ev(CMD_INV, 1, 1);
    dev_ev(CMD_INV, 1, 2);
    dev_ev(CMD_INV, 1, 3);
    cmd_wait();
    irq_mask();
    order_n = 0;
    dev_ev(CMD_INT, 1, 1);
    dev_ev(CMD_INT, 1, 3);
    dev_ev(CMD_INT, 1, 2);
    cmd_wait();
    irq_unmask();
    wait_lpi(0, a, 1);
    check(order_n == 3 && order[0] == b && order[1] == c && order[2] == a, "lpi_priority_order", "%u: %u %u %u",
          order_n, order[0], order[1], order[2]);
    /* The PMR masks an LPI by the priority its table gives. */
    gic_set_pmr(0x90);
    dev_ev(CMD_INT, 1, 1); /* 0xc0: held */
    cmd_wait();
    bool held = stays_quiet(a);
    gic_set_pmr(0xf0);
    check(held && wait_lpi(0, a, 2), "lpi_pmr_masks", "held %d, taken %u", held, seen[0][a - LPI_BASE]);
}

static void test_enable_inv(void)
{
    uint32_t l = lpi_of(1, 5);
    /* Disabled in the table and made known with INV: an INT leaves it pending, not taken. */
    set_cfg(l, PRIO_DEF, false);
    dev_ev(CMD_INV, 1, 5);
    dev_ev(CMD_INT, 1, 5);
    cmd_wait();
    check(stays_quiet(l), "lpi_disabled_by_table", "taken");
    /* Enabled in the table: nothing happens until the ITS is told (INV), then it is taken. */
    set_cfg(l, PRIO_DEF, true);
    bool quiet = stays_quiet(l);
    dev_ev(CMD_INV, 1, 5);
    cmd_wait();
    check(quiet && wait_lpi(0, l, 1), "lpi_enable_takes_effect_at_inv", "before INV: %s, taken %u",
          quiet ? "quiet" : "taken", seen[0][l - LPI_BASE]);

    /* INVALL: the whole collection reads the table again. */
    for (uint32_t ev = 6; ev < 10; ev++)
        set_cfg(lpi_of(1, ev), PRIO_DEF, false);
    cmd(CMD_INVALL, 0, 0, 0);
    for (uint32_t ev = 6; ev < 10; ev++)
        dev_ev(CMD_INT, 1, ev);
    cmd_wait();
    bool none = stays_quiet(lpi_of(1, 6)) && seen_total(lpi_of(1, 9)) == 0;
    for (uint32_t ev = 6; ev < 10; ev++)
        set_cfg(lpi_of(1, ev), PRIO_DEF, true);
    cmd(CMD_INVALL, 0, 0, 0);
    cmd_wait();
    bool all = true;
    for (uint32_t ev = 6; ev < 10; ev++)
        all &= wait_lpi(0, lpi_of(1, ev), 1);
    check(none && all, "lpi_invall_rereads_table", "disabled quiet %d, enabled all taken %d", none, all);
}

static void test_clear_discard(void)
{
    uint32_t l = lpi_of(1, 10);
    irq_mask();
    dev_ev(CMD_INT, 1, 10);
    dev_ev(CMD_CLEAR, 1, 10);
    cmd_wait();
    irq_unmask();
    check(stays_quiet(l), "lpi_clear_withdraws", "taken");
    dev_ev(CMD_DISCARD, 1, 10);
    dev_ev(CMD_INT, 1, 10);
    cmd_wait();
    check(stays_quiet(l), "lpi_discard_unmaps", "taken");
    mapti(1, 10, l, 0); /* mapped again, it works again */
    dev_ev(CMD_INT, 1, 10);
    cmd_wait();
    check(wait_lpi(0, l, 1), "lpi_remap_after_discard", "not taken");
}

static void test_vcpus(void)
{
    for (unsigned v = 1; v < 3; v++)
        rd_setup(v, propbaser_good(), (uint64_t)(uintptr_t)pend[v] | PENDBASER_PTZ);
    check(start_vcpu(1), "vcpu1_started", "no");
    /* MOVI: event 11 to collection 1 (vCPU 1). */
    uint32_t l = lpi_of(1, 11);
    movi(1, 11, 1);
    dev_ev(CMD_INT, 1, 11);
    cmd_wait();
    check(wait_lpi(1, l, 1) && seen[0][l - LPI_BASE] == 0, "lpi_movi_to_vcpu1", "vCPU 0 %u, vCPU 1 %u",
          seen[0][l - LPI_BASE], seen[1][l - LPI_BASE]);
    /* MOVALL: everything of vCPU 1's redistributor to vCPU 0's. */
    cmd(CMD_MOVALL, 0, rd_of(1), rd_of(0));
    dev_ev(CMD_INT, 1, 11);
    cmd_wait();
    check(wait_lpi(0, l, 1) && seen[1][l - LPI_BASE] == 1, "lpi_movall_to_vcpu0", "vCPU 0 %u, vCPU 1 %u",
          seen[0][l - LPI_BASE], seen[1][l - LPI_BASE]);
    /* An LPI for vCPU 2, which is off: kept pending, taken when it comes up. */
    uint32_t o = lpi_of(1, 12);
    movi(1, 12, 2);
    dev_ev(CMD_INT, 1, 12);
    cmd_wait();
    bool kept = stays_quiet(o);
    bool up = start_vcpu(2);
    check(kept && up && wait_lpi(2, o, 1), "lpi_to_offline_vcpu_kept", "quiet %d, up %d, taken %u", kept, up,
          seen[2][o - LPI_BASE]);
}

/* ---- hostile ---- */

static void its_disable(void)
{
    mmio_wr(its + GITS_CTLR, 0);
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (!(mmio_rd(its + GITS_CTLR) & (1u << 31)) && cntvct() < end) /* Quiescent */
        ;
}

/* Commands with arguments out of range or unmapped: each ignored, the queue goes on. */
static void test_bad_commands(void)
{
    uint32_t l = lpi_of(1, 13);
    dev_ev(CMD_INT, 0xffffffffu, 0);                                       /* DeviceID beyond the table */
    dev_ev(CMD_INT, 7, 0);                                                 /* device not mapped */
    dev_ev(CMD_INT, 1, 1u << ITT_BITS);                                    /* EventID beyond the ITT */
    dev_ev(CMD_INT, 1, 0xffffffffu);                                       /* the same */
    dev_ev(CMD_INT, 1, 30);                                                /* event not mapped */
    mapti(1, 13, LPI_BASE - 1, 0);                                         /* not an LPI */
    mapti(1, 13, LPI_BASE + NR_LPIS, 0);                                   /* beyond the VM's LPIs */
    mapti(1, 13, 0xffffffffu, 0);                                          /* the same */
    mapti(1, 14, lpi_of(1, 14), 0xffff);                                   /* ICID beyond the collection table */
    cmd(CMD_MAPC, 0, VALID | rd_of(1000) | 5, 0);                          /* no such redistributor */
    cmd(CMD_MAPC, 0, VALID | 0xffffUL << 16 | 0, 0);                       /* the same, and collection 0 is kept */
    cmd(CMD_MAPD | 9UL << 32, 31, VALID | (uint64_t)(uintptr_t)itt[2], 0); /* Size beyond ID_bits */
    cmd(CMD_MOVALL, 0, rd_of(77), rd_of(0));                               /* no such redistributor */
    cmd(CMD_SYNC, 0, rd_of(4096), 0);
    cmd(0xff, ~0UL, ~0UL, ~0UL); /* not a command */
    cmd(0x20, 0, 0, 0);
    for (uint32_t ev = 0; ev < 40; ev++) /* TRANSLATER with events that map nothing */
        mmio_wr(its + GITS_TRANSLATER, 16 + ev * 977);
    bool ran = cmd_wait();
    dev_ev(CMD_INT, 1, 13); /* event 13 was never mapped: nothing */
    dev_ev(CMD_INT, 1, 0);  /* the ITS still works: collection 0 still on vCPU 0 */
    cmd_wait();
    check(ran && !(mmio_rd64(its + GITS_CREADR) & 1), "its_bad_commands_ignored", "queue stopped");
    check(stays_quiet(l) && wait_lpi(0, lpi_of(1, 0), 2), "its_works_after_bad_commands", "LPI of event 0 taken %u",
          seen[0][lpi_of(1, 0) - LPI_BASE]);
}

/* ITTs outside RAM or reaching past its end (512 bytes from 256 before it): MAPD is ignored,
 * the device stays unmapped. */
static void test_bad_itt(void)
{
    const uint64_t bad[] = { 0, FAR_AWAY, ram_end - 0x100, ram_base - 0x1000, 0x08000000 /* the GIC */ };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t dev = 20 + i;
        mapd_bits(dev, bad[i], ITT_BITS + 1);
        mapti(dev, 0, lpi_of(2, i), 0);
        dev_ev(CMD_INT, dev, 0);
    }
    bool ran = cmd_wait();
    check(ran && stays_quiet(lpi_of(2, 0)) && seen_total(lpi_of(2, 2)) == 0, "its_itt_outside_ram_refused", "ran %d",
          ran);
}

/* Device and collection tables outside RAM: the ITS has none, every command naming a device
 * or collection is an error; a good table brings the mappings back. */
static void test_bad_baser(void)
{
    uint32_t l = lpi_of(1, 0);
    uint32_t before = seen[0][l - LPI_BASE];
    const uint64_t bad[] = { FAR_AWAY, (ram_end - 0x1000) | 1 /* 2 pages, the second beyond RAM */, 0 };
    bool ok = true;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        its_disable();
        mmio_wr64(its + GITS_BASER(0), VALID | bad[i]);
        mmio_wr64(its + GITS_BASER(1), VALID | bad[i]);
        mmio_wr(its + GITS_CTLR, 1);
        dev_ev(CMD_INT, 1, 0);
        mapd(3, (uint64_t)(uintptr_t)itt[3]);
        mapti(3, 0, lpi_of(3, 0), 0);
        dev_ev(CMD_INT, 3, 0);
        cmd(CMD_INVALL, 0, 0, 0);
        ok &= cmd_wait();
        mmio_wr(its + GITS_TRANSLATER, 3);
    }
    bool quiet = stays_quiet(l) && seen_total(lpi_of(3, 0)) == 0 && seen_total(lpi_of(0, 3)) == 2;
    check(ok && quiet, "its_tables_outside_ram_refused", "ran %d, event 0 taken %u times more", ok,
          seen[0][l - LPI_BASE] - before);
    its_disable();
    mmio_wr64(its + GITS_BASER(0), VALID | (uint64_t)(uintptr_t)devtab);
    mmio_wr64(its + GITS_BASER(1), VALID | (uint64_t)(uintptr_t)colltab);
    mmio_wr(its + GITS_CTLR, 1);
    dev_ev(CMD_INT, 1, 0);
    cmd_wait();
    check(wait_lpi(0, l, before + 1), "its_tables_restored", "event 0 not taken");
}

/* A command queue outside RAM, or CWRITER beyond the queue: the ITS stalls (GITS_CREADR.Stalled)
 * until the guest fixes it. */
static void test_bad_queue(void)
{
    its_disable();
    mmio_wr64(its + GITS_CBASER, VALID | FAR_AWAY);
    mmio_wr64(its + GITS_CWRITER, 0);
    mmio_wr(its + GITS_CTLR, 1);
    mmio_wr64(its + GITS_CWRITER, 64);
    uint64_t r = mmio_rd64(its + GITS_CREADR);
    check(r & 1, "its_queue_outside_ram_stalls", "CREADR 0x%lx", (unsigned long)r);
    its_disable();
    /* 2 pages, the second beyond RAM; the first (RAM's last page) holds harmless commands, the
     * ITS works through them a batch per access and stalls at the second. */
    volatile uint64_t *last = (volatile uint64_t *)(uintptr_t)(ram_end - 0x1000);
    for (unsigned i = 0; i < 0x1000 / 8; i += 4) {
        last[i] = CMD_SYNC;
        last[i + 1] = last[i + 2] = last[i + 3] = 0;
    }
    dsb();
    mmio_wr64(its + GITS_CBASER, VALID | (ram_end - 0x1000) | 1);
    mmio_wr64(its + GITS_CWRITER, 0);
    mmio_wr(its + GITS_CTLR, 1);
    mmio_wr64(its + GITS_CWRITER, 0x1000 + 32);
    uint64_t end = cntvct() + us_to_ticks(WAIT_US);
    while (!((r = mmio_rd64(its + GITS_CREADR)) & 1) && cntvct() < end)
        ;
    check((r & 1) && (r & ~1UL) == 0x1000, "its_queue_past_ram_end_stalls", "CREADR 0x%lx", (unsigned long)r);
    /* Back to the good queue; CWRITER beyond its 4 KiB stalls, Retry with a good one runs. */
    its_disable();
    mmio_wr64(its + GITS_CBASER, VALID | (uint64_t)(uintptr_t)cmdq);
    mmio_wr64(its + GITS_CWRITER, 0);
    cmd_wr = 0;
    mmio_wr(its + GITS_CTLR, 1);
    mmio_wr64(its + GITS_CWRITER, 0x8000);
    r = mmio_rd64(its + GITS_CREADR);
    check(r & 1, "its_cwriter_beyond_queue_stalls", "CREADR 0x%lx", (unsigned long)r);
    uint32_t l = lpi_of(1, 0), before = seen[0][l - LPI_BASE];
    cmdq[0] = CMD_INT | 1UL << 32;
    cmdq[1] = 0;
    cmdq[2] = cmdq[3] = 0;
    dsb();
    cmd_wr = 32;
    mmio_wr64(its + GITS_CWRITER, 32 | 1); /* Retry */
    bool ran = cmd_wait();
    check(ran && wait_lpi(0, l, before + 1), "its_retry_after_stall", "ran %d", ran);
}

/* The redistributor of vCPU 3 gets configuration and pending tables outside RAM: its LPIs
 * read as disabled; moved to vCPU 0 the same LPI is taken. */
static void test_bad_rd_tables(void)
{
    rd_setup(3, FAR_AWAY | 13, FAR_AWAY); /* PTZ clear: the pending table would be read */
    check(mmio_rd(gicr_of(3) + GICR_CTLR) & 1, "gicr_bad_tables_no_crash", "EnableLPIs reads 0");
    uint32_t l = lpi_of(1, 15);
    mapc(3, 3);
    movi(1, 15, 3);
    dev_ev(CMD_INT, 1, 15);
    cmd_wait();
    bool quiet = stays_quiet(l);
    movi(1, 15, 0);
    cmd_wait();
    check(quiet && wait_lpi(0, l, 1), "lpi_bad_prop_table_reads_disabled", "quiet %d, taken %u", quiet,
          seen[0][l - LPI_BASE]);
    /* PROPBASER is ignored while LPIs are enabled. */
    uint64_t p = mmio_rd64(gicr_of(0) + GICR_PROPBASER);
    mmio_wr64(gicr_of(0) + GICR_PROPBASER, FAR_AWAY | 13);
    check(mmio_rd64(gicr_of(0) + GICR_PROPBASER) == p, "gicr_propbaser_locked", "0x%lx",
          (unsigned long)mmio_rd64(gicr_of(0) + GICR_PROPBASER));
}

/* The peer VM: its own ITS, LPIs raised for a while, each taken exactly once. */
static void run_peer(void)
{
    mapd(0, (uint64_t)(uintptr_t)itt[0]);
    mapd(1, (uint64_t)(uintptr_t)itt[1]);
    mapc(0, 0);
    mapti(1, 0, lpi_of(1, 0), 0);
    mapti(0, 1, lpi_of(0, 1), 0);
    cmd_wait();
    unsigned rounds = 0, lost = 0;
    uint64_t end = cntvct() + us_to_ticks(3000000);
    while (cntvct() < end) {
        rounds++;
        dev_ev(CMD_INT, 1, 0);
        cmd_wait();
        lost += !wait_lpi(0, lpi_of(1, 0), rounds);
        mmio_wr(its + GITS_TRANSLATER, 1);
        lost += !wait_lpi(0, lpi_of(0, 1), rounds);
    }
    udelay(QUIET_US);
    bool exact = seen[0][lpi_of(1, 0) - LPI_BASE] == rounds && seen[0][lpi_of(0, 1) - LPI_BASE] == rounds;
    check(lost == 0 && exact && other_irqs == 0, "peer_lpis_exactly_once", "%u rounds, %u lost, %u and %u taken",
          rounds, lost, seen[0][lpi_of(1, 0) - LPI_BASE], seen[0][lpi_of(0, 1) - LPI_BASE]);
    gprintf("its: peer raised %u LPIs\n", 2 * rounds);
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    peer = args && !strcmp(args, "peer");
    if (gic_probe() < 0 || gic.version != 3) {
        check(false, "gicv3_found", "no GICv3 in the device tree");
        return guest_failures;
    }
    find_ram();
    guest_set_irq_hook(on_irq);
    gic_dist_init();
    gic_cpu_init();
    if (!test_discovery())
        return guest_failures;
    its_setup();
    test_pending_table();
    if (peer) {
        run_peer();
        return guest_failures;
    }
    test_mapping();
    test_int_and_translater();
    test_priority();
    test_enable_inv();
    test_clear_discard();
    test_vcpus();
    test_bad_commands();
    test_bad_itt();
    test_bad_baser();
    test_bad_queue();
    test_bad_rd_tables();
    check(other_irqs == 0, "no_stray_interrupts", "%u", other_irqs);
    return guest_failures;
}
