/* Split virtqueue, device side (virtio 1.2, 2.7). Layouts, all little-endian:
 *   descriptor table (2.7.5): n x { le64 addr; le32 len; le16 flags; le16 next }, 16-aligned
 *   available ring  (2.7.6): le16 flags; le16 idx; le16 ring[n]; le16 used_event, 2-aligned
 *   used ring       (2.7.8): le16 flags; le16 idx; { le32 id; le32 len } ring[n];
 *                            le16 avail_event, 4-aligned
 * The driver may rewrite any of it at any moment from another CPU, so each field is read once
 * into a local and only the local is checked and used. */
#include "vdev/virtqueue.h"
#include "lib/string.h"

#define DESC_SIZE 16

void *guest_ram_ptr(const struct guest_ram *ram, uint64_t ipa, uint64_t len)
{
    uint64_t off = ipa - ram->ipa;
    if (ipa < ram->ipa || off >= ram->size || len > ram->size - off)
        return 0;
    return ram->host + off;
}

static uint16_t load16(const uint8_t *p)
{
    return __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_ACQUIRE);
}

static void store16(uint8_t *p, uint16_t v) { __atomic_store_n((uint16_t *)(void *)p, v, __ATOMIC_RELEASE); }

static uint16_t avail_idx(const struct virtq *q) { return load16(q->avail + 2); }
static uint16_t avail_flags(const struct virtq *q) { return load16(q->avail); }
static uint16_t used_event(const struct virtq *q) { return load16(q->avail + 4 + 2 * q->size); }
static void set_avail_event(struct virtq *q, uint16_t v) { store16(q->used + 4 + 8 * q->size, v); }

int virtq_enable(struct virtq *q, const struct guest_ram *ram, bool event_idx, bool indirect, const char **why)
{
    uint64_t n = q->size;
    if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1))) {
        *why = "queue size is not a power of two up to 256";
        return -1;
    }
    if ((q->desc_ipa & 15) || (q->avail_ipa & 1) || (q->used_ipa & 3)) {
        *why = "ring areas are misaligned";
        return -1;
    }
    q->desc = guest_ram_ptr(ram, q->desc_ipa, DESC_SIZE * n);
    q->avail = guest_ram_ptr(ram, q->avail_ipa, 6 + 2 * n);
    q->used = guest_ram_ptr(ram, q->used_ipa, 6 + 8 * n);
    if (!q->desc || !q->avail || !q->used) {
        *why = "a ring area is outside the VM's RAM";
        return -1;
    }
    q->event_idx = event_idx;
    q->indirect = indirect;
    /* Start from the used index found in memory: zero for a driver that clears its rings
     * before use, as Linux does; a driver that re-enables a queue it had used goes on where
     * it was (the hostile test guest relies on this). */
    q->last_avail = load16(q->used + 2);
    q->used_idx = q->last_avail;
    q->signalled_used = q->used_idx;
    if (event_idx)
        set_avail_event(q, q->last_avail);
    q->enabled = true;
    return 0;
}

void virtq_disable(struct virtq *q)
{
    q->enabled = false;
    q->desc = q->avail = q->used = 0;
}

bool virtq_has_avail(const struct virtq *q) { return q->enabled && avail_idx(q) != q->last_avail; }

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static struct desc read_desc(const uint8_t *table, unsigned i)
{
    struct desc d = { 0 };
    /* Plain copy: torn values are harmless, as only this snapshot is checked and used. */
    memcpy(&d, table + (uint64_t)i * DESC_SIZE, sizeof(d));
    return d;
}

/* Appends one buffer to the chain, enforcing RAM bounds, the segment limit and "readable
 * before writable" (2.7.4.2). */
static int add_seg(struct virtq_chain *c, const struct guest_ram *ram, const struct desc *d, const char **why)
{
    bool writable = d->flags & VIRTQ_DESC_F_WRITE;
    if (c->nr_out + c->nr_in == VIRTQ_MAX_SEGS) {
        *why = "descriptor chain longer than 64 (or a loop)";
        return -1;
    }
    if (!writable && c->nr_in) {
        *why = "device-readable descriptor after a device-writable one";
        return -1;
    }
    uint8_t *p = guest_ram_ptr(ram, d->addr, d->len);
    if (!p) {
        *why = "buffer outside the VM's RAM";
        return -1;
    }
    c->seg[c->nr_out + c->nr_in] = (struct virtq_seg){ p, d->len };
    if (writable) {
        c->nr_in++;
        c->in_len += d->len;
    } else {
        c->nr_out++;
        c->out_len += d->len;
    }
    return 0;
}

/* Walks the indirect table of descriptor d (2.7.5.3): at most VIRTQ_MAX_SIZE entries, no
 * nested indirection, `next` links inside the table. */
static int walk_indirect(struct virtq_chain *c, const struct guest_ram *ram, const struct desc *d, const char **why)
{
    if (d->flags & VIRTQ_DESC_F_NEXT) {
        *why = "indirect descriptor with NEXT set";
        return -1;
    }
    if (d->len == 0 || d->len % DESC_SIZE || d->len / DESC_SIZE > VIRTQ_MAX_SIZE) {
        *why = "indirect table length is not a multiple of 16 up to 4096";
        return -1;
    }
    const uint8_t *table = guest_ram_ptr(ram, d->addr, d->len);
    if (!table) {
        *why = "indirect table outside the VM's RAM";
        return -1;
    }
    unsigned n = d->len / DESC_SIZE, i = 0;
    for (;;) {
        struct desc e = read_desc(table, i);
        if (e.flags & VIRTQ_DESC_F_INDIRECT) {
            *why = "nested indirect descriptor";
            return -1;
        }
        if (add_seg(c, ram, &e, why) < 0)
            return -1;
        if (!(e.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        if (e.next >= n) {
            *why = "indirect descriptor's next is outside its table";
            return -1;
        }
        i = e.next;
    }
}

int virtq_pop(struct virtq *q, const struct guest_ram *ram, struct virtq_chain *c, const char **why)
{
    if (!q->enabled)
        return 0;
    uint16_t idx = avail_idx(q);
    if (idx == q->last_avail && q->event_idx) {
        /* Ask for a notification at the next chain, then look again: the driver may have
         * added one before it could see the request (2.7.10). */
        set_avail_event(q, q->last_avail);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        idx = avail_idx(q);
    }
    if (idx == q->last_avail)
        return 0;
    if ((uint16_t)(idx - q->last_avail) > q->size) {
        *why = "available index ran more than the queue size ahead";
        return -1;
    }
    /* The ring entries are read only after idx (acquire in avail_idx). */
    unsigned head = load16(q->avail + 4 + 2 * (q->last_avail & (q->size - 1)));
    if (head >= q->size) {
        *why = "available ring names a descriptor beyond the queue size";
        return -1;
    }
    c->head = (uint16_t)head;
    c->nr_out = c->nr_in = 0;
    c->out_len = c->in_len = 0;
    unsigned i = head;
    for (;;) {
        struct desc d = read_desc(q->desc, i);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (!q->indirect) {
                *why = "indirect descriptor without VIRTIO_F_RING_INDIRECT_DESC";
                return -1;
            }
            if (walk_indirect(c, ram, &d, why) < 0)
                return -1;
            break;
        }
        if (add_seg(c, ram, &d, why) < 0)
            return -1;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            break;
        if (d.next >= q->size) {
            *why = "descriptor's next is beyond the queue size";
            return -1;
        }
        i = d.next;
    }
    q->last_avail++;
    return 1;
}

void virtq_unpop(struct virtq *q) { q->last_avail--; }

void virtq_put_used(struct virtq *q, unsigned nth, uint16_t head, uint32_t written)
{
    uint8_t *e = q->used + 4 + 8 * ((uint16_t)(q->used_idx + nth) & (q->size - 1));
    uint32_t elem[2] = { head, written };
    memcpy(e, elem, sizeof(elem));
}

void virtq_publish_used(struct virtq *q, unsigned count)
{
    q->used_idx = (uint16_t)(q->used_idx + count);
    /* Entries before index (release), as the driver reads them in the other order. */
    store16(q->used + 2, q->used_idx);
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
    virtq_put_used(q, 0, head, written);
    virtq_publish_used(q, 1);
}

bool virtq_should_interrupt(struct virtq *q)
{
    uint16_t old = q->signalled_used, now = q->used_idx;
    if (old == now)
        return false;
    /* The used index must be visible before the driver's suppression state is read. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool want;
    if (q->event_idx) /* 2.7.10: interrupt when used_event lies in [old, now) */
        want = (uint16_t)(now - used_event(q) - 1) < (uint16_t)(now - old);
    else
        want = !(avail_flags(q) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    q->signalled_used = now;
    return want;
}

/* Segment range [first, first+count) of c as a byte stream: copy at byte `off`. */
static uint64_t copy_segs(const struct virtq_chain *c, unsigned first, unsigned count, uint64_t off, uint8_t *buf,
                          uint64_t len, bool to_chain)
{
    uint64_t done = 0;
    for (unsigned s = first; s < first + count && done < len; s++) {
        const struct virtq_seg *g = &c->seg[s];
        if (off >= g->len) {
            off -= g->len;
            continue;
        }
        uint64_t n = g->len - off;
        if (n > len - done)
            n = len - done;
        if (to_chain)
            memcpy(g->p + off, buf + done, n);
        else
            memcpy(buf + done, g->p + off, n);
        done += n;
        off = 0;
    }
    return done;
}

uint64_t virtq_copy_from_chain(const struct virtq_chain *c, uint64_t off, void *dst, uint64_t len)
{
    return copy_segs(c, 0, c->nr_out, off, dst, len, false);
}

uint64_t virtq_copy_to_chain(const struct virtq_chain *c, uint64_t off, const void *src, uint64_t len)
{
    return copy_segs(c, c->nr_out, c->nr_in, off, (uint8_t *)(uintptr_t)src, len, true);
}
