/* "pci-host-ecam-generic": a VM's virtual PCIe host bridge (docs/pci.md). Its ECAM window is
 * emulated: bus 0 shows the host functions given to the VM, the i-th one as device i,
 * function 0, with what the guest may see and change filtered:
 *   - BARs are virtual: the guest sizes and places them anywhere in its bar-window, and a BAR
 *     with memory decoding on is mapped there in the VM's stage 2 onto the host BAR (pages only
 *     that BAR owns, placed by the hypervisor: drivers/pci_host.c). The host BARs never move.
 *   - the command register: memory decoding (virtual: the stage 2 mapping), bus mastering and
 *     INTx disable reach the host; I/O decoding is always off;
 *   - capabilities: MSI and MSI-X are shadows routed to the VM's ITS when it has one
 *     (vdev/vpci_msi.c, vdev/vpci_msix.c; the MSI-X table's pages of a BAR are left out of
 *     stage 2 and trap through the bar-window), else unlinked; other writes are refused except the PCI
 *     Express Device Control register (without Initiate FLR); the extended configuration space
 *     reads as zeros; no expansion ROM;
 *   - INTx is the host's SPI, given to the VM (core/pci_assign.c), described by interrupt-map.
 * The host configuration space is reached only through these rules (PCI Local Bus 3.0 6.1,
 * 6.2; PCIe Base 7.5). */
#include "vdev/vpci.h"
#include "vdev/vpci_msi.h"
#include "vdev/vits.h"
#include "vdev/pci_dt.h"
#include "core/vm.h"
#include "core/vdev.h"
#include "core/pci_assign.h"
#include "core/stage2.h"
#include "core/page_alloc.h"
#include "core/mmio.h"
#include "core/vm_dtb.h"
#include "drivers/pci_host.h"
#include "lib/fdt_write.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define MAX_CAPS 16

struct vpci_fn {
    const struct pci_fn *host;
    uint32_t spi;
    uint16_t cmd;   /* the guest's command register */
    uint8_t line;   /* interrupt line: scratch for the guest */
    uint8_t mapped; /* bit k: BAR k is mapped at map_ipa[k] */
    uint8_t nr_caps;
    uint8_t cap_off[MAX_CAPS]; /* host capabilities in list order */
    uint8_t cap_id[MAX_CAPS];
    uint64_t bar[PCI_NR_BARS];     /* the guest's BAR address (size-aligned) */
    uint64_t map_ipa[PCI_NR_BARS]; /* where it is mapped */
    struct vpci_msi *msi;          /* in the bridge's page (struct vpci_msgs) */
};

struct vpci {
    struct vm *vm;
    const struct vm_device *d;
    unsigned nr;
    spinlock_t lock;
    struct vpci_fn fn[VM_MAX_PCI_FNS];
    /* The functions' MSI and MSI-X state: a page taken at the first attach and kept across
     * resets (the host LPIs' callbacks point into it). */
    struct vpci_msgs *msgs;
};

struct vpci_msgs {
    struct vpci_msi msi[VM_MAX_PCI_FNS];
    struct vpci_msix_entry tab[VM_MAX_PCI_FNS][PCI_MSI_MAX_VECS];
};
#define MSGS_PAGES ((sizeof(struct vpci_msgs) + PA_PAGE_SIZE - 1) / PA_PAGE_SIZE)
VDEV_STATE_FITS(struct vpci);

/* MSI and MSI-X are shown when they are routed (vpci_msi_attach). */
static bool cap_visible(const struct vpci_fn *f, unsigned i)
{
    if (f->cap_id[i] == PCI_CAP_ID_MSI)
        return f->msi->cap == f->cap_off[i];
    if (f->cap_id[i] == PCI_CAP_ID_MSIX)
        return vpci_msix_shown(f->msi, f->cap_off[i]);
    return true;
}

/* The first visible capability at or after list position i, 0 if none. */
static uint8_t next_visible(const struct vpci_fn *f, unsigned i)
{
    for (; i < f->nr_caps; i++)
        if (cap_visible(f, i))
            return f->cap_off[i];
    return 0;
}

static bool bar_is64(const struct pci_bar *b) { return (b->flags & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64; }

static uint32_t read_bar_dword(const struct vpci_fn *f, unsigned i)
{
    const struct pci_bar *b = &f->host->bar[i];
    if (b->pa)
        return (uint32_t)f->bar[i] | b->flags;
    if (i > 0 && f->host->bar[i - 1].pa && bar_is64(&f->host->bar[i - 1]))
        return (uint32_t)(f->bar[i - 1] >> 32);
    return 0;
}

static uint32_t cfg_read32(struct vpci_fn *f, unsigned reg)
{
    uint16_t bdf = f->host->bdf;
    if (reg >= 0x100)
        return 0; /* no extended capabilities */
    if (reg >= PCI_HEADER_END) {
        uint32_t v = vpci_msi_owns(f->msi, reg) ? vpci_msi_read(f->msi, reg) : pci_cfg_read(bdf, reg, 4);
        for (unsigned i = 0; i < f->nr_caps; i++)
            if (f->cap_off[i] == reg) /* its header: link to the next visible one */
                v = (v & ~0xff00u) | (uint32_t)next_visible(f, i + 1) << 8;
        return v;
    }
    switch (reg) {
    case PCI_VENDOR_ID:
    case PCI_CLASS_REVISION:
    case PCI_SUBSYSTEM:
        return pci_cfg_read(bdf, reg, 4);
    case PCI_COMMAND: {
        uint32_t status = pci_cfg_read(bdf, PCI_STATUS, 2) & ~(uint32_t)PCI_STATUS_CAP_LIST;
        if (next_visible(f, 0))
            status |= PCI_STATUS_CAP_LIST;
        return status << 16 | f->cmd;
    }
    case 0x0c: /* cache line size, latency timer, header type, BIST: a single-function type 0 */
        return (uint32_t)PCI_HEADER_TYPE_NORMAL << 16;
    case PCI_CAP_PTR:
        return next_visible(f, 0);
    case PCI_INTERRUPT_LINE:
        return (pci_cfg_read(bdf, reg, 4) & 0xffff0000u) | (uint32_t)f->host->pin << 8 | f->line;
    default:
        if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_NR_BARS)
            return read_bar_dword(f, (reg - PCI_BAR0) / 4);
        return 0; /* CardBus CIS, expansion ROM, reserved */
    }
}

/* BAR k of f at IPA a in stage 2, but for the pages of its MSI-X table and PBA, which trap
 * (bar_read/bar_write). */
static int map_bar(struct vpci *s, struct vpci_fn *f, unsigned k, uint64_t a)
{
    const struct pci_bar *b = &f->host->bar[k];
    uint64_t off = b->size, len = 0;
    vpci_msi_bar_hole(f->msi, k, &off, &len);
    if (off > b->size || len > b->size - off)
        off = b->size, len = 0;
    if (off && stage2_map_device(s->vm, a, b->pa, off) < 0)
        return -1;
    uint64_t rest = off + len;
    if (rest < b->size && stage2_map_device(s->vm, a + rest, b->pa + rest, b->size - rest) < 0) {
        if (off)
            stage2_unmap(s->vm, a, off);
        return -1;
    }
    return 0;
}

static void unmap_bar(struct vpci *s, struct vpci_fn *f, unsigned k)
{
    const struct pci_bar *b = &f->host->bar[k];
    uint64_t off = b->size, len = 0, a = f->map_ipa[k];
    vpci_msi_bar_hole(f->msi, k, &off, &len);
    if (off > b->size || len > b->size - off)
        off = b->size, len = 0;
    if (off)
        stage2_unmap(s->vm, a, off);
    if (off + len < b->size)
        stage2_unmap(s->vm, a + off + len, b->size - off - len);
    f->mapped &= (uint8_t) ~(1u << k);
}

/* Brings the stage 2 mappings of f's BARs in line with its command register and BAR values:
 * a BAR is mapped while memory decoding is on and it lies wholly inside the bar-window. Called
 * with the lock held, from a vCPU of the VM or its attach; the stage 2 changes invalidate the
 * CPUs' and the SMMU's TLBs (core/stage2.c). */
static void sync_bars(struct vpci *s, struct vpci_fn *f)
{
    const struct vm_device *d = s->d;
    for (unsigned k = 0; k < PCI_NR_BARS; k++) {
        const struct pci_bar *b = &f->host->bar[k];
        if (!b->pa)
            continue;
        uint64_t a = f->bar[k];
        bool want = (f->cmd & PCI_COMMAND_MEMORY) && a >= d->win_ipa && b->size <= d->win_size &&
                    a - d->win_ipa <= d->win_size - b->size;
        bool is = f->mapped & (1u << k);
        if (is && (!want || f->map_ipa[k] != a)) {
            unmap_bar(s, f, k);
            is = false;
        }
        if (want && !is) {
            if (map_bar(s, f, k, a) < 0) {
                vm_log(s->vm, "PCI %02x:%02x.%x: BAR%u at 0x%lx overlaps another BAR: not mapped",
                       PCI_BDF_BUS(f->host->bdf), PCI_BDF_DEV(f->host->bdf), PCI_BDF_FN(f->host->bdf), k,
                       (unsigned long)a);
                continue;
            }
            f->map_ipa[k] = a;
            f->mapped |= (uint8_t)(1u << k);
        }
    }
}

static void write_bar_dword(struct vpci *s, struct vpci_fn *f, unsigned i, uint32_t val)
{
    const struct pci_bar *b = &f->host->bar[i];
    if (b->pa) {
        uint64_t mask = ~(b->size - 1);
        f->bar[i] = ((f->bar[i] & 0xffffffff00000000ULL) | (val & ~(uint32_t)PCI_BAR_MEM_FLAGS)) & mask;
        if (!bar_is64(b))
            f->bar[i] &= 0xffffffffULL;
    } else if (i > 0 && f->host->bar[i - 1].pa && bar_is64(&f->host->bar[i - 1])) {
        const struct pci_bar *lo = &f->host->bar[i - 1];
        f->bar[i - 1] = ((f->bar[i - 1] & 0xffffffffULL) | (uint64_t)val << 32) & ~(lo->size - 1);
    } else {
        return;
    }
    sync_bars(s, f);
}

static void set_command(struct vpci *s, struct vpci_fn *f, uint16_t val)
{
    f->cmd = val & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    /* Host memory decoding stays on: the stage 2 mapping is what the guest switches. */
    uint16_t host = PCI_COMMAND_MEMORY | (f->cmd & (PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE));
    pci_cfg_write(f->host->bdf, PCI_COMMAND, 2, host);
    sync_bars(s, f);
}

/* The PCI Express capability's Device Control (cap + 8): the guest may set its payload sizes
 * and error reporting, never Initiate Function Level Reset (bit 15), which would clear the
 * host BARs the hypervisor placed. */
#define PCIE_DEVCTL          8
#define PCIE_DEVCTL_INIT_FLR 0x8000u

static void cap_write(struct vpci_fn *f, unsigned reg, unsigned size, uint32_t val)
{
    if (vpci_msi_owns(f->msi, reg)) {
        vpci_msi_write(f->msi, reg, size, val);
        return;
    }
    for (unsigned i = 0; i < f->nr_caps; i++) {
        if (f->cap_id[i] != PCI_CAP_ID_EXP || reg != f->cap_off[i] + (unsigned)PCIE_DEVCTL || size != 2)
            continue;
        pci_cfg_write(f->host->bdf, reg, 2, val & ~PCIE_DEVCTL_INIT_FLR);
    }
}

/* A write of size bytes at reg, merged into its dword. */
static void cfg_write(struct vpci *s, struct vpci_fn *f, unsigned reg, unsigned size, uint32_t val)
{
    unsigned dw = reg & ~3u, shift = (reg & 3) * 8;
    uint32_t mask = size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1) << shift;
    if (reg >= PCI_HEADER_END) {
        if (reg < 0x100)
            cap_write(f, reg, size, val);
        return;
    }
    uint32_t cur = cfg_read32(f, dw), v = (cur & ~mask) | ((val << shift) & mask);
    if (dw == PCI_COMMAND) {
        if (mask & 0xffff)
            set_command(s, f, (uint16_t)v);
        if (mask & 0xffff0000u) /* status: the error bits are write-1-to-clear */
            pci_cfg_write(f->host->bdf, PCI_STATUS, 2, ((val << shift) >> 16) & PCI_STATUS_W1C_MASK);
    } else if (dw >= PCI_BAR0 && dw < PCI_BAR0 + 4 * PCI_NR_BARS) {
        write_bar_dword(s, f, (dw - PCI_BAR0) / 4, v);
    } else if (dw == PCI_INTERRUPT_LINE && (mask & 0xff)) {
        f->line = (uint8_t)v;
    }
    /* Everything else in the header is read-only here. */
}

/* ECAM offset -> the function it addresses on bus 0 (PCIe Base 7.2.2), or NULL. */
static struct vpci_fn *fn_at(struct vpci *s, uint64_t off)
{
    unsigned bus = (unsigned)(off >> 20), dev = (off >> 15) & 0x1f, fn = (off >> 12) & 7;
    return bus == 0 && fn == 0 && dev < s->nr ? &s->fn[dev] : 0;
}

static int ecam_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct vpci *s = dev;
    if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
        return -1;
    struct vpci_fn *f = fn_at(s, off);
    if (!f) {
        *val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1; /* no function: all ones */
        return 0;
    }
    spin_lock(&s->lock);
    uint32_t dw = cfg_read32(f, (unsigned)(off & 0xffc));
    spin_unlock(&s->lock);
    dw >>= (off & 3) * 8;
    *val = size == 4 ? dw : dw & ((1u << (8 * size)) - 1);
    return 0;
}

static int ecam_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vpci *s = dev;
    if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
        return -1;
    struct vpci_fn *f = fn_at(s, off);
    if (!f)
        return 0;
    spin_lock(&s->lock);
    cfg_write(s, f, (unsigned)(off & 0xfff), size, (uint32_t)val);
    spin_unlock(&s->lock);
    return 0;
}

static const struct mmio_ops ecam_ops = { .read = ecam_read, .write = ecam_write };

/* An access in the bar-window that stage 2 does not map: the MSI-X pages of a mapped BAR are
 * emulated (vdev/vpci_msix.c); anything else aborts, as an unmapped IPA does. */
static int bar_access(void *dev, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    struct vpci *s = dev;
    uint64_t ipa = s->d->win_ipa + off;
    int rc = MMIO_NO_DEVICE;
    spin_lock(&s->lock);
    for (unsigned i = 0; i < s->nr; i++)
        for (unsigned k = 0; k < PCI_NR_BARS; k++) {
            struct vpci_fn *f = &s->fn[i];
            if ((f->mapped & (1u << k)) && ipa >= f->map_ipa[k] && ipa - f->map_ipa[k] < f->host->bar[k].size)
                rc = vpci_msi_bar_access(f->msi, k, ipa - f->map_ipa[k], size, write, val) < 0 ? MMIO_NO_DEVICE : 0;
        }
    spin_unlock(&s->lock);
    return rc;
}

static int bar_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    return bar_access(dev, off, size, false, val);
}

static int bar_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    return bar_access(dev, off, size, true, &val);
}

static const struct mmio_ops bar_ops = { .read = bar_read, .write = bar_write };

/* The host's capability list, bounded (a malformed list must not loop). */
static void read_caps(struct vpci_fn *f)
{
    f->nr_caps = 0;
    if (!(pci_cfg_read(f->host->bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        return;
    unsigned off = pci_cfg_read(f->host->bdf, PCI_CAP_PTR, 1) & 0xfc;
    while (off >= PCI_HEADER_END && off < 0x100 && f->nr_caps < MAX_CAPS) {
        uint32_t hdr = pci_cfg_read(f->host->bdf, off, 2);
        f->cap_off[f->nr_caps] = (uint8_t)off;
        f->cap_id[f->nr_caps++] = (uint8_t)hdr;
        off = (hdr >> 8) & 0xfc;
    }
}

static int vpci_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct vpci *s = state;
    /* A reset: the BARs the guest mapped go; the new guest places them again. */
    for (unsigned i = 0; s->vm && i < s->nr; i++)
        for (unsigned k = 0; k < PCI_NR_BARS; k++)
            if (s->fn[i].mapped & (1u << k))
                unmap_bar(s, &s->fn[i], k);
    struct vpci_msgs *msgs = s->msgs;
    memset(s, 0, sizeof(*s));
    s->vm = vm;
    s->d = d;
    s->msgs = msgs ? msgs : page_alloc(MSGS_PAGES, PA_PAGE_SIZE);
    if (!s->msgs) {
        printk("elvisor: VM '%s' refused: memory: none left for its PCI functions' MSI-X tables\n", vm->cfg.name);
        return -1;
    }
    for (unsigned i = 0; i < d->nr_pci; i++) {
        struct vpci_fn *f = &s->fn[s->nr];
        f->host = pci_assign_fn(vm, d->pci_bdf[i]);
        if (!f->host) {
            printk("elvisor: VM '%s' refused: pci-devices: %02x:%02x.%x is not given to it\n", vm->cfg.name,
                   PCI_BDF_BUS(d->pci_bdf[i]), PCI_BDF_DEV(d->pci_bdf[i]), PCI_BDF_FN(d->pci_bdf[i]));
            return -1;
        }
        f->spi = pci_assign_intx(f->host);
        read_caps(f);
        f->msi = &s->msgs->msi[s->nr];
        vpci_msi_attach(f->msi, vm, f->host, (uint8_t)pci_find_cap(f->host->bdf, PCI_CAP_ID_MSI),
                        (uint8_t)pci_find_cap(f->host->bdf, PCI_CAP_ID_MSIX), PCI_BDF(0, s->nr, 0),
                        s->msgs->tab[s->nr]);
        s->nr++;
        set_command(s, f, 0);
    }
    if (vm_add_mmio(vm, d->ipa, d->size, &ecam_ops, s) < 0 ||
        vm_add_mmio(vm, d->win_ipa, d->win_size, &bar_ops, s) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated MMIO windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

static void vpci_dt_node(const struct vm_device *d, void *state, struct vdev_dt *dt)
{
    const struct vpci *s = state;
    struct fdt_writer *w = dt->w;
    pci_dt_bridge_begin(w, d);
    /* interrupt-map: device i's pin to its SPI, in the VM's GIC binding (address cells 2). */
    uint32_t map[VM_MAX_PCI_FNS * 10];
    int n = 0;
    for (unsigned i = 0; i < s->nr; i++) {
        if (!s->fn[i].spi)
            continue;
        uint32_t row[10] = {
            PCI_DT_PHYS_HI(PCI_BDF(0, i, 0)), 0, 0, s->fn[i].host->pin, dt->intc_phandle, 0, 0, 0, s->fn[i].spi - 32, 4
        };
        memcpy(&map[n], row, sizeof(row));
        n += 10;
    }
    if (n)
        fdtw_prop_cells(w, "interrupt-map", map, n);
    /* msi-map (Linux pci-msi.txt): the functions' requester IDs to DeviceIDs of the VM's ITS. */
    if (vits_index(s->vm) >= 0) {
        uint32_t msi_map[4] = { 0, dt->msi_phandle, VPCI_MSI_DEVID_BASE, VPCI_MSI_NR_RIDS };
        fdtw_prop_cells(w, "msi-map", msi_map, 4);
    } else if (vpci_msi_v2m(s->vm)) {
        /* GICv2: the functions' MSIs go to the VM's first GICv2m frame (Linux pci-msi.txt); any
         * of its frames takes them (vdev/vpci_msi.c). */
        fdtw_prop_u32(w, "msi-parent", dt->msi_phandle);
    }
    fdtw_prop_empty(w, "dma-coherent");
    fdtw_end_node(w);
}

/* Before the VM's RAM is cleared: its functions stop DMA (core also does it for every assigned
 * function); the guest's command register starts from zero at the next attach. */
static void vpci_quiesce(void *state)
{
    struct vpci *s = state;
    for (unsigned i = 0; i < s->nr; i++) {
        pci_set_master(s->fn[i].host->bdf, false);
        vpci_msi_quiesce(s->fn[i].msi);
    }
}

static void vpci_release(void *state)
{
    struct vpci *s = state;
    if (s->msgs)
        page_free(s->msgs, MSGS_PAGES);
    s->msgs = 0;
}

const struct vdev_ops vpci_ops = {
    .attach = vpci_attach, .dt_node = vpci_dt_node, .quiesce = vpci_quiesce, .release = vpci_release
};
