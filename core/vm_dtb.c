#include "core/vm_dtb.h"
#include "core/vm.h"
#include "core/platform.h"
#include "core/vdev.h"
#include "core/vm_devices.h"
#include "core/vcpu_hw.h"
#include "lib/fdt_write.h"
#include "lib/printf.h"
#include "arch/aarch64/regs/mpidr.h"

#define PHANDLE_GIC   1
#define PHANDLE_CLOCK 2
#define PHANDLE_ITS   3

/* One interrupt specifier of the arm,gic binding: an SPI (its number from 0), level high. */
static void spi_cells(uint32_t cells[3], uint32_t intid)
{
    cells[0] = 0;
    cells[1] = intid - 32;
    cells[2] = 4;
}

void vm_dtb_spi(struct fdt_writer *w, uint32_t intid)
{
    uint32_t irq[3];
    spi_cells(irq, intid);
    fdtw_prop_cells(w, "interrupts", irq, 3);
}

static void cpus_node(struct fdt_writer *w, const struct vm *vm)
{
    char name[24];
    fdtw_begin_node(w, "cpus");
    fdtw_prop_u32(w, "#address-cells", 1);
    fdtw_prop_u32(w, "#size-cells", 0);
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++) {
        uint32_t mpidr = (uint32_t)(vm->vcpu[i].vmpidr & MPIDR_AFF_LOW_MASK);
        ev_snprintf(name, sizeof(name), "cpu@%x", mpidr);
        fdtw_begin_node(w, name);
        fdtw_prop_string(w, "device_type", "cpu");
        fdtw_prop_string(w, "compatible", "arm,armv8");
        fdtw_prop_u32(w, "reg", mpidr);
        fdtw_prop_string(w, "enable-method", "psci");
        fdtw_end_node(w);
    }
    fdtw_end_node(w);
}

/* A passthrough device as the host DTB describes it: its compatible list (and clock names)
 * copied, its regions and the VM's SPIs written, its clocks pointed at the VM's fixed clock
 * (the clock itself is not the VM's to control). */
static void passthru_node(struct fdt_writer *w, const struct vm_config *c, const struct vm_passthru_dev *d)
{
    fdtw_begin_node(w, d->name);
    if (d->nr_regions) {
        uint64_t pa = c->passthru[d->first_region].pa;
        int len;
        const void *compat = platform_device_prop(pa, "compatible", &len);
        if (compat && len > 0)
            fdtw_prop(w, "compatible", compat, len);
        const void *clocks = platform_device_prop(pa, "clocks", &len);
        if (clocks && len > 0 && len <= 16) {
            uint32_t cells[4] = { PHANDLE_CLOCK, PHANDLE_CLOCK, PHANDLE_CLOCK, PHANDLE_CLOCK };
            fdtw_prop_cells(w, "clocks", cells, len / 4);
            const void *names = platform_device_prop(pa, "clock-names", &len);
            if (names && len > 0)
                fdtw_prop(w, "clock-names", names, len);
        }
        uint32_t reg[4 * VM_MAX_PASSTHRU];
        for (unsigned i = 0; i < d->nr_regions; i++) {
            const struct vm_region *r = &c->passthru[d->first_region + i];
            reg[4 * i] = (uint32_t)(r->ipa >> 32);
            reg[4 * i + 1] = (uint32_t)r->ipa;
            reg[4 * i + 2] = (uint32_t)(r->size >> 32);
            reg[4 * i + 3] = (uint32_t)r->size;
        }
        fdtw_prop_cells(w, "reg", reg, 4 * (int)d->nr_regions);
    }
    if (d->nr_irqs) {
        uint32_t irq[3 * VM_MAX_IRQS];
        for (unsigned i = 0; i < d->nr_irqs; i++)
            spi_cells(&irq[3 * i], c->passthru_irq[d->first_irq + i]);
        fdtw_prop_cells(w, "interrupts", irq, 3 * (int)d->nr_irqs);
    }
    fdtw_end_node(w);
}

int vm_dtb_build(struct vm *vm, void *buf, size_t cap, uint64_t initrd_ipa, uint64_t initrd_size)
{
    struct fdt_writer w;
    char name[48], stdout_path[48] = "";
    fdtw_init(&w, buf, cap);
    fdtw_begin_node(&w, "");
    fdtw_prop_u32(&w, "#address-cells", 2);
    fdtw_prop_u32(&w, "#size-cells", 2);
    fdtw_prop_string(&w, "compatible", "elvisor,virt");
    fdtw_prop_string(&w, "model", "elvisor virtual machine");
    fdtw_prop_u32(&w, "interrupt-parent", PHANDLE_GIC);

    ev_snprintf(name, sizeof(name), "memory@%lx", (unsigned long)vm->cfg.ram_ipa);
    fdtw_begin_node(&w, name);
    fdtw_prop_string(&w, "device_type", "memory");
    fdtw_prop_reg(&w, vm->cfg.ram_ipa, vm->cfg.ram_size);
    fdtw_end_node(&w);

    cpus_node(&w, vm);

    static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2" };
    fdtw_begin_node(&w, "psci");
    fdtw_prop_strings(&w, "compatible", psci_compat, 2);
    /* At virtual EL2 an HVC is the guest hypervisor's own exception (docs/nested.md): PSCI is
     * called with SMC, as on a machine with EL3 firmware. */
    fdtw_prop_string(&w, "method", vm->cfg.virtual_el2 ? "smc" : "hvc");
    fdtw_end_node(&w);

    struct vdev_dt dt = { .w = &w,
                          .intc_phandle = PHANDLE_GIC,
                          .clock_phandle = PHANDLE_CLOCK,
                          .msi_phandle = PHANDLE_ITS,
                          .stdout_path = stdout_path,
                          .stdout_cap = sizeof(stdout_path) };
    vcpu_hw_dt(vm, &dt); /* the interrupt controller (phandle PHANDLE_GIC) and the timers */

    fdtw_begin_node(&w, "apb-pclk");
    fdtw_prop_string(&w, "compatible", "fixed-clock");
    fdtw_prop_u32(&w, "#clock-cells", 0);
    fdtw_prop_u32(&w, "clock-frequency", 24000000);
    fdtw_prop_string(&w, "clock-output-names", "clk24mhz");
    fdtw_prop_u32(&w, "phandle", PHANDLE_CLOCK);
    fdtw_end_node(&w);

    vm_devices_dt(vm, &dt);

    for (unsigned i = 0; i < vm->cfg.nr_pt_devs; i++)
        passthru_node(&w, &vm->cfg, &vm->cfg.pt_dev[i]);

    fdtw_begin_node(&w, "chosen");
    if (vm->cfg.bootargs[0])
        fdtw_prop_string(&w, "bootargs", vm->cfg.bootargs);
    if (stdout_path[0])
        fdtw_prop_string(&w, "stdout-path", stdout_path);
    if (initrd_size) {
        fdtw_prop_u64(&w, "linux,initrd-start", initrd_ipa);
        fdtw_prop_u64(&w, "linux,initrd-end", initrd_ipa + initrd_size);
    }
    fdtw_end_node(&w);
    fdtw_end_node(&w);
    size_t total;
    if (fdtw_finish(&w, &total) < 0)
        return -1;
    return (int)total;
}
