/* lib/byte_ring.h. head and tail count bytes modulo 2^32, so head - tail is the fill level
 * even after they wrap; each side publishes its counter with release order after its copy. */
#include "lib/byte_ring.h"
#include "lib/string.h"

#define MASK (BYTE_RING_SIZE - 1)

_Static_assert((BYTE_RING_SIZE & MASK) == 0, "BYTE_RING_SIZE must be a power of two");

uint32_t byte_ring_used(const struct byte_ring *r)
{
    return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

bool byte_ring_put(struct byte_ring *r, const char *s, uint32_t len, uint32_t limit)
{
    uint32_t head = r->head; /* only the producer writes it */
    uint32_t used = head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    if (limit > BYTE_RING_SIZE)
        limit = BYTE_RING_SIZE;
    if (len > limit || used > limit - len)
        return false;
    uint32_t at = head & MASK, first = BYTE_RING_SIZE - at < len ? BYTE_RING_SIZE - at : len;
    memcpy(r->buf + at, s, first);
    memcpy(r->buf, s + first, len - first);
    __atomic_store_n(&r->head, head + len, __ATOMIC_RELEASE);
    return true;
}

const char *byte_ring_peek(const struct byte_ring *r, uint32_t *len)
{
    uint32_t tail = r->tail; /* only the consumer writes it */
    uint32_t used = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - tail;
    uint32_t at = tail & MASK;
    *len = used < BYTE_RING_SIZE - at ? used : BYTE_RING_SIZE - at;
    return r->buf + at;
}

void byte_ring_take(struct byte_ring *r, uint32_t n) { __atomic_store_n(&r->tail, r->tail + n, __ATOMIC_RELEASE); }
