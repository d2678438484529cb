/* Flattened device tree sequential writer (devicetree specification, chapter 5): emits DTB v17.
 *
 * Layout while writing: header | reservation entries | terminator | structure block ... free
 * ... strings block, which grows down from the end of the buffer. Each property records its
 * name's distance from the buffer end; fdtw_finish moves the strings block next to the
 * structure block and rewrites those distances into real offsets. */
#include "lib/fdt_write.h"
#include "lib/string.h"

static void fdtw_fail(struct fdt_writer *w, int err)
{
    if (w->err == 0)
        w->err = err;
}

static bool fdtw_usable(struct fdt_writer *w)
{
    if (w->err == 0 && w->finished)
        fdtw_fail(w, FDT_E_BADSTATE);
    return w->err == 0;
}

/* End of the bytes used at the low end of the buffer (terminator entry included). */
static uint32_t fdtw_low_end(const struct fdt_writer *w)
{
    return w->started ? w->struct_off + w->struct_len : FDT_HDR_SIZE + w->rsv_len + FDT_RSV_ENTRY;
}

static bool fdtw_room(struct fdt_writer *w, uint64_t n)
{
    if ((uint64_t)fdtw_low_end(w) + n + w->strings_len > w->cap) {
        fdtw_fail(w, FDT_E_NOSPACE);
        return false;
    }
    return true;
}

void fdtw_init(struct fdt_writer *w, void *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap > INT32_MAX ? INT32_MAX : (uint32_t)cap; /* reader handles are ints */
    if (buf == NULL || w->cap < FDT_HDR_SIZE + FDT_RSV_ENTRY)
        w->err = FDT_E_NOSPACE;
}

void fdtw_reserve(struct fdt_writer *w, uint64_t addr, uint64_t size)
{
    if (!fdtw_usable(w))
        return;
    if (w->started) {
        fdtw_fail(w, FDT_E_BADSTATE);
        return;
    }
    /* An empty entry would read as the (0, 0) terminator and hide every entry after it. */
    if (size == 0) {
        fdtw_fail(w, FDT_E_BADVALUE);
        return;
    }
    if (!fdtw_room(w, FDT_RSV_ENTRY))
        return;
    uint8_t *p = w->buf + FDT_HDR_SIZE + w->rsv_len;

    fdt_put64(p, addr);
    fdt_put64(p + 8, size);
    w->rsv_len += FDT_RSV_ENTRY;
}

/* Appends n bytes to the structure block, zero-filled up to 4-byte alignment. */
static uint8_t *fdtw_struct_grow(struct fdt_writer *w, uint32_t n)
{
    uint32_t padded = fdt_align4(n);

    if (!fdtw_room(w, padded))
        return NULL;
    uint8_t *p = w->buf + w->struct_off + w->struct_len;

    memset(p, 0, padded);
    w->struct_len += padded;
    return p;
}

static void fdtw_token(struct fdt_writer *w, uint32_t tag)
{
    uint8_t *p = fdtw_struct_grow(w, 4);

    if (p != NULL)
        fdt_put32(p, tag);
}

void fdtw_begin_node(struct fdt_writer *w, const char *name)
{
    if (!fdtw_usable(w))
        return;
    if (w->closed) {
        fdtw_fail(w, FDT_E_BADSTATE); /* a second root */
        return;
    }
    /* The root is nameless; every other node needs a name. */
    if (name == NULL || (w->depth == 0) != (name[0] == '\0')) {
        fdtw_fail(w, FDT_E_BADVALUE);
        return;
    }
    size_t n = strlen(name) + 1;

    if (n > w->cap) {
        fdtw_fail(w, FDT_E_NOSPACE);
        return;
    }
    if (!w->started) {
        /* Freeze the reservation block: its terminator is already counted as used. */
        memset(w->buf + FDT_HDR_SIZE + w->rsv_len, 0, FDT_RSV_ENTRY);
        w->struct_off = FDT_HDR_SIZE + w->rsv_len + FDT_RSV_ENTRY;
        w->started = true;
    }
    uint8_t *p = fdtw_struct_grow(w, 4 + (uint32_t)n);

    if (p == NULL)
        return;
    fdt_put32(p, FDT_BEGIN_NODE);
    memcpy(p + 4, name, n);
    w->depth++;
    w->props_done = false;
}

void fdtw_end_node(struct fdt_writer *w)
{
    if (!fdtw_usable(w))
        return;
    if (w->depth == 0) {
        fdtw_fail(w, FDT_E_BADSTATE);
        return;
    }
    fdtw_token(w, FDT_END_NODE);
    if (w->err != 0)
        return;
    w->depth--;
    w->closed = w->depth == 0;
    w->props_done = true; /* the parent now has a subnode */
}

/* Interns name in the strings block (reusing any identical NUL-terminated byte run) and
 * returns its distance from the buffer end, or 0 on error. */
static uint32_t fdtw_string(struct fdt_writer *w, const char *name)
{
    size_t n = strlen(name) + 1;
    const uint8_t *base = w->buf + w->cap - w->strings_len;

    for (size_t i = 0; i + n <= w->strings_len; i++) {
        if (memcmp(base + i, name, n) == 0)
            return w->strings_len - (uint32_t)i;
    }
    if (!fdtw_room(w, n))
        return 0;
    w->strings_len += (uint32_t)n;
    memcpy(w->buf + w->cap - w->strings_len, name, n);
    return w->strings_len;
}

/* Writes a property header and returns where its len value bytes go, or NULL on error. */
static uint8_t *fdtw_prop_open(struct fdt_writer *w, const char *name, int len)
{
    if (!fdtw_usable(w))
        return NULL;
    if (w->depth == 0 || w->props_done) {
        fdtw_fail(w, FDT_E_BADSTATE);
        return NULL;
    }
    if (name == NULL || name[0] == '\0' || len < 0) {
        fdtw_fail(w, FDT_E_BADVALUE);
        return NULL;
    }
    if ((uint32_t)len > w->cap) {
        fdtw_fail(w, FDT_E_NOSPACE);
        return NULL;
    }
    uint32_t dist = fdtw_string(w, name);
    uint8_t *p = dist == 0 ? NULL : fdtw_struct_grow(w, 12 + (uint32_t)len);

    if (p == NULL)
        return NULL;
    fdt_put32(p, FDT_PROP);
    fdt_put32(p + 4, (uint32_t)len);
    fdt_put32(p + 8, dist);
    return p + 12;
}

void fdtw_prop(struct fdt_writer *w, const char *name, const void *val, int len)
{
    if (val == NULL && len > 0) {
        fdtw_fail(w, FDT_E_BADVALUE);
        return;
    }
    uint8_t *p = fdtw_prop_open(w, name, len);

    if (p != NULL && len > 0)
        memcpy(p, val, (size_t)len);
}

void fdtw_prop_u32(struct fdt_writer *w, const char *name, uint32_t v)
{
    uint8_t be[4];

    fdt_put32(be, v);
    fdtw_prop(w, name, be, sizeof(be));
}

void fdtw_prop_u64(struct fdt_writer *w, const char *name, uint64_t v)
{
    uint8_t be[8];

    fdt_put64(be, v);
    fdtw_prop(w, name, be, sizeof(be));
}

void fdtw_prop_string(struct fdt_writer *w, const char *name, const char *s) { fdtw_prop_strings(w, name, &s, 1); }

void fdtw_prop_strings(struct fdt_writer *w, const char *name, const char *const *list, int n)
{
    uint64_t total = 0;

    if (n < 0 || (list == NULL && n > 0)) {
        fdtw_fail(w, FDT_E_BADVALUE);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (list[i] == NULL) {
            fdtw_fail(w, FDT_E_BADVALUE);
            return;
        }
        total += strlen(list[i]) + 1;
        if (total > INT32_MAX) {
            fdtw_fail(w, FDT_E_NOSPACE);
            return;
        }
    }
    uint8_t *p = fdtw_prop_open(w, name, (int)total);

    for (int i = 0; p != NULL && i < n; i++) {
        size_t len = strlen(list[i]) + 1;

        memcpy(p, list[i], len);
        p += len;
    }
}

void fdtw_prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, int n)
{
    if (n < 0 || n > INT32_MAX / 4 || (cells == NULL && n > 0)) {
        fdtw_fail(w, FDT_E_BADVALUE);
        return;
    }
    uint8_t *p = fdtw_prop_open(w, name, 4 * n);

    for (int i = 0; p != NULL && i < n; i++)
        fdt_put32(p + 4 * i, cells[i]);
}

void fdtw_prop_reg(struct fdt_writer *w, uint64_t base, uint64_t size)
{
    uint32_t cells[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32), (uint32_t)size };
    fdtw_prop_cells(w, "reg", cells, 4);
}

void fdtw_prop_empty(struct fdt_writer *w, const char *name) { fdtw_prop(w, name, NULL, 0); }

/* Turns each property's recorded name distance into an offset into the final strings block.
 * The structure block is our own output, so its tokens are known to be well formed. */
static void fdtw_fix_nameoffs(struct fdt_writer *w)
{
    uint8_t *s = w->buf + w->struct_off;

    for (uint32_t off = 0; off < w->struct_len;) {
        uint32_t tag = fdt_be32(s + off);

        off += 4;
        if (tag == FDT_BEGIN_NODE) {
            off += fdt_align4((uint32_t)strlen((const char *)s + off) + 1);
        } else if (tag == FDT_PROP) {
            uint32_t len = fdt_be32(s + off);

            fdt_put32(s + off + 4, w->strings_len - fdt_be32(s + off + 4));
            off += 8 + fdt_align4(len);
        }
    }
}

int fdtw_finish(struct fdt_writer *w, size_t *total)
{
    if (!fdtw_usable(w))
        return w->err;
    if (!w->closed) {
        fdtw_fail(w, FDT_E_BADSTATE); /* no root, or nodes left open */
        return w->err;
    }
    fdtw_token(w, FDT_END);
    if (w->err != 0)
        return w->err;
    fdtw_fix_nameoffs(w);
    uint32_t off_strings = w->struct_off + w->struct_len;
    uint32_t size = off_strings + w->strings_len;

    memmove(w->buf + off_strings, w->buf + w->cap - w->strings_len, w->strings_len);
    uint8_t *h = w->buf;

    fdt_put32(h + FDT_H_MAGIC, FDT_MAGIC);
    fdt_put32(h + FDT_H_TOTALSIZE, size);
    fdt_put32(h + FDT_H_OFF_STRUCT, w->struct_off);
    fdt_put32(h + FDT_H_OFF_STRINGS, off_strings);
    fdt_put32(h + FDT_H_OFF_RSV, FDT_HDR_SIZE);
    fdt_put32(h + FDT_H_VERSION, FDT_LAST_VER);
    fdt_put32(h + FDT_H_LAST_COMP, 16);
    fdt_put32(h + FDT_H_BOOT_CPU, 0);
    fdt_put32(h + FDT_H_SIZE_STRINGS, w->strings_len);
    fdt_put32(h + FDT_H_SIZE_STRUCT, w->struct_len);
    w->finished = true;
    if (total != NULL)
        *total = size;
    return 0;
}
