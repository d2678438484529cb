/* virtio network device (virtio 1.2, 5.1): one port of the hypervisor's virtual switch
 * (vdev/vswitch.c). Queues: receiveq0 (0) and transmitq0 (1); no control queue. Features:
 * VIRTIO_NET_F_MAC (the configured address), VIRTIO_NET_F_STATUS (always LINK_UP),
 * VIRTIO_NET_F_MTU (1500), VIRTIO_NET_F_MRG_RXBUF (a frame over several receive buffers, so
 * that a driver taking 64 KiB frames need not post 64 KiB buffers) and, unless the
 * configuration says `no-offloads`, the checksum and TCP segmentation offloads both ways (CSUM, HOST_TSO4/6, GUEST_CSUM,
 * GUEST_TSO4/6): a frame moves between two ports that took them as one buffer of up to 64 KiB
 * with its checksum unfinished, and the switch finishes or cuts it (vdev/net_offload.c) only
 * for a receiving driver that did not take them. Every buffer starts with the 12-byte struct
 * virtio_net_hdr of VERSION_1 (num_buffers included); frames are 14 to 1514 bytes, or up to
 * NET_GSO_MAX_FRAME with segmentation.
 *
 * Locking. The transport calls notify with d->lock held, and a device's lock is never held
 * while another device's is taken. Delivering a frame takes the destination port's lock, so
 * the transmit path takes one chain at a time under its own lock: pop, copy header and frame
 * into this CPU's bounce buffer, push the chain back used, then RELEASE d->lock, hand the copy
 * to the switch (which takes the MAC table's leaf lock, drops it, then takes each destination's
 * device lock in turn, alone), and take d->lock again for the next chain. Two VMs sending to
 * each other from two CPUs therefore never wait for each other's lock while holding their
 * own. While d->lock is released, another vCPU may reset the device or the VM may stop:
 * virtio_pop checks again before every chain, and nothing popped is touched after the unlock.
 * The bounce buffer is the physical CPU's (exits run with interrupts masked, one at a time per
 * CPU), allocated when the first VM with a port on that CPU is built.
 *
 * One notification forwards at most NET_TX_BUDGET frames, counted here: the transport's own
 * per-device budget (d->budget, d->notifying) assumes d->lock is held for the whole notification, which is
 * not so here (another vCPU's notification, or a delivery from another VM, can run in the
 * gaps), so this back end pops outside it (net_pop). Over budget with chains left,
 * budget_hit makes the guest repeat its QueueNotify write (the transport's MMIO retry): the
 * exit ends and the work resumes at once.
 *
 * The guest's values are hostile: lengths and addresses come only from the checked chain
 * (vdev/virtqueue.c), the frame is copied once out of guest memory and only the copy is
 * used; its header's offload fields are checked against the copy (net_offload_check) and a
 * receiver gets a header rebuilt from the checked values. A transmit chain without room for
 * the header is a driver error (the device needs reset); a frame shorter than an Ethernet
 * header or longer than its limit, or whose header asks for an offload not negotiated or that
 * does not match the frame, is dropped and counted. A receive buffer with device-readable
 * descriptors is a driver error; without MRG_RXBUF one too small for the frame is returned
 * empty and the frame counted as a drop (with it, buffers too few for the frame stay in the
 * ring for the next one). Without a receive buffer a frame is dropped, as a real NIC would: frames
 * are never held back, so the receive queue's notification has nothing to do. */
#include "vdev/virtio_devices.h"
#include "vdev/virtio_mmio.h"
#include "vdev/vswitch.h"
#include "vdev/net_offload.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "core/console.h"
#include "core/page_alloc.h"
#include "lib/string.h"

#define NET_DEVICE_ID 1
#define NET_RXQ       0
#define NET_TXQ       1

/* 5.1.3 feature bits, 5.1.4 status bits */
#define VIRTIO_NET_F_CSUM       (1ULL << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ULL << 1)
#define VIRTIO_NET_F_MTU        (1ULL << 3)
#define VIRTIO_NET_F_MAC        (1ULL << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (1ULL << 7)
#define VIRTIO_NET_F_GUEST_TSO6 (1ULL << 8)
#define VIRTIO_NET_F_HOST_TSO4  (1ULL << 11)
#define VIRTIO_NET_F_HOST_TSO6  (1ULL << 12)
#define VIRTIO_NET_F_MRG_RXBUF  (1ULL << 15)
#define VIRTIO_NET_F_STATUS     (1ULL << 16)
#define VIRTIO_NET_S_LINK_UP    1
#define NET_MTU                 1500
#define NET_CONFIG_LEN          12 /* mac[6], status, max_virtqueue_pairs, mtu */

#define NET_FEATURES (VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MTU | VIRTIO_NET_F_MRG_RXBUF)
/* 5.1.3.1: the TSO features depend on the checksum ones. */
#define NET_OFFLOADS                                                                                 \
    (VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_GUEST_CSUM | \
     VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6)

/* Each physical CPU's frame in transit (see the top): NET_GSO_MAX_FRAME bytes, whole pages. */
#define NET_BOUNCE_PAGES ((NET_GSO_MAX_FRAME + PA_PAGE_SIZE - 1) / PA_PAGE_SIZE)
static uint8_t *tx_bounce[MAX_CPUS];

/* 5.1.6.4: num_buffers, in the header of a frame's first receive buffer. A frame spans at
 * most this many mergeable buffers (Linux's are 1.5 KiB or more: 44 for 64 KiB). */
#define NET_HDR_NUM_BUFFERS 10
#define NET_RX_MAX_BUFFERS  64

/* Frames forwarded per notification before the guest repeats it (see the top): a driver that
 * refills its transmit queue from another vCPU cannot keep one exit going. */
#define NET_TX_BUDGET 64

struct net_dev {
    struct virtio_dev dev;
    uint8_t mac[ETH_ALEN]; /* d->lock */
    int port;              /* d->lock: the switch port */
};

VDEV_STATE_FITS(struct net_dev);

static unsigned net_config(struct virtio_dev *d, uint8_t *buf, unsigned size)
{
    const struct net_dev *n = d->priv;
    if (size < NET_CONFIG_LEN)
        return 0;
    memcpy(buf, n->mac, ETH_ALEN);
    buf[6] = VIRTIO_NET_S_LINK_UP; /* le16 status */
    buf[7] = 0;
    buf[8] = 1; /* le16 max_virtqueue_pairs (meaningful with MQ only) */
    buf[9] = 0;
    buf[10] = NET_MTU & 0xff; /* le16 mtu */
    buf[11] = NET_MTU >> 8;
    return NET_CONFIG_LEN;
}

/* virtio_pop, outside the transport's notification budget (see the top). d->lock held. */
static int net_pop(struct virtio_dev *d, unsigned q, struct virtq_chain *c)
{
    bool notifying = d->notifying;
    d->notifying = false;
    int rc = virtio_pop(d, q, c);
    d->notifying = notifying;
    return rc;
}

/* Whether the driver negotiated the features o needs: the checksum one, and the segmentation
 * one of its IP version. The device's side (transmit) and the driver's (receive) differ only
 * in which bits those are. */
static bool offloads_negotiated(const struct virtio_dev *d, const struct net_offload *o, uint64_t csum, uint64_t tso4,
                                uint64_t tso6)
{
    if (o->needs_csum && !virtio_has_feature(d, csum))
        return false;
    if (o->gso == NET_HDR_GSO_TCPV4)
        return virtio_has_feature(d, tso4);
    if (o->gso == NET_HDR_GSO_TCPV6)
        return virtio_has_feature(d, tso6);
    return true;
}

/* d->lock held. Takes one transmit chain, copies its frame into frame[] (NET_GSO_MAX_FRAME
 * bytes) and its checked offloads into o, and returns the chain used. Returns the frame's
 * length, 0 for a chain whose frame is dropped, -1 when there is nothing (more) to take: queue
 * empty, device not usable, or the driver broke the rules. */
static int tx_take(struct net_dev *n, uint8_t *frame, struct net_offload *o)
{
    struct virtio_dev *d = &n->dev;
    struct virtq_chain c;
    uint8_t hdr[NET_HDR_LEN];
    if (net_pop(d, NET_TXQ, &c) <= 0)
        return -1;
    if (c.out_len < NET_HDR_LEN || virtq_copy_from_chain(&c, 0, hdr, NET_HDR_LEN) != NET_HDR_LEN) {
        virtio_fail(d, "transmit buffer of %lu bytes has no virtio_net_hdr", (unsigned long)c.out_len);
        return -1;
    }
    uint64_t len = c.out_len - NET_HDR_LEN;
    int ret = 0;
    if (net_hdr_decode(hdr, o) &&
        offloads_negotiated(d, o, VIRTIO_NET_F_CSUM, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6) &&
        len >= ETH_HLEN && len <= (o->gso ? NET_GSO_MAX_FRAME : VSWITCH_MAX_FRAME) &&
        virtq_copy_from_chain(&c, NET_HDR_LEN, frame, len) == len &&
        net_offload_check(frame, (unsigned)len, VSWITCH_MAX_FRAME, o))
        ret = (int)len;
    virtio_push(d, NET_TXQ, c.head, 0);
    virtio_signal(d, NET_TXQ);
    return ret;
}

/* d->lock held on entry and on return, released around each forward (see the top). */
static void net_tx(struct net_dev *n)
{
    struct virtio_dev *d = &n->dev;
    uint8_t *frame = tx_bounce[cpu_index()];
    struct net_offload off;
    unsigned taken = 0;
    int len;
    while ((len = tx_take(n, frame, &off)) >= 0) {
        int port = n->port;
        if (len == 0) {
            vswitch_tx_drop(port);
        } else {
            spin_unlock(&d->lock);
            vswitch_forward(port, frame, (unsigned)len, &off);
            spin_lock(&d->lock);
        }
        /* Over budget with chains left: the guest repeats its notification. With the ring
         * empty the loop goes on instead: the next pop finds it empty and asks for the next
         * notification (avail_event, VIRTIO_F_RING_EVENT_IDX); stopping before that would
         * leave the driver waiting for a completion that never comes. */
        if (++taken >= NET_TX_BUDGET && virtq_has_avail(&d->vq[NET_TXQ])) {
            d->budget_hit = true;
            break;
        }
    }
}

static void net_notify(struct virtio_dev *d, unsigned q)
{
    if (q == NET_TXQ)
        net_tx(d->priv);
    /* NET_RXQ: new receive buffers wait for the next frame; nothing is pending. */
}

/* Bytes [from, from + n) of the header followed by the frame, into c's writable part at 0. */
static void rx_copy(const struct virtq_chain *c, const uint8_t *hdr, const uint8_t *frame, uint64_t from, uint64_t n)
{
    uint64_t at = 0;
    if (from < NET_HDR_LEN) {
        uint64_t h = NET_HDR_LEN - from < n ? NET_HDR_LEN - from : n;
        virtq_copy_to_chain(c, 0, hdr + from, h);
        at = h;
    }
    virtq_copy_to_chain(c, at, frame + (from + at - NET_HDR_LEN), n - at);
}

/* d->lock held, the receive queue usable. The header (for the offloads o shows) and the frame
 * into the next receive buffer or, with VIRTIO_NET_F_MRG_RXBUF, as many as it takes (at most
 * NET_RX_MAX_BUFFERS, num_buffers saying how many), all returned used at once: the driver
 * reads them as one frame. Without enough buffers the frame is dropped: a single buffer goes
 * back empty, mergeable ones stay in the ring for the next frame (virtq_unpop). */
static enum vswitch_delivery rx_fill(struct virtio_dev *d, const uint8_t *frame, unsigned len,
                                     const struct net_offload *o)
{
    struct virtq *q = &d->vq[NET_RXQ];
    bool mergeable = virtio_has_feature(d, VIRTIO_NET_F_MRG_RXBUF);
    uint8_t hdr[NET_HDR_LEN];
    uint16_t heads[NET_RX_MAX_BUFFERS];
    uint32_t written[NET_RX_MAX_BUFFERS];
    struct virtq_chain chain[2]; /* the frame's first buffer, and the one being filled */
    uint64_t total = NET_HDR_LEN + len, done = 0;
    unsigned n = 0;
    net_hdr_encode(o, hdr);
    while (done < total) {
        struct virtq_chain *cur = &chain[n ? 1 : 0];
        int rc = n < NET_RX_MAX_BUFFERS ? net_pop(d, NET_RXQ, cur) : 0;
        if (rc < 0)
            return VSWITCH_NOT_READY; /* the driver broke the rules: the device needs reset */
        if (rc > 0 && cur->nr_out) {
            virtio_fail(d, "receive buffer %u has device-readable descriptors", cur->head);
            return VSWITCH_NOT_READY;
        }
        if (rc == 0 || (!mergeable && cur->in_len < total)) {
            if (rc > 0) { /* one buffer, too small: returned empty */
                virtio_push(d, NET_RXQ, cur->head, 0);
                virtio_signal(d, NET_RXQ);
            }
            while (n--)
                virtq_unpop(q);
            return VSWITCH_NO_ROOM;
        }
        uint64_t take = cur->in_len < total - done ? cur->in_len : total - done;
        rx_copy(cur, hdr, frame, done, take);
        heads[n] = cur->head;
        written[n++] = (uint32_t)take;
        done += take;
    }
    if (n > 1) {
        uint8_t nr[2] = { (uint8_t)n, 0 }; /* le16 num_buffers */
        virtq_copy_to_chain(&chain[0], NET_HDR_NUM_BUFFERS, nr, sizeof(nr));
    }
    for (unsigned i = 0; i < n; i++)
        virtq_put_used(q, i, heads[i], written[i]);
    virtq_publish_used(q, n);
    virtio_signal(d, NET_RXQ);
    return VSWITCH_DELIVERED;
}

/* A frame into the receive queue, with the offloads its header shows (none or those the
 * driver took). Takes d->lock. */
static enum vswitch_delivery rx_one(struct virtio_dev *d, const uint8_t *frame, unsigned len,
                                    const struct net_offload *o)
{
    enum vswitch_delivery r = VSWITCH_NOT_READY;
    spin_lock(&d->lock);
    if (virtio_queue_usable(d, NET_RXQ))
        r = rx_fill(d, frame, len, o);
    spin_unlock(&d->lock);
    return r;
}

/* Whether the driver took the offloads o leaves to the receiver. Read without d->lock: a
 * reset in between makes the frame one the driver may refuse, as any frame racing a reset. */
static bool rx_offload_taken(const struct virtio_dev *d, const struct net_offload *o)
{
    return offloads_negotiated(d, o, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6);
}

/* The segments of a frame for a driver that did not take segmentation. */
struct rx_segments {
    struct virtio_dev *d;
    enum vswitch_delivery worst; /* NOT_READY over NO_ROOM over DELIVERED */
};

static const struct net_offload complete_frame; /* nothing left to do */

static void rx_segment(void *ctx, const uint8_t *seg, unsigned len)
{
    struct rx_segments *s = ctx;
    enum vswitch_delivery r = rx_one(s->d, seg, len, &complete_frame);
    if (r > s->worst)
        s->worst = r;
}

/* The switch delivers a frame to this port (no lock held by the caller). */
static enum vswitch_delivery net_deliver(void *ctx, const uint8_t *frame, unsigned len, const struct net_offload *off)
{
    struct net_dev *n = ctx;
    struct virtio_dev *d = &n->dev;
    if (rx_offload_taken(d, off))
        return rx_one(d, frame, len, off);
    uint8_t seg[VSWITCH_MAX_FRAME];
    if (off->gso) {
        struct rx_segments s = { d, VSWITCH_DELIVERED };
        net_gso_segment(frame, len, off, seg, rx_segment, &s);
        return s.worst;
    }
    /* A checksum to finish: on a copy, as the frame may go to other ports too. */
    memcpy(seg, frame, len);
    net_csum_finish(seg, len, off);
    return rx_one(d, seg, len, &complete_frame);
}

/* The VM was refused: its port leaves the switch. */
static void net_release(struct virtio_dev *d)
{
    struct net_dev *n = d->priv;
    if (n->port >= 0)
        vswitch_detach(n->port);
    n->port = -1;
}

static const struct virtio_backend net_backend = {
    .name = "virtio-net",
    .device_id = NET_DEVICE_ID,
    .nr_queues = 2,
    .config = net_config,
    .notify = net_notify,
    .release = net_release,
};

static int virtio_net_attach(struct vm *vm, const struct vm_device *d, unsigned index, void *state)
{
    struct net_dev *n = state;
    spin_lock(&n->dev.lock);
    memcpy(n->mac, d->mac, ETH_ALEN);
    n->port = -1;
    spin_unlock(&n->dev.lock);
    /* The device first: the switch may deliver to the port as soon as it is registered (and
     * drops the frames until the driver is ready). */
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
        unsigned cpu = vm->cfg.affinity[i];
        if (__atomic_load_n(&tx_bounce[cpu], __ATOMIC_ACQUIRE))
            continue;
        /* No port has run on this CPU yet, so nothing reads its pointer before this store. */
        uint8_t *b = page_alloc(NET_BOUNCE_PAGES, PA_PAGE_SIZE);
        if (!b) {
            printk("elvisor: VM '%s' refused: virtio-net at 0x%lx: no memory for CPU %u's frame buffer\n", vm->cfg.name,
                   (unsigned long)d->ipa, cpu);
            return -1;
        }
        __atomic_store_n(&tx_bounce[cpu], b, __ATOMIC_RELEASE);
    }
    uint64_t features = NET_FEATURES | (d->no_offloads ? 0 : NET_OFFLOADS);
    if (virtio_mmio_attach(vm, d, &n->dev, &net_backend, features, n) < 0)
        return -1;
    int port = vswitch_attach(vm, d->mac, d->port_security, net_deliver, n);
    if (port < 0) {
        const uint8_t *m = d->mac;
        if (port == VSWITCH_MAC_TAKEN)
            printk("elvisor: VM '%s' refused: virtio-net at 0x%lx: mac %02x:%02x:%02x:%02x:%02x:%02x is another "
                   "port's\n",
                   vm->cfg.name, (unsigned long)d->ipa, m[0], m[1], m[2], m[3], m[4], m[5]);
        else
            printk("elvisor: VM '%s' refused: virtio-net at 0x%lx: the switch has no free port\n", vm->cfg.name,
                   (unsigned long)d->ipa);
        return -1;
    }
    spin_lock(&n->dev.lock);
    n->port = port;
    spin_unlock(&n->dev.lock);
    return 0;
}

const struct vdev_ops virtio_net_ops = {
    .attach = virtio_net_attach,
    .dt_node = virtio_mmio_dt_node,
    .quiesce = virtio_mmio_quiesce,
    .release = virtio_mmio_release,
    .list_status = vswitch_print,
};
