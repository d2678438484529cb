/* virtio block device (virtio 1.2, 5.2): one request queue over a disk image that the build
 * packed with the hypervisor (docs/virtio.md, docs/config.md).
 *
 * A writable disk is copied into hypervisor RAM at the VM's creation and the copy lives as long
 * as the VM: a VM reset (which runs attach again) keeps what the guest wrote, and the pack stays
 * pristine. A read-only disk is served straight from the pack, which nothing ever writes.
 *
 * Requests (5.2.6) are processed synchronously in the notifying vCPU's exit:
 *   readable:  le32 type; le32 reserved; le64 sector;  then, for VIRTIO_BLK_T_OUT, the data
 *   writable:  for VIRTIO_BLK_T_IN / GET_ID, the data;  then one status byte (the last byte)
 * Every length and sector comes from the guest: a chain too short to hold a header and a status
 * byte is a driver bug (the device needs reset); a request beyond the disk, or a write to a
 * read-only disk, completes with VIRTIO_BLK_S_IOERR and touches nothing. */
#include "vdev/virtio_devices.h"
#include "vdev/virtio_mmio.h"
#include "core/config.h"
#include "core/console.h"
#include "core/image.h"
#include "core/page_alloc.h"
#include "lib/printf.h"
#include "lib/string.h"

#define BLK_DEVICE_ID 2
#define BLK_REQUESTQ  0
#define SECTOR_SIZE   512ULL

/* 5.2.3 feature bits */
#define VIRTIO_BLK_F_SEG_MAX  (1ULL << 2)
#define VIRTIO_BLK_F_RO       (1ULL << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ULL << 6)
#define VIRTIO_BLK_F_FLUSH    (1ULL << 9)

/* 5.2.6 request types and status values */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define BLK_HDR_SIZE 16
#define BLK_ID_LEN   20 /* VIRTIO_BLK_ID_BYTES: NUL-padded, no NUL when 20 long */
#define ID_PREFIX    "elvisor-"

/* 5.2.4 configuration space, up to blk_size (the fields this device's features cover). */
#define CFG_CAPACITY 0  /* le64, in 512-byte sectors */
#define CFG_SIZE_MAX 8  /* le32: VIRTIO_BLK_F_SIZE_MAX is not offered */
#define CFG_SEG_MAX  12 /* le32 */
#define CFG_GEOMETRY 16 /* le16 cylinders, u8 heads, u8 sectors: zero, not offered */
#define CFG_BLK_SIZE 20 /* le32 */
#define CFG_LEN      24

/* A device's disk; it outlives VM resets (attach runs again at each). */
struct blk_disk {
    const uint8_t *rdata; /* what requests read: the copy, or the pack when read-only */
    uint8_t *wdata;       /* the copy, NULL when read-only: nothing can write the pack */
    uint64_t size;        /* bytes, a multiple of 512 */
    uint64_t pages;       /* allocated for the copy, 0 when none */
    char id[BLK_ID_LEN];
};

/* Data bytes one notification (one exit) copies at most: a request larger than this is done
 * over several notifications, the guest repeating its QueueNotify write (the transport's MMIO
 * retry) until it completes; the head of the ring is given back unfinished in between
 * (virtq_unpop) and read and checked again. Bounds the time a VM holds its CPU in one exit
 * (issue 13 item 4; docs/security.md). */
#define BLK_BYTES_PER_NOTIFY (1UL << 20)

/* A request in progress across notifications: the chain at the ring's head and the data bytes
 * done. If the guest puts another chain there meanwhile, that one starts from 0. */
struct blk_progress {
    uint64_t done;
    uint16_t head;
    bool on;
};

/* A device's slot (core/vdev.h): the transport's state first, and the disk. */
struct blk_dev {
    struct virtio_dev dev;
    struct blk_disk disk;
    struct blk_progress cur;
    uint64_t budget_stops; /* notifications that stopped at BLK_BYTES_PER_NOTIFY */
};
VDEV_STATE_FITS(struct blk_dev);

static void put_le32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

static unsigned blk_config(struct virtio_dev *d, uint8_t *buf, unsigned size)
{
    const struct blk_disk *k = d->priv;
    if (size < CFG_LEN)
        return 0;
    memset(buf, 0, CFG_LEN);
    put_le64(buf + CFG_CAPACITY, k->size / SECTOR_SIZE);
    put_le32(buf + CFG_SEG_MAX, VIRTQ_MAX_SEGS - 2); /* the header and status take two */
    put_le32(buf + CFG_BLK_SIZE, SECTOR_SIZE);
    return CFG_LEN;
}

/* Whether `len` bytes from `sector` lie inside the disk, in whole sectors. Overflow-safe: no
 * sum or product of guest values is formed before it is known to be in range. */
static bool in_disk(const struct blk_disk *k, uint64_t sector, uint64_t len)
{
    uint64_t nsec = k->size / SECTOR_SIZE;
    return len % SECTOR_SIZE == 0 && sector <= nsec && len / SECTOR_SIZE <= nsec - sector;
}

#define BLK_UNFINISHED (-2)

/* Data bytes of the request to do now, from *from: at most what *budget has left. */
static uint64_t take(uint64_t len, uint64_t *from, uint64_t *budget)
{
    uint64_t left = len > *from ? len - *from : 0, n = left < *budget ? left : *budget;
    *budget -= n;
    return n;
}

/* Serves one request, starting at data byte p->done (a request continued), copying at most
 * *budget bytes of data. Returns the bytes written into the chain's device-writable buffers
 * (data and status byte) when it is complete, BLK_UNFINISHED when the budget ran out first
 * (p->done says how far it got), or -1 when the chain is malformed and the device now needs
 * reset. */
static int64_t blk_request(struct virtio_dev *d, const struct blk_disk *k, const struct virtq_chain *c,
                           struct blk_progress *p, uint64_t *budget)
{
    uint8_t hdr[BLK_HDR_SIZE];
    if (c->out_len < BLK_HDR_SIZE || c->in_len < 1) {
        virtio_fail(d, "request %u: %s", c->head,
                    c->out_len < BLK_HDR_SIZE ? "header shorter than 16 bytes" : "no status byte");
        return -1;
    }
    virtq_copy_from_chain(c, 0, hdr, sizeof(hdr));
    uint32_t type = get_le32(hdr); /* then le32 reserved: ignored */
    uint64_t sector = get_le64(hdr + 8);
    uint64_t status_off = c->in_len - 1; /* the status is the last writable byte */
    uint64_t done = 0;                   /* data bytes written into the chain */
    uint8_t status = VIRTIO_BLK_S_OK;

    switch (type) {
    case VIRTIO_BLK_T_IN: {
        uint64_t len = status_off;
        if (!in_disk(k, sector, len)) {
            status = VIRTIO_BLK_S_IOERR;
            break;
        }
        uint64_t from = p->done, n = take(len, &from, budget);
        virtq_copy_to_chain(c, from, k->rdata + sector * SECTOR_SIZE + from, n);
        p->done = from + n;
        if (p->done < len)
            return BLK_UNFINISHED;
        done = len;
        break;
    }
    case VIRTIO_BLK_T_OUT: {
        uint64_t len = c->out_len - BLK_HDR_SIZE;
        if (!k->wdata || !in_disk(k, sector, len)) {
            status = VIRTIO_BLK_S_IOERR; /* 5.2.6.2: read-only: no data written */
            break;
        }
        uint64_t from = p->done, n = take(len, &from, budget);
        virtq_copy_from_chain(c, BLK_HDR_SIZE + from, k->wdata + sector * SECTOR_SIZE + from, n);
        p->done = from + n;
        if (p->done < len)
            return BLK_UNFINISHED;
        break;
    }
    case VIRTIO_BLK_T_FLUSH:
        break; /* the disk is RAM: nothing is cached */
    case VIRTIO_BLK_T_GET_ID:
        done = virtq_copy_to_chain(c, 0, k->id, status_off < BLK_ID_LEN ? status_off : BLK_ID_LEN);
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    virtq_copy_to_chain(c, status_off, &status, 1);
    return (int64_t)done + 1;
}

static void blk_notify(struct virtio_dev *d, unsigned q)
{
    struct blk_dev *b = (struct blk_dev *)d;
    const struct blk_disk *k = &b->disk;
    struct virtq_chain c;
    uint64_t budget = BLK_BYTES_PER_NOTIFY;
    int rc;
    while ((rc = virtio_pop(d, BLK_REQUESTQ, &c)) > 0) {
        if (!b->cur.on || b->cur.head != c.head)
            b->cur = (struct blk_progress){ .head = c.head, .on = true };
        int64_t written = budget ? blk_request(d, k, &c, &b->cur, &budget) : BLK_UNFINISHED;
        if (written == BLK_UNFINISHED) {
            /* Budget spent: the guest repeats its notification and this chain goes on. */
            virtq_unpop(&d->vq[BLK_REQUESTQ]);
            d->budget_hit = true;
            b->budget_stops++;
            return;
        }
        b->cur.on = false;
        if (written < 0)
            return;
        /* At most 256 MiB of data plus the status byte: fits the used ring's le32. */
        virtio_push(d, BLK_REQUESTQ, c.head, (uint32_t)written);
    }
    if (rc == 0)
        virtio_signal(d, BLK_REQUESTQ); /* once for the whole batch */
}

static void release_disk(struct blk_disk *k);
static void blk_release(struct virtio_dev *d) { release_disk(d->priv); }
/* A device reset drops a request in progress: the ring starts over. */
static void blk_reset(struct virtio_dev *d) { ((struct blk_dev *)d)->cur.on = false; }

static const struct virtio_backend blk_backend = {
    .name = "virtio-blk",
    .device_id = BLK_DEVICE_ID,
    .nr_queues = 1,
    .config = blk_config,
    .notify = blk_notify,
    .reset = blk_reset,
    .release = blk_release,
};

/* "elvisor-<vm>-<n>", the VM's name shortened so that the device index always fits. */
static void make_id(char *id, const char *vm, unsigned index)
{
    char suffix[16], buf[BLK_ID_LEN + 1];
    int ns = ev_snprintf(suffix, sizeof(suffix), "-%u", index);
    int room = BLK_ID_LEN - (int)(sizeof(ID_PREFIX) - 1) - ns;
    ev_snprintf(buf, sizeof(buf), ID_PREFIX "%.*s%s", room > 0 ? room : 0, vm, suffix);
    memset(id, 0, BLK_ID_LEN);
    memcpy(id, buf, strnlen(buf, BLK_ID_LEN));
}

static void release_disk(struct blk_disk *k)
{
    if (k->pages)
        page_free(k->wdata, k->pages);
    *k = (struct blk_disk){ 0 };
}

/* At the VM's creation (the slot is zeroed; a refused VM's copy was given back by
 * virtio_release): the disk image from the pack, copied unless read-only. */
static int setup_disk(struct vm *vm, const struct vm_device *d, unsigned index, struct blk_disk *k)
{
    struct pack_file f;
    /* config_parse checked presence and size; the pack is looked at again all the same. */
    if (pack_find(d->disk, &f) < 0 || f.size == 0 || f.size % SECTOR_SIZE || f.size > VM_MAX_DISK) {
        printk("elvisor: VM '%s' refused: virtio-blk@%lx: disk \"%s\" missing from the pack or of a bad size\n",
               vm->cfg.name, (unsigned long)d->ipa, d->disk);
        return -1;
    }
    if (d->read_only) {
        k->rdata = f.data;
    } else {
        uint64_t pages = (f.size + PA_PAGE_SIZE - 1) / PA_PAGE_SIZE;
        uint8_t *copy = page_alloc(pages, PA_PAGE_SIZE);
        if (!copy) {
            printk("elvisor: VM '%s' refused: virtio-blk@%lx: disk \"%s\" needs %lu KiB of hypervisor memory, %lu KiB "
                   "free\n",
                   vm->cfg.name, (unsigned long)d->ipa, d->disk, (unsigned long)(pages * (PA_PAGE_SIZE >> 10)),
                   (unsigned long)(page_free_count() * (PA_PAGE_SIZE >> 10)));
            return -1;
        }
        memcpy(copy, f.data, f.size);
        k->rdata = k->wdata = copy;
        k->pages = pages;
    }
    k->size = f.size;
    make_id(k->id, vm->cfg.name, index);
    return 0;
}

static int virtio_blk_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct blk_dev *b = state;
    struct blk_disk *k = &b->disk;
    bool first = vm->state != VM_RESETTING;
    if (first && setup_disk(vm, d, index, k) < 0)
        return -1;
    uint64_t features =
        VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | (k->wdata ? 0 : VIRTIO_BLK_F_RO);
    if (virtio_mmio_attach(vm, d, &b->dev, &blk_backend, features, k) < 0) {
        if (first)
            release_disk(k);
        return -1;
    }
    return 0;
}

const struct vdev_ops virtio_blk_ops = {
    .attach = virtio_blk_attach,
    .dt_node = virtio_mmio_dt_node,
    .quiesce = virtio_mmio_quiesce,
    .release = virtio_mmio_release,
};
