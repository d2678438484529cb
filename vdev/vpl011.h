/* An emulated PL011 UART per VM: its output goes to the hypervisor console, one line at a
 * time, prefixed with the VM's name; input comes from the console when the VM has focus. */
#ifndef VDEV_VPL011_H
#define VDEV_VPL011_H

#include "core/vm.h"

int vpl011_attach(struct vm *vm, const struct vm_device *d, unsigned index);
/* Queues a character typed on the hypervisor console for the VM's UART. */
void vpl011_input(struct vm *vm, char c);
/* Characters the VM's receive buffer can still take (0 for a VM without a UART). */
unsigned vpl011_rx_room(struct vm *vm);

#endif
