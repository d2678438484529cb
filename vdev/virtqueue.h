/* Split virtqueues (virtio 1.2, 2.7), the device side: taking descriptor chains from the
 * available ring and returning them through the used ring, in guest RAM. Every value the
 * driver supplies (ring addresses, indexes, descriptor addresses, lengths, flags, next
 * links, indirect tables) is hostile and checked before use; a violation is reported with a
 * reason and the caller puts the device into DEVICE_NEEDS_RESET. Pure logic over a
 * `struct guest_ram`: unit-tested and fuzzed on the host (tests/unit/test_virtq.c,
 * tests/fuzz/fuzz_virtq.c). */
#ifndef VDEV_VIRTQUEUE_H
#define VDEV_VIRTQUEUE_H

#include <stdint.h>
#include <stdbool.h>

#define VIRTQ_MAX_SIZE 256 /* QueueNumMax: queue sizes are powers of two up to this */
#define VIRTQ_MAX_SEGS 64  /* descriptors in one chain, indirect ones included */

/* virtio 1.2 2.7.5 descriptor flags */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
/* 2.7.6 / 2.7.8 ring flags */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* The guest RAM a device may touch: one contiguous block at IPA `ipa`, `host` in the
 * hypervisor's address space. Anything outside it (MMIO, other VMs, the hypervisor) is
 * refused. */
struct guest_ram {
    uint64_t ipa, size;
    uint8_t *host;
};

/* Resolves [ipa, ipa+len) to a host pointer, or NULL when any byte is outside the RAM. */
void *guest_ram_ptr(const struct guest_ram *ram, uint64_t ipa, uint64_t len);

struct virtq {
    /* Set by the driver through the transport while the queue is not ready. */
    uint16_t size;
    uint64_t desc_ipa, avail_ipa, used_ipa;
    /* Set by virtq_enable. */
    bool enabled;
    bool event_idx;               /* VIRTIO_F_RING_EVENT_IDX negotiated */
    bool indirect;                /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
    uint8_t *desc, *avail, *used; /* host views of the three areas */
    uint16_t last_avail;          /* next available-ring entry to take */
    uint16_t used_idx;            /* the used ring's idx as last published */
    uint16_t signalled_used;      /* used_idx when the driver was last interrupted */
};

/* One buffer of a chain: host pointer into guest RAM (checked) and its length. */
struct virtq_seg {
    uint8_t *p;
    uint32_t len;
};

/* A chain taken from the available ring: the device-readable segments first (nr_out), then
 * the device-writable ones (nr_in), as virtio 1.2 2.7.4.2 requires of the driver. */
struct virtq_chain {
    uint16_t head;
    unsigned nr_out, nr_in;
    uint64_t out_len, in_len;
    struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

/* Queue enable (QueueReady = 1): checks size and the three areas, which must lie in RAM,
 * aligned as 2.7 requires. 0, or -1 with *why set. */
int virtq_enable(struct virtq *q, const struct guest_ram *ram, bool event_idx, bool indirect, const char **why);
void virtq_disable(struct virtq *q);

/* Takes the next available chain into *c: 1 if one was taken, 0 if the ring is empty, -1 if
 * the driver broke the rules (*why says how; the queue must not be used again before a
 * reset). With event_idx, an empty ring also asks the driver for its next notification. */
int virtq_pop(struct virtq *q, const struct guest_ram *ram, struct virtq_chain *c, const char **why);
/* Gives back the chain the last virtq_pop took, unfinished: the next virtq_pop reads (and
 * checks) it again from the ring. For a device that does a long request over several
 * notifications (vdev/virtio_blk.c). */
void virtq_unpop(struct virtq *q);
/* Returns chain `head` with `written` bytes written into its device-writable buffers. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);
/* The same for several chains the driver must see at once (a frame over mergeable receive
 * buffers, 5.1.6.4): each written as the nth entry after the published ones, then all
 * published by one index update. */
void virtq_put_used(struct virtq *q, unsigned nth, uint16_t head, uint32_t written);
void virtq_publish_used(struct virtq *q, unsigned count);
/* Whether the driver wants an interrupt for what was pushed since the last one
 * (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with event_idx: 2.7.7.2, 2.7.10). */
bool virtq_should_interrupt(struct virtq *q);
/* Whether the available ring holds chains not yet taken. */
bool virtq_has_avail(const struct virtq *q);

/* Copies between a chain's segments and a flat buffer. `from` / `off` index the readable
 * part (copy_out) or the writable part (copy_in); the number of bytes copied is returned. */
uint64_t virtq_copy_from_chain(const struct virtq_chain *c, uint64_t off, void *dst, uint64_t len);
uint64_t virtq_copy_to_chain(const struct virtq_chain *c, uint64_t off, const void *src, uint64_t len);

#endif
