/* Flattened device tree reader (devicetree specification, chapter 5, DTB v16 and v17).
 *
 * Offsets are checked against the blob before every access; a scan only ever moves forward, so
 * a corrupt blob ends it instead of looping. */
#include "lib/fdt_read.h"
#include "lib/string.h"

#define FDT_MAX_CELLS 4u /* largest #address-cells/#size-cells accepted */

const char *fdt_strerror(int err)
{
    switch (err) {
    case 0:
        return "ok";
    case FDT_E_NOTFOUND:
        return "not found";
    case FDT_E_BADMAGIC:
        return "bad magic";
    case FDT_E_BADVERSION:
        return "unsupported version";
    case FDT_E_TRUNCATED:
        return "truncated";
    case FDT_E_BADLAYOUT:
        return "bad block layout";
    case FDT_E_BADSTRUCT:
        return "bad structure";
    case FDT_E_BADOFFSET:
        return "bad node or property offset";
    case FDT_E_BADVALUE:
        return "bad value";
    case FDT_E_NOSPACE:
        return "no space";
    case FDT_E_BADSTATE:
        return "calls out of order";
    case FDT_E_NOTRANSLATE:
        return "address not translatable to the root";
    default:
        return "unknown error";
    }
}

/* ---- reader: token level ---------------------------------------------------------------- */

static const uint8_t *fdt_struct(const struct fdt *f) { return f->blob + f->off_struct; }

/* The property name at nameoff, or NULL unless it is NUL-terminated inside the strings block. */
static const char *fdt_string(const struct fdt *f, uint32_t nameoff)
{
    if (nameoff >= f->size_strings)
        return NULL;
    const char *s = (const char *)f->blob + f->off_strings + nameoff;
    size_t room = f->size_strings - nameoff;

    return strnlen(s, room) < room ? s : NULL;
}

/* Decodes the token at off: returns its tag and sets *next to the following token's offset, or
 * returns FDT_E_BADSTRUCT when the token or its payload does not fit the structure block. */
static int fdt_token(const struct fdt *f, int off, int *next)
{
    uint32_t size = f->size_struct;

    if (off < 0 || (off & 3) != 0 || size < 4 || (uint32_t)off > size - 4)
        return FDT_E_BADSTRUCT;
    const uint8_t *s = fdt_struct(f);
    uint32_t tag = fdt_be32(s + off);
    uint32_t pos = (uint32_t)off + 4;

    switch (tag) {
    case FDT_BEGIN_NODE: {
        size_t n = strnlen((const char *)s + pos, size - pos);

        if (n == size - pos)
            return FDT_E_BADSTRUCT;
        pos += (uint32_t)n + 1;
        break;
    }
    case FDT_PROP: {
        if (size - pos < 8)
            return FDT_E_BADSTRUCT;
        uint32_t len = fdt_be32(s + pos);

        if (fdt_string(f, fdt_be32(s + pos + 4)) == NULL)
            return FDT_E_BADSTRUCT;
        pos += 8;
        if (len > size - pos)
            return FDT_E_BADSTRUCT;
        pos += len;
        break;
    }
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END:
        break;
    default:
        return FDT_E_BADSTRUCT;
    }
    *next = (int)fdt_align4(pos); /* size is a multiple of 4, so this stays <= size */
    return (int)tag;
}

/* Offset just past a node's name, or FDT_E_BADOFFSET when node is not a BEGIN_NODE token. */
static int fdt_node_body(const struct fdt *f, int node)
{
    int next;

    return fdt_token(f, node, &next) == (int)FDT_BEGIN_NODE ? next : FDT_E_BADOFFSET;
}

/* First property at or after off within the current node, skipping NOPs. */
static int fdt_prop_from(const struct fdt *f, int off)
{
    for (;;) {
        int next, tag = fdt_token(f, off, &next);

        if (tag < 0)
            return tag;
        if (tag == (int)FDT_PROP)
            return off;
        if (tag != (int)FDT_NOP)
            return FDT_E_NOTFOUND;
        off = next;
    }
}

/* First subnode at or after off within the current node, skipping properties and NOPs. */
static int fdt_subnode_from(const struct fdt *f, int off)
{
    for (;;) {
        int next, tag = fdt_token(f, off, &next);

        if (tag < 0)
            return tag;
        if (tag == (int)FDT_BEGIN_NODE)
            return off;
        if (tag == (int)FDT_END_NODE || tag == (int)FDT_END)
            return FDT_E_NOTFOUND;
        off = next;
    }
}

/* Offset just past the END_NODE that closes node. */
static int fdt_node_end(const struct fdt *f, int node)
{
    int off = fdt_node_body(f, node);

    for (int depth = 1; off >= 0;) {
        int next, tag = fdt_token(f, off, &next);

        if (tag < 0)
            return tag;
        if (tag == (int)FDT_BEGIN_NODE)
            depth++;
        else if (tag == (int)FDT_END_NODE && --depth == 0)
            return next;
        else if (tag == (int)FDT_END)
            return FDT_E_BADSTRUCT;
        off = next;
    }
    return off;
}

/* The node after node in document order (its first child, else the next node at any level). */
static int fdt_next_node(const struct fdt *f, int node)
{
    int off = fdt_node_body(f, node);

    while (off >= 0) {
        int next, tag = fdt_token(f, off, &next);

        if (tag < 0)
            return tag;
        if (tag == (int)FDT_BEGIN_NODE)
            return off;
        if (tag == (int)FDT_END)
            return FDT_E_NOTFOUND;
        off = next;
    }
    return off;
}

/* ---- reader: validation ----------------------------------------------------------------- */

/* One pass over the structure block: tokens well formed, exactly one root, properties before
 * subnodes, nesting balanced, FDT_END after the root. */
static int fdt_check_struct(const struct fdt *f)
{
    int off = 0, depth = 0;
    bool seen_root = false, props_ok = false;

    for (;;) {
        int next, tag = fdt_token(f, off, &next);

        if (tag < 0)
            return tag;
        switch ((uint32_t)tag) {
        case FDT_BEGIN_NODE:
            if (depth == 0 && seen_root)
                return FDT_E_BADSTRUCT;
            seen_root = true;
            props_ok = true;
            depth++;
            break;
        case FDT_PROP:
            if (!props_ok)
                return FDT_E_BADSTRUCT;
            break;
        case FDT_END_NODE:
            if (depth == 0)
                return FDT_E_BADSTRUCT;
            depth--;
            props_ok = false; /* the parent has now had a subnode */
            break;
        case FDT_END:
            return depth == 0 && seen_root ? 0 : FDT_E_BADSTRUCT;
        default: /* NOP; the root must come first */
            if (!seen_root)
                return FDT_E_BADSTRUCT;
            break;
        }
        off = next;
    }
}

/* The reservation block ends with an all-zero entry, which must lie inside the blob. */
static int fdt_check_rsv(struct fdt *f)
{
    for (uint32_t pos = f->off_rsv;; pos += FDT_RSV_ENTRY) {
        if (pos > f->totalsize || f->totalsize - pos < FDT_RSV_ENTRY)
            return FDT_E_TRUNCATED;
        if (fdt_be64(f->blob + pos) == 0 && fdt_be64(f->blob + pos + 8) == 0)
            return 0;
        f->rsv_count++;
    }
}

/* A block may not overlap the header and must end inside the blob. */
static int fdt_check_block(uint32_t off, uint32_t size, uint32_t total)
{
    if (off < FDT_HDR_SIZE)
        return FDT_E_BADLAYOUT;
    return (uint64_t)off + size <= total ? 0 : FDT_E_TRUNCATED;
}

static int fdt_check_header(const uint8_t *b, size_t avail)
{
    if (b == NULL || avail < FDT_HDR_SIZE)
        return FDT_E_TRUNCATED;
    if (fdt_be32(b + FDT_H_MAGIC) != FDT_MAGIC)
        return FDT_E_BADMAGIC;
    if (fdt_be32(b + FDT_H_VERSION) < 16 || fdt_be32(b + FDT_H_LAST_COMP) > FDT_LAST_VER)
        return FDT_E_BADVERSION;
    uint32_t total = fdt_be32(b + FDT_H_TOTALSIZE);

    if (total > avail)
        return FDT_E_TRUNCATED;
    /* Node handles are ints: keep every offset representable. */
    if (total < FDT_HDR_SIZE || total > INT32_MAX)
        return FDT_E_BADLAYOUT;
    return 0;
}

int fdt_init(struct fdt *f, const void *blob, size_t avail)
{
    const uint8_t *b = blob;
    int err = fdt_check_header(b, avail);

    if (err != 0)
        return err;
    f->blob = b;
    f->totalsize = fdt_be32(b + FDT_H_TOTALSIZE);
    f->off_struct = fdt_be32(b + FDT_H_OFF_STRUCT);
    f->off_strings = fdt_be32(b + FDT_H_OFF_STRINGS);
    f->size_strings = fdt_be32(b + FDT_H_SIZE_STRINGS);
    f->off_rsv = fdt_be32(b + FDT_H_OFF_RSV);
    f->rsv_count = 0;
    if (fdt_be32(b + FDT_H_VERSION) >= 17)
        f->size_struct = fdt_be32(b + FDT_H_SIZE_STRUCT);
    else if (f->off_struct <= f->totalsize) /* v16 has no size field: up to the end */
        f->size_struct = (f->totalsize - f->off_struct) & ~3u;
    else
        return FDT_E_TRUNCATED;
    if ((f->off_rsv & 7) != 0 || (f->off_struct & 3) != 0 || (f->size_struct & 3) != 0 || f->off_rsv < FDT_HDR_SIZE)
        return FDT_E_BADLAYOUT;
    err = fdt_check_block(f->off_struct, f->size_struct, f->totalsize);
    if (err == 0)
        err = fdt_check_block(f->off_strings, f->size_strings, f->totalsize);
    if (err == 0)
        err = fdt_check_rsv(f);
    return err != 0 ? err : fdt_check_struct(f);
}

int fdt_mem_rsv(const struct fdt *f, int index, uint64_t *addr, uint64_t *size)
{
    if (index < 0 || (uint32_t)index >= f->rsv_count)
        return FDT_E_NOTFOUND;
    const uint8_t *e = f->blob + f->off_rsv + (uint32_t)index * FDT_RSV_ENTRY;

    *addr = fdt_be64(e);
    *size = fdt_be64(e + 8);
    return 0;
}

/* ---- reader: tree ----------------------------------------------------------------------- */

int fdt_root(const struct fdt *f)
{
    return 0; /* fdt_init guarantees the root's BEGIN_NODE opens the structure block */
}

int fdt_first_subnode(const struct fdt *f, int node)
{
    int off = fdt_node_body(f, node);

    return off < 0 ? off : fdt_subnode_from(f, off);
}

int fdt_next_subnode(const struct fdt *f, int node)
{
    int off = fdt_node_end(f, node);

    return off < 0 ? off : fdt_subnode_from(f, off);
}

/* Descends from the root towards node, whose offset lies inside exactly one child's extent at
 * each level; an offset that is not a node boundary is reported as bad. */
int fdt_parent(const struct fdt *f, int node)
{
    int err = fdt_node_body(f, node);

    if (err < 0)
        return err;
    if (node == fdt_root(f))
        return FDT_E_NOTFOUND;
    int cur = fdt_root(f);

    for (;;) {
        int child = fdt_first_subnode(f, cur), end = 0;

        for (; child >= 0; child = fdt_subnode_from(f, end)) {
            if (child == node)
                return cur;
            end = fdt_node_end(f, child);
            if (end < 0)
                return end;
            if (node > child && node < end)
                break;
        }
        if (child < 0)
            return child == FDT_E_NOTFOUND ? FDT_E_BADOFFSET : child;
        cur = child;
    }
}

const char *fdt_node_name(const struct fdt *f, int node)
{
    if (fdt_node_body(f, node) < 0)
        return NULL;
    return (const char *)fdt_struct(f) + node + 4;
}

/* ---- reader: properties ----------------------------------------------------------------- */

int fdt_first_prop(const struct fdt *f, int node)
{
    int off = fdt_node_body(f, node);

    return off < 0 ? off : fdt_prop_from(f, off);
}

int fdt_next_prop(const struct fdt *f, int prop)
{
    int next;

    if (fdt_token(f, prop, &next) != (int)FDT_PROP)
        return FDT_E_BADOFFSET;
    return fdt_prop_from(f, next);
}

const void *fdt_prop_at(const struct fdt *f, int prop, const char **name, int *len)
{
    int next;

    if (fdt_token(f, prop, &next) != (int)FDT_PROP) {
        if (len != NULL)
            *len = FDT_E_BADOFFSET;
        return NULL;
    }
    const uint8_t *p = fdt_struct(f) + prop;

    if (name != NULL)
        *name = fdt_string(f, fdt_be32(p + 8));
    if (len != NULL)
        *len = (int)fdt_be32(p + 4); /* fdt_token bounded it by the block size */
    return p + 12;
}

/* Property lookup by a name that need not be NUL-terminated (a path component or alias). */
static const void *fdt_getprop_n(const struct fdt *f, int node, const char *name, size_t nlen, int *len)
{
    int prop = fdt_first_prop(f, node);

    for (; prop >= 0; prop = fdt_next_prop(f, prop)) {
        const char *pname = NULL;
        const void *val = fdt_prop_at(f, prop, &pname, len);

        if (!val || !pname)
            continue;
        /* pname is NUL-terminated; equal first nlen bytes mean pname[nlen] is in bounds. */
        if (strncmp(pname, name, nlen) == 0 && pname[nlen] == '\0')
            return val;
    }
    if (len != NULL)
        *len = prop;
    return NULL;
}

const void *fdt_getprop(const struct fdt *f, int node, const char *name, int *len)
{
    return fdt_getprop_n(f, node, name, strlen(name), len);
}

int fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t *out)
{
    int len;
    const uint8_t *v = fdt_getprop(f, node, name, &len);

    if (v == NULL)
        return len;
    if (len != 4)
        return FDT_E_BADVALUE;
    *out = fdt_be32(v);
    return 0;
}

int fdt_prop_u64(const struct fdt *f, int node, const char *name, uint64_t *out)
{
    int len;
    const uint8_t *v = fdt_getprop(f, node, name, &len);

    if (v == NULL)
        return len;
    if (len == 4)
        *out = fdt_be32(v);
    else if (len == 8)
        *out = fdt_be64(v);
    else
        return FDT_E_BADVALUE;
    return 0;
}

/* Checks that a property value holds a NUL-terminated string. */
static const char *fdt_as_string(const void *v, int len)
{
    if (v == NULL || len <= 0 || strnlen(v, (size_t)len) == (size_t)len)
        return NULL;
    return v;
}

const char *fdt_prop_string(const struct fdt *f, int node, const char *name)
{
    int len;
    const void *v = fdt_getprop(f, node, name, &len);

    return fdt_as_string(v, len);
}

/* ---- reader: paths ---------------------------------------------------------------------- */

/* Child of parent named name[0..len): an exact match wins, else the first child whose name is
 * name followed by "@unit" ("memory" finds "memory@40000000"). */
static int fdt_subnode_named(const struct fdt *f, int parent, const char *name, size_t len)
{
    int loose = FDT_E_NOTFOUND;

    for (int c = fdt_first_subnode(f, parent); c >= 0; c = fdt_next_subnode(f, c)) {
        const char *cn = fdt_node_name(f, c);

        /* cn is NUL-terminated; equal first len bytes mean cn[len] is in bounds. */
        if (cn == NULL || strncmp(cn, name, len) != 0)
            continue;
        if (cn[len] == '\0')
            return c;
        if (cn[len] == '@' && loose < 0)
            loose = c;
    }
    return loose;
}

/* Follows the '/'-separated components of path[0..len) down from node. */
static int fdt_walk_path(const struct fdt *f, int node, const char *path, size_t len)
{
    size_t i = 0;

    while (i < len && node >= 0) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t n = 0;

        while (i + n < len && path[i + n] != '/')
            n++;
        node = fdt_subnode_named(f, node, path + i, n);
        i += n;
    }
    return node;
}

/* An absolute path, or an alias optionally followed by "/more/components". Alias values must
 * be absolute paths, so resolution cannot recurse. */
static int fdt_path_offset_n(const struct fdt *f, const char *path, size_t len)
{
    if (len == 0)
        return FDT_E_NOTFOUND;
    if (path[0] == '/')
        return fdt_walk_path(f, fdt_root(f), path, len);
    size_t alen = 0;

    while (alen < len && path[alen] != '/')
        alen++;
    int aliases = fdt_walk_path(f, fdt_root(f), "aliases", 7);

    if (aliases < 0)
        return aliases;
    int vlen;
    const void *val = fdt_getprop_n(f, aliases, path, alen, &vlen);
    const char *target = fdt_as_string(val, vlen);

    if (target == NULL)
        return vlen < 0 ? vlen : FDT_E_BADVALUE;
    if (target[0] != '/')
        return FDT_E_BADVALUE;
    int node = fdt_walk_path(f, fdt_root(f), target, strlen(target));

    return node < 0 ? node : fdt_walk_path(f, node, path + alen, len - alen);
}

int fdt_path_offset(const struct fdt *f, const char *path) { return fdt_path_offset_n(f, path, strlen(path)); }

int fdt_stdout_node(const struct fdt *f)
{
    int chosen = fdt_path_offset(f, "/chosen");

    if (chosen < 0)
        return chosen;
    const char *p = fdt_prop_string(f, chosen, "stdout-path");

    if (p == NULL)
        p = fdt_prop_string(f, chosen, "linux,stdout-path");
    if (p == NULL)
        return FDT_E_NOTFOUND;
    size_t len = 0;

    while (p[len] != '\0' && p[len] != ':') /* ":115200n8" style options */
        len++;
    return fdt_path_offset_n(f, p, len);
}

/* ---- reader: bindings ------------------------------------------------------------------- */

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
    int len;
    const char *v = fdt_getprop(f, node, "compatible", &len);
    size_t clen = strlen(compat);

    for (int pos = 0; v != NULL && pos < len;) {
        size_t n = strnlen(v + pos, (size_t)(len - pos));

        if (n == (size_t)(len - pos))
            break; /* unterminated tail: not a string */
        if (n == clen && memcmp(v + pos, compat, n) == 0)
            return true;
        pos += (int)n + 1;
    }
    return false;
}

int fdt_next_compatible(const struct fdt *f, int after, const char *compat)
{
    int node = after < 0 ? fdt_root(f) : fdt_next_node(f, after);

    for (; node >= 0; node = fdt_next_node(f, node)) {
        if (fdt_is_compatible(f, node, compat))
            return node;
    }
    return node;
}

int fdt_node_by_phandle(const struct fdt *f, uint32_t phandle)
{
    if (phandle == 0 || phandle == UINT32_MAX)
        return FDT_E_NOTFOUND; /* reserved values, never a valid phandle */
    int node = fdt_root(f);

    for (; node >= 0; node = fdt_next_node(f, node)) {
        uint32_t v = 0;

        if ((fdt_prop_u32(f, node, "phandle", &v) == 0 || fdt_prop_u32(f, node, "linux,phandle", &v) == 0) &&
            v == phandle)
            return node;
    }
    return node;
}

static int fdt_cells(const struct fdt *f, int node, const char *name, int dflt)
{
    uint32_t v = 0;
    int err = fdt_prop_u32(f, node, name, &v);

    if (err == FDT_E_NOTFOUND)
        return dflt; /* a bad node handle reports FDT_E_BADOFFSET instead */
    if (err != 0)
        return err;
    return v > FDT_MAX_CELLS ? FDT_E_BADVALUE : (int)v;
}

int fdt_addr_cells(const struct fdt *f, int node) { return fdt_cells(f, node, "#address-cells", 2); }

int fdt_size_cells(const struct fdt *f, int node) { return fdt_cells(f, node, "#size-cells", 1); }
