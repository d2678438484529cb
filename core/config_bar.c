/* bar-window = <addr size>: the IPA window where a guest places the BARs of the PCI functions
 * a device shows (docs/pci.md, docs/shmem.md); read by the bindings of PCI_ASSIGN and SHMEM. */
#include "core/config_parse.h"
#include "core/vdev.h"
#include "lib/fdt_read.h"
#include "lib/string.h"

#ifdef HOST_TEST
#include <string.h>
#endif

bool config_bar_window(struct config_parse *p, int node, const char *name, struct vm_device *d)
{
    int len;
    if (!fdt_getprop(p->f, node, "bar-window", &len) || len != 16 ||
        !config_read_pair(p, node, "bar-window", 0, &d->win_ipa, &d->win_size) || d->win_size == 0 ||
        ((d->win_ipa | d->win_size) & 0xfff))
        REFUSE(p, "devices/%s: bar-window must be one 4 KiB aligned <addr size> pair of 2 cells each", name);
    if (!config_in_ipa_space(p, d->win_ipa, d->win_size))
        REFUSE(p, "devices/%s: bar-window 0x%lx+0x%lx exceeds the %u-bit IPA space", name, (unsigned long)d->win_ipa,
               (unsigned long)d->win_size, p->lim->ipa_bits);
    return true;
}
