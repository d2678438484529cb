/* The bindings of the virtio back ends' own properties (docs/virtio.md, docs/config.md):
 * virtio-blk's disk (a packed image of whole 512-byte sectors) and read-only, virtio-net's mac
 * (unicast; default 02:00:00:00:<vm>:<device>), port-security and no-offloads. Linked with
 * CONFIG_VIRTIO_BLK or CONFIG_VIRTIO_NET. */
#include "core/config_parse.h"
#include "core/vdev.h"
#include "lib/fdt_read.h"
#include "lib/string.h"

#ifdef HOST_TEST
#include <string.h>
#endif

bool config_bind_blk(struct config_parse *p, int node, const char *name, struct vm_config *vm, struct vm_device *d)
{
    uint64_t size;
    int len;
    const char *disk = fdt_getprop(p->f, node, "disk", &len);
    if (!disk || len <= 1 || disk[len - 1] || (size_t)len > sizeof(d->disk))
        REFUSE(p, "devices/%s: disk: need the path of a disk image (at most %u bytes)", name,
               (unsigned)sizeof(d->disk) - 1);
    memcpy(d->disk, disk, (size_t)len);
    if (p->lim->file_size(d->disk, &size) < 0)
        REFUSE(p, "devices/%s: disk \"%s\" is not in the image pack", name, d->disk);
    if (size == 0 || size % 512 || size > VM_MAX_DISK)
        REFUSE(p, "devices/%s: disk \"%s\" is %lu bytes: it must be a multiple of 512 up to %lu MiB", name, d->disk,
               (unsigned long)size, (unsigned long)(VM_MAX_DISK >> 20));
    d->read_only = fdt_getprop(p->f, node, "read-only", 0) != 0;
    return true;
}

bool config_bind_net(struct config_parse *p, int node, const char *name, struct vm_config *vm, struct vm_device *d)
{
    int len;
    d->port_security = fdt_getprop(p->f, node, "port-security", 0) != 0;
    d->no_offloads = fdt_getprop(p->f, node, "no-offloads", 0) != 0;
    const uint8_t *mac = fdt_getprop(p->f, node, "mac", &len);
    if (mac) {
        if (len != 6 || (mac[0] & 1))
            REFUSE(p, "devices/%s: mac must be 6 bytes of a unicast address", name);
        memcpy(d->mac, mac, 6);
    } else {
        d->mac[0] = 0x02; /* locally administered, unicast */
        d->mac[5] = (uint8_t)vm->nr_devs;
        d->mac[4] = (uint8_t)p->vm_index;
    }
    return true;
}
