/* A VM's devices through their kinds (core/vdev.h): the only place the core calls into device
 * models. Each runs over the VM's devices in configuration order. */
#ifndef CORE_VM_DEVICES_H
#define CORE_VM_DEVICES_H

#include <stdbool.h>

struct vm;
struct vdev_dt;
struct vdev_console;

/* At VM creation, before the first attach: every device's state starts zeroed. */
void vm_devices_create(struct vm *vm);
/* At VM creation and each reset: attaches every device; -1 if one refused the VM. */
int vm_devices_attach(struct vm *vm);
/* Before the VM's RAM is cleared for a reset: no device touches it from now on. */
void vm_devices_quiesce(struct vm *vm);
/* The VM was refused after its devices attached: each gives back what it took. */
void vm_devices_release(struct vm *vm);
/* Writes each device's node into the VM's device tree. */
void vm_devices_dt(struct vm *vm, struct vdev_dt *dt);

/* Console input (core/console_input.c): whether the VM has a device that takes input at all,
 * and the one that takes it now (the first ready one of the highest rank), or NULL. */
bool vm_devices_take_input(const struct vm *vm);
const struct vdev_console *vm_devices_console(struct vm *vm, void **state);
/* Each kind's status lines (list_status) once, for the kinds some VM has. */
void vm_devices_list_status(void);

#endif
