/* Unit tests for arch/aarch64/esr.c: ESR_EL2 field decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/esr.h"

/* ESR value for a data abort from a lower EL with the given ISS (32-bit instruction). */
static uint64_t dabt(uint32_t iss) { return ((uint64_t)ESR_EC_DABT_LOW << ESR_EC_SHIFT) | ESR_IL | iss; }

/* ISS with a valid instruction syndrome, built field by field (Arm ARM D24.2 ESR_EL2). */
static uint32_t iss_isv(unsigned sas, bool sse, unsigned srt, bool sf, bool ar, bool wnr, unsigned dfsc)
{
    return ESR_DABT_ISV | (sas << 22) | ((uint32_t)sse << 21) | (srt << 16) | ((uint32_t)sf << 15) |
           ((uint32_t)ar << 14) | ((uint32_t)wnr << 6) | dfsc;
}

static void test_ec_names(void **state)
{
    /* Independent list of the ECs ESR_EL2 can report. */
    static const uint8_t allocated[] = {
        0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x0e, 0x11, 0x12, 0x13,
        0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x21, 0x22, 0x24, 0x25, 0x26,
        0x27, 0x28, 0x2c, 0x2d, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x3a, 0x3c, 0x3d,
    };
    bool is_alloc[64] = { false };

    for (size_t i = 0; i < sizeof(allocated); i++)
        is_alloc[allocated[i]] = true;
    for (uint32_t ec = 0; ec < 64; ec++) {
        const char *n = esr_ec_name(ec);

        assert_non_null(n);
        /* The names are held in 14-byte slots (esr_names.c): a 14-character name would have
         * no NUL there. */
        assert_non_null(memchr(n, 0, 14));
        if (is_alloc[ec])
            assert_string_not_equal(n, "UNKNOWN_EC");
        else
            assert_string_equal(n, "UNKNOWN_EC");
    }
    assert_string_equal(esr_ec_name(ESR_EC_DABT_LOW), "DABT_LOW");
    assert_string_equal(esr_ec_name(0x16), "HVC64");
    assert_string_equal(esr_ec_name(0x17), "SMC64");
    assert_string_equal(esr_ec_name(0x18), "SYS64");
    assert_string_equal(esr_ec_name(0x01), "WFX");
    assert_string_equal(esr_ec_name(0x3c), "BRK64");
    assert_string_equal(esr_ec_name(64), "UNKNOWN_EC");
    assert_string_equal(esr_ec_name(UINT32_MAX), "UNKNOWN_EC");
}

static void test_accessors(void **state)
{
    /* A Linux-style kernel oops syndrome: 0x96000045 = DABT_CUR, IL, WnR, translation L1. */
    uint64_t esr = 0x96000045u;

    assert_int_equal(esr_ec(esr), ESR_EC_DABT_CUR);
    assert_int_equal(esr_iss(esr), 0x45);
    assert_int_equal(esr_insn_len(esr), 4);
    assert_int_equal(esr_insn_len(esr & ~ESR_IL), 2);
    assert_int_equal(esr_iss2(esr | (UINT64_C(0x123456) << 32)), 0x123456);
    assert_int_equal(esr_ec(esr | (UINT64_C(0xff) << 56)), ESR_EC_DABT_CUR);

    /* HVC #0x4711 */
    esr = ((uint64_t)ESR_EC_HVC64 << ESR_EC_SHIFT) | ESR_IL | 0x4711;
    assert_int_equal(esr_ec(esr), ESR_EC_HVC64);
    assert_int_equal(esr_imm16(esr), 0x4711);

    /* WFI vs WFE vs WFET */
    esr = ((uint64_t)ESR_EC_WFX << ESR_EC_SHIFT) | ESR_IL;
    assert_false(esr_wfx_is_wfe(esr | ESR_WFX_TI_WFI));
    assert_true(esr_wfx_is_wfe(esr | ESR_WFX_TI_WFE));
    assert_true(esr_wfx_is_wfe(esr | ESR_WFX_TI_WFET));
    assert_false(esr_wfx_is_wfe(esr | ESR_WFX_TI_WFIT));
}

/* LDRSH w3, [..] faulting on a stage 2 translation fault at level 3 with ISV=1. */
static void test_dabt_ldrsh_w3(void **state)
{
    struct mmio_access a;
    uint64_t esr = dabt(iss_isv(1, true, 3, false, false, false, ESR_FSC_TRANS_L0 + 3));

    assert_int_equal(esr, 0x93630007u); /* EC 0x24, IL, ISV, SAS=01, SSE, SRT=3, DFSC 7 */
    memset(&a, 0xa5, sizeof(a));
    assert_int_equal(esr_decode_dabt(esr, 0x9000010, &a), ESR_DABT_OK);
    assert_int_equal(a.ipa, 0x9000010);
    assert_int_equal(a.size, 2);
    assert_false(a.write);
    assert_true(a.sign_extend);
    assert_false(a.sf);
    assert_int_equal(a.reg, 3);
    assert_false(a.acqrel);
    assert_false(a.s1ptw);
    assert_false(a.cm);
}

static void test_dabt_sizes(void **state)
{
    static const uint8_t bytes[4] = { 1, 2, 4, 8 };

    for (unsigned sas = 0; sas < 4; sas++) {
        struct mmio_access a;
        uint64_t esr = dabt(iss_isv(sas, false, 0, sas == 3, false, true, 0x06));

        assert_int_equal(esr_decode_dabt(esr, 0x1000, &a), ESR_DABT_OK);
        assert_int_equal(a.size, bytes[sas]);
        assert_true(a.write);
        assert_int_equal(a.sf, sas == 3);
    }
}

static void test_dabt_store_regs_and_ar(void **state)
{
    struct mmio_access a;

    /* STLR x30: SRT=30, SF, AR, WnR */
    assert_int_equal(esr_decode_dabt(dabt(iss_isv(3, false, 30, true, true, true, 0x07)), 0x8000, &a), ESR_DABT_OK);
    assert_int_equal(a.reg, 30);
    assert_true(a.sf);
    assert_true(a.acqrel);
    assert_true(a.write);
    assert_false(a.sign_extend);

    /* STR wzr: SRT=31 is XZR */
    assert_int_equal(esr_decode_dabt(dabt(iss_isv(2, false, 31, false, false, true, 0x07)), 0x8000, &a), ESR_DABT_OK);
    assert_int_equal(a.reg, 31);
    assert_int_equal(a.size, 4);
    assert_false(a.acqrel);

    /* LDRSB x1: sign-extend to 64 bits */
    assert_int_equal(esr_decode_dabt(dabt(iss_isv(0, true, 1, true, false, false, 0x07)), 0x8000, &a), ESR_DABT_OK);
    assert_true(a.sign_extend);
    assert_true(a.sf);
    assert_int_equal(a.size, 1);
    assert_false(a.write);
}

static void test_dabt_no_isv(void **state)
{
    struct mmio_access a;
    uint64_t esr = dabt(ESR_DABT_WNR | 0x07); /* e.g. STP to an emulated region */

    assert_int_equal(esr_decode_dabt(esr, 0x2040, &a), ESR_DABT_NO_ISV);
    assert_int_equal(a.ipa, 0x2040);
    assert_true(a.write);
    assert_false(a.cm);
    assert_false(a.s1ptw);
    assert_true(ESR_DABT_NO_ISV < 0);
}

static void test_dabt_s1ptw(void **state)
{
    struct mmio_access a;
    /* Stage 2 permission fault while the guest MMU walked its tables (WnR set by AF update). */
    uint64_t esr = dabt(ESR_DABT_S1PTW | ESR_DABT_WNR | 0x0f);

    assert_int_equal(esr_decode_dabt(esr, 0x4000, &a), ESR_DABT_S1PTW_ERR);
    assert_true(a.s1ptw);
    /* Even with a (bogus) valid syndrome it is not an MMIO access. */
    esr = dabt(iss_isv(2, false, 5, false, false, false, 0x07) | ESR_DABT_S1PTW);
    assert_int_equal(esr_decode_dabt(esr, 0x4000, &a), ESR_DABT_S1PTW_ERR);
}

static void test_dabt_cm(void **state)
{
    struct mmio_access a;
    /* DC CIVAC on an unmapped IPA: CM=1 and WnR=1, no instruction syndrome. */
    uint64_t esr = dabt(ESR_DABT_CM | ESR_DABT_WNR | 0x06);

    memset(&a, 0x5a, sizeof(a));
    assert_int_equal(esr_decode_dabt(esr, 0x9000000, &a), ESR_DABT_OK);
    assert_true(a.cm);
    assert_true(a.write);
    assert_int_equal(a.size, 0);
    assert_int_equal(a.ipa, 0x9000000);
    assert_false(a.s1ptw);
}

static void test_dabt_rejects(void **state)
{
    static const uint32_t not_mmio[] = {
        ESR_FSC_SEA,
        ESR_FSC_ALIGN,
        ESR_FSC_TLB_CONFLICT,
        ESR_FSC_ADDR_SIZE_L0,
        ESR_FSC_ADDR_SIZE_L0 + 3,
        ESR_FSC_SEA_WALK_L0 + 1,
        ESR_FSC_TAG_CHECK,
        0x35,
    };
    struct mmio_access a;
    uint32_t ok = iss_isv(2, false, 1, false, false, false, 0x07);

    /* Wrong exception classes */
    assert_int_equal(esr_decode_dabt(((uint64_t)ESR_EC_DABT_CUR << 26) | ESR_IL | ok, 0, &a), ESR_DABT_NOT_DABT);
    assert_int_equal(esr_decode_dabt(((uint64_t)ESR_EC_IABT_LOW << 26) | ESR_IL | ok, 0, &a), ESR_DABT_NOT_DABT);
    for (size_t i = 0; i < sizeof(not_mmio) / sizeof(not_mmio[0]); i++) {
        uint32_t iss = (ok & ~ESR_DABT_DFSC_MASK) | not_mmio[i];

        assert_int_equal(esr_decode_dabt(dabt(iss), 0, &a), ESR_DABT_NOT_MMIO);
    }
    /* NV2 VNCR_EL2-relative access */
    assert_int_equal(esr_decode_dabt(dabt(ok | ESR_DABT_VNCR), 0, &a), ESR_DABT_NOT_MMIO);
    /* Translation, access flag and permission faults at every level (and LPA2 level -1). */
    for (uint32_t fsc = 0x04; fsc <= 0x0f; fsc++)
        assert_int_equal(esr_decode_dabt(dabt((ok & ~0x3fu) | fsc), 0, &a), ESR_DABT_OK);
    assert_int_equal(esr_decode_dabt(dabt((ok & ~0x3fu) | ESR_FSC_TRANS_LM1), 0, &a), ESR_DABT_OK);
}

static void test_dfsc_names(void **state)
{
    assert_string_equal(esr_dfsc_name(0x04), "TRANSLATION_L0");
    assert_string_equal(esr_dfsc_name(0x07), "TRANSLATION_L3");
    assert_string_equal(esr_dfsc_name(0x09), "ACCESS_FLAG_L1");
    assert_string_equal(esr_dfsc_name(0x0f), "PERMISSION_L3");
    assert_string_equal(esr_dfsc_name(0x10), "SYNC_EXT_ABORT");
    assert_string_equal(esr_dfsc_name(0x15), "SYNC_EXT_ABORT_WALK_L1");
    assert_string_equal(esr_dfsc_name(0x21), "ALIGNMENT");
    assert_string_equal(esr_dfsc_name(0x30), "TLB_CONFLICT");
    assert_string_equal(esr_dfsc_name(0x2b), "TRANSLATION_LM1");
    assert_string_equal(esr_dfsc_name(0x19), "UNKNOWN_FSC");
    assert_string_equal(esr_dfsc_name(0x20), "UNKNOWN_FSC");
    assert_string_equal(esr_dfsc_name(0x3f), "UNKNOWN_FSC");
    assert_string_equal(esr_dfsc_name(64), "UNKNOWN_FSC");
    for (uint32_t f = 0; f < 64; f++)
        assert_non_null(esr_dfsc_name(f));
}

static void test_fault_ipa(void **state)
{
    /* HPFAR_EL2.FIPA holds IPA[51:12] in bits [43:4]; NS (bit 63) must be ignored. */
    uint64_t ipa = UINT64_C(0x8090123000);
    uint64_t hpfar = (ipa >> 12) << 4 | (UINT64_C(1) << 63);

    assert_int_equal(esr_fault_ipa(hpfar, UINT64_C(0xffff000012345abc)), ipa | 0xabc);
    assert_int_equal(esr_fault_ipa(0, 0xfff), 0xfff);
}

static uint64_t sys64(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt, bool read)
{
    uint32_t iss = (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | (read ? 1u : 0u);

    return ((uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT) | ESR_IL | iss;
}

static void test_sysreg_decode(void **state)
{
    struct sysreg_access s;

    /* MSR ICC_SGI1R_EL1, x7 = S3_0_C12_C11_5 */
    assert_int_equal(esr_sysreg_decode(sys64(3, 0, 12, 11, 5, 7, false), &s), 0);
    assert_int_equal(s.id, SYSREG(3, 0, 12, 11, 5));
    assert_int_equal(s.op0, 3);
    assert_int_equal(s.op1, 0);
    assert_int_equal(s.crn, 12);
    assert_int_equal(s.crm, 11);
    assert_int_equal(s.op2, 5);
    assert_int_equal(s.rt, 7);
    assert_false(s.read);

    /* MRS x30, CNTPCT_EL0 = S3_3_C14_C0_1 */
    assert_int_equal(esr_sysreg_decode(sys64(3, 3, 14, 0, 1, 30, true), &s), 0);
    assert_int_equal(s.id, SYSREG(3, 3, 14, 0, 1));
    assert_int_equal(s.rt, 30);
    assert_true(s.read);

    /* DC CISW, xzr (a System instruction, op0 = 1) */
    assert_int_equal(esr_sysreg_decode(sys64(1, 0, 7, 14, 2, 31, false), &s), 0);
    assert_int_equal(s.id, SYSREG(1, 0, 7, 14, 2));
    assert_int_equal(s.rt, 31);

    assert_int_equal(esr_sysreg_decode(((uint64_t)ESR_EC_HVC64 << 26) | ESR_IL, &s), ESR_SYSREG_NOT_SYS64);
}

/* SYSREG() is injective and its field accessors invert it, over the whole encoding space. */
static void test_sysreg_encoding(void **state)
{
    static uint8_t seen[1u << 22 >> 3];

    memset(seen, 0, sizeof(seen));
    for (unsigned op0 = 0; op0 < 4; op0++)
        for (unsigned op1 = 0; op1 < 8; op1++)
            for (unsigned crn = 0; crn < 16; crn++)
                for (unsigned crm = 0; crm < 16; crm++)
                    for (unsigned op2 = 0; op2 < 8; op2++) {
                        uint32_t id = SYSREG(op0, op1, crn, crm, op2);

                        assert_true(id < (1u << 22));
                        assert_int_equal(id & ~SYSREG_ISS_MASK, 0);
                        assert_false(seen[id >> 3] & (1u << (id & 7)));
                        seen[id >> 3] |= (uint8_t)(1u << (id & 7));
                        assert_int_equal(SYSREG_OP0(id), op0);
                        assert_int_equal(SYSREG_OP1(id), op1);
                        assert_int_equal(SYSREG_CRN(id), crn);
                        assert_int_equal(SYSREG_CRM(id), crm);
                        assert_int_equal(SYSREG_OP2(id), op2);
                    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec_names),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_dabt_ldrsh_w3),
        cmocka_unit_test(test_dabt_sizes),
        cmocka_unit_test(test_dabt_store_regs_and_ar),
        cmocka_unit_test(test_dabt_no_isv),
        cmocka_unit_test(test_dabt_s1ptw),
        cmocka_unit_test(test_dabt_cm),
        cmocka_unit_test(test_dabt_rejects),
        cmocka_unit_test(test_dfsc_names),
        cmocka_unit_test(test_fault_ipa),
        cmocka_unit_test(test_sysreg_decode),
        cmocka_unit_test(test_sysreg_encoding),
    };

    return cmocka_run_group_tests_name("esr", tests, NULL, NULL);
}
