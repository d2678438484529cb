/* The binding of elvisor,ivshmem-pci, memory shared between VMs (docs/shmem.md, docs/config.md):
 * shmem = "NAME" (a region under /shared-memory that names this VM among its peers),
 * bar-window and read-only. Linked with CONFIG_SHMEM. */
#include "core/config_parse.h"
#include "core/vdev.h"
#include "lib/fdt_read.h"
#include "lib/string.h"

#ifdef HOST_TEST
#include <string.h>
#endif

/* The subnode of parent called name, or -1. */
static int subnode_named(const struct fdt *f, int parent, const char *name)
{
    for (int n = fdt_first_subnode(f, parent); n >= 0; n = fdt_next_subnode(f, n))
        if (strcmp(fdt_node_name(f, n), name) == 0)
            return n;
    return -1;
}

/* shmem = "NAME": the region /shared-memory/NAME (size = <hi lo>, peers = "vm", ...) must name
 * this VM among its peers, and every peer must be a VM of the configuration (docs/shmem.md). The
 * guest places two 32-bit BARs in the bar-window: the registers (4 KiB) and the region. */
bool config_bind_shmem(struct config_parse *p, int node, const char *name, struct vm_config *vm, struct vm_device *d)
{
    d->read_only = fdt_getprop(p->f, node, "read-only", 0) != 0;
    if (!config_bar_window(p, node, name, d) || !config_copy_string(p, node, "shmem", d->shmem, sizeof(d->shmem), true))
        return false;
    int top = fdt_path_offset(p->f, "/shared-memory");
    int r = top < 0 ? -1 : subnode_named(p->f, top, d->shmem);
    if (r < 0)
        REFUSE(p, "devices/%s: shmem: no region /shared-memory/%s", name, d->shmem);
    int len;
    if (!fdt_getprop(p->f, r, "size", &len) || len != 8)
        REFUSE(p, "shared-memory/%s: size: need <size-hi size-lo>", d->shmem);
    const uint8_t *sz = fdt_getprop(p->f, r, "size", &len);
    d->shmem_size = (uint64_t)fdt_cell(sz, 0) << 32 | fdt_cell(sz, 1);
    if (d->shmem_size < 0x1000 || d->shmem_size > SHMEM_MAX_SIZE || (d->shmem_size & (d->shmem_size - 1)))
        REFUSE(p, "shared-memory/%s: size 0x%lx: need a power of two from 4 KiB to %lu MiB", d->shmem,
               (unsigned long)d->shmem_size, (unsigned long)(SHMEM_MAX_SIZE >> 20));
    const char *peers = fdt_getprop(p->f, r, "peers", &len);
    if (!peers || len <= 0 || peers[len - 1])
        REFUSE(p, "shared-memory/%s: peers: need a list of VM names", d->shmem);
    int vms = fdt_path_offset(p->f, "/vms");
    unsigned n = 0;
    bool me = false;
    for (const char *s = peers, *end = peers + len; s < end; s += strlen(s) + 1, n++) {
        if (n == SHMEM_MAX_PEERS)
            REFUSE(p, "shared-memory/%s: peers: more than %d", d->shmem, SHMEM_MAX_PEERS);
        if (subnode_named(p->f, vms, s) < 0)
            REFUSE(p, "shared-memory/%s: peers: \"%.40s\" is not a VM under /vms", d->shmem, s);
        for (const char *t = peers; t < s; t += strlen(t) + 1)
            if (strcmp(t, s) == 0)
                REFUSE(p, "shared-memory/%s: peers: \"%.40s\" is listed twice", d->shmem, s);
        if (strcmp(s, vm->name) == 0) {
            d->shmem_peer = (uint8_t)n;
            me = true;
        }
    }
    if (!me)
        REFUSE(p, "devices/%s: shared-memory/%s does not name this VM in its peers", name, d->shmem);
    d->shmem_peers = (uint8_t)n;
    for (unsigned i = 0; i < vm->nr_devs; i++)
        if (strcmp(vm->dev[i].shmem, d->shmem) == 0)
            REFUSE(p, "devices/%s: shared-memory/%s is shown by another device of this VM", name, d->shmem);
    /* Both BARs are 32-bit; the region's, naturally aligned, fits anywhere in twice its size. */
    if (d->win_ipa + d->win_size > (1ULL << 32) || d->win_size < 2 * d->shmem_size)
        REFUSE(p, "devices/%s: bar-window must lie below 4 GiB and hold at least twice the region (0x%lx)", name,
               (unsigned long)(2 * d->shmem_size));
    return true;
}
