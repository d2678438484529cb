/* virtio network device (virtio 1.2, 5.1): one port of the hypervisor's virtual switch
 * (vdev/vswitch.c). Queues: receiveq0 (0) and transmitq0 (1); no control queue, no offloads,
 * no mergeable receive buffers. Features: VIRTIO_NET_F_MAC (the configured address),
 * VIRTIO_NET_F_STATUS (always LINK_UP), VIRTIO_NET_F_MTU (1500). Every buffer starts with
 * the 12-byte struct virtio_net_hdr of VERSION_1 (num_buffers included); frames are 14 to
 * 1514 bytes.
 *
 * Locking. The transport calls notify with d->lock held, and a device's lock is never held
 * while another device's is taken. Delivering a frame takes the destination port's lock, so
 * the transmit path takes one chain at a time under its own lock: pop, copy header and frame
 * into a stack bounce buffer, push the chain back used, then RELEASE d->lock, hand the copy
 * to the switch (which takes the MAC table's leaf lock, drops it, then takes each destination's
 * device lock in turn, alone), and take d->lock again for the next chain. Two VMs sending to
 * each other from two CPUs therefore never wait for each other's lock while holding their
 * own. While d->lock is released, another vCPU may reset the device or the VM may stop:
 * virtio_pop checks again before every chain, and nothing popped is touched after the unlock.
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
 * used. A transmit chain without room for the header is a driver error (the device needs
 * reset); a frame shorter than an Ethernet header or longer than 1514 bytes is dropped and
 * counted. A receive buffer with device-readable descriptors is a driver error; one too
 * small for the frame is returned empty and the frame counted as a drop. Without a receive
 * buffer a frame is dropped, as a real NIC would: frames are never held back, so the
 * receive queue's notification has nothing to do. */
#include "vdev/virtio_devices.h"
#include "vdev/virtio_mmio.h"
#include "vdev/vswitch.h"
#include "core/console.h"
#include "lib/string.h"

#define NET_DEVICE_ID 1
#define NET_RXQ       0
#define NET_TXQ       1

/* 5.1.3 feature bits, 5.1.4 status bits */
#define VIRTIO_NET_F_MTU     (1ULL << 3)
#define VIRTIO_NET_F_MAC     (1ULL << 5)
#define VIRTIO_NET_F_STATUS  (1ULL << 16)
#define VIRTIO_NET_S_LINK_UP 1
#define NET_MTU              1500

/* 5.1.6: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers */
#define NET_HDR_LEN         12
#define NET_HDR_NUM_BUFFERS 10
#define NET_CONFIG_LEN      12 /* mac[6], status, max_virtqueue_pairs, mtu */

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

/* d->lock held. Takes one transmit chain, copies its frame into frame[] and returns the chain
 * used. Returns the frame's length, 0 for a chain whose frame is dropped, -1 when there is
 * nothing (more) to take: queue empty, device not usable, or the driver broke the rules. */
static int tx_take(struct net_dev *n, uint8_t *frame)
{
    struct virtio_dev *d = &n->dev;
    struct virtq_chain c;
    if (net_pop(d, NET_TXQ, &c) <= 0)
        return -1;
    if (c.out_len < NET_HDR_LEN) {
        virtio_fail(d, "transmit buffer of %lu bytes has no virtio_net_hdr", (unsigned long)c.out_len);
        return -1;
    }
    /* The header asks for nothing that was offered (no checksum or segmentation offload):
     * it is not interpreted (5.1.6.2.2: unknown flags are ignored). */
    uint64_t len = c.out_len - NET_HDR_LEN;
    int ret = 0;
    if (len >= ETH_HLEN && len <= VSWITCH_MAX_FRAME && virtq_copy_from_chain(&c, NET_HDR_LEN, frame, len) == len)
        ret = (int)len;
    virtio_push(d, NET_TXQ, c.head, 0);
    virtio_signal(d, NET_TXQ);
    return ret;
}

/* d->lock held on entry and on return, released around each forward (see the top). */
static void net_tx(struct net_dev *n)
{
    struct virtio_dev *d = &n->dev;
    uint8_t frame[VSWITCH_MAX_FRAME];
    unsigned taken = 0;
    int len;
    while ((len = tx_take(n, frame)) >= 0) {
        int port = n->port;
        if (len == 0) {
            vswitch_tx_drop(port);
        } else {
            spin_unlock(&d->lock);
            vswitch_forward(port, frame, (unsigned)len);
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

/* d->lock held, c taken from the receive queue. */
static enum vswitch_delivery rx_fill(struct virtio_dev *d, const struct virtq_chain *c, const uint8_t *frame,
                                     unsigned len)
{
    if (c->nr_out) {
        virtio_fail(d, "receive buffer %u has device-readable descriptors", c->head);
        return VSWITCH_NOT_READY;
    }
    enum vswitch_delivery r = VSWITCH_NO_ROOM;
    uint32_t written = 0;
    if (c->in_len >= NET_HDR_LEN + len) {
        uint8_t hdr[NET_HDR_LEN] = { 0 };
        hdr[NET_HDR_NUM_BUFFERS] = 1; /* le16 num_buffers */
        virtq_copy_to_chain(c, 0, hdr, NET_HDR_LEN);
        virtq_copy_to_chain(c, NET_HDR_LEN, frame, len);
        written = NET_HDR_LEN + len;
        r = VSWITCH_DELIVERED;
    }
    virtio_push(d, NET_RXQ, c->head, written);
    virtio_signal(d, NET_RXQ);
    return r;
}

/* The switch delivers a frame to this port (no lock held by the caller). */
static enum vswitch_delivery net_deliver(void *ctx, const uint8_t *frame, unsigned len)
{
    struct net_dev *n = ctx;
    struct virtio_dev *d = &n->dev;
    enum vswitch_delivery r = VSWITCH_NOT_READY;
    struct virtq_chain c;
    spin_lock(&d->lock);
    if (virtio_queue_usable(d, NET_RXQ)) {
        int rc = net_pop(d, NET_RXQ, &c);
        if (rc == 0)
            r = VSWITCH_NO_ROOM;
        else if (rc > 0)
            r = rx_fill(d, &c, frame, len);
    }
    spin_unlock(&d->lock);
    return r;
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
    if (virtio_mmio_attach(vm, d, &n->dev, &net_backend, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MTU, n) <
        0)
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
