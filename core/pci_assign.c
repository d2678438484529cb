/* PCI function assignment (core/pci_assign.h, docs/pci.md). The host DTB describes the SMMU
 * (arm,smmu-v3) and the host bridge (pci-host-ecam-generic) with its windows (ranges), the
 * StreamID of each requester ID (iommu-map, Documentation/devicetree/bindings/pci/pci-iommu.txt),
 * the ITS DeviceID of each (msi-map, pci-msi.txt) and where each INTx pin goes (interrupt-map, IEEE 1275 PCI binding). */
#include <stdarg.h>
#include "core/pci_assign.h"
#include "core/pci_msi.h"
#include "core/vm.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/page_alloc.h"
#include "core/platform.h"
#include "drivers/gic.h"
#include "drivers/pci_host.h"
#include "drivers/smmuv3.h"
#include "drivers/smmuv3_regs.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "lib/fdt_read.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MAX_IOMMU_MAP 4
#define MAX_INTX_MAP  32

static struct {
    bool smmu_found, host_found;
    uint64_t smmu_base;
    uint32_t smmu_phandle, eventq_intid, gerror_intid;
    struct pci_host_desc host;
    uint64_t ecam_size;
    /* iommu-map rows that point at our SMMU: requester IDs [rid, rid + len) are StreamIDs
     * [sid, sid + len). */
    struct {
        uint32_t rid, sid, len;
    } imap[MAX_IOMMU_MAP];
    unsigned nr_imap;
    /* msi-map rows that point at a GICv3 ITS: requester IDs [rid, rid + len) are DeviceIDs
     * [dev, dev + len). */
    struct {
        uint32_t rid, dev, len;
    } mmap[MAX_IOMMU_MAP];
    unsigned nr_mmap;
    /* interrupt-map rows: (phys.hi & mask, pin) -> SPI. */
    uint32_t imask_hi, imask_pin;
    struct {
        uint32_t hi, pin, intid;
    } intx[MAX_INTX_MAP];
    unsigned nr_intx;
    bool smmu_on, pci_on;
    char smmu_err[96], pci_err[96];
} hw;

/* Per VM (indexed like vms[]): its functions, and which of them the SMMU translates. */
struct vm_pci {
    unsigned nr;
    uint16_t bdf[VM_MAX_DEVICES * VM_MAX_PCI_FNS];
    uint32_t sid[VM_MAX_DEVICES * VM_MAX_PCI_FNS];
    bool translated[VM_MAX_DEVICES * VM_MAX_PCI_FNS];
    unsigned nr_translated;
};
static struct vm_pci vm_pci[CONFIG_MAX_VMS];
static struct vm *fn_owner[PCI_HOST_MAX_FNS];

static struct vm_pci *pci_of(const struct vm *vm) { return &vm_pci[vm - vms]; }

static uint32_t dt_spi_intid(const uint8_t *cells)
{
    uint32_t type = fdt_cell(cells, 0), num = fdt_cell(cells, 1);
    return type == 1 ? num + 16 : num + 32;
}

static void find_smmu(const struct fdt *f)
{
    int n = fdt_next_compatible(f, -1, "arm,smmu-v3");
    uint64_t size;
    if (n < 0 || fdt_reg(f, n, 0, &hw.smmu_base, &size) < 0 || size < 0x20000)
        return;
    fdt_prop_u32(f, n, "phandle", &hw.smmu_phandle);
    int len, nlen;
    const uint8_t *irq = fdt_getprop(f, n, "interrupts", &len);
    const char *names = fdt_getprop(f, n, "interrupt-names", &nlen);
    for (int i = 0, at = 0; irq && names && at < nlen && (i + 1) * 12 <= len; i++) {
        const char *name = names + at;
        if (strcmp(name, "eventq") == 0)
            hw.eventq_intid = dt_spi_intid(irq + 12 * i);
        else if (strcmp(name, "gerror") == 0)
            hw.gerror_intid = dt_spi_intid(irq + 12 * i);
        at += (int)strlen(name) + 1;
    }
    hw.smmu_found = true;
}

static void find_host_bridge(const struct fdt *f)
{
    int n = fdt_next_compatible(f, -1, "pci-host-ecam-generic");
    if (n < 0 || fdt_reg(f, n, 0, &hw.host.ecam, &hw.ecam_size) < 0 || hw.ecam_size < 0x100000)
        return;
    int len;
    const uint8_t *v = fdt_getprop(f, n, "bus-range", &len);
    hw.host.bus_start = v && len == 8 ? fdt_cell(v, 0) & 0xff : 0;
    /* ranges: <phys.hi phys.mid phys.lo> <parent address> <size>: 3 + parent cells + 2. */
    int pac = fdt_addr_cells(f, fdt_parent(f, n)), scells = fdt_size_cells(f, n);
    int row = 3 + pac + scells;
    v = fdt_getprop(f, n, "ranges", &len);
    for (int i = 0; v && pac == 2 && scells == 2 && (i + 1) * row * 4 <= len; i++) {
        const uint8_t *r = v + i * row * 4;
        uint32_t space = (fdt_cell(r, 0) >> PCI_DT_SPACE_SHIFT) & PCI_DT_SPACE_MASK;
        if (space != PCI_DT_SPACE_MEM32 && space != PCI_DT_SPACE_MEM64)
            continue;
        if (hw.host.nr_win == PCI_HOST_MAX_WINDOWS)
            break;
        struct pci_window *w = &hw.host.win[hw.host.nr_win++];
        w->pci = (uint64_t)fdt_cell(r, 1) << 32 | fdt_cell(r, 2);
        w->cpu = (uint64_t)fdt_cell(r, 3) << 32 | fdt_cell(r, 4);
        w->size = (uint64_t)fdt_cell(r, 5) << 32 | fdt_cell(r, 6);
        w->mem64 = space == PCI_DT_SPACE_MEM64;
    }
    /* iommu-map: <rid-base iommu-phandle iommu-specifier(1 cell) length>. */
    v = fdt_getprop(f, n, "iommu-map", &len);
    for (int i = 0; v && (i + 1) * 16 <= len && hw.nr_imap < MAX_IOMMU_MAP; i++)
        if (hw.smmu_found && fdt_cell(v, 4 * i + 1) == hw.smmu_phandle) {
            hw.imap[hw.nr_imap].rid = fdt_cell(v, 4 * i);
            hw.imap[hw.nr_imap].sid = fdt_cell(v, 4 * i + 2);
            hw.imap[hw.nr_imap++].len = fdt_cell(v, 4 * i + 3);
        }
    /* msi-map: <rid-base msi-controller-phandle msi-base length>, rows of an ITS only. */
    v = fdt_getprop(f, n, "msi-map", &len);
    for (int i = 0; v && (i + 1) * 16 <= len && hw.nr_mmap < MAX_IOMMU_MAP; i++) {
        int ctl = fdt_node_by_phandle(f, fdt_cell(v, 4 * i + 1));
        if (ctl < 0 || !fdt_is_compatible(f, ctl, "arm,gic-v3-its"))
            continue;
        hw.mmap[hw.nr_mmap].rid = fdt_cell(v, 4 * i);
        hw.mmap[hw.nr_mmap].dev = fdt_cell(v, 4 * i + 2);
        hw.mmap[hw.nr_mmap++].len = fdt_cell(v, 4 * i + 3);
    }
    /* interrupt-map: <child unit address (3)> <pin (1)> <parent phandle> <parent unit address
     * (its #address-cells)> <parent specifier (its #interrupt-cells: the GIC's 3)>. */
    const uint8_t *mask = fdt_getprop(f, n, "interrupt-map-mask", &len);
    if (mask && len == 16) {
        hw.imask_hi = fdt_cell(mask, 0);
        hw.imask_pin = fdt_cell(mask, 3);
    }
    v = fdt_getprop(f, n, "interrupt-map", &len);
    for (int at = 0; mask && v && at + 5 * 4 <= len && hw.nr_intx < MAX_INTX_MAP;) {
        const uint8_t *r = v + at;
        int parent = fdt_node_by_phandle(f, fdt_cell(r, 4));
        uint32_t pac2 = 0, pic = 0;
        if (parent < 0 || fdt_prop_u32(f, parent, "#interrupt-cells", &pic) < 0)
            break;
        fdt_prop_u32(f, parent, "#address-cells", &pac2);
        int cells = 5 + (int)pac2 + (int)pic;
        if (at + cells * 4 > len || pic != 3)
            break;
        hw.intx[hw.nr_intx].hi = fdt_cell(r, 0);
        hw.intx[hw.nr_intx].pin = fdt_cell(r, 3);
        hw.intx[hw.nr_intx++].intid = dt_spi_intid(r + (5 + pac2) * 4);
        at += cells * 4;
    }
    hw.host_found = hw.host.nr_win > 0;
}

void pci_assign_discover(void)
{
    const struct fdt *f = platform_fdt();
    find_smmu(f);
    find_host_bridge(f);
    if (hw.smmu_found)
        mmu_map(hw.smmu_base, 0x20000, MMU_DEVICE);
    if (hw.host_found)
        mmu_map(hw.host.ecam, hw.ecam_size, MMU_DEVICE);
}

static void *smmu_alloc(size_t pages, size_t align) { return page_alloc(pages, align); }

static const char *fault_name(unsigned type)
{
    switch (type) {
    case SMMU_EVT_C_BAD_STREAMID:
        return "stream not in the stream table";
    case SMMU_EVT_C_BAD_STE:
        return "stream given to no VM";
    case SMMU_EVT_F_TRANSLATION:
        return "outside the VM's memory (translation fault)";
    case SMMU_EVT_F_ADDR_SIZE:
        return "address too large";
    case SMMU_EVT_F_ACCESS:
        return "access flag fault";
    case SMMU_EVT_F_PERMISSION:
        return "permission fault";
    default:
        return "SMMU event";
    }
}

/* One console line per 100 ms at most for what no VM's vm_log covers: events of streams no VM
 * owns and the SMMU's global errors. Returns false (and counts) when the line is dropped. */
struct ratelimit {
    uint64_t last;
    unsigned dropped;
};

static bool ratelimit_ok(struct ratelimit *r)
{
    uint64_t now = sysreg_read(cntpct_el0);
    if (r->last && now - r->last < sysreg_read(cntfrq_el0) / 10) {
        r->dropped++;
        return false;
    }
    r->last = now;
    return true;
}

static struct vm *vm_of_sid(uint32_t sid, uint16_t *bdf)
{
    for (unsigned v = 0; v < nr_vms; v++) {
        const struct vm_pci *p = &vm_pci[v];
        for (unsigned i = 0; i < p->nr; i++)
            if (p->translated[i] && p->sid[i] == sid) {
                *bdf = p->bdf[i];
                return &vms[v];
            }
    }
    return 0;
}

/* A device's access is cut into small transactions (QEMU: 4 bytes each), each its own event:
 * after the first of a run in the same page, the rest are counted into the next line. */
static struct smmuv3_event last_ev;
static unsigned same_page;

static void log_event(const struct smmuv3_event *e)
{
    static struct ratelimit orphan;
    if (e->sid == last_ev.sid && e->type == last_ev.type && e->write == last_ev.write &&
        (e->addr >> 12) == (last_ev.addr >> 12)) {
        same_page++;
        return;
    }
    unsigned more = same_page;
    last_ev = *e;
    same_page = 0;
    uint16_t bdf = 0;
    struct vm *vm = vm_of_sid(e->sid, &bdf);
    if (vm) {
        vm_log(vm, "DMA blocked: %02x:%02x.%x (stream 0x%x) %s 0x%lx: %s (and %u more in the page before)",
               PCI_BDF_BUS(bdf), PCI_BDF_DEV(bdf), PCI_BDF_FN(bdf), e->sid, e->write ? "write" : "read",
               (unsigned long)e->addr, fault_name(e->type), more);
    } else if (ratelimit_ok(&orphan)) {
        printk("elvisor: SMMU: DMA blocked: stream 0x%x (no VM) %s 0x%lx: %s (%u more suppressed)\n", e->sid,
               e->write ? "write" : "read", (unsigned long)e->addr, fault_name(e->type), orphan.dropped);
        orphan.dropped = 0;
    }
}

/* The event queue's interrupt: every record read and logged; the device's transaction was
 * already terminated by the SMMU, so nothing else is to do and nothing stops. */
static bool smmu_event_irq(uint32_t intid, void *arg)
{
    struct smmuv3_event ev[16];
    unsigned n;
    while ((n = smmuv3_read_events(ev, 16)) > 0)
        for (unsigned i = 0; i < n; i++)
            log_event(&ev[i]);
    return false;
}

/* A full event queue (a device faulting in a burst) is a global error on QEMU: the events past
 * it are lost, the transactions still aborted. */
static bool smmu_gerror_irq(uint32_t intid, void *arg)
{
    static struct ratelimit rl;
    uint32_t e = smmuv3_take_gerror();
    if (e && ratelimit_ok(&rl)) {
        printk("elvisor: SMMU: global error 0x%x%s (%u more suppressed)\n", e,
               (e & SMMU_GERROR_EVENTQ_ABT) ? ": event queue full, events lost" : "", rl.dropped);
        rl.dropped = 0;
    }
    return false;
}

static void route_irq(uint32_t intid, irq_handler_fn fn)
{
    if (intid < GIC_NR_PRIVATE || intid >= gic_nr_irqs())
        return;
    irq_set_handler(intid, fn, 0);
    gic_irq_set_priority(intid, GIC_PRIO_HYP);
    gic_irq_set_edge(intid, true);
    gic_irq_route(intid, 0);
    gic_irq_enable(intid);
}

void pci_assign_init(void)
{
    if (hw.smmu_found) {
        struct smmuv3_desc d = { .base = hw.smmu_base, .alloc = smmu_alloc };
        if (smmuv3_init(&d, hw.smmu_err, sizeof(hw.smmu_err)) == 0) {
            hw.smmu_on = true;
            stage2_limit_ipa_bits(smmuv3_max_ipa_bits());
            route_irq(hw.eventq_intid, smmu_event_irq);
            route_irq(hw.gerror_intid, smmu_gerror_irq);
        }
    }
    if (hw.host_found)
        hw.pci_on = pci_host_init(&hw.host, hw.pci_err, sizeof(hw.pci_err)) == 0;
    if (hw.pci_on)
        pci_msi_boot();
}

void pci_assign_banner(void)
{
    char line[128];
    if (hw.smmu_on) {
        smmuv3_describe(line, sizeof(line));
        printk("  %s; VM IPA %u bits\n", line, stage2_ipa_bits());
    } else if (hw.smmu_found) {
        printk("  SMMUv3 at 0x%lx not used: %s\n", (unsigned long)hw.smmu_base, hw.smmu_err);
    }
    if (!hw.pci_on)
        return;
    printk("  PCI: ECAM at 0x%lx, %u function(s) on bus %u\n", (unsigned long)hw.host.ecam, pci_host_nr_fns(),
           hw.host.bus_start);
    for (unsigned i = 0; i < pci_host_nr_fns(); i++) {
        const struct pci_fn *f = pci_host_fn(i);
        if ((f->class_rev >> 24) == PCI_CLASS_BRIDGE)
            continue;
        printk("    %02x:%02x.%x %04x:%04x class %06x%s\n", PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf),
               PCI_BDF_FN(f->bdf), f->vendor, f->device, f->class_rev >> 8,
               f->unassigned_bar ? " (some BARs unassigned: I/O or no room)" : "");
    }
}

/* The StreamID of a requester ID through iommu-map; false if the SMMU does not see it. */
static bool stream_of(uint16_t rid, uint32_t *sid)
{
    for (unsigned i = 0; i < hw.nr_imap; i++)
        if (rid >= hw.imap[i].rid && rid - hw.imap[i].rid < hw.imap[i].len) {
            *sid = hw.imap[i].sid + (rid - hw.imap[i].rid);
            return true;
        }
    return false;
}

bool pci_assign_msi_devid(uint16_t rid, uint32_t *devid)
{
    for (unsigned i = 0; i < hw.nr_mmap; i++)
        if (rid >= hw.mmap[i].rid && rid - hw.mmap[i].rid < hw.mmap[i].len) {
            *devid = hw.mmap[i].dev + (rid - hw.mmap[i].rid);
            return true;
        }
    return false;
}

uint32_t pci_assign_intx(const struct pci_fn *f)
{
    if (!f->pin || f->pin > 4)
        return 0;
    uint32_t hi = PCI_DT_PHYS_HI(f->bdf) & hw.imask_hi, pin = f->pin & hw.imask_pin;
    for (unsigned i = 0; i < hw.nr_intx; i++)
        if ((hw.intx[i].hi & hw.imask_hi) == hi && (hw.intx[i].pin & hw.imask_pin) == pin)
            return hw.intx[i].intid;
    return 0;
}

static unsigned fn_index(const struct pci_fn *f)
{
    for (unsigned i = 0; i < pci_host_nr_fns(); i++)
        if (pci_host_fn(i) == f)
            return i;
    return 0;
}

const struct pci_fn *pci_assign_fn(const struct vm *vm, uint16_t bdf)
{
    const struct pci_fn *f = pci_host_find(bdf);
    return f && fn_owner[fn_index(f)] == vm ? f : 0;
}

static bool add_spi(struct vm_config *c, uint32_t intid)
{
    for (unsigned i = 0; i < c->nr_passthru_irqs; i++)
        if (c->passthru_irq[i] == intid)
            return true;
    if (c->nr_passthru_irqs == VM_MAX_IRQS)
        return false;
    c->passthru_irq[c->nr_passthru_irqs++] = intid;
    return true;
}

static int __attribute__((format(printf, 2, 3))) refuse(const struct vm *vm, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printk("elvisor: VM '%s' refused: pci-devices: %s\n", vm->cfg.name, why);
    return -1;
}
#define REFUSE(...) return refuse(vm, __VA_ARGS__)

static int assign_one(struct vm *vm, const struct vm_device *d, uint16_t bdf)
{
    struct vm_pci *p = pci_of(vm);
    unsigned b = PCI_BDF_BUS(bdf), dv = PCI_BDF_DEV(bdf), fn = PCI_BDF_FN(bdf);
    if (!hw.pci_on)
        REFUSE("%02x:%02x.%x: this machine has no usable PCI host bridge", b, dv, fn);
    const struct pci_fn *f = pci_host_find(bdf);
    if (!f)
        REFUSE("%02x:%02x.%x: no such function on the host bridge", b, dv, fn);
    if (f->header_type != PCI_HEADER_TYPE_NORMAL || (f->class_rev >> 24) == PCI_CLASS_BRIDGE)
        REFUSE("%02x:%02x.%x: is a bridge (not assignable)", b, dv, fn);
    unsigned k = fn_index(f);
    if (fn_owner[k] && fn_owner[k] != vm)
        REFUSE("%02x:%02x.%x: already given to VM '%s'", b, dv, fn, fn_owner[k]->cfg.name);
    uint32_t sid = 0;
    bool translated = hw.smmu_on && stream_of(bdf, &sid);
    if (!translated && !d->dma_unsafe)
        REFUSE("%02x:%02x.%x: no SMMU translates its DMA on this machine (dma-unsafe; allows it for a trusted VM)", b,
               dv, fn);
    uint32_t spi = pci_assign_intx(f);
    if (spi && !add_spi(&vm->cfg, spi))
        REFUSE("%02x:%02x.%x: more than %d passthrough interrupts", b, dv, fn, VM_MAX_IRQS);
    if (translated) {
        struct smmuv3_s2 s2 = { .root_pa = (uint64_t)(uintptr_t)vm->s2.root,
                                .vmid = vm->id,
                                .ipa_bits = vm->s2.va_bits,
                                .start_level = (unsigned)vm->s2.start_level };
        if (smmuv3_attach_s2(sid, &s2) < 0)
            REFUSE("%02x:%02x.%x: the SMMU refused stream 0x%x", b, dv, fn, sid);
    } else {
        printk("elvisor: VM '%s': WARNING: %02x:%02x.%x assigned without DMA isolation (dma-unsafe): the VM can "
               "read and write all of memory through it\n",
               vm->cfg.name, b, dv, fn);
    }
    fn_owner[k] = vm;
    p->bdf[p->nr] = bdf;
    p->sid[p->nr] = sid;
    p->translated[p->nr++] = translated;
    p->nr_translated += translated;
    pci_set_master(bdf, false);
    return 0;
}

int pci_assign_vm(struct vm *vm)
{
    memset(pci_of(vm), 0, sizeof(struct vm_pci));
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        for (unsigned j = 0; j < vm->cfg.dev[i].nr_pci; j++)
            if (assign_one(vm, &vm->cfg.dev[i], vm->cfg.dev[i].pci_bdf[j]) < 0)
                return -1;
    return 0;
}

void pci_assign_quiesce(struct vm *vm)
{
    const struct vm_pci *p = pci_of(vm);
    for (unsigned i = 0; i < p->nr; i++)
        pci_set_master(p->bdf[i], false);
}

void pci_assign_release(struct vm *vm)
{
    struct vm_pci *p = pci_of(vm);
    pci_assign_quiesce(vm);
    pci_msi_release(vm);
    for (unsigned i = 0; i < p->nr; i++) {
        if (p->translated[i])
            smmuv3_detach(p->sid[i]);
        const struct pci_fn *f = pci_host_find(p->bdf[i]);
        if (f)
            fn_owner[fn_index(f)] = 0;
    }
    if (p->nr_translated)
        smmuv3_tlbi_vmid(vm->id);
    memset(p, 0, sizeof(*p));
}

void pci_assign_s2_changed(struct vm *vm)
{
    if (pci_of(vm)->nr_translated)
        smmuv3_tlbi_vmid(vm->id);
}
