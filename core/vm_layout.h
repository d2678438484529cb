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

#include <stdbool.h>
#include <stdint.h>

/* Where a VM's images go, as offsets into its RAM: the kernel at its load offset (a Linux
 * Image's text_offset, else 0), the initrd at the next 2 MiB boundary after the kernel, the
 * device tree (VM_DTB_MAX bytes) at the next 4 KiB boundary after the initrd. */
struct vm_image_layout {
    uint64_t kernel, initrd, dtb, end;
};

/* Computes the layout; false if it does not fit in ram_size bytes (or the sizes are absurd
 * enough to wrap). The configuration check (core/config.c) and the loader (core/vmm.c) use the
 * same rule, so a VM that passes the first can never be written past its RAM by the second. */
static inline bool vm_image_layout(uint64_t koff, uint64_t ksize, uint64_t isize, uint64_t ram_size,
                                   struct vm_image_layout *l)
{
    const uint64_t limit = UINT64_C(1) << 62;
    if (koff >= limit || ksize >= limit || isize >= limit) {
        l->kernel = l->initrd = l->dtb = l->end = UINT64_MAX;
        return false;
    }
    l->kernel = koff;
    l->initrd = (koff + ksize + 0x1fffff) & ~UINT64_C(0x1fffff);
    l->dtb = (l->initrd + isize + 0xfff) & ~UINT64_C(0xfff);
    l->end = l->dtb + VM_DTB_MAX;
    return l->end <= ram_size;
}

#endif
