/* From the first C instruction to every CPU in its scheduler loop. */
#include <stdbool.h>
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/branch_prot.h"
#include "arch/aarch64/traps.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "core/console.h"
#include "core/console_input.h"
#include "core/efi_mem.h"
#include "core/entropy.h"
#include "core/exit.h"
#include "core/image.h"
#include "core/irq.h"
#include "core/page_alloc.h"
#include "core/pci_assign.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/selftest.h"
#include "core/power.h"
#include "core/smp.h"
#include "core/speculation.h"
#include "core/vmm.h"
#include "drivers/psci.h"
#include "drivers/timer.h"
#include "drivers/uart.h"
#include "lib/printf.h"
#include "lib/string.h"

#define ELVISOR_VERSION "0.1"

/* The DTB is not usable: say why (if there is a console) and power off. */
static void __attribute__((noreturn)) boot_fail(const char *why)
{
    printk("elvisor: cannot boot: %s\n", why);
    /* Before the PSCI node was looked for, SMC is the conduit firmware below EL2 would use; if
     * there is no firmware the SMC is UNDEFINED and the crash handler parks the CPU. A DTB
     * known to have no PSCI node parks without trying (core/power.c). */
    if (!platform.psci_absent)
        psci_set_conduit(platform.psci_conduit != PSCI_CONDUIT_NONE ? platform.psci_conduit : PSCI_CONDUIT_SMC);
    power_off();
}

/* Entered at EL1 (QEMU without virtualization=on) or EL3: say how to fix it and power off.
 * The PSCI conduit below EL1 is HVC on such machines, which the DTB says. */
static void __attribute__((noreturn)) wrong_el(unsigned el)
{
    printk("elvisor: entered at EL%u, but elvisor runs at EL2: start QEMU with "
           "-machine virt,virtualization=on (or boot it from firmware that enters at EL2)\n",
           el);
    if (el == 1 && platform_discover(NULL) == 0)
        psci_set_conduit(platform.psci_conduit);
    else
        psci_set_conduit(el == 1 ? PSCI_CONDUIT_HVC : PSCI_CONDUIT_NONE);
    power_off();
}

/* The EL2 page tables' pages come from the hypervisor's page pool. */
static void *el2_table_alloc(void) { return page_alloc(1, PAGE_SIZE); }
static void el2_table_free(void *page) { page_free(page, 1); }

static void map_hypervisor(void)
{
    static const struct mmu_page_ops el2_pages = { .alloc = el2_table_alloc, .free = el2_table_free };
    mmu_init(&el2_pages);
    for (unsigned i = 0; i < platform.mem_count; i++)
        mmu_map(platform.mem[i].base, platform.mem[i].size, MMU_RAM);
    /* W^X for the image: text RX, rodata and the symbol table R, data and BSS RW+XN. */
    mmu_map((uintptr_t)__image_start, image_span(__image_start, __text_end), MMU_TEXT);
    mmu_map((uintptr_t)__rodata_start, image_span(__rodata_start, __rodata_end), MMU_RODATA);
    mmu_map((uintptr_t)__syms_start, image_span(__syms_start, __image_end), MMU_RODATA);
    mmu_map((uintptr_t)__image_end, image_loaded_size() - image_span(__image_start, __image_end), MMU_RODATA);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        mmu_unmap((uintptr_t)boot_stacks + cpu * STACK_SLOT_SIZE, STACK_GUARD_SIZE);
    mmu_map((uintptr_t)platform.dtb, platform.dtb_size, MMU_RODATA);
    mmu_map(platform.uart.base, platform.uart.size ? platform.uart.size : 0x1000, MMU_DEVICE);
    mmu_map(platform.gicd.base, platform.gicd.size, MMU_DEVICE);
    if (platform_gic_v2()) {
        mmu_map(platform.gicc.base, platform.gicc.size, MMU_DEVICE);
        mmu_map(platform.gich.base, platform.gich.size, MMU_DEVICE);
    }
    for (unsigned i = 0; i < platform.gicr_count; i++)
        mmu_map(platform.gicr[i].base, platform.gicr[i].size, MMU_DEVICE);
    if (platform.its.size)
        mmu_map(platform.its.base, platform.its.size, MMU_DEVICE);
    if (platform.v2m.size)
        mmu_map(platform.v2m.base, platform.v2m.size, MMU_DEVICE);
    pci_assign_discover(); /* the SMMU's registers and the host bridge's ECAM */
}

static void el2_cpu_init(unsigned id)
{
    percpu_install(id);
    sysreg_write(vbar_el2, el2_vectors);
    /* Until a vCPU runs, nothing traps to EL2 from below and guests use AArch64 (RW). */
    sysreg_write(hcr_el2, HCR_EL2_RW);
    isb();
}

static void print_banner(void)
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

/* bootargs "elvisor.crash_test" makes the boot CPU fault at EL2 on purpose, to show the crash
 * report (the hardening's own tests are core/selftest.c's). Guests cannot set host bootargs. */
static volatile uintptr_t crash_test_addr = 0x8; /* page 0 is never mapped */

static void __attribute__((noinline)) maybe_crash_test(void)
{
    if (platform_has_bootarg("elvisor.crash_test")) {
        printk("elvisor: crash test requested by bootargs\n");
        *(volatile uint64_t *)crash_test_addr = 0xdead;
    }
}

/* dtb from the boot loader (x0); efi: the EFI stub's handoff block, when it started us (x1 with
 * x2 = EFI_HANDOFF_MAGIC, head.S), else NULL. */
void __attribute__((noreturn)) boot_primary(const void *dtb, const struct efi_handoff *efi)
{
    log_set_halt(power_off); /* panic() and the crash report end here */
    const char *err = platform_discover_console(dtb);
    if (!err)
        console_init(platform.uart_drv, platform.uart.base); /* from here on printk() prints */
    unsigned el = current_el();
    if (el != 2)
        wrong_el(el);
    el2_cpu_init(0);
    if (err)
        boot_fail(err);
    if ((err = platform_discover(efi)))
        boot_fail(err);
    psci_set_conduit(platform.psci_conduit);
    platform.psci_version = platform.psci_absent ? 0 : psci_version();
    speculation_cpu_init(0);
    for (unsigned i = 0; i < platform.cpu_count; i++)
        percpu_data[i].mpidr = platform.cpu_mpidr[i];

    page_alloc_init();
    map_hypervisor();
    branch_prot_set_key(entropy_u64(), entropy_u64());
    mmu_enable();
    console_smp_ready();
    irq_init();
    irq_cpu_init(0);
    pci_assign_init(); /* SMMU and PCI before the banner, which reports them */
    print_banner();
    maybe_crash_test();
    selftest_boot();
    exit_init();

    smp_start_secondaries();
    console_defer_output();
    console_input_init();
    vmm_start();
    selftest_late();
    smp_idle();
}

void __attribute__((noreturn)) boot_secondary(unsigned id)
{
    el2_cpu_init(id);
    speculation_cpu_init(id);
    mmu_enable();
    irq_cpu_init(id);
    smp_report_online(id);
    smp_idle();
}
