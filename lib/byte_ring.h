/* A byte ring with one producer and one consumer on different CPUs: the producer appends
 * whole records or nothing, the consumer takes bytes from the other end. Used to take slow
 * output devices off the paths that produce text (core/console.c). */
#ifndef LIB_BYTE_RING_H
#define LIB_BYTE_RING_H

#include <stdbool.h>
#include <stdint.h>

#define BYTE_RING_SIZE 16384 /* a power of two */

struct byte_ring {
    char buf[BYTE_RING_SIZE];
    uint32_t head; /* producer's: bytes ever appended (wraps) */
    uint32_t tail; /* consumer's: bytes ever taken */
};

/* Bytes appended and not yet taken. */
uint32_t byte_ring_used(const struct byte_ring *r);
/* Appends all len bytes if that leaves the ring at most `limit` full, else nothing. */
bool byte_ring_put(struct byte_ring *r, const char *s, uint32_t len, uint32_t limit);
/* The oldest bytes not yet taken, up to the end of the buffer (*len 0: empty). */
const char *byte_ring_peek(const struct byte_ring *r, uint32_t *len);
/* Marks n bytes from byte_ring_peek() as taken. */
void byte_ring_take(struct byte_ring *r, uint32_t n);

#endif
