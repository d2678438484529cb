/* The binding of pci-host-ecam-generic, a virtual host bridge over assigned functions
 * (docs/pci.md, docs/config.md): bar-window, pci-devices = "BB:DD.F", ... (each function given
 * to one VM) and dma-unsafe. Linked with CONFIG_PCI_ASSIGN. */
#include "core/config_parse.h"
#include "core/vdev.h"
#include "lib/fdt_read.h"
#include "lib/string.h"

#ifdef HOST_TEST
#include <string.h>
#endif

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "BB:DD.F" in hexadecimal, as lspci prints it: bus 00-ff, device 00-1f, function 0-7. */
static bool parse_bdf(const char *s, int len, uint16_t *bdf)
{
    if (len != 7 || s[2] != ':' || s[5] != '.')
        return false;
    int b1 = hex_digit(s[0]), b0 = hex_digit(s[1]), d1 = hex_digit(s[3]), d0 = hex_digit(s[4]), f = hex_digit(s[6]);
    if (b1 < 0 || b0 < 0 || d1 < 0 || d0 < 0 || f < 0 || f > 7 || d1 * 16 + d0 > 0x1f)
        return false;
    *bdf = (uint16_t)((b1 * 16 + b0) << 8 | (d1 * 16 + d0) << 3 | f);
    return true;
}

/* Which VM (this one or one accepted before) a function is already given to, or NULL. */
static const char *pci_owner(const struct config_parse *p, const struct vm_config *vm, uint16_t bdf)
{
    for (int v = 0; v <= p->nr_accepted; v++) {
        const struct vm_config *c = v < p->nr_accepted ? &p->accepted[v] : vm;
        for (unsigned i = 0; i < c->nr_devs + (c == vm); i++)
            for (unsigned j = 0; j < c->dev[i].nr_pci; j++)
                if (c->dev[i].pci_bdf[j] == bdf)
                    return c->name;
    }
    return 0;
}

bool config_bind_pci(struct config_parse *p, int node, const char *name, struct vm_config *vm, struct vm_device *d)
{
    int len;
    if (!config_bar_window(p, node, name, d))
        return false;
    const char *list = fdt_getprop(p->f, node, "pci-devices", &len);
    if (!list || len <= 0 || list[len - 1])
        REFUSE(p, "devices/%s: pci-devices: need a list of host functions \"BB:DD.F\"", name);
    for (int at = 0; at < len;) {
        int n = (int)strlen(list + at);
        uint16_t bdf;
        if (!parse_bdf(list + at, n, &bdf))
            REFUSE(p, "devices/%s: pci-devices: \"%s\" is not a function \"BB:DD.F\" (hexadecimal)", name, list + at);
        if (d->nr_pci == VM_MAX_PCI_FNS)
            REFUSE(p, "devices/%s: pci-devices: more than %d functions", name, VM_MAX_PCI_FNS);
        const char *owner = pci_owner(p, vm, bdf);
        if (owner)
            REFUSE(p, "devices/%s: pci-devices: %s is already given to VM '%s'", name, list + at, owner);
        d->pci_bdf[d->nr_pci++] = bdf;
        at += n + 1;
    }
    d->dma_unsafe = fdt_getprop(p->f, node, "dma-unsafe", 0) != 0;
    return true;
}
