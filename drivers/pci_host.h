/* The PCIe host bridge the hypervisor owns (pci-host-ecam-generic): its root bus enumerated at
 * boot, every memory BAR given an address in the bridge's windows, and configuration accesses
 * through ECAM. Bridges and the buses behind them are not enumerated; I/O BARs are left
 * unassigned (docs/pci.md). */
#ifndef DRIVERS_PCI_HOST_H
#define DRIVERS_PCI_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/pci_regs.h"

#define PCI_HOST_MAX_WINDOWS 4
#define PCI_HOST_MAX_FNS     32

/* One memory window of the host bridge (its DT ranges): PCI bus address pci maps to CPU
 * physical address cpu. */
struct pci_window {
    uint64_t pci, cpu, size;
    bool mem64; /* a 64-bit memory space window (else 32-bit: below 4 GiB) */
};

struct pci_host_desc {
    uint64_t ecam; /* CPU physical address of bus bus_start, mapped Device at EL2 */
    unsigned bus_start;
    struct pci_window win[PCI_HOST_MAX_WINDOWS];
    unsigned nr_win;
};

struct pci_bar {
    uint64_t pa;    /* CPU physical address; 0: not implemented or not assigned */
    uint64_t size;  /* rounded up to 4 KiB: a VM maps whole pages, owned by this BAR alone */
    uint32_t flags; /* the BAR's low bits (PCI_BAR_MEM_FLAGS) */
};

struct pci_fn {
    uint16_t bdf;
    uint16_t vendor, device;
    uint32_t class_rev;
    uint8_t header_type; /* without the multi-function bit */
    uint8_t pin;         /* PCI_INTERRUPT_PIN */
    bool unassigned_bar; /* an I/O BAR or one that did not fit a window */
    struct pci_bar bar[PCI_NR_BARS];
};

/* Boot, once: enumerates the root bus and assigns BARs. Bus mastering stays off on every
 * function and memory decoding is on for those with BARs. 0, or -1 with why filled. */
int pci_host_init(const struct pci_host_desc *d, char *why, size_t cap);
unsigned pci_host_nr_fns(void);
const struct pci_fn *pci_host_fn(unsigned i);
const struct pci_fn *pci_host_find(uint16_t bdf);

/* Configuration accesses of 1, 2 or 4 bytes at an aligned offset below PCI_CFG_SIZE. */
uint32_t pci_cfg_read(uint16_t bdf, unsigned off, unsigned size);
void pci_cfg_write(uint16_t bdf, unsigned off, unsigned size, uint32_t val);
/* Offset of the function's first capability with this ID, 0 if none (the list is walked at
 * most 48 steps: a malformed list must not loop). */
unsigned pci_find_cap(uint16_t bdf, uint8_t id);
/* Bus mastering of a function on or off. */
void pci_set_master(uint16_t bdf, bool on);

#endif
