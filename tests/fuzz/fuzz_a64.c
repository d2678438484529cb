/* libFuzzer harness for arch/aarch64/a64_ldst.c.
 *
 * Input: a little-endian instruction word, a control byte, then bytes for the register file
 * and the fake memory. A word that decodes is emulated against a small bounds-checked memory
 * window, placed at the address the instruction computes (or, when the control byte says so,
 * off by a little so the access straddles its edge or misses it). The result is compared with
 * a reference written from the Arm ARM pseudocode: addresses and sizes of every access, bytes
 * stored, registers loaded (extension, XZR, V-register clearing), writeback, and on a failed
 * access no register changed at all.
 *
 * Decoder checks: a success is in the Loads and Stores group and yields a record within the
 * documented ranges; a failure leaves *out untouched. Records not made by the decoder are also
 * fed to the emulator, which must refuse the inconsistent ones or stay within bounds. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/a64_ldst.h"

#include "tests/host/check.h"

/* ---- fake memory ------------------------------------------------------------------------ */

#define WIN 64

struct fake_mem {
    uint64_t base; /* window [base, base + WIN) */
    uint8_t bytes[WIN];
    unsigned expect_len; /* every callback moves exactly the access size */
    unsigned fail_call;  /* 1-based call that fails, 0 = none */
    unsigned calls;
    uint64_t addr[2];
    unsigned len[2];
    bool wrote[2];
    uint8_t data[2][16]; /* what each write stored */
};

static bool in_window(const struct fake_mem *m, uint64_t addr, unsigned len)
{
    return addr >= m->base && addr - m->base <= WIN && len <= WIN - (addr - m->base);
}

static int mem_access(struct fake_mem *m, uint64_t addr, unsigned len, bool write)
{
    CHECK(m->calls < 2);
    CHECK(len == m->expect_len);
    m->addr[m->calls] = addr;
    m->len[m->calls] = len;
    m->wrote[m->calls] = write;
    m->calls++;
    if (m->calls == m->fail_call || !in_window(m, addr, len))
        return -1;
    return 0;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, unsigned len)
{
    struct fake_mem *m = ctx;
    if (mem_access(m, addr, len, false) != 0)
        return -1;
    memcpy(buf, m->bytes + (addr - m->base), len);
    return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, unsigned len)
{
    struct fake_mem *m = ctx;
    if (mem_access(m, addr, len, true) != 0)
        return -1;
    memcpy(m->data[m->calls - 1], buf, len);
    memcpy(m->bytes + (addr - m->base), buf, len);
    return 0;
}

static const struct a64_mem_ops mem_ops = { mem_read, mem_write };

/* ---- reference semantics (Arm ARM C6.2 pseudocode, shared/functions ExtendReg) ------------ */

static uint64_t ref_x(const struct a64_regs *r, unsigned n, bool sp) { return n == 31 ? (sp ? r->sp : 0) : r->x[n]; }

static uint64_t ref_sext(uint64_t v, unsigned bits)
{
    if (bits >= 64)
        return v;
    uint64_t m = (UINT64_C(1) << bits) - 1;
    v &= m;
    return (v >> (bits - 1)) & 1 ? v | ~m : v;
}

static uint64_t ref_offset(const struct a64_ldst *d, const struct a64_regs *r)
{
    if (d->mode != A64_AM_REG)
        return (uint64_t)d->imm;
    uint64_t v = ref_x(r, d->rm, false);
    switch (d->extend) {
    case A64_EXT_UXTW:
        v &= 0xffffffffu;
        break;
    case A64_EXT_SXTW:
        v = ref_sext(v, 32);
        break;
    default:
        break;
    }
    return v << d->shift;
}

static uint64_t ref_address(const struct a64_ldst *d, const struct a64_regs *r)
{
    uint64_t base = ref_x(r, d->rn, true);
    return d->mode == A64_AM_POST ? base : base + ref_offset(d, r);
}

/* The bytes a store of register reg writes. */
static void ref_store_bytes(const struct a64_ldst *d, const struct a64_regs *r, unsigned reg, uint8_t *out)
{
    uint8_t v[16];
    if (d->simd) {
        for (int i = 0; i < 8; i++) {
            v[i] = (uint8_t)(r->v[reg][0] >> (8 * i));
            v[8 + i] = (uint8_t)(r->v[reg][1] >> (8 * i));
        }
    } else {
        uint64_t x = ref_x(r, reg, false);
        for (int i = 0; i < 8; i++)
            v[i] = (uint8_t)(x >> (8 * i));
    }
    memcpy(out, v, d->size);
}

static void ref_load(const struct a64_ldst *d, struct a64_regs *r, unsigned reg, const uint8_t *b)
{
    uint64_t lo = 0, hi = 0;
    for (unsigned i = 0; i < d->size; i++) {
        if (i < 8)
            lo |= (uint64_t)b[i] << (8 * i);
        else
            hi |= (uint64_t)b[i] << (8 * (i - 8));
    }
    if (d->simd) {
        r->v[reg][0] = lo;
        r->v[reg][1] = hi;
        return;
    }
    if (reg == 31)
        return;
    if (d->sign_extend)
        lo = ref_sext(lo, 8 * d->size);
    if (!d->dest64)
        lo &= 0xffffffffu;
    r->x[reg] = lo;
}

/* ---- checks ----------------------------------------------------------------------------- */

static void check_record(uint32_t insn, const struct a64_ldst *d)
{
    CHECK((insn & 0x0a000000u) == 0x08000000u);
    CHECK(d->insn == insn);
    CHECK(d->rn <= 31 && d->rt <= 31 && d->rm <= 31);
    CHECK(d->rn == ((insn >> 5) & 31) && d->rt == (insn & 31));
    CHECK(d->nregs == 1 || d->nregs == 2);
    if (d->nregs == 2) {
        CHECK(d->rt2 == ((insn >> 10) & 31));
        CHECK(!(d->load && d->rt == d->rt2));
    }
    CHECK(d->size == 1 || d->size == 2 || d->size == 4 || d->size == 8 || (d->size == 16 && d->simd));
    CHECK(d->mode <= A64_AM_POST);
    if (d->mode == A64_AM_REG) {
        CHECK(d->extend == A64_EXT_UXTW || d->extend == A64_EXT_UXTX || d->extend == A64_EXT_SXTW ||
              d->extend == A64_EXT_SXTX);
        CHECK(d->shift == 0 || (1u << d->shift) == d->size);
    }
    CHECK(!(d->simd && (d->sign_extend || d->acqrel || d->unpriv)));
    if (!d->simd && d->load) {
        CHECK(!(d->size == 8 && (!d->dest64 || d->sign_extend)));
        CHECK(!(d->size == 4 && d->sign_extend && !d->dest64));
        CHECK(d->sign_extend || d->dest64 == (d->size == 8));
    }
    if (!d->load)
        CHECK(!d->sign_extend && !d->dest64);
    /* Writeback into a transfer register is CONSTRAINED UNPREDICTABLE: refused. */
    if (a64_ldst_writeback(d) && !d->simd && d->rn != 31)
        CHECK(d->rn != d->rt && (d->nregs == 1 || d->rn != d->rt2));
    if (d->nregs == 2)
        CHECK(d->imm % d->size == 0 && d->imm / d->size >= -64 && d->imm / d->size <= 63);
    if (d->acqrel || d->nontemporal)
        CHECK(!a64_ldst_writeback(d));
}

static void emulate_and_compare(const struct a64_ldst *d, const struct a64_regs *before, struct fake_mem *m)
{
    struct a64_regs regs = *before, want = *before;
    uint8_t mem_before[WIN];
    memcpy(mem_before, m->bytes, WIN);
    m->expect_len = d->size;
    m->calls = 0;

    uint64_t addr = ref_address(d, before);
    CHECK(a64_ldst_address(d, before) == addr);
    int rc = a64_ldst_emulate(d, &regs, &mem_ops, m);

    if (rc == A64_LDST_EMEM) {
        CHECK(memcmp(&regs, before, sizeof(regs)) == 0);
        CHECK(m->calls >= 1);
        unsigned last = m->calls - 1;
        CHECK(m->calls == m->fail_call || !in_window(m, m->addr[last], m->len[last]));
        return;
    }
    CHECK(rc == A64_LDST_OK);
    CHECK(m->calls == d->nregs);
    const unsigned treg[2] = { d->rt, d->rt2 };
    for (unsigned i = 0; i < d->nregs; i++) {
        CHECK(m->addr[i] == addr + (uint64_t)i * d->size);
        CHECK(m->wrote[i] == !d->load);
        uint64_t off = m->addr[i] - m->base;
        if (d->load) {
            ref_load(d, &want, treg[i], mem_before + off);
        } else {
            uint8_t exp[16];
            ref_store_bytes(d, before, treg[i], exp);
            CHECK(memcmp(m->data[i], exp, d->size) == 0);
        }
    }
    if (a64_ldst_writeback(d)) {
        uint64_t nb = ref_x(before, d->rn, true) + ref_offset(d, before);
        if (d->rn == 31)
            want.sp = nb;
        else
            want.x[d->rn] = nb;
    }
    CHECK(memcmp(&regs, &want, sizeof(regs)) == 0);
}

struct cursor {
    const uint8_t *p;
    size_t n;
};

static uint8_t take8(struct cursor *c)
{
    if (c->n == 0)
        return 0;
    c->n--;
    return *c->p++;
}

static uint64_t take64(struct cursor *c)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)take8(c) << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor c = { data, size };
    uint32_t insn = 0;
    for (int i = 0; i < 4; i++)
        insn |= (uint32_t)take8(&c) << (8 * i);
    uint8_t ctl = take8(&c);

    /* Registers: a few fuzzed values spread over the file, small ones where it helps. */
    struct a64_regs regs;
    memset(&regs, 0, sizeof(regs));
    for (unsigned i = 0; i < 31; i++)
        regs.x[i] = (ctl & 0x40) ? (uint64_t)i * 0x1111111111111111u : 0x1000 + i * 8;
    regs.sp = 0x8000;
    for (unsigned i = 0; i < 32; i++) {
        regs.v[i][0] = 0x0706050403020100u + i;
        regs.v[i][1] = 0x0f0e0d0c0b0a0908u + i;
    }
    unsigned nset = take8(&c) % 8;
    for (unsigned i = 0; i < nset; i++) {
        unsigned r = take8(&c) % 33;
        uint64_t v = take64(&c);
        if (r == 32)
            regs.sp = v;
        else if (r < 31)
            regs.x[r] = v;
    }

    struct a64_ldst d;
    uint8_t pattern[sizeof(d)];
    memset(&d, 0xa5, sizeof(d));
    memcpy(pattern, &d, sizeof(d));
    int rc = a64_decode_ldst(insn, &d);
    CHECK(rc == A64_LDST_OK || rc == A64_LDST_NOT_LDST || rc == A64_LDST_UNSUPPORTED);
    if (rc != A64_LDST_OK) {
        CHECK(memcmp(&d, pattern, sizeof(d)) == 0);
        if (rc == A64_LDST_NOT_LDST)
            CHECK((insn & 0x0a000000u) != 0x08000000u);
    } else {
        check_record(insn, &d);
        struct a64_ldst again;
        CHECK(a64_decode_ldst(insn, &again) == A64_LDST_OK);
        CHECK(again.mode == d.mode && again.imm == d.imm && again.size == d.size && again.load == d.load &&
              again.rt2 == d.rt2 && again.rm == d.rm);
    }

    /* Memory window at the computed address, shifted by a small amount. */
    struct fake_mem m;
    memset(&m, 0, sizeof(m));
    for (unsigned i = 0; i < WIN; i++)
        m.bytes[i] = c.n ? take8(&c) : (uint8_t)(i * 37 + 11);
    m.fail_call = (ctl >> 4) & 3;
    if (rc == A64_LDST_OK) {
        uint64_t addr = ref_address(&d, &regs);
        int shift = (ctl & 0x80) ? (int)(ctl & 0xf) - 8 : -(int)(ctl & 0xf);
        m.base = addr + (uint64_t)(int64_t)shift;
        emulate_and_compare(&d, &regs, &m);
    }

    /* A record that did not come from the decoder: refused or handled within bounds. */
    struct a64_ldst r;
    memset(&r, 0, sizeof(r));
    r.insn = insn;
    r.mode = (enum a64_addr_mode)(take8(&c) % 4);
    r.rn = take8(&c) % 40;
    r.rt = take8(&c) % 40;
    r.rt2 = take8(&c) % 40;
    r.rm = take8(&c) % 40;
    r.size = take8(&c) % 20;
    r.nregs = take8(&c) % 4;
    uint8_t fl = take8(&c);
    r.load = fl & 1;
    r.simd = fl & 2;
    r.sign_extend = fl & 4;
    r.dest64 = fl & 8;
    r.acqrel = fl & 16;
    r.unpriv = fl & 32;
    r.nontemporal = fl & 64;
    r.imm = (int64_t)take64(&c);
    r.extend = (enum a64_extend)(take8(&c) % 8);
    r.shift = take8(&c) % 8;
    struct a64_regs regs2 = regs;
    m.expect_len = r.size;
    m.calls = 0;
    m.fail_call = 0;
    /* a64_ldst_address() trusts its record (it is only called with decoded ones) */
    m.base = r.rn <= 31 && r.rm <= 31 ? ref_address(&r, &regs) : 0x1000;
    rc = a64_ldst_emulate(&r, &regs2, &mem_ops, &m);
    CHECK(rc == A64_LDST_OK || rc == A64_LDST_EINVAL || rc == A64_LDST_EMEM);
    if (rc == A64_LDST_EINVAL)
        CHECK(m.calls == 0 && memcmp(&regs2, &regs, sizeof(regs)) == 0);
    if (rc == A64_LDST_OK)
        CHECK(r.rn <= 31 && r.rt <= 31 && r.rt2 <= 31 && r.rm <= 31 && m.calls == r.nregs);
    /* A missing callback is refused before anything happens. */
    const struct a64_mem_ops none = { NULL, NULL };
    CHECK(a64_ldst_emulate(&r, &regs2, &none, &m) == A64_LDST_EINVAL);
    CHECK(a64_ldst_emulate(&r, &regs2, NULL, &m) == A64_LDST_EINVAL);
    return 0;
}
