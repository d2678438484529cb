/* Shadow stage 2 of a vCPU at virtual EL2 (vdev/nested_s2.c, docs/nested.md). */
#ifndef VDEV_NESTED_S2_H
#define VDEV_NESTED_S2_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/s2walk.h"
#include "lib/spinlock.h"

struct vm;

/* Table pages per vCPU's shadow (the budget): 64 x 4 KiB maps at least 64 - 3 L2 pages. */
#define NESTED_SHADOW_PAGES 64u

struct nested_shadow {
    spinlock_t lock; /* its tables: its own CPU fills them, a TLBI of any vCPU of the VM empties them */
    unsigned used;   /* pages of the pool in use */
    unsigned vmid;
    unsigned gen;                     /* the VM's invalidation count this shadow was filled under */
    unsigned zaps;                    /* zaps so far: a fill whose walk began before one is not installed */
    unsigned resets;                  /* whole drops: budget used up, new VTTBR/VTCR, a TLBI of all */
    uint8_t *pool;                    /* NESTED_SHADOW_PAGES pages, hypervisor memory taken at the VM's build */
    uint64_t *free;                   /* pool pages a per-IPA invalidation gave back, linked through their first word */
    uint64_t guest_vtcr, guest_vttbr; /* the guest hypervisor's stage 2 it shadows */
    uint64_t vttbr;                   /* the shadow's root and VMID, for VTTBR_EL2 */
    struct pgtable pt;
};
/* 96 bytes: struct nested_vcpu stays 320, whose index arithmetic every nested exit pays. */
_Static_assert(sizeof(struct nested_shadow) == 96, "struct nested_shadow grew");

#define NESTED_S2_MAPPED      0 /* one page or block mapped (or the walk is stale): retry the access */
#define NESTED_S2_GUEST_FAULT 1 /* *fsc: the stage 2 abort for the guest hypervisor */
#define NESTED_S2_MMIO        2 /* *l1ipa: one of the VM's emulated devices, for the access to be emulated */

/* A per-IPA invalidation of more than this empties the whole shadow instead (bounded work). */
#define NESTED_S2_ZAP_MAX (UINT64_C(64) << 21)

/* At the VM's build: the shadow of vCPU `vcpu`, empty, on `pool`. */
void nested_s2_attach(struct vm *vm, struct nested_shadow *s, uint8_t *pool, unsigned vcpu);
/* Before running L2 on the guest hypervisor's (VTCR_EL2, VTTBR_EL2): the VTTBR_EL2 value of
 * the shadow, emptied first if those changed or the VM's invalidation count `gen` moved. */
uint64_t nested_s2_enter(struct nested_shadow *s, uint64_t vtcr, uint64_t vttbr, unsigned gen);
/* Another vCPU's stage 2 TLBI: from any CPU, the shadow is emptied (its root cleared) and its
 * VMID's TLB entries are gone on every CPU before this returns; its owner refills on demand. */
void nested_s2_zap(struct nested_shadow *s);
/* The same for the shadow's entries of L2 IPAs [ipa, ipa + size) only (TLBI IPAS2E1 and its
 * range forms), if the shadow is of the guest hypervisor's VMID `vmid` (nested_s2_vmid of the
 * VTTBR_EL2 current at the TLBI), else nothing; more than NESTED_S2_ZAP_MAX bytes: the whole
 * shadow. */
void nested_s2_zap_ipa(struct nested_shadow *s, uint64_t ipa, uint64_t size, unsigned vmid);
/* The VMID a guest hypervisor's VTTBR_EL2 names: 16 bits with VTCR_EL2.VS, else 8. Pure. */
unsigned nested_s2_vmid(uint64_t vtcr, uint64_t vttbr);
struct s2walk_result;
/* The shadow entry's attributes for the guest's leaf r over the VM's leaf attributes vm_attrs
 * (PT_S2_* bits): each permission only where both allow it, the more restrictive memory type
 * (nested_s2_memattr). Pure. */
uint64_t nested_s2_combine(const struct s2walk_result *r, uint64_t vm_attrs);
/* Of two stage 2 MemAttr[3:0] values, the more restrictive type (Arm ARM D8.5.5). Pure. */
unsigned nested_s2_memattr(unsigned a, unsigned b);
/* A trapped TLBI with op1 = 4, CRn = 8 (CRm, op2) and operand xt: true for those that name L2
 * IPAs, with the range they name ([*ipa, *ipa + *size), *size UINT64_MAX: everything); false
 * for the others (by VMID, all, and the EL2 regime's). Pure. */
bool nested_s2_tlbi_range(unsigned crm, unsigned op2, uint64_t xt, uint64_t *ipa, uint64_t *size);
/* A stage 2 abort of L2 at `l2ipa`: maps its page or block (of the VM's RAM, or of whatever
 * else the VM's stage 2 maps there, stage2_lookup), says which fault the guest hypervisor gets
 * (*fsc), or gives the L1 IPA of a device of the VM to emulate the access at. */
int nested_s2_fault(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec, uint8_t *fsc,
                    uint64_t *l1ipa);
/* The guest hypervisor's stage 2 (the one nested_s2_enter last saw) for one access at l2ipa:
 * 0 and its walk (*r: the L1 IPA, the leaf's attributes), or the fault code it gives. Reads only
 * the VM's RAM. */
uint8_t nested_s2_walk(struct vm *vm, const struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec,
                       struct s2walk_result *r);
/* A read by elvisor of its guest's memory (a stage 1 table descriptor) at l2ipa: that page
 * mapped in the shadow as for a read of its guest, and the 8 bytes read through its stage 2.
 * False if its stage 2 refuses (*fsc its fault code) or the page is not the VM's RAM (*fsc 0). */
bool nested_s2_fill_read(struct vm *vm, struct nested_shadow *s, uint64_t l2ipa, uint64_t *val, uint8_t *fsc);
/* The guest hypervisor's stage 2 alone: the L1 IPA of l2ipa for that access, or false if its
 * tables refuse it (no fill). */
bool nested_s2_translate(struct vm *vm, const struct nested_shadow *s, uint64_t l2ipa, bool write, bool exec,
                         uint64_t *l1ipa);

#endif
