/* Trapped system registers: find the row (core/sysreg_trap.h) and perform the access. The ID
 * space (op0=3, op1=0, CRn=0, CRm=0..7, what HCR_EL2.TID3 traps and the hottest) is a direct
 * index of 64 slots; other registers (about 60: the PMU's, debug's, the pointer authentication keys, the vGIC's...) are found in a hash table with linear probing (kept at
 * most half full, so a lookup is one or two probes), then among the few ranges. All of it is
 * built once by sysreg_trap_init and read-only after. */
#include <stddef.h>
#include "core/sysreg_trap.h"
#include "arch/aarch64/inject.h"

#define ID_SPACE     SYSREG(3, 0, 0, 0, 0)
#define ID_SPACE_ANY SYSREG(0, 0, 0, 7, 7) /* CRm[2:0] and op2 */
#define NR_ID_SLOTS  64
#define HASH_BITS    7
#define NR_HASH      (1u << HASH_BITS)
#define MAX_EXACT    (NR_HASH / 2)
#define MAX_RANGES   16

#define FREE_ENC UINT32_MAX /* outside SYSREG_ISS_MASK: matches no access */

static const struct sysreg_desc *id_slot[NR_ID_SLOTS];
static struct {
    uint32_t enc; /* FREE_ENC: a free slot */
    const struct sysreg_desc *d;
} hash[NR_HASH];
static unsigned nr_exact;
static const struct sysreg_desc *ranges[MAX_RANGES];
static unsigned nr_ranges;
static const struct sysreg_table *const *all_tables;
static unsigned nr_tables;

static bool in_id_space(uint32_t id) { return (id & ~ID_SPACE_ANY) == ID_SPACE; }

static unsigned id_index(uint32_t id) { return (SYSREG_CRM(id) & 7) * 8 + SYSREG_OP2(id); }

/* Fibonacci hashing: the top bits of the encoding times 2^32 / golden ratio. */
static unsigned hash_of(uint32_t id) { return (id * UINT32_C(0x9e3779b1)) >> (32 - HASH_BITS); }

static bool matches(const struct sysreg_desc *d, uint32_t id) { return (id & ~d->any) == d->enc; }

static const char *check_row(const struct sysreg_desc *d)
{
    if (!d->name || (d->enc & ~SYSREG_ISS_MASK) || (d->any & ~SYSREG_ISS_MASK) || (d->enc & d->any))
        return "a row with a malformed encoding";
    if (d->rd > SR_RD_CALL || d->wr > SR_WR_VALUE || (d->rd == SR_RD_CALL && !d->read) ||
        (d->wr == SR_WR_CALL && !d->write) || (d->wr == SR_WR_VALUE && !d->write_value) ||
        (d->rd == SR_RD_HOST && (!d->host || (d->val & ~d->hide))))
        return "a row with a malformed access";
    bool state = d->rd == SR_RD_STATE || d->wr == SR_WR_STATE;
    if (state && (d->any || d->state % sizeof(uint64_t) || d->state > sizeof(struct vcpu) - sizeof(uint64_t)))
        return "a row with a malformed vCPU copy";
    return NULL;
}

static const char *add_exact(const struct sysreg_desc *d)
{
    if (in_id_space(d->enc)) {
        if (id_slot[id_index(d->enc)])
            return "two rows for one register";
        id_slot[id_index(d->enc)] = d;
        return NULL;
    }
    if (nr_exact == MAX_EXACT)
        return "too many rows";
    unsigned i = hash_of(d->enc);
    for (; hash[i].enc != FREE_ENC; i = (i + 1) % NR_HASH)
        if (hash[i].enc == d->enc)
            return "two rows for one register";
    hash[i].enc = d->enc;
    hash[i].d = d;
    nr_exact++;
    return NULL;
}

/* After every single-register row: a range fills the ID slots still empty in it. */
static const char *add_range(const struct sysreg_desc *d)
{
    for (unsigned r = 0; r < nr_ranges; r++)
        if (((ranges[r]->enc ^ d->enc) & ~(ranges[r]->any | d->any)) == 0)
            return "overlapping ranges";
    if (nr_ranges == MAX_RANGES)
        return "too many ranges";
    ranges[nr_ranges++] = d;
    for (unsigned i = 0; i < NR_ID_SLOTS; i++)
        if (!id_slot[i] && matches(d, SYSREG(3, 0, 0, i / 8, i % 8)))
            id_slot[i] = d;
    return NULL;
}

/* Boot-time only: built for size (cold), like the files of HV_COLD in the Makefile. */
__attribute__((cold)) const char *sysreg_trap_init(const struct sysreg_table *const *tables, unsigned nr)
{
    for (unsigned i = 0; i < NR_ID_SLOTS; i++)
        id_slot[i] = NULL;
    for (unsigned i = 0; i < NR_HASH; i++) {
        hash[i].enc = FREE_ENC;
        hash[i].d = NULL;
    }
    nr_exact = nr_ranges = 0;
    all_tables = tables;
    nr_tables = nr;
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned t = 0; t < nr; t++) {
            for (unsigned i = 0; i < tables[t]->nr; i++) {
                const struct sysreg_desc *d = &tables[t]->rows[i];
                const char *err = check_row(d);
                if (!err && pass == 0 && !d->any)
                    err = add_exact(d);
                else if (!err && pass == 1 && d->any)
                    err = add_range(d);
                if (err)
                    return err;
            }
        }
    }
    return NULL;
}

static inline const struct sysreg_desc *lookup(uint32_t id)
{
    if (in_id_space(id))
        return id_slot[id_index(id)];
    unsigned i = hash_of(id);
    while (hash[i].enc != id) {
        if (hash[i].enc == FREE_ENC)
            goto range;
        i = (i + 1) % NR_HASH;
    }
    return hash[i].d;
range:
    for (unsigned r = 0; r < nr_ranges; r++)
        if (matches(ranges[r], id))
            return ranges[r];
    return NULL;
}

const struct sysreg_desc *sysreg_lookup(uint32_t id) { return lookup(id); }

static uint64_t *vcpu_copy(struct vcpu *v, const struct sysreg_desc *d)
{
    return (uint64_t *)(void *)((char *)v + d->state);
}

/* A row's handler takes the whole decoded access; the other kinds need only the encoding, Rt and
 * the direction, which sysreg_trap takes from the syndrome itself. */
static __attribute__((noinline)) bool call_read(struct vcpu *v, const struct sysreg_desc *d, uint64_t esr)
{
    struct sysreg_access a;
    uint64_t val;
    esr_sysreg_decode(esr, &a);
    if (!d->read(v, &a, &val))
        return false;
    if (a.rt != 31)
        v->regs.x[a.rt] = val;
    return true;
}

static __attribute__((noinline)) bool call_write(struct vcpu *v, const struct sysreg_desc *d, uint64_t esr,
                                                 uint64_t val)
{
    struct sysreg_access a;
    esr_sysreg_decode(esr, &a);
    return d->write(v, &a, val);
}

/* What a read of d gives v, after the configuration's filter (SR_RD_FIXED, SR_RD_HOST). */
static inline uint64_t filtered(const struct vcpu *v, const struct sysreg_desc *d, uint32_t id, uint64_t val)
{
    if (__builtin_expect(d->vm_filter && (v->vm->cfg.cpu_features_off || v->vm->cfg.virtual_el2), 0))
        val = d->vm_filter(v, id, val);
    return val;
}

static bool do_write(struct vcpu *v, const struct sysreg_desc *d, uint32_t id, uint64_t esr, uint64_t val)
{
    if (d->wr == SR_WR_VALUE) /* the hot writes (an SGI's) first */
        return d->write_value(v, id, val);
    switch (d->wr) {
    case SR_WR_IGNORE:
        return true;
    case SR_WR_STATE:
        *vcpu_copy(v, d) = val & d->wmask;
        return true;
    case SR_WR_CALL:
        return call_write(v, d, esr, val);
    default:
        return false;
    }
}

/* The exit table's row for ESR_EC_SYS64 (core/exit.c): only syndromes of that class come here. */
enum exit_result sysreg_trap(struct vcpu *v, uint64_t esr)
{
    /* The fields of the syndrome (arch/aarch64/esr.h esr_sysreg_decode) this path needs. */
    uint32_t iss = esr_iss(esr);
    uint32_t id = iss & SYSREG_ISS_MASK;
    unsigned rt = (iss >> ESR_SYS_RT_SHIFT) & ESR_SYS_RT_MASK;
    const struct sysreg_desc *d = lookup(id);
    if (!d)
        goto undef;
    if (iss & ESR_SYS_DIR_READ) {
        uint64_t val;
        /* The ID registers' kind (HOST) first: the most frequent trapped reads. */
        if (d->rd == SR_RD_HOST)
            val = filtered(v, d, id, (d->host() & ~d->hide) | d->val); /* .val lies within .hide (check_row) */
        else if (d->rd == SR_RD_STATE)
            val = *vcpu_copy(v, d);
        else if (d->rd == SR_RD_FIXED)
            val = filtered(v, d, id, d->val);
        else if (d->rd == SR_RD_CALL && call_read(v, d, esr)) /* writes Rt itself */
            goto done;
        else
            goto undef;
        if (rt != 31)
            v->regs.x[rt] = val;
    } else if (!do_write(v, d, id, esr, rt == 31 ? 0 : v->regs.x[rt])) {
        goto undef;
    }
done:
    guest_skip_insn(&v->regs, 4);
    return EXIT_RESUME;
undef:
    inject_undef(&v->regs);
    return EXIT_RESUME;
}

__attribute__((cold)) void sysreg_reset(struct vcpu *v)
{
    for (unsigned t = 0; t < nr_tables; t++)
        for (unsigned i = 0; i < all_tables[t]->nr; i++)
            if (all_tables[t]->rows[i].rd == SR_RD_STATE)
                *vcpu_copy(v, &all_tables[t]->rows[i]) = all_tables[t]->rows[i].val;
}
