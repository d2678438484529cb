/* Host side of assigned functions' MSIs (core/pci_msi.h, docs/pci.md "MSI").
 *
 * Path of one MSI: the function writes the data (the host EventID) to the address it was given,
 * an IPA of its VM; the SMMU translates it with the VM's stage 2 (docs/pci.md: the STE shares
 * the VM's tables), where the page at doorbell_ipa maps the host ITS's translation frame, so
 * the write lands on GITS_TRANSLATER with the function's requester ID on the bus; the ITS
 * turns (DeviceID = msi-map(RID), EventID) into the host LPI mapped here (IHI 0069H 5.2), which
 * the hypervisor takes (core/irq.c) and hands to the device model's callback. A function can
 * only raise its own DeviceID's events: the DeviceID comes from the bus, not from the data, and
 * only its own messages' EventIDs of it are mapped.
 *
 * On a GICv2 host (no ITS) the host's GICv2m frame takes the ITS's place (drivers/gicv2m.c):
 * message v is a write of host SPI spi + v to the frame's MSI_SETSPI_NS, whose page stage 2
 * maps at doorbell_ipa; the SPI's handler is the same callback. A write to that frame carries no
 * requester ID: any SPI of the frame can be raised by whoever reaches its page, the VM's CPUs
 * included. So one VM owns the frame (the first whose function is routed, across its resets
 * and stops; given back only if that VM is refused at creation), every SPI of the frame is the hypervisor's from boot (no VM can be given one as a
 * passthrough interrupt), and an SPI raised that belongs to no message of the owner's functions
 * is disabled and never taken: a VM can raise only its own messages (docs/security.md). */
#include "core/pci_msi.h"
#include "core/pci_assign.h"
#include "core/irq.h"
#include "core/stage2.h"
#include "core/vm.h"
#include "drivers/gicv3_its.h"
#include "drivers/gicv2m.h"
#include "drivers/gic.h"
#include "drivers/gicv4.h"
#include "core/vcpu.h"
#include "drivers/pci_host.h"
#include "drivers/pci_regs.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/mmu.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PAGE_BYTES    4096u
#define CPU_DEVICE_ID 0u /* the DeviceID of a CPU's store to GITS_TRANSLATER on QEMU */
/* One function's route, indexed like the host bridge's functions (one owner each): message v
 * is host EventID v of its DeviceID, raising host LPI intid[v]; or, through the host GICv2m
 * frame (spi != 0), host SPI intid[v] = spi + v. */
struct route {
    struct vm *vm; /* NULL: free */
    uint32_t devid;
    uint32_t spi; /* GICv2m: the first of its host SPIs; 0: the ITS */
    unsigned nvec, event_bits;
    uint32_t intid[PCI_MSI_MAX_VECS];
    uint8_t cpu[PCI_MSI_MAX_VECS]; /* the physical CPU each interrupt is taken on (collection, target) */
    /* GICv4: the message is a vLPI (to[vec]) and its host LPI only its doorbell. */
    bool direct[PCI_MSI_MAX_VECS];
    struct pci_msi_vlpi to[PCI_MSI_MAX_VECS];
    pci_msi_fn deliver;
    void *arg;
};

static struct route routes[PCI_HOST_MAX_FNS];
/* The VM whose route of that function failed: its line is printed once, not at every reset. */
static const struct vm *refused[PCI_HOST_MAX_FNS];
static bool msix_mapped[PCI_HOST_MAX_FNS];
static uint64_t doorbell_at[CONFIG_MAX_VMS]; /* where each VM's doorbell page is mapped, 0: not */
static spinlock_t lock = SPINLOCK_INIT;
static const struct vm *v2m_owner; /* the one VM whose functions the host GICv2m frame carries */

/* The host LPI of a function: its VM's model is called only while the VM runs or is paused,
 * under vm->lock, which a reset takes to leave VM_RUNNING (vmm_request_reset) and which stop,
 * pause and resume take: the model's state is not being rebuilt meanwhile. An LPI taken while
 * the VM is reset or stopped is dropped (its functions' bus mastering is off then). */
static bool msi_irq(uint32_t intid, void *arg)
{
    struct route *r = arg;
    struct vm *vm = r->vm;
    unsigned vec = 0;
    while (vec < r->nvec && r->intid[vec] != intid)
        vec++;
    if (!vm || vec == r->nvec)
        return false;
    /* A doorbell: the vLPI became pending while its vPE was not resident (IHI 0069H 5.4.1):
     * wake its vCPU, which finds it in its pending table (vcpu_has_work) and, loaded, gets it
     * from the GIC. */
    if (__atomic_load_n(&r->direct[vec], __ATOMIC_ACQUIRE)) {
        unsigned to = r->to[vec].vcpu;
        if (to < vm->cfg.nr_vcpus)
            vcpu_kick(&vm->vcpu[to]);
        return false;
    }
    int want = -1;
    spin_lock(&vm->lock);
    enum vm_state st = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
    if ((st == VM_RUNNING || st == VM_PAUSED) && r->deliver)
        want = r->deliver(r->arg, vec);
    spin_unlock(&vm->lock);
    /* The guest's LPI went to a vCPU on another CPU: take the next one there, so it is injected
     * where its vCPU runs instead of through a kick (a MOVI only when the guest's target moved). */
    if (want >= 0 && want < MAX_CPUS && want != r->cpu[vec]) {
        spin_lock(&lock);
        if (r->vm == vm && vec < r->nvec && want != r->cpu[vec]) {
            if (r->spi) /* GICD_ITARGETSR: the next edge goes there */
                gic_irq_route(r->intid[vec], (unsigned)want);
            if (r->spi || gicv3_its_move_event(r->devid, vec, (unsigned)want) == 0)
                r->cpu[vec] = (uint8_t)want;
        }
        spin_unlock(&lock);
    }
    return false; /* LPIs have no active state, an SPI is deactivated: nothing to hand on */
}

static int fn_slot(const struct pci_fn *f)
{
    for (unsigned i = 0; i < pci_host_nr_fns() && i < PCI_HOST_MAX_FNS; i++)
        if (pci_host_fn(i) == f)
            return (int)i;
    return -1;
}

static int __attribute__((format(printf, 3, 4)))
no_msi(const struct vm *vm, const struct pci_fn *f, const char *why, ...)
{
    char line[120];
    va_list ap;
    va_start(ap, why);
    ev_vsnprintf(line, sizeof(line), why, ap);
    va_end(ap);
    printk("elvisor: VM '%s': %02x:%02x.%x has no MSI: %s\n", vm->cfg.name, PCI_BDF_BUS(f->bdf), PCI_BDF_DEV(f->bdf),
           PCI_BDF_FN(f->bdf), line);
    return -1;
}

/* The physical address functions write their messages to: GITS_TRANSLATER, or the GICv2m
 * frame's MSI_SETSPI_NS on a host without an ITS. */
static uint64_t host_doorbell(void) { return gicv3_its_ready() ? gicv3_its_doorbell() : gicv2m_doorbell(); }

/* An SPI of the host GICv2m frame that no message owns: kept the hypervisor's (so that no VM is
 * given it as a passthrough interrupt), disabled, and dropped should it come. */
static bool v2m_unowned(uint32_t intid, void *arg) { return false; }

/* The doorbell page in vm's stage 2 (once per VM). */
static int map_doorbell(struct vm *vm, uint64_t ipa)
{
    uint64_t *at = &doorbell_at[vm - vms];
    if (*at)
        return *at == ipa ? 0 : -1;
    if (stage2_map_device(vm, ipa, host_doorbell() & ~(uint64_t)(PAGE_BYTES - 1), PAGE_BYTES) < 0)
        return -1;
    *at = ipa;
    return 0;
}

/* Gives back what setup took: events discarded, LPIs freed, the DeviceID unmapped; or the SPIs
 * disabled and back in the frame's pool. */
static void teardown(struct route *r)
{
    if (r->spi) {
        for (unsigned v = 0; v < r->nvec; v++) {
            gic_irq_disable(r->intid[v]);
            irq_set_handler(r->intid[v], v2m_unowned, 0);
        }
        gicv2m_free_spis(r->spi, r->nvec);
        memset(r, 0, sizeof(*r));
        return;
    }
    for (unsigned v = 0; v < r->nvec; v++) {
        if (!r->intid[v])
            continue;
        gicv3_its_unmap_event(r->devid, v);
        irq_set_handler(r->intid[v], 0, 0);
        gicv3_its_free_lpi(r->intid[v]);
    }
    gicv3_its_map_device(r->devid, r->event_bits, false);
    memset(r, 0, sizeof(*r));
}

/* The host events of a function given to vm: MAPD, then per message a fresh LPI with our
 * handler, MAPTI to the CPU of the VM's first vCPU. Called with the lock held. */
static int setup(struct vm *vm, const struct pci_fn *f, unsigned nvec, struct route *r)
{
    uint32_t devid;
    unsigned bits = 1; /* the ITT holds 2^bits events: 2 at least */
    while ((1u << bits) < nvec)
        bits++;
    if (!pci_assign_msi_devid(f->bdf, &devid))
        return no_msi(vm, f, "the host bridge's msi-map gives it no ITS DeviceID");
    /* A CPU's store to GITS_TRANSLATER carries an IMPLEMENTATION DEFINED DeviceID (IHI 0069H
     * 5.2), 0 on QEMU (seen: with DeviceID 0 mapped, a vCPU's store to the doorbell page raised
     * its event). Every VM with MSIs can store there, so DeviceID 0 is never routed. */
    if (devid == CPU_DEVICE_ID)
        return no_msi(vm, f, "its DeviceID 0x%x is the one CPU stores to the doorbell carry", devid);
    for (unsigned i = 0; i < PCI_HOST_MAX_FNS; i++)
        if (routes[i].vm && routes[i].devid == devid)
            return no_msi(vm, f, "its DeviceID 0x%x is another function's", devid);
    if (gicv3_its_map_device(devid, bits, true) < 0)
        return no_msi(vm, f, "the host ITS cannot map DeviceID 0x%x", devid);
    r->vm = vm;
    r->devid = devid;
    r->event_bits = bits;
    for (r->nvec = 0; r->nvec < nvec; r->nvec++) {
        uint32_t lpi = gicv3_its_alloc_lpi();
        r->intid[r->nvec] = lpi;
        r->cpu[r->nvec] = (uint8_t)vm->vcpu[0].pcpu;
        if (!lpi || irq_set_handler(lpi, msi_irq, r) < 0 ||
            gicv3_its_map_event(devid, r->nvec, lpi, vm->vcpu[0].pcpu) < 0) {
            r->nvec++;
            teardown(r);
            return no_msi(vm, f, "no host LPI left for its %u messages", nvec);
        }
    }
    return 0;
}

/* The host SPIs of a function given to vm, through the host GICv2m frame: a free block of
 * nvec, each edge-triggered, with our handler, to the CPU of the VM's first vCPU, enabled.
 * Called with the lock held. */
static int setup_v2m(struct vm *vm, const struct pci_fn *f, unsigned nvec, struct route *r)
{
    if (v2m_owner && v2m_owner != vm)
        return no_msi(vm, f, "the host GICv2m frame carries VM '%s''s MSIs (one VM per frame)", v2m_owner->cfg.name);
    uint32_t first = gicv2m_alloc_spis(nvec);
    if (!first)
        return no_msi(vm, f, "no %u free SPIs left in the host GICv2m frame", nvec);
    v2m_owner = vm;
    r->vm = vm;
    r->spi = first;
    r->nvec = nvec;
    for (unsigned v = 0; v < nvec; v++) {
        uint32_t spi = first + v;
        r->intid[v] = spi;
        r->cpu[v] = (uint8_t)vm->vcpu[0].pcpu;
        irq_set_handler(spi, msi_irq, r);
        /* MSI_SETSPI_NS makes the SPI pending as an edge (SBSA GICv2m); what a stray write of
         * the VM's left pending before now is not its function's message. */
        gic_irq_set_edge(spi, true);
        gic_irq_set_priority(spi, GIC_PRIO_HYP);
        gic_irq_route(spi, r->cpu[v]);
        gic_irq_set_pending(spi, false);
        gic_irq_enable(spi);
    }
    return 0;
}

int pci_msi_route(struct vm *vm, const struct pci_fn *f, uint64_t doorbell_ipa, unsigned nvec, pci_msi_fn deliver,
                  void *arg, struct pci_msi_msg *msg)
{
    int k = fn_slot(f);
    if (k < 0 || pci_assign_fn(vm, f->bdf) != f)
        return no_msi(vm, f, "not given to this VM");
    struct route *r = &routes[k];
    spin_lock(&lock);
    int err = 0;
    if (refused[k] == vm)
        err = -1; /* said at its first attach */
    else if (!gicv3_its_ready() && !gicv2m_ready())
        err = no_msi(vm, f, "the host has no usable ITS and no GICv2m frame");
    else if (!nvec || nvec > PCI_MSI_MAX_VECS)
        err = no_msi(vm, f, "%u messages asked", nvec);
    else if (r->vm != vm && r->vm)
        err = no_msi(vm, f, "its host events belong to another VM");
    else if (r->vm != vm)
        err = gicv3_its_ready() ? setup(vm, f, nvec, r) : setup_v2m(vm, f, nvec, r);
    else if (r->nvec < nvec)
        err = no_msi(vm, f, "%u messages asked, %u set up", nvec, r->nvec);
    if (!err && map_doorbell(vm, doorbell_ipa) < 0)
        err = no_msi(vm, f, "its doorbell page at 0x%lx cannot be mapped", (unsigned long)doorbell_ipa);
    if (!err) {
        r->deliver = deliver;
        r->arg = arg;
        msg->addr = doorbell_ipa + (host_doorbell() & (PAGE_BYTES - 1));
        msg->data = r->spi; /* message v is host EventID v, or host SPI spi + v */
    } else {
        refused[k] = vm;
    }
    spin_unlock(&lock);
    return err;
}

void pci_msi_release(struct vm *vm)
{
    spin_lock(&lock);
    for (unsigned i = 0; i < PCI_HOST_MAX_FNS; i++) {
        if (routes[i].vm == vm)
            teardown(&routes[i]);
        if (refused[i] == vm)
            refused[i] = 0;
    }
    if (doorbell_at[vm - vms])
        stage2_unmap(vm, doorbell_at[vm - vms], PAGE_BYTES);
    doorbell_at[vm - vms] = 0;
    if (v2m_owner == vm) /* its routes are gone: the frame is free for another VM */
        v2m_owner = 0;
    spin_unlock(&lock);
}

int pci_msi_direct(struct vm *vm, const struct pci_fn *f, unsigned vec, const struct pci_msi_vlpi *to)
{
    int k = fn_slot(f);
    if (k < 0)
        return -1;
    struct route *r = &routes[k];
    spin_lock(&lock);
    int rc = 0;
    if (r->vm != vm || r->spi || vec >= r->nvec || (to && to->vcpu >= vm->cfg.nr_vcpus)) {
        rc = -1;
    } else if (!to) {
        if (r->direct[vec]) {
            __atomic_store_n(&r->direct[vec], false, __ATOMIC_RELEASE);
            rc = gicv4_vlpi_unmap(r->devid, vec, r->intid[vec], r->cpu[vec]);
        }
    } else if (!r->direct[vec] || r->to[vec].vintid != to->vintid) {
        r->to[vec] = *to;
        rc = gicv4_vlpi_map(r->devid, vec, to->vpeid, to->vintid, r->intid[vec]);
        __atomic_store_n(&r->direct[vec], rc == 0, __ATOMIC_RELEASE);
        if (rc < 0) /* the event is unmapped now: back to its host LPI */
            gicv4_vlpi_unmap(r->devid, vec, r->intid[vec], r->cpu[vec]);
    } else {
        if (r->to[vec].vpeid != to->vpeid)
            rc = gicv4_vlpi_move(r->devid, vec, to->vpeid, r->intid[vec]);
        if (!rc && r->to[vec].cfg != to->cfg)
            rc = gicv4_vlpi_inv(r->devid, vec, to->vpeid);
        if (!rc)
            r->to[vec] = *to;
    }
    spin_unlock(&lock);
    return rc;
}

bool pci_msi_direct_of(struct vm *vm, const struct pci_fn *f, unsigned vec, struct pci_msi_vlpi *out)
{
    int k = fn_slot(f);
    if (k < 0)
        return false;
    spin_lock(&lock);
    struct route *r = &routes[k];
    bool on = r->vm == vm && vec < r->nvec && r->direct[vec];
    if (on)
        *out = r->to[vec];
    spin_unlock(&lock);
    return on;
}

/* Pages [pa, pa + len) of a BAR at EL2, if the EL2 tables reach them. */
static bool map_el2(uint64_t pa, uint64_t len)
{
    if (!pa || !len || (pa + len) >> mmu_va_bits())
        return false;
    mmu_map(pa, len, MMU_DEVICE);
    return true;
}

void pci_msi_boot(void)
{
    uint32_t first, count;
    gicv2m_range(&first, &count); /* 0 SPIs without a host frame */
    for (uint32_t spi = first; spi < first + count; spi++)
        irq_set_handler(spi, v2m_unowned, 0);
    for (unsigned i = 0; i < pci_host_nr_fns() && i < PCI_HOST_MAX_FNS; i++) {
        const struct pci_fn *f = pci_host_fn(i);
        unsigned cap = pci_find_cap(f->bdf, PCI_CAP_ID_MSIX);
        if (!cap || f->header_type != PCI_HEADER_TYPE_NORMAL)
            continue;
        unsigned n = (pci_cfg_read(f->bdf, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
        uint32_t t = pci_cfg_read(f->bdf, cap + PCI_MSIX_TABLE, 4), p = pci_cfg_read(f->bdf, cap + PCI_MSIX_PBA, 4);
        unsigned tb = t & PCI_MSIX_BIR_MASK, pb = p & PCI_MSIX_BIR_MASK;
        if (tb >= PCI_NR_BARS || pb >= PCI_NR_BARS)
            continue;
        const struct pci_bar *tbar = &f->bar[tb], *pbar = &f->bar[pb];
        uint64_t toff = t & PCI_MSIX_OFFSET_MASK, poff = p & PCI_MSIX_OFFSET_MASK;
        uint64_t tlen = (uint64_t)n * PCI_MSIX_ENTRY_SIZE, plen = (n + 63) / 64 * 8;
        if (toff + tlen > tbar->size || poff + plen > pbar->size)
            continue;
        if (tb == pb) { /* one span: the device model traps it whole (vdev/vpci_msix.c) */
            uint64_t lo = toff < poff ? toff : poff, hi = toff + tlen > poff + plen ? toff + tlen : poff + plen;
            msix_mapped[i] = map_el2(tbar->pa + lo, hi - lo);
        } else {
            msix_mapped[i] = map_el2(tbar->pa + toff, tlen) && map_el2(pbar->pa + poff, plen);
        }
    }
}

bool pci_msi_msix_mapped(const struct pci_fn *f)
{
    int k = fn_slot(f);
    return k >= 0 && msix_mapped[k];
}
