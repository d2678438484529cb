/* Register map: Arm PrimeCell UART (PL011) TRM, DDI 0183, 3.2 "Summary of registers". */
#include "vdev/vpl011.h"
#include "drivers/pl011_regs.h"
#include "core/vm.h"
#include "core/vm_dtb.h"
#include "lib/fdt_write.h"
#include "lib/printf.h"
#include "core/console.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "core/vcpu.h"
#include "vdev/vgic.h"

#define RX_SIZE 256 /* typed input a busy guest has not read yet: a few command lines */

struct vpl011 {
    struct vm *vm;
    spinlock_t lock;
    uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr, ilpr;
    struct console_out *out; /* output (core/console.h); kept across resets */
    char rx[RX_SIZE];
    unsigned rx_head, rx_tail;
    uint32_t intid; /* SPI of UARTINTR, 0 = none */
    bool level;     /* as last given to the vGIC */
};

VDEV_STATE_FITS(struct vpl011);

/* AMBA peripheral and PrimeCell IDs at 0xfe0..0xffc (PL011 r1p5: 0x00341011, 0xb105f00d). */
static const uint8_t id_regs[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static bool rx_empty(const struct vpl011 *u) { return u->rx_head == u->rx_tail; }

/* UARTINTR, the OR of the masked interrupts (DDI 0183 3.4.10), is a level-sensitive SPI.
 * Called with u->lock held. */
static void update_irq(struct vpl011 *u)
{
    bool level = (u->ris & u->imsc) != 0;
    if (u->intid && level != u->level) {
        u->level = level;
        vgic_set_level(u->vm, 0, u->intid, level); /* lock order: u->lock, then the vGIC's */
    }
}

static int vpl011_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct vpl011 *u = dev;
    if (size > 4 && off < 0xfe0)
        return -1;
    if (off == UARTFR) {
        /* Polled in a loop by every early console: a snapshot needs no lock. */
        bool empty = __atomic_load_n(&u->rx_head, __ATOMIC_RELAXED) == __atomic_load_n(&u->rx_tail, __ATOMIC_RELAXED);
        *val = FR_TXFE | (empty ? FR_RXFE : 0);
        return 0;
    }
    spin_lock(&u->lock);
    switch (off) {
    case UARTDR:
        if (!rx_empty(u)) {
            *val = (uint8_t)u->rx[u->rx_tail % RX_SIZE];
            u->rx_tail++;
        }
        if (rx_empty(u))
            u->ris &= ~(INT_RX | INT_RT);
        break;
    case UARTRSR:
        *val = 0;
        break;
    case UARTILPR:
        *val = u->ilpr;
        break;
    case UARTIBRD:
        *val = u->ibrd;
        break;
    case UARTFBRD:
        *val = u->fbrd;
        break;
    case UARTLCR_H:
        *val = u->lcr_h;
        break;
    case UARTCR:
        *val = u->cr;
        break;
    case UARTIFLS:
        *val = u->ifls;
        break;
    case UARTIMSC:
        *val = u->imsc;
        break;
    case UARTRIS:
        *val = u->ris;
        break;
    case UARTMIS:
        *val = u->ris & u->imsc;
        break;
    case UARTDMACR:
        *val = u->dmacr;
        break;
    default:
        if (off >= 0xfe0 && off <= 0xffc && (off & 3) == 0)
            *val = id_regs[(off - 0xfe0) / 4];
        else
            *val = 0; /* reserved offsets read as zero */
        break;
    }
    update_irq(u);
    spin_unlock(&u->lock);
    return 0;
}

static int vpl011_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vpl011 *u = dev;
    if (size > 4)
        return -1;
    spin_lock(&u->lock);
    switch (off) {
    case UARTDR:
        if (u->out) {
            char c = (char)(val & 0xff);
            console_out_put(u->out, &c, 1);
        }
        u->ris |= INT_TX; /* the transmit FIFO drains at once */
        break;
    case UARTRSR:
        break; /* error clear */
    case UARTILPR:
        u->ilpr = (uint32_t)val & 0xff;
        break;
    case UARTIBRD:
        u->ibrd = (uint32_t)val & 0xffff;
        break;
    case UARTFBRD:
        u->fbrd = (uint32_t)val & 0x3f;
        break;
    case UARTLCR_H:
        u->lcr_h = (uint32_t)val & 0xff;
        break;
    case UARTCR:
        u->cr = (uint32_t)val & 0xff87;
        break;
    case UARTIFLS:
        u->ifls = (uint32_t)val & 0x3f;
        break;
    case UARTIMSC:
        u->imsc = (uint32_t)val & 0x7ff;
        break;
    case UARTICR:
        u->ris &= ~((uint32_t)val & 0x7ff);
        break;
    case UARTDMACR:
        u->dmacr = (uint32_t)val & 0x7;
        break;
    default:
        break; /* read-only and reserved offsets ignore writes */
    }
    update_irq(u);
    spin_unlock(&u->lock);
    return 0;
}

static const struct mmio_ops vpl011_mmio = { .read = vpl011_read, .write = vpl011_write };

static int vpl011_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct vpl011 *u = state;
    struct console_out *out = u->out; /* the slot is zero at creation, kept across resets */
    memset(u, 0, sizeof(*u));
    if (out)
        console_out_reset(out);
    else if (!(out = console_out_get(vm, vm->cfg.name))) {
        printk("elvisor: VM '%s' refused: pl011@%lx: no console stream left\n", vm->cfg.name, (unsigned long)d->ipa);
        return -1;
    }
    u->out = out;
    u->vm = vm;
    u->cr = 0x300; /* TXE | RXE, as after reset */
    u->ifls = 0x12;
    u->ris = INT_TX;
    u->intid = d->intid;
    if (vm_add_mmio(vm, d->ipa, d->size, &vpl011_mmio, u) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

/* Linux binding serial/pl011.yaml: a PrimeCell with its UART and APB clocks. The first PL011 of
 * the VM is its stdout-path. */
static void vpl011_dt_node(const struct vm_device *d, void *state, struct vdev_dt *dt)
{
    static const char *const compat[] = { "arm,pl011", "arm,primecell" };
    static const char *const clock_names[] = { "uartclk", "apb_pclk" };
    char name[40];
    ev_snprintf(name, sizeof(name), "pl011@%lx", (unsigned long)d->ipa);
    fdtw_begin_node(dt->w, name);
    fdtw_prop_strings(dt->w, "compatible", compat, 2);
    fdtw_prop_reg(dt->w, d->ipa, d->size);
    if (d->intid)
        vm_dtb_spi(dt->w, d->intid);
    uint32_t clocks[2] = { dt->clock_phandle, dt->clock_phandle };
    fdtw_prop_cells(dt->w, "clocks", clocks, 2);
    fdtw_prop_strings(dt->w, "clock-names", clock_names, 2);
    fdtw_end_node(dt->w);
    if (!dt->stdout_path[0])
        ev_snprintf(dt->stdout_path, dt->stdout_cap, "/%s", name);
}

static bool vpl011_ready(void *state) { return true; }

static unsigned vpl011_rx_room(void *state)
{
    struct vpl011 *u = state;
    return RX_SIZE - (__atomic_load_n(&u->rx_head, __ATOMIC_RELAXED) - __atomic_load_n(&u->rx_tail, __ATOMIC_RELAXED));
}

static void vpl011_input(void *state, char c)
{
    struct vpl011 *u = state;
    spin_lock(&u->lock);
    if (u->rx_head - u->rx_tail < RX_SIZE) {
        u->rx[u->rx_head % RX_SIZE] = c;
        u->rx_head++;
        u->ris |= INT_RX;
    }
    update_irq(u);
    spin_unlock(&u->lock);
    /* Also ends a WFI of a guest that polls the UART without its interrupt (WFI may complete
     * at any time, Arm ARM D1.6.2). */
    vcpu_poll_kick(&u->vm->vcpu[0]);
}

/* Console input goes to a VM's PL011 until a device of a higher rank (a virtio console) is ready. */
static const struct vdev_console vpl011_console = {
    .rank = 0,
    .ready = vpl011_ready,
    .room = vpl011_rx_room,
    .input = vpl011_input,
};

/* The VM is refused: its console stream goes back. */
static void vpl011_release(void *state)
{
    struct vpl011 *u = state;
    if (u->out)
        console_out_release(u->out);
    u->out = 0;
}

const struct vdev_ops vpl011_ops = {
    .attach = vpl011_attach,
    .release = vpl011_release,
    .dt_node = vpl011_dt_node,
    .console = &vpl011_console,
};
