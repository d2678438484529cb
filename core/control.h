/* The control channel's hypervisor end (docs/control.md): what the control VM's device model
 * (vdev/virtio_control.c) hands over, request bytes in and reply bytes out. One control VM
 * (the configuration allows one), so one channel. The caller serialises the calls (its device
 * lock). */
#ifndef CORE_CONTROL_H
#define CORE_CONTROL_H

#include <stddef.h>

struct vm;

/* Bytes the control VM wrote; each whole line is a request, answered at once. */
void control_input(struct vm *self, const char *p, size_t n);
/* The reply bytes not yet delivered (*len of them), and the count the device delivered. */
const char *control_pending(size_t *len);
void control_consumed(size_t n);
/* The device was reset: a partial request and an undelivered reply are dropped. */
void control_reset(void);

#endif
