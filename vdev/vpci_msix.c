/* MSI-X of an assigned function, shadowed (vdev/vpci_msix.h, docs/pci.md "MSI-X"; PCI Local
 * Bus 3.0 6.8.2 for the capability and the table).
 *
 * The guest sees the host's capability with Table Size at most PCI_MSI_MAX_VECS and its own
 * Enable and Function Mask; the Table and PBA Offset/BIR are the host's (its virtual BARs
 * mirror the host's). The table's and PBA's pages of the BAR are not mapped in the VM's stage
 * 2 (vdev/vpci.c leaves the hole), so every access traps here: the table is kept as the guest
 * writes it; the PBA and any other register of the device in those pages are the device's
 * own, reached through the hypervisor's mapping of them (core/pci_msi.c maps them at boot).
 * The physical table is the hypervisor's: entry i holds the host doorbell and host EventID i,
 * and is unmasked only while the guest's entry i is unmasked and aimed at its own
 * GITS_TRANSLATER or GICv2m frame (vpci_msi_dest_ok); the physical Enable and Function Mask
 * follow the guest's. */
#include "vdev/vpci_msix.h"
#include "drivers/pci_host.h"
#include "drivers/pci_regs.h"
#include "lib/string.h"

#define PAGE_BYTES 4096u

static uint64_t page_down(uint64_t a) { return a & ~(uint64_t)(PAGE_BYTES - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE_BYTES - 1) & ~(uint64_t)(PAGE_BYTES - 1); }

unsigned vpci_msix_host_entries(const struct pci_fn *host, uint8_t cap)
{
    return (pci_cfg_read(host->bdf, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
}

void vpci_msix_off(const struct pci_fn *host, uint8_t cap)
{
    if (cap)
        pci_cfg_write(host->bdf, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_MASKALL);
}

static volatile uint32_t *host_entry(const struct vpci_msix *x, unsigned i, unsigned field)
{
    uint64_t pa = x->host->bar[x->table_bar].pa + x->table_off + (uint64_t)i * PCI_MSIX_ENTRY_SIZE + field;
    return (volatile uint32_t *)(uintptr_t)pa;
}

bool vpci_msi_dest_ok(const struct vpci_msi_dest *d, uint64_t addr, uint32_t data)
{
    if (d->translater && addr == d->translater)
        return true;
    for (unsigned i = 0; i < d->nr_v2m && i < VPCI_MSI_MAX_V2M; i++)
        if (addr == d->v2m[i].setspi && data >= d->v2m[i].first && data - d->v2m[i].first < d->v2m[i].count)
            return true;
    return false;
}

static bool entry_live(const struct vpci_msix *x, unsigned i)
{
    const struct vpci_msix_entry *e = &x->tab[i];
    return !(e->ctrl & PCI_MSIX_ENTRY_CTRL_MASK) &&
           vpci_msi_dest_ok(x->dest, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
}

/* Physical entry i masked unless the guest's is live (6.8.2.9: only the Mask Bit changes). */
static void sync_entry(const struct vpci_msix *x, unsigned i)
{
    *host_entry(x, i, PCI_MSIX_ENTRY_CTRL) = entry_live(x, i) ? 0 : PCI_MSIX_ENTRY_CTRL_MASK;
}

static void sync_ctrl(const struct vpci_msix *x)
{
    uint16_t c = (uint16_t)((x->enabled ? PCI_MSIX_FLAGS_ENABLE : 0) | (x->fmask ? PCI_MSIX_FLAGS_MASKALL : 0));
    pci_cfg_write(x->host->bdf, x->cap + PCI_MSIX_FLAGS, 2, c);
}

void vpci_msix_attach(struct vpci_msix *x, const struct pci_fn *host, uint8_t cap, unsigned nvec,
                      const struct pci_msi_msg *msg, const struct vpci_msi_dest *dest, struct vpci_msix_entry *tab)
{
    memset(x, 0, sizeof(*x));
    x->host = host;
    uint32_t t = pci_cfg_read(host->bdf, cap + PCI_MSIX_TABLE, 4), p = pci_cfg_read(host->bdf, cap + PCI_MSIX_PBA, 4);
    x->host_nvec = (uint16_t)vpci_msix_host_entries(host, cap);
    x->nvec = (uint16_t)nvec;
    x->table_bar = (uint8_t)(t & PCI_MSIX_BIR_MASK);
    x->pba_bar = (uint8_t)(p & PCI_MSIX_BIR_MASK);
    x->table_off = t & PCI_MSIX_OFFSET_MASK;
    x->pba_off = p & PCI_MSIX_OFFSET_MASK;
    x->hole_off[0] = page_down(x->table_off);
    x->hole_len[0] = page_up(x->table_off + (uint64_t)x->host_nvec * PCI_MSIX_ENTRY_SIZE) - x->hole_off[0];
    x->hole_off[1] = page_down(x->pba_off);
    x->hole_len[1] = page_up(x->pba_off + (x->host_nvec + 63u) / 64 * 8) - x->hole_off[1];
    x->dest = dest;
    x->tab = tab;
    vpci_msix_off(host, cap);
    for (unsigned i = 0; i < x->host_nvec; i++) {
        *host_entry(x, i, PCI_MSIX_ENTRY_CTRL) = PCI_MSIX_ENTRY_CTRL_MASK;
        if (i >= nvec)
            continue; /* never unmasked: the guest does not see it */
        *host_entry(x, i, PCI_MSIX_ENTRY_ADDR_LO) = (uint32_t)msg->addr;
        *host_entry(x, i, PCI_MSIX_ENTRY_ADDR_HI) = (uint32_t)(msg->addr >> 32);
        *host_entry(x, i, PCI_MSIX_ENTRY_DATA) = msg->data + i;
        tab[i] = (struct vpci_msix_entry){ .ctrl = PCI_MSIX_ENTRY_CTRL_MASK }; /* reset: masked */
    }
    x->cap = cap;
}

bool vpci_msix_owns(const struct vpci_msix *x, unsigned reg)
{
    return x->cap && reg >= x->cap && reg - x->cap < PCI_MSIX_CAP_SIZE;
}

uint32_t vpci_msix_read(const struct vpci_msix *x, unsigned dw)
{
    if (dw == x->cap) { /* ID and next pointer: the host's (the caller links the list) */
        uint32_t c = (uint32_t)(x->nvec - 1) | (x->enabled ? PCI_MSIX_FLAGS_ENABLE : 0) |
                     (x->fmask ? PCI_MSIX_FLAGS_MASKALL : 0);
        return (pci_cfg_read(x->host->bdf, x->cap, 2) & 0xffffu) | c << 16;
    }
    return pci_cfg_read(x->host->bdf, dw, 4); /* Table and PBA Offset/BIR: read-only */
}

void vpci_msix_write(struct vpci_msix *x, unsigned reg, unsigned size, uint32_t val)
{
    unsigned dw = reg & ~3u, shift = (reg & 3) * 8;
    uint32_t mask = size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1) << shift;
    if (dw != x->cap || !(mask & 0xffff0000u))
        return; /* only Message Control is writable */
    uint32_t v = (vpci_msix_read(x, dw) & ~mask) | ((val << shift) & mask);
    x->enabled = (v >> 16) & PCI_MSIX_FLAGS_ENABLE;
    x->fmask = (v >> 16) & PCI_MSIX_FLAGS_MASKALL;
    sync_ctrl(x);
}

bool vpci_msix_hole(const struct vpci_msix *x, unsigned bar, uint64_t *off, uint64_t *len)
{
    if (!x->cap)
        return false;
    bool t = bar == x->table_bar, p = bar == x->pba_bar;
    if (t && p) { /* one span (mapped so at EL2 by core/pci_msi.c) */
        uint64_t lo = x->hole_off[0] < x->hole_off[1] ? x->hole_off[0] : x->hole_off[1];
        uint64_t e0 = x->hole_off[0] + x->hole_len[0], e1 = x->hole_off[1] + x->hole_len[1];
        *off = lo;
        *len = (e0 > e1 ? e0 : e1) - lo;
    } else if (t || p) {
        *off = x->hole_off[t ? 0 : 1];
        *len = x->hole_len[t ? 0 : 1];
    }
    return t || p;
}

/* The guest's table: whole aligned dwords of an entry, or a qword (the address). */
static void table_access(struct vpci_msix *x, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    unsigned i = (unsigned)(off / PCI_MSIX_ENTRY_SIZE), field = (unsigned)(off % PCI_MSIX_ENTRY_SIZE);
    if (!write)
        *val = 0;
    if (i >= x->nvec || (size != 4 && size != 8))
        return; /* beyond what the guest is shown: reads 0, writes ignored */
    uint32_t *w = (uint32_t *)&x->tab[i];
    for (unsigned k = 0; k < size / 4; k++) {
        unsigned f = field / 4 + k;
        if (write) {
            uint32_t d = (uint32_t)(*val >> (32 * k));
            if (f == PCI_MSIX_ENTRY_ADDR_LO / 4)
                d &= PCI_MSI_ADDRESS_MASK;
            else if (f == PCI_MSIX_ENTRY_CTRL / 4)
                d &= PCI_MSIX_ENTRY_CTRL_MASK;
            w[f] = d;
        } else {
            *val |= (uint64_t)w[f] << (32 * k);
        }
    }
    if (write)
        sync_entry(x, i);
}

int vpci_msix_access(struct vpci_msix *x, unsigned bar, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    uint64_t hoff, hlen;
    if (!vpci_msix_hole(x, bar, &hoff, &hlen) || off < hoff || off - hoff >= hlen || (off & (size - 1)))
        return -1;
    uint64_t tlen = (uint64_t)x->host_nvec * PCI_MSIX_ENTRY_SIZE;
    if (bar == x->table_bar && off >= x->table_off && off - x->table_off < tlen) {
        table_access(x, off - x->table_off, size, write, val);
        return 0;
    }
    if (bar == x->pba_bar && off >= x->pba_off && off - x->pba_off < (x->host_nvec + 63u) / 64 * 8 && write)
        return 0; /* the PBA is read-only */
    /* The PBA, or another register of the device that shares the pages: the device's own. */
    uintptr_t a = (uintptr_t)(x->host->bar[bar].pa + off);
    switch (size) {
    case 1:
        if (write)
            *(volatile uint8_t *)a = (uint8_t)*val;
        else
            *val = *(volatile uint8_t *)a;
        return 0;
    case 2:
        if (write)
            *(volatile uint16_t *)a = (uint16_t)*val;
        else
            *val = *(volatile uint16_t *)a;
        return 0;
    case 4:
        if (write)
            *(volatile uint32_t *)a = (uint32_t)*val;
        else
            *val = *(volatile uint32_t *)a;
        return 0;
    case 8:
        if (write)
            *(volatile uint64_t *)a = *val;
        else
            *val = *(volatile uint64_t *)a;
        return 0;
    default:
        return -1;
    }
}

bool vpci_msix_target(const struct vpci_msix *x, unsigned vec, uint32_t *event)
{
    if (!x->cap || !x->enabled || x->fmask || vec >= x->nvec || !entry_live(x, vec))
        return false;
    *event = x->tab[vec].data;
    return true;
}
