/* An emulated PL011 UART per VM: its output goes to the hypervisor console, one line at a
 * time, prefixed with the VM's name; input comes from the console when the VM has focus. */
#ifndef VDEV_VPL011_H
#define VDEV_VPL011_H

#include "core/vm.h"

int vpl011_attach(struct vm *vm, const struct vm_device *d);
/* Queues a character typed on the hypervisor console for the VM's UART. */
void vpl011_input(struct vm *vm, char c);

#endif
