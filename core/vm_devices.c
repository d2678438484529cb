#include "core/vm_devices.h"
#include "core/vdev.h"
#include "core/vm.h"
#include "lib/string.h"

void vm_devices_create(struct vm *vm) { memset(vm->dev_state, 0, sizeof(vm->dev_state)); }

int vm_devices_attach(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        if (vm->cfg.dev[i].kind->ops->attach(vm, &vm->cfg.dev[i], i, vm->dev_state[i]) < 0)
            return -1;
    return 0;
}

void vm_devices_quiesce(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        if (vm->cfg.dev[i].kind->ops->quiesce)
            vm->cfg.dev[i].kind->ops->quiesce(vm->dev_state[i]);
}

void vm_devices_release(struct vm *vm)
{
    vm_devices_quiesce(vm);
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        if (vm->cfg.dev[i].kind->ops->release)
            vm->cfg.dev[i].kind->ops->release(vm->dev_state[i]);
}

void vm_devices_dt(struct vm *vm, struct vdev_dt *dt)
{
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        if (vm->cfg.dev[i].kind->ops->dt_node)
            vm->cfg.dev[i].kind->ops->dt_node(&vm->cfg.dev[i], vm->dev_state[i], dt);
}

bool vm_devices_take_input(const struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++)
        if (vm->cfg.dev[i].kind->ops->console)
            return true;
    return false;
}

const struct vdev_console *vm_devices_console(struct vm *vm, void **state)
{
    const struct vdev_console *best = 0;
    for (unsigned i = 0; i < vm->cfg.nr_devs; i++) {
        const struct vdev_console *c = vm->cfg.dev[i].kind->ops->console;
        if (c && (!best || c->rank > best->rank) && c->ready(vm->dev_state[i])) {
            best = c;
            *state = vm->dev_state[i];
        }
    }
    return best;
}

void vm_devices_list_status(void)
{
    for (unsigned k = 0; k < vdev_nr_kinds; k++) {
        if (!vdev_kinds[k].ops->list_status)
            continue;
        bool used = false;
        for (unsigned v = 0; v < nr_vms && !used; v++)
            for (unsigned i = 0; i < vms[v].cfg.nr_devs; i++)
                used |= vms[v].cfg.dev[i].kind == &vdev_kinds[k];
        if (used)
            vdev_kinds[k].ops->list_status();
    }
}
