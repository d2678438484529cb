/* virtio-mmio register layout version 2 (virtio 1.2, 4.2.2). */
#include <stdarg.h>
#include "vdev/virtio_mmio.h"
#include "vdev/vgic.h"
#include "core/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define REG_MAGIC           0x000 /* "virt" */
#define REG_VERSION         0x004
#define REG_DEVICE_ID       0x008
#define REG_VENDOR_ID       0x00c
#define REG_DEV_FEATURES    0x010
#define REG_DEV_FEAT_SEL    0x014
#define REG_DRV_FEATURES    0x020
#define REG_DRV_FEAT_SEL    0x024
#define REG_QUEUE_SEL       0x030
#define REG_QUEUE_NUM_MAX   0x034
#define REG_QUEUE_NUM       0x038
#define REG_QUEUE_READY     0x044
#define REG_QUEUE_NOTIFY    0x050
#define REG_INT_STATUS      0x060
#define REG_INT_ACK         0x064
#define REG_STATUS          0x070
#define REG_QUEUE_DESC_LO   0x080
#define REG_QUEUE_DESC_HI   0x084
#define REG_QUEUE_DRIVER_LO 0x090
#define REG_QUEUE_DRIVER_HI 0x094
#define REG_QUEUE_DEVICE_LO 0x0a0
#define REG_QUEUE_DEVICE_HI 0x0a4
#define REG_SHM_LEN_LO      0x0b0
#define REG_SHM_LEN_HI      0x0b4
#define REG_SHM_BASE_LO     0x0b8
#define REG_SHM_BASE_HI     0x0bc
#define REG_CONFIG_GEN      0x0fc
#define REG_CONFIG          0x100

#define MAGIC_VALUE      0x74726976u
#define VENDOR_ID        0x53564c45u /* "ELVS" */
#define CONFIG_SPACE_MAX 256

/* InterruptStatus bits (4.2.2): used buffer, configuration change. */
#define INT_USED_BUFFER   1u
#define INT_CONFIG_CHANGE 2u

/* The transport's own features: 2.7.5.3.1 indirect descriptors, 2.7.10 event index. */
#define TRANSPORT_FEATURES (VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX)

/* The interrupt is level-sensitive: asserted while InterruptStatus is nonzero. */
static void update_line(struct virtio_dev *d)
{
    bool level = d->isr != 0;
    if (d->intid && level != d->line) {
        d->line = level;
        vgic_set_level(d->vm, 0, d->intid, level);
    }
}

bool virtio_has_feature(const struct virtio_dev *d, uint64_t bit) { return (d->driver_features & bit) != 0; }

bool virtio_queue_usable(struct virtio_dev *d, unsigned q)
{
    return q < d->be->nr_queues && d->vq[q].enabled &&
           (d->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) == VIRTIO_STATUS_DRIVER_OK &&
           d->vm->state == VM_RUNNING;
}

void virtio_fail(struct virtio_dev *d, const char *fmt, ...)
{
    char why[120];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (d->status & VIRTIO_STATUS_NEEDS_RESET)
        return;
    vm_log(d->vm, "%s@%lx: %s: device needs reset", d->be->name, (unsigned long)d->ipa, why);
    d->status |= VIRTIO_STATUS_NEEDS_RESET;
    for (unsigned q = 0; q < d->be->nr_queues; q++)
        virtq_disable(&d->vq[q]);
    /* 2.1.2: a device entering DEVICE_NEEDS_RESET sends a configuration change notification. */
    d->isr |= INT_CONFIG_CHANGE;
    update_line(d);
}

int virtio_pop(struct virtio_dev *d, unsigned q, struct virtq_chain *c)
{
    if (!virtio_queue_usable(d, q))
        return 0;
    /* Over budget, stop only while chains are left (the guest repeats its notification). On
     * an empty ring virtq_pop must still run: it asks for the next notification
     * (avail_event), without which an event-index driver would never notify again. */
    if (d->notifying && d->budget == 0 && virtq_has_avail(&d->vq[q])) {
        d->budget_hit = true;
        return 0;
    }
    const char *why = "";
    int rc = virtq_pop(&d->vq[q], &d->ram, c, &why);
    if (rc > 0 && d->notifying && d->budget)
        d->budget--;
    if (rc < 0)
        virtio_fail(d, "queue %u: %s", q, why);
    return rc;
}

void virtio_push(struct virtio_dev *d, unsigned q, uint16_t head, uint32_t written)
{
    if (d->vq[q].enabled)
        virtq_push(&d->vq[q], head, written);
}

void virtio_signal(struct virtio_dev *d, unsigned q)
{
    if (d->vq[q].enabled && virtq_should_interrupt(&d->vq[q])) {
        __atomic_add_fetch(&d->vm->virtio_irqs, 1, __ATOMIC_RELAXED);
        d->isr |= INT_USED_BUFFER;
        update_line(d);
    }
}

uint64_t virtio_drain_out(struct virtio_dev *d, unsigned q, uint32_t budget, virtio_sink_fn sink)
{
    struct virtq_chain c;
    uint64_t dropped = 0;
    unsigned chains = 0;
    int rc = 0;
    while (chains++ < VIRTQ_MAX_SIZE && (rc = virtio_pop(d, q, &c)) > 0) {
        for (unsigned i = 0; i < c.nr_out; i++) {
            uint32_t len = c.seg[i].len;
            uint32_t n = len < budget ? len : budget;
            sink(d, (const char *)c.seg[i].p, n);
            budget -= n;
            dropped += len - n;
        }
        virtio_push(d, q, c.head, 0);
    }
    if (rc >= 0)
        virtio_signal(d, q);
    return dropped;
}

/* Device reset (4.2.2.1: writing 0 to Status), also used at VM reset. */
static void device_reset(struct virtio_dev *d)
{
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
        virtq_disable(&d->vq[q]);
        d->vq[q] = (struct virtq){ 0 };
    }
    d->driver_features = 0;
    d->status = d->isr = 0;
    d->dev_feat_sel = d->drv_feat_sel = d->queue_sel = 0;
    update_line(d);
    if (d->be->reset)
        d->be->reset(d);
}

static void write_status(struct virtio_dev *d, uint32_t val)
{
    if (val == 0) {
        device_reset(d);
        return;
    }
    val &= 0xff & ~VIRTIO_STATUS_NEEDS_RESET; /* that bit is the device's to set */
    uint32_t cur = d->status & ~VIRTIO_STATUS_NEEDS_RESET;
    if (cur & ~val)
        return; /* 2.1.1: only a reset clears bits; the driver's write is ignored */
    if ((val & VIRTIO_STATUS_FEATURES_OK) && !(cur & VIRTIO_STATUS_FEATURES_OK)) {
        /* 3.1.1: the device refuses (leaves FEATURES_OK clear) features it did not offer,
         * and this transport requires VERSION_1 (no legacy interface). */
        if ((d->driver_features & ~d->features) || !(d->driver_features & VIRTIO_F_VERSION_1))
            val &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    d->status = (d->status & VIRTIO_STATUS_NEEDS_RESET) | val;
}

static struct virtq *selected_queue(struct virtio_dev *d)
{
    return d->queue_sel < d->be->nr_queues ? &d->vq[d->queue_sel] : 0;
}

/* A queue's setup registers accept writes only while it is not ready (4.2.2.1). */
static struct virtq *configurable_queue(struct virtio_dev *d)
{
    struct virtq *q = selected_queue(d);
    return q && !q->enabled && !(d->status & VIRTIO_STATUS_NEEDS_RESET) ? q : 0;
}

static void set_half(uint64_t *reg, bool high, uint32_t val)
{
    *reg = high ? (*reg & 0xffffffffULL) | (uint64_t)val << 32 : (*reg & ~0xffffffffULL) | val;
}

static void write_queue_ready(struct virtio_dev *d, uint32_t val)
{
    struct virtq *q = selected_queue(d);
    if (!q || (d->status & VIRTIO_STATUS_NEEDS_RESET))
        return;
    if (!(val & 1)) {
        virtq_disable(q);
        return;
    }
    if (q->enabled)
        return;
    if (!(d->status & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_fail(d, "queue %u enabled before FEATURES_OK", d->queue_sel);
        return;
    }
    const char *why = "";
    if (virtq_enable(q, &d->ram, virtio_has_feature(d, VIRTIO_F_RING_EVENT_IDX),
                     virtio_has_feature(d, VIRTIO_F_RING_INDIRECT_DESC), &why) < 0)
        virtio_fail(d, "queue %u: %s", d->queue_sel, why);
}

static uint32_t config_read(struct virtio_dev *d, unsigned off, unsigned size)
{
    uint8_t buf[CONFIG_SPACE_MAX] = { 0 };
    unsigned len = d->be->config ? d->be->config(d, buf, sizeof(buf)) : 0;
    uint32_t val = 0;
    if (off < len && size <= len - off)
        memcpy(&val, buf + off, size);
    return val;
}

static int virtio_read(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    struct virtio_dev *d = dev;
    if (off >= REG_CONFIG) {
        /* 4.2.2.2: byte, half-word and word accesses, naturally aligned (64-bit fields are
         * read as two words). */
        if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
            return -1;
        spin_lock(&d->lock);
        *val = config_read(d, (unsigned)(off - REG_CONFIG), size);
        spin_unlock(&d->lock);
        return 0;
    }
    if (size != 4 || (off & 3))
        return -1; /* 4.2.2.2: the common registers are 32-bit wide, aligned */
    spin_lock(&d->lock);
    struct virtq *q = selected_queue(d);
    uint32_t r = 0;
    switch (off) {
    case REG_MAGIC:
        r = MAGIC_VALUE;
        break;
    case REG_VERSION:
        r = 2;
        break;
    case REG_DEVICE_ID:
        r = d->be->device_id;
        break;
    case REG_VENDOR_ID:
        r = d->be->vendor_id ? d->be->vendor_id : VENDOR_ID;
        break;
    case REG_DEV_FEATURES:
        r = d->dev_feat_sel < 2 ? (uint32_t)(d->features >> (32 * d->dev_feat_sel)) : 0;
        break;
    case REG_QUEUE_NUM_MAX:
        r = q ? VIRTQ_MAX_SIZE : 0;
        break;
    case REG_QUEUE_READY:
        r = q && q->enabled;
        break;
    case REG_INT_STATUS:
        r = d->isr;
        break;
    case REG_STATUS:
        r = d->status;
        break;
    case REG_SHM_LEN_LO:
    case REG_SHM_LEN_HI:
        r = 0xffffffffu;
        break; /* no shared memory regions */
    case REG_SHM_BASE_LO:
    case REG_SHM_BASE_HI:
        r = 0xffffffffu;
        break;
    case REG_CONFIG_GEN:
        r = d->config_gen;
        break;
    default:
        r = 0;
        break; /* write-only and reserved: RAZ */
    }
    spin_unlock(&d->lock);
    *val = r;
    return 0;
}

/* QueueNotify: the back end takes at most VIRTIO_NOTIFY_BUDGET chains. Returns 1 if it
 * stopped with chains left, so that the guest repeats the write (core/mmio.c MMIO_RETRY). */
static int notify(struct virtio_dev *d, uint32_t q)
{
    if (!virtio_queue_usable(d, q))
        return 0;
    __atomic_add_fetch(&d->vm->virtio_notifies, 1, __ATOMIC_RELAXED);
    d->budget = VIRTIO_NOTIFY_BUDGET;
    d->budget_hit = false;
    d->notifying = true;
    d->be->notify(d, q);
    d->notifying = false;
    return d->budget_hit && virtq_has_avail(&d->vq[q]) && virtio_queue_usable(d, q);
}

static int write_reg(struct virtio_dev *d, uint64_t off, uint32_t val)
{
    struct virtq *q;
    switch (off) {
    case REG_DEV_FEAT_SEL:
        d->dev_feat_sel = val;
        break;
    case REG_DRV_FEAT_SEL:
        d->drv_feat_sel = val;
        break;
    case REG_DRV_FEATURES:
        /* Features are fixed once FEATURES_OK is set (3.1.1). */
        if (d->drv_feat_sel < 2 && !(d->status & VIRTIO_STATUS_FEATURES_OK))
            set_half(&d->driver_features, d->drv_feat_sel == 1, val);
        break;
    case REG_QUEUE_SEL:
        d->queue_sel = val;
        break;
    case REG_QUEUE_NUM:
        if ((q = configurable_queue(d)))
            q->size = (uint16_t)(val > 0xffff ? 0 : val); /* checked at QueueReady */
        break;
    case REG_QUEUE_READY:
        write_queue_ready(d, val);
        break;
    case REG_QUEUE_NOTIFY:
        return notify(d, val);
    case REG_INT_ACK:
        d->isr &= ~val;
        update_line(d);
        break;
    case REG_STATUS:
        write_status(d, val);
        break;
    case REG_QUEUE_DESC_LO:
    case REG_QUEUE_DESC_HI:
        if ((q = configurable_queue(d)))
            set_half(&q->desc_ipa, off == REG_QUEUE_DESC_HI, val);
        break;
    case REG_QUEUE_DRIVER_LO:
    case REG_QUEUE_DRIVER_HI:
        if ((q = configurable_queue(d)))
            set_half(&q->avail_ipa, off == REG_QUEUE_DRIVER_HI, val);
        break;
    case REG_QUEUE_DEVICE_LO:
    case REG_QUEUE_DEVICE_HI:
        if ((q = configurable_queue(d)))
            set_half(&q->used_ipa, off == REG_QUEUE_DEVICE_HI, val);
        break;
    default:
        break; /* read-only and reserved: writes ignored */
    }
    return 0;
}

static int virtio_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct virtio_dev *d = dev;
    if (off >= REG_CONFIG) {
        if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
            return -1;
        spin_lock(&d->lock);
        if (d->be->config_write)
            d->be->config_write(d, (unsigned)(off - REG_CONFIG), size, (uint32_t)val);
        spin_unlock(&d->lock);
        return 0;
    }
    if (size != 4 || (off & 3))
        return -1;
    spin_lock(&d->lock);
    int rc = write_reg(d, off, (uint32_t)val);
    spin_unlock(&d->lock);
    return rc;
}

static const struct mmio_ops virtio_mmio_ops = { .read = virtio_read, .write = virtio_write };

int virtio_mmio_attach(struct vm *vm, const struct vm_device *cfg, struct virtio_dev *d,
                       const struct virtio_backend *be, uint64_t features, void *priv)
{
    spin_lock(&d->lock);
    d->vm = vm;
    d->be = be;
    d->priv = priv;
    d->ipa = cfg->ipa;
    d->intid = cfg->intid;
    d->features = features | TRANSPORT_FEATURES;
    d->ram = (struct guest_ram){ vm->cfg.ram_ipa, vm->cfg.ram_size, (uint8_t *)(uintptr_t)vm->ram_pa };
    d->config_gen = 0;
    d->line = false;
    d->notifying = false; /* outside notifications (frames, console input): no budget */
    device_reset(d);
    spin_unlock(&d->lock);
    if (vm_add_mmio(vm, cfg->ipa, cfg->size, &virtio_mmio_ops, d) < 0) {
        printk("elvisor: VM '%s' refused: too many emulated windows\n", vm->cfg.name);
        return -1;
    }
    return 0;
}

/* The device slot of every virtio kind starts with its struct virtio_dev; a slot a kind left
 * unattached (virtio-rng without RNDR, a VM refused before it) is still zero: d->be is NULL. */
void virtio_mmio_quiesce(void *state)
{
    struct virtio_dev *d = state;
    if (!d->be)
        return;
    spin_lock(&d->lock);
    device_reset(d);
    spin_unlock(&d->lock);
}

void virtio_mmio_release(void *state)
{
    struct virtio_dev *d = state;
    if (d->be && d->be->release)
        d->be->release(d);
}
