/* Memory tagging for guests (vdev/vmte.c): its part of the virtual CPU hardware
 * (vdev/vcpu_hw_table.h) and what the ID registers show of it. */
#ifndef VDEV_VMTE_H
#define VDEV_VMTE_H

#include <stdbool.h>

/* Whether guests may be offered MTE: the boot CPU has tag storage (FEAT_MTE2). Per VM, also
 * not turned off ("no-mte", virtual-el2). */
#if CONFIG_MTE
bool vmte_offered(void);
#else
/* Left out of this build (CONFIG_MTE=n, docs/build.md): hidden, HCR_EL2.ATA clear. */
static inline bool vmte_offered(void) { return false; }
#endif

#endif
