/* The ivshmem function's configuration space and BARs, behind its own virtual host bridge
 * (vdev/ivshmem.h, docs/shmem.md). The ECAM window shows one function, 00:00.0, a type 0 header
 * (PCI Local Bus 3.0 6.1): vendor 0x1af4 device 0x1110, class RAM memory controller, no
 * capabilities, INTA. The command register keeps memory decoding and INTx disable; the status
 * register shows Interrupt Status (PCI 2.3: set while the function asserts INTx, whatever INTx
 * disable says). The two 32-bit BARs are placed by the guest in its bar-window: BAR0's
 * registers are emulated (the whole window is an MMIO window, and BAR0 is never mapped); BAR2 is
 * mapped in stage 2 onto the region while memory decoding is on and it lies inside the window,
 * read-only for a read-only peer (a write there is a Permission fault: an external abort in
 * that guest, core/mmio.c). */
#include "vdev/ivshmem.h"
#include "vdev/ivshmem_regs.h"
#include "vdev/shmem_region.h"
#include "vdev/pci_dt.h"
#include "core/stage2.h"
#include "core/vm.h"
#include "core/vm_dtb.h"
#include "drivers/pci_regs.h"
#include "lib/fdt_write.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"

#define IVSHMEM_REVISION 1
#define IVSHMEM_INTA     1 /* the interrupt pin register: INTA */

static bool in_window(const struct ivshmem *s, uint64_t a, uint64_t size)
{
    const struct vm_device *d = s->d;
    return a >= d->win_ipa && size <= d->win_size && a - d->win_ipa <= d->win_size - size;
}

/* Lock held: the region is mapped where BAR2 says, while memory decoding is on. */
static void sync_bar2(struct ivshmem *s)
{
    uint64_t size = s->d->shmem_size;
    bool want = (s->cmd & PCI_COMMAND_MEMORY) && in_window(s, s->bar2, size);
    if (s->shm_mapped && (!want || s->shm_ipa != s->bar2)) {
        stage2_unmap(s->vm, s->shm_ipa, size);
        s->shm_mapped = false;
    }
    if (want && !s->shm_mapped) {
        if (stage2_map_shared(s->vm, s->bar2, s->region->pa, size, s->d->read_only) < 0) {
            vm_log(s->vm, "shared memory '%s': BAR2 at 0x%x overlaps a mapping: not mapped", s->d->shmem, s->bar2);
            return;
        }
        s->shm_ipa = s->bar2;
        s->shm_mapped = true;
    }
}

static uint32_t cfg_read32(const struct ivshmem *s, unsigned reg)
{
    switch (reg) {
    case PCI_VENDOR_ID:
        return (uint32_t)IVSHMEM_DEVICE_ID << 16 | IVSHMEM_VENDOR_ID;
    case PCI_COMMAND: {
        uint32_t status = s->int_status ? PCI_STATUS_INTERRUPT : 0;
        return status << 16 | s->cmd;
    }
    case PCI_CLASS_REVISION:
        return (uint32_t)PCI_CLASS_MEMORY_RAM << 16 | IVSHMEM_REVISION;
    case PCI_BAR0 + 4 * IVSHMEM_REGS_BAR:
        return s->bar0; /* 32-bit memory, not prefetchable: the flag bits are 0 */
    case PCI_BAR0 + 4 * IVSHMEM_SHMEM_BAR:
        return s->bar2;
    case PCI_SUBSYSTEM:
        return (uint32_t)IVSHMEM_SUBSYS_ID << 16 | IVSHMEM_VENDOR_ID;
    case PCI_INTERRUPT_LINE:
        return (uint32_t)IVSHMEM_INTA << 8 | s->int_line;
    default:
        return 0; /* header type 0, no capabilities, no ROM, unimplemented BARs */
    }
}

/* Lock held. A write of size bytes at reg, merged into its dword. */
static void cfg_write(struct ivshmem *s, unsigned reg, unsigned size, uint32_t val)
{
    unsigned dw = reg & ~3u, shift = (reg & 3) * 8;
    uint32_t mask = size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1) << shift;
    uint32_t v = (cfg_read32(s, dw) & ~mask) | ((val << shift) & mask);
    switch (dw) {
    case PCI_COMMAND:
        if (mask & 0xffff) {
            s->cmd = (uint16_t)v & (PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
            sync_bar2(s);
            ivshmem_update_line(s);
        }
        break; /* the status register has no bit a write changes */
    case PCI_BAR0 + 4 * IVSHMEM_REGS_BAR:
        s->bar0 = v & ~(uint32_t)(IVSHMEM_REGS_SIZE - 1);
        break;
    case PCI_BAR0 + 4 * IVSHMEM_SHMEM_BAR:
        s->bar2 = v & ~(uint32_t)(s->d->shmem_size - 1);
        sync_bar2(s);
        break;
    case PCI_INTERRUPT_LINE:
        if (mask & 0xff)
            s->int_line = (uint8_t)v;
        break;
    default:
        break; /* read-only */
    }
}

/* ECAM (PCIe Base 7.2.2): only bus 0, device 0, function 0 exists; the rest reads all-ones. */
static int ecam_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct ivshmem *s = dev;
    if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
        return -1;
    if (off >= PCI_CFG_SIZE) {
        *val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
        return 0;
    }
    spin_lock(&s->lock);
    uint32_t dw = cfg_read32(s, (unsigned)(off & 0xffc)) >> (off & 3) * 8;
    spin_unlock(&s->lock);
    *val = size == 4 ? dw : dw & ((1u << (8 * size)) - 1);
    return 0;
}

static int ecam_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct ivshmem *s = dev;
    if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
        return -1;
    if (off >= PCI_CFG_SIZE)
        return 0;
    spin_lock(&s->lock);
    cfg_write(s, (unsigned)off, size, (uint32_t)val);
    spin_unlock(&s->lock);
    return 0;
}

static const struct mmio_ops ecam_ops = { .read = ecam_read, .write = ecam_write };

/* The bar-window: the registers where BAR0 decodes; anything else in it that traps (no BAR
 * there, or BAR2 while it is unmapped) is an external abort. */
static bool regs_at(struct ivshmem *s, uint64_t off, uint64_t *reg)
{
    uint64_t ipa = s->d->win_ipa + off;
    spin_lock(&s->lock);
    bool on = (s->cmd & PCI_COMMAND_MEMORY) && ipa >= s->bar0 && ipa - s->bar0 < IVSHMEM_REGS_SIZE;
    *reg = ipa - s->bar0;
    spin_unlock(&s->lock);
    return on;
}

static int win_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    uint64_t reg;
    return regs_at(dev, off, &reg) ? ivshmem_reg_read(dev, reg, size, val) : -1;
}

static int win_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    uint64_t reg;
    return regs_at(dev, off, &reg) ? ivshmem_reg_write(dev, reg, size, val) : -1;
}

static const struct mmio_ops win_ops = { .read = win_read, .write = win_write, .stage2_inside = true };

static int ivshmem_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct ivshmem *s = state;
    if (!s->region) { /* the VM's creation; vm and d stay the same across its resets, while
                       * other peers may read them */
        s->vm = vm;
        s->d = d;
        s->region = shmem_region_get(vm->cfg.name, d->shmem, d->shmem_size, d->shmem_peers);
        if (!s->region)
            return -1;
    }
    spin_lock(&s->lock);
    if (s->shm_mapped) /* a reset: the new guest places its BARs again */
        stage2_unmap(vm, s->shm_ipa, d->shmem_size);
    s->cmd = 0;
    s->int_line = 0;
    s->line = false;
    s->quiesced = false;
    s->shm_mapped = false;
    s->bar0 = s->bar2 = 0;
    s->int_status = 0;
    spin_unlock(&s->lock);
    ivshmem_set_state(s, 0); /* already 0 after a quiesce */
    shmem_region_join(s->region, d->shmem_peer, s);
    if (vm_add_mmio(vm, d->ipa, d->size, &ecam_ops, s) < 0 ||
        vm_add_mmio(vm, d->win_ipa, d->win_size, &win_ops, s) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated MMIO windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

/* A reset or a stop begins: the guest's state reads 0 to the peers, who get an interrupt if it
 * was not 0 already; the region is not cleared (the peers still map it). */
static void ivshmem_quiesce(void *state)
{
    struct ivshmem *s = state;
    spin_lock(&s->lock);
    s->quiesced = true;
    spin_unlock(&s->lock);
    ivshmem_set_state(s, 0);
}

/* The VM was refused: no peer rings it any more. */
static void ivshmem_release(void *state)
{
    struct ivshmem *s = state;
    if (s->region)
        shmem_region_leave(s->region, s->d->shmem_peer, s);
}

/* A host bridge like vdev/vpci.c's, with the function described under it, so that a guest that
 * does not enumerate PCI finds the region's name and its peer number in its device tree. */
static void ivshmem_dt_node(const struct vm_device *d, void *state, struct vdev_dt *dt)
{
    struct fdt_writer *w = dt->w;
    pci_dt_bridge_begin(w, d);
    /* INTA of 00:00.0 to the SPI, in the GIC binding (address cells 2, SPI, level high). */
    uint32_t map[10] = {
        PCI_DT_PHYS_HI(PCI_BDF(0, 0, 0)), 0, 0, IVSHMEM_INTA, dt->intc_phandle, 0, 0, 0, d->intid - 32, 4
    };
    fdtw_prop_cells(w, "interrupt-map", map, 10);
    fdtw_prop_empty(w, "dma-coherent");
    fdtw_begin_node(w, "shmem@0,0");
    fdtw_prop_string(w, "compatible", "pci1af4,1110");
    uint32_t reg[5] = { PCI_DT_PHYS_HI(PCI_BDF(0, 0, 0)), 0, 0, 0, 0 };
    fdtw_prop_cells(w, "reg", reg, 5);
    fdtw_prop_string(w, "elvisor,shmem", d->shmem);
    fdtw_prop_u32(w, "elvisor,peer", d->shmem_peer);
    fdtw_prop_u32(w, "elvisor,peers", d->shmem_peers);
    fdtw_prop_cells(w, "elvisor,shmem-size", (uint32_t[2]){ (uint32_t)(d->shmem_size >> 32), (uint32_t)d->shmem_size },
                    2);
    if (d->read_only)
        fdtw_prop_empty(w, "read-only");
    fdtw_end_node(w);
    fdtw_end_node(w);
}

const struct vdev_ops ivshmem_ops = {
    .attach = ivshmem_attach,
    .dt_node = ivshmem_dt_node,
    .quiesce = ivshmem_quiesce,
    .release = ivshmem_release,
};
