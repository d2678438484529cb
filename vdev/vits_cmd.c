/* The vITS's command queue and translation tables (IHI 0069H 5.2 "The ITS", 5.3 "ITS
 * commands"). Every field of a command, the queue and the tables is the guest's and hostile:
 * a DeviceID, EventID, ICID, RDbase or pINTID out of range, or an unmapped one, makes the
 * command an error, which this ITS (GITS_TYPER.SEIS = 0) reports by ignoring the command and
 * going on with the next one (6.3); a command queue outside the VM's RAM stalls the ITS
 * (GITS_CREADR.Stalled) until the guest moves it and retries (GITS_CWRITER.Retry).
 *
 * The translation state lives in hypervisor memory (struct vits_tables): the guest's device
 * table, collection table and ITTs are checked to lie in its RAM and to be large enough, as
 * a GIC would need them, but never read or written; so a guest that scribbles on them changes
 * nothing, and no command touches memory outside its RAM. */
#include "vdev/vits.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "core/console.h"
#include "drivers/gic_its_regs.h"
#include "arch/aarch64/cache.h"
#include "lib/string.h"

static const char *const err_name[VITS_E_NR] = {
    [VITS_E_UNKNOWN] = "unknown command",
    [VITS_E_DEVICE_OOR] = "DeviceID beyond the device table",
    [VITS_E_SIZE_OOR] = "ITT size beyond ID_bits",
    [VITS_E_ITT_OOR] = "ITT outside RAM",
    [VITS_E_NO_ITES] = "translation entries used up",
    [VITS_E_COLLECTION_OOR] = "ICID beyond the collection table",
    [VITS_E_RDBASE_OOR] = "no such redistributor",
    [VITS_E_UNMAPPED_DEVICE] = "device not mapped",
    [VITS_E_ID_OOR] = "EventID beyond the ITT",
    [VITS_E_PHYSICALID_OOR] = "pINTID not an LPI of the VM",
    [VITS_E_UNMAPPED_EVENT] = "event not mapped",
    [VITS_E_UNMAPPED_COLL] = "collection not mapped",
    [VITS_E_LPIS_DISABLED] = "redistributor has LPIs disabled",
};

/* Usable entries of the table a GITS_BASER<n> describes: none unless Valid and wholly in the
 * VM's RAM, and never more than the hypervisor keeps. */
static unsigned table_entries(struct vits *its, uint64_t val, unsigned max)
{
    if (!(val & GITS_BASER_VALID))
        return 0;
    uint64_t bytes = (REG_GET(val, GITS_BASER_SIZE) + 1) * 4096;
    if (!vm_ram_ptr(its->vm, val & GITS_BASER_PA_MASK, bytes))
        return 0;
    uint64_t n = bytes / VITS_BASER_ENTRY;
    return n < max ? (unsigned)n : max;
}

void vits_set_baser(struct vits *its, unsigned n, uint64_t val)
{
    if (n >= VITS_NR_BASER)
        return;
    /* Read-only: Type, Entry_Size; Indirect RAZ/WI (flat tables), Page_Size 4 KiB. */
    uint64_t type = n == 0 ? GITS_BASER_TYPE_DEVICE : GITS_BASER_TYPE_COLLECTION;
    its->baser[n] = (val & (GITS_BASER_VALID | GITS_BASER_ATTR_MASK | GITS_BASER_PA_MASK | GITS_BASER_SIZE_MASK)) |
                    type << GITS_BASER_TYPE_SHIFT | (uint64_t)(VITS_BASER_ENTRY - 1) << GITS_BASER_ENTRY_SIZE_SHIFT;
    if (n == 0)
        its->dev_entries = table_entries(its, its->baser[0], VITS_NR_DEVICES);
    else
        its->coll_entries = table_entries(its, its->baser[1], VITS_NR_COLLECTIONS);
}

void vits_reset(struct vits *its)
{
    memset(its->t, 0, sizeof(*its->t));
    its->enabled = its->stalled = false;
    its->cbaser = its->cwriter = its->creadr = 0;
    for (unsigned n = 0; n < VITS_NR_BASER; n++)
        vits_set_baser(its, n, 0);
    memset(its->errors, 0, sizeof(its->errors));
}

/* ---- mapped events: a hash table by (DeviceID, EventID) ----
 * The keys are the guest's: colliding ones make its own lookups longer (at most
 * VITS_HASH_SLOTS probes, half the table stays free), never anything else slower. */

static unsigned home(uint32_t dev, uint32_t ev)
{
    uint64_t k = (uint64_t)dev << 32 | ev; /* a 64-bit finalizer mix (MurmurHash3 fmix64) */
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdUL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53UL;
    k ^= k >> 33;
    return (unsigned)k & (VITS_HASH_SLOTS - 1);
}

/* The slot holding (dev, ev), or the free slot where it would go. */
static struct vits_ite *slot_of(struct vits_tables *t, uint32_t dev, uint32_t ev)
{
    unsigned i = home(dev, ev);
    for (unsigned n = 0; n < VITS_HASH_SLOTS; n++, i = (i + 1) & (VITS_HASH_SLOTS - 1))
        if (!t->ite[i].lpi || (t->ite[i].dev == dev && t->ite[i].ev == ev))
            return &t->ite[i];
    return 0; /* never: nr_ites < VITS_HASH_SLOTS keeps a free slot */
}

/* Frees slot i, moving later entries of its probe run back so that every lookup still finds
 * them (deletion in linear probing without tombstones). */
static void slot_free(struct vits_tables *t, unsigned i)
{
    const unsigned mask = VITS_HASH_SLOTS - 1;
    for (unsigned j = (i + 1) & mask; t->ite[j].lpi; j = (j + 1) & mask) {
        unsigned k = home(t->ite[j].dev, t->ite[j].ev);
        /* Entry j may fill the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
        if (!stays) {
            t->ite[i] = t->ite[j];
            i = j;
        }
    }
    t->ite[i] = (struct vits_ite){ 0 };
    t->nr_ites--;
}

/* Every mapped event of device dev is forgotten (MAPD). */
static void dev_unmap(struct vits *its, uint32_t dev)
{
    struct vits_tables *t = its->t;
    for (unsigned i = 0; i < VITS_HASH_SLOTS;) {
        if (t->ite[i].lpi && t->ite[i].dev == dev)
            slot_free(t, i); /* slot i may now hold a later entry: look again */
        else
            i++;
    }
    t->dev_bits[dev] = 0;
}

/* ---- lookups, each an error when out of range or unmapped ---- */

static enum vits_err find_dev(struct vits *its, uint32_t devid, uint32_t ev)
{
    if (devid >= its->dev_entries)
        return VITS_E_DEVICE_OOR;
    unsigned bits = its->t->dev_bits[devid];
    if (!bits)
        return VITS_E_UNMAPPED_DEVICE;
    return ev < (1UL << bits) ? VITS_OK : VITS_E_ID_OOR;
}

static enum vits_err find_ite(struct vits *its, uint32_t devid, uint32_t ev, struct vits_ite **out)
{
    enum vits_err e = find_dev(its, devid, ev);
    if (e)
        return e;
    *out = slot_of(its->t, devid, ev);
    return *out && (*out)->lpi ? VITS_OK : VITS_E_UNMAPPED_EVENT;
}

/* The redistributor (vCPU index) of collection icid, or an error. */
static enum vits_err coll_rd(struct vits *its, uint32_t icid, unsigned *rd)
{
    if (icid >= its->coll_entries)
        return VITS_E_COLLECTION_OOR;
    if (!its->t->coll[icid])
        return VITS_E_UNMAPPED_COLL;
    *rd = its->t->coll[icid] - 1u;
    return VITS_OK;
}

/* The mapped event's LPI and its redistributor. */
static enum vits_err find_target(struct vits *its, uint32_t devid, uint32_t ev, struct vits_ite **ite, unsigned *rd)
{
    enum vits_err e = find_ite(its, devid, ev, ite);
    return e ? e : coll_rd(its, (*ite)->icid, rd);
}

/* PTA = 0 (GITS_TYPER): RDbase is the redistributor's GICR_TYPER.Processor_Number, which is
 * the vCPU index. */
static enum vits_err rdbase(struct vits *its, uint64_t dw, unsigned *rd)
{
    uint64_t n = REG_GET(dw, ITS_CMD_RDBASE);
    if (n >= its->vm->cfg.nr_vcpus)
        return VITS_E_RDBASE_OOR;
    *rd = (unsigned)n;
    return VITS_OK;
}

/* ---- the commands (5.3) ---- */

static enum vits_err cmd_mapd(struct vits *its, uint32_t devid, const uint64_t *c)
{
    if (devid >= its->dev_entries)
        return VITS_E_DEVICE_OOR;
    if (!(c[2] & ITS_CMD_VALID)) {
        dev_unmap(its, devid);
        return VITS_OK;
    }
    unsigned bits = (unsigned)(c[1] & ITS_CMD_SIZE_MASK) + 1;
    if (bits > VITS_ID_BITS)
        return VITS_E_SIZE_OOR;
    uint64_t itt = c[2] & ITS_CMD_ITT_MASK;
    if (!vm_ram_ptr(its->vm, itt, (uint64_t)VITS_ITT_ENTRY << bits))
        return VITS_E_ITT_OOR;
    dev_unmap(its, devid); /* a remap starts from an empty ITT */
    its->t->dev_bits[devid] = (uint8_t)bits;
    return VITS_OK;
}

static enum vits_err cmd_mapc(struct vits *its, const uint64_t *c)
{
    uint32_t icid = (uint32_t)(c[2] & ITS_CMD_ICID_MASK);
    if (icid >= its->coll_entries)
        return VITS_E_COLLECTION_OOR;
    if (!(c[2] & ITS_CMD_VALID)) {
        its->t->coll[icid] = 0;
        return VITS_OK;
    }
    unsigned rd;
    enum vits_err e = rdbase(its, c[2], &rd);
    if (e)
        return e;
    bool moved = its->t->coll[icid] && its->t->coll[icid] != rd + 1;
    its->t->coll[icid] = (uint8_t)(rd + 1);
    /* The collection's LPIs follow it to its new redistributor. */
    for (unsigned i = 0; moved && i < VITS_HASH_SLOTS; i++)
        if (its->t->ite[i].lpi && its->t->ite[i].icid == icid)
            vgic_lpi_map(its->vm, its->t->ite[i].lpi, rd);
    return VITS_OK;
}

static enum vits_err cmd_mapti(struct vits *its, uint32_t devid, uint32_t ev, uint32_t intid, uint32_t icid)
{
    enum vits_err e = find_dev(its, devid, ev);
    if (e)
        return e;
    if (!vgic_is_lpi(intid))
        return VITS_E_PHYSICALID_OOR;
    if (icid >= its->coll_entries)
        return VITS_E_COLLECTION_OOR;
    struct vits_ite *ite = slot_of(its->t, devid, ev);
    if (!ite->lpi) {
        if (its->t->nr_ites >= VITS_NR_ITES)
            return VITS_E_NO_ITES;
        its->t->nr_ites++;
    }
    *ite = (struct vits_ite){ .ev = ev, .dev = (uint16_t)devid, .lpi = (uint16_t)intid, .icid = (uint16_t)icid };
    unsigned rd;
    if (coll_rd(its, icid, &rd) == VITS_OK)
        vgic_lpi_map(its->vm, intid, rd);
    return VITS_OK;
}

static enum vits_err cmd_movi(struct vits *its, uint32_t devid, uint32_t ev, uint32_t icid)
{
    struct vits_ite *ite;
    enum vits_err e = find_ite(its, devid, ev, &ite);
    unsigned rd;
    if (e || (e = coll_rd(its, icid, &rd)))
        return e;
    ite->icid = (uint16_t)icid;
    vgic_lpi_map(its->vm, ite->lpi, rd); /* its pending state moves with it */
    return VITS_OK;
}

static enum vits_err cmd_invall(struct vits *its, uint32_t icid)
{
    unsigned rd;
    enum vits_err e = coll_rd(its, icid, &rd);
    if (e)
        return e;
    for (unsigned i = 0; i < VITS_HASH_SLOTS; i++)
        if (its->t->ite[i].lpi && its->t->ite[i].icid == icid)
            vgic_lpi_inv(its->vm, its->t->ite[i].lpi);
    return VITS_OK;
}

enum vits_err vits_cmd(struct vits *its, const uint64_t c[4])
{
    uint32_t devid = (uint32_t)(c[0] >> ITS_CMD_DEVID_SHIFT), ev = (uint32_t)c[1];
    uint32_t icid = (uint32_t)(c[2] & ITS_CMD_ICID_MASK);
    struct vits_ite *ite;
    unsigned rd, rd2;
    enum vits_err e;
    switch (c[0] & ITS_CMD_ID_MASK) {
    case ITS_CMD_MAPD:
        return cmd_mapd(its, devid, c);
    case ITS_CMD_MAPC:
        return cmd_mapc(its, c);
    case ITS_CMD_MAPTI:
        return cmd_mapti(its, devid, ev, (uint32_t)(c[1] >> ITS_CMD_PINTID_SHIFT), icid);
    case ITS_CMD_MAPI:
        return cmd_mapti(its, devid, ev, ev, icid);
    case ITS_CMD_MOVI:
        return cmd_movi(its, devid, ev, icid);
    case ITS_CMD_DISCARD:
        if ((e = find_ite(its, devid, ev, &ite)))
            return e;
        vgic_lpi_unmap(its->vm, ite->lpi);
        slot_free(its->t, (unsigned)(ite - its->t->ite));
        return VITS_OK;
    case ITS_CMD_INV:
        if ((e = find_target(its, devid, ev, &ite, &rd)))
            return e;
        vgic_lpi_inv(its->vm, ite->lpi);
        return VITS_OK;
    case ITS_CMD_INVALL:
        return cmd_invall(its, icid);
    case ITS_CMD_INT:
        if ((e = find_target(its, devid, ev, &ite, &rd)))
            return e;
        return vgic_lpi_set_pending(its->vm, ite->lpi, true) ? VITS_OK : VITS_E_LPIS_DISABLED;
    case ITS_CMD_CLEAR:
        if ((e = find_target(its, devid, ev, &ite, &rd)))
            return e;
        vgic_lpi_set_pending(its->vm, ite->lpi, false);
        return VITS_OK;
    case ITS_CMD_SYNC:
        /* Every command takes effect before the next: nothing to wait for. */
        return rdbase(its, c[2], &rd);
    case ITS_CMD_MOVALL:
        if ((e = rdbase(its, c[2], &rd)) || (e = rdbase(its, c[3], &rd2)))
            return e;
        vgic_lpi_movall(its->vm, rd, rd2);
        return VITS_OK;
    default:
        return VITS_E_UNKNOWN;
    }
}

enum vits_err vits_translate_to(struct vits *its, uint32_t dev, uint32_t ev, unsigned *to)
{
    struct vits_ite *ite;
    unsigned rd = VITS_NO_TARGET;
    enum vits_err e;
    *to = VITS_NO_TARGET;
    if (!its->enabled)
        return VITS_OK; /* a disabled ITS translates nothing (12.19.4) */
    if (!(e = find_target(its, dev, ev, &ite, &rd)) && !vgic_lpi_set_pending(its->vm, ite->lpi, true))
        e = VITS_E_LPIS_DISABLED;
    if (e)
        its->errors[e]++;
    else
        *to = rd;
    return e;
}

enum vits_err vits_translate(struct vits *its, uint32_t dev, uint32_t ev)
{
    unsigned to;
    return vits_translate_to(its, dev, ev, &to);
}

enum vits_err vits_lookup(struct vits *its, uint32_t dev, uint32_t ev, unsigned *rd, uint32_t *lpi)
{
    struct vits_ite *ite;
    if (!its->enabled)
        return VITS_E_UNMAPPED_DEVICE;
    enum vits_err e = find_target(its, dev, ev, &ite, rd);
    if (!e)
        *lpi = ite->lpi;
    return e;
}

void vits_process(struct vits *its)
{
    if (!its->enabled || its->stalled || !(its->cbaser & GITS_CBASER_VALID))
        return;
    uint64_t base = its->cbaser & GITS_CBASER_PA_MASK;
    uint64_t size = (REG_GET(its->cbaser, GITS_CBASER_SIZE) + 1) * 4096;
    for (unsigned n = 0; n < VITS_CMDS_PER_EXIT && its->creadr != its->cwriter; n++) {
        /* CWRITER beyond the queue is UNPREDICTABLE (12.19.5): the ITS stalls. */
        const volatile uint64_t *p = its->cwriter < size ? vm_ram_ptr(its->vm, base + its->creadr, ITS_CMD_BYTES) : 0;
        if (!p) {
            its->stalled = true;
            vm_log(its->vm, "vITS: command queue at 0x%lx+0x%lx is outside RAM: stalled", (unsigned long)base,
                   (unsigned long)its->creadr);
            return;
        }
        dc_civac((uint64_t)(uintptr_t)p); /* 32 bytes, 32-aligned: within one cache line */
        uint64_t c[4] = { p[0], p[1], p[2], p[3] };
        enum vits_err e = vits_cmd(its, c);
        its->ran = true;
        if (e) {
            its->errors[e]++;
            vm_log(its->vm, "vITS: command 0x%02x at 0x%lx ignored: %s", (unsigned)(c[0] & ITS_CMD_ID_MASK),
                   (unsigned long)its->creadr, err_name[e]);
        }
        its->creadr = (its->creadr + ITS_CMD_BYTES) % size;
    }
}
