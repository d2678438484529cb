/*
 * Unit tests for arch/aarch64/a64_ldst.c. Instruction words were assembled with
 * aarch64-linux-gnu-as (-march=armv8.5-a+memtag+rcpc+lse) and checked with objdump; the
 * assembly is in each comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/a64_ldst.h"

/* ---- fake guest memory: a bounds-checked byte array at MEM_BASE ---- */

#define MEM_BASE UINT64_C(0x10000)
#define MEM_SIZE 0x20000u

struct access_log {
    uint64_t addr;
    unsigned len;
    bool write;
};

static struct fakemem {
    uint8_t bytes[MEM_SIZE];
    unsigned nacc;    /* accesses attempted */
    unsigned fail_on; /* 1-based access number to fail, 0 = none */
    struct access_log log[4];
} mem;

static bool mem_range(uint64_t addr, unsigned len)
{
    return addr >= MEM_BASE && addr - MEM_BASE <= MEM_SIZE && len <= MEM_SIZE - (addr - MEM_BASE);
}

static int mem_access(struct fakemem *m, uint64_t addr, unsigned len, bool write)
{
    if (m->nacc < 4)
        m->log[m->nacc] = (struct access_log){ addr, len, write };
    m->nacc++;
    if (m->fail_on == m->nacc || !mem_range(addr, len))
        return -1;
    return 0;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, unsigned len)
{
    struct fakemem *m = ctx;

    if (mem_access(m, addr, len, false))
        return -1;
    memcpy(buf, &m->bytes[addr - MEM_BASE], len);
    return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, unsigned len)
{
    struct fakemem *m = ctx;

    if (mem_access(m, addr, len, true))
        return -1;
    memcpy(&m->bytes[addr - MEM_BASE], buf, len);
    return 0;
}

static const struct a64_mem_ops mem_ops = { mem_read, mem_write };

static void mem_reset(void)
{
    memset(mem.bytes, 0xee, sizeof(mem.bytes));
    mem.nacc = 0;
    mem.fail_on = 0;
    memset(mem.log, 0, sizeof(mem.log));
}

static void mem_put(uint64_t addr, uint64_t v, unsigned len)
{
    for (unsigned i = 0; i < len; i++, v >>= 8)
        mem.bytes[addr - MEM_BASE + i] = (uint8_t)v;
}

static uint64_t mem_get(uint64_t addr, unsigned len)
{
    uint64_t v = 0;

    for (unsigned i = len; i-- > 0;)
        v = (v << 8) | mem.bytes[addr - MEM_BASE + i];
    return v;
}

/* Recognisable register contents: any unintended write shows up in a whole-file compare. */
static void regs_init(struct a64_regs *r)
{
    for (unsigned i = 0; i < 31; i++)
        r->x[i] = UINT64_C(0xa5a5000000000000) | i;
    r->sp = UINT64_C(0x5b5b5b5b5b5b0000);
    for (unsigned i = 0; i < 32; i++) {
        r->v[i][0] = UINT64_C(0xc0c0000000000000) | i;
        r->v[i][1] = UINT64_C(0xd0d0000000000000) | i;
    }
}

/* Decode (must succeed) and emulate insn against the fake memory. */
static int emulate(uint32_t insn, struct a64_regs *r, struct a64_ldst *d)
{
    struct a64_ldst local;

    if (d == NULL)
        d = &local;
    assert_int_equal(a64_decode_ldst(insn, d), A64_LDST_OK);
    return a64_ldst_emulate(d, r, &mem_ops, &mem);
}

static void assert_regs_equal(const struct a64_regs *got, const struct a64_regs *want)
{
    for (unsigned i = 0; i < 31; i++) {
        if (got->x[i] != want->x[i])
            fail_msg("x%u = %#llx, want %#llx", i, (unsigned long long)got->x[i], (unsigned long long)want->x[i]);
    }
    assert_int_equal(got->sp, want->sp);
    for (unsigned i = 0; i < 32; i++) {
        if (got->v[i][0] != want->v[i][0] || got->v[i][1] != want->v[i][1])
            fail_msg("v%u differs", i);
    }
}

static void assert_log(unsigned i, uint64_t addr, unsigned len, bool write)
{
    assert_true(i < mem.nacc);
    assert_int_equal(mem.log[i].addr, addr);
    assert_int_equal(mem.log[i].len, len);
    assert_int_equal(mem.log[i].write, write);
}

/* ---- decode: accepted forms, field by field ---- */

struct dec_case {
    uint32_t insn;
    const char *text;
    struct a64_ldst want;
};

#define X(...)      \
    {               \
        __VA_ARGS__ \
    }
static const struct dec_case dec_cases[] = {
    { 0xf9400441, "ldr x1, [x2, #8]", X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 1, .rn = 2, .imm = 8) },
    { 0x78dfec83, "ldrsh w3, [x4, #-2]!",
      X(.load = 1, .size = 2, .nregs = 1, .sign_extend = 1, .rt = 3, .rn = 4, .mode = A64_AM_PRE, .imm = -2) },
    { 0x388014c5, "ldrsb x5, [x6], #1",
      X(.load = 1, .size = 1, .nregs = 1, .sign_extend = 1, .dest64 = 1, .rt = 5, .rn = 6, .mode = A64_AM_POST,
        .imm = 1) },
    { 0xb8a97907, "ldrsw x7, [x8, x9, lsl #2]",
      X(.load = 1, .size = 4, .nregs = 1, .sign_extend = 1, .dest64 = 1, .rt = 7, .rn = 8, .mode = A64_AM_REG, .rm = 9,
        .extend = A64_EXT_UXTX, .shift = 2) },
    { 0x386cc96a, "ldrb w10, [x11, w12, sxtw]",
      X(.load = 1, .size = 1, .nregs = 1, .rt = 10, .rn = 11, .mode = A64_AM_REG, .rm = 12, .extend = A64_EXT_SXTW,
        .shift = 0) },
    { 0x38637841, "ldrb w1, [x2, x3, lsl #0]",
      X(.load = 1, .size = 1, .nregs = 1, .rt = 1, .rn = 2, .mode = A64_AM_REG, .rm = 3, .extend = A64_EXT_UXTX,
        .shift = 0) },
    { 0x38e34841, "ldrsb w1, [x2, w3, uxtw]",
      X(.load = 1, .size = 1, .nregs = 1, .sign_extend = 1, .rt = 1, .rn = 2, .mode = A64_AM_REG, .rm = 3,
        .extend = A64_EXT_UXTW, .shift = 0) },
    { 0xb8635841, "ldr w1, [x2, w3, uxtw #2]",
      X(.load = 1, .size = 4, .nregs = 1, .rt = 1, .rn = 2, .mode = A64_AM_REG, .rm = 3, .extend = A64_EXT_UXTW,
        .shift = 2) },
    { 0x7863f841, "ldrh w1, [x2, x3, sxtx #1]",
      X(.load = 1, .size = 2, .nregs = 1, .rt = 1, .rn = 2, .mode = A64_AM_REG, .rm = 3, .extend = A64_EXT_SXTX,
        .shift = 1) },
    { 0xf8637841, "ldr x1, [x2, x3, lsl #3]",
      X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 1, .rn = 2, .mode = A64_AM_REG, .rm = 3,
        .extend = A64_EXT_UXTX, .shift = 3) },
    { 0xb90007ed, "str w13, [sp, #4]", X(.size = 4, .nregs = 1, .rt = 13, .rn = 31, .imm = 4) },
    { 0x7900043f, "strh wzr, [x1, #2]", X(.size = 2, .nregs = 1, .rt = 31, .rn = 1, .imm = 2) },
    { 0xf940003f, "ldr xzr, [x1]", X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 31, .rn = 1) },
    { 0xf85fd041, "ldur x1, [x2, #-3]", X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 1, .rn = 2, .imm = -3) },
    { 0x799ffd49, "ldrsh x9, [x10, #4094]",
      X(.load = 1, .size = 2, .nregs = 1, .sign_extend = 1, .dest64 = 1, .rt = 9, .rn = 10, .imm = 4094) },
    { 0xf93fffc0, "str x0, [x30, #32760]", X(.size = 8, .nregs = 1, .rt = 0, .rn = 30, .imm = 32760) },
    { 0xf8500fe1, "ldr x1, [sp, #-256]!",
      X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 1, .rn = 31, .mode = A64_AM_PRE, .imm = -256) },
    { 0xa9ff0be1, "ldp x1, x2, [sp, #-16]!",
      X(.load = 1, .size = 8, .nregs = 2, .dest64 = 1, .rt = 1, .rt2 = 2, .rn = 31, .mode = A64_AM_PRE, .imm = -16) },
    { 0x288110a3, "stp w3, w4, [x5], #8",
      X(.size = 4, .nregs = 2, .rt = 3, .rt2 = 4, .rn = 5, .mode = A64_AM_POST, .imm = 8) },
    { 0x697f0861, "ldpsw x1, x2, [x3, #-8]",
      X(.load = 1, .size = 4, .nregs = 2, .sign_extend = 1, .dest64 = 1, .rt = 1, .rt2 = 2, .rn = 3, .imm = -8) },
    { 0x68c10861, "ldpsw x1, x2, [x3], #8",
      X(.load = 1, .size = 4, .nregs = 2, .sign_extend = 1, .dest64 = 1, .rt = 1, .rt2 = 2, .rn = 3,
        .mode = A64_AM_POST, .imm = 8) },
    { 0x6c410861, "ldnp d1, d2, [x3, #16]",
      X(.load = 1, .simd = 1, .size = 8, .nregs = 2, .rt = 1, .rt2 = 2, .rn = 3, .imm = 16, .nontemporal = 1) },
    { 0x3dc00820, "ldr q0, [x1, #32]", X(.load = 1, .simd = 1, .size = 16, .nregs = 1, .rt = 0, .rn = 1, .imm = 32) },
    { 0x3ca37841, "str q1, [x2, x3, lsl #4]",
      X(.simd = 1, .size = 16, .nregs = 1, .rt = 1, .rn = 2, .mode = A64_AM_REG, .rm = 3, .extend = A64_EXT_UXTX,
        .shift = 4) },
    { 0x3d400022, "ldr b2, [x1]", X(.load = 1, .simd = 1, .size = 1, .nregs = 1, .rt = 2, .rn = 1) },
    { 0x7d400423, "ldr h3, [x1, #2]", X(.load = 1, .simd = 1, .size = 2, .nregs = 1, .rt = 3, .rn = 1, .imm = 2) },
    { 0xbd400424, "ldr s4, [x1, #4]", X(.load = 1, .simd = 1, .size = 4, .nregs = 1, .rt = 4, .rn = 1, .imm = 4) },
    { 0xfd400425, "ldr d5, [x1, #8]", X(.load = 1, .simd = 1, .size = 8, .nregs = 1, .rt = 5, .rn = 1, .imm = 8) },
    { 0xadbf0861, "stp q1, q2, [x3, #-32]!",
      X(.simd = 1, .size = 16, .nregs = 2, .rt = 1, .rt2 = 2, .rn = 3, .mode = A64_AM_PRE, .imm = -32) },
    { 0x2cc10801, "ldp s1, s2, [x0], #8",
      X(.load = 1, .simd = 1, .size = 4, .nregs = 2, .rt = 1, .rt2 = 2, .rn = 0, .mode = A64_AM_POST, .imm = 8) },
    { 0x88dffc41, "ldar w1, [x2]", X(.load = 1, .size = 4, .nregs = 1, .rt = 1, .rn = 2, .acqrel = 1) },
    { 0xc89fffe3, "stlr x3, [sp]", X(.size = 8, .nregs = 1, .rt = 3, .rn = 31, .acqrel = 1) },
    { 0xf8bfc0a4, "ldapr x4, [x5]", X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 4, .rn = 5, .acqrel = 1) },
    { 0x38bfc0e6, "ldaprb w6, [x7]", X(.load = 1, .size = 1, .nregs = 1, .rt = 6, .rn = 7, .acqrel = 1) },
    { 0x995fc041, "ldapur w1, [x2, #-4]",
      X(.load = 1, .size = 4, .nregs = 1, .rt = 1, .rn = 2, .imm = -4, .acqrel = 1) },
    { 0xc8df7c41, "ldlar x1, [x2]", X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 1, .rn = 2, .acqrel = 1) },
    { 0xf8408841, "ldtr x1, [x2, #8]",
      X(.load = 1, .size = 8, .nregs = 1, .dest64 = 1, .rt = 1, .rn = 2, .imm = 8, .unpriv = 1) },
};
#undef X

static void check_decoded(const struct dec_case *c, const struct a64_ldst *d)
{
    const struct a64_ldst *w = &c->want;

#define CHECK(f)                                                                                 \
    do {                                                                                         \
        if ((long long)d->f != (long long)w->f)                                                  \
            fail_msg("%s: " #f " = %lld, want %lld", c->text, (long long)d->f, (long long)w->f); \
    } while (0)
    CHECK(load);
    CHECK(simd);
    CHECK(size);
    CHECK(nregs);
    CHECK(sign_extend);
    CHECK(rt);
    CHECK(rn);
    CHECK(mode);
    CHECK(imm);
    CHECK(acqrel);
    CHECK(unpriv);
    CHECK(nontemporal);
    if (w->load && !w->simd)
        CHECK(dest64);
    if (w->nregs == 2)
        CHECK(rt2);
    if (w->mode == A64_AM_REG) {
        CHECK(rm);
        CHECK(extend);
        CHECK(shift);
    }
#undef CHECK
    assert_int_equal(d->insn, c->insn);
    assert_int_equal(a64_ldst_writeback(d), w->mode == A64_AM_PRE || w->mode == A64_AM_POST);
}

static void test_decode_accepted(void **state)
{
    for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
        struct a64_ldst d;
        int rc = a64_decode_ldst(dec_cases[i].insn, &d);

        if (rc != A64_LDST_OK)
            fail_msg("%s: rc %d", dec_cases[i].text, rc);
        check_decoded(&dec_cases[i], &d);
    }
}

struct rej_case {
    uint32_t insn;
    const char *text;
    int rc;
};

static const struct rej_case rej_cases[] = {
    { 0xc85f7c41, "ldxr x1, [x2]", A64_LDST_UNSUPPORTED },
    { 0xc8037c41, "stxr w3, x1, [x2]", A64_LDST_UNSUPPORTED },
    { 0x885ffc41, "ldaxr w1, [x2]", A64_LDST_UNSUPPORTED },
    { 0xc87f0861, "ldxp x1, x2, [x3]", A64_LDST_UNSUPPORTED },
    { 0xf8210062, "ldadd x1, x2, [x3]", A64_LDST_UNSUPPORTED },
    { 0xc8a17c62, "cas x1, x2, [x3]", A64_LDST_UNSUPPORTED },
    { 0xf8218062, "swp x1, x2, [x3]", A64_LDST_UNSUPPORTED },
    { 0x48207c82, "casp x0, x1, x2, x3, [x4]", A64_LDST_UNSUPPORTED },
    { 0x58000041, "ldr x1, <literal>", A64_LDST_UNSUPPORTED },
    { 0x9c000041, "ldr q1, <literal>", A64_LDST_UNSUPPORTED },
    { 0xf9800040, "prfm pldl1keep, [x2]", A64_LDST_UNSUPPORTED },
    { 0xf8801040, "prfum pldl1keep, [x2, #1]", A64_LDST_UNSUPPORTED },
    { 0xf8a36840, "prfm pldl1keep, [x2, x3]", A64_LDST_UNSUPPORTED },
    { 0xd9200841, "stg x1, [x2]", A64_LDST_UNSUPPORTED },
    { 0x69000861, "stgp x1, x2, [x3]", A64_LDST_UNSUPPORTED },
    { 0xd9600041, "ldg x1, [x2]", A64_LDST_UNSUPPORTED },
    { 0x4c407020, "ld1 {v0.16b}, [x1]", A64_LDST_UNSUPPORTED },
    { 0xf8200441, "ldraa x1, [x2]", A64_LDST_UNSUPPORTED },
    /* CONSTRAINED UNPREDICTABLE forms (the assembler warns about each) */
    { 0xf8408400, "ldr x0, [x0], #8", A64_LDST_UNSUPPORTED },
    { 0xf8008c42, "str x2, [x2, #8]!", A64_LDST_UNSUPPORTED },
    { 0xa9400441, "ldp x1, x1, [x2]", A64_LDST_UNSUPPORTED },
    { 0xa9810841, "stp x1, x2, [x2, #16]!", A64_LDST_UNSUPPORTED },
    { 0xad400c23, "ldp q3, q3, [x1]", A64_LDST_UNSUPPORTED },
    /* unallocated encodings inside the load/store group (objdump: undefined) */
    { 0xf886bbc4, "ldtr size=11 opc=10", A64_LDST_UNSUPPORTED },
    { 0x7cd4d57b, "SIMD&FP opc<1> with size=01", A64_LDST_UNSUPPORTED },
    { 0x38632841, "register offset option=001", A64_LDST_UNSUPPORTED },
    { 0xe9400441, "ldp opc=11", A64_LDST_UNSUPPORTED },
    { 0x68400c41, "ldnp opc=01 (no no-allocate LDPSW)", A64_LDST_UNSUPPORTED },
    { 0x3c408841, "ldtr-form with V=1 (no SIMD&FP unprivileged load)", A64_LDST_UNSUPPORTED },
    { 0xfc408841, "ldtr-form with V=1, size=11", A64_LDST_UNSUPPORTED },
    { 0x28400441, "ldnp w1, w1, [x2] (t == t2)", A64_LDST_UNSUPPORTED },
    { 0x88de7c41, "ldlar w1, [x2] with Rs = 11110 (should-be-one field)", A64_LDST_UNSUPPORTED },
    /* not in the Loads and Stores group */
    { 0x8b030041, "add x1, x2, x3", A64_LDST_NOT_LDST },
    { 0xd503201f, "nop", A64_LDST_NOT_LDST },
    { 0xd5380000, "mrs x0, midr_el1", A64_LDST_NOT_LDST },
    { 0x14000000, "b .", A64_LDST_NOT_LDST },
    { 0x00000000, "udf #0", A64_LDST_NOT_LDST },
    { 0xffffffff, "all ones", A64_LDST_NOT_LDST },
};

static void test_decode_rejected(void **state)
{
    for (size_t i = 0; i < sizeof(rej_cases) / sizeof(rej_cases[0]); i++) {
        struct a64_ldst d, before;
        int rc;

        memset(&d, 0x77, sizeof(d));
        before = d;
        rc = a64_decode_ldst(rej_cases[i].insn, &d);
        if (rc != rej_cases[i].rc)
            fail_msg("%08x %s: rc %d, want %d", rej_cases[i].insn, rej_cases[i].text, rc, rej_cases[i].rc);
        if (rc != A64_LDST_OK && memcmp(&d, &before, sizeof(d)) != 0)
            fail_msg("%s: output written on error", rej_cases[i].text);
    }
}

/* ---- emulation ---- */

static void test_emul_ldr_x_uimm(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    r.x[2] = MEM_BASE + 0x100;
    mem_put(MEM_BASE + 0x108, UINT64_C(0x1122334455667788), 8);
    want = r;
    want.x[1] = UINT64_C(0x1122334455667788);
    assert_int_equal(emulate(0xf9400441, &r, NULL), A64_LDST_OK); /* ldr x1, [x2, #8] */
    assert_regs_equal(&r, &want);
    assert_int_equal(mem.nacc, 1);
    assert_log(0, MEM_BASE + 0x108, 8, false);
}

static void test_emul_signed_loads(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    /* ldrsh w3, [x4, #-2]!: sign-extend to 32 bits, then zero-extend to 64 */
    r.x[4] = MEM_BASE + 0x202;
    mem_put(MEM_BASE + 0x200, 0x8001, 2);
    want = r;
    want.x[3] = UINT64_C(0x00000000ffff8001);
    want.x[4] = MEM_BASE + 0x200;
    assert_int_equal(emulate(0x78dfec83, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldrsb x5, [x6], #1: access at the old base, then base += 1 */
    r.x[6] = MEM_BASE + 0x300;
    mem_put(MEM_BASE + 0x300, 0x80, 1);
    want = r;
    want.x[5] = UINT64_C(0xffffffffffffff80);
    want.x[6] = MEM_BASE + 0x301;
    mem.nacc = 0;
    assert_int_equal(emulate(0x388014c5, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    assert_log(0, MEM_BASE + 0x300, 1, false);

    /* ldrsw x7, [x8, x9, lsl #2] with x9 = -1: address = x8 - 4 */
    r.x[8] = MEM_BASE + 0x404;
    r.x[9] = UINT64_MAX;
    mem_put(MEM_BASE + 0x400, 0x80000000u, 4);
    want = r;
    want.x[7] = UINT64_C(0xffffffff80000000);
    assert_int_equal(emulate(0xb8a97907, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldrsh x9, [x10, #4094]: positive value stays positive */
    r.x[10] = MEM_BASE;
    mem_put(MEM_BASE + 4094, 0x7ffe, 2);
    want = r;
    want.x[9] = 0x7ffe;
    assert_int_equal(emulate(0x799ffd49, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
}

static void test_emul_register_offsets(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    /* ldrb w10, [x11, w12, sxtw]: w12 = -2, the upper half of x12 is ignored */
    r.x[11] = MEM_BASE + 0x500;
    r.x[12] = UINT64_C(0x12345678fffffffe);
    mem_put(MEM_BASE + 0x4fe, 0xab, 1);
    want = r;
    want.x[10] = 0xab;
    assert_int_equal(emulate(0x386cc96a, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldr w1, [x2, w3, uxtw #2]: zero-extended W offset, scaled by 4 */
    r.x[2] = MEM_BASE;
    r.x[3] = UINT64_C(0xffffffff00000010);
    mem_put(MEM_BASE + 0x40, 0xdeadbeef, 4);
    want = r;
    want.x[1] = 0xdeadbeef;
    mem.nacc = 0;
    assert_int_equal(emulate(0xb8635841, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    assert_log(0, MEM_BASE + 0x40, 4, false);

    /* ldrh w1, [x2, x3, sxtx #1] with x3 = -3: address = x2 - 6 */
    r.x[2] = MEM_BASE + 0x606;
    r.x[3] = (uint64_t)-3;
    mem_put(MEM_BASE + 0x600, 0xfedc, 2);
    want = r;
    want.x[1] = 0xfedc;
    assert_int_equal(emulate(0x7863f841, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
}

static void test_emul_stores_sp_xzr(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    /* str w13, [sp, #4]: register 31 as base is SP */
    r.sp = MEM_BASE + 0x600;
    r.x[13] = UINT64_C(0x1122334455667788);
    want = r;
    assert_int_equal(emulate(0xb90007ed, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    assert_int_equal(mem_get(MEM_BASE + 0x604, 4), 0x55667788);
    assert_int_equal(mem.bytes[0x608], 0xee);
    assert_int_equal(mem.bytes[0x603], 0xee);
    assert_log(0, MEM_BASE + 0x604, 4, true);

    /* strh wzr, [x1, #2]: register 31 as data is zero */
    r.x[1] = MEM_BASE + 0x700;
    assert_int_equal(emulate(0x7900043f, &r, NULL), A64_LDST_OK);
    assert_int_equal(mem_get(MEM_BASE + 0x702, 2), 0);
    assert_int_equal(mem.bytes[0x704], 0xee);
    assert_int_equal(mem.bytes[0x701], 0xee);

    /* ldr xzr, [x1]: the read happens, the result is discarded */
    want = r;
    mem.nacc = 0;
    assert_int_equal(emulate(0xf940003f, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    assert_int_equal(mem.nacc, 1);

    /* stlr x3, [sp] */
    r.sp = MEM_BASE + 0x800;
    r.x[3] = UINT64_C(0x0102030405060708);
    assert_int_equal(emulate(0xc89fffe3, &r, NULL), A64_LDST_OK);
    assert_int_equal(mem_get(MEM_BASE + 0x800, 8), UINT64_C(0x0102030405060708));

    /* ldr x1, [sp, #-256]!: SP writeback */
    r.sp = MEM_BASE + 0x900;
    mem_put(MEM_BASE + 0x800, 0x42, 8);
    want = r;
    want.x[1] = 0x42;
    want.sp = MEM_BASE + 0x800;
    assert_int_equal(emulate(0xf8500fe1, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
}

static void test_emul_unscaled_and_ordered(void **state)
{
    struct a64_regs r, want;
    struct a64_ldst d;

    mem_reset();
    regs_init(&r);
    /* ldur x1, [x2, #-3]: unaligned address */
    r.x[2] = MEM_BASE + 0x803;
    mem_put(MEM_BASE + 0x800, UINT64_C(0x8877665544332211), 8);
    want = r;
    want.x[1] = UINT64_C(0x8877665544332211);
    assert_int_equal(emulate(0xf85fd041, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldar w1, [x2]: W destination zero-extended */
    r.x[2] = MEM_BASE + 0x800;
    want.x[1] = 0x44332211;
    want.x[2] = r.x[2];
    assert_int_equal(emulate(0x88dffc41, &r, &d), A64_LDST_OK);
    assert_true(d.acqrel);
    assert_regs_equal(&r, &want);

    /* ldapr x4, [x5]; ldaprb w6, [x7]; ldapur w1, [x2, #-4]; ldlar x1, [x2]; ldtr x1, [x2, #8] */
    r.x[5] = MEM_BASE + 0x800;
    r.x[7] = MEM_BASE + 0x807;
    assert_int_equal(emulate(0xf8bfc0a4, &r, NULL), A64_LDST_OK);
    assert_int_equal(r.x[4], UINT64_C(0x8877665544332211));
    assert_int_equal(emulate(0x38bfc0e6, &r, NULL), A64_LDST_OK);
    assert_int_equal(r.x[6], 0x88);
    r.x[2] = MEM_BASE + 0x804;
    assert_int_equal(emulate(0x995fc041, &r, NULL), A64_LDST_OK);
    assert_int_equal(r.x[1], 0x44332211);
    r.x[2] = MEM_BASE + 0x800;
    assert_int_equal(emulate(0xc8df7c41, &r, NULL), A64_LDST_OK);
    assert_int_equal(r.x[1], UINT64_C(0x8877665544332211));
    r.x[2] = MEM_BASE + 0x7f8;
    r.x[1] = 0;
    assert_int_equal(emulate(0xf8408841, &r, &d), A64_LDST_OK);
    assert_true(d.unpriv);
    assert_int_equal(r.x[1], UINT64_C(0x8877665544332211));
}

static void test_emul_pairs(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    /* ldp x1, x2, [sp, #-16]!: two accesses in order, then SP writeback */
    r.sp = MEM_BASE + 0x910;
    mem_put(MEM_BASE + 0x900, 0x1111, 8);
    mem_put(MEM_BASE + 0x908, 0x2222, 8);
    want = r;
    want.x[1] = 0x1111;
    want.x[2] = 0x2222;
    want.sp = MEM_BASE + 0x900;
    assert_int_equal(emulate(0xa9ff0be1, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    assert_int_equal(mem.nacc, 2);
    assert_log(0, MEM_BASE + 0x900, 8, false);
    assert_log(1, MEM_BASE + 0x908, 8, false);

    /* stp w3, w4, [x5], #8 */
    mem.nacc = 0;
    r.x[5] = MEM_BASE + 0xa00;
    r.x[3] = UINT64_C(0xffffffff33333333);
    r.x[4] = UINT64_C(0xffffffff44444444);
    want = r;
    want.x[5] = MEM_BASE + 0xa08;
    assert_int_equal(emulate(0x288110a3, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    assert_int_equal(mem_get(MEM_BASE + 0xa00, 8), UINT64_C(0x4444444433333333));
    assert_int_equal(mem.bytes[0xa08], 0xee);
    assert_log(0, MEM_BASE + 0xa00, 4, true);
    assert_log(1, MEM_BASE + 0xa04, 4, true);

    /* ldpsw x1, x2, [x3, #-8] */
    r.x[3] = MEM_BASE + 0xb08;
    mem_put(MEM_BASE + 0xb00, 0xfffffffe, 4);
    mem_put(MEM_BASE + 0xb04, 0x7fffffff, 4);
    want = r;
    want.x[1] = (uint64_t)-2;
    want.x[2] = 0x7fffffff;
    assert_int_equal(emulate(0x697f0861, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldpsw x1, x2, [x3], #8: access at the unmodified base */
    r.x[3] = MEM_BASE + 0xb00;
    want.x[3] = MEM_BASE + 0xb08;
    assert_int_equal(emulate(0x68c10861, &r, NULL), A64_LDST_OK);
    assert_int_equal(r.x[1], (uint64_t)-2);
    assert_int_equal(r.x[3], want.x[3]);
}

static void test_emul_simd(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    for (unsigned i = 0; i < 64; i++)
        mem.bytes[0xc00 + i] = (uint8_t)(0x10 + i);
    r.x[1] = MEM_BASE + 0xc00;
    r.x[3] = MEM_BASE + 0xc00;

    /* ldnp d1, d2, [x3, #16]: upper halves cleared */
    want = r;
    want.v[1][0] = mem_get(MEM_BASE + 0xc10, 8);
    want.v[1][1] = 0;
    want.v[2][0] = mem_get(MEM_BASE + 0xc18, 8);
    want.v[2][1] = 0;
    assert_int_equal(emulate(0x6c410861, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldr q0, [x1, #32]: both halves, lo first */
    want.v[0][0] = mem_get(MEM_BASE + 0xc20, 8);
    want.v[0][1] = mem_get(MEM_BASE + 0xc28, 8);
    assert_int_equal(emulate(0x3dc00820, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* ldr b2 / h3 / s4 / d5: only the loaded bytes survive */
    want.v[2][0] = 0x10;
    want.v[2][1] = 0;
    want.v[3][0] = 0x1312;
    want.v[3][1] = 0;
    want.v[4][0] = 0x17161514;
    want.v[4][1] = 0;
    want.v[5][0] = mem_get(MEM_BASE + 0xc08, 8);
    want.v[5][1] = 0;
    assert_int_equal(emulate(0x3d400022, &r, NULL), A64_LDST_OK);
    assert_int_equal(emulate(0x7d400423, &r, NULL), A64_LDST_OK);
    assert_int_equal(emulate(0xbd400424, &r, NULL), A64_LDST_OK);
    assert_int_equal(emulate(0xfd400425, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);

    /* str q1, [x2, x3, lsl #4] with x3 = 2: 16 bytes at x2 + 32 */
    r.v[1][0] = UINT64_C(0x0706050403020100);
    r.v[1][1] = UINT64_C(0x0f0e0d0c0b0a0908);
    r.x[2] = MEM_BASE + 0xd00;
    r.x[3] = 2;
    mem.nacc = 0;
    assert_int_equal(emulate(0x3ca37841, &r, NULL), A64_LDST_OK);
    assert_log(0, MEM_BASE + 0xd20, 16, true);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(mem.bytes[0xd20 + i], i);
    assert_int_equal(mem.bytes[0xd30], 0xee);

    /* stp q1, q2, [x3, #-32]! */
    r.x[3] = MEM_BASE + 0xe20;
    r.v[2][0] = UINT64_C(0x1716151413121110);
    r.v[2][1] = UINT64_C(0x1f1e1d1c1b1a1918);
    want = r;
    want.x[3] = MEM_BASE + 0xe00;
    assert_int_equal(emulate(0xadbf0861, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
    for (unsigned i = 0; i < 32; i++)
        assert_int_equal(mem.bytes[0xe00 + i], i);

    /* ldp s1, s2, [x0], #8 */
    r.x[0] = MEM_BASE + 0xe00;
    want = r;
    want.v[1][0] = 0x03020100;
    want.v[1][1] = 0;
    want.v[2][0] = 0x07060504;
    want.v[2][1] = 0;
    want.x[0] = MEM_BASE + 0xe08;
    assert_int_equal(emulate(0x2cc10801, &r, NULL), A64_LDST_OK);
    assert_regs_equal(&r, &want);
}

static void test_emul_failures_leave_regs(void **state)
{
    struct a64_regs r, want;

    mem_reset();
    regs_init(&r);
    /* ldp x1, x2, [sp, #-16]!: second read fails: nothing written back */
    r.sp = MEM_BASE + 0x910;
    want = r;
    mem.fail_on = 2;
    assert_int_equal(emulate(0xa9ff0be1, &r, NULL), A64_LDST_EMEM);
    assert_int_equal(mem.nacc, 2);
    assert_regs_equal(&r, &want);

    /* ldr x1, [sp, #-256]! outside memory: no SP writeback */
    mem.fail_on = 0;
    mem.nacc = 0;
    r.sp = 0x100;
    want = r;
    assert_int_equal(emulate(0xf8500fe1, &r, NULL), A64_LDST_EMEM);
    assert_regs_equal(&r, &want);

    /* stp w3, w4, [x5], #8: second write fails: the first store stands, x5 unchanged */
    mem.nacc = 0;
    mem.fail_on = 2;
    r.x[5] = MEM_BASE + 0xa00;
    r.x[3] = 0x33333333;
    want = r;
    assert_int_equal(emulate(0x288110a3, &r, NULL), A64_LDST_EMEM);
    assert_regs_equal(&r, &want);
    assert_int_equal(mem_get(MEM_BASE + 0xa00, 4), 0x33333333);
    assert_int_equal(mem_get(MEM_BASE + 0xa04, 4), 0xeeeeeeee);
}

static void test_emul_address(void **state)
{
    struct a64_regs r;
    struct a64_ldst d;

    regs_init(&r);
    r.sp = 0x8000;
    assert_int_equal(a64_decode_ldst(0xa9ff0be1, &d), 0); /* ldp x1, x2, [sp, #-16]! */
    assert_int_equal(a64_ldst_address(&d, &r), 0x7ff0);
    r.x[5] = 0x9000;
    assert_int_equal(a64_decode_ldst(0x288110a3, &d), 0); /* stp w3, w4, [x5], #8 */
    assert_int_equal(a64_ldst_address(&d, &r), 0x9000);
    r.x[8] = 0x1000;
    r.x[9] = 3;
    assert_int_equal(a64_decode_ldst(0xb8a97907, &d), 0); /* ldrsw x7, [x8, x9, lsl #2] */
    assert_int_equal(a64_ldst_address(&d, &r), 0x100c);
}

static void test_emul_invalid_records(void **state)
{
    static const struct a64_mem_ops no_read = { NULL, mem_write };
    struct a64_regs r;
    struct a64_ldst good, d;

    mem_reset();
    regs_init(&r);
    r.x[2] = MEM_BASE;
    assert_int_equal(a64_decode_ldst(0xf9400441, &good), 0); /* ldr x1, [x2, #8] */
    assert_int_equal(a64_ldst_emulate(&good, &r, &mem_ops, &mem), A64_LDST_OK);

#define BAD(stmt)                                                                    \
    do {                                                                             \
        d = good;                                                                    \
        stmt;                                                                        \
        assert_int_equal(a64_ldst_emulate(&d, &r, &mem_ops, &mem), A64_LDST_EINVAL); \
    } while (0)
    BAD(d.rt = 32);
    BAD(d.rn = 255);
    BAD(d.size = 3);
    BAD(d.size = 16);
    BAD(d.size = 0);
    BAD(d.nregs = 0);
    BAD(d.nregs = 3);
    BAD(d.mode = (enum a64_addr_mode)9);
    BAD((d.mode = A64_AM_REG, d.extend = (enum a64_extend)0));
    BAD((d.mode = A64_AM_REG, d.shift = 5));
    BAD(d.dest64 = false);
    BAD(d.sign_extend = true);
    BAD((d.mode = A64_AM_POST, d.rn = 1));
    BAD((d.nregs = 2, d.rt2 = 1));
    BAD((d.simd = true, d.sign_extend = true, d.size = 4));
#undef BAD
    assert_int_equal(a64_ldst_emulate(&good, &r, NULL, &mem), A64_LDST_EINVAL);
    assert_int_equal(a64_ldst_emulate(&good, &r, &no_read, &mem), A64_LDST_EINVAL);
}

/* ---- sweep: every accepted pseudo-random word emulates without UB or stray writes ---- */

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static void sweep_check_regs(const struct a64_ldst *d, const struct a64_regs *before, const struct a64_regs *after)
{
    struct a64_regs want = *after;

    /* Undo the registers the instruction may legitimately write, then compare all. */
    for (unsigned i = 0; i < d->nregs; i++) {
        unsigned t = i ? d->rt2 : d->rt;

        if (!d->load)
            continue;
        if (d->simd) {
            want.v[t][0] = before->v[t][0];
            want.v[t][1] = before->v[t][1];
        } else if (t != 31) {
            want.x[t] = before->x[t];
        }
    }
    if (a64_ldst_writeback(d)) {
        uint64_t base = d->rn == 31 ? before->sp : before->x[d->rn];
        uint64_t nb = d->rn == 31 ? after->sp : after->x[d->rn];

        assert_int_equal(nb, base + (uint64_t)d->imm);
        if (d->rn == 31)
            want.sp = before->sp;
        else
            want.x[d->rn] = before->x[d->rn];
    }
    assert_memory_equal(&want, before, sizeof(want));
}

static void test_sweep(void **state)
{
    static struct a64_regs r, before;
    unsigned counts[3] = { 0, 0, 0 }, emul_ok = 0, emul_fail = 0;

    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem.bytes[i] = (uint8_t)rng();
    for (uint32_t n = 0; n < (1u << 20); n++) {
        uint32_t w = (uint32_t)rng();
        struct a64_ldst d, sentinel;
        int rc;

        if (n & 1) /* half of the words inside the load/store group */
            w = (w | (1u << 27)) & ~(1u << 25);
        memset(&d, 0x3c, sizeof(d));
        sentinel = d;
        rc = a64_decode_ldst(w, &d);
        assert_true(rc == A64_LDST_OK || rc == A64_LDST_NOT_LDST || rc == A64_LDST_UNSUPPORTED);
        assert_int_equal(rc == A64_LDST_NOT_LDST, (w & 0x0a000000u) != 0x08000000u);
        counts[-rc]++;
        if (rc != A64_LDST_OK) {
            assert_memory_equal(&d, &sentinel, sizeof(d));
            continue;
        }
        assert_true(d.rt < 32 && d.rt2 < 32 && d.rn < 32 && d.rm < 32);
        assert_true(d.nregs == 1 || d.nregs == 2);
        assert_true(d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8 || (d.size == 16 && d.simd));

        /* Bases land near or inside the fake memory; other values are random. */
        for (unsigned i = 0; i < 31; i++)
            r.x[i] = (rng() & 1) ? MEM_BASE - 0x1000 + rng() % (MEM_SIZE + 0x2000) : rng();
        r.sp = MEM_BASE - 0x1000 + rng() % (MEM_SIZE + 0x2000);
        for (unsigned i = 0; i < 32; i++) {
            r.v[i][0] = rng();
            r.v[i][1] = rng();
        }
        before = r;
        mem.nacc = 0;
        mem.fail_on = (rng() % 16 == 0) ? 1 + (unsigned)(rng() % 2) : 0;
        rc = a64_ldst_emulate(&d, &r, &mem_ops, &mem);
        if (rc == A64_LDST_EMEM) {
            assert_memory_equal(&r, &before, sizeof(r));
            emul_fail++;
            continue;
        }
        assert_int_equal(rc, A64_LDST_OK);
        assert_int_equal(mem.nacc, d.nregs);
        for (unsigned i = 0; i < d.nregs; i++) {
            assert_int_equal(mem.log[i].len, d.size);
            assert_int_equal(mem.log[i].write, !d.load);
            assert_int_equal(mem.log[i].addr, mem.log[0].addr + i * (uint64_t)d.size);
        }
        sweep_check_regs(&d, &before, &r);
        emul_ok++;
    }
    /* The sweep must have exercised every outcome. */
    assert_true(counts[0] > 10000 && counts[1] > 10000 && counts[2] > 10000);
    assert_true(emul_ok > 1000 && emul_fail > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_accepted),
        cmocka_unit_test(test_decode_rejected),
        cmocka_unit_test(test_emul_ldr_x_uimm),
        cmocka_unit_test(test_emul_signed_loads),
        cmocka_unit_test(test_emul_register_offsets),
        cmocka_unit_test(test_emul_stores_sp_xzr),
        cmocka_unit_test(test_emul_unscaled_and_ordered),
        cmocka_unit_test(test_emul_pairs),
        cmocka_unit_test(test_emul_simd),
        cmocka_unit_test(test_emul_failures_leave_regs),
        cmocka_unit_test(test_emul_address),
        cmocka_unit_test(test_emul_invalid_records),
        cmocka_unit_test(test_sweep),
    };

    return cmocka_run_group_tests_name("a64_ldst", tests, NULL, NULL);
}
