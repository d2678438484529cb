/* The message-signalled interrupts of an assigned function (vdev/vpci_msi.h, docs/pci.md
 * "MSI"): their route to the VM's ITS and the MSI capability, shadowed (PCI Local Bus 3.0
 * 6.8.1 for the layout); MSI-X (vdev/vpci_msix.c) shares the route and the lock.
 *
 * What the guest sees: the host's capability with one message (Multiple Message Capable 0),
 * no per-vector masking (its mask and pending bits read as zero), its 64-bit address bit, and
 * the Enable, Message Address and Message Data it wrote. The physical capability instead holds
 * the host doorbell's IPA and the host EventID (core/pci_msi.c), enabled only while the guest's
 * MSI is enabled and aimed at its own ITS's GITS_TRANSLATER: an address anywhere else sends
 * nothing at all. When the host LPI comes, the guest's write is done for it: EventID = its
 * Message Data, DeviceID = what its device tree's msi-map says, through its virtual ITS, whose
 * tables decide (an unmapped or out-of-range event raises nothing and is counted there).
 *
 * On a GICv2 machine, where the VM has GICv2m frames instead of an ITS (vdev/vgicv2m.c), the
 * guest aims its message at a frame's MSI_SETSPI_NS with an SPI of that frame's range as the
 * data, as it would for a device of its own; the physical side holds the host GICv2m frame's
 * doorbell and a host SPI (core/pci_msi.c), enabled only for such a message, and the host SPI
 * becomes the guest's SPI, an edge. An address that is not one of its frames, or an SPI outside
 * the frame's range, sends nothing. */
#include "vdev/vpci_msi.h"
#include "vdev/vits.h"
#include "vdev/vgic_v4.h"
#include "vdev/vgic.h"
#include "vdev/vgicv2m.h"
#include "core/vm.h"
#include "drivers/gic_its_regs.h"
#include "drivers/pci_host.h"
#include "drivers/pci_regs.h"
#include "lib/log.h"
#include "lib/string.h"

static uint8_t ctrl_off(const struct vpci_msi *m) { return (uint8_t)(m->cap + PCI_MSI_FLAGS); }
static unsigned data_off(const struct vpci_msi *m) { return m->cap + (m->is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32); }

/* Bytes of the host's capability (with its mask and pending bits, if it has them). */
static unsigned host_size(uint16_t ctrl)
{
    unsigned n = (ctrl & PCI_MSI_FLAGS_64BIT) ? PCI_MSI_CAP_64 : PCI_MSI_CAP_32;
    return (ctrl & PCI_MSI_FLAGS_MASKBIT) ? n + 8 : n;
}

/* The physical capability follows the shadow: on only for a message aimed at the guest's
 * GITS_TRANSLATER or GICv2m frame (PCI 3.0 6.8.3.1: address and data are written while MSI is
 * disabled). */
static void sync_hw(struct vpci_msi *m)
{
    bool want = m->enabled && vpci_msi_dest_ok(&m->dest, m->addr, m->data);
    uint16_t bdf = m->host->bdf;
    if (want == m->hw_on)
        return;
    if (!want) {
        pci_cfg_write(bdf, ctrl_off(m), 2, 0);
        m->hw_on = false;
        return;
    }
    pci_cfg_write(bdf, m->cap + PCI_MSI_ADDRESS_LO, 4, (uint32_t)m->host_msg.addr);
    if (m->is64)
        pci_cfg_write(bdf, m->cap + PCI_MSI_ADDRESS_HI, 4, (uint32_t)(m->host_msg.addr >> 32));
    pci_cfg_write(bdf, data_off(m), 2, m->host_msg.data);
    pci_cfg_write(bdf, ctrl_off(m), 2, PCI_MSI_FLAGS_ENABLE); /* one message: Multiple Message Enable 0 */
    m->hw_on = true;
}

/* The guest's EventID of message vec and whether it would raise anything (m->lock held). */
static bool vec_event(const struct vpci_msi *m, unsigned vec, uint32_t *ev)
{
    if (m->x.enabled)
        return vpci_msix_target(&m->x, vec, ev);
    *ev = m->data;
    return vec == 0 && m->cap && m->enabled && vpci_msi_dest_ok(&m->dest, m->addr, m->data);
}

/* GICv4 direct injection (docs/interrupts.md "GICv4 direct injection"): each message whose
 * guest translation (its MSI or MSI-X entry, then the vITS's tables) names an LPI of a vCPU
 * becomes that vLPI in the host ITS, signalled to the running vCPU with no exit; any other
 * stays on its host LPI and deliver() below. Run after every change of either: ITS commands
 * (vits_watch), the capability, the MSI-X table. A vLPI leaving direct injection takes its
 * pending state to the emulated vGIC. No lock held on entry. */
static void direct_sync(void *arg)
{
    struct vpci_msi *m = arg;
    struct vm *vm = m->vm;
    if (!vm || !m->host || !vgic_v4_on(vm))
        return;
    unsigned n = m->x.cap ? m->x.nvec : 1;
    for (unsigned vec = 0; vec < n; vec++) {
        uint32_t ev = 0, lpi = 0;
        unsigned vcpu = 0;
        spin_lock(&m->lock);
        bool live = vec_event(m, vec, &ev);
        uint32_t dev = m->devid;
        spin_unlock(&m->lock);
        struct pci_msi_vlpi to, cur;
        bool direct = live && vits_msi_target(vm, dev, ev, &vcpu, &lpi) && vgic_v4_target(vm, vcpu, lpi, &to);
        if (direct) {
            pci_msi_direct(vm, m->host, vec, &to);
        } else if (pci_msi_direct_of(vm, m->host, vec, &cur)) {
            bool pending = vgic_v4_pending(vm, cur.vcpu, cur.vintid);
            pci_msi_direct(vm, m->host, vec, 0);
            if (pending) /* the LPI stays pending for whoever maps it (5.1.2) */
                vgic_lpi_set_pending(vm, cur.vintid, true);
        }
    }
}

/* Host message vec of the function (core/pci_msi.c: vm->lock held, the VM running or paused):
 * MSI-X entry vec while MSI-X is on, else the MSI message (vec 0). Returns the physical CPU of
 * the vCPU the LPI went to, where the host LPI is best taken next time, or -1. */
static int deliver(void *arg, unsigned vec)
{
    struct vpci_msi *m = arg;
    uint32_t ev = 0;
    unsigned to = VITS_NO_TARGET;
    spin_lock(&m->lock);
    bool ok = vec_event(m, vec, &ev);
    uint32_t dev = m->devid;
    bool its = m->dest.translater != 0;
    spin_unlock(&m->lock);
    if (ok && !its) { /* GICv2m: ev is an SPI of one of the VM's frames (vpci_msi_dest_ok) */
        vgic_inject_edge(m->vm, 0, ev);
        return -1;
    }
    /* What it raises is up to the guest's tables (errors are counted there). */
    if (!ok || vits_msi(m->vm, dev, ev, &to) != VITS_OK || to >= m->vm->cfg.nr_vcpus)
        return -1;
    return (int)m->vm->vcpu[to].pcpu;
}

/* The VM's GICv2m frames as message destinations (from its configuration, so that the order of
 * its devices does not matter), and the host doorbell's page: after the first frame whose reg
 * has room for it. False if no frame has. */
static bool v2m_dest(const struct vm *vm, struct vpci_msi_dest *d, uint64_t *doorbell)
{
    for (unsigned i = 0; i < vm->cfg.nr_devs && d->nr_v2m < VPCI_MSI_MAX_V2M; i++) {
        const struct vm_device *f = &vm->cfg.dev[i];
        if (!f->kind || !f->kind->compatible || strcmp(f->kind->compatible, "arm,gic-v2m-frame") != 0)
            continue;
        d->v2m[d->nr_v2m].setspi = f->ipa + V2M_MSI_SETSPI_NS;
        d->v2m[d->nr_v2m].first = f->intid;
        d->v2m[d->nr_v2m++].count = f->msi_spis;
        if (!*doorbell && f->size >= VPCI_MSI_V2M_SIZE)
            *doorbell = f->ipa + VPCI_MSI_V2M_DOORBELL_OFF;
    }
    return *doorbell != 0;
}

bool vpci_msi_v2m(const struct vm *vm)
{
    struct vpci_msi_dest d = { 0 };
    uint64_t doorbell = 0;
    return vits_index(vm) < 0 && v2m_dest(vm, &d, &doorbell);
}

void vpci_msi_attach(struct vpci_msi *m, struct vm *vm, const struct pci_fn *host, uint8_t cap, uint8_t xcap,
                     uint16_t rid, struct vpci_msix_entry *tab)
{
    memset(m, 0, sizeof(*m));
    m->vm = vm;
    m->host = host;
    uint16_t ctrl = cap ? (uint16_t)pci_cfg_read(host->bdf, cap + PCI_MSI_FLAGS, 2) : 0;
    if (cap)
        pci_cfg_write(host->bdf, cap + PCI_MSI_FLAGS, 2, 0); /* off until the guest turns it on */
    vpci_msix_off(host, xcap);
    int its = vits_index(vm);
    uint64_t doorbell = 0;
    if (its >= 0) {
        m->dest.translater = vm->cfg.dev[its].ipa + GITS_TRANSLATER;
        doorbell = vm->cfg.dev[its].ipa + VPCI_MSI_DOORBELL_OFF;
    } else if (!v2m_dest(vm, &m->dest, &doorbell) && m->dest.nr_v2m && (cap || xcap)) {
        printk("elvisor: VM '%s': %02x:%02x.%x has no MSI: no arm,gic-v2m-frame of its has a reg of 0x%x (the "
               "page after the frame maps the host's)\n",
               vm->cfg.name, PCI_BDF_BUS(host->bdf), PCI_BDF_DEV(host->bdf), PCI_BDF_FN(host->bdf), VPCI_MSI_V2M_SIZE);
    }
    if ((!cap && !xcap) || !doorbell || rid >= VPCI_MSI_NR_RIDS)
        return; /* nowhere to send to: hidden, the guest uses INTx */
    unsigned nx = 0;
    if (xcap && pci_msi_msix_mapped(host)) {
        nx = vpci_msix_host_entries(host, xcap);
        nx = nx < PCI_MSI_MAX_VECS ? nx : PCI_MSI_MAX_VECS;
    }
    struct pci_msi_msg msg;
    if ((!cap && !nx) || pci_msi_route(vm, host, doorbell, nx ? nx : 1, deliver, m, &msg) < 0) {
        m->dest = (struct vpci_msi_dest){ 0 };
        return;
    }
    m->host_msg = msg;
    m->devid = VPCI_MSI_DEVID_BASE + rid;
    if (nx)
        vpci_msix_attach(&m->x, host, xcap, nx, &msg, &m->dest, tab);
    if (cap && !(ctrl & PCI_MSI_FLAGS_64BIT) && msg.addr >> 32) {
        printk("elvisor: VM '%s': %02x:%02x.%x has no MSI: it takes 32-bit addresses and its doorbell lies above 4 "
               "GiB\n",
               vm->cfg.name, PCI_BDF_BUS(host->bdf), PCI_BDF_DEV(host->bdf), PCI_BDF_FN(host->bdf));
        return;
    }
    if (cap) {
        m->cap = cap;
        m->is64 = ctrl & PCI_MSI_FLAGS_64BIT;
        m->size = (uint8_t)host_size(ctrl);
    }
    if (vgic_v4_on(vm) && !vits_watch(vm, direct_sync, m))
        printk("elvisor: VM '%s': %02x:%02x.%x's MSIs stay emulated: too many functions for GICv4\n", vm->cfg.name,
               PCI_BDF_BUS(host->bdf), PCI_BDF_DEV(host->bdf), PCI_BDF_FN(host->bdf));
    direct_sync(m); /* what the previous life of the VM left in the host ITS goes back */
}

static bool msi_owns(const struct vpci_msi *m, unsigned reg)
{
    /* The mask and pending bits too: hidden, not passed through. */
    return m->cap && reg >= m->cap && reg - m->cap < m->size;
}

bool vpci_msi_owns(const struct vpci_msi *m, unsigned reg) { return msi_owns(m, reg) || vpci_msix_owns(&m->x, reg); }

/* The MSI capability's dword at dw; the lock held. */
static uint32_t msi_read(const struct vpci_msi *m, unsigned dw)
{
    if (dw == m->cap) {
        uint16_t ctrl = (uint16_t)((m->is64 ? PCI_MSI_FLAGS_64BIT : 0) | (m->enabled ? PCI_MSI_FLAGS_ENABLE : 0));
        return (pci_cfg_read(m->host->bdf, m->cap, 2) & 0xffffu) | (uint32_t)ctrl << 16; /* ID and next: the host's */
    }
    if (dw == m->cap + (unsigned)PCI_MSI_ADDRESS_LO)
        return (uint32_t)m->addr;
    if (m->is64 && dw == m->cap + (unsigned)PCI_MSI_ADDRESS_HI)
        return (uint32_t)(m->addr >> 32);
    if (dw == data_off(m))
        return m->data;
    return 0;
}

uint32_t vpci_msi_read(struct vpci_msi *m, unsigned dw)
{
    spin_lock(&m->lock);
    uint32_t v = msi_owns(m, dw) ? msi_read(m, dw) : vpci_msix_read(&m->x, dw);
    spin_unlock(&m->lock);
    return v;
}

void vpci_msi_write(struct vpci_msi *m, unsigned reg, unsigned size, uint32_t val)
{
    spin_lock(&m->lock);
    if (!msi_owns(m, reg)) {
        vpci_msix_write(&m->x, reg, size, val);
        spin_unlock(&m->lock);
        return;
    }
    unsigned dw = reg & ~3u, shift = (reg & 3) * 8;
    uint32_t mask = size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1) << shift;
    uint32_t v = (msi_read(m, dw) & ~mask) | ((val << shift) & mask);
    if (dw == m->cap) {
        if (mask & 0xffff0000u)
            m->enabled = (v >> 16) & PCI_MSI_FLAGS_ENABLE; /* Multiple Message Enable stays 0 */
    } else if (dw == m->cap + (unsigned)PCI_MSI_ADDRESS_LO) {
        m->addr = (m->addr & 0xffffffff00000000ULL) | (v & PCI_MSI_ADDRESS_MASK);
    } else if (m->is64 && dw == m->cap + (unsigned)PCI_MSI_ADDRESS_HI) {
        m->addr = (m->addr & 0xffffffffULL) | (uint64_t)v << 32;
    } else if (dw == data_off(m)) {
        m->data = (uint16_t)(v & PCI_MSI_DATA_MASK);
    }
    sync_hw(m);
    spin_unlock(&m->lock);
    direct_sync(m);
}

bool vpci_msi_bar_hole(const struct vpci_msi *m, unsigned bar, uint64_t *off, uint64_t *len)
{
    return vpci_msix_hole(&m->x, bar, off, len);
}

int vpci_msi_bar_access(struct vpci_msi *m, unsigned bar, uint64_t off, unsigned size, bool write, uint64_t *val)
{
    spin_lock(&m->lock);
    int rc = vpci_msix_access(&m->x, bar, off, size, write, val);
    spin_unlock(&m->lock);
    if (write)
        direct_sync(m);
    return rc;
}

void vpci_msi_quiesce(struct vpci_msi *m)
{
    if (!m->host)
        return;
    spin_lock(&m->lock);
    if (m->cap) {
        m->enabled = false;
        sync_hw(m);
    }
    if (m->x.cap) {
        m->x.enabled = false;
        vpci_msix_off(m->host, m->x.cap);
    }
    spin_unlock(&m->lock);
}

bool vpci_msix_shown(const struct vpci_msi *m, uint8_t cap) { return m->x.cap && m->x.cap == cap; }
