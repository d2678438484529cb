/* libFuzzer harness for vdev/net_offload.c: a transmitted frame's virtio_net_hdr and frame, as
 * a hostile driver writes them.
 *
 * Input: the 12-byte header, then the frame (at most NET_GSO_MAX_FRAME bytes), copied into a
 * buffer of exactly its length so ASan catches any read past it. A frame the checks accept is
 * cut (segmentation) or its checksum finished, as the switch does for a receiver that did not
 * take the offload; every segment must fit the limit given to the check, keep the frame's
 * headers' length, and the segments' payloads must add up to the frame's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdev/net_offload.h"

#include "tests/host/check.h"

#define MAX_SEGMENT 1514

static struct {
    unsigned hdr_len, payload, n;
} seen;

static void emit(void *ctx, const uint8_t *seg, unsigned len)
{
    CHECK(len <= MAX_SEGMENT);
    CHECK(len > seen.hdr_len);
    seen.payload += len - seen.hdr_len;
    seen.n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < NET_HDR_LEN || size - NET_HDR_LEN > NET_GSO_MAX_FRAME)
        return 0;
    struct net_offload o;
    if (!net_hdr_decode(data, &o))
        return 0;
    unsigned len = (unsigned)(size - NET_HDR_LEN);
    uint8_t *frame = malloc(len ? len : 1);
    memcpy(frame, data + NET_HDR_LEN, len);
    if (net_offload_check(frame, len, MAX_SEGMENT, &o)) {
        if (o.gso != NET_HDR_GSO_NONE) {
            static uint8_t seg[MAX_SEGMENT];
            memset(&seen, 0, sizeof(seen));
            seen.hdr_len = o.hdr_len;
            unsigned n = net_gso_segment(frame, len, &o, seg, emit, 0);
            CHECK(n == seen.n && n >= 1);
            CHECK(seen.payload == len - o.hdr_len);
        } else if (o.needs_csum) {
            net_csum_finish(frame, len, &o);
        }
    }
    free(frame);
    return 0;
}
