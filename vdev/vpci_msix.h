/* The MSI-X capability and table of an assigned function as its VM sees it (docs/pci.md
 * "MSI-X"; PCI Local Bus 3.0 6.8.2): the capability and the table are shadows, the table's
 * pages in the BAR are left out of the VM's stage 2 so that accesses trap here, and the
 * physical table holds the host doorbell and host EventIDs, each entry unmasked only while the
 * guest's entry is unmasked and aimed at its own ITS (or GICv2m frame). Part of
 * vdev/vpci_msi.c's state. */
#ifndef VDEV_VPCI_MSIX_H
#define VDEV_VPCI_MSIX_H

#include <stdbool.h>
#include <stdint.h>
#include "core/pci_msi.h"

struct pci_fn;

/* Where a guest may aim a message of its function (what else it writes raises nothing): its
 * ITS's GITS_TRANSLATER, with any data (an EventID its ITS's tables judge); or, on a GICv2
 * machine, MSI_SETSPI_NS of one of its GICv2m frames, with an SPI of that frame's range as the
 * data (vdev/vgicv2m.c). */
#define VPCI_MSI_MAX_V2M 4 /* the vGIC's VGIC_MAX_V2M_FRAMES */
struct vpci_msi_dest {
    uint64_t translater; /* 0: the VM has no ITS */
    unsigned nr_v2m;
    struct {
        uint64_t setspi; /* the frame's IPA + MSI_SETSPI_NS */
        uint32_t first, count;
    } v2m[VPCI_MSI_MAX_V2M];
};
/* Whether a message of address addr and data data is aimed at one of d's (pure). */
bool vpci_msi_dest_ok(const struct vpci_msi_dest *d, uint64_t addr, uint32_t data);

/* One table entry as the guest wrote it (address low, high, data, vector control). */
struct vpci_msix_entry {
    uint32_t addr_lo, addr_hi, data, ctrl;
};

struct vpci_msix {
    const struct pci_fn *host;
    uint8_t cap;   /* the host's MSI-X capability, shown; 0: hidden */
    uint16_t nvec; /* entries shown (Table Size), at most PCI_MSI_MAX_VECS */
    uint16_t host_nvec;
    uint8_t table_bar, pba_bar;
    uint32_t table_off, pba_off;       /* in their BARs */
    uint64_t hole_off[2], hole_len[2]; /* per BAR kind (table, PBA): pages that trap */
    bool enabled, fmask;               /* the guest's MSI-X Enable and Function Mask */
    const struct vpci_msi_dest *dest;  /* where the guest may aim an entry (vdev/vpci_msi.c's) */
    struct vpci_msix_entry *tab;       /* nvec shadow entries (memory of the bridge) */
};

/* At attach: shows the capability at cap with nvec entries, whose shadow is tab; programs the
 * physical table with msg (entry i: data msg->data + i), every entry masked, MSI-X off. */
void vpci_msix_attach(struct vpci_msix *x, const struct pci_fn *host, uint8_t cap, unsigned nvec,
                      const struct pci_msi_msg *msg, const struct vpci_msi_dest *dest, struct vpci_msix_entry *tab);
/* The physical MSI-X off and masked (at attach even when it is hidden, before a reset). */
void vpci_msix_off(const struct pci_fn *host, uint8_t cap);
/* Entries the host function has (its Table Size). */
unsigned vpci_msix_host_entries(const struct pci_fn *host, uint8_t cap);

bool vpci_msix_owns(const struct vpci_msix *x, unsigned reg);
uint32_t vpci_msix_read(const struct vpci_msix *x, unsigned dw);
void vpci_msix_write(struct vpci_msix *x, unsigned reg, unsigned size, uint32_t val);

/* The page-aligned part [*off, *off + *len) of BAR bar that must trap (table, PBA); false if
 * none. */
bool vpci_msix_hole(const struct vpci_msix *x, unsigned bar, uint64_t *off, uint64_t *len);
/* A guest access inside that part: the table is the shadow, the PBA and anything else there
 * the device's own registers. 0, or -1 (not inside a hole: an abort). */
int vpci_msix_access(struct vpci_msix *x, unsigned bar, uint64_t off, unsigned size, bool write, uint64_t *val);
/* What message vec raises in the guest (its data: an EventID of its ITS, or a GICv2m SPI):
 * false if nothing (off, masked, not aimed at one of dest's). */
bool vpci_msix_target(const struct vpci_msix *x, unsigned vec, uint32_t *event);

#endif
