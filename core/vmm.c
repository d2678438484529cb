/* Building VMs from the packed configuration: memory, stage 2, images, device tree, vCPUs. */
#include "core/vmm.h"
#include "core/vm.h"
#include "core/vm_dtb.h"
#include "core/vm_load.h"
#include "core/vm_layout.h"
#include "core/console.h"
#include "core/image.h"
#include "core/page_alloc.h"
#include "core/pci_assign.h"
#include "core/platform.h"
#include "core/stage2.h"
#include "core/vcpu.h"
#include "core/exit.h"
#include "core/sched.h"
#include "arch/aarch64/mte.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/mpidr.h"
#include "core/vm_devices.h"
#include "core/vm_firmware.h"
#include "core/vcpu_hw.h"
#include "core/irq.h"
#include "lib/string.h"
#include "lib/printf.h"

struct vm vms[CONFIG_MAX_VMS];
unsigned nr_vms;
static struct vm_config parsed[CONFIG_MAX_VMS];

static void report_refused(const char *vm, const char *why)
{
    if (vm)
        printk("elvisor: VM '%s' refused: %s\n", vm, why);
    else
        printk("elvisor: configuration refused: %s\n", why);
}

static int packed_file_size(const char *path, uint64_t *size)
{
    struct pack_file f;
    if (pack_find(path, &f) < 0)
        return -1;
    *size = f.size;
    return 0;
}

/* Linux arm64 Image header: text_offset at 8, magic at 56 (booting.rst). Other images load
 * at offset 0. */
static uint64_t image_text_offset(const struct pack_file *k)
{
    const uint8_t *h = k->data;
    if (k->size < 64 || memcmp(h + 56, "ARM\x64", 4) != 0)
        return 0;
    uint64_t off;
    memcpy(&off, h + 8, 8);
    return off < 0x200000 ? off : 0;
}

static uint64_t packed_load_offset(const char *path)
{
    struct pack_file f;
    return pack_find(path, &f) < 0 ? 0 : image_text_offset(&f);
}

/* A passthrough window must not expose RAM or a device the hypervisor owns. */
static const char *passthru_conflict(const struct vm_region *r)
{
    const struct mem_range *own[] = { &platform.uart, &platform.gicd, &platform.gicc,
                                      &platform.gich, &platform.gicv, &platform.its };
    for (unsigned i = 0; i < platform.mem_count; i++)
        if (r->pa < platform.mem[i].base + platform.mem[i].size && platform.mem[i].base < r->pa + r->size)
            return "RAM";
    for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (own[i]->size && r->pa < own[i]->base + own[i]->size && own[i]->base < r->pa + r->size)
            return "a device the hypervisor owns";
    for (unsigned i = 0; i < platform.gicr_count; i++)
        if (r->pa < platform.gicr[i].base + platform.gicr[i].size && platform.gicr[i].base < r->pa + r->size)
            return "a device the hypervisor owns";
    for (unsigned v = 0; v < nr_vms; v++)
        for (unsigned j = 0; j < vms[v].cfg.nr_passthru; j++) {
            const struct vm_region *o = &vms[v].cfg.passthru[j];
            if (r->pa < o->pa + o->size && o->pa < r->pa + r->size)
                return "a device already given to another VM";
        }
    return 0;
}

/* Checked before anything is copied (the configuration check uses the same layout: this is
 * the second line of defence), so that no image is ever written past the VM's RAM. */
static int load_images(struct vm *vm)
{
    if (vm->cfg.firmware[0])
        return vm_firmware_boot(vm);
    struct pack_file k, initrd = { 0, 0 };
    pack_find(vm->cfg.kernel, &k); /* presence checked by config_parse */
    if (vm->cfg.initrd[0])
        pack_find(vm->cfg.initrd, &initrd);
    uint64_t koff = image_text_offset(&k);
    struct vm_image_layout l;
    if (!vm_image_layout(koff, k.size, initrd.size, vm->cfg.ram_size, &l)) {
        printk("elvisor: VM '%s' refused: memory: too small for its images and device tree\n", vm->cfg.name);
        return -1;
    }
    char *ram = (char *)(uintptr_t)vm->ram_pa;
    vm_load_copy(vm, l.kernel, k.data, k.size);
    uint64_t initrd_ipa = 0;
    if (initrd.size) {
        initrd_ipa = vm->cfg.ram_ipa + l.initrd;
        vm_load_copy(vm, l.initrd, initrd.data, initrd.size);
    }
    vm->dtb_ipa = vm->cfg.ram_ipa + l.dtb;
    int dtb_size = vm_dtb_build(vm, ram + l.dtb, VM_DTB_MAX, initrd_ipa, initrd.size);
    if (dtb_size < 0) {
        printk("elvisor: VM '%s' refused: its device tree does not fit in %lu bytes\n", vm->cfg.name,
               (unsigned long)VM_DTB_MAX);
        return -1;
    }
    vm_load_clean(vm, l.dtb, (uint64_t)dtb_size);
    vm->vcpu[0].regs.pc = vm->cfg.ram_ipa + koff;
    vm->vcpu[0].regs.x[0] = vm->dtb_ipa;
    return 0;
}

static void vcpu_init(struct vm *vm, unsigned i)
{
    struct vcpu *v = &vm->vcpu[i];
    memset(v, 0, sizeof(*v));
    v->vm = vm;
    v->id = i;
    v->pcpu = vm->cfg.affinity[i];
    /* Aff0 = vCPU index (GIC-compatible: at most 16 per cluster). */
    v->vmpidr = MPIDR_RES1 | REG_FIELD(i, MPIDR_AFF0_SHIFT);
    v->el1.sctlr = SCTLR_EL1_RESET;
    v->regs.pstate = PSR_DAIF_MASK | PSR_M_EL1h; /* EL1h, DAIF masked (booting.rst) */
    __atomic_store_n(&v->fp_reset, true, __ATOMIC_RELEASE);
    v->state = i == 0 ? VCPU_RUNNABLE : VCPU_OFF;
    exit_set_mode(v, EXIT_MODE_MAIN);
}

/* Everything a VM starts from, at creation and again at each reset: vCPUs, device models,
 * images and device tree in (zeroed) RAM, and a virtual counter that starts near zero
 * (CNTVCT = CNTPCT - CNTVOFF). */
int vmm_boot_state(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        vcpu_init(vm, i);
    vm->nr_mmio = 0;
    if (vcpu_hw_attach(vm) < 0 || vm_devices_attach(vm) < 0 || load_images(vm) < 0)
        return -1;
    vm_load_publish(vm);
    vm->cntvoff = sysreg_read(cntpct_el0);
    return 0;
}

static int vm_create(struct vm *vm, const struct vm_config *cfg, unsigned vmid)
{
    memcpy(&vm->cfg, cfg, sizeof(*cfg));
    vm->id = vmid;
    for (unsigned i = 0; i < cfg->nr_passthru; i++) {
        const char *what = passthru_conflict(&cfg->passthru[i]);
        if (what) {
            printk("elvisor: VM '%s' refused: passthrough: 0x%lx+0x%lx overlaps %s\n", cfg->name,
                   (unsigned long)cfg->passthru[i].pa, (unsigned long)cfg->passthru[i].size, what);
            return -1;
        }
    }
    void *ram = page_alloc(cfg->ram_size >> 12, 0x200000);
    if (!ram) {
        printk("elvisor: VM '%s' refused: memory: %lu MiB requested, %lu MiB free\n", cfg->name,
               (unsigned long)(cfg->ram_size >> 20), (unsigned long)(page_free_count() >> 8));
        return -1;
    }
    vm->ram_pa = (uint64_t)(uintptr_t)ram;
    if (mte_tag_memory())
        vm_load_zero(vm, 0, cfg->ram_size); /* its tags as well (MTE, arch/aarch64/mte.h) */
    else
        vm_load_clean(vm, 0, cfg->ram_size); /* page_alloc zeroed it through the cache */
    if (cfg->firmware[0] && vm_firmware_flash(vm) < 0) {
        page_free(ram, cfg->ram_size >> 12);
        return -1;
    }
    vm_devices_create(vm);
    if (stage2_create(vm) < 0 || pci_assign_vm(vm) < 0 || vmm_boot_state(vm) < 0) {
        pci_assign_release(vm);
        vm_devices_release(vm);
        vcpu_hw_release(vm);
        stage2_destroy(vm);
        vm_firmware_release(vm);
        page_free(ram, cfg->ram_size >> 12);
        return -1;
    }
    if (cfg->autostart) {
        vm->started = sysreg_read(cntpct_el0);
        vm->state = VM_RUNNING;
    } else {
        /* autostart = <0>: built, but holds no CPU until the control VM starts it. */
        for (unsigned i = 0; i < cfg->nr_vcpus; i++)
            vm->vcpu[i].state = VCPU_STOPPED;
        vm->state = VM_STOPPED;
    }
    return 0;
}

void vmm_request_reset(struct vcpu *v)
{
    struct vm *vm = v->vm;
    spin_lock(&vm->lock);
    if (vm->state == VM_RUNNING) {
        vm->state = VM_RESETTING;
        vm->reset_by = v;
        vm_attention(vm);
    }
    spin_unlock(&vm->lock);
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        if (&vm->vcpu[i] != v)
            vcpu_kick(&vm->vcpu[i]);
}

void vmm_start(void)
{
    uint64_t size;
    const void *blob = pack_config(&size);
    if (!blob) {
        printk("elvisor: no VM configuration packed with this image: nothing to run\n");
        return;
    }
    struct vm_region reserved[2] = {
        { VGIC_DIST_IPA, 0, VGIC_DIST_SIZE },
        { !platform_gic_v2() ? VGIC_REDIST_IPA : VGIC_CPU_IPA, 0,
          !platform_gic_v2() ? VGIC_REDIST_STRIDE * VM_MAX_VCPUS : VGIC_CPU_SIZE },
    };
    struct config_limits lim = {
        .nr_cpus = platform.cpu_count,
        .ipa_bits = stage2_ipa_bits(),
        .file_size = packed_file_size,
        .load_offset = packed_load_offset,
        .reserved = reserved,
        .nr_reserved = 2,
    };
    int n = config_parse(blob, size, &lim, parsed, report_refused);
    sched_slice_us = config_time_slice_us(blob, size, report_refused);
    for (int i = 0; i < n; i++) {
        struct vm *vm = &vms[nr_vms];
        if (vm_create(vm, &parsed[i], nr_vms + 1) < 0) {
            memset(vm, 0, sizeof(*vm));
            continue;
        }
        char cpus[VM_MAX_VCPUS * 4] = "";
        unsigned len = 0;
        for (unsigned c = 0; c < vm->cfg.nr_vcpus; c++)
            len += (unsigned)ev_snprintf(cpus + len, sizeof(cpus) - len, "%s%u", c ? "," : "", vm->cfg.affinity[c]);
        printk("elvisor: VM '%s': %u vCPU(s) on CPU %s, %lu MiB at IPA 0x%lx, %s %s\n", vm->cfg.name, vm->cfg.nr_vcpus,
               cpus, (unsigned long)(vm->cfg.ram_size >> 20), (unsigned long)vm->cfg.ram_ipa,
               vm->cfg.firmware[0] ? "firmware" : "kernel", vm->cfg.firmware[0] ? vm->cfg.firmware : vm->cfg.kernel);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        nr_vms++;
    }
    /* Publish the VMs to the other CPUs' scheduler loops. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    sev();
    irq_kick_all();
}
