/* The virtual switch (vdev/vswitch.h): ports, a MAC learning table, forwarding and counters.
 *
 * MAC table: 64 buckets of 4 entries, set-associative by a keyed hash of the address
 * (SipHash-2-4, a key chosen at the first attach), so a guest cannot tell which addresses
 * share a bucket. An entry maps a source address to the port it was last seen on and ages out
 * after VSWITCH_MAC_AGE_S seconds without traffic. A new address takes a free or expired way
 * of its bucket, or its own port's oldest; never another port's live entry, and one port holds
 * at most 2 ways of a bucket and MAC_PER_PORT entries in all. So no VM can push another
 * station out of the table and have its frames flooded to every port (issue 13 item 11).
 *
 * Each port's configured address (the virtio-net "mac") belongs to it whatever the table
 * says: a frame to it goes to that port only, learned or not, and a frame from another port
 * that claims it as its source is dropped (counted as a transmit drop). A port configured with
 * port-security sends only from its configured address. */
#include "vdev/vswitch.h"
#include "core/console.h"
#include "core/entropy.h"
#include "drivers/timer.h"
#include "lib/siphash.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define MAC_BUCKETS       64
#define MAC_WAYS          4
#define MAC_WAYS_PER_PORT 2 /* of one bucket */
#define MAC_PER_PORT      64
#define VSWITCH_MAC_AGE_S 300

struct port {
    struct vm *vm;
    void *ctx; /* the port's identity: its device's static storage */
    vswitch_deliver_fn deliver;
    uint8_t mac[ETH_ALEN]; /* the configured address (table_lock) */
    bool port_security;    /* sends only from mac */
    /* Atomic counters, from the VM's side: rx = frames delivered to it. */
    uint64_t rx_packets, rx_bytes, rx_drops;
    uint64_t tx_packets, tx_bytes, tx_drops;
};

struct mac_entry {
    uint8_t mac[ETH_ALEN];
    bool valid;
    uint8_t port;
    uint64_t seen; /* timer_now() when last seen as a source */
};

static struct port ports[VSWITCH_MAX_PORTS];
static unsigned nr_ports; /* ports[0..nr_ports) are registered; read with acquire */

/* A leaf lock: protects mac_table, learned[], mac_key and the registration of ports. */
static spinlock_t table_lock = SPINLOCK_INIT;
static struct siphash_key mac_key;
static bool mac_key_chosen;
static struct mac_entry mac_table[MAC_BUCKETS][MAC_WAYS];
static unsigned learned[VSWITCH_MAX_PORTS]; /* valid entries owned by each port */

static void count(uint64_t *c, uint64_t n) { __atomic_fetch_add(c, n, __ATOMIC_RELAXED); }

static unsigned published_ports(void) { return __atomic_load_n(&nr_ports, __ATOMIC_ACQUIRE); }

static unsigned mac_hash(const uint8_t *mac) { return siphash24(&mac_key, mac, ETH_ALEN) % MAC_BUCKETS; }

/* Signed: an entry stamped by another CPU a moment later than `now` is fresh, not ancient. */
static bool expired(const struct mac_entry *e, uint64_t now)
{
    return (int64_t)(now - e->seen) > (int64_t)(VSWITCH_MAC_AGE_S * timer_freq());
}

static bool is_multicast(const uint8_t *mac) { return mac[0] & 1; }

/* table_lock held. */
static void forget(struct mac_entry *e)
{
    if (e->valid) {
        e->valid = false;
        learned[e->port]--;
    }
}

/* table_lock held: drops port's expired entries; true if it is below its limit afterwards. */
static bool make_room(unsigned port, uint64_t now)
{
    if (learned[port] < MAC_PER_PORT)
        return true;
    for (unsigned b = 0; b < MAC_BUCKETS; b++)
        for (unsigned w = 0; w < MAC_WAYS; w++) {
            struct mac_entry *e = &mac_table[b][w];
            if (e->valid && e->port == port && expired(e, now))
                forget(e);
        }
    return learned[port] < MAC_PER_PORT;
}

/* table_lock held: the attached port whose configured address is `mac`, or -1. A scan of the
 * ports, made only when the table misses or an address moves. */
static int configured_owner(const uint8_t *mac)
{
    unsigned n = nr_ports;
    for (unsigned p = 0; p < n; p++)
        if (ports[p].vm && !memcmp(ports[p].mac, mac, ETH_ALEN))
            return (int)p;
    return -1;
}

static bool older(const struct mac_entry *a, const struct mac_entry *b) { return (int64_t)(a->seen - b->seen) < 0; }

/* table_lock held: the way of `set` a new address of `port` may take (see the top), or NULL. */
static struct mac_entry *pick_way(struct mac_entry *set, unsigned port, uint64_t now)
{
    struct mac_entry *free_way = 0, *own_oldest = 0;
    unsigned own = 0;
    for (unsigned w = 0; w < MAC_WAYS; w++) {
        struct mac_entry *e = &set[w];
        if (!e->valid || expired(e, now)) {
            free_way = free_way ? free_way : e;
        } else if (e->port == port) {
            own++;
            own_oldest = !own_oldest || older(e, own_oldest) ? e : own_oldest;
        }
    }
    if (own >= MAC_WAYS_PER_PORT || !free_way)
        return own_oldest;
    return make_room(port, now) ? free_way : own_oldest;
}

/* table_lock held: the source address `mac` was seen on `port`. False if it is another port's
 * configured address (a forged frame, to be dropped). */
static bool learn(unsigned port, const uint8_t *mac, uint64_t now)
{
    struct mac_entry *set = mac_table[mac_hash(mac)], *known = 0;
    for (unsigned w = 0; w < MAC_WAYS && !known; w++)
        if (set[w].valid && !memcmp(set[w].mac, mac, ETH_ALEN))
            known = &set[w]; /* an address holds at most one way */
    if (known && known->port == port) {
        known->seen = now;
        return true;
    }
    /* New here, or the station moved (or is impersonated). */
    int owner = configured_owner(mac);
    if (owner >= 0 && (unsigned)owner != port)
        return false;
    if (known)
        forget(known);
    struct mac_entry *way = pick_way(set, port, now);
    if (!way)
        return true; /* not learned: frames to it are flooded (slower, never wrong) */
    forget(way);
    memcpy(way->mac, mac, ETH_ALEN);
    way->port = (uint8_t)port;
    way->seen = now;
    way->valid = true;
    learned[port]++;
    return true;
}

/* table_lock held: the port that owns `mac`, or -1. */
static int lookup(const uint8_t *mac, uint64_t now)
{
    const struct mac_entry *set = mac_table[mac_hash(mac)];
    for (unsigned w = 0; w < MAC_WAYS; w++) {
        const struct mac_entry *e = &set[w];
        if (e->valid && !memcmp(e->mac, mac, ETH_ALEN) && !expired(e, now))
            return e->port;
    }
    return configured_owner(mac);
}

/* Every address learned on `port`. table_lock held. */
static void forget_port(unsigned port)
{
    for (unsigned b = 0; b < MAC_BUCKETS; b++)
        for (unsigned w = 0; w < MAC_WAYS; w++)
            if (mac_table[b][w].valid && mac_table[b][w].port == port)
                forget(&mac_table[b][w]);
}

int vswitch_attach(struct vm *vm, const uint8_t mac[ETH_ALEN], bool port_security, vswitch_deliver_fn deliver,
                   void *ctx)
{
    int found = VSWITCH_FULL;
    spin_lock(&table_lock);
    int owner = configured_owner(mac);
    if (owner >= 0 && ports[owner].ctx != ctx) {
        spin_unlock(&table_lock);
        return VSWITCH_MAC_TAKEN;
    }
    if (!mac_key_chosen) {
        mac_key.k0 = entropy_u64();
        mac_key.k1 = entropy_u64();
        mac_key_chosen = true;
    }
    unsigned n = nr_ports;
    for (unsigned p = 0; p < n; p++)
        if (ports[p].ctx == ctx)
            found = (int)p;
    if (found < 0 && n < VSWITCH_MAX_PORTS) {
        ports[n].ctx = ctx;
        ports[n].deliver = deliver;
        found = (int)n;
        __atomic_store_n(&nr_ports, n + 1, __ATOMIC_RELEASE);
    }
    if (found >= 0) {
        struct port *p = &ports[found];
        p->vm = vm;
        memcpy(p->mac, mac, ETH_ALEN);
        p->port_security = port_security;
        forget_port((unsigned)found); /* a VM reset: what was learned no longer holds */
    }
    spin_unlock(&table_lock);
    return found;
}

void vswitch_detach(int port)
{
    if (port < 0 || (unsigned)port >= published_ports())
        return;
    spin_lock(&table_lock);
    ports[port].vm = 0;
    forget_port((unsigned)port);
    spin_unlock(&table_lock);
}

void vswitch_tx_drop(int port)
{
    if (port >= 0 && (unsigned)port < published_ports())
        count(&ports[port].tx_drops, 1);
}

static void deliver_to(unsigned p, const uint8_t *frame, unsigned len, const struct net_offload *off, bool unicast)
{
    struct port *dp = &ports[p];
    if (!__atomic_load_n(&dp->vm, __ATOMIC_ACQUIRE))
        return; /* detached: its VM was refused */
    switch (dp->deliver(dp->ctx, frame, len, off)) {
    case VSWITCH_DELIVERED:
        count(&dp->rx_packets, 1);
        count(&dp->rx_bytes, len);
        break;
    case VSWITCH_NO_ROOM:
        count(&dp->rx_drops, 1);
        break;
    case VSWITCH_NOT_READY:
        /* A flood skips ports that are down; a frame addressed to one is lost. */
        if (unicast)
            count(&dp->rx_drops, 1);
        break;
    }
}

void vswitch_forward(int src, const uint8_t *frame, unsigned len, const struct net_offload *off)
{
    unsigned n = published_ports();
    if (src < 0 || (unsigned)src >= n)
        return;
    struct port *sp = &ports[src];
    const uint8_t *dst = frame, *smac = frame + ETH_ALEN;
    if (len < ETH_HLEN || len > (off->gso ? NET_GSO_MAX_FRAME : VSWITCH_MAX_FRAME) || is_multicast(smac)) {
        count(&sp->tx_drops, 1); /* no station sends from a group address */
        return;
    }
    int to = -1;
    spin_lock(&table_lock);
    bool forged = sp->port_security && memcmp(smac, sp->mac, ETH_ALEN) != 0;
    uint64_t now = timer_now();
    forged = forged || !learn((unsigned)src, smac, now);
    if (!forged && !is_multicast(dst))
        to = lookup(dst, now);
    spin_unlock(&table_lock);
    if (forged) {
        count(&sp->tx_drops, 1);
        return;
    }
    count(&sp->tx_packets, 1);
    count(&sp->tx_bytes, len);
    /* No lock is held from here on: each delivery takes its port's device lock alone. */
    if (to == src)
        return; /* the destination sits behind the sender's own port */
    if (to >= 0) {
        deliver_to((unsigned)to, frame, len, off, true);
        return;
    }
    for (unsigned p = 0; p < n; p++)
        if (p != (unsigned)src)
            deliver_to(p, frame, len, off, false);
}

/* A port whose VM was refused after its devices were attached is detached (vm NULL): it
 * stays registered, as its slot may come back with the next VM, but is not shown. */
static bool port_shown(const struct port *p) { return p->vm && p->vm >= vms && p->vm < vms + nr_vms; }

static uint64_t get(const uint64_t *c) { return __atomic_load_n(c, __ATOMIC_RELAXED); }

void vswitch_print(void)
{
    unsigned n = published_ports();
    unsigned macs[VSWITCH_MAX_PORTS];
    if (!n)
        return;
    spin_lock(&table_lock);
    for (unsigned p = 0; p < n; p++)
        macs[p] = learned[p];
    spin_unlock(&table_lock);
    printk("elvisor: virtual switch, %u port(s) (rx: to the VM, tx: from the VM):\n", n);
    for (unsigned p = 0; p < n; p++) {
        const struct port *pp = &ports[p];
        if (!port_shown(pp))
            continue;
        const uint8_t *m = pp->mac;
        printk("  port %u %-16s %02x:%02x:%02x:%02x:%02x:%02x rx %lu pkts %lu bytes %lu drops, "
               "tx %lu pkts %lu bytes %lu drops, %u MACs learned\n",
               p, pp->vm->cfg.name, m[0], m[1], m[2], m[3], m[4], m[5], (unsigned long)get(&pp->rx_packets),
               (unsigned long)get(&pp->rx_bytes), (unsigned long)get(&pp->rx_drops),
               (unsigned long)get(&pp->tx_packets), (unsigned long)get(&pp->tx_bytes),
               (unsigned long)get(&pp->tx_drops), macs[p]);
    }
}
