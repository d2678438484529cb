/* PCI functions given to VMs (docs/pci.md): the host bridge and the SMMU found in the host DTB
 * at boot, each function of a VM's configuration checked and claimed when the VM is built, its
 * DMA translated by the VM's own stage 2 (SMMUv3 stage 2 STE, the VM's VMID), its INTx given to
 * the VM as a passthrough SPI, its bus mastering turned off before the VM is reset or stopped.
 * Core names no device model: the VM's functions are the pci_bdf lists of its configured
 * devices (config_bind_pci). */
#ifndef CORE_PCI_ASSIGN_H
#define CORE_PCI_ASSIGN_H

#include <stdint.h>
#include <stdbool.h>

struct vm;
struct pci_fn;

#if CONFIG_PCI_ASSIGN
/* Boot, before the EL2 MMU is on: finds the SMMU and the ECAM host bridge in the host DTB and
 * maps their registers. Nothing found is no error (no PCI assignment on this machine). */
void pci_assign_discover(void);
/* Boot, after the GIC is up and before any VM: SMMU on (streams abort unless assigned), the root
 * bus enumerated, the VMs' IPA size capped to what the SMMU translates. */
void pci_assign_init(void);
/* A banner line (or nothing) about what pci_assign_init found. */
void pci_assign_banner(void);

/* At VM creation, after its stage 2 exists: claims its functions, points their streams at its
 * stage 2, adds their INTx SPIs to its passthrough interrupts. 0, or -1 after one line. */
int pci_assign_vm(struct vm *vm);
/* The VM was refused or is gone: its streams abort again, its functions are free. */
void pci_assign_release(struct vm *vm);
/* Bus mastering off on the VM's functions: before its RAM is cleared (reset) or it stops. */
void pci_assign_quiesce(struct vm *vm);
/* The VM's stage 2 tables changed (an entry invalidated): the SMMU forgets what it cached. */
void pci_assign_s2_changed(struct vm *vm);
#else
/* Left out of this build (CONFIG_PCI_ASSIGN=n, docs/build.md): no function is assigned (the
 * virtual bridge that names them has no row in vdev/device_table.c), so there is nothing to
 * find, quiesce or release; the SMMU, if the machine has one, is left as firmware set it. */
static inline void pci_assign_discover(void) {}
static inline void pci_assign_init(void) {}
static inline void pci_assign_banner(void) {}
static inline int pci_assign_vm(struct vm *vm) { return 0; }
static inline void pci_assign_release(struct vm *vm) {}
static inline void pci_assign_quiesce(struct vm *vm) {}
static inline void pci_assign_s2_changed(struct vm *vm) {}
#endif

/* What a virtual host bridge shows: the host function with this BDF if it was given to vm. */
const struct pci_fn *pci_assign_fn(const struct vm *vm, uint16_t bdf);
/* The host ITS DeviceID of requester ID rid (the host bridge's msi-map); false if none. */
bool pci_assign_msi_devid(uint16_t rid, uint32_t *devid);
/* The SPI a function's INTx reaches (host interrupt-map), 0 if none. */
uint32_t pci_assign_intx(const struct pci_fn *f);

#endif
