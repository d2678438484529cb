/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash for tables whose keys a guest
 * chooses. Without the 128-bit key a guest cannot predict which bucket an address lands in,
 * so it cannot aim its entries at another VM's. */
#ifndef LIB_SIPHASH_H
#define LIB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
    uint64_t k0, k1;
};

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len);

#endif
