/* Checksum and TCP segmentation offloads (vdev/net_offload.h). Frames are Ethernet II; the
 * only segmentation is TCP's (HOST_TSO4/6), so a segment is the frame's headers with IPv4's
 * total length, identification and header checksum or IPv6's payload length rewritten, and
 * TCP's sequence number, flags and checksum (RFC 791, 8200, 9293). */
#include "vdev/net_offload.h"
#include "lib/string.h"

#define ETH_HLEN       14
#define ETH_TYPE_IPV4  0x0800
#define ETH_TYPE_IPV6  0x86dd
#define IPPROTO_TCP    6
#define IPV4_MIN_HLEN  20
#define IPV6_HLEN      40
#define TCP_MIN_HLEN   20
#define TCP_CSUM_OFF   16
#define TCP_FLAG_FIN   0x01
#define TCP_FLAG_PSH   0x08
#define TCP_FLAG_CWR   0x80
#define IPV4_MF_OFFSET 0x3fff /* more fragments and the fragment offset */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

uint32_t net_csum_add(uint32_t sum, const uint8_t *p, unsigned len)
{
    uint64_t s = sum;
    unsigned i = 0;
    for (; i + 1 < len; i += 2)
        s += get16(p + i);
    if (i < len)
        s += (uint32_t)p[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t net_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

bool net_hdr_decode(const uint8_t hdr[NET_HDR_LEN], struct net_offload *o)
{
    o->needs_csum = hdr[0] & NET_HDR_F_NEEDS_CSUM; /* DATA_VALID means nothing on transmit */
    o->gso = hdr[1];
    o->hdr_len = 0;
    o->gso_size = get_le16(hdr + 4);
    o->csum_start = get_le16(hdr + 6);
    o->csum_offset = get_le16(hdr + 8);
    return o->gso == NET_HDR_GSO_NONE || o->gso == NET_HDR_GSO_TCPV4 || o->gso == NET_HDR_GSO_TCPV6;
}

void net_hdr_encode(const struct net_offload *o, uint8_t hdr[NET_HDR_LEN])
{
    memset(hdr, 0, NET_HDR_LEN);
    hdr[0] = o->needs_csum ? NET_HDR_F_NEEDS_CSUM : 0;
    hdr[1] = o->gso;
    if (o->gso != NET_HDR_GSO_NONE) {
        put_le16(hdr + 2, o->hdr_len);
        put_le16(hdr + 4, o->gso_size);
    }
    if (o->needs_csum) {
        put_le16(hdr + 6, o->csum_start);
        put_le16(hdr + 8, o->csum_offset);
    }
    put_le16(hdr + 10, 1); /* num_buffers */
}

/* The IP header's length at frame + ETH_HLEN if the frame is TCP over the IP version gso
 * names (unfragmented IPv4, IPv6 without extension headers), else 0. */
static unsigned tcp_ip_hlen(const uint8_t *frame, unsigned len, uint8_t gso)
{
    const uint8_t *ip = frame + ETH_HLEN;
    uint16_t type = get16(frame + 12);
    if (gso == NET_HDR_GSO_TCPV4 && type == ETH_TYPE_IPV4 && len >= ETH_HLEN + IPV4_MIN_HLEN) {
        unsigned ihl = (ip[0] & 0xf) * 4u;
        bool ok =
            (ip[0] >> 4) == 4 && ihl >= IPV4_MIN_HLEN && ip[9] == IPPROTO_TCP && !(get16(ip + 6) & IPV4_MF_OFFSET);
        return ok ? ihl : 0;
    }
    if (gso == NET_HDR_GSO_TCPV6 && type == ETH_TYPE_IPV6 && len >= ETH_HLEN + IPV6_HLEN)
        return (ip[0] >> 4) == 6 && ip[6] == IPPROTO_TCP ? IPV6_HLEN : 0;
    return 0;
}

bool net_offload_check(const uint8_t *frame, unsigned len, unsigned max_segment, struct net_offload *o)
{
    if (len < ETH_HLEN)
        return false;
    if (o->gso == NET_HDR_GSO_NONE) {
        o->hdr_len = 0;
        return !o->needs_csum || (unsigned)o->csum_start + o->csum_offset + 2 <= len;
    }
    unsigned ip_hlen = tcp_ip_hlen(frame, len, o->gso);
    if (!ip_hlen || ETH_HLEN + ip_hlen + TCP_MIN_HLEN > len)
        return false;
    unsigned tcp = ETH_HLEN + ip_hlen;
    unsigned hdr_len = tcp + (frame[tcp + 12] >> 4) * 4u;
    if ((frame[tcp + 12] >> 4) * 4u < TCP_MIN_HLEN || hdr_len >= len || o->gso_size == 0 ||
        hdr_len + o->gso_size > max_segment)
        return false;
    o->hdr_len = (uint16_t)hdr_len;
    o->needs_csum = true;
    o->csum_start = (uint16_t)tcp;
    o->csum_offset = TCP_CSUM_OFF;
    return true;
}

void net_csum_finish(uint8_t *frame, unsigned len, const struct net_offload *o)
{
    uint8_t *field = frame + o->csum_start + o->csum_offset;
    uint16_t csum = net_csum_fold(net_csum_add(0, frame + o->csum_start, len - o->csum_start));
    put16(field, csum);
}

/* The TCP checksum of a complete segment: the pseudo-header (RFC 9293 3.1, RFC 8200 8.1), the
 * TCP header with its checksum field zero, and the payload. */
static void tcp_csum(uint8_t *seg, unsigned len, unsigned tcp, bool v4)
{
    const uint8_t *ip = seg + ETH_HLEN;
    unsigned tcp_len = len - tcp;
    uint32_t s = v4 ? net_csum_add(0, ip + 12, 8) : net_csum_add(0, ip + 8, 32);
    s += IPPROTO_TCP + tcp_len;
    put16(seg + tcp + TCP_CSUM_OFF, 0);
    put16(seg + tcp + TCP_CSUM_OFF, net_csum_fold(net_csum_add(s, seg + tcp, tcp_len)));
}

unsigned net_gso_segment(const uint8_t *frame, unsigned len, const struct net_offload *o, uint8_t *seg,
                         net_segment_fn emit, void *ctx)
{
    bool v4 = o->gso == NET_HDR_GSO_TCPV4;
    unsigned tcp = o->csum_start, hdr = o->hdr_len, payload = len - hdr, n = 0;
    uint8_t *ip = seg + ETH_HLEN;
    uint32_t seq = (uint32_t)get16(frame + tcp + 4) << 16 | get16(frame + tcp + 6);
    uint16_t id = get16(frame + ETH_HLEN + 4);
    uint8_t flags = frame[tcp + 13];
    for (unsigned off = 0; off < payload; off += o->gso_size, n++) {
        unsigned chunk = payload - off < o->gso_size ? payload - off : o->gso_size;
        bool last = off + chunk == payload;
        memcpy(seg, frame, hdr);
        memcpy(seg + hdr, frame + hdr + off, chunk);
        if (v4) {
            put16(ip + 2, (uint16_t)(hdr - ETH_HLEN + chunk)); /* total length */
            put16(ip + 4, (uint16_t)(id + n));
            put16(ip + 10, 0);
            put16(ip + 10, net_csum_fold(net_csum_add(0, ip, tcp - ETH_HLEN)));
        } else {
            put16(ip + 4, (uint16_t)(hdr - tcp + chunk)); /* payload length */
        }
        uint32_t s = seq + off;
        put16(seg + tcp + 4, (uint16_t)(s >> 16));
        put16(seg + tcp + 6, (uint16_t)s);
        /* FIN and PSH belong to the last segment, CWR to the first (RFC 3168 6.1.2). */
        seg[tcp + 13] = (uint8_t)(flags & ~(last ? 0 : TCP_FLAG_FIN | TCP_FLAG_PSH) & ~(n ? TCP_FLAG_CWR : 0));
        tcp_csum(seg, hdr + chunk, tcp, v4);
        emit(ctx, seg, hdr + chunk);
    }
    return n;
}
