/* The virtual ITS's registers (IHI 0069H 12.19) and its place among the VM's devices: an
 * "arm,gic-v3-its" node under devices { } (docs/config.md) gives the VM an ITS whose 128 KiB
 * window (control frame, then the translation frame with GITS_TRANSLATER) traps, and LPIs
 * in its vGIC (vdev/vgic_lpi.c). Commands and tables: vdev/vits_cmd.c. The guest's device
 * tree shows it under the GIC node (vdev/vgic.c). */
#include "vdev/vits.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "core/page_alloc.h"
#include "core/console.h"
#include "core/platform.h"
#include "drivers/gic_its_regs.h"
#include "lib/string.h"

/* GITS_IIDR (12.19.6): ProductID 'E', Implementer Arm (0x43b), as the vGIC's; PIDR2.ArchRev 3. */
#define VITS_IIDR  (0x45u << 24 | 0x43b)
#define VITS_PIDR2 0x3b

#define TABLE_PAGES ((sizeof(struct vits_tables) + PA_PAGE_SIZE - 1) / PA_PAGE_SIZE)

/* GITS_TYPER (12.19.15): physical LPIs, 8-byte ITT entries, VITS_ID_BITS EventID bits,
 * VITS_DEVBITS DeviceID bits, 16-bit ICIDs (CIL = 0), no SEI, RDbase = processor number
 * (PTA = 0), no hardware collections (HCC = 0: the guest provides the collection table). */
static const uint64_t its_typer = GITS_TYPER_PHYSICAL | (uint64_t)(VITS_ITT_ENTRY - 1) << GITS_TYPER_ITT_SIZE_SHIFT |
                                  (uint64_t)(VITS_ID_BITS - 1) << GITS_TYPER_IDBITS_SHIFT |
                                  (uint64_t)(VITS_DEVBITS - 1) << GITS_TYPER_DEVBITS_SHIFT;

/* A 64-bit register read or written whole or by 32-bit half: the value after the write. */
static uint64_t merge(uint64_t old, uint64_t off, unsigned size, uint64_t val)
{
    if (size == 8)
        return val;
    unsigned shift = (off & 4) ? 32 : 0;
    return (old & ~(0xffffffffUL << shift)) | (val & 0xffffffffUL) << shift;
}

static uint64_t half(uint64_t reg, uint64_t off, unsigned size)
{
    return size == 8 ? reg : (uint32_t)(reg >> ((off & 4) ? 32 : 0));
}

static struct watcher {
    void (*fn)(void *);
    void *arg;
} watchers[CONFIG_MAX_VMS][VITS_WATCHERS];

/* After the ITS's lock is dropped: tell the watchers if commands ran (translations may have
 * changed). Called by the trapped accesses that run the queue. */
static void notify(struct vits *its)
{
    const struct watcher *w = watchers[its->vm - vms];
    if (!w[0].fn)
        return; /* nobody watches (a VM without directly injected functions): no lock taken */
    spin_lock(&its->lock);
    bool ran = its->ran;
    its->ran = false;
    spin_unlock(&its->lock);
    if (!ran)
        return;
    for (unsigned i = 0; i < VITS_WATCHERS && w[i].fn; i++)
        w[i].fn(w[i].arg);
}

bool vits_watch(struct vm *vm, void (*fn)(void *arg), void *arg)
{
    struct watcher *w = watchers[vm - vms];
    for (unsigned i = 0; i < VITS_WATCHERS; i++)
        if (!w[i].fn || w[i].arg == arg) {
            w[i] = (struct watcher){ fn, arg };
            return true;
        }
    return false;
}

static int its_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct vits *its = dev;
    *val = 0;
    if ((size != 4 && size != 8) || (off & (size - 1)))
        return 0;
    spin_lock(&its->lock);
    uint64_t reg = off & ~7UL;
    if (off == GITS_CTLR && size == 4)
        *val = (its->enabled ? GITS_CTLR_ENABLED : 0) | GITS_CTLR_QUIESCENT;
    else if (off == GITS_IIDR && size == 4)
        *val = VITS_IIDR;
    else if (off == GITS_PIDR2 && size == 4)
        *val = VITS_PIDR2;
    else if (reg == GITS_TYPER)
        *val = half(its_typer, off, size);
    else if (reg == GITS_CBASER)
        *val = half(its->cbaser, off, size);
    else if (reg == GITS_CWRITER)
        *val = half(its->cwriter, off, size);
    else if (reg == GITS_CREADR) {
        vits_process(its); /* the guest waits for the queue here: it moves on */
        *val = half(its->creadr | (its->stalled ? GITS_CREADR_STALLED : 0), off, size);
    } else if (reg >= GITS_BASER && reg < GITS_BASER + 8 * VITS_NR_BASER)
        *val = half(its->baser[(reg - GITS_BASER) / 8], off, size);
    spin_unlock(&its->lock);
    notify(its);
    return 0;
}

static int its_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vits *its = dev;
    if (off == GITS_TRANSLATER && (size == 4 || size == 2)) {
        spin_lock(&its->lock);
        vits_translate(its, VITS_CPU_DEVICE_ID, (uint32_t)val);
        spin_unlock(&its->lock);
        return 0;
    }
    if ((size != 4 && size != 8) || (off & (size - 1)))
        return 0;
    spin_lock(&its->lock);
    uint64_t reg = off & ~7UL;
    if (off == GITS_CTLR && size == 4) {
        bool was = its->enabled;
        its->enabled = val & GITS_CTLR_ENABLED;
        if (its->enabled && !was)
            vits_process(its);
    } else if (reg == GITS_CBASER) {
        /* Writable only while disabled (12.19.3); a write resets CREADR. */
        if (!its->enabled) {
            its->cbaser = merge(its->cbaser, off, size, val) &
                          (GITS_CBASER_VALID | GITS_CBASER_ATTR_MASK | GITS_CBASER_PA_MASK | GITS_CBASER_SIZE_MASK);
            its->creadr = 0;
            its->stalled = false;
        }
    } else if (reg == GITS_CWRITER) {
        uint64_t w = merge(its->cwriter, off, size, val);
        its->cwriter = w & GITS_CQ_OFFSET_MASK;
        if (w & GITS_CWRITER_RETRY)
            its->stalled = false;
        vits_process(its);
    } else if (reg >= GITS_BASER && reg < GITS_BASER + 8 * VITS_NR_BASER && !its->enabled) {
        unsigned n = (unsigned)(reg - GITS_BASER) / 8;
        vits_set_baser(its, n, merge(its->baser[n], off, size, val));
    }
    spin_unlock(&its->lock);
    notify(its);
    return 0;
}

static const struct mmio_ops its_mmio = { .read = its_read, .write = its_write };

static int its_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct vits *its = state;
    if (platform.gic_version != 3) {
        printk("elvisor: VM '%s' refused: devices: arm,gic-v3-its needs a GICv3 machine\n", vm->cfg.name);
        return -1;
    }
    if (!its->t) {
        its->t = page_alloc(TABLE_PAGES, PA_PAGE_SIZE);
        if (!its->t) {
            printk("elvisor: VM '%s' refused: memory: none left for its ITS tables\n", vm->cfg.name);
            return -1;
        }
    }
    its->vm = vm;
    its->ipa = d->ipa;
    vits_reset(its);
    if (vm_add_mmio(vm, d->ipa, d->size, &its_mmio, its) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    vgic_lpi_attach(vm, d->ipa, d->size);
    return 0;
}

static void its_release(void *state)
{
    struct vits *its = state;
    if (its->t)
        page_free(its->t, TABLE_PAGES);
    its->t = 0;
    if (its->vm)
        memset(watchers[its->vm - vms], 0, sizeof(watchers[0]));
}

int vits_index(const struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        if (vm->cfg.dev[i].kind && vm->cfg.dev[i].kind->ops == &vits_ops)
            return (int)i;
    return -1;
}

enum vits_err vits_msi(struct vm *vm, uint32_t dev, uint32_t ev, unsigned *to)
{
    int i = vits_index(vm);
    *to = VITS_NO_TARGET;
    if (i < 0)
        return VITS_E_UNMAPPED_DEVICE;
    struct vits *its = (struct vits *)(void *)vm->dev_state[i];
    spin_lock(&its->lock);
    enum vits_err e = vits_translate_to(its, dev, ev, to);
    spin_unlock(&its->lock);
    return e;
}

bool vits_msi_target(struct vm *vm, uint32_t dev, uint32_t ev, unsigned *vcpu, uint32_t *lpi)
{
    int i = vits_index(vm);
    if (i < 0)
        return false;
    struct vits *its = (struct vits *)(void *)vm->dev_state[i];
    spin_lock(&its->lock);
    bool ok = vits_lookup(its, dev, ev, vcpu, lpi) == VITS_OK;
    spin_unlock(&its->lock);
    return ok && vgic_lpi_rd_enabled(vm, *vcpu);
}

/* No dt_node: the vGIC writes the ITS node under its own (vgic_lpi_attach). */
const struct vdev_ops vits_ops = {
    .attach = its_attach,
    .release = its_release,
};
