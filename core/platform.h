/* What the hypervisor learned about the machine from the host device tree. Nothing physical
 * is hard-coded: every address, interrupt and CPU below comes from the DTB. */
#ifndef CORE_PLATFORM_H
#define CORE_PLATFORM_H

#include <stdint.h>
#include <stdbool.h>
#include "arch/aarch64/config.h"
#include "drivers/gic.h"
#include "drivers/psci.h"

struct efi_handoff;
struct uart_driver;

#define PLAT_MAX_MEM      16
#define PLAT_MAX_RESERVED 32
#define PLAT_MAX_GICR     GIC_MAX_RDIST_REGIONS

struct mem_range {
    uint64_t base;
    uint64_t size;
};

/* Indexes into platform.timer_intid, in the order of the arm,armv8-timer binding. */
enum { TIMER_SEC_PHYS, TIMER_PHYS, TIMER_VIRT, TIMER_HYP_PHYS, TIMER_HYP_VIRT, TIMER_NR };

struct platform {
    const void *dtb;
    uint32_t dtb_size;

    struct mem_range mem[PLAT_MAX_MEM];
    unsigned mem_count;
    struct mem_range reserved[PLAT_MAX_RESERVED]; /* sorted, merged */
    unsigned reserved_count;
    /* Booted by the EFI stub: descriptors in UEFI's memory map (0 otherwise), and the bytes of
     * RAM it says runtime services and ACPI keep. */
    unsigned efi_descs;
    uint64_t efi_kept;

    uint64_t cpu_mpidr[MAX_CPUS]; /* by logical index: the boot CPU first, then DTB order */
    unsigned cpu_count;
    unsigned cpus_ignored; /* CPUs in the DTB beyond MAX_CPUS */
    /* enable-method "spin-table": where firmware holds the CPU (cpu-release-addr, in RAM and
     * reserved); 0: the CPU is started with PSCI CPU_ON. */
    uint64_t cpu_release[MAX_CPUS];

    struct mem_range uart;
    const struct uart_driver *uart_drv; /* chosen by the node's compatible (drivers/uart.h) */
    uint32_t uart_intid;

    unsigned gic_version; /* 2 or 3 */
    struct mem_range gicd, gicc, gich, gicv, its;
    struct mem_range v2m; /* GICv2: the first GICv2m MSI frame under the GIC node (size 0: none) */
    struct mem_range gicr[PLAT_MAX_GICR];
    unsigned gicr_count;
    uint32_t gic_maint_intid;

    uint32_t timer_intid[TIMER_NR]; /* 0 when absent */
    uint32_t pmu_intid;             /* the PMU's overflow PPI (arm,armv8-pmuv3); 0 when absent */

    enum psci_conduit psci_conduit;
    bool psci_absent; /* the DTB has no PSCI node (conduit NONE): docs/boards.md */
    uint32_t psci_version;
};

extern struct platform platform;

/* The host's GIC is a GICv2 that this build drives. A build drives one or both versions
 * (CONFIG_GICV2, CONFIG_GICV3; docs/build.md) and gic_init stops a host whose version it does
 * not drive with one line before anything uses the GIC: so in a build of one version this is
 * a constant, and the other version's paths fold away. */
static inline bool platform_gic_v2(void) { return CONFIG_GICV2 && (!CONFIG_GICV3 || platform.gic_version == 2); }

/* Finds the console first, so that later errors can be printed. Returns NULL on success or
 * a one-line reason naming what is wrong with the DTB. */
const char *platform_discover_console(const void *dtb);
/* efi: the EFI stub's handoff block (its memory map then describes RAM instead of the DTB's
 * memory nodes), or NULL. */
const char *platform_discover(const struct efi_handoff *efi);
/* What the GIC driver needs (drivers/gic.h), after platform_discover(). */
void platform_gic_desc(struct gic_desc *d);
/* A property of the host DTB's root-level node whose first reg range starts at pa, or NULL. */
const void *platform_device_prop(uint64_t pa, const char *name, int *len);
/* The host DTB, for discovery beyond this file's (core/pci_assign.c: the SMMU, the host bridge). */
struct fdt;
const struct fdt *platform_fdt(void);
/* True when the host's /chosen bootargs contain word as a whole space-separated token. */
bool platform_has_bootarg(const char *word);

#endif
