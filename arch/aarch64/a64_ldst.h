/*
 * Decode and emulate the A64 loads and stores that reach the hypervisor as data aborts with
 * ESR_EL2.ISV=0 (writeback forms, pairs, SIMD&FP registers), Arm ARM DDI 0487 C4.1
 * "A64 instruction set encoding", "Loads and Stores".
 *
 * Pure logic: the caller fetches the instruction word, gives a view of the guest registers and
 * memory callbacks (which do the MMIO dispatch or the guest-memory copy), then writes the
 * register file back into the vCPU. Data is little-endian (SCTLR_EL1.EE/E0E = 0).
 */
#ifndef ARCH_A64_LDST_H
#define ARCH_A64_LDST_H

#include <stdbool.h>
#include <stdint.h>

/* a64_decode_ldst() / a64_ldst_emulate() results. */
#define A64_LDST_OK       0
#define A64_LDST_NOT_LDST (-1) /* not in the Loads and Stores encoding group */
#define A64_LDST_UNSUPPORTED \
    (-2)                     /* a load/store this module does not emulate, an unallocated
                                     encoding, or a CONSTRAINED UNPREDICTABLE form */
#define A64_LDST_EINVAL (-3) /* emulate: inconsistent decoded record */
#define A64_LDST_EMEM   (-4) /* emulate: a memory callback failed; no register changed */

enum a64_addr_mode {
    A64_AM_IMM,  /* [Xn|SP, #imm]: no writeback */
    A64_AM_REG,  /* [Xn|SP, Rm, extend #shift]: no writeback */
    A64_AM_PRE,  /* [Xn|SP, #imm]!: access at base+imm, then Xn = base+imm */
    A64_AM_POST, /* [Xn|SP], #imm: access at base, then Xn = base+imm */
};

/* Offset register extension for A64_AM_REG (the instruction's "option" field). */
enum a64_extend {
    A64_EXT_UXTW = 2, /* zero-extend Wm */
    A64_EXT_UXTX = 3, /* Xm as is, also written LSL */
    A64_EXT_SXTW = 6, /* sign-extend Wm */
    A64_EXT_SXTX = 7, /* Xm as is */
};

struct a64_ldst {
    uint32_t insn; /* the decoded word, for logs */
    enum a64_addr_mode mode;
    uint8_t rn;    /* base: 0..30, 31 = SP */
    uint8_t rt;    /* first transfer register: 0..31 (GPR 31 = XZR, or Vn) */
    uint8_t rt2;   /* second transfer register when nregs == 2 */
    uint8_t rm;    /* offset register (A64_AM_REG): 0..30, 31 = XZR */
    uint8_t size;  /* bytes per register: 1, 2, 4, 8 or 16 (16 only when simd) */
    uint8_t nregs; /* 1, or 2 for LDP/STP/LDNP/STNP/LDPSW */
    bool load;
    bool simd;              /* Rt/Rt2 name SIMD&FP registers V0..V31 */
    bool sign_extend;       /* GPR load: sign-extend from size to the destination width */
    bool dest64;            /* GPR load: destination is Xt (else Wt, zero-extended to 64) */
    bool acqrel;            /* LDAR/STLR/LDAPR/LDLAR/STLLR/LDAPUR/STLUR */
    bool unpriv;            /* LDTR/STTR: stage 1 checked as EL0 (already done by the MMU) */
    bool nontemporal;       /* LDNP/STNP hint */
    int64_t imm;            /* byte offset for A64_AM_IMM/PRE/POST (already scaled) */
    enum a64_extend extend; /* A64_AM_REG */
    uint8_t shift;          /* A64_AM_REG: left shift applied after the extension */
};

static inline bool a64_ldst_writeback(const struct a64_ldst *d)
{
    return d->mode == A64_AM_PRE || d->mode == A64_AM_POST;
}

/*
 * Decode one instruction word. Accepted: LDR/STR (all sizes, signed loads, unsigned offset,
 * pre/post-index, unscaled, register offset), LDTR/STTR, LDP/STP/LDPSW/LDNP/STNP, SIMD&FP
 * LDR/STR (B/H/S/D/Q) and LDP/STP/LDNP/STNP (S/D/Q), LDAR/STLR/LDLAR/STLLR/LDAPR,
 * LDAPUR/STLUR. On success fills *out and returns 0; *out is untouched on error.
 */
int a64_decode_ldst(uint32_t insn, struct a64_ldst *out);

/* The guest registers an emulated load/store can read or write. */
struct a64_regs {
    uint64_t x[31];    /* X0..X30 */
    uint64_t sp;       /* SP of the guest's current EL (caller picks SP_EL0 or SP_EL1) */
    uint64_t v[32][2]; /* V0..V31 as two 64-bit halves, [0] = bits [63:0] */
};

/* Memory callbacks; addresses are the guest virtual addresses the instruction computed.
 * Return 0 on success, nonzero on failure (the ctx can record why and where). */
struct a64_mem_ops {
    int (*read)(void *ctx, uint64_t addr, void *buf, unsigned len);
    int (*write)(void *ctx, uint64_t addr, const void *buf, unsigned len);
};

/*
 * Perform a decoded load/store: compute the address(es), do the accesses in order (one
 * callback per register, at addr and addr + size), then commit register results (W
 * destinations zero-extended, XZR writes dropped, V registers cleared above the loaded size)
 * and the base writeback. If any callback fails, no register is modified (stores already
 * made by an earlier callback stay made). Returns 0, A64_LDST_EINVAL or A64_LDST_EMEM.
 */
int a64_ldst_emulate(const struct a64_ldst *d, struct a64_regs *regs, const struct a64_mem_ops *ops, void *ctx);

/* Address of the first access (what FAR would hold), for matching against the abort. */
uint64_t a64_ldst_address(const struct a64_ldst *d, const struct a64_regs *regs);

#endif /* ARCH_A64_LDST_H */
