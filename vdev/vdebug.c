#include "vdev/vdebug.h"
#include "core/vm.h"
#include "core/vm_dtb.h"
#include "lib/fdt_write.h"
#include "lib/printf.h"
#include "core/console.h"
#include "core/vcpu.h"
#include "lib/string.h"

#define DEBUG_SCRATCH_REGS 8
#define DEBUG_ID           0x100 /* "ELVDEBUG" as a little-endian 64-bit value */
#define DEBUG_VCPU         0x108 /* index of the vCPU making the access */
#define DEBUG_VLINE        0x110 /* write: the vCPU's virtual IRQ/FIQ/SError lines */
#define DEBUG_ID_VALUE     0x4755424544564c45UL

struct vdebug {
    uint64_t scratch[DEBUG_SCRATCH_REGS];
};

VDEV_STATE_FITS(struct vdebug);

/* An access must stay inside one 64-bit register. */
static bool in_one_reg(uint64_t off, unsigned size) { return (off & 7) + size <= 8; }

static int vdebug_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct vdebug *d = dev;
    uint64_t reg;
    if (!in_one_reg(off, size))
        return -1;
    if (off < 8 * DEBUG_SCRATCH_REGS)
        reg = __atomic_load_n(&d->scratch[off / 8], __ATOMIC_RELAXED);
    else if ((off & ~7UL) == DEBUG_ID)
        reg = DEBUG_ID_VALUE;
    else if ((off & ~7UL) == DEBUG_VCPU)
        reg = v->id;
    else
        reg = 0;
    reg >>= (off & 7) * 8;
    *val = size == 8 ? reg : reg & ((1UL << (size * 8)) - 1);
    return 0;
}

static int vdebug_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vdebug *d = dev;
    if (!in_one_reg(off, size))
        return -1;
    if ((off & ~7UL) == DEBUG_VLINE) {
        /* Bit 0 / bit 1: level of the vCPU's virtual IRQ / FIQ line; bit 2: one virtual
         * SError (HCR_EL2.VI, VF, VSE through vcpu_set_vline, docs/interrupts.md). */
        vcpu_set_vline(v, VLINE_IRQ, val & 1);
        vcpu_set_vline(v, VLINE_FIQ, val & 2);
        if (val & 4)
            vcpu_set_vline(v, VLINE_SERROR, true);
        return 0;
    }
    if (off >= 8 * DEBUG_SCRATCH_REGS)
        return 0; /* identification is read-only: writes are ignored */
    unsigned shift = (off & 7) * 8;
    uint64_t mask = (size == 8 ? ~0UL : (1UL << (size * 8)) - 1) << shift;
    uint64_t *r = &d->scratch[off / 8];
    uint64_t old = __atomic_load_n(r, __ATOMIC_RELAXED);
    __atomic_store_n(r, (old & ~mask) | ((val << shift) & mask), __ATOMIC_RELAXED);
    return 0;
}

static const struct mmio_ops vdebug_mmio = { .read = vdebug_read, .write = vdebug_write };

static int vdebug_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct vdebug *dev = state;
    memset(dev, 0, sizeof(*dev));
    if (vm_add_mmio(vm, d->ipa, d->size, &vdebug_mmio, dev) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

static void vdebug_dt_node(const struct vm_device *d, void *state, struct vdev_dt *dt)
{
    char name[40];
    ev_snprintf(name, sizeof(name), "debug@%lx", (unsigned long)d->ipa);
    fdtw_begin_node(dt->w, name);
    fdtw_prop_string(dt->w, "compatible", "elvisor,debug-regs");
    fdtw_prop_reg(dt->w, d->ipa, d->size);
    fdtw_end_node(dt->w);
}

const struct vdev_ops vdebug_ops = { .attach = vdebug_attach, .dt_node = vdebug_dt_node };
