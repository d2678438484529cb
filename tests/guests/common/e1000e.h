/* QEMU's e1000e (82574) as an MSI-X source for the assigned-function test guests (msi_assign.c,
 * msi_v2m.c): its "other" interrupt cause, raised by a write of its Interrupt Cause Set
 * register, goes to the MSI-X vector IVAR names (82574 datasheet 10.2.4: ICR, ICS, IMS, IVAR;
 * PCIe 6.0 7.7.2 for the table's 16-byte entries). */
#ifndef TESTS_GUESTS_COMMON_E1000E_H
#define TESTS_GUESTS_COMMON_E1000E_H

#include <stdbool.h>
#include <stdint.h>
#include "tests/guests/common/gic.h"

#define E1000_ICR       0x00c0
#define E1000_ICS       0x00c8
#define E1000_IMS       0x00d0
#define E1000_IVAR      0x00e4
#define ICR_OTHER       (1u << 24)
#define IVAR_OTHER(vec) ((0x8u | (vec)) << 16) /* valid bit and vector of the "other" causes */

/* Address of field (0 address low, 4 high, 8 data, 12 vector control) of entry i of the table. */
static inline uintptr_t e1000e_msix_entry(uintptr_t tab, unsigned i, unsigned field) { return tab + 16 * i + field; }

/* QEMU's model sometimes sends a second message for one ICS write, some milliseconds later
 * (seen with nothing trapped in between: the device's own behaviour): the callers count "at
 * least once" for a good message, and a late second one settles within quiet_us before they
 * look for silence. */
static inline void e1000e_raise(uintptr_t nic, uint64_t quiet_us)
{
    mmio_wr(nic + E1000_ICS, ICR_OTHER);
    udelay(quiet_us);
    (void)mmio_rd(nic + E1000_ICR);
}

/* Entry i: masked while address and data are written, then unmasked unless masked. */
static inline void e1000e_msix_set(uintptr_t tab, unsigned i, uint64_t addr, uint32_t data, bool masked)
{
    mmio_wr(e1000e_msix_entry(tab, i, 12), 1);
    mmio_wr(e1000e_msix_entry(tab, i, 0), (uint32_t)addr);
    mmio_wr(e1000e_msix_entry(tab, i, 4), (uint32_t)(addr >> 32));
    mmio_wr(e1000e_msix_entry(tab, i, 8), data);
    if (!masked)
        mmio_wr(e1000e_msix_entry(tab, i, 12), 0);
}

#endif
