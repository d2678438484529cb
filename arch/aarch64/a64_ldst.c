/*
 * A64 load/store decode and emulation for data aborts without a valid instruction syndrome.
 *
 * Encodings: Arm ARM DDI 0487, C4.1 "A64 instruction set encoding", Loads and Stores group
 * (op0 bits [28:25] = x1x0), and the instruction pages in C6.2 (LDR, LDP, LDAR, LDAPR ...).
 * Semantics follow each page's pseudocode; forms it calls CONSTRAINED UNPREDICTABLE are
 * rejected rather than given one of the permitted behaviours.
 */
#include "arch/aarch64/a64_ldst.h"

#include <stddef.h>

/* insn[lo + width - 1 : lo] */
static uint32_t a64_bits(uint32_t insn, unsigned lo, unsigned width) { return (insn >> lo) & ((1u << width) - 1u); }

static bool a64_bit(uint32_t insn, unsigned pos) { return ((insn >> pos) & 1u) != 0; }

/* Sign-extend the low `bits` bits of v, in unsigned arithmetic (no implementation-defined
 * conversions). */
static uint64_t a64_sext(uint64_t v, unsigned bits)
{
    uint64_t sign = UINT64_C(1) << (bits - 1);

    v &= (sign << 1) - 1;
    return (v ^ sign) - sign;
}

/* Signed immediate field of `bits` bits, scaled by `scale` (a power-of-two multiplier). */
static int64_t a64_simm(uint32_t field, unsigned bits, int64_t scale)
{
    int64_t sign = INT64_C(1) << (bits - 1);

    return (((int64_t)field ^ sign) - sign) * scale;
}

static unsigned a64_log2_size(unsigned size)
{
    unsigned l = 0;

    while ((1u << l) < size)
        l++;
    return l;
}

/*
 * Size, direction and extension of a single-register load/store from size [31:30], V [26] and
 * opc [23:22] (shared by the immediate, register-offset and RCpc unscaled classes; Arm ARM
 * C4.1 "Load/store register (unsigned immediate)" table).
 */
static int a64_dec_single_kind(uint32_t insn, struct a64_ldst *d)
{
    uint32_t size = a64_bits(insn, 30, 2);
    uint32_t opc = a64_bits(insn, 22, 2);

    if (a64_bit(insn, 26)) {
        /* SIMD&FP: opc<1> with size 0b00 is the 128-bit Q form; opc<0> is L. */
        if ((opc & 2u) && size != 0)
            return A64_LDST_UNSUPPORTED;
        d->simd = true;
        d->size = (opc & 2u) ? 16 : (uint8_t)(1u << size);
        d->load = (opc & 1u) != 0;
        return A64_LDST_OK;
    }

    d->size = (uint8_t)(1u << size);
    switch (opc) {
    case 0: /* STR, STRB, STRH */
        break;
    case 1: /* LDR, LDRB, LDRH: zero-extend */
        d->load = true;
        d->dest64 = size == 3;
        break;
    case 2: /* LDRSB/LDRSH/LDRSW to Xt; size 0b11 is PRFM (or unallocated) */
        if (size == 3)
            return A64_LDST_UNSUPPORTED;
        d->load = true;
        d->sign_extend = true;
        d->dest64 = true;
        break;
    default: /* LDRSB/LDRSH to Wt; sizes 0b1x unallocated */
        if (size >= 2)
            return A64_LDST_UNSUPPORTED;
        d->load = true;
        d->sign_extend = true;
        break;
    }
    return A64_LDST_OK;
}

/* Writeback with the base also a GPR transfer register is CONSTRAINED UNPREDICTABLE for
 * loads and stores alike (LDR/STR/LDP/STP pseudocode, "wback && n == t && n != 31"). */
static bool a64_wback_overlaps(const struct a64_ldst *d)
{
    if (!a64_ldst_writeback(d) || d->simd || d->rn == 31)
        return false;
    return d->rn == d->rt || (d->nregs == 2 && d->rn == d->rt2);
}

/* Load/store register (unsigned immediate): size 111 V 01 opc imm12 Rn Rt. */
static int a64_dec_uimm(uint32_t insn, struct a64_ldst *d)
{
    int rc = a64_dec_single_kind(insn, d);

    if (rc != A64_LDST_OK)
        return rc;
    d->mode = A64_AM_IMM;
    d->imm = (int64_t)a64_bits(insn, 10, 12) * d->size;
    return A64_LDST_OK;
}

/* Load/store register with imm9: size 111 V 00 opc 0 imm9 op Rn Rt, where op [11:10] is
 * 00 unscaled (LDUR), 01 post-index, 10 unprivileged (LDTR), 11 pre-index. */
static int a64_dec_imm9(uint32_t insn, struct a64_ldst *d)
{
    static const enum a64_addr_mode modes[4] = {
        A64_AM_IMM,
        A64_AM_POST,
        A64_AM_IMM,
        A64_AM_PRE,
    };
    uint32_t op = a64_bits(insn, 10, 2);
    int rc = a64_dec_single_kind(insn, d);

    if (rc != A64_LDST_OK)
        return rc;
    if (op == 2) {
        if (d->simd) /* no SIMD&FP unprivileged form */
            return A64_LDST_UNSUPPORTED;
        d->unpriv = true;
    }
    d->mode = modes[op];
    d->imm = a64_simm(a64_bits(insn, 12, 9), 9, 1);
    return a64_wback_overlaps(d) ? A64_LDST_UNSUPPORTED : A64_LDST_OK;
}

/* Load/store register (register offset): size 111 V 00 opc 1 Rm option S 10 Rn Rt.
 * option<1> = 0 is unallocated; S scales the offset by the access size. */
static int a64_dec_regoff(uint32_t insn, struct a64_ldst *d)
{
    uint32_t option = a64_bits(insn, 13, 3);
    int rc;

    if (!(option & 2u))
        return A64_LDST_UNSUPPORTED;
    rc = a64_dec_single_kind(insn, d);
    if (rc != A64_LDST_OK)
        return rc;
    d->mode = A64_AM_REG;
    d->rm = (uint8_t)a64_bits(insn, 16, 5);
    d->extend = (enum a64_extend)option;
    d->shift = a64_bit(insn, 12) ? (uint8_t)a64_log2_size(d->size) : 0;
    return A64_LDST_OK;
}

/* LDAPR/LDAPRB/LDAPRH (FEAT_LRCPC), in the atomic memory operations class:
 * size 111 0 00 1 0 1 11111 1 100 00 Rn Rt. */
static int a64_dec_ldapr(uint32_t insn, struct a64_ldst *d)
{
    uint32_t size = a64_bits(insn, 30, 2);

    d->size = (uint8_t)(1u << size);
    d->load = true;
    d->dest64 = size == 3;
    d->acqrel = true;
    d->mode = A64_AM_IMM;
    return A64_LDST_OK;
}

/*
 * Load/store pair: opc 101 V am L imm7 Rt2 Rn Rt, am [24:23] = 00 no-allocate (LDNP/STNP),
 * 01 post-index, 10 signed offset, 11 pre-index. GPR opc: 00 W, 01 LDPSW (STGP when L=0),
 * 10 X; SIMD&FP opc: 00 S, 01 D, 10 Q; opc 11 unallocated.
 */
static int a64_dec_pair(uint32_t insn, struct a64_ldst *d)
{
    static const enum a64_addr_mode modes[4] = {
        A64_AM_IMM,
        A64_AM_POST,
        A64_AM_IMM,
        A64_AM_PRE,
    };
    uint32_t opc = a64_bits(insn, 30, 2);
    uint32_t am = a64_bits(insn, 23, 2);
    unsigned scale;

    d->load = a64_bit(insn, 22);
    d->simd = a64_bit(insn, 26);
    if (opc == 3)
        return A64_LDST_UNSUPPORTED;
    if (d->simd) {
        scale = 2 + opc;
    } else if (opc == 1) {
        /* STGP is an MTE tag store; there is no no-allocate LDPSW. */
        if (!d->load || am == 0)
            return A64_LDST_UNSUPPORTED;
        scale = 2;
        d->sign_extend = true;
        d->dest64 = true;
    } else {
        scale = opc == 2 ? 3 : 2;
        d->dest64 = d->load && opc == 2;
    }
    d->size = (uint8_t)(1u << scale);
    d->nregs = 2;
    d->rt2 = (uint8_t)a64_bits(insn, 10, 5);
    d->mode = modes[am];
    d->nontemporal = am == 0;
    d->imm = a64_simm(a64_bits(insn, 15, 7), 7, d->size);

    /* LDP with t == t2 is CONSTRAINED UNPREDICTABLE (Unpredictable_LDPOVERLAP). */
    if (d->load && d->rt == d->rt2)
        return A64_LDST_UNSUPPORTED;
    return a64_wback_overlaps(d) ? A64_LDST_UNSUPPORTED : A64_LDST_OK;
}

/*
 * Load/store exclusive and ordered class: size 001000 o2 L o1 Rs o0 Rt2 Rn Rt. Only o2=1,
 * o1=0 is accepted: LDAR/STLR (o0=1) and LDLAR/STLLR (o0=0, FEAT_LOR), whose Rs and Rt2 are
 * should-be-one fields. Exclusives (o2=0) and CAS (o2=1, o1=1) are not emulated.
 */
static int a64_dec_ordered(uint32_t insn, struct a64_ldst *d)
{
    uint32_t size = a64_bits(insn, 30, 2);

    if (!a64_bit(insn, 23) || a64_bit(insn, 21))
        return A64_LDST_UNSUPPORTED;
    if (a64_bits(insn, 16, 5) != 31 || a64_bits(insn, 10, 5) != 31)
        return A64_LDST_UNSUPPORTED;
    d->size = (uint8_t)(1u << size);
    d->load = a64_bit(insn, 22);
    d->dest64 = d->load && size == 3;
    d->acqrel = true;
    d->mode = A64_AM_IMM;
    return A64_LDST_OK;
}

/* LDAPUR/STLUR family (FEAT_LRCPC2): size 011001 opc 0 imm9 00 Rn Rt; opc as for LDUR except
 * that size 0b11 opc 0b10 is unallocated rather than a prefetch. */
static int a64_dec_rcpc_unscaled(uint32_t insn, struct a64_ldst *d)
{
    int rc = a64_dec_single_kind(insn, d);

    if (rc != A64_LDST_OK)
        return rc;
    d->acqrel = true;
    d->mode = A64_AM_IMM;
    d->imm = a64_simm(a64_bits(insn, 12, 9), 9, 1);
    return A64_LDST_OK;
}

int a64_decode_ldst(uint32_t insn, struct a64_ldst *out)
{
    struct a64_ldst d = {
        .insn = insn,
        .rn = (uint8_t)a64_bits(insn, 5, 5),
        .rt = (uint8_t)a64_bits(insn, 0, 5),
        .nregs = 1,
        .extend = A64_EXT_UXTX,
    };
    int rc;

    /* Top-level A64 encoding: op0 [28:25] = x1x0 is the Loads and Stores group. */
    if ((insn & 0x0a000000u) != 0x08000000u)
        return A64_LDST_NOT_LDST;

    if ((insn & 0x3b000000u) == 0x39000000u)
        rc = a64_dec_uimm(insn, &d);
    else if ((insn & 0x3b200000u) == 0x38000000u)
        rc = a64_dec_imm9(insn, &d);
    else if ((insn & 0x3b200c00u) == 0x38200800u)
        rc = a64_dec_regoff(insn, &d);
    else if ((insn & 0x3ffffc00u) == 0x38bfc000u)
        rc = a64_dec_ldapr(insn, &d);
    else if ((insn & 0x3a000000u) == 0x28000000u)
        rc = a64_dec_pair(insn, &d);
    else if ((insn & 0x3f000000u) == 0x08000000u)
        rc = a64_dec_ordered(insn, &d);
    else if ((insn & 0x3f200c00u) == 0x19000000u)
        rc = a64_dec_rcpc_unscaled(insn, &d);
    else
        rc = A64_LDST_UNSUPPORTED; /* literal, atomics, exclusives' neighbours, SIMD
					      structures, MTE, MOPS, LD64B ... */
    if (rc == A64_LDST_OK)
        *out = d;
    return rc;
}

/* ---- emulation ---- */

/* Register 31 reads as zero when it is a data or offset register, as SP when it is a base. */
static uint64_t a64_xzr(const struct a64_regs *r, unsigned n) { return n == 31 ? 0 : r->x[n]; }

static uint64_t a64_xsp(const struct a64_regs *r, unsigned n) { return n == 31 ? r->sp : r->x[n]; }

static void a64_set_xsp(struct a64_regs *r, unsigned n, uint64_t v)
{
    if (n == 31)
        r->sp = v;
    else
        r->x[n] = v;
}

/* ExtendReg() of the register-offset forms (Arm ARM J1 pseudocode, shared/functions). */
static uint64_t a64_extend_reg(uint64_t v, enum a64_extend ext, unsigned shift)
{
    if (ext == A64_EXT_UXTW)
        v &= UINT64_C(0xffffffff);
    else if (ext == A64_EXT_SXTW)
        v = a64_sext(v, 32);
    return v << shift;
}

static uint64_t a64_offset(const struct a64_ldst *d, const struct a64_regs *r)
{
    if (d->mode == A64_AM_REG)
        return a64_extend_reg(a64_xzr(r, d->rm), d->extend, d->shift);
    return (uint64_t)d->imm; /* two's complement wrap is the architectural addition */
}

uint64_t a64_ldst_address(const struct a64_ldst *d, const struct a64_regs *regs)
{
    uint64_t base = a64_xsp(regs, d->rn);

    return d->mode == A64_AM_POST ? base : base + a64_offset(d, regs);
}

static bool a64_size_ok(const struct a64_ldst *d)
{
    switch (d->size) {
    case 1:
    case 2:
    case 4:
    case 8:
        return true;
    case 16:
        return d->simd;
    default:
        return false;
    }
}

/* Reject records the decoder would never produce: they could index past the register file
 * or describe a width conversion that does not exist. */
static bool a64_ldst_valid(const struct a64_ldst *d)
{
    if (d->rn > 31 || d->rt > 31 || d->rt2 > 31 || d->rm > 31)
        return false;
    if ((d->nregs != 1 && d->nregs != 2) || !a64_size_ok(d))
        return false;
    if (d->mode > A64_AM_POST)
        return false;
    if (d->mode == A64_AM_REG && ((d->extend != A64_EXT_UXTW && d->extend != A64_EXT_UXTX &&
                                   d->extend != A64_EXT_SXTW && d->extend != A64_EXT_SXTX) ||
                                  d->shift > 4))
        return false;
    if (d->simd && d->sign_extend)
        return false;
    if (!d->simd && d->load) {
        if (d->size == 8 && (!d->dest64 || d->sign_extend))
            return false;
        if (d->sign_extend && d->size == 4 && !d->dest64)
            return false;
    }
    if (d->load && d->nregs == 2 && d->rt == d->rt2)
        return false;
    return !a64_wback_overlaps(d);
}

static uint64_t a64_get_le(const uint8_t *p, unsigned len)
{
    uint64_t v = 0;

    for (unsigned i = len; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static void a64_put_le(uint8_t *p, uint64_t v, unsigned len)
{
    for (unsigned i = 0; i < len; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static unsigned a64_lo_len(const struct a64_ldst *d) { return d->size > 8 ? 8u : d->size; }

/* Bytes a store writes for register `reg` (Vn low `size` bytes, or the GPR, XZR = 0). */
static void a64_store_data(const struct a64_ldst *d, const struct a64_regs *r, unsigned reg, uint8_t *buf)
{
    if (!d->simd) {
        a64_put_le(buf, a64_xzr(r, reg), d->size);
        return;
    }
    a64_put_le(buf, r->v[reg][0], a64_lo_len(d));
    if (d->size == 16)
        a64_put_le(buf + 8, r->v[reg][1], 8);
}

/* Commit a loaded value: a V register is cleared above the loaded size; a GPR gets the
 * sign- or zero-extended value, a W destination zero-extended to 64 bits, XZR nothing. */
static void a64_load_commit(const struct a64_ldst *d, struct a64_regs *r, unsigned reg, const uint8_t *buf)
{
    uint64_t v = a64_get_le(buf, a64_lo_len(d));

    if (d->simd) {
        r->v[reg][0] = v;
        r->v[reg][1] = d->size == 16 ? a64_get_le(buf + 8, 8) : 0;
        return;
    }
    if (reg == 31)
        return;
    if (d->sign_extend)
        v = a64_sext(v, 8u * d->size);
    if (!d->dest64)
        v &= UINT64_C(0xffffffff);
    r->x[reg] = v;
}

int a64_ldst_emulate(const struct a64_ldst *d, struct a64_regs *regs, const struct a64_mem_ops *ops, void *ctx)
{
    uint8_t buf[2][16];
    const uint8_t treg[2] = { d->rt, d->rt2 };
    uint64_t base, addr;

    if (!a64_ldst_valid(d) || ops == NULL || (d->load ? ops->read == NULL : ops->write == NULL))
        return A64_LDST_EINVAL;

    base = a64_xsp(regs, d->rn);
    addr = a64_ldst_address(d, regs);

    /* All accesses first, so that a failing one leaves every register as it was. */
    for (unsigned i = 0; i < d->nregs; i++) {
        uint64_t a = addr + (uint64_t)i * d->size;
        int rc;

        if (d->load) {
            rc = ops->read(ctx, a, buf[i], d->size);
        } else {
            a64_store_data(d, regs, treg[i], buf[i]);
            rc = ops->write(ctx, a, buf[i], d->size);
        }
        if (rc != 0)
            return A64_LDST_EMEM;
    }

    if (d->load) {
        for (unsigned i = 0; i < d->nregs; i++)
            a64_load_commit(d, regs, treg[i], buf[i]);
    }
    if (a64_ldst_writeback(d))
        a64_set_xsp(regs, d->rn, base + a64_offset(d, regs));
    return A64_LDST_OK;
}
