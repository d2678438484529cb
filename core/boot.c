/* From the first C instruction to every CPU in its scheduler loop. */
#include <stdbool.h>
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/branch_prot.h"
#include "arch/aarch64/traps.h"
#include "arch/aarch64/regs/hcr.h"
#include "core/banner.h"
#include "core/console.h"
#include "core/console_input.h"
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
#include "lib/printf.h"

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
    banner_print();
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
