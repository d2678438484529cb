/* GICv4.0 direct injection for a VM's vLPIs (vdev/vgic_v4.c, docs/interrupts.md "GICv4 direct
 * injection"): a part of the virtual CPU hardware that gives each vCPU of a VM with a vITS a
 * vPE on the host GIC, when the host has GICv4. */
#ifndef VDEV_VGIC_V4_H
#define VDEV_VGIC_V4_H

#include <stdbool.h>
#include <stdint.h>
#include "core/pci_msi.h"

struct vm;

#if CONFIG_GICV4
/* Whether vm's vLPIs can be injected directly (host GICv4, a vITS, every vCPU's vPE mapped). */
bool vgic_v4_on(const struct vm *vm);
/* The vPE of vCPU vcpu and the configuration of vLPI intid, for a direct route
 * (core/pci_msi.h); false if there is none. */
bool vgic_v4_target(const struct vm *vm, unsigned vcpu, uint32_t intid, struct pci_msi_vlpi *out);
/* The guest's configuration byte of LPI intid as the vGIC read it (vdev/vgic_lpi.c): copied
 * into the configuration table the GIC reads for the VM's vPEs. */
void vgic_v4_set_config(struct vm *vm, uint32_t intid, uint8_t cfg);
/* vLPI intid's bit in vCPU vcpu's virtual pending table: read before the vLPI leaves direct
 * injection (whose DISCARD clears it), so that its pending state goes to the emulated vGIC. */
bool vgic_v4_pending(struct vm *vm, unsigned vcpu, uint32_t intid);

#else
/* Left out of this build (CONFIG_GICV4=n, docs/build.md): every vLPI goes through the
 * emulated vGIC, as on a host without GICv4. */
static inline bool vgic_v4_on(const struct vm *vm) { return false; }
static inline bool vgic_v4_target(const struct vm *vm, unsigned vcpu, uint32_t intid, struct pci_msi_vlpi *out)
{
    return false;
}
static inline void vgic_v4_set_config(struct vm *vm, uint32_t intid, uint8_t cfg) {}
static inline bool vgic_v4_pending(struct vm *vm, unsigned vcpu, uint32_t intid) { return false; }
#endif

#endif
