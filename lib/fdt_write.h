/* Flattened device tree (DTB v17) sequential writer, for freestanding use.
 *
 * Builds a tree front to back into a caller-supplied buffer with no allocation: reservations,
 * then the root node, its properties, its subnodes (each the same way), then fdtw_finish().
 * Errors are negative FDT_E_* codes (lib/fdt_format.h) and latch: after the first one every
 * call is a no-op and fdtw_finish() returns it. */
#ifndef LIB_FDT_WRITE_H
#define LIB_FDT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/fdt_format.h"

struct fdt_writer {
    uint8_t *buf;
    uint32_t cap;
    uint32_t rsv_len;    /* bytes of reservation entries after the header */
    uint32_t struct_off; /* structure block start, fixed by the first node */
    uint32_t struct_len;
    uint32_t strings_len; /* strings grow down from buf + cap until fdtw_finish */
    int depth;            /* open nodes */
    bool started;         /* a node has begun */
    bool closed;          /* the root has ended */
    bool props_done;      /* current node already has a subnode: no more properties */
    bool finished;
    int err;
};

void fdtw_init(struct fdt_writer *w, void *buf, size_t cap);
void fdtw_reserve(struct fdt_writer *w, uint64_t addr, uint64_t size);
void fdtw_begin_node(struct fdt_writer *w, const char *name);
void fdtw_end_node(struct fdt_writer *w);
void fdtw_prop(struct fdt_writer *w, const char *name, const void *val, int len);
void fdtw_prop_u32(struct fdt_writer *w, const char *name, uint32_t v);
void fdtw_prop_u64(struct fdt_writer *w, const char *name, uint64_t v);
void fdtw_prop_string(struct fdt_writer *w, const char *name, const char *s);
void fdtw_prop_strings(struct fdt_writer *w, const char *name, const char *const *list, int n);
void fdtw_prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, int n);
/* "reg" with one (address, size) pair of 2 cells each (#address-cells = #size-cells = 2). */
void fdtw_prop_reg(struct fdt_writer *w, uint64_t base, uint64_t size);
void fdtw_prop_empty(struct fdt_writer *w, const char *name);
int fdtw_finish(struct fdt_writer *w, size_t *total);

#endif
