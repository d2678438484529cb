/* Message-signalled interrupts of assigned PCI functions, host side (docs/pci.md "MSI"): each
 * message of a function (its MSI, or an MSI-X entry) is one event of the host ITS
 * (drivers/gicv3_its.c), DeviceID from the host bridge's msi-map, mapped to a host LPI that
 * belongs to the function's VM; the ITS doorbell
 * page is mapped in that VM's stage 2, which is also what the SMMU translates the function's
 * writes with, so the function's MSI write reaches GITS_TRANSLATER through it. On a GICv2
 * host the host's GICv2m frame (drivers/gicv2m.c) takes the ITS's place: each message is a
 * host SPI of the frame, written to its MSI_SETSPI_NS through the same doorbell page, and one
 * VM at a time owns the frame (core/pci_msi.c). What the interrupt means to the guest is the
 * device model's business (vdev/vpci_msi.c): core calls it back. */
#ifndef CORE_PCI_MSI_H
#define CORE_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pci_fn;

/* What the function's MSI capability (or MSI-X table entry) must hold: an address the device
 * writes through the SMMU (an IPA of its VM that stage 2 maps onto the host GITS_TRANSLATER,
 * or the host GICv2m frame's MSI_SETSPI_NS) and the data, the host EventID (or host SPI). */
struct pci_msi_msg {
    uint64_t addr;
    uint32_t data;
};

/* Messages (host events) of one function at most: MSI uses one, MSI-X one per table entry the
 * guest is shown (vdev/vpci_msix.c). */
#define PCI_MSI_MAX_VECS 32

/* Called on the function's host LPI (or GICv2m SPI) of message vec, on the CPU that took it, with vm->lock
 * held and only while the VM runs or is paused (never while a reset rebuilds its devices): it
 * must not log through vm_log (which takes vm->lock). It returns the physical CPU where that
 * message is best taken (that of the vCPU it went to), or -1; core moves the host LPI there. */
typedef int (*pci_msi_fn)(void *arg, unsigned vec);

/* At a device model's attach (VM creation and every reset), for function f given to vm: its
 * host events 0..nvec-1 (nvec <= PCI_MSI_MAX_VECS) routed to deliver(arg, vec) and the host
 * doorbell mapped at doorbell_ipa (a free 4 KiB page of the VM's IPA space; the same for all
 * of a VM's functions; on a GICv2m host, a page the VM's own CPUs can write too, which raises
 * only the VM's own messages). The events are set up once and kept until the VM is released; a later
 * call only changes the callback. 0 with *msg filled (message vec's data is msg->data + vec),
 * or -1 after one line naming the VM (the function then has no MSI; at later attaches of the
 * same VM, silently). */
int pci_msi_route(struct vm *vm, const struct pci_fn *f, uint64_t doorbell_ipa, unsigned nvec, pci_msi_fn deliver,
                  void *arg, struct pci_msi_msg *msg);
/* A message's vLPI under GICv4 direct injection (docs/interrupts.md "GICv4 direct
 * injection"): vCPU vcpu's vPE vpeid, vINTID vintid, whose byte in the VM's vLPI configuration
 * table is cfg (a change of it is sent to the GIC with INV). */
struct pci_msi_vlpi {
    unsigned vcpu;
    uint32_t vpeid;
    uint32_t vintid;
    uint8_t cfg;
};
/* Message vec of f (routed to vm) becomes that vLPI (VMAPTI, or VMOVI to another vPE of the
 * same vINTID; the host LPI of the message is its doorbell, which kicks the vCPU), or with to
 * NULL goes back to its host LPI and the callback. Only what changed is sent to the host ITS.
 * 0, or -1 (then the message is on its host LPI, emulated). */
int pci_msi_direct(struct vm *vm, const struct pci_fn *f, unsigned vec, const struct pci_msi_vlpi *to);
/* Whether message vec of f is a vLPI now, and which (*out). */
bool pci_msi_direct_of(struct vm *vm, const struct pci_fn *f, unsigned vec, struct pci_msi_vlpi *out);
/* Boot, from pci_assign_init before the secondaries start and before any VM: the MSI-X table
 * and PBA pages of every function are mapped at EL2 (Device), so that device models can shadow
 * them; every SPI of the host GICv2m frame becomes the hypervisor's (none is given to a VM). */
void pci_msi_boot(void);
/* Whether f's MSI-X table and PBA are mapped at EL2 (physical = virtual). */
bool pci_msi_msix_mapped(const struct pci_fn *f);
/* The VM is refused or released: its functions' events are discarded and their LPIs freed (or
 * their GICv2m SPIs, and the frame is free for another VM). */
void pci_msi_release(struct vm *vm);

#endif
