/* The MSI capability of an assigned PCI function as its VM sees it (docs/pci.md "MSI"): a shadow
 * the guest programs with its own ITS's GITS_TRANSLATER and an EventID, while the physical
 * capability holds what the host ITS needs (core/pci_msi.h); each physical MSI becomes the
 * guest's (DeviceID, EventID) write to its virtual ITS. On a GICv2 machine the guest aims it
 * at one of its GICv2m frames' MSI_SETSPI_NS with an SPI of that frame instead, and each
 * physical MSI (a host GICv2m SPI) becomes that SPI, an edge. */
#ifndef VDEV_VPCI_MSI_H
#define VDEV_VPCI_MSI_H

#include <stdbool.h>
#include <stdint.h>
#include "core/pci_msi.h"
#include "vdev/vpci_msix.h"
#include "lib/spinlock.h"

struct vm;
struct pci_fn;

/* Guest DeviceIDs of the virtual host bridge's functions: msi-map sends requester IDs
 * [0, VPCI_MSI_NR_RIDS) to DeviceIDs from VPCI_MSI_DEVID_BASE, clear of the DeviceID a vCPU's
 * own GITS_TRANSLATER write carries (VITS_CPU_DEVICE_ID, 0). */
#define VPCI_MSI_DEVID_BASE 0x80u
#define VPCI_MSI_NR_RIDS    0x80u
/* The host doorbell's page in the VM's IPA space: inside the VM's own ITS window, the second
 * 4 KiB page of its translation frame (IHI 0069H 12.19: reserved there), so it takes no
 * address of its own. */
#define VPCI_MSI_DOORBELL_OFF 0x11000u
/* On a GICv2 machine: the second 4 KiB page of the VM's first GICv2m frame whose reg is at least
 * VPCI_MSI_V2M_SIZE (docs/config.md): the page after the frame's registers. */
#define VPCI_MSI_V2M_DOORBELL_OFF 0x1000u
#define VPCI_MSI_V2M_SIZE         0x2000u

struct vpci_msi {
    spinlock_t lock;
    struct vm *vm;
    const struct pci_fn *host;
    uint8_t cap;               /* the host's MSI capability, shown to the guest; 0: hidden */
    uint8_t size;              /* its bytes on the host (mask and pending bits included) */
    bool is64;                 /* 64-bit Message Address */
    bool enabled;              /* the guest's MSI Enable */
    bool hw_on;                /* the physical capability is enabled */
    uint16_t data;             /* the guest's Message Data: its EventID (GICv2m: an SPI) */
    uint64_t addr;             /* the guest's Message Address */
    struct vpci_msi_dest dest; /* the only addresses that raise anything (vdev/vpci_msix.h) */
    uint32_t devid;            /* its DeviceID in the guest (msi-map) */
    struct pci_msi_msg host_msg;
    struct vpci_msix x; /* its MSI-X, under the same lock */
};

/* At the bridge's attach (creation, reset): function host, at guest requester ID rid, whose
 * MSI and MSI-X capabilities are at cap and xcap (0: it has none); tab: room for
 * PCI_MSI_MAX_VECS MSI-X shadow entries, kept by the bridge. The capabilities are shown only
 * when the VM has an ITS (or, on GICv2, a GICv2m frame with room for the host doorbell) and
 * the host can route the function's messages (MSI-X also needs its
 * table mapped at EL2); the physical MSI and MSI-X start disabled. */
void vpci_msi_attach(struct vpci_msi *m, struct vm *vm, const struct pci_fn *host, uint8_t cap, uint8_t xcap,
                     uint16_t rid, struct vpci_msix_entry *tab);
/* Whether vm's functions can have MSIs through its GICv2m frames (a GICv2 machine: one of its
 * frames has room for the host doorbell page). */
bool vpci_msi_v2m(const struct vm *vm);
/* Whether config register reg (a byte offset) lies in a shown MSI or MSI-X capability. */
bool vpci_msi_owns(const struct vpci_msi *m, unsigned reg);
/* The capability's dword at dw (vpci_msi_owns): the shadow. The caller links the header. */
uint32_t vpci_msi_read(struct vpci_msi *m, unsigned dw);
/* A guest write of size bytes at reg inside it. */
void vpci_msi_write(struct vpci_msi *m, unsigned reg, unsigned size, uint32_t val);
/* The part of BAR bar that must stay out of stage 2 (the MSI-X table and PBA pages), and a
 * guest access there (0, or -1 for an abort): vdev/vpci_msix.h. */
bool vpci_msi_bar_hole(const struct vpci_msi *m, unsigned bar, uint64_t *off, uint64_t *len);
int vpci_msi_bar_access(struct vpci_msi *m, unsigned bar, uint64_t off, unsigned size, bool write, uint64_t *val);
/* The physical MSI and MSI-X off (before a reset, or the guest's stop). */
void vpci_msi_quiesce(struct vpci_msi *m);
/* Whether the MSI-X capability at cap is shown. */
bool vpci_msix_shown(const struct vpci_msi *m, uint8_t cap);

#endif
