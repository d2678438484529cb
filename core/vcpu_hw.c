/* Running through the virtual CPU hardware parts (core/vcpu_hw.h) on behalf of core; the
 * loops of the vCPU's load, put, exit and entry are in core/vcpu.c. */
#include "core/vcpu_hw.h"
#include "core/vm.h"
#include "core/page_alloc.h"
#include "core/console.h"

void vcpu_hw_init(void)
{
    for (unsigned i = 0; i < vcpu_hw_nr; i++)
        if (vcpu_hw_parts[i]->init)
            vcpu_hw_parts[i]->init();
}

void vcpu_hw_cpu_init(unsigned cpu)
{
    for (unsigned i = 0; i < vcpu_hw_nr; i++)
        if (vcpu_hw_parts[i]->cpu_init)
            vcpu_hw_parts[i]->cpu_init(cpu);
}

/* Every part's per-VM state, 16-byte aligned, in one block of whole pages. */
static uint64_t state_pages(void)
{
    size_t total = 0;
    for (unsigned i = 0; i < vcpu_hw_nr; i++)
        total += (vcpu_hw_parts[i]->vm_state_size + 15) & ~(size_t)15;
    return (total + PA_PAGE_SIZE - 1) / PA_PAGE_SIZE;
}

/* Per-VM state: allocated at the VM's first build (one block for all parts, zeroed), kept
 * across its resets; a refused VM gives it back (vcpu_hw_release). */
int vcpu_hw_attach(struct vm *vm)
{
    if (!vm->nr_hw) {
        /* The slots are set once, at the first build: at a reset another CPU may be following
         * them (an interrupt injected into the VM), so they are never rewritten. */
        uint64_t pages = state_pages();
        if (pages && !(vm->hw_state = page_alloc(pages, PA_PAGE_SIZE))) {
            printk("elvisor: VM '%s' refused: memory: none left for its virtual CPU hardware\n", vm->cfg.name);
            return -1;
        }
        uint8_t *next = vm->hw_state;
        for (unsigned i = 0; i < vcpu_hw_nr; i++) {
            const struct vcpu_hw_ops *ops = vcpu_hw_parts[i];
            vm->hw[i] = (struct vcpu_hw){ ops, ops->vm_state_size ? next : 0 };
            next += (ops->vm_state_size + 15) & ~(size_t)15;
        }
        vm->nr_hw = vcpu_hw_nr;
    }
    for (unsigned c = 0; c < VM_MAX_VCPUS; c++)
        vm->vcpu[c].hw_switched = (uint16_t)((1u << vcpu_hw_nr) - 1);
    for (unsigned i = 0; i < vcpu_hw_nr; i++)
        if (vcpu_hw_parts[i]->attach && vcpu_hw_parts[i]->attach(vm) < 0)
            return -1;
    return 0;
}

void vcpu_hw_release(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_hw; i++)
        if (vm->hw[i].ops->release)
            vm->hw[i].ops->release(vm);
    if (vm->hw_state)
        page_free(vm->hw_state, state_pages());
    vm->hw_state = 0;
    vm->nr_hw = 0;
}

void vcpu_hw_dt(const struct vm *vm, struct vdev_dt *dt)
{
    for (unsigned i = 0; i < vm->nr_hw; i++)
        if (vm->hw[i].ops->dt_node)
            vm->hw[i].ops->dt_node(vm, dt);
}

bool vcpu_has_work(struct vcpu *v)
{
    const struct vm *vm = v->vm;
    for (unsigned i = 0; i < vm->nr_hw; i++)
        if (vm->hw[i].ops->has_work && vm->hw[i].ops->has_work(v))
            return true;
    return false;
}

void vcpu_hw_start(struct vcpu *v)
{
    const struct vm *vm = v->vm;
    for (unsigned i = 0; i < vm->nr_hw; i++)
        if (vm->hw[i].ops->vcpu_start)
            vm->hw[i].ops->vcpu_start(v);
}
