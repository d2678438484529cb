#include "drivers/spin_table.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/regs/mpidr.h"
#include "arch/aarch64/spin_table.h"
#include "arch/aarch64/sysreg.h"

void spin_table_release(uint64_t release_pa, uint64_t mpidr, unsigned index)
{
    if (index == 0 || index >= MAX_CPUS)
        return;
    /* The released CPU reads both with its MMU and caches off, so each write must reach the
     * point of coherency (Arm ARM B2.4.5, D7.5.9: DC CVAC) before the next step. */
    spin_table_mpidr[index] = (mpidr & MPIDR_AFF_MASK) | SPIN_TABLE_VALID;
    dc_cvac((uint64_t)(uintptr_t)&spin_table_mpidr[index]);
    dsb_sy();
    *(volatile uint64_t *)(uintptr_t)release_pa = (uint64_t)(uintptr_t)spin_table_entry;
    dc_cvac(release_pa);
    /* Complete the clean before the event that wakes the CPU from its WFE (Arm ARM D1.6.1:
     * SEV, and DSB before it so that the waiting CPU sees the write). */
    dsb_sy();
    sev();
}
