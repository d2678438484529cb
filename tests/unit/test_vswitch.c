/* Unit tests for vdev/vswitch.c (the virtual switch behind virtio-net ports).
 *
 * Four fake ports (each a recorder of the frames delivered to it, with a switch to play a
 * port whose driver is not ready or has no buffer) on VMs of a fake vms[] array; the clock
 * is a variable. The switch's state is static, so the tests run in order on the same four
 * ports, each starting from what the previous left (noted where it matters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vdev/vswitch.h"
#include "core/console.h"
#include "core/entropy.h"
#include "drivers/timer.h"
#include "lib/siphash.h"

/* ---- stand-ins ---- */

struct vm vms[CONFIG_MAX_VMS];
unsigned nr_vms;
static const struct net_offload no_offload; /* complete frames */
static uint64_t now;
static char printed[4096];

uint64_t timer_now(void) { return now; }
uint64_t timer_freq(void) { return 1000; } /* 1 tick = 1 ms */

/* The switch's hash key, known here so that the tests can play an attacker who knows it. */
static const struct siphash_key test_key = { 0x1234, 0x5678 };
static unsigned entropy_calls;
uint64_t entropy_u64(void) { return entropy_calls++ ? test_key.k1 : test_key.k0; }
static unsigned bucket_of(const uint8_t *mac) { return siphash24(&test_key, mac, ETH_ALEN) % 64; }

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t len = strlen(printed);
    vsnprintf(printed + len, sizeof(printed) - len, fmt, ap);
    va_end(ap);
}

/* ---- fake ports ---- */

#define NPORTS 4

struct fake {
    enum vswitch_delivery answer; /* what the port says when a frame comes */
    unsigned got;                 /* frames delivered (or offered) since the last clear */
    uint8_t last[VSWITCH_MAX_FRAME];
    unsigned last_len;
    const struct net_offload *last_off;
    int port;
    uint8_t mac[ETH_ALEN];
};

static struct fake fakes[NPORTS];

static enum vswitch_delivery deliver(void *ctx, const uint8_t *frame, unsigned len, const struct net_offload *off)
{
    struct fake *f = ctx;
    f->got++;
    f->last_off = off;
    if (f->answer == VSWITCH_DELIVERED) {
        memcpy(f->last, frame, len < sizeof(f->last) ? len : sizeof(f->last));
        f->last_len = len;
    }
    return f->answer;
}

static void clear(void)
{
    for (unsigned i = 0; i < NPORTS; i++)
        fakes[i].got = 0;
}

static const uint8_t BCAST[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static unsigned frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src, unsigned len)
{
    memset(buf, 0xa5, len);
    memcpy(buf, dst, ETH_ALEN);
    memcpy(buf + ETH_ALEN, src, ETH_ALEN);
    return len;
}

/* Port `from` sends a frame of len bytes from MAC src to dst. */
static void send(unsigned from, const uint8_t *dst, const uint8_t *src, unsigned len)
{
    uint8_t buf[VSWITCH_MAX_FRAME + 16];
    clear();
    vswitch_forward(fakes[from].port, buf, frame(buf, dst, src, len), &no_offload);
}

/* Which fake ports got the last frame, as a bit mask. */
static unsigned got(void)
{
    unsigned m = 0;
    for (unsigned i = 0; i < NPORTS; i++)
        if (fakes[i].got)
            m |= 1u << i;
    return m;
}

/* Counters as vswitch_print shows them: "rx P pkts B bytes D drops, tx ...". */
struct counters {
    unsigned long rx_p, rx_b, rx_d, tx_p, tx_b, tx_d;
    unsigned macs;
};

static struct counters counters_of(unsigned i)
{
    printed[0] = 0;
    vswitch_print();
    char key[64];
    snprintf(key, sizeof(key), "port %d %-16s", fakes[i].port, vms[i].cfg.name);
    const char *line = strstr(printed, key);
    assert_non_null(line);
    struct counters c;
    int n = sscanf(line + strlen(key), " %*s rx %lu pkts %lu bytes %lu drops, tx %lu pkts %lu bytes %lu drops, %u MACs",
                   &c.rx_p, &c.rx_b, &c.rx_d, &c.tx_p, &c.tx_b, &c.tx_d, &c.macs);
    assert_int_equal(n, 7);
    return c;
}

static int setup(void **state)
{
    nr_vms = NPORTS;
    for (unsigned i = 0; i < NPORTS; i++) {
        snprintf(vms[i].cfg.name, sizeof(vms[i].cfg.name), "vm%u", i);
        uint8_t mac[ETH_ALEN] = { 0x02, 0, 0, 0, (uint8_t)(i + 1), 1 };
        memcpy(fakes[i].mac, mac, ETH_ALEN);
        fakes[i].answer = VSWITCH_DELIVERED;
        fakes[i].port = vswitch_attach(&vms[i], mac, false, deliver, &fakes[i]);
        if (fakes[i].port != (int)i)
            return -1;
    }
    now = 1000000;
    return 0;
}

/* ---- tests ---- */

static void broadcast_floods_to_all_others(void **state)
{
    send(0, BCAST, fakes[0].mac, 60);
    assert_int_equal(got(), 0xe);
    assert_int_equal(fakes[1].last_len, 60);
    assert_memory_equal(fakes[1].last + ETH_ALEN, fakes[0].mac, ETH_ALEN);
    uint8_t mcast[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
    send(2, mcast, fakes[2].mac, 100);
    assert_int_equal(got(), 0xb);
}

static void learned_unicast_goes_to_one_port(void **state)
{
    /* vm0 and vm2 were learned by the previous test. */
    send(1, fakes[0].mac, fakes[1].mac, 98);
    assert_int_equal(got(), 0x1);
    send(3, fakes[1].mac, fakes[3].mac, 98);
    assert_int_equal(got(), 0x2);
    send(0, fakes[2].mac, fakes[0].mac, 1514);
    assert_int_equal(got(), 0x4);
    assert_int_equal(fakes[2].last_len, 1514);
}

static void unknown_unicast_floods(void **state)
{
    uint8_t nobody[ETH_ALEN] = { 0x02, 0x99, 0, 0, 0, 9 };
    send(0, nobody, fakes[0].mac, 60);
    assert_int_equal(got(), 0xe);
}

static void never_back_to_the_source(void **state)
{
    /* Addressed to a station behind the sender's own port: filtered. */
    send(0, fakes[0].mac, fakes[0].mac, 60);
    assert_int_equal(got(), 0);
    /* A station behind a port (a bridge in the VM) that moves is learned on its new port. */
    uint8_t station[ETH_ALEN] = { 0x02, 0x51, 0, 0, 0, 1 };
    send(0, BCAST, station, 60);
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
    send(3, BCAST, station, 60);
    assert_int_equal(got(), 0x7);
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x8);
    send(0, BCAST, station, 60); /* and back */
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
}

static void bad_frames_are_transmit_drops(void **state)
{
    struct counters before = counters_of(3);
    uint8_t mcast_src[ETH_ALEN] = { 0x03, 0, 0, 0, 0, 1 };
    send(3, BCAST, fakes[3].mac, ETH_HLEN - 1);
    send(3, BCAST, fakes[3].mac, VSWITCH_MAX_FRAME + 1);
    send(3, fakes[0].mac, mcast_src, 60);
    assert_int_equal(got(), 0);
    struct counters after = counters_of(3);
    assert_int_equal(after.tx_d, before.tx_d + 3);
    assert_int_equal(after.tx_p, before.tx_p);
    send(3, BCAST, fakes[3].mac, ETH_HLEN); /* the shortest frame is fine */
    assert_int_equal(got(), 0x7);
    vswitch_forward(-1, fakes[0].last, 60, &no_offload); /* unknown ports are ignored */
    vswitch_forward(NPORTS + 3, fakes[0].last, 60, &no_offload);
    vswitch_tx_drop(-1);
}

/* A segmentation frame may be up to NET_GSO_MAX_FRAME bytes; its offloads reach every port. */
static void segmentation_frames_pass_with_their_offloads(void **state)
{
    static uint8_t big[NET_GSO_MAX_FRAME + 1];
    struct net_offload tso = { .gso = NET_HDR_GSO_TCPV4, .needs_csum = true, .gso_size = 1448 };
    clear();
    vswitch_forward(fakes[1].port, big, frame(big, BCAST, fakes[1].mac, NET_GSO_MAX_FRAME), &tso);
    assert_int_equal(got(), 0xd);
    assert_ptr_equal(fakes[0].last_off, &tso);
    assert_int_equal(fakes[0].last_len, NET_GSO_MAX_FRAME);
    struct counters before = counters_of(1);
    clear();
    vswitch_forward(fakes[1].port, big, frame(big, BCAST, fakes[1].mac, NET_GSO_MAX_FRAME + 1), &tso);
    vswitch_forward(fakes[1].port, big, frame(big, BCAST, fakes[1].mac, VSWITCH_MAX_FRAME + 1), &no_offload);
    assert_int_equal(got(), 0);
    assert_int_equal(counters_of(1).tx_d, before.tx_d + 2);
}

static void ports_not_ready_are_skipped_and_full_ones_drop(void **state)
{
    struct counters c2 = counters_of(2), c3 = counters_of(3);
    fakes[2].answer = VSWITCH_NOT_READY;
    fakes[3].answer = VSWITCH_NO_ROOM;
    send(0, BCAST, fakes[0].mac, 60);
    assert_int_equal(got(), 0xe); /* offered to all three... */
    struct counters n2 = counters_of(2), n3 = counters_of(3);
    assert_int_equal(n2.rx_d, c2.rx_d); /* ...a port that is down is no drop */
    assert_int_equal(n2.rx_p, c2.rx_p);
    assert_int_equal(n3.rx_d, c3.rx_d + 1);  /* a port without buffers is */
    send(0, fakes[2].mac, fakes[0].mac, 60); /* unicast for a port that is down: lost */
    assert_int_equal(got(), 0x4);
    assert_int_equal(counters_of(2).rx_d, c2.rx_d + 1);
    fakes[2].answer = fakes[3].answer = VSWITCH_DELIVERED;
}

static void counters_count_packets_and_bytes(void **state)
{
    struct counters a = counters_of(0), b = counters_of(1);
    send(0, fakes[1].mac, fakes[0].mac, 1000);
    send(0, fakes[1].mac, fakes[0].mac, 500);
    send(1, fakes[0].mac, fakes[1].mac, 64);
    struct counters a2 = counters_of(0), b2 = counters_of(1);
    assert_int_equal(a2.tx_p - a.tx_p, 2);
    assert_int_equal(a2.tx_b - a.tx_b, 1500);
    assert_int_equal(b2.rx_p - b.rx_p, 2);
    assert_int_equal(b2.rx_b - b.rx_b, 1500);
    assert_int_equal(a2.rx_p - a.rx_p, 1);
    assert_int_equal(a2.rx_b - a.rx_b, 64);
    assert_int_equal(b2.tx_b - b.tx_b, 64);
    char line[80];
    snprintf(line, sizeof(line), "port 0 %-16s 02:00:00:00:01:01 rx ", "vm0");
    assert_non_null(strstr(printed, line));
    assert_non_null(strstr(printed, "elvisor: virtual switch, 4 port(s)"));
}

static void entries_age_out(void **state)
{
    uint8_t station[ETH_ALEN] = { 0x02, 0x52, 0, 0, 0, 1 }; /* behind vm0's port */
    send(0, BCAST, station, 60);
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
    now += 300 * 1000 + 1; /* 300 s and a tick without a frame from it */
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0xd);       /* flooded */
    send(0, fakes[1].mac, station, 60); /* it speaks: learned again */
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
    /* A stamp from another CPU a little ahead of this one's clock is fresh, not ancient. */
    now += 5;
    send(0, fakes[1].mac, station, 60);
    now -= 3;
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
    /* A port's configured address never ages out: vm0 has not spoken for 300 s. */
    now += 301 * 1000;
    send(1, fakes[0].mac, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
}

static void one_port_cannot_fill_the_table(void **state)
{
    /* vm3 invents 500 source addresses: it keeps at most 64 entries. */
    for (unsigned i = 0; i < 500; i++) {
        uint8_t src[ETH_ALEN] = { 0x02, 0xee, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        send(3, BCAST, src, 60);
    }
    assert_true(counters_of(3).macs <= 64);
    /* vm2 speaks now (taking an entry of vm3's if its bucket is full), then vm3 invents more:
     * vm2 stays learned. */
    send(2, BCAST, fakes[2].mac, 60);
    for (unsigned i = 500; i < 1500; i++) {
        uint8_t src[ETH_ALEN] = { 0x02, 0xee, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        send(3, BCAST, src, 60);
    }
    assert_true(counters_of(3).macs <= 64);
    send(1, fakes[2].mac, fakes[1].mac, 60);
    assert_int_equal(got(), 0x4);
    /* Once vm3's entries expire it can learn again. */
    now += 301 * 1000;
    send(3, BCAST, fakes[3].mac, 60);
    send(0, fakes[3].mac, fakes[0].mac, 60);
    assert_int_equal(got(), 0x8);
}

static void reattach_keeps_the_port_and_forgets_its_addresses(void **state)
{
    uint8_t station[ETH_ALEN] = { 0x02, 0x53, 0, 0, 0, 1 }; /* behind vm0's port */
    send(0, BCAST, fakes[0].mac, 60);
    send(0, BCAST, station, 60);
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1);
    struct counters before = counters_of(0);
    assert_int_equal(vswitch_attach(&vms[0], fakes[0].mac, false, deliver, &fakes[0]), fakes[0].port);
    assert_int_equal(counters_of(0).macs, 0);
    assert_int_equal(counters_of(0).rx_p, before.rx_p);
    send(1, station, fakes[1].mac, 60);
    assert_int_equal(got(), 0xd); /* the station is unknown again: flooded */
    send(1, fakes[0].mac, fakes[1].mac, 60);
    assert_int_equal(got(), 0x1); /* vm0's own address is not */
}

static void ports_of_vms_that_do_not_exist_are_not_shown(void **state)
{
    static struct fake other = { .answer = VSWITCH_NOT_READY };
    uint8_t mac[ETH_ALEN] = { 0x02, 0, 0, 0, 9, 9 };
    int p = vswitch_attach(&vms[NPORTS], mac, false, deliver, &other);
    assert_int_equal(p, NPORTS);
    printed[0] = 0;
    vswitch_print();
    assert_null(strstr(printed, "02:00:00:00:09:09"));
    assert_non_null(strstr(printed, "02:00:00:00:04:01"));
}

static void the_switch_has_a_port_limit(void **state)
{
    static struct fake ctx[VSWITCH_MAX_PORTS];
    int last = 0;
    for (unsigned i = NPORTS + 1; i < VSWITCH_MAX_PORTS; i++) {
        uint8_t mac[ETH_ALEN] = { 0x02, 0x77, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        ctx[i].answer = VSWITCH_NOT_READY;
        last = vswitch_attach(&vms[0], mac, false, deliver, &ctx[i]);
    }
    assert_int_equal(last, VSWITCH_MAX_PORTS - 1);
    uint8_t mac[ETH_ALEN] = { 0x02, 0x78, 0, 0, 0, 0 };
    assert_int_equal(vswitch_attach(&vms[0], mac, false, deliver, &ctx[0]), VSWITCH_FULL);
    send(0, BCAST, fakes[0].mac, 60); /* a flood over 64 ports */
    assert_int_equal(got(), 0xe);
    assert_int_equal(ctx[VSWITCH_MAX_PORTS - 1].got, 1);
}

/* Issue 13 item 11: an attacker who knows the hash fills the bucket of a station behind vm1
 * with addresses of its own; the station stays learned, and unicast to it (or to vm1's own
 * address) never reaches the attacker. */
static void a_port_cannot_evict_another_ports_entry(void **state)
{
    uint8_t station[ETH_ALEN] = { 0x02, 0x54, 0, 0, 0, 1 };
    send(1, BCAST, station, 60);
    unsigned crafted = 0;
    for (unsigned i = 0; i < 100000 && crafted < 8; i++) {
        uint8_t src[ETH_ALEN] = { 0x02, 0xaa, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        if (bucket_of(src) == bucket_of(station) || bucket_of(src) == bucket_of(fakes[1].mac)) {
            send(3, BCAST, src, 60);
            crafted++;
        }
    }
    assert_int_equal(crafted, 8);
    send(0, station, fakes[0].mac, 60);
    assert_int_equal(got(), 0x2);
    send(0, fakes[1].mac, fakes[0].mac, 60);
    assert_int_equal(got(), 0x2);
}

/* A frame from another port's configured address is forged: dropped and counted, and it
 * does not move that address to the sender. */
static void another_ports_address_is_not_a_source(void **state)
{
    struct counters before = counters_of(3);
    send(3, BCAST, fakes[1].mac, 60);
    assert_int_equal(got(), 0);
    assert_int_equal(counters_of(3).tx_d, before.tx_d + 1);
    send(0, fakes[1].mac, fakes[0].mac, 60);
    assert_int_equal(got(), 0x2);
}

/* Two ports may not have one address; a port with port-security sends only from its own. */
static void port_security_and_unique_addresses(void **state)
{
    static struct fake twin = { .answer = VSWITCH_DELIVERED };
    assert_int_equal(vswitch_attach(&vms[3], fakes[0].mac, false, deliver, &twin), VSWITCH_MAC_TAKEN);
    assert_int_equal(vswitch_attach(&vms[3], fakes[3].mac, true, deliver, &fakes[3]), fakes[3].port);
    struct counters before = counters_of(3);
    uint8_t bridged[ETH_ALEN] = { 0x02, 0x55, 0, 0, 0, 1 };
    send(3, BCAST, bridged, 60);
    assert_int_equal(got(), 0);
    assert_int_equal(counters_of(3).tx_d, before.tx_d + 1);
    send(3, BCAST, fakes[3].mac, 60);
    assert_int_equal(got(), 0x7);
    assert_int_equal(vswitch_attach(&vms[3], fakes[3].mac, false, deliver, &fakes[3]), fakes[3].port);
}

/* A VM refused after its port attached (virtio_release): the port leaves the listing, its
 * learned addresses go, and floods pass it by. Last: it takes vm3's port away. */
static void a_detached_port_is_gone(void **state)
{
    send(3, BCAST, fakes[3].mac, 60); /* vm3's address is learned */
    char mac[24];
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", fakes[3].mac[0], fakes[3].mac[1], fakes[3].mac[2],
             fakes[3].mac[3], fakes[3].mac[4], fakes[3].mac[5]);
    vswitch_detach(fakes[3].port);
    printed[0] = 0;
    vswitch_print();
    assert_null(strstr(printed, mac));
    send(0, fakes[3].mac, fakes[0].mac, 60); /* unknown again: flooded, but not to vm3 */
    assert_int_equal(got(), 0x6);
    send(0, BCAST, fakes[0].mac, 60);
    assert_int_equal(got() & 0x8, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broadcast_floods_to_all_others),
        cmocka_unit_test(learned_unicast_goes_to_one_port),
        cmocka_unit_test(unknown_unicast_floods),
        cmocka_unit_test(never_back_to_the_source),
        cmocka_unit_test(bad_frames_are_transmit_drops),
        cmocka_unit_test(segmentation_frames_pass_with_their_offloads),
        cmocka_unit_test(ports_not_ready_are_skipped_and_full_ones_drop),
        cmocka_unit_test(counters_count_packets_and_bytes),
        cmocka_unit_test(entries_age_out),
        cmocka_unit_test(one_port_cannot_fill_the_table),
        cmocka_unit_test(reattach_keeps_the_port_and_forgets_its_addresses),
        cmocka_unit_test(a_port_cannot_evict_another_ports_entry),
        cmocka_unit_test(another_ports_address_is_not_a_source),
        cmocka_unit_test(port_security_and_unique_addresses),
        cmocka_unit_test(ports_of_vms_that_do_not_exist_are_not_shown),
        cmocka_unit_test(the_switch_has_a_port_limit),
        cmocka_unit_test(a_detached_port_is_gone),
    };
    return cmocka_run_group_tests_name("vswitch", tests, setup, NULL);
}
