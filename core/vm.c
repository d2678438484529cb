#include <stdarg.h>
#include "core/vm.h"
#include "core/console.h"
#include "lib/printf.h"

int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev)
{
    if (vm->nr_mmio == VM_MAX_MMIO)
        return -1;
    vm->mmio[vm->nr_mmio++] = (struct mmio_region){ base, size, ops, dev };
    return 0;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    spin_lock(&vm->lock);
    bool was_running = vm->state == VM_RUNNING;
    vm->state = VM_STOPPED;
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        vm->vcpu[i].state = VCPU_STOPPED;
    spin_unlock(&vm->lock);
    if (was_running)
        printk("elvisor: VM '%s' stopped: %s\n", vm->cfg.name, why);
}

void *vm_ram_ptr(struct vm *vm, uint64_t ipa, uint64_t len)
{
    uint64_t off = ipa - vm->cfg.ram_ipa;
    if (ipa < vm->cfg.ram_ipa || off >= vm->cfg.ram_size || len > vm->cfg.ram_size - off)
        return 0;
    return (void *)(uintptr_t)(vm->ram_pa + off);
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        if ((vm->vcpu[i].vmpidr & 0xff00ffffffUL) == (mpidr & 0xff00ffffffUL))
            return &vm->vcpu[i];
    return 0;
}
