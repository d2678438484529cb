/* libFuzzer harness for vdev/virtqueue.c and vdev/virtio_mmio.c: a hostile virtio driver.
 *
 * The input is the whole guest side: where and how big the VM's RAM is, its contents (rings,
 * descriptor tables, indirect tables, buffers) and a program of register accesses through the
 * device's mmio_ops (any offset and size), driver conveniences (negotiate, set up a queue,
 * make a chain available, poke RAM), notifies, resets and VM state changes. A fake back end
 * pops every chain on notify, copies its readable bytes out and fills its writable ones, and
 * pushes it, now or later (after a reset, say). The RAM is a malloc'd block of exactly its
 * size, so ASan sees any byte touched outside it. Checked:
 *   - every pop against a reference written from the specification (taken, absent or
 *     refused; the same head and segments);
 *   - every popped chain: head below the queue size, 1..64 segments, each segment's host
 *     range inside the RAM block, out_len/in_len the sums of the segment lengths; copies in
 *     and out (at any offset) move exactly the bytes a flat model of the chain predicts;
 *     a push lands in the used ring as (head, written) with the index after it;
 *   - the back end is only called for usable queues (DRIVER_OK, no reset pending, running);
 *   - after every step: status bits are only cleared by a reset; every entry into
 *     DEVICE_NEEDS_RESET logs exactly one line and raises the configuration-change bit, and
 *     no queue stays enabled in it; the interrupt line is high exactly while InterruptStatus
 *     is nonzero; an enabled queue has FEATURES_OK behind it, a valid size, aligned rings
 *     inside RAM and the negotiated ring features; FEATURES_OK implies VERSION_1 and only
 *     offered features; access-size refusals follow 4.2.2.2 exactly; registers read back
 *     the device state; InterruptACK clears exactly the bits written;
 *   - a notification takes at most VIRTIO_NOTIFY_BUDGET chains, and asks for a retry
 *     (MMIO_OPS_RETRY) exactly when it stopped there with chains left on a usable queue.
 *
 * Input: byte 0 = RAM placement (bits 0-1: IPA 0x40000000 / 0 / top of the address space /
 * 2^47) and size (bits 2-3: 4, 8, 12 or 16 KiB), bit 4 = the back end offers a feature of
 * its own, bit 5 = no interrupt line; byte 1 = number of operations; then that many
 * 6-byte operations {op, arg, le32 val}; the rest is the initial RAM contents. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdev/virtqueue.h"
#include "vdev/virtio_mmio.h"
#include "vdev/vgic.h"
#include "core/console.h"

#include "tests/host/check.h"

#define NR_QUEUES 2
#define FAKE_FEAT (UINT64_C(1) << 0)
#define DEV_INTID 48
#define CFG_LEN   6

#define R_MAGIC        0x000
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS   0x060
#define R_INT_ACK      0x064
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_CONFIG       0x100

enum {
    OP_WRITE32,
    OP_READ32,
    OP_RAW,
    OP_INIT,
    OP_SETUP_Q,
    OP_NOTIFY,
    OP_OFFER,
    OP_POKE16,
    OP_ACK,
    OP_RESET,
    OP_VMSTATE,
    OP_QUIESCE,
    OP_FLUSH,
    OP_BEMODE,
    OP_FAIL,
    OP_NR
};

/* ---- stand-ins for the rest of the hypervisor ------------------------------------------- */

static const struct mmio_ops *mops;
static void *mdev;
static unsigned nr_logs, nr_line_calls;
static bool line;

int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev)
{
    mops = ops;
    mdev = dev;
    return 0;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    CHECK(strstr(buf, "device needs reset") != NULL);
#ifdef FUZZ_DEBUG
    fprintf(stderr, "vm_log: %s\n", buf);
#endif
    nr_logs++;
}

void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    CHECK(intid == DEV_INTID);
    CHECK(level != line); /* the transport only reports changes */
    line = level;
    nr_line_calls++;
}

void printk(const char *fmt, ...) {}

/* ---- the fake back end -------------------------------------------------------------------- */

static struct vm vm;
static struct virtio_dev dev;
static struct guest_ram ram;
static uint8_t bemode; /* bit 0: defer pushes; bit 1: no signal; bits 2-4: chains per notify
                             * (0: all); bit 5: copy at an offset; bit 6: write less than all;
                             * bit 7: "another vCPU" makes each chain available again as soon as
                             * it is taken, so only the notification budget ends the loop */

struct deferred {
    unsigned q;
    uint16_t head;
    uint32_t written;
};
static struct deferred pend[32];
static unsigned nr_pend;

static bool seg_in_ram(const struct virtq_seg *s)
{
    uint8_t *end = ram.host + ram.size;
    return s->p >= ram.host && s->p < end && s->len <= (uint64_t)(end - s->p);
}

static void push(unsigned q, uint16_t head, uint32_t written)
{
    virtio_push(&dev, q, head, written);
    struct virtq *vq = &dev.vq[q];
    if (vq->enabled) {
        const uint8_t *e = vq->used + 4 + 8 * ((uint16_t)(vq->used_idx - 1) & (vq->size - 1));
        uint32_t elem[2];
        uint16_t idx;
        memcpy(elem, e, sizeof(elem));
        memcpy(&idx, vq->used + 2, 2);
        CHECK(idx == vq->used_idx);
        CHECK(elem[0] == head && elem[1] == written);
    }
}

#define BUF 2048
static uint8_t flat[BUF], got[BUF], pattern[BUF];

/* One chain: checks, copies out and in against a flat model, returns the bytes written. */
static uint32_t serve(unsigned q, const struct virtq_chain *c)
{
    unsigned n = c->nr_out + c->nr_in;
    CHECK(c->head < dev.vq[q].size);
    CHECK(n >= 1 && n <= VIRTQ_MAX_SEGS);
    uint64_t out = 0, in = 0;
    for (unsigned s = 0; s < n; s++) {
        CHECK(seg_in_ram(&c->seg[s]));
        *(s < c->nr_out ? &out : &in) += c->seg[s].len;
    }
    CHECK(out == c->out_len && in == c->in_len);

    /* Out: the readable segments as one stream, from offset `off`. */
    uint64_t off = (bemode & 0x20) ? c->out_len / 3 : 0;
    uint64_t want = c->out_len > off ? c->out_len - off : 0;
    if (want > BUF)
        want = BUF;
    uint64_t pos = 0, k = 0;
    for (unsigned s = 0; s < c->nr_out && k < want; s++)
        for (uint32_t i = 0; i < c->seg[s].len && k < want; i++, pos++)
            if (pos >= off)
                flat[k++] = c->seg[s].p[i];
    CHECK(k == want);
    CHECK(virtq_copy_from_chain(c, off, got, BUF) == want);
    CHECK(memcmp(got, flat, want) == 0);

    /* In: fill the writable part from `off`; when its segments do not overlap (and overlap no
     * readable ones it could have been read through), read each back. */
    off = (bemode & 0x20) ? c->in_len / 5 : 0;
    want = c->in_len > off ? c->in_len - off : 0;
    if (bemode & 0x40)
        want /= 2;
    if (want > BUF)
        want = BUF;
    CHECK(virtq_copy_to_chain(c, off, pattern, want) == want);
    bool overlap = false;
    for (unsigned a = c->nr_out; a < n && !overlap; a++)
        for (unsigned b = a + 1; b < n; b++)
            if (c->seg[a].p < c->seg[b].p + c->seg[b].len && c->seg[b].p < c->seg[a].p + c->seg[a].len)
                overlap = true;
    if (!overlap) {
        pos = 0;
        k = 0;
        for (unsigned s = c->nr_out; s < n && k < want; s++)
            for (uint32_t i = 0; i < c->seg[s].len && k < want; i++, pos++)
                if (pos >= off)
                    CHECK(c->seg[s].p[i] == pattern[k++]);
        CHECK(k == want);
    }
    return (uint32_t)want;
}

/* A reference for virtq_pop, written from virtio 1.2 2.7 and the limits in virtqueue.h:
 * whether the next chain is taken (1), absent (0) or refused (-1), and its segments. */
static const uint8_t *model_ram(uint64_t addr, uint64_t len)
{
    unsigned __int128 end = (unsigned __int128)ram.ipa + ram.size;
    if (addr < ram.ipa || addr >= end || (unsigned __int128)addr + len > end)
        return NULL;
    return ram.host + (addr - ram.ipa);
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static int model_pop(const struct virtq *q, struct virtq_chain *m)
{
    uint16_t idx = le16(q->avail + 2), last = q->last_avail;
    if (idx == last)
        return 0;
    if ((uint16_t)(idx - last) > q->size)
        return -1;
    uint16_t head = le16(q->avail + 4 + 2 * (last % q->size));
    if (head >= q->size)
        return -1;
    const uint8_t *table = q->desc;
    unsigned n = q->size, i = head;
    bool indirect = false;
    m->head = head;
    m->nr_out = m->nr_in = 0;
    for (;;) {
        const uint8_t *e = table + 16 * i;
        uint64_t addr = 0;
        for (int b = 7; b >= 0; b--)
            addr = addr << 8 | e[b];
        uint32_t len = (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 | (uint32_t)e[11] << 24;
        uint16_t flags = le16(e + 12), next = le16(e + 14);
        if (flags & VIRTQ_DESC_F_INDIRECT) {
            if (indirect || !q->indirect || (flags & VIRTQ_DESC_F_NEXT) || len == 0 || len % 16 ||
                len > 16 * VIRTQ_MAX_SIZE || !(table = model_ram(addr, len)))
                return -1;
            indirect = true;
            n = len / 16;
            i = 0;
            continue;
        }
        unsigned k = m->nr_out + m->nr_in;
        const uint8_t *p = model_ram(addr, len);
        if (k == VIRTQ_MAX_SEGS || (!(flags & VIRTQ_DESC_F_WRITE) && m->nr_in) || !p)
            return -1;
        m->seg[k] = (struct virtq_seg){ (uint8_t *)(uintptr_t)p, len };
        *((flags & VIRTQ_DESC_F_WRITE) ? &m->nr_in : &m->nr_out) += 1;
        if (!(flags & VIRTQ_DESC_F_NEXT))
            return 1;
        if (next >= n)
            return -1;
        i = next;
    }
}

static unsigned nr_notify, nr_taken;
static void offer(unsigned qn, uint16_t head);

static void fb_notify(struct virtio_dev *d, unsigned q)
{
    CHECK(d == &dev && q < NR_QUEUES);
    CHECK(virtio_queue_usable(d, q));
    CHECK((d->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) == VIRTIO_STATUS_DRIVER_OK);
    CHECK(vm.state == VM_RUNNING);
    nr_notify++;
    nr_taken = 0;
    unsigned max = (bemode >> 2) & 7, taken = 0;
    static struct virtq_chain c, m;
    while (max == 0 || taken < max) {
        int want = d->budget ? model_pop(&d->vq[q], &m) : 0;
        int rc = virtio_pop(d, q, &c);
        CHECK(rc == want);
        if (rc == 0)
            break;
        if (rc > 0) {
            CHECK(c.head == m.head && c.nr_out == m.nr_out && c.nr_in == m.nr_in);
            for (unsigned s = 0; s < c.nr_out + c.nr_in; s++)
                CHECK(c.seg[s].p == m.seg[s].p && c.seg[s].len == m.seg[s].len);
        }
        if (rc < 0) {
            CHECK(d->status & VIRTIO_STATUS_NEEDS_RESET);
            CHECK(!d->vq[q].enabled);
            return;
        }
        taken++;
        CHECK(++nr_taken <= VIRTIO_NOTIFY_BUDGET);
        uint32_t written = serve(q, &c);
#ifdef FUZZ_DEBUG
        fprintf(stderr, "queue %u: chain %u: %u out (%lu bytes), %u in (%lu bytes), wrote %u\n", q, c.head, c.nr_out,
                (unsigned long)c.out_len, c.nr_in, (unsigned long)c.in_len, written);
#endif
        if ((bemode & 1) && nr_pend < sizeof(pend) / sizeof(pend[0]))
            pend[nr_pend++] = (struct deferred){ q, c.head, written };
        else
            push(q, c.head, written);
        if (bemode & 0x80)
            offer(q, c.head);
    }
    if (!(bemode & 2))
        virtio_signal(d, q);
}

static unsigned fb_config(struct virtio_dev *d, uint8_t *buf, unsigned size)
{
    for (unsigned i = 0; i < CFG_LEN; i++)
        buf[i] = (uint8_t)(0x11 * (i + 1));
    return CFG_LEN;
}

static void fb_reset(struct virtio_dev *d) {}

static const struct virtio_backend fake_be = {
    .name = "virtio-fake",
    .device_id = 42,
    .nr_queues = NR_QUEUES,
    .config = fb_config,
    .config_write = NULL,
    .notify = fb_notify,
    .reset = fb_reset,
};

/* ---- the driver ----------------------------------------------------------------------------- */

static uint64_t rd(uint64_t off)
{
    uint64_t v = 0xdeadbeefcafe;
    CHECK(mops->read(NULL, mdev, off, 4, &v) == 0);
    CHECK(v <= UINT32_MAX);
    return v;
}

/* A 32-bit write; QueueNotify may answer MMIO_OPS_RETRY: the back end took its budget of
 * chains and more are waiting on a queue still usable. */
static void wr(uint64_t off, uint32_t v)
{
    nr_taken = 0;
    int rc = mops->write(NULL, mdev, off, 4, v);
    if (off == R_QUEUE_NOTIFY && rc == MMIO_OPS_RETRY) {
        CHECK(nr_taken == VIRTIO_NOTIFY_BUDGET);
        CHECK(virtio_queue_usable(&dev, v) && virtq_has_avail(&dev.vq[v]));
    } else {
        CHECK(rc == 0);
        if (off == R_QUEUE_NOTIFY)
            CHECK(nr_taken < VIRTIO_NOTIFY_BUDGET || !virtio_queue_usable(&dev, v) || !virtq_has_avail(&dev.vq[v]));
    }
}

/* 4.2.2.2: common registers 32-bit aligned, configuration space 8/16/32-bit aligned. */
static bool access_ok(uint64_t off, unsigned size)
{
    if (off >= R_CONFIG)
        return (size == 1 || size == 2 || size == 4) && !(off & (size - 1));
    return size == 4 && !(off & 3);
}

static void setup_queue(uint8_t arg, uint32_t val)
{
    unsigned qn = arg & 3;
    uint64_t size = UINT64_C(1) << (val & 0xf);
    uint64_t d = ram.ipa + (((val >> 4) & 0x3f) << 8) + ((arg & 4) ? 8 : 0);
    uint64_t a = ram.ipa + (((val >> 10) & 0x3f) << 8) + ((arg & 8) ? 1 : 0);
    uint64_t u = ram.ipa + (((val >> 16) & 0x3f) << 8) + ((arg & 16) ? 2 : 0);
    wr(R_QUEUE_SEL, qn);
    wr(R_QUEUE_NUM, (uint32_t)size);
    const uint64_t addr[3] = { d, a, u };
    for (unsigned i = 0; i < 3; i++) {
        wr(R_DESC_LO + 0x10 * i, (uint32_t)addr[i]);
        wr(R_DESC_LO + 0x10 * i + 4, (uint32_t)(addr[i] >> 32));
    }
    if (!(arg & 32))
        wr(R_QUEUE_READY, 1);
}

/* The driver makes chain `head` available on queue qn, wherever its ring is in RAM. */
static void offer(unsigned qn, uint16_t head)
{
    const struct virtq *vq = &dev.vq[qn];
    if (!vq->size || (vq->size & (vq->size - 1)))
        return;
    uint8_t *av = guest_ram_ptr(&ram, vq->avail_ipa, 4 + 2 * (uint64_t)vq->size);
    if (!av || ((uintptr_t)av & 1))
        return;
    uint16_t idx;
    memcpy(&idx, av + 2, 2);
    memcpy(av + 4 + 2 * (idx & (vq->size - 1)), &head, 2);
    idx++;
    memcpy(av + 2, &idx, 2);
}

static void flush(void)
{
    bool signal[NR_QUEUES] = { false };
    for (unsigned i = 0; i < nr_pend; i++) {
        push(pend[i].q, pend[i].head, pend[i].written);
        signal[pend[i].q] = true;
    }
    nr_pend = 0;
    for (unsigned q = 0; q < NR_QUEUES; q++)
        if (signal[q])
            virtio_signal(&dev, q);
}

/* ---- invariants ----------------------------------------------------------------------------- */

static void check_state(uint32_t old_status, unsigned old_logs, bool reset)
{
    uint32_t st = dev.status;
    if (!reset)
        CHECK((old_status & ~st) == 0);
    bool entered = !(old_status & VIRTIO_STATUS_NEEDS_RESET) && (st & VIRTIO_STATUS_NEEDS_RESET);
    if (reset)
        CHECK(nr_logs == old_logs);
    else
        CHECK(nr_logs - old_logs == (entered ? 1u : 0u));
    if (entered)
        CHECK(dev.isr & 2);
    CHECK((dev.isr & ~3u) == 0);
    if (dev.intid)
        CHECK(line == (dev.isr != 0));
    else
        CHECK(nr_line_calls == 0);
    if (st & VIRTIO_STATUS_FEATURES_OK) {
        CHECK((dev.driver_features & ~dev.features) == 0);
        CHECK(dev.driver_features & VIRTIO_F_VERSION_1);
    }
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
        const struct virtq *vq = &dev.vq[q];
        if (q >= NR_QUEUES) {
            CHECK(!vq->enabled && vq->size == 0 && vq->desc_ipa == 0);
            continue;
        }
        if (!vq->enabled)
            continue;
        uint64_t n = vq->size;
        CHECK(!(st & VIRTIO_STATUS_NEEDS_RESET));
        CHECK(st & VIRTIO_STATUS_FEATURES_OK);
        CHECK(n >= 1 && n <= VIRTQ_MAX_SIZE && !(n & (n - 1)));
        CHECK(!(vq->desc_ipa & 15) && !(vq->avail_ipa & 1) && !(vq->used_ipa & 3));
        CHECK(vq->desc == guest_ram_ptr(&ram, vq->desc_ipa, 16 * n) && vq->desc);
        CHECK(vq->avail == guest_ram_ptr(&ram, vq->avail_ipa, 6 + 2 * n) && vq->avail);
        CHECK(vq->used == guest_ram_ptr(&ram, vq->used_ipa, 6 + 8 * n) && vq->used);
        CHECK(vq->event_idx == virtio_has_feature(&dev, VIRTIO_F_RING_EVENT_IDX));
        CHECK(vq->indirect == virtio_has_feature(&dev, VIRTIO_F_RING_INDIRECT_DESC));
    }
}

static void run_op(uint8_t op, uint8_t arg, uint32_t val)
{
    uint32_t old_status = dev.status;
    unsigned old_logs = nr_logs;
    bool reset = false;
    uint64_t v;
    switch (op % OP_NR) {
    case OP_WRITE32:
        reset = (arg * 4u == R_STATUS && val == 0);
        wr(arg * 4u, val);
        break;
    case OP_READ32: {
        uint64_t off = arg * 4u;
        v = rd(off);
        if (off == R_MAGIC)
            CHECK(v == 0x74726976);
        else if (off == R_STATUS)
            CHECK(v == dev.status);
        else if (off == R_INT_STATUS)
            CHECK(v == dev.isr);
        else if (off == R_QUEUE_READY)
            CHECK(v == (dev.queue_sel < NR_QUEUES && dev.vq[dev.queue_sel].enabled));
        else if (off >= R_CONFIG)
            CHECK(v == (off - R_CONFIG + 4 <= CFG_LEN
                            ? 0x11u * (off - R_CONFIG + 1) + 0x1100u * (off - R_CONFIG + 2) +
                                  0x110000u * (off - R_CONFIG + 3) + 0x11000000u * (off - R_CONFIG + 4)
                            : 0));
        break;
    }
    case OP_RAW: {
        static const unsigned sizes[8] = { 1, 2, 4, 8, 3, 0, 16, 4 };
        unsigned size = sizes[(arg >> 4) & 7];
        uint64_t off = (((uint64_t)arg & 0xf) << 8 | (val >> 24)) & 0xfff;
        int rc;
        if (arg & 0x80) {
            reset = (off == R_STATUS && (val & 0xffffff) == 0);
            nr_taken = 0;
            rc = mops->write(NULL, mdev, off, size, val & 0xffffff);
            if (rc == MMIO_OPS_RETRY && off == R_QUEUE_NOTIFY && size == 4)
                rc = 0;
        } else {
            v = 0;
            rc = mops->read(NULL, mdev, off, size, &v);
        }
        CHECK((rc == 0) == access_ok(off, size));
        break;
    }
    case OP_INIT:
        wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
        wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
        wr(R_DRV_FEAT_SEL, 0);
        wr(R_DRV_FEAT, val);
        wr(R_DRV_FEAT_SEL, 1);
        wr(R_DRV_FEAT, arg);
        wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
        break;
    case OP_SETUP_Q:
        setup_queue(arg, val);
        break;
    case OP_NOTIFY:
        wr(R_QUEUE_NOTIFY, arg & 7);
        break;
    case OP_OFFER:
        offer(arg & 1, (uint16_t)val);
        if (arg & 2)
            wr(R_QUEUE_NOTIFY, arg & 1);
        break;
    case OP_POKE16: {
        uint64_t off = ((val >> 16) % ram.size) & ~UINT64_C(1);
        uint16_t x = (uint16_t)val;
        if (off + 2 <= ram.size)
            memcpy(ram.host + off, &x, 2);
        break;
    }
    case OP_ACK: {
        uint32_t isr = dev.isr;
        wr(R_INT_ACK, val);
        CHECK(dev.isr == (isr & ~val));
        break;
    }
    case OP_RESET:
        reset = true;
        wr(R_STATUS, 0);
        CHECK(dev.status == 0 && dev.isr == 0 && !line);
        break;
    case OP_VMSTATE:
        vm.state = (enum vm_state)(arg % 3);
        break;
    case OP_QUIESCE:
        reset = true;
        virtio_mmio_quiesce(&dev);
        CHECK(dev.status == 0 && dev.isr == 0 && !line);
        break;
    case OP_FLUSH:
        flush();
        break;
    case OP_BEMODE:
        bemode = arg;
        break;
    case OP_FAIL:
        virtio_fail(&dev, "back end error %u", val);
        break;
    }
#ifdef FUZZ_DEBUG
    fprintf(stderr, "op %u arg %#x val %#x: status %#x isr %#x line %d logs %u\n", op % OP_NR, arg, val, dev.status,
            dev.isr, line, nr_logs);
#endif
    check_state(old_status, old_logs, reset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const uint64_t sizes[4] = { 0x1000, 0x2000, 0x3000, 0x4000 };
    uint64_t ram_size = sizes[(data[0] >> 2) & 3];
    const uint64_t ipas[4] = { UINT64_C(0x40000000), 0, 0 - ram_size, UINT64_C(1) << 47 };
    unsigned nr_ops = data[1];
    size_t ops_len = 6 * (size_t)nr_ops;
    if (size - 2 < ops_len) {
        nr_ops = (unsigned)((size - 2) / 6);
        ops_len = 6 * (size_t)nr_ops;
    }
    const uint8_t *ops = data + 2, *image = ops + ops_len;
    size_t image_len = size - 2 - ops_len;

    uint8_t *mem = malloc(ram_size);
    CHECK(mem != NULL);
    memset(mem, 0, ram_size);
    memcpy(mem, image, image_len < ram_size ? image_len : ram_size);
    ram = (struct guest_ram){ ipas[data[0] & 3], ram_size, mem };

    memset(&vm, 0, sizeof(vm));
    memset(&dev, 0, sizeof(dev));
    mops = NULL;
    nr_logs = nr_line_calls = nr_notify = nr_pend = 0;
    line = false;
    bemode = 0;
    for (unsigned i = 0; i < BUF; i++)
        pattern[i] = (uint8_t)(i * 7 + 1);
    vm.id = 1;
    strcpy(vm.cfg.name, "fuzz");
    vm.cfg.ram_ipa = ram.ipa;
    vm.cfg.ram_size = ram.size;
    vm.ram_pa = (uint64_t)(uintptr_t)mem;
    vm.state = VM_RUNNING;
    struct vm_device cfg = { .ipa = 0x0a000000, .size = 0x1000, .intid = (data[0] & 0x20) ? 0 : DEV_INTID };
    CHECK(virtio_mmio_attach(&vm, &cfg, &dev, &fake_be, (data[0] & 0x10) ? FAKE_FEAT : 0, NULL) == 0);
    CHECK(mops != NULL && mdev == &dev);
    CHECK(dev.status == 0 && !line);

    for (unsigned i = 0; i < nr_ops; i++) {
        const uint8_t *o = ops + 6 * i;
        uint32_t val = (uint32_t)o[2] | (uint32_t)o[3] << 8 | (uint32_t)o[4] << 16 | (uint32_t)o[5] << 24;
        run_op(o[0], o[1], val);
    }
    flush();
    check_state(dev.status, nr_logs, false);
    free(mem);
    return 0;
}
