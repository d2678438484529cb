/* Unit tests for arch/aarch64/spectre.c: the mitigation each CPU chooses at boot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/spectre.h"

#define NS        SMCCC_RET_NOT_SUPPORTED
#define CSV2(n)   ((uint64_t)(n) << 56) /* ID_AA64PFR0_EL1.CSV2 */
#define ECBHB     ((uint64_t)1 << 60)   /* ID_AA64MMFR1_EL1.ECBHB */
#define CLRBHB    ((uint64_t)1 << 28)   /* ID_AA64ISAR2_EL1.CLRBHB */
#define ARM(part) (0x410f0000u | ((part) << 4))

static struct spectre_choice choose(uint32_t midr, uint64_t pfr0, uint64_t mmfr1, uint64_t isar2, int64_t wa1,
                                    int64_t wa2, int64_t wa3)
{
    struct spectre_inputs in = { midr, pfr0, mmfr1, isar2, wa1, wa2, wa3 };
    struct spectre_choice c;
    spectre_choose(&in, &c);
    return c;
}

/* QEMU's -cpu max (implementer 0, CSV2_3, ECBHB, CLRBHB): nothing at the exits. */
static void test_max_needs_nothing(void **state)
{
    struct spectre_choice c = choose(0x000f0510, CSV2(3), ECBHB, CLRBHB, NS, NS, NS);
    assert_int_equal(c.exit_word, 0);
    assert_int_equal(c.v2, SPECTRE_UNAFFECTED);
    assert_int_equal(c.bhb, SPECTRE_UNAFFECTED);
    assert_int_equal(c.v4, SPECTRE_VULNERABLE); /* no firmware WORKAROUND_2, core not listed */
}

/* The loop counts of Arm's table. */
static void test_loop_counts(void **state)
{
    static const struct {
        unsigned part, k;
    } t[] = { { 0xd07, 8 },  { 0xd08, 8 },  { 0xd0b, 24 }, { 0xd0c, 24 }, { 0xd0d, 24 }, { 0xd41, 32 },
              { 0xd44, 32 }, { 0xd49, 32 }, { 0xd40, 32 }, { 0xd47, 32 }, { 0xd48, 32 } };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct spectre_choice c = choose(ARM(t[i].part), CSV2(1), 0, 0, NS, NS, NS);
        assert_int_equal(c.exit_word & SPECTRE_EXIT_LOOP_MASK, t[i].k);
        assert_int_equal(c.bhb, SPECTRE_MITIGATED);
    }
    /* CLRBHB wins over the loop; ECBHB needs nothing. */
    struct spectre_choice c = choose(ARM(0xd49), CSV2(1), 0, CLRBHB, NS, NS, NS);
    assert_int_equal(c.exit_word, 1u << SPECTRE_EXIT_CLRBHB);
    c = choose(ARM(0xd49), CSV2(1), ECBHB, 0, NS, NS, NS);
    assert_int_equal(c.exit_word, 0);
}

/* Cortex-A72 without firmware (QEMU): v2 and v4 vulnerable, the loop for BHB. With SMCCC 1.1
 * firmware: WORKAROUND_1 at each exit, and WORKAROUND_2 switched on. */
static void test_a72(void **state)
{
    struct spectre_choice c = choose(0x410fd083, 0, 0, 0, NS, NS, NS);
    assert_int_equal(c.v2, SPECTRE_VULNERABLE);
    assert_int_equal(c.v4, SPECTRE_VULNERABLE);
    assert_int_equal(c.exit_word, 8);
    assert_false(c.fw_wa2_enable);
    c = choose(0x410fd083, 0, 0, 0, 0, 0, NS);
    assert_int_equal(c.v2, SPECTRE_MITIGATED);
    assert_int_equal(c.v4, SPECTRE_MITIGATED);
    assert_int_equal(c.exit_word, 8 | 1u << SPECTRE_EXIT_FW_WA1);
    assert_true(c.fw_wa2_enable);
    /* WORKAROUND_2 that is always on: nothing to switch. */
    c = choose(0x410fd083, 0, 0, 0, 0, SMCCC_RET_NOT_REQUIRED, NS);
    assert_int_equal(c.v4, SPECTRE_MITIGATED);
    assert_false(c.fw_wa2_enable);
}

/* Cortex-A73/A75: WORKAROUND_1 clears the history too; without it, both vulnerable. A core in
 * no table with WORKAROUND_3: that one call. */
static void test_firmware_bhb(void **state)
{
    struct spectre_choice c = choose(ARM(0xd09), 0, 0, 0, 0, NS, NS);
    assert_int_equal(c.bhb, SPECTRE_MITIGATED);
    assert_int_equal(c.exit_word, 1u << SPECTRE_EXIT_FW_WA1);
    c = choose(ARM(0xd0a), 0, 0, 0, NS, NS, NS);
    assert_int_equal(c.bhb, SPECTRE_VULNERABLE);
    assert_int_equal(c.v2, SPECTRE_VULNERABLE);
    assert_int_equal(c.exit_word, 0);
    c = choose(0x510f8000, 0, 0, 0, 0, NS, 0);
    assert_int_equal(c.exit_word, 1u << SPECTRE_EXIT_FW_WA3);
}

/* Cortex-A53/A55: nothing at all, whatever the firmware says. */
static void test_unaffected_cores(void **state)
{
    struct spectre_choice c = choose(ARM(0xd03), 0, 0, 0, NS, NS, NS);
    assert_int_equal(c.exit_word, 0);
    assert_int_equal(c.v2, SPECTRE_UNAFFECTED);
    assert_int_equal(c.bhb, SPECTRE_UNAFFECTED);
    assert_int_equal(c.v4, SPECTRE_UNAFFECTED);
    assert_string_equal(spectre_core_name(ARM(0xd05)), "Cortex-A55");
    assert_null(spectre_core_name(0x000f0510));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_needs_nothing), cmocka_unit_test(test_loop_counts),      cmocka_unit_test(test_a72),
        cmocka_unit_test(test_firmware_bhb),      cmocka_unit_test(test_unaffected_cores),
    };
    return cmocka_run_group_tests_name("spectre", tests, NULL, NULL);
}
