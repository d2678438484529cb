/* Enumeration of the host bridge's root bus and BAR assignment (PCI Local Bus 3.0, 6.2.5.1
 * "Address Maps": sizing by writing all ones and reading back the mask). Every memory BAR gets
 * a naturally aligned address of at least 4 KiB, so that no page of a BAR is shared with any
 * other function: the stage 2 of the VM that owns the function can then map exactly its BARs. */
#include "drivers/pci_host.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PAGE_BYTES 0x1000u

static struct pci_host_desc host;
static struct pci_fn fns[PCI_HOST_MAX_FNS];
static unsigned nr_fns;
static uint64_t win_next[PCI_HOST_MAX_WINDOWS]; /* next free PCI address in each window */

static volatile void *cfg_ptr(uint16_t bdf, unsigned off)
{
    return (volatile void *)(uintptr_t)(host.ecam + PCI_ECAM_OFFSET(bdf - PCI_BDF(host.bus_start, 0, 0), off));
}

uint32_t pci_cfg_read(uint16_t bdf, unsigned off, unsigned size)
{
    if (off >= PCI_CFG_SIZE || (off & (size - 1)))
        return 0xffffffffu;
    switch (size) {
    case 1:
        return *(volatile uint8_t *)cfg_ptr(bdf, off);
    case 2:
        return *(volatile uint16_t *)cfg_ptr(bdf, off);
    case 4:
        return *(volatile uint32_t *)cfg_ptr(bdf, off);
    default:
        return 0xffffffffu;
    }
}

void pci_cfg_write(uint16_t bdf, unsigned off, unsigned size, uint32_t val)
{
    if (off >= PCI_CFG_SIZE || (off & (size - 1)))
        return;
    switch (size) {
    case 1:
        *(volatile uint8_t *)cfg_ptr(bdf, off) = (uint8_t)val;
        break;
    case 2:
        *(volatile uint16_t *)cfg_ptr(bdf, off) = (uint16_t)val;
        break;
    case 4:
        *(volatile uint32_t *)cfg_ptr(bdf, off) = val;
        break;
    default:
        break;
    }
}

void pci_set_master(uint16_t bdf, bool on)
{
    uint32_t cmd = pci_cfg_read(bdf, PCI_COMMAND, 2);
    cmd = on ? cmd | PCI_COMMAND_MASTER : cmd & ~(uint32_t)PCI_COMMAND_MASTER;
    pci_cfg_write(bdf, PCI_COMMAND, 2, cmd);
}

/* Sizes BAR i (and its upper half for a 64-bit BAR); returns how many BAR slots it uses. */
static unsigned size_bar(struct pci_fn *f, unsigned i, uint64_t *size)
{
    unsigned off = PCI_BAR0 + 4 * i;
    uint32_t orig = pci_cfg_read(f->bdf, off, 4);
    pci_cfg_write(f->bdf, off, 4, 0xffffffffu);
    uint32_t lo = pci_cfg_read(f->bdf, off, 4);
    pci_cfg_write(f->bdf, off, 4, orig);
    *size = 0;
    if (lo == 0)
        return 1;
    if (orig & PCI_BAR_IO) {
        f->unassigned_bar = true; /* I/O space is not offered to VMs */
        return 1;
    }
    uint64_t mask = lo & ~(uint64_t)PCI_BAR_MEM_FLAGS;
    unsigned used = 1;
    if ((orig & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && i + 1 < PCI_NR_BARS) {
        uint32_t orig_hi = pci_cfg_read(f->bdf, off + 4, 4);
        pci_cfg_write(f->bdf, off + 4, 4, 0xffffffffu);
        mask |= (uint64_t)pci_cfg_read(f->bdf, off + 4, 4) << 32;
        pci_cfg_write(f->bdf, off + 4, 4, orig_hi);
        used = 2;
    } else {
        mask |= 0xffffffff00000000ULL;
    }
    *size = ~mask + 1;
    f->bar[i].flags = orig & PCI_BAR_MEM_FLAGS;
    return used;
}

/* A naturally aligned range in a window that suits the BAR: 32-bit BARs need a window below
 * 4 GiB; 64-bit BARs take the 32-bit window first (it is always there), then a 64-bit one. */
static bool place_bar(struct pci_bar *b, uint64_t size, uint64_t *pci)
{
    bool is64 = (b->flags & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
    for (int pass = 0; pass < 2; pass++)
        for (unsigned w = 0; w < host.nr_win; w++) {
            const struct pci_window *win = &host.win[w];
            if (win->mem64 != (pass == 1) || (win->mem64 && !is64))
                continue;
            uint64_t a = (win_next[w] + size - 1) & ~(size - 1);
            if (a < win->pci || a + size > win->pci + win->size || (!is64 && a + size > (1ULL << 32)))
                continue;
            win_next[w] = a + size;
            *pci = a;
            b->pa = win->cpu + (a - win->pci);
            return true;
        }
    return false;
}

static void probe_fn(uint16_t bdf)
{
    if (nr_fns == PCI_HOST_MAX_FNS) {
        printk("elvisor: PCI %02x:%02x.%x: more than %u functions, ignored\n", PCI_BDF_BUS(bdf), PCI_BDF_DEV(bdf),
               PCI_BDF_FN(bdf), PCI_HOST_MAX_FNS);
        return;
    }
    struct pci_fn *f = &fns[nr_fns++];
    memset(f, 0, sizeof(*f));
    f->bdf = bdf;
    f->vendor = (uint16_t)pci_cfg_read(bdf, PCI_VENDOR_ID, 2);
    f->device = (uint16_t)pci_cfg_read(bdf, PCI_DEVICE_ID, 2);
    f->class_rev = pci_cfg_read(bdf, PCI_CLASS_REVISION, 4);
    f->header_type = (uint8_t)(pci_cfg_read(bdf, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK);
    f->pin = (uint8_t)pci_cfg_read(bdf, PCI_INTERRUPT_PIN, 1);
    /* Decoding and bus mastering off while its BARs move; mastering stays off until a VM that
     * owns the function turns it on through its virtual command register. */
    pci_cfg_write(bdf, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
}

/* Largest BAR first, so that natural alignment wastes little of the windows. */
static void assign_bars(void)
{
    struct {
        uint8_t fn, bar;
        uint64_t size;
    } all[PCI_HOST_MAX_FNS * PCI_NR_BARS];
    unsigned n = 0;
    for (unsigned k = 0; k < nr_fns; k++) {
        if (fns[k].header_type != PCI_HEADER_TYPE_NORMAL)
            continue;
        for (unsigned i = 0; i < PCI_NR_BARS;) {
            uint64_t size;
            unsigned used = size_bar(&fns[k], i, &size);
            if (size) {
                all[n].fn = (uint8_t)k;
                all[n].bar = (uint8_t)i;
                all[n++].size = size < PAGE_BYTES ? PAGE_BYTES : size;
            }
            i += used;
        }
    }
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && all[j].size > all[j - 1].size; j--) {
            __typeof__(all[0]) t = all[j];
            all[j] = all[j - 1];
            all[j - 1] = t;
        }
    for (unsigned i = 0; i < n; i++) {
        struct pci_fn *f = &fns[all[i].fn];
        struct pci_bar *b = &f->bar[all[i].bar];
        unsigned off = PCI_BAR0 + 4u * all[i].bar;
        uint64_t pci;
        if (!place_bar(b, all[i].size, &pci)) {
            f->unassigned_bar = true;
            b->flags = 0;
            continue;
        }
        b->size = all[i].size;
        pci_cfg_write(f->bdf, off, 4, (uint32_t)pci | b->flags);
        if ((b->flags & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64)
            pci_cfg_write(f->bdf, off + 4, 4, (uint32_t)(pci >> 32));
    }
    for (unsigned k = 0; k < nr_fns; k++) {
        bool any = false;
        for (unsigned i = 0; i < PCI_NR_BARS; i++)
            any |= fns[k].bar[i].pa != 0;
        if (any)
            pci_cfg_write(fns[k].bdf, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    }
}

int pci_host_init(const struct pci_host_desc *d, char *why, size_t cap)
{
    host = *d;
    nr_fns = 0;
    for (unsigned w = 0; w < host.nr_win; w++)
        win_next[w] = host.win[w].pci;
    for (unsigned dev = 0; dev < 32; dev++) {
        uint16_t bdf0 = PCI_BDF(host.bus_start, dev, 0);
        if (pci_cfg_read(bdf0, PCI_VENDOR_ID, 2) == 0xffff)
            continue;
        bool multi = pci_cfg_read(bdf0, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTI_FN;
        for (unsigned fn = 0; fn < (multi ? 8u : 1u); fn++) {
            uint16_t bdf = PCI_BDF(host.bus_start, dev, fn);
            if (pci_cfg_read(bdf, PCI_VENDOR_ID, 2) != 0xffff)
                probe_fn(bdf);
        }
    }
    assign_bars();
    if (!nr_fns) {
        ev_snprintf(why, cap, "no function on bus %u", host.bus_start);
        return -1;
    }
    return 0;
}

unsigned pci_host_nr_fns(void) { return nr_fns; }
const struct pci_fn *pci_host_fn(unsigned i) { return i < nr_fns ? &fns[i] : 0; }

const struct pci_fn *pci_host_find(uint16_t bdf)
{
    for (unsigned i = 0; i < nr_fns; i++)
        if (fns[i].bdf == bdf)
            return &fns[i];
    return 0;
}

unsigned pci_find_cap(uint16_t bdf, uint8_t id)
{
    if (!(pci_cfg_read(bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned off = pci_cfg_read(bdf, PCI_CAP_PTR, 1) & 0xfc;
    for (unsigned n = 0; n < 48 && off >= PCI_HEADER_END && off < 0x100; n++) {
        uint32_t hdr = pci_cfg_read(bdf, off, 2);
        if ((hdr & 0xff) == id)
            return off;
        off = (hdr >> 8) & 0xfc;
    }
    return 0;
}
