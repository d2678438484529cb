/* vdev/net_offload.c: the checks of a transmitted frame's offloads, the checksum it leaves to
 * finish, and TCP segmentation for a receiver that did not take it. Segments are checked as a
 * receiving stack would: IP and TCP checksums verify, lengths, sequence numbers and flags, and
 * the payloads put back together are the original. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vdev/net_offload.h"

#define MAX_SEG 1514
#define ETH     14

static uint8_t frame[NET_GSO_MAX_FRAME];
static uint8_t seg[MAX_SEG];

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* Ethernet, IPv4 (or IPv6) and TCP with doff 8 (12 bytes of options), flags as given, payload
 * bytes i * 7. Returns the frame's length. */
static unsigned tcp_frame(bool v6, unsigned payload, uint8_t flags)
{
    memset(frame, 0, ETH + 60);
    memset(frame, 0x02, 12);
    unsigned ip_hlen = v6 ? 40 : 20, tcp = ETH + ip_hlen, hdr = tcp + 32;
    uint8_t *ip = frame + ETH;
    if (v6) {
        put16(frame + 12, 0x86dd);
        ip[0] = 0x60;
        put16(ip + 4, 32 + payload);
        ip[6] = 6;
        ip[7] = 64;
        for (unsigned i = 0; i < 32; i++)
            ip[8 + i] = (uint8_t)(0x20 + i);
    } else {
        put16(frame + 12, 0x0800);
        ip[0] = 0x45;
        put16(ip + 2, 20 + 32 + payload);
        put16(ip + 4, 0x1234);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    }
    put16(frame + tcp, 40000);
    put16(frame + tcp + 2, 5001);
    put16(frame + tcp + 4, 0xfffe); /* the sequence number wraps inside the frame */
    put16(frame + tcp + 6, 0xf000);
    frame[tcp + 12] = 8 << 4;
    frame[tcp + 13] = flags;
    for (unsigned i = 0; i < payload; i++)
        frame[hdr + i] = (uint8_t)(i * 7);
    return hdr + payload;
}

static struct net_offload tso(bool v6, unsigned gso_size)
{
    struct net_offload o = { .gso = v6 ? NET_HDR_GSO_TCPV6 : NET_HDR_GSO_TCPV4,
                             .needs_csum = true,
                             .gso_size = (uint16_t)gso_size };
    return o;
}

/* What the receiver of the segments saw. */
static struct {
    unsigned n, len[128];
    uint32_t seq[128];
    unsigned id[128];
    uint8_t flags[128];
    uint8_t payload[NET_GSO_MAX_FRAME];
    unsigned payload_len;
    bool v6;
} rx;

static void receive(void *ctx, const uint8_t *s, unsigned len)
{
    unsigned ip_hlen = rx.v6 ? 40 : 20, tcp = ETH + ip_hlen, hdr = tcp + 32;
    const uint8_t *ip = s + ETH;
    assert_true(rx.n < 128);
    assert_true(len <= MAX_SEG && len > hdr);
    uint32_t sum;
    if (rx.v6) {
        assert_int_equal(get16(ip + 4), len - tcp);
        sum = net_csum_add(0, ip + 8, 32);
    } else {
        assert_int_equal(get16(ip + 2), len - ETH);
        assert_int_equal(net_csum_fold(net_csum_add(0, ip, 20)), 0); /* header checksum verifies */
        sum = net_csum_add(0, ip + 12, 8);
        rx.id[rx.n] = get16(ip + 4);
    }
    sum += 6 + (len - tcp);
    assert_int_equal(net_csum_fold(net_csum_add(sum, s + tcp, len - tcp)), 0); /* TCP checksum verifies */
    rx.len[rx.n] = len;
    rx.seq[rx.n] = get32(s + tcp + 4);
    rx.flags[rx.n] = s[tcp + 13];
    memcpy(rx.payload + rx.payload_len, s + hdr, len - hdr);
    rx.payload_len += len - hdr;
    rx.n++;
}

static void segment_and_check(bool v6, unsigned payload, unsigned mss)
{
    uint8_t flags = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
    unsigned len = tcp_frame(v6, payload, flags);
    struct net_offload o = tso(v6, mss);
    assert_true(net_offload_check(frame, len, MAX_SEG, &o));
    assert_int_equal(o.hdr_len, len - payload);
    memset(&rx, 0, sizeof(rx));
    rx.v6 = v6;
    unsigned n = net_gso_segment(frame, len, &o, seg, receive, 0);
    unsigned want = (payload + mss - 1) / mss;
    assert_int_equal(n, want);
    assert_int_equal(rx.n, want);
    assert_int_equal(rx.payload_len, payload);
    assert_memory_equal(rx.payload, frame + o.hdr_len, payload);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(rx.seq[i], (uint32_t)(0xfffef000u + i * mss));
        if (!v6)
            assert_int_equal(rx.id[i], 0x1234 + i);
        assert_int_equal(rx.flags[i] & 0x80, i == 0 ? 0x80 : 0);     /* CWR on the first */
        assert_int_equal(rx.flags[i] & 0x09, i == n - 1 ? 0x09 : 0); /* PSH, FIN on the last */
        assert_int_equal(rx.flags[i] & 0x10, 0x10);                  /* ACK on all */
        assert_int_equal(rx.len[i], o.hdr_len + (i < n - 1 ? mss : payload - (n - 1) * mss));
    }
}

static void tcpv4_is_cut_into_mss_segments(void **state)
{
    segment_and_check(false, 4000, 1448);
    segment_and_check(false, 65536 - 20 - 32, 1448);
    segment_and_check(false, 1448, 1448); /* one segment */
    segment_and_check(false, 1, 536);
}

static void tcpv6_is_cut_into_mss_segments(void **state)
{
    segment_and_check(true, 5000, 1428);
    segment_and_check(true, 65536 - 32 - 40 - 14, 1000);
}

/* RFC 1071's example: the ones' complement sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2. */
static void the_internet_checksum(void **state)
{
    static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(net_csum_fold(net_csum_add(0, b, sizeof(b))), (uint16_t)~0xddf2);
    static const uint8_t odd[] = { 0x12, 0x34, 0x56 }; /* the last byte is the high half of a word */
    assert_int_equal(net_csum_fold(net_csum_add(0, odd, 3)), (uint16_t) ~(0x1234 + 0x5600));
}

/* The driver leaves the pseudo-header's sum in the field; the device sums from csum_start. */
static void a_partial_checksum_is_finished(void **state)
{
    unsigned len = tcp_frame(false, 300, 0x18);
    unsigned tcp = ETH + 20;
    uint32_t pseudo = net_csum_add(0, frame + ETH + 12, 8) + 6 + (len - tcp);
    while (pseudo >> 16)
        pseudo = (pseudo & 0xffff) + (pseudo >> 16);
    put16(frame + tcp + 16, pseudo);
    struct net_offload o = { .needs_csum = true, .csum_start = (uint16_t)tcp, .csum_offset = 16 };
    assert_true(net_offload_check(frame, len, MAX_SEG, &o));
    net_csum_finish(frame, len, &o);
    uint32_t sum = net_csum_add(0, frame + ETH + 12, 8) + 6 + (len - tcp);
    assert_int_equal(net_csum_fold(net_csum_add(sum, frame + tcp, len - tcp)), 0);
}

static void headers_round_trip(void **state)
{
    uint8_t hdr[NET_HDR_LEN];
    struct net_offload o = tso(false, 1448), back;
    assert_true(net_offload_check(frame, tcp_frame(false, 3000, 0x10), MAX_SEG, &o));
    net_hdr_encode(&o, hdr);
    assert_int_equal(hdr[0], NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(hdr[1], NET_HDR_GSO_TCPV4);
    assert_int_equal(hdr[2] | hdr[3] << 8, ETH + 20 + 32);
    assert_int_equal(hdr[10] | hdr[11] << 8, 1);
    assert_true(net_hdr_decode(hdr, &back));
    assert_int_equal(back.gso_size, 1448);
    assert_int_equal(back.csum_start, ETH + 20);
    assert_int_equal(back.csum_offset, 16);
    hdr[1] = NET_HDR_GSO_TCPV4 | NET_HDR_GSO_ECN; /* never offered */
    assert_false(net_hdr_decode(hdr, &back));
    hdr[1] = 3; /* UDP fragmentation */
    assert_false(net_hdr_decode(hdr, &back));
    memset(hdr, 0, sizeof(hdr));
    assert_true(net_hdr_decode(hdr, &back));
    assert_false(back.needs_csum);
    assert_int_equal(back.gso, NET_HDR_GSO_NONE);
}

/* Each hostile header or frame is refused, so nothing is read or written outside the frame. */
static void hostile_frames_are_refused(void **state)
{
    struct net_offload o;
    unsigned len;
#define REFUSED(setup)                                            \
    do {                                                          \
        len = tcp_frame(false, 3000, 0x10);                       \
        o = tso(false, 1448);                                     \
        setup;                                                    \
        assert_false(net_offload_check(frame, len, MAX_SEG, &o)); \
    } while (0)
    REFUSED(o.gso_size = 0);
    REFUSED(o.gso_size = 1515 - 66);                              /* a segment would not fit */
    REFUSED(frame[ETH] = 0x44);                                   /* IHL 4 */
    REFUSED(frame[ETH] = 0x55);                                   /* IP version 5 */
    REFUSED(frame[ETH + 9] = 17);                                 /* UDP */
    REFUSED(put16(frame + ETH + 6, 0x2000));                      /* more fragments */
    REFUSED(put16(frame + ETH + 6, 0x0001));                      /* a fragment's offset */
    REFUSED(frame[ETH + 20 + 12] = 4 << 4);                       /* TCP doff 4 */
    REFUSED(frame[ETH + 20 + 12] = 15 << 4; len = ETH + 20 + 50); /* options past the end */
    REFUSED(len = ETH + 20 + 32);                                 /* headers, no payload */
    REFUSED(len = ETH + 30);                                      /* no room for TCP */
    REFUSED(len = ETH - 1);
    REFUSED(o.gso = NET_HDR_GSO_TCPV6);         /* v6 on an IPv4 frame */
    REFUSED(frame[ETH] = 0x4f; len = ETH + 40); /* IHL 15 past the end */
    REFUSED(put16(frame + 12, 0x8100));         /* VLAN tag: not cut */
    /* IPv6 with an extension header (hop-by-hop) */
    len = tcp_frame(true, 3000, 0x10);
    o = tso(true, 1000);
    frame[ETH + 6] = 0;
    assert_false(net_offload_check(frame, len, MAX_SEG, &o));
    len = tcp_frame(true, 3000, 0x10);
    o = tso(true, 1000);
    assert_false(net_offload_check(frame, ETH + 39, MAX_SEG, &o));
    /* A checksum's place outside the frame */
    struct net_offload c = { .needs_csum = true, .csum_start = 100, .csum_offset = 60 };
    assert_false(net_offload_check(frame, 161, MAX_SEG, &c));
    assert_true(net_offload_check(frame, 162, MAX_SEG, &c));
    c.csum_start = 0xffff;
    c.csum_offset = 0xffff;
    assert_false(net_offload_check(frame, 1514, MAX_SEG, &c));
    /* Nothing asked: any frame of an Ethernet header or more passes. */
    struct net_offload none = { 0 };
    assert_true(net_offload_check(frame, ETH, MAX_SEG, &none));
    assert_false(net_offload_check(frame, ETH - 1, MAX_SEG, &none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_internet_checksum),
        cmocka_unit_test(tcpv4_is_cut_into_mss_segments),
        cmocka_unit_test(tcpv6_is_cut_into_mss_segments),
        cmocka_unit_test(a_partial_checksum_is_finished),
        cmocka_unit_test(headers_round_trip),
        cmocka_unit_test(hostile_frames_are_refused),
    };
    return cmocka_run_group_tests_name("net_offload", tests, NULL, NULL);
}
