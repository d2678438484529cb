/* Freestanding mem/str functions with standard names and semantics.
 *
 * The hypervisor has no libc; gcc also emits calls to memcpy/memset on its own (struct copies,
 * zero-initialisation), so these must exist with exactly these names. Host unit tests link
 * libc's versions instead; the prototypes below are the standard ones, so they agree with it. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

#endif
