/* ev_snprintf against fixed expectations and against the host's snprintf. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/printf.h"

/* Formats fmt with both implementations and fails, naming the format, on any difference in
 * output or return value. */
#define SAME(fmt, ...)                                                                             \
    do {                                                                                           \
        char ours_[512], host_[512];                                                               \
        int ro_ = ev_snprintf(ours_, sizeof(ours_), fmt, __VA_ARGS__);                             \
        int rh_ = snprintf(host_, sizeof(host_), fmt, __VA_ARGS__);                                \
        if (ro_ != rh_ || strcmp(ours_, host_) != 0)                                               \
            fail_msg("format \"%s\": got %d \"%s\", host %d \"%s\"", fmt, ro_, ours_, rh_, host_); \
    } while (0)

/* Formats and compares with an expected string and return value. */
#define EXPECT(want, fmt, ...)                                      \
    do {                                                            \
        char out_[256];                                             \
        int r_ = ev_snprintf(out_, sizeof(out_), fmt, __VA_ARGS__); \
        assert_string_equal(out_, want);                            \
        assert_int_equal(r_, (int)strlen(want));                    \
    } while (0)

static const int64_t int_values[] = {
    0,
    1,
    -1,
    7,
    -7,
    42,
    127,
    128,
    200,
    255,
    256,
    -129,
    32767,
    -32768,
    65535,
    65536,
    1000000,
    -123456789,
    INT32_MAX,
    INT32_MIN,
    UINT32_MAX,
    (int64_t)1 << 32,
    0x123456789abcdef0,
    INT64_MAX,
    INT64_MIN,
    -2,
};

/* Passes v as the argument type that the length modifier expects, for both implementations. */
static void same_int(const char *fmt, const char *size, char conv, int64_t v)
{
    bool sig = conv == 'd' || conv == 'i';

    if (strcmp(size, "l") == 0) {
        if (sig)
            SAME(fmt, (long)v);
        else
            SAME(fmt, (unsigned long)v);
    } else if (strcmp(size, "ll") == 0) {
        if (sig)
            SAME(fmt, (long long)v);
        else
            SAME(fmt, (unsigned long long)v);
    } else if (strcmp(size, "z") == 0) {
        if (sig)
            SAME(fmt, (ptrdiff_t)v);
        else
            SAME(fmt, (size_t)v);
    } else {
        /* none, h, hh: the int-promoted argument; the conversion narrows it. */
        if (sig)
            SAME(fmt, (int)v);
        else
            SAME(fmt, (unsigned int)v);
    }
}

static void test_integers_match_host(void **state)
{
    static const char *const flags[] = { "", "-", "0", "-0" };
    static const char *const widths[] = { "", "1", "5", "22" };
    static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".25" };
    static const char *const sizes[] = { "hh", "h", "", "l", "ll", "z" };
    static const char convs[] = "diuxX";
    int checked = 0;

    for (size_t a = 0; a < sizeof(flags) / sizeof(flags[0]); a++)
        for (size_t b = 0; b < sizeof(widths) / sizeof(widths[0]); b++)
            for (size_t c = 0; c < sizeof(precs) / sizeof(precs[0]); c++)
                for (size_t d = 0; d < sizeof(sizes) / sizeof(sizes[0]); d++)
                    for (size_t e = 0; convs[e] != '\0'; e++) {
                        char fmt[32];

                        snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flags[a], widths[b], precs[c], sizes[d], convs[e]);
                        for (size_t v = 0; v < sizeof(int_values) / sizeof(int_values[0]); v++) {
                            same_int(fmt, sizes[d], convs[e], int_values[v]);
                            checked++;
                        }
                    }
    assert_true(checked > 10000);
}

static void test_strings_match_host(void **state)
{
    static const char *const fmts[] = {
        "%s", "%10s", "%-10s", "%.3s", "%10.3s", "%-10.3s", "%.0s", "%.10s", "%1s", "[%5s]", "%.s",
    };
    static const char *const strs[] = { "", "a", "hello", "hello, world: a longer string" };

    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
            SAME(fmts[i], strs[j]);
    }
    static const char *const cfmts[] = { "%c", "%5c", "%-5c", "%1c" };

    for (size_t i = 0; i < sizeof(cfmts) / sizeof(cfmts[0]); i++) {
        SAME(cfmts[i], 'x');
        SAME(cfmts[i], ' ');
        SAME(cfmts[i], 0x141); /* converted to unsigned char: 'A' */
    }
}

static void test_star_match_host(void **state)
{
    static const int ws[] = { -12, -1, 0, 1, 6 };
    static const int ps[] = { -3, 0, 2, 9 };

    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
        SAME("%*d|", ws[i], -42);
        SAME("%-*x|", ws[i], 0xbeefu);
        SAME("%0*u|", ws[i], 17u);
        SAME("%*s|", ws[i], "abc");
        SAME("%*c|", ws[i], 'q');
        for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
            const char *zero_prec = "%0*.*d|"; /* '0' must yield to the precision */

            SAME("%*.*d|", ws[i], ps[j], 1234);
            SAME(zero_prec, ws[i], ps[j], -5);
            SAME("%*.*s|", ws[i], ps[j], "precision");
        }
    }
}

static void test_mixed_match_host(void **state)
{
    SAME("a=%d b=%s c=%c d=%x %% e=%lu f=%lld", -3, "str", 'z', 0xabcu, 99ul, -77ll);
    const char *narrowing = "%5d%-5d%05d|%hhu|%hd"; /* out-of-range values on purpose */

    SAME(narrowing, 1, 2, 3, 300u, 70000);
    SAME("%zu %zx %zd", (size_t)12345, (size_t)0xfeed, (ptrdiff_t)-9);
    SAME("%i%%%i", 1, 2);
    SAME("%s", "no conversions after this");
}

static void test_fixed(void **state)
{
    const char *volatile none = NULL; /* hidden from the compiler's NULL-argument check */

    EXPECT("(null)", "%s", none);
    EXPECT("  (null)", "%8s", none);
    EXPECT("(nu", "%.3s", none);
    EXPECT("0x0000000000000000", "%p", NULL);
    EXPECT("0x00000000deadbeef", "%p", (void *)(uintptr_t)0xdeadbeef);
    EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
    EXPECT("  0x0000000000000010", "%20p", (void *)(uintptr_t)16);
    EXPECT("0x0000000000000010  |", "%-20p|", (void *)(uintptr_t)16);
    EXPECT("100%", "%d%%", 100);
    EXPECT("-9223372036854775808", "%lld", (long long)INT64_MIN);
    EXPECT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    EXPECT("FFFFFFFF ffffffff", "%X %x", 0xffffffffu, 0xffffffffu);
    EXPECT("", "%s", "");
}

/* An array without NUL is fine with a precision that stops inside it (ASan would catch any
 * read past the three bytes). */
static void test_precision_bounds_read(void **state)
{
    static const char abc[3] = { 'a', 'b', 'c' };

    EXPECT("abc", "%.3s", abc);
    EXPECT("ab", "%.*s", 2, abc);
}

/* Unknown or unfinished conversions are copied through, so bad formats stay visible in logs.
 * The formats go through a table because the compiler rightly rejects them as literals. */
static void test_unknown_copied(void **state)
{
    static const char *const cases[][2] = {
        { "a%qb", "a%qb" }, { "%-08.3Q!", "%-08.3Q!" }, { "end%", "end%" },   { "end%5l", "end%5l" },
        { "%y%d", "%y5" },  { "%zzd", "%zzd" },         { "%lllx", "%lllx" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        int r = ev_snprintf(out, sizeof(out), cases[i][0], 5);

        assert_string_equal(out, cases[i][1]);
        assert_int_equal(r, (int)strlen(cases[i][1]));
    }
}

/* Every buffer size from 0 up: the return value is the full length, the output is the
 * NUL-terminated prefix, and nothing past size is written. */
static void test_truncation(void **state)
{
    char want[128];
    int n = snprintf(want, sizeof(want), "abc %d def %s %08x", -12345, "xyz", 0x1234u);

    for (size_t size = 0; size <= (size_t)n + 2; size++) {
        char buf[128];

        memset(buf, 0x7f, sizeof(buf));
        int r = ev_snprintf(size == 0 ? NULL : buf, size, "abc %d def %s %08x", -12345, "xyz", 0x1234u);

        assert_int_equal(r, n);
        if (size > 0) {
            size_t kept = size - 1 < (size_t)n ? size - 1 : (size_t)n;

            assert_int_equal(strlen(buf), kept);
            assert_memory_equal(buf, want, kept);
        }
        for (size_t i = size; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0x7f);
    }
}

static int call_v(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int r = ev_vsnprintf(buf, size, fmt, ap);

    va_end(ap);
    return r;
}

static void test_vsnprintf(void **state)
{
    char out[32];

    assert_int_equal(call_v(out, sizeof(out), "%s-%d-%c", "v", 7, '!'), 5);
    assert_string_equal(out, "v-7-!");
    assert_int_equal(call_v(out, 4, "%u", 123456u), 6);
    assert_string_equal(out, "123");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_match_host),
        cmocka_unit_test(test_strings_match_host),
        cmocka_unit_test(test_star_match_host),
        cmocka_unit_test(test_mixed_match_host),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_precision_bounds_read),
        cmocka_unit_test(test_unknown_copied),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_vsnprintf),
    };

    return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
