/* The MSI-X capability and table of an assigned function as its VM sees it (docs/pci.md
 * "MSI-X"; PCI Local Bus 3.0 6.8.2): the capability and the table are shadows, the table's
 * pages in the BAR are left out of the VM's stage 2 so that accesses trap here, and the
 * physical table holds the host doorbell and host EventIDs, each entry unmasked only while the
 * guest's entry is unmasked and aimed at its own ITS. Part of vdev/vpci_msi.c's state. */
#ifndef VDEV_VPCI_MSIX_H
#define VDEV_VPCI_MSIX_H

#include <stdbool.h>
#include <stdint.h>
#include "core/pci_msi.h"

struct pci_fn;

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
    uint64_t translater;               /* the guest's GITS_TRANSLATER */
    struct vpci_msix_entry *tab;       /* nvec shadow entries (memory of the bridge) */
};

/* At attach: shows the capability at cap with nvec entries, whose shadow is tab; programs the
 * physical table with msg (entry i: data msg->data + i), every entry masked, MSI-X off. */
void vpci_msix_attach(struct vpci_msix *x, const struct pci_fn *host, uint8_t cap, unsigned nvec,
                      const struct pci_msi_msg *msg, uint64_t translater, struct vpci_msix_entry *tab);
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
/* What message vec raises in the guest: false if nothing (off, masked, not at its ITS). */
bool vpci_msix_target(const struct vpci_msix *x, unsigned vec, uint32_t *event);

#endif
