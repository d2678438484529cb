/* virtio-net: being written (issue 6). Until then a VM that names one is refused. */
#include "vdev/virtio_devices.h"
#include "core/console.h"

int virtio_net_attach(struct vm *vm, const struct vm_device *d, unsigned index)
{
    printk("elvisor: VM '%s' refused: virtio-net is not implemented yet\n", vm->cfg.name);
    return -1;
}
