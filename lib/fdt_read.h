/* Flattened device tree (DTB v16/v17) reader, for untrusted input and freestanding use.
 *
 * fdt_init() validates the header, the block layout and the whole structure block once (use the
 * struct only after it returned 0); every later access is still bounds-checked, so not even a
 * bogus handle can make the reader touch memory outside the blob or loop forever. Nodes and
 * properties are named by int offsets into the structure block (the root is 0); errors are
 * negative FDT_E_* codes (lib/fdt_format.h). */
#ifndef LIB_FDT_READ_H
#define LIB_FDT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/fdt_format.h"

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

int fdt_init(struct fdt *f, const void *blob, size_t avail);
/* Names any FDT_E_* code, the writer's included. */
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
/* The index-th (address, size) pair of node's "reg" (lib/fdt_addr.c), sized by the parent's
 * #address-cells (1 or 2) and #size-cells (0 to 2; 0 reads as size 0); FDT_E_NOTFOUND past the
 * end. fdt_reg gives the address the CPU uses: translated up to the root through every
 * ancestor bus's "ranges" (FDT_E_NOTRANSLATE when a bus has none, or no entry holds the whole
 * region). fdt_reg_raw gives it as written, in the parent's address space: for a "reg" that is
 * an ID, such as a CPU's MPIDR under /cpus. */
int fdt_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size);
int fdt_reg_raw(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size);
/* The node named by /chosen stdout-path (or linux,stdout-path), path or alias, ":opts" ignored. */
int fdt_stdout_node(const struct fdt *f);

#endif
