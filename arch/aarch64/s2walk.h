/* A software walk of a stage 2 translation table that lives in a guest's memory: the stage 2
 * a guest hypervisor at virtual EL2 built for its own guest (docs/nested.md, "Shadow stage 2").
 * Pure logic: every descriptor is read through the caller's read function, which decides what
 * is readable; nothing here trusts a value it reads. 4 KiB granule, 48-bit addresses (no LPA,
 * LPA2, FEAT_HAFDBS); Arm ARM DDI 0487K.a, D8.2 (translation process), D8.3 (descriptors),
 * D8.4.2 (stage 2 permissions), D24.2 (VTCR_EL2, VTTBR_EL2, ESR_EL2 DFSC). */
#ifndef ARCH_S2WALK_H
#define ARCH_S2WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Reads the 64-bit descriptor at guest address `addr` (8-byte aligned, in the guest
 * hypervisor's own IPA space). Returns false when the address is not the guest's RAM: the walk
 * then ends in a synchronous external abort on the table walk. */
typedef bool (*s2walk_read_fn)(void *ctx, uint64_t addr, uint64_t *desc);

/* Fault status codes (ESR_EL2.ISS.DFSC/IFSC) a walk ends in, each + the level (0..3). */
#define S2W_FSC_ADDR_SIZE   0x00u /* output or table address beyond VTCR_EL2.PS */
#define S2W_FSC_TRANSLATION 0x04u /* invalid descriptor, input beyond T0SZ, bad VTCR_EL2 */
#define S2W_FSC_ACCESS      0x08u /* AF = 0 (hardware AF update not implemented) */
#define S2W_FSC_PERMISSION  0x0cu /* S2AP/XN refuse the access (s2walk_check) */
#define S2W_FSC_WALK_EXT    0x14u /* a table read outside the guest's RAM */

struct s2walk_result {
    bool ok;         /* a valid leaf was found; out/size/perm below are meaningful */
    uint8_t fsc;     /* when !ok: S2W_FSC_* + level */
    uint8_t level;   /* level of the leaf, or of the fault */
    uint64_t out;    /* output address of the input address itself (not the leaf base) */
    uint64_t size;   /* bytes the leaf maps: 4 KiB, 2 MiB or 1 GiB */
    bool r, w, x;    /* S2AP[0], S2AP[1], !XN[1] */
    uint8_t memattr; /* MemAttr[3:0] of the leaf */
    uint8_t sh;      /* SH[1:0] of the leaf (descriptor bits [9:8]) */
    unsigned reads;  /* descriptors read (at most 4 + 0: no loop can extend a walk) */
};

/* Walks the stage 2 that `vtcr` and `vttbr` describe for input address `ipa`. Always returns
 * with *res filled in; never reads more than one descriptor per level. */
void s2walk(uint64_t vtcr, uint64_t vttbr, uint64_t ipa, s2walk_read_fn read, void *ctx, struct s2walk_result *res);

/* After a successful walk: whether it permits a write (else a read) or an instruction fetch.
 * Returns 0, or the permission fault code (S2W_FSC_PERMISSION + level). */
uint8_t s2walk_check(const struct s2walk_result *res, bool write, bool exec);

#endif
