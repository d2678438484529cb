/* "elvisor,debug-regs": a small diagnostic MMIO device. Eight 64-bit read/write scratch
 * registers that accept any access size and alignment inside the register, plus read-only
 * identification. Guests use it to test their MMIO paths and to time emulated accesses
 * (make bench); it touches nothing outside its own VM. Layout: docs/config.md. */
#ifndef VDEV_VDEBUG_H
#define VDEV_VDEBUG_H

#include "core/vdev.h"

extern const struct vdev_ops vdebug_ops;

#endif
