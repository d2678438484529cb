#include "core/vm_dtb.h"
#include "core/vm.h"
#include "core/vm_layout.h"
#include "core/platform.h"
#include "core/vdev.h"
#include "core/vm_devices.h"
#include "lib/fdt_write.h"
#include "lib/printf.h"
#include "arch/aarch64/regs/mpidr.h"

#define PHANDLE_GIC   1
#define PHANDLE_CLOCK 2

void vm_dtb_reg(struct fdt_writer *w, uint64_t base, uint64_t size)
{
    uint32_t cells[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32), (uint32_t)size };
    fdtw_prop_cells(w, "reg", cells, 4);
}

void vm_dtb_spi(struct fdt_writer *w, uint32_t intid)
{
    uint32_t irq[3] = { 0, intid - 32, 4 }; /* SPI, level high (arm,gic binding) */
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

static void gic_node(struct fdt_writer *w, const struct vm *vm)
{
    char name[32];
    ev_snprintf(name, sizeof(name), "intc@%lx", (unsigned long)VGIC_DIST_IPA);
    fdtw_begin_node(w, name);
    fdtw_prop_u32(w, "#interrupt-cells", 3);
    fdtw_prop_u32(w, "#address-cells", 2);
    fdtw_prop_u32(w, "#size-cells", 2);
    fdtw_prop_empty(w, "interrupt-controller");
    if (platform.gic_version == 3) {
        fdtw_prop_string(w, "compatible", "arm,gic-v3");
        uint32_t reg[8] = { 0, (uint32_t)VGIC_DIST_IPA,   0, (uint32_t)VGIC_DIST_SIZE,
                            0, (uint32_t)VGIC_REDIST_IPA, 0, (uint32_t)(VGIC_REDIST_STRIDE * vm->cfg.nr_vcpus) };
        fdtw_prop_cells(w, "reg", reg, 8);
    } else {
        fdtw_prop_string(w, "compatible", "arm,cortex-a15-gic");
        uint32_t reg[8] = { 0, (uint32_t)VGIC_DIST_IPA, 0, 0x1000, 0, (uint32_t)VGIC_CPU_IPA, 0, 0x2000 };
        fdtw_prop_cells(w, "reg", reg, 8);
    }
    fdtw_prop_u32(w, "phandle", PHANDLE_GIC);
    fdtw_end_node(w);
}

/* arm,armv8-timer interrupts: secure phys, non-secure phys, virtual, hyp (PPIs 13, 14, 11, 10),
 * level-high, routed to every CPU (GICv2 CPU mask in flags bits [15:8]). */
static void timer_node(struct fdt_writer *w, const struct vm *vm)
{
    uint32_t flags = 4;
    if (platform.gic_version == 2)
        flags |= ((1u << vm->cfg.nr_vcpus) - 1) << 8;
    const uint32_t ppis[4] = { 13, 14, 11, 10 };
    uint32_t cells[12];
    for (int i = 0; i < 4; i++) {
        cells[3 * i] = 1;
        cells[3 * i + 1] = ppis[i];
        cells[3 * i + 2] = flags;
    }
    fdtw_begin_node(w, "timer");
    fdtw_prop_string(w, "compatible", "arm,armv8-timer");
    fdtw_prop_cells(w, "interrupts", cells, 12);
    fdtw_prop_empty(w, "always-on");
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
        for (unsigned i = 0; i < d->nr_irqs; i++) {
            irq[3 * i] = 0; /* SPI */
            irq[3 * i + 1] = c->passthru_irq[d->first_irq + i] - 32;
            irq[3 * i + 2] = 4; /* level high */
        }
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
    vm_dtb_reg(&w, vm->cfg.ram_ipa, vm->cfg.ram_size);
    fdtw_end_node(&w);

    cpus_node(&w, vm);

    static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2" };
    fdtw_begin_node(&w, "psci");
    fdtw_prop_strings(&w, "compatible", psci_compat, 2);
    fdtw_prop_string(&w, "method", "hvc");
    fdtw_end_node(&w);

    gic_node(&w, vm);
    timer_node(&w, vm);

    fdtw_begin_node(&w, "apb-pclk");
    fdtw_prop_string(&w, "compatible", "fixed-clock");
    fdtw_prop_u32(&w, "#clock-cells", 0);
    fdtw_prop_u32(&w, "clock-frequency", 24000000);
    fdtw_prop_string(&w, "clock-output-names", "clk24mhz");
    fdtw_prop_u32(&w, "phandle", PHANDLE_CLOCK);
    fdtw_end_node(&w);

    struct vdev_dt dt = {
        .w = &w, .clock_phandle = PHANDLE_CLOCK, .stdout_path = stdout_path, .stdout_cap = sizeof(stdout_path)
    };
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
