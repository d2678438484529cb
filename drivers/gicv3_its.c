/* The host GICv3 ITS (IHI 0069H chapter 5; registers 12.19, commands 5.3; LPI tables 5.1):
 * the hypervisor's own, never shown to a guest. What it builds at boot:
 *   - GITS_BASER<n>: a flat device table (one page: DeviceIDs below 4096 / entry size) and,
 *     when the ITS has fewer hardware collections than CPUs, a collection table;
 *   - GITS_CBASER: a one-page command queue (128 commands); each batch of commands is
 *     followed until GITS_CREADR has consumed it (bounded wait);
 *   - one LPI configuration table for all redistributors (GICR_PROPBASER, IDbits covering
 *     ITS_HOST_NR_LPIS LPIs) and a pending table per redistributor (GICR_PENDBASER);
 *   - collection n = logical CPU n (MAPC with its RDbase: a physical address when
 *     GITS_TYPER.PTA, else GICR_TYPER.Processor_Number);
 *   - on a GICv4 ITS (GITS_TYPER.Virtual), a flat one-page vPE table (GITS_BASER type vPE),
 *     for the virtual LPI commands of drivers/gicv4.c.
 * Tables are made inner shareable write-back; every byte the hypervisor writes is also cleaned
 * to memory, so an ITS that only reads memory non-coherently sees it too. */
#include "drivers/gicv3_its.h"
#include "drivers/gicv3_its_priv.h"
#include "drivers/gic.h"
#include "drivers/gic_regs.h"
#include "drivers/gic_its_regs.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/bits.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PAGE_BYTES   4096u
#define CMDQ_BYTES   PAGE_BYTES
#define CMDQ_WAIT    10000000u /* polls of GITS_CREADR before a command is given up */
#define LPI_ID_BITS  14u       /* INTIDs below 2^14: covers 8192 + ITS_HOST_NR_LPIS */
#define PROP_BYTES   ((1u << LPI_ID_BITS) - GIC_LPI_BASE)
#define PEND_BYTES   ((1u << LPI_ID_BITS) / 8)
#define PEND_ALIGN   0x10000u /* GICR_PENDBASER: 64 KiB aligned (12.11.29) */
#define MAX_ITT_BITS 8u       /* EventIDs per device the hypervisor maps */
#define NR_DEVS_MAX  512u     /* DeviceIDs with an ITT of ours (a page of device table at 8 bytes) */

static struct {
    bool ready;
    uint64_t base;
    void *(*alloc)(size_t pages, size_t align);
    uint64_t typer;
    unsigned itt_entry;   /* bytes per ITT entry */
    unsigned nr_devs;     /* DeviceIDs the device table covers */
    unsigned nr_vpes;     /* vPEIDs the vPE table covers (0: no virtual LPIs) */
    bool vlpis[MAX_CPUS]; /* the CPU's redistributor has GICR_TYPER.VLPIS */
    uint8_t *prop;        /* LPI configuration table, shared by the redistributors */
    uint64_t *cmdq;       /* command queue */
    uint32_t cwriter;     /* byte offset of the next command */
    void *itt[NR_DEVS_MAX];
    uint8_t itt_bits[NR_DEVS_MAX];
    uint64_t rdbase[MAX_CPUS]; /* MAPC's RDbase field value, per CPU (0: not up yet) */
    bool cpu_up[MAX_CPUS];
    uint64_t lpi_used[ITS_HOST_NR_LPIS / 64];
    spinlock_t lock;
} its = { .lock = SPINLOCK_INIT };

static void clean(const void *p, size_t len)
{
    for (uint64_t a = (uint64_t)(uintptr_t)p & ~63UL; a < (uint64_t)(uintptr_t)p + len; a += 64)
        dc_cvac(a);
    dsb_sy();
}

/* Queues one command (4 doublewords); called with the lock held. */
static void put_cmd(uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    unsigned i = its.cwriter / 8;
    its.cmdq[i] = d0;
    its.cmdq[i + 1] = d1;
    its.cmdq[i + 2] = d2;
    its.cmdq[i + 3] = d3;
    clean(&its.cmdq[i], ITS_CMD_BYTES);
    its.cwriter = (its.cwriter + ITS_CMD_BYTES) % CMDQ_BYTES;
}

/* Hands the queued commands to the ITS and waits until it has read them all; false if it
 * stalled or did not move (the commands are then abandoned: the ITS is marked unusable). */
static bool kick(void)
{
    gic_wr64(its.base, GITS_CWRITER, its.cwriter);
    for (unsigned i = 0; i < CMDQ_WAIT; i++) {
        uint64_t r = gic_rd64(its.base, GITS_CREADR);
        if (r & GITS_CREADR_STALLED)
            break;
        if ((r & GITS_CQ_OFFSET_MASK) == its.cwriter)
            return true;
        cpu_relax();
    }
    printk("elvisor: host ITS: command queue stuck at 0x%lx (written 0x%x): ITS no longer used\n",
           (unsigned long)(gic_rd64(its.base, GITS_CREADR) & GITS_CQ_OFFSET_MASK), its.cwriter);
    its.ready = false;
    return false;
}

static uint64_t sync_cmd(unsigned cpu) { return its.rdbase[cpu] << ITS_CMD_RDBASE_SHIFT; }

/* GITS_BASER<n> for table type, size pages; false if the ITS does not take it as written. */
static bool set_baser(unsigned n, uint64_t old, unsigned pages, char *why, size_t cap)
{
    void *t = its.alloc(pages, PAGE_BYTES);
    if (!t) {
        ev_snprintf(why, cap, "no memory for its tables");
        return false;
    }
    uint64_t v = (old & (GITS_BASER_TYPE_MASK | GITS_BASER_ENTRY_SIZE_MASK)) | GITS_BASER_VALID | GITS_BASER_INNER_SH |
                 GITS_BASER_INNER_WB | ((uint64_t)(uintptr_t)t & GITS_BASER_PA_MASK) | (uint64_t)(pages - 1);
    gic_wr64(its.base, GITS_BASER + 8 * n, v);
    uint64_t got = gic_rd64(its.base, GITS_BASER + 8 * n);
    if (!(got & GITS_BASER_VALID) || REG_GET(got, GITS_BASER_PAGE_SIZE) != 0 || (got & GITS_BASER_INDIRECT)) {
        ev_snprintf(why, cap, "GITS_BASER%u refuses a flat table of 4 KiB pages", n);
        return false;
    }
    return true;
}

static bool setup_tables(char *why, size_t cap)
{
    unsigned hcc = (unsigned)REG_GET(its.typer, GITS_TYPER_HCC);
    for (unsigned n = 0; n < 8; n++) {
        uint64_t b = gic_rd64(its.base, GITS_BASER + 8 * n);
        unsigned type = (unsigned)REG_GET(b, GITS_BASER_TYPE), esz = (unsigned)REG_GET(b, GITS_BASER_ENTRY_SIZE) + 1;
        if (type == GITS_BASER_TYPE_DEVICE) {
            unsigned devs = PAGE_BYTES / esz;
            its.nr_devs = devs < NR_DEVS_MAX ? devs : NR_DEVS_MAX;
            unsigned devbits = (unsigned)REG_GET(its.typer, GITS_TYPER_DEVBITS) + 1;
            if (devbits < 31 && its.nr_devs > (1u << devbits))
                its.nr_devs = 1u << devbits;
            if (!set_baser(n, b, 1, why, cap))
                return false;
        } else if (type == GITS_BASER_TYPE_VPE && (its.typer & GITS_TYPER_VIRTUAL)) {
            if (!set_baser(n, b, 1, why, cap))
                return false;
            its.nr_vpes = PAGE_BYTES / esz;
        } else if (type == GITS_BASER_TYPE_COLLECTION && hcc < MAX_CPUS) {
            if (!set_baser(n, b, 1, why, cap))
                return false;
        }
    }
    if (!its.nr_devs) {
        ev_snprintf(why, cap, "no device table (GITS_BASER)");
        return false;
    }
    return true;
}

int gicv3_its_init(const struct gicv3_its_desc *d, char *why, size_t cap)
{
    its.base = d->base;
    its.alloc = d->alloc;
    uint32_t dt = gic_rd32(d->gicd, GICD_TYPER);
    if (!(dt & GICD_TYPER_LPIS) || ((dt >> GICD_TYPER_IDBITS_SHIFT) & 0x1f) + 1 < LPI_ID_BITS) {
        ev_snprintf(why, cap, "the GIC has no LPIs");
        return -1;
    }
    /* Disabled and quiescent before the tables change (12.19.4). */
    gic_wr32(its.base, GITS_CTLR, gic_rd32(its.base, GITS_CTLR) & ~GITS_CTLR_ENABLED);
    unsigned i;
    for (i = 0; i < CMDQ_WAIT && !(gic_rd32(its.base, GITS_CTLR) & GITS_CTLR_QUIESCENT); i++)
        cpu_relax();
    if (i == CMDQ_WAIT) {
        ev_snprintf(why, cap, "it does not become quiescent");
        return -1;
    }
    its.typer = gic_rd64(its.base, GITS_TYPER);
    its.itt_entry = (unsigned)REG_GET(its.typer, GITS_TYPER_ITT_SIZE) + 1;
    if (!(its.typer & GITS_TYPER_PHYSICAL)) {
        ev_snprintf(why, cap, "no physical LPIs (GITS_TYPER.Physical = 0)");
        return -1;
    }
    if (!setup_tables(why, cap))
        return -1;
    its.prop = its.alloc(PROP_BYTES / PAGE_BYTES, PAGE_BYTES);
    its.cmdq = its.alloc(CMDQ_BYTES / PAGE_BYTES, PAGE_BYTES);
    if (!its.prop || !its.cmdq) {
        ev_snprintf(why, cap, "no memory for its tables");
        return -1;
    }
    /* Every LPI disabled, priority GIC_PRIO_HYP (5.1.1: the table holds priority [7:2]). */
    memset(its.prop, GIC_PRIO_HYP & LPI_CFG_PRIO_MASK, PROP_BYTES);
    clean(its.prop, PROP_BYTES);
    gic_wr64(its.base, GITS_CBASER,
             GITS_CBASER_VALID | GITS_BASER_INNER_SH | GITS_BASER_INNER_WB |
                 ((uint64_t)(uintptr_t)its.cmdq & GITS_CBASER_PA_MASK) | (CMDQ_BYTES / PAGE_BYTES - 1));
    its.cwriter = 0;
    gic_wr64(its.base, GITS_CWRITER, 0);
    gic_wr32(its.base, GITS_CTLR, GITS_CTLR_ENABLED);
    its.ready = true;
    return 0;
}

bool gicv3_its_ready(void) { return its.ready; }

void gicv3_its_cpu_init(unsigned cpu)
{
    uint64_t rd = gicv3_rdist_base(cpu);
    if (!its.ready || cpu >= MAX_CPUS || !rd)
        return;
    if (!(gic_rd64(rd, GICR_TYPER) & GICR_TYPER_PLPIS) || (gic_rd32(rd, GICR_CTLR) & GICR_CTLR_ENABLE_LPIS)) {
        printk("elvisor: host ITS: CPU%u's redistributor has no LPIs or has them on already: no LPIs there\n", cpu);
        return;
    }
    void *pend = its.alloc(PEND_ALIGN / PAGE_BYTES, PEND_ALIGN);
    if (!pend) {
        printk("elvisor: host ITS: no memory for CPU%u's pending table: no LPIs there\n", cpu);
        return;
    }
    clean(pend, PEND_BYTES);
    gic_wr64(rd, GICR_PROPBASER,
             ((uint64_t)(uintptr_t)its.prop & GICR_PROPBASER_PA_MASK) | GICR_BASER_INNER_SH | GICR_BASER_INNER_WB |
                 (LPI_ID_BITS - 1));
    gic_wr64(rd, GICR_PENDBASER,
             ((uint64_t)(uintptr_t)pend & GICR_PENDBASER_PA_MASK) | GICR_BASER_INNER_SH | GICR_BASER_INNER_WB |
                 GICR_PENDBASER_PTZ);
    dsb_sy();
    gic_wr32(rd, GICR_CTLR, gic_rd32(rd, GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
    dsb_sy();
    uint64_t rdbase = (its.typer & GITS_TYPER_PTA) ? rd >> ITS_CMD_RDBASE_SHIFT
                                                   : REG_GET(gic_rd64(rd, GICR_TYPER), GICR_TYPER_PROCNUM);
    spin_lock(&its.lock);
    its.vlpis[cpu] = (gic_rd64(rd, GICR_TYPER) & GICR_TYPER_VLPIS) != 0;
    its.rdbase[cpu] = rdbase;
    put_cmd(ITS_CMD_MAPC, 0, ITS_CMD_VALID | (rdbase << ITS_CMD_RDBASE_SHIFT) | cpu, 0);
    put_cmd(ITS_CMD_SYNC, 0, sync_cmd(cpu), 0);
    its.cpu_up[cpu] = kick();
    spin_unlock(&its.lock);
}

void gicv3_its_describe(char *buf, size_t cap)
{
    ev_snprintf(buf, cap, "ITS at 0x%lx: %u LPIs from %u, DeviceIDs below %u, a collection per CPU",
                (unsigned long)its.base, ITS_HOST_NR_LPIS, GIC_LPI_BASE, its.nr_devs);
}

uint64_t gicv3_its_doorbell(void) { return its.base + GITS_TRANSLATER; }

uint32_t gicv3_its_alloc_lpi(void)
{
    uint32_t r = 0;
    spin_lock(&its.lock);
    for (unsigned i = 0; i < ITS_HOST_NR_LPIS && its.ready; i++)
        if (!(its.lpi_used[i / 64] & (1UL << (i % 64)))) {
            its.lpi_used[i / 64] |= 1UL << (i % 64);
            r = GIC_LPI_BASE + i;
            break;
        }
    spin_unlock(&its.lock);
    return r;
}

static bool lpi_ok(uint32_t intid) { return intid >= GIC_LPI_BASE && intid < GIC_LPI_BASE + ITS_HOST_NR_LPIS; }

void gicv3_its_free_lpi(uint32_t intid)
{
    if (!lpi_ok(intid))
        return;
    unsigned i = intid - GIC_LPI_BASE;
    spin_lock(&its.lock);
    its.prop[i] &= (uint8_t)~LPI_CFG_ENABLE;
    clean(&its.prop[i], 1);
    its.lpi_used[i / 64] &= ~(1UL << (i % 64));
    spin_unlock(&its.lock);
}

int gicv3_its_map_device(uint32_t dev, unsigned event_bits, bool valid)
{
    if (!its.ready || dev >= its.nr_devs || event_bits == 0 || event_bits > MAX_ITT_BITS)
        return -1;
    spin_lock(&its.lock);
    if (valid && !its.itt[dev]) {
        /* ITT: 2^bits entries, 256-byte aligned (5.3.13); a page holds the largest we map. */
        its.itt[dev] = its.alloc(1, PAGE_BYTES);
        if (!its.itt[dev] || (its.itt_entry << MAX_ITT_BITS) > PAGE_BYTES) {
            spin_unlock(&its.lock);
            return -1;
        }
    }
    uint64_t itt = (uint64_t)(uintptr_t)its.itt[dev];
    its.itt_bits[dev] = valid ? (uint8_t)event_bits : 0;
    put_cmd(ITS_CMD_MAPD | (uint64_t)dev << ITS_CMD_DEVID_SHIFT, event_bits - 1,
            valid ? ITS_CMD_VALID | (itt & ITS_CMD_ITT_MASK) : 0, 0);
    put_cmd(ITS_CMD_SYNC, 0, sync_cmd(0), 0);
    bool ok = kick();
    spin_unlock(&its.lock);
    return ok ? 0 : -1;
}

/* dev has an ITT (gicv3_its_map_device); and ev is one of its events. */
static bool dev_ok(uint32_t dev) { return its.ready && dev < its.nr_devs && its.itt_bits[dev]; }
static bool event_ok(uint32_t dev, uint32_t ev) { return dev_ok(dev) && ev < (1u << its.itt_bits[dev]); }

/* One command about event ev of dev (op with its DeviceID, ev, then dw2) and a SYNC on the
 * redistributor of sync_cpu, consumed by the ITS (its.lock held). */
static bool event_cmd_locked(uint64_t op, uint32_t dev, uint32_t ev, uint64_t dw2, unsigned sync_cpu)
{
    put_cmd(op | (uint64_t)dev << ITS_CMD_DEVID_SHIFT, ev, dw2, 0);
    put_cmd(ITS_CMD_SYNC, 0, sync_cmd(sync_cpu), 0);
    return kick();
}

static bool event_cmd(uint64_t op, uint32_t dev, uint32_t ev, uint64_t dw2, unsigned sync_cpu)
{
    spin_lock(&its.lock);
    bool ok = event_cmd_locked(op, dev, ev, dw2, sync_cpu);
    spin_unlock(&its.lock);
    return ok;
}

int gicv3_its_map_event(uint32_t dev, uint32_t ev, uint32_t intid, unsigned cpu)
{
    if (!event_ok(dev, ev) || !lpi_ok(intid) || cpu >= MAX_CPUS || !its.cpu_up[cpu])
        return -1;
    spin_lock(&its.lock);
    uint8_t *cfg = &its.prop[intid - GIC_LPI_BASE];
    *cfg = (GIC_PRIO_HYP & LPI_CFG_PRIO_MASK) | LPI_CFG_ENABLE;
    clean(cfg, 1);
    put_cmd(ITS_CMD_MAPTI | (uint64_t)dev << ITS_CMD_DEVID_SHIFT, ev | (uint64_t)intid << ITS_CMD_PINTID_SHIFT, cpu, 0);
    bool ok = event_cmd_locked(ITS_CMD_INV, dev, ev, 0, cpu);
    spin_unlock(&its.lock);
    return ok ? 0 : -1;
}

int gicv3_its_move_event(uint32_t dev, uint32_t ev, unsigned cpu)
{
    if (!event_ok(dev, ev) || cpu >= MAX_CPUS || !its.cpu_up[cpu])
        return -1;
    return event_cmd(ITS_CMD_MOVI, dev, ev, cpu, cpu) ? 0 : -1; /* ICID = cpu (5.3.17) */
}

void gicv3_its_unmap_event(uint32_t dev, uint32_t ev)
{
    if (dev_ok(dev))
        event_cmd(ITS_CMD_DISCARD, dev, ev, 0, 0);
}

void gicv3_its_int(uint32_t dev, uint32_t ev)
{
    if (dev_ok(dev))
        event_cmd(ITS_CMD_INT, dev, ev, 0, 0);
}

/* ---- for drivers/gicv4.c (drivers/gicv3_its_priv.h) ---- */

bool its_submit(const uint64_t (*cmd)[4], unsigned n)
{
    if (n >= CMDQ_BYTES / ITS_CMD_BYTES)
        return false;
    spin_lock(&its.lock);
    bool ok = its.ready;
    if (ok) {
        for (unsigned i = 0; i < n; i++)
            put_cmd(cmd[i][0], cmd[i][1], cmd[i][2], cmd[i][3]);
        ok = kick();
    }
    spin_unlock(&its.lock);
    return ok;
}

bool its_cpu_vlpis(unsigned cpu) { return cpu < MAX_CPUS && its.cpu_up[cpu] && its.vlpis[cpu]; }
uint64_t its_rdbase(unsigned cpu) { return cpu < MAX_CPUS ? its.rdbase[cpu] : 0; }
unsigned its_nr_vpes(void) { return its.ready && (its.typer & GITS_TYPER_VIRTUAL) ? its.nr_vpes : 0; }
bool its_event_ok(uint32_t dev, uint32_t ev) { return event_ok(dev, ev); }
bool its_lpi_ok(uint32_t intid) { return lpi_ok(intid); }
