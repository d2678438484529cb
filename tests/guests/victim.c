/* Fills a buffer with a pattern and re-checks it many times while another VM attacks. */
#include "tests/guests/common/guest.h"

#define WORDS (1u << 16)
static volatile uint64_t pattern[WORDS];

int guest_main(void)
{
    for (unsigned i = 0; i < WORDS; i++)
        pattern[i] = 0x5a5a000000000000ULL ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);
    unsigned bad = 0;
    for (unsigned round = 0; round < 40; round++) {
        for (unsigned i = 0; i < WORDS; i++)
            bad += pattern[i] != (0x5a5a000000000000ULL ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL));
        if (round % 10 == 9)
            gprintf("victim: round %u, %u bad words\n", round + 1, bad);
    }
    check(bad == 0, "victim_memory_intact", "%u words changed", bad);
    return guest_failures;
}
