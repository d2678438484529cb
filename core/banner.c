/* The boot banner (option CONFIG_BANNER, docs/build.md): what the hypervisor found and chose,
 * for the operator bringing up a board. */
#include <stdbool.h>
#include "core/banner.h"
#include "arch/aarch64/branch_prot.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/id_regs.h"
#include "core/efi_mem.h"
#include "core/image.h"
#include "core/irq.h"
#include "core/page_alloc.h"
#include "core/pci_assign.h"
#include "core/platform.h"
#include "core/speculation.h"
#include "drivers/timer.h"
#include "drivers/uart.h"
#include "lib/printf.h"

void banner_print(void)
{
    uint64_t mem_total = 0;
    printk("\nelvisor %s: type-1 hypervisor for AArch64\n", ELVISOR_VERSION);
    bool vhe = ID_FIELD_GET(sysreg_read(id_aa64mmfr1_el1), ID_AA64MMFR1_EL1_VH) != 0;
    printk("  exception level: EL%u (VHE %s, PA %u bits)\n", current_el(), vhe ? "available" : "not available",
           pa_range_bits());
    char list[MAX_CPUS * 20] = "";
    unsigned len = 0;
    for (unsigned i = 0; i < platform.cpu_count; i++)
        len += (unsigned)ev_snprintf(list + len, sizeof(list) - len, " 0x%lx", (unsigned long)platform.cpu_mpidr[i]);
    printk("  CPUs: %u (MPIDR%s)%s\n", platform.cpu_count, list,
           platform.cpus_ignored ? " (more in the DTB than elvisor supports: ignored)" : "");
    for (unsigned i = 0; i < platform.mem_count; i++) {
        printk("  memory: 0x%lx-0x%lx (%lu MiB)\n", (unsigned long)platform.mem[i].base,
               (unsigned long)(platform.mem[i].base + platform.mem[i].size - 1),
               (unsigned long)(platform.mem[i].size >> 20));
        mem_total += platform.mem[i].size;
    }
    if (efi_mem_in_build() && platform.efi_descs)
        printk("  firmware: UEFI memory map (%u descriptors), %lu KiB kept for runtime services and ACPI\n",
               platform.efi_descs, (unsigned long)(platform.efi_kept >> 10));
    printk("  free for VMs: %lu MiB of %lu MiB\n", (unsigned long)(page_free_count() >> 8),
           (unsigned long)(mem_total >> 20));
    if (!platform_gic_v2())
        printk("  GIC: v3 (GICD 0x%lx, GICR 0x%lx%s)\n", (unsigned long)platform.gicd.base,
               (unsigned long)platform.gicr[0].base, platform.its.size ? ", ITS" : "");
    else
        printk("  GIC: v2 (GICD 0x%lx, GICC 0x%lx, GICH 0x%lx, GICV 0x%lx)\n", (unsigned long)platform.gicd.base,
               (unsigned long)platform.gicc.base, (unsigned long)platform.gich.base, (unsigned long)platform.gicv.base);
    irq_banner();
    printk("  UART: %s at 0x%lx\n", uart_name(), (unsigned long)platform.uart.base);
    pci_assign_banner();
    printk("  timer: %lu Hz, PPIs phys %u virt %u hyp %u\n", (unsigned long)sysreg_read(cntfrq_el0),
           platform.timer_intid[TIMER_PHYS], platform.timer_intid[TIMER_VIRT], platform.timer_intid[TIMER_HYP_PHYS]);
    if (platform.psci_absent)
        printk("  PSCI: none (CPUs start by spin-table; power off parks them)\n");
    else
        printk("  PSCI: %u.%u via %s\n", platform.psci_version >> 16, platform.psci_version & 0xffff,
               platform.psci_conduit == PSCI_CONDUIT_SMC ? "smc" : "hvc");
    char spec[200];
    speculation_describe(0, spec, sizeof(spec));
    printk("  speculation, CPU0: %s\n", spec);
    bool bti = branch_prot_has_bti(), pac = branch_prot_has_pac();
    printk("  branch protection at EL2: %s%s%s\n", bti ? "BTI" : "", bti && pac ? ", " : "",
           pac   ? "PAC (return addresses, key A)"
           : bti ? ""
                 : "none (the CPU has neither BTI nor PAuth)");
    printk("  image: %lu bytes at 0x%lx (text %lu, rodata %lu, data+bss %lu)\n",
           (unsigned long)image_span(__image_start, __image_end), (unsigned long)image_base(),
           (unsigned long)image_span(__text_start, __text_end), (unsigned long)image_span(__rodata_start, __rodata_end),
           (unsigned long)image_span(__data_start, __bss_end));
}
