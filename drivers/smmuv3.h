/* The SMMUv3 in front of DMA masters (docs/pci.md): the hypervisor owns it, turns global bypass
 * into abort, and gives each stream of a device assigned to a VM a stage 2 Stream Table Entry
 * that walks the VM's own stage 2 tables (the same root, VTCR and VMID as the CPU's). One SMMU;
 * stage 1 is never used. */
#ifndef DRIVERS_SMMUV3_H
#define DRIVERS_SMMUV3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smmuv3_desc {
    uint64_t base; /* 128 KiB of registers, mapped Device at EL2 */
    /* Zeroed pages for queues and tables, aligned to align bytes; NULL when out of memory.
     * Addresses are physical (the hypervisor identity-maps RAM). */
    void *(*alloc)(size_t pages, size_t align);
};

/* A stage 2 translation, as the CPU's VTCR_EL2/VTTBR_EL2 describe it. */
struct smmuv3_s2 {
    uint64_t root_pa;     /* the stage 2 root table */
    unsigned vmid;        /* 8 bits */
    unsigned ipa_bits;    /* T0SZ = 64 - ipa_bits */
    unsigned start_level; /* 0, 1 or 2 (4 KiB granule) */
};

/* One fault or configuration error the SMMU recorded. */
struct smmuv3_event {
    uint8_t type; /* SMMU_EVT_* */
    bool write;
    uint32_t sid;
    uint64_t addr; /* the input (device) address, for translation faults */
};

/* Boot, once: checks the SMMU can do what we need, aborts global bypass, builds the queues
 * and the stream table (every stream aborted) and enables it. 0, or -1 with why filled. */
int smmuv3_init(const struct smmuv3_desc *d, char *why, size_t cap);
bool smmuv3_present(void);
/* Largest IPA size a stage 2 STE accepts (the SMMU's output address size caps it). */
unsigned smmuv3_max_ipa_bits(void);
/* One line describing the SMMU, for the boot banner. */
void smmuv3_describe(char *buf, size_t cap);

/* Stream sid translates through s2 from now on (CFGI_STE + SYNC); 0, or -1 if sid is out of
 * range or a table could not be allocated. */
int smmuv3_attach_s2(uint32_t sid, const struct smmuv3_s2 *s2);
/* Stream sid aborts every transaction again. */
void smmuv3_detach(uint32_t sid);
/* TLBI_S12_VMALL for vmid + SYNC: after any change of that VM's stage 2 tables. */
void smmuv3_tlbi_vmid(unsigned vmid);
/* Moves up to max recorded events out of the event queue; returns how many. */
unsigned smmuv3_read_events(struct smmuv3_event *out, unsigned max);
/* Global errors raised since the last call (SMMU_GERROR bits), acknowledged. */
uint32_t smmuv3_take_gerror(void);

#endif
