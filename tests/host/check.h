/* A check for host code where cmocka's asserts cannot be used: a fuzz harness's oracle (libFuzzer
 * reports the abort as a crash with the input that caused it) and the threads of the race tests
 * (cmocka's asserts may only fail on the main thread). A failed CHECK prints where and what,
 * then aborts. */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                              \
        }                                                                         \
    } while (0)

#endif
