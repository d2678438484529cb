/* A virtual GICv2m MSI frame per configured "arm,gic-v2m-frame" device (vdev/vgicv2m.h). The
 * frame owns SPIs [first, first + count) of the VM's vGIC, given by its configuration
 * (interrupts = <first>; msi-spis = <count>;). A 32-bit write of one of them to MSI_SETSPI_NS
 * makes it pending as an edge, as an MSI write would; any other value, size or offset is
 * ignored (the spec leaves them UNPREDICTABLE), reads of other offsets are zero. The frame sits
 * in the VM's device tree under the GIC node (vdev/vgic.c), with its range also given as
 * arm,msi-base-spi / arm,msi-num-spis. GICv2 machines only: on GICv3 a VM asks for a virtual
 * ITS instead, and one that names a frame is refused. */
#include "vdev/vgicv2m.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "core/platform.h"
#include "core/console.h"

struct vgicv2m {
    struct vm *vm;
    uint32_t first, count;
};

VDEV_STATE_FITS(struct vgicv2m);

static int v2m_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    (void)v;
    struct vgicv2m *f = dev;
    *val = 0;
    if (size != 4)
        return 0;
    if (off == V2M_MSI_TYPER)
        *val = (f->first & V2M_TYPER_BASE_MASK) << V2M_TYPER_BASE_SHIFT | (f->count & V2M_TYPER_NUM_MASK);
    return 0;
}

static int v2m_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    (void)v;
    struct vgicv2m *f = dev;
    if (size == 4 && off == V2M_MSI_SETSPI_NS && val >= f->first && val - f->first < f->count)
        vgic_inject_edge(f->vm, 0, (uint32_t)val);
    return 0;
}

static const struct mmio_ops v2m_mmio = { .read = v2m_read, .write = v2m_write };

/* The range must be SPIs of the VM's vGIC that no other device or passthrough interrupt uses. */
static const char *range_error(const struct vm *vm, const struct vm_device *d, uint32_t first, uint32_t count)
{
    if (!platform_gic_v2())
        return "a GICv2m frame needs a GICv2 machine (on GICv3 use an arm,gic-v3-its)";
    if (first + count > vgic_nr_irqs(vm))
        return "its SPIs go beyond the vGIC's";
    for (unsigned i = 0; i < vm->cfg.nr_passthru_irqs; i++)
        if (vm->cfg.passthru_irq[i] - first < count)
            return "its SPIs include a passthrough interrupt";
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++) {
        const struct vm_device *o = &vm->cfg.dev[i];
        if (o != d && o->intid && o->intid - first < count)
            return "its SPIs include another device's interrupt";
    }
    return 0;
}

static int v2m_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    (void)index;
    struct vgicv2m *f = state;
    const char *why = range_error(vm, d, d->intid, d->msi_spis);
    if (why) {
        printk("elvisor: VM '%s' refused: arm,gic-v2m-frame at 0x%lx: %s\n", vm->cfg.name, (unsigned long)d->ipa, why);
        return -1;
    }
    *f = (struct vgicv2m){ .vm = vm, .first = d->intid, .count = d->msi_spis };
    if (vgic_v2m_attach(vm, d->ipa, d->intid, d->msi_spis) < 0) {
        printk("elvisor: VM '%s' refused: arm,gic-v2m-frame at 0x%lx: more than %u frames\n", vm->cfg.name,
               (unsigned long)d->ipa, VGIC_MAX_V2M_FRAMES);
        return -1;
    }
    if (vm_add_mmio(vm, d->ipa, V2M_FRAME_SIZE, &v2m_mmio, f) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

/* No dt_node: the vGIC writes the frame under its own node (vgic_v2m_attach). */
const struct vdev_ops vgicv2m_ops = {
    .attach = v2m_attach,
};
