/* Freestanding mem/str functions (target only).
 *
 * Host unit tests use libc's versions: this file must not be listed in any unit-test .deps file,
 * and HOST_TEST builds compile it to nothing so that it can never shadow libc there. */
#ifndef HOST_TEST

#include <stdbool.h>
#include <stdint.h>
#include "lib/string.h"

/* Word access to caller memory of any type: may_alias keeps -O2's type-based alias analysis
 * from reordering these accesses around the caller's own. */
typedef uint64_t __attribute__((may_alias)) str_word_t;

#define STR_WORD sizeof(str_word_t)

static bool str_aligned(uintptr_t p) { return (p & (STR_WORD - 1)) == 0; }

/* Forward copy; also correct for overlapping buffers when dst < src (each word is loaded before
 * the store that could overlap it). Words are used only when both pointers can reach word
 * alignment together, since -mstrict-align forbids unaligned 8-byte accesses. */
static void str_copy_fwd(unsigned char *d, const unsigned char *s, size_t n)
{
    if ((((uintptr_t)d ^ (uintptr_t)s) & (STR_WORD - 1)) == 0) {
        while (n > 0 && !str_aligned((uintptr_t)d)) {
            *d++ = *s++;
            n--;
        }
        for (; n >= STR_WORD; n -= STR_WORD) {
            *(str_word_t *)(void *)d = *(const str_word_t *)(const void *)s;
            d += STR_WORD;
            s += STR_WORD;
        }
    }
    while (n-- > 0)
        *d++ = *s++;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    str_copy_fwd(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ((uintptr_t)d - (uintptr_t)s >= n) {
        /* dst below src, or no overlap: a forward copy never reads a byte it already wrote. */
        str_copy_fwd(d, s, n);
        return dst;
    }
    while (n-- > 0)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;

    while (n > 0 && !str_aligned((uintptr_t)d)) {
        *d++ = b;
        n--;
    }
    if (n >= STR_WORD) {
        str_word_t w = b * (str_word_t)0x0101010101010101ull;

        for (; n >= STR_WORD; n -= STR_WORD) {
            *(str_word_t *)(void *)d = w;
            d += STR_WORD;
        }
    }
    while (n-- > 0)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

int strcmp(const char *a, const char *b) { return strncmp(a, b, SIZE_MAX); }

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (x != y)
            return x < y ? -1 : 1;
        if (x == '\0')
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    char ch = (char)c;

    for (;; s++) {
        if (*s == ch)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    char ch = (char)c;
    const char *last = NULL;

    for (;; s++) {
        if (*s == ch)
            last = s;
        if (*s == '\0')
            return (char *)last;
    }
}

#endif /* !HOST_TEST */
