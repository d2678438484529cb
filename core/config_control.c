/* The control VM's binding (docs/control.md): part of CONFIG_CONTROL (docs/build.md); pure
 * logic, like core/config.c. */
#include "core/config_parse.h"
#include "core/vdev.h"
#include "lib/fdt_read.h"

/* control: an empty property, one VM only, with one elvisor,virtio-control device; that
 * device in any other VM is refused (docs/control.md). */
bool config_control(struct config_parse *p, int node, struct vm_config *vm)
{
    int len;
    unsigned channels = 0;
    for (unsigned i = 0; i < vm->nr_devs; i++)
        channels += vm->dev[i].kind->control;
    if (!fdt_getprop(p->f, node, "control", &len)) {
        if (channels)
            REFUSE(p, "elvisor,virtio-control: only the VM marked \"control;\" may have the control channel");
        return true;
    }
    if (len != 0)
        REFUSE(p, "control: takes no value (write \"control;\")");
    if (channels != 1)
        REFUSE(p, "control: needs exactly one elvisor,virtio-control device");
    if (!vm->autostart)
        REFUSE(p, "control: the control VM cannot have autostart = <0> (nothing could start it)");
    for (int i = 0; i < p->nr_accepted; i++)
        if (p->accepted[i].control)
            REFUSE(p, "control: VM '%s' is already the control VM", p->accepted[i].name);
    vm->control = true;
    return true;
}
