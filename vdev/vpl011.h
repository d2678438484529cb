/* An emulated PL011 UART per VM: its output goes to the hypervisor console, one line at a
 * time, prefixed with the VM's name; input comes from the console when the VM has focus. */
#ifndef VDEV_VPL011_H
#define VDEV_VPL011_H

#include "core/vdev.h"

extern const struct vdev_ops vpl011_ops;

#endif
