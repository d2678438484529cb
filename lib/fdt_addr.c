/* Device tree addresses: a node's "reg" as written, and translated to the CPU's physical
 * address space through the "ranges" of every bus between the node and the root (devicetree
 * specification v0.4, 2.3.6 "reg" and 2.3.8 "ranges").
 *
 * A bus's ranges entries are (child address, parent address, size) triples: the child address
 * takes the bus's own #address-cells, the parent address its parent's #address-cells, the size
 * the bus's #size-cells. An empty ranges maps the bus's space 1:1 onto its parent's; a bus
 * without one is not memory mapped (its children's reg are IDs, as under /cpus). */
#include "lib/fdt_read.h"

/* Buses a reg is translated through at most: real trees nest two or three deep; a hostile
 * blob nested deeper is refused instead of being walked level after level. */
#define FDT_MAX_BUS_DEPTH 16

static uint64_t fdt_read_cells(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 32 | fdt_be32(p + 4 * i);
    return v;
}

/* Address and size cells come from the parent; 1 or 2 address cells and 0 to 2 size cells
 * (0 as under /cpus, where reg is an ID and the size reads as 0). */
int fdt_reg_raw(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size)
{
    int parent = fdt_parent(f, node);

    if (parent < 0)
        return parent;
    int ac = fdt_addr_cells(f, parent), sc = fdt_size_cells(f, parent);

    if (ac < 0 || sc < 0)
        return ac < 0 ? ac : sc;
    if (ac < 1 || ac > 2 || sc > 2)
        return FDT_E_BADVALUE;
    int len;
    const uint8_t *v = fdt_getprop(f, node, "reg", &len);

    if (v == NULL)
        return len;
    int stride = 4 * (ac + sc);

    if (len % stride != 0)
        return FDT_E_BADVALUE;
    if (index < 0 || index >= len / stride)
        return FDT_E_NOTFOUND;
    v += stride * index;
    *addr = fdt_read_cells(v, ac);
    *size = fdt_read_cells(v + 4 * ac, sc);
    return 0;
}

/* Moves the region [*addr, *addr + size) from bus's child address space into its parent's:
 * the one ranges entry that holds the whole region decides (a region that straddles two
 * entries, or lies outside all, is not translated). */
static int fdt_translate_one(const struct fdt *f, int bus, int up, uint64_t *addr, uint64_t size)
{
    int len;
    const uint8_t *r = fdt_getprop(f, bus, "ranges", &len);

    if (r == NULL)
        return len == FDT_E_NOTFOUND ? FDT_E_NOTRANSLATE : len;
    if (len == 0)
        return 0; /* "ranges;": identity */
    int cac = fdt_addr_cells(f, bus), pac = fdt_addr_cells(f, up), sc = fdt_size_cells(f, bus);

    if (cac < 0 || pac < 0 || sc < 0)
        return cac < 0 ? cac : pac < 0 ? pac : sc;
    if (cac < 1 || cac > 2 || pac < 1 || pac > 2 || sc < 1 || sc > 2)
        return FDT_E_BADVALUE;
    int stride = 4 * (cac + pac + sc);

    if (len % stride != 0)
        return FDT_E_BADVALUE;
    for (int off = 0; off < len; off += stride) {
        uint64_t child = fdt_read_cells(r + off, cac);
        uint64_t parent = fdt_read_cells(r + off + 4 * cac, pac);
        uint64_t span = fdt_read_cells(r + off + 4 * (cac + pac), sc);

        if (*addr < child)
            continue;
        uint64_t rel = *addr - child;

        if (rel >= span || size > span - rel)
            continue;
        if (rel + size > UINT64_MAX - parent)
            return FDT_E_BADVALUE; /* the entry maps past the top of the parent's space */
        *addr = parent + rel;
        return 0;
    }
    return FDT_E_NOTRANSLATE;
}

int fdt_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size)
{
    uint64_t a = 0, s = 0;
    int err = fdt_reg_raw(f, node, index, &a, &s);

    if (err < 0)
        return err;
    int bus = fdt_parent(f, node); /* fdt_reg_raw found it */

    for (int depth = 0;; depth++) {
        int up = fdt_parent(f, bus);

        if (up == FDT_E_NOTFOUND)
            break; /* bus is the root: a CPU physical address */
        if (up < 0)
            return up;
        if (depth == FDT_MAX_BUS_DEPTH)
            return FDT_E_NOTRANSLATE;
        err = fdt_translate_one(f, bus, up, &a, s);
        if (err < 0)
            return err;
        bus = up;
    }
    *addr = a;
    *size = s;
    return 0;
}
