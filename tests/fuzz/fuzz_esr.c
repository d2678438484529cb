/* libFuzzer harness for arch/aarch64/esr.c: data-abort and system-register syndromes.
 *
 * Input: ESR (8 bytes, little-endian), IPA (8), HPFAR (8), FAR (8), missing bytes read as 0.
 * Each decoder result is checked field by field against the ESR_EL2 layout (Arm ARM D24.2
 * ESR_EL2: EC [31:26], IL [25], ISS [24:0], ISS2 [55:32]), including that bits outside ISS and
 * EC never change the outcome. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/esr.h"

#include "tests/host/check.h"

static uint64_t take64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t b = 0;
        if (*n) {
            b = **p;
            (*p)++;
            (*n)--;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static unsigned bit(uint64_t v, unsigned n) { return (unsigned)(v >> n) & 1u; }

static bool same_access(const struct mmio_access *a, const struct mmio_access *b)
{
    return a->ipa == b->ipa && a->size == b->size && a->write == b->write && a->sign_extend == b->sign_extend &&
           a->sf == b->sf && a->reg == b->reg && a->acqrel == b->acqrel && a->s1ptw == b->s1ptw && a->cm == b->cm;
}

static void check_dabt(uint64_t esr, uint64_t ipa)
{
    struct mmio_access a;
    memset(&a, 0, sizeof(a));
    int rc = esr_decode_dabt(esr, ipa, &a);
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    unsigned dfsc = (unsigned)esr & 0x3f;

    if (ec != 0x24) {
        CHECK(rc == ESR_DABT_NOT_DABT);
        return;
    }
    /* Fields that do not depend on ISV. */
    CHECK(a.ipa == ipa);
    CHECK(a.write == bit(esr, 6));
    CHECK(a.s1ptw == bit(esr, 7));
    CHECK(a.cm == bit(esr, 8));

    /* DFSC [5:0]: translation, access flag and permission faults at levels 0..3, and the
     * level -1 translation fault of FEAT_LPA2, are what an emulated device looks like. */
    bool mmio_fsc = (dfsc >= 0x04 && dfsc <= 0x0f) || dfsc == 0x2b;
    int want;
    if (bit(esr, 7))
        want = ESR_DABT_S1PTW_ERR;
    else if (bit(esr, 13) || bit(esr, 10) || !mmio_fsc) /* VNCR, FnV */
        want = ESR_DABT_NOT_MMIO;
    else if (bit(esr, 8))
        want = ESR_DABT_OK; /* CM: no data moves */
    else if (!bit(esr, 24))
        want = ESR_DABT_NO_ISV;
    else
        want = ESR_DABT_OK;
    CHECK(rc == want);

    if (rc == ESR_DABT_OK && a.cm) {
        CHECK(a.size == 0);
    } else if (rc == ESR_DABT_OK) {
        CHECK(a.size == 1u << ((esr >> 22) & 3));
        CHECK(a.sign_extend == bit(esr, 21));
        CHECK(a.reg == ((esr >> 16) & 31));
        CHECK(a.sf == bit(esr, 15));
        CHECK(a.acqrel == bit(esr, 14));
    }

    /* RES0 [63:56], ISS2 [55:32] and IL [25] do not change the decoding. */
    uint64_t other = esr ^ (UINT64_C(0xffffffff00000000) | ESR_IL);
    struct mmio_access b;
    memset(&b, 0, sizeof(b));
    CHECK(esr_decode_dabt(other, ipa, &b) == rc);
    CHECK(same_access(&a, &b));
}

static void check_sysreg(uint64_t esr)
{
    struct sysreg_access s;
    memset(&s, 0, sizeof(s));
    int rc = esr_sysreg_decode(esr, &s);
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;

    if (ec != 0x18) {
        CHECK(rc == ESR_SYSREG_NOT_SYS64);
        return;
    }
    CHECK(rc == 0);
    /* ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Dir [0]. */
    CHECK(s.op0 == ((esr >> 20) & 3));
    CHECK(s.op2 == ((esr >> 17) & 7));
    CHECK(s.op1 == ((esr >> 14) & 7));
    CHECK(s.crn == ((esr >> 10) & 15));
    CHECK(s.rt == ((esr >> 5) & 31));
    CHECK(s.crm == ((esr >> 1) & 15));
    CHECK(s.read == bit(esr, 0));
    CHECK(s.id == SYSREG(s.op0, s.op1, s.crn, s.crm, s.op2));
    CHECK(SYSREG_OP0(s.id) == s.op0 && SYSREG_OP1(s.id) == s.op1 && SYSREG_CRN(s.id) == s.crn &&
          SYSREG_CRM(s.id) == s.crm && SYSREG_OP2(s.id) == s.op2);
    /* Rt and Direction are not part of the register's identity. */
    struct sysreg_access t;
    CHECK(esr_sysreg_decode(esr ^ 0x3e1u ^ UINT64_C(0xff00000000000000), &t) == 0);
    CHECK(t.id == s.id && t.rt == (s.rt ^ 31u) && t.read != s.read);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t esr = take64(&data, &size);
    uint64_t ipa = take64(&data, &size);
    uint64_t hpfar = take64(&data, &size);
    uint64_t far = take64(&data, &size);

    check_dabt(esr, ipa);
    check_sysreg(esr);
    /* The same syndrome as a data abort and as an MSR/MRS trap, whatever its class. */
    uint64_t iss_only = esr & ~(UINT64_C(0x3f) << 26);
    check_dabt(iss_only | (UINT64_C(0x24) << 26), ipa);
    check_sysreg(iss_only | (UINT64_C(0x18) << 26));

    const char *n = esr_ec_name(esr_ec(esr));
    CHECK(n != NULL && n[0] != '\0');
    n = esr_dfsc_name((uint32_t)esr & ESR_DABT_DFSC_MASK);
    CHECK(n != NULL && n[0] != '\0');
    n = esr_dfsc_name((uint32_t)ipa);
    CHECK(n != NULL);

    CHECK(esr_ec(esr) == ((esr >> 26) & 0x3f));
    CHECK(esr_iss(esr) == (esr & 0x1ffffff));
    CHECK(esr_iss2(esr) == ((esr >> 32) & 0xffffff));
    CHECK(esr_insn_len(esr) == (bit(esr, 25) ? 4u : 2u));
    CHECK(esr_imm16(esr) == (esr & 0xffff));
    CHECK(esr_wfx_is_wfe(esr) == (bit(esr, 0) != 0));
    /* HPFAR_EL2.FIPA [43:4] holds IPA [51:12]; FAR gives the page offset. */
    uint64_t fipa = (hpfar >> 4) & ((UINT64_C(1) << 40) - 1);
    CHECK(esr_fault_ipa(hpfar, far) == ((fipa << 12) | (far & 0xfff)));
    return 0;
}
