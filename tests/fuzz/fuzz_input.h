/* Reading a libFuzzer input front to back, for harnesses that decode it as a program (one
 * translation unit each): past its end every byte reads as 0, so any input is a whole one. */
#ifndef TESTS_FUZZ_INPUT_H
#define TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

static const uint8_t *in_p;
static size_t in_n;

static inline void in_start(const uint8_t *data, size_t size)
{
    in_p = data;
    in_n = size;
}

static inline uint8_t u8(void)
{
    if (!in_n)
        return 0;
    in_n--;
    return *in_p++;
}

/* The next `bytes` bytes (at most 8) as a little-endian number. */
static inline uint64_t take(unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)u8() << (8 * i);
    return v;
}

#endif
