/* The VM through the KVM API (Documentation/virt/kvm/api.rst): RAM, the vCPUs, the in-kernel
 * GICv3 (devices/arm-vgic-v3.rst) that also gives the guest its architected timer. */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "minivmm.h"

/* The ID of a core register for KVM_SET_ONE_REG: its offset in struct kvm_regs in 32-bit units. */
#define CORE_REG(field) \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))

static int kvm_open(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die_errno("cannot open /dev/kvm (does this kernel run at EL2 with KVM?)");
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        die("/dev/kvm speaks API version %d, minivmm needs %d", version, KVM_API_VERSION);
    return fd;
}

static void vm_add_ram(struct vm *vm, uint64_t ram_size)
{
    void *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die_errno("cannot allocate %llu MiB of guest RAM", (unsigned long long)(ram_size >> 20));
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = RAM_BASE,
        .memory_size = ram_size,
        .userspace_addr = (uintptr_t)ram,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die_errno("KVM_SET_USER_MEMORY_REGION (%llu MiB at 0x%llx)", (unsigned long long)(ram_size >> 20),
                  (unsigned long long)RAM_BASE);
    vm->ram = ram;
    vm->ram_size = ram_size;
}

/* vCPU index as the host's preferred CPU type, with PSCI 0.2+ (KVM answers PSCI by HVC, CPU_ON
 * included). All but vCPU 0 start powered off (KVM_ARM_VCPU_POWER_OFF): they run once the guest
 * starts them, as on a machine whose firmware holds the secondaries (PSCI DEN0022 5.6). */
static void vcpu_create(struct vm *vm, unsigned index)
{
    struct vcpu *vcpu = &vm->vcpus[index];
    vcpu->vm = vm;
    vcpu->index = index;
    vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
    if (vcpu->fd < 0)
        die_errno("KVM_CREATE_VCPU %u", index);
    vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
    if (vcpu->run == MAP_FAILED)
        die_errno("cannot map vCPU %u's kvm_run", index);

    struct kvm_vcpu_init init;
    memset(&init, 0, sizeof(init));
    if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
        die_errno("KVM_ARM_PREFERRED_TARGET");
    init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
    if (index)
        init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
    if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0)
        die_errno("KVM_ARM_VCPU_INIT of vCPU %u (target %u, PSCI 0.2)", index, init.target);
}

void vm_create(struct vm *vm, uint64_t ram_size, unsigned nr_vcpus)
{
    memset(vm, 0, sizeof(*vm));
    if (nr_vcpus < 1 || nr_vcpus > MAX_VCPUS)
        die("%u vCPUs: minivmm runs 1 to %d", nr_vcpus, MAX_VCPUS);
    vm->kvm_fd = kvm_open();
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0)
        die_errno("KVM_CREATE_VM");
    /* An MMIO access KVM cannot decode (no ESR_EL2.ISV: pairs, writeback) comes to user space
     * as KVM_EXIT_ARM_NISV, which names the address, instead of failing KVM_RUN with ENOSYS. */
    struct kvm_enable_cap nisv = { .cap = KVM_CAP_ARM_NISV_TO_USER };
    if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER) > 0)
        ioctl(vm->vm_fd, KVM_ENABLE_CAP, &nisv);
    int max = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max > 0 && nr_vcpus > (unsigned)max)
        die("%u vCPUs: this KVM allows %d per VM", nr_vcpus, max);
    int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run))
        die_errno("KVM_GET_VCPU_MMAP_SIZE");
    vm->run_size = (size_t)size;
    vm_add_ram(vm, ram_size);
    vm->nr_vcpus = nr_vcpus;
    for (unsigned i = 0; i < nr_vcpus; i++)
        vcpu_create(vm, i);
}

static void gic_set_attr(struct vm *vm, uint32_t group, uint64_t attr, void *value, const char *what)
{
    struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)value };
    if (ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &a) < 0)
        die_errno("vGICv3: cannot set %s", what);
}

/* After the vCPUs exist: KVM gives each vCPU created before the init one redistributor,
 * GIC_REDIST_SIZE apart from GIC_REDIST_BASE in vCPU order. */
void vm_create_gic(struct vm *vm)
{
    struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
    if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
        die_errno("KVM_CREATE_DEVICE vGICv3 (a GICv3 host with a virtual CPU interface is needed)");
    vm->gic_fd = (int)dev.fd;
    uint64_t dist = GIC_DIST_BASE, redist = GIC_REDIST_BASE;
    uint32_t nr_irqs = 64; /* SGIs, PPIs and 32 SPIs: the UART's is SPI 1 */
    gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist, "the distributor address");
    gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist, "the redistributor address");
    gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs, "the number of interrupts");
    gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "init");
}

void vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t value)
{
    struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&value };
    if (ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) < 0)
        die_errno("KVM_SET_ONE_REG 0x%llx on vCPU %u", (unsigned long long)id, vcpu->index);
}

/* The arm64 boot protocol (Documentation/arch/arm64/booting.rst): x0 = the device tree,
 * x1-x3 = 0, MMU off; KVM_ARM_VCPU_INIT already left the vCPU at EL1h with DAIF masked. */
void vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0)
{
    vcpu_set_reg(vcpu, CORE_REG(regs.regs[0]), x0);
    for (int i = 1; i <= 3; i++)
        vcpu_set_reg(vcpu, CORE_REG(regs.regs[i]), 0);
    vcpu_set_reg(vcpu, CORE_REG(regs.pc), pc);
}

void vm_set_spi(struct vm *vm, unsigned spi, int level)
{
    struct kvm_irq_level irq = {
        .irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (32 + spi),
        .level = level,
    };
    if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
        die_errno("KVM_IRQ_LINE SPI %u", spi);
}
