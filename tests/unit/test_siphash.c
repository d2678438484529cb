/* Unit tests for lib/siphash.c against the reference vectors of the SipHash paper (appendix A)
 * and its reference implementation's table: key 00..0f, message 00..(n-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/siphash.h"

static const struct siphash_key key = { .k0 = 0x0706050403020100ULL, .k1 = 0x0f0e0d0c0b0a0908ULL };

static uint64_t hash_of_first(unsigned n)
{
    uint8_t msg[64];
    for (unsigned i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    return siphash24(&key, msg, n);
}

static void the_papers_vector(void **state)
{
    assert_true(hash_of_first(15) == 0xa129ca6149be45e5ULL); /* appendix A */
}

static void the_reference_table(void **state)
{
    assert_true(hash_of_first(0) == 0x726fdb47dd0e0e31ULL);
    assert_true(hash_of_first(1) == 0x74f839c593dc67fdULL);
    assert_true(hash_of_first(8) == 0x93f5f5799a932462ULL);
}

static void the_key_matters(void **state)
{
    const struct siphash_key other = { .k0 = key.k0 ^ 1, .k1 = key.k1 };
    uint8_t mac[6] = { 2, 0, 0, 0, 1, 1 };
    assert_true(siphash24(&key, mac, 6) != siphash24(&other, mac, 6));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_papers_vector),
        cmocka_unit_test(the_reference_table),
        cmocka_unit_test(the_key_matters),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
