/* SipHash-2-4, from the algorithm's description in the SipHash paper (section 2): the state
 * v0..v3 is initialised from the key, each 8-byte little-endian word of the message is mixed
 * in with two SipRounds, the last word holds the length's low byte in its top byte, and four
 * SipRounds finalise. */
#include "lib/siphash.h"

static inline uint64_t rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64 - b)); }

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13) ^ s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16) ^ s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21) ^ s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17) ^ s->v2;
    s->v2 = rotl(s->v2, 32);
}

static void sip_absorb(struct sip_state *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len)
{
    /* "somepseudorandomlygeneratedbytes", the paper's initialisation constants */
    struct sip_state s = {
        .v0 = key->k0 ^ 0x736f6d6570736575ULL,
        .v1 = key->k1 ^ 0x646f72616e646f6dULL,
        .v2 = key->k0 ^ 0x6c7967656e657261ULL,
        .v3 = key->k1 ^ 0x7465646279746573ULL,
    };
    const uint8_t *p = data;
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = 0;
        for (unsigned b = 0; b < 8; b++)
            m |= (uint64_t)p[i + b] << (8 * b);
        sip_absorb(&s, m);
    }
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t b = 0; whole + b < len; b++)
        last |= (uint64_t)p[whole + b] << (8 * b);
    sip_absorb(&s, last);
    s.v2 ^= 0xff;
    for (unsigned r = 0; r < 4; r++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
