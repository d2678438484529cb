/* Flattened device tree (DTB v17) reader and writer, for untrusted input and freestanding use.
 *
 * Reader: fdt_init() validates the header, the block layout and the whole structure block once
 * (use the struct only after it returned 0); every later access is still bounds-checked, so not
 * even a bogus handle can make the reader touch memory outside the blob or loop forever. Nodes
 * and properties are named by int offsets into the structure block (the root is 0); errors are
 * negative FDT_E_* codes.
 *
 * Writer: builds a tree sequentially into a caller-supplied buffer with no allocation. Errors
 * latch: after the first one every call is a no-op and fdtw_finish() returns it. */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu

enum {
    FDT_E_NOTFOUND = -1, /* no such node, property or entry */
    FDT_E_BADMAGIC = -2,
    FDT_E_BADVERSION = -3,
    FDT_E_TRUNCATED = -4, /* blob shorter than its header says, or a block runs past it */
    FDT_E_BADLAYOUT = -5, /* header block offsets or sizes misaligned or overlapping */
    FDT_E_BADSTRUCT = -6, /* malformed structure block */
    FDT_E_BADOFFSET = -7, /* handle does not name a node or property */
    FDT_E_BADVALUE = -8,  /* property present but of the wrong size or content */
    FDT_E_NOSPACE = -9,   /* writer: buffer too small */
    FDT_E_BADSTATE = -10, /* writer: call out of order (unbalanced nodes, late reserve...) */
};

struct fdt {
    const uint8_t *blob;
    uint32_t totalsize;
    uint32_t off_struct; /* structure block, [off_struct, off_struct + size_struct) */
    uint32_t size_struct;
    uint32_t off_strings; /* strings block */
    uint32_t size_strings;
    uint32_t off_rsv;   /* memory reservation block */
    uint32_t rsv_count; /* its entries before the terminator */
};

/* Cell i of a property value (big-endian 32-bit cells); the caller checks the length. */
static inline uint32_t fdt_cell(const void *val, int i)
{
    const uint8_t *b = (const uint8_t *)val + 4 * i;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int fdt_init(struct fdt *f, const void *blob, size_t avail);
const char *fdt_strerror(int err);

/* Memory reservation block: the index-th entry, FDT_E_NOTFOUND past the last one. */
int fdt_mem_rsv(const struct fdt *f, int index, uint64_t *addr, uint64_t *size);

/* Tree walking; each returns a node offset or a negative error (FDT_E_NOTFOUND at the end). */
int fdt_root(const struct fdt *f);
int fdt_first_subnode(const struct fdt *f, int node);
int fdt_next_subnode(const struct fdt *f, int node);
int fdt_parent(const struct fdt *f, int node);
const char *fdt_node_name(const struct fdt *f, int node); /* NULL for a bad handle */

/* "/a/b@1", "/a/b" (matches "b@..." when no exact name exists), or "alias/rest" where the
 * alias in /aliases must hold an absolute path. */
int fdt_path_offset(const struct fdt *f, const char *path);

/* Properties. fdt_getprop sets *len (when len is not NULL) to the value length or an error. */
const void *fdt_getprop(const struct fdt *f, int node, const char *name, int *len);
int fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t *out);
int fdt_prop_u64(const struct fdt *f, int node, const char *name, uint64_t *out);
const char *fdt_prop_string(const struct fdt *f, int node, const char *name);

/* Property iteration in a node, for copying nodes. */
int fdt_first_prop(const struct fdt *f, int node);
int fdt_next_prop(const struct fdt *f, int prop);
const void *fdt_prop_at(const struct fdt *f, int prop, const char **name, int *len);

/* Common bindings. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
int fdt_next_compatible(const struct fdt *f, int after, const char *compat); /* after = -1 */
int fdt_node_by_phandle(const struct fdt *f, uint32_t phandle);
/* Cell counts node declares for its children: default 2 and 1, FDT_E_BADVALUE above 4. */
int fdt_addr_cells(const struct fdt *f, int node);
int fdt_size_cells(const struct fdt *f, int node);
/* The index-th (address, size) pair of node's "reg", sized by the parent's #address-cells (1 or
 * 2) and #size-cells (0 to 2; 0 reads as size 0, as for CPUs); FDT_E_NOTFOUND past the end. */
int fdt_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size);
/* The node named by /chosen stdout-path (or linux,stdout-path), path or alias, ":opts" ignored. */
int fdt_stdout_node(const struct fdt *f);

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
void fdtw_prop_empty(struct fdt_writer *w, const char *name);
int fdtw_finish(struct fdt_writer *w, size_t *total);

#endif
