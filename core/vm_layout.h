/* Where the hypervisor places its own emulated windows in every VM's IPA space. These follow
 * QEMU virt's layout so that guests written for it feel at home; guests find them in their
 * generated device tree, never by assumption. */
#ifndef CORE_VM_LAYOUT_H
#define CORE_VM_LAYOUT_H

#define VGIC_DIST_IPA      0x08000000UL
#define VGIC_DIST_SIZE     0x00010000UL
#define VGIC_CPU_IPA       0x08010000UL /* GICv2: the GICV frame appears here */
#define VGIC_CPU_SIZE      0x00010000UL
#define VGIC_REDIST_IPA    0x080a0000UL /* GICv3: one 128 KiB frame pair per vCPU */
#define VGIC_REDIST_STRIDE 0x00020000UL

/* Guest DTB size limit: the generator refuses to write more. */
#define VM_DTB_MAX 0x10000UL

#endif
