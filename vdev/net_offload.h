/* Checksum and TCP segmentation offloads of the virtual switch's ports (virtio 1.2, 5.1.6.2):
 * what a transmitted frame's virtio_net_hdr leaves to the device, checked against the frame,
 * and the software fallback for a receiving port whose driver did not take the offload. Pure
 * logic on frames in hypervisor memory: unit-tested (tests/unit/test_net_offload.c) and fuzzed
 * (tests/fuzz/fuzz_net_offload.c). docs/virtio.md "Offloads". */
#ifndef VDEV_NET_OFFLOAD_H
#define VDEV_NET_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

/* struct virtio_net_hdr of VERSION_1 (5.1.6): flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers; little-endian. */
#define NET_HDR_LEN          12
#define NET_HDR_F_NEEDS_CSUM 1
#define NET_HDR_GSO_NONE     0
#define NET_HDR_GSO_TCPV4    1
#define NET_HDR_GSO_TCPV6    4
#define NET_HDR_GSO_ECN      0x80

/* A TCP segmentation frame holds at most 64 KiB of IP datagram (Linux's GSO_LEGACY_MAX_SIZE)
 * behind its Ethernet header. */
#define NET_GSO_MAX_FRAME (65536 + 14)

/* What the device still has to do for a frame, as checked by net_offload_check. */
struct net_offload {
    uint8_t gso;     /* NET_HDR_GSO_NONE, _TCPV4 or _TCPV6 */
    bool needs_csum; /* a checksum over [csum_start, end), stored at csum_start + csum_offset */
    uint16_t csum_start, csum_offset;
    uint16_t hdr_len;  /* gso: the Ethernet, IP and TCP headers' bytes, as found in the frame */
    uint16_t gso_size; /* gso: TCP payload bytes per segment */
};

/* Reads a transmitted frame's header into o (unchecked). Returns false for what this device
 * never offers (ECN, UDP fragmentation or an unknown gso_type). */
bool net_hdr_decode(const uint8_t hdr[NET_HDR_LEN], struct net_offload *o);

/* The header a receiving driver that took the offloads gets with the frame (num_buffers 1). */
void net_hdr_encode(const struct net_offload *o, uint8_t hdr[NET_HDR_LEN]);

/* Checks what o asks against the frame (the guest's values are hostile): a checksum's place
 * lies inside the frame; a segmentation frame is TCP over IPv4 (unfragmented) or IPv6 (no
 * extension headers) matching its gso type, with payload, and each segment fits max_segment
 * bytes. Sets o->hdr_len; for segmentation, the checksum is the TCP one. Returns false to drop. */
bool net_offload_check(const uint8_t *frame, unsigned len, unsigned max_segment, struct net_offload *o);

/* Finishes the checksum of a checked o->needs_csum frame in place (the driver left the
 * pseudo-header's sum in the field, 5.1.6.2). */
void net_csum_finish(uint8_t *frame, unsigned len, const struct net_offload *o);

/* Cuts a checked segmentation frame into complete TCP segments, each built in seg[] (room for
 * the max_segment given to net_offload_check) and handed to emit. Returns how many. */
typedef void (*net_segment_fn)(void *ctx, const uint8_t *seg, unsigned len);
unsigned net_gso_segment(const uint8_t *frame, unsigned len, const struct net_offload *o, uint8_t *seg,
                         net_segment_fn emit, void *ctx);

/* The Internet checksum's ones' complement sum of [p, p + len), big-endian 16-bit words, added
 * to sum (RFC 1071); net_csum_fold folds and complements it. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, unsigned len);
uint16_t net_csum_fold(uint32_t sum);

#endif
