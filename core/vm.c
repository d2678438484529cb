#include <stdarg.h>
#include "core/vm.h"
#include "core/console.h"
#include "core/pci_assign.h"
#include "lib/printf.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/mpidr.h"

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
    vm_attention(vm);
    spin_unlock(&vm->lock);
    pci_assign_quiesce(vm); /* its devices stop writing into its memory */
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
        if ((vm->vcpu[i].vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
            return &vm->vcpu[i];
    return 0;
}

/* A guest that faults in a loop must not flood the console: each VM may log a burst of
 * VM_LOG_BURST lines, then one more per 100 ms; what is dropped is counted and reported. */
#define VM_LOG_BURST 20

void vm_log(struct vm *vm, const char *fmt, ...)
{
    uint64_t now = sysreg_read(cntpct_el0), tick = sysreg_read(cntfrq_el0) / 10;
    spin_lock(&vm->lock);
    if (!vm->log_last) { /* a VM's first line: it starts with a full burst */
        vm->log_credit = VM_LOG_BURST;
        vm->log_last = now;
    }
    if (vm->log_credit < VM_LOG_BURST && tick) {
        uint64_t earned = (now - vm->log_last) / tick;
        if (earned) {
            vm->log_credit = vm->log_credit + earned > VM_LOG_BURST ? VM_LOG_BURST : vm->log_credit + (unsigned)earned;
            vm->log_last = now;
        }
    }
    bool allowed = vm->log_credit > 0;
    unsigned dropped = 0;
    if (allowed) {
        vm->log_credit--;
        dropped = vm->log_dropped;
        vm->log_dropped = 0;
    } else {
        vm->log_dropped++;
    }
    spin_unlock(&vm->lock);
    if (!allowed)
        return;
    if (dropped)
        printk("elvisor: VM '%s': %u messages suppressed\n", vm->cfg.name, dropped);
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printk("elvisor: VM '%s' %s\n", vm->cfg.name, line);
}
