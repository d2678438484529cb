/* libFuzzer harness for lib/fdt_read.c and lib/fdt_write.c.
 *
 * Reader: the input is a blob; when fdt_init accepts it, every node and property is visited
 * with every getter, and what the getters say is checked against what the walk saw (parents,
 * property lookup by name, numeric and string views, paths, phandles, compatible lists, reg).
 * Bogus handles are thrown at every entry point as well.
 *
 * Writer: the same bytes are also read as a script of writer calls with fuzzed names and
 * values. When fdtw_finish succeeds, the reader must accept the output and walk back exactly
 * the nodes, properties and reservations that were written. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdt_read.h"
#include "lib/fdt_write.h"

#include "tests/host/check.h"

static const uint8_t *blob_lo, *blob_hi;

static bool in_blob(const void *p, size_t len)
{
    const uint8_t *b = p;
    return b >= blob_lo && b <= blob_hi && len <= (size_t)(blob_hi - b);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- reader ----------------------------------------------------------------------------- */

#define MAX_DEPTH 64
#define MAX_PATH  1024
#define MAX_PROPS 64  /* per node, for the quadratic first-of-its-name check */
#define MAX_QUAD  128 /* nodes that get the (linear) path and phandle lookups */

struct walk {
    const struct fdt *f;
    unsigned nodes;
};

/* Absolute path of node by following parents; false if it does not fit or a name is odd. */
static bool path_of(const struct fdt *f, int node, char *out, size_t cap)
{
    int chain[MAX_DEPTH + 1];
    int depth = 0;

    for (int n = node; n != fdt_root(f); n = fdt_parent(f, n)) {
        if (n < 0 || depth == MAX_DEPTH)
            return false;
        chain[depth++] = n;
    }
    size_t pos = 0;
    const int depth_total = depth;
    out[0] = '\0';
    if (depth == 0) {
        out[0] = '/';
        out[1] = '\0';
        return true;
    }
    while (depth-- > 0) {
        const char *name = fdt_node_name(f, chain[depth]);
        size_t n = strlen(name);
        /* names that path syntax cannot express exactly */
        if (n == 0 || strchr(name, '/') != NULL || pos + n + 2 > cap)
            return false;
        /* a path names the first of same-named siblings only */
        int parent = depth + 1 < depth_total ? chain[depth + 1] : fdt_root(f);
        for (int s = fdt_first_subnode(f, parent); s >= 0 && s != chain[depth]; s = fdt_next_subnode(f, s))
            if (strcmp(fdt_node_name(f, s), name) == 0)
                return false;
        out[pos++] = '/';
        memcpy(out + pos, name, n);
        pos += n;
        out[pos] = '\0';
    }
    return true;
}

static void check_prop(struct walk *w, int node, int prop, const char *const *seen, int nseen)
{
    const struct fdt *f = w->f;
    const char *name = NULL;
    int len = -1;
    const uint8_t *val = fdt_prop_at(f, prop, &name, &len);

    CHECK(val != NULL);
    CHECK(name != NULL && in_blob(name, strlen(name) + 1));
    CHECK(len >= 0 && in_blob(val, (size_t)len));

    /* Lookup by name finds the first property of that name in the node. */
    bool first = true;
    for (int i = 0; i < nseen; i++)
        first &= strcmp(seen[i], name) != 0;
    int glen = -1;
    const uint8_t *g = fdt_getprop(f, node, name, &glen);
    CHECK(g != NULL && glen >= 0 && in_blob(g, (size_t)glen));
    if (first && nseen < MAX_PROPS) {
        CHECK(g == val);
        CHECK(glen == len);
    }
    CHECK(fdt_getprop(f, node, name, NULL) == g);

    /* Numeric and string views of the value lookup found. */
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    int r32 = fdt_prop_u32(f, node, name, &u32);
    int r64 = fdt_prop_u64(f, node, name, &u64);
    CHECK((r32 == 0) == (glen == 4));
    CHECK((r64 == 0) == (glen == 4 || glen == 8));
    if (r32 == 0)
        CHECK(u32 == be32(g) && u64 == u32);
    if (r64 == 0 && glen == 8)
        CHECK(u64 == ((uint64_t)be32(g) << 32 | be32(g + 4)));
    const char *s = fdt_prop_string(f, node, name);
    bool terminated = glen > 0 && memchr(g, 0, (size_t)glen) != NULL;
    CHECK((s != NULL) == terminated);
    if (s != NULL)
        CHECK(s == (const char *)g);

    /* Every string of a compatible list matches; the node is found by it. */
    if (strcmp(name, "compatible") == 0 && first) {
        for (int pos = 0; pos < glen;) {
            const char *c = (const char *)g + pos;
            size_t n = strnlen(c, (size_t)(glen - pos));
            if (n == (size_t)(glen - pos))
                break;
            CHECK(fdt_is_compatible(f, node, c));
            int hit = -1, steps = 0;
            for (int at = fdt_next_compatible(f, -1, c); at >= 0 && steps < 100000;
                 at = fdt_next_compatible(f, at, c), steps++) {
                CHECK(fdt_is_compatible(f, at, c));
                if (at == node)
                    hit = at;
                if (at >= node)
                    break;
            }
            CHECK(hit == node);
            pos += (int)n + 1;
        }
    }
    /* A node with a usable phandle is found by it (the first node carrying that value). */
    if (strcmp(name, "phandle") == 0 && first && r32 == 0 && u32 != 0 && u32 != 0xffffffffu && w->nodes < MAX_QUAD) {
        int at = fdt_node_by_phandle(f, u32);
        CHECK(at >= 0 && at <= node);
        uint32_t again = 0;
        CHECK(fdt_prop_u32(f, at, "phandle", &again) == 0 && again == u32);
    }
}

static void walk_node(struct walk *w, int node, int depth)
{
    const struct fdt *f = w->f;
    const char *name = fdt_node_name(f, node);

    CHECK(name != NULL && in_blob(name, strlen(name) + 1));
    CHECK((node == fdt_root(f)) == (depth == 0));
    w->nodes++;

    const char *seen[MAX_PROPS];
    int nseen = 0;
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        check_prop(w, node, p, seen, nseen);
        if (nseen < MAX_PROPS) {
            const char *pn = NULL;
            fdt_prop_at(f, p, &pn, NULL);
            seen[nseen++] = pn;
        }
    }
    CHECK(fdt_getprop(f, node, "no such property, surely", NULL) == NULL);

    /* Bindings: results must be in range or a clean error. */
    int ac = fdt_addr_cells(f, node), sc = fdt_size_cells(f, node);
    CHECK(ac == FDT_E_BADVALUE || (ac >= 0 && ac <= 4));
    CHECK(sc == FDT_E_BADVALUE || (sc >= 0 && sc <= 4));
    for (int i = 0; i < 4; i++) {
        uint64_t a = 0, s = 0, ra = 0, rs = 0;
        int r = fdt_reg(f, node, i, &a, &s);
        int raw = fdt_reg_raw(f, node, i, &ra, &rs);
        CHECK(r <= 0 && r >= FDT_E_NOTRANSLATE && raw <= 0);
        /* Translation through ranges keeps the size and needs the untranslated reg. */
        CHECK(r < 0 || (raw == 0 && s == rs));
        if (r < 0)
            break;
    }

    if (w->nodes < MAX_QUAD) {
        char path[MAX_PATH], back[MAX_PATH];
        if (path_of(f, node, path, sizeof(path))) {
            int at = fdt_path_offset(f, path);
            CHECK(at >= 0);
            CHECK(path_of(f, at, back, sizeof(back)) && strcmp(path, back) == 0);
        }
    }

    if (depth == MAX_DEPTH)
        return;
    for (int c = fdt_first_subnode(f, node); c >= 0; c = fdt_next_subnode(f, c)) {
        CHECK(c > node);
        CHECK(fdt_parent(f, c) == node);
        walk_node(w, c, depth + 1);
    }
}

static void fuzz_reader(const uint8_t *data, size_t size)
{
    struct fdt f;

    if (fdt_init(&f, data, size) != 0)
        return;
    blob_lo = data;
    blob_hi = data + size;
    CHECK(f.totalsize <= size);

    struct walk w = { .f = &f };
    walk_node(&w, fdt_root(&f), 0);

    for (int i = 0; i < 100000; i++) {
        uint64_t a, s;
        int r = fdt_mem_rsv(&f, i, &a, &s);
        CHECK(r == 0 || r == FDT_E_NOTFOUND);
        if (r != 0) {
            CHECK((uint32_t)i == f.rsv_count);
            break;
        }
    }
    int so = fdt_stdout_node(&f);
    CHECK(so < 0 || fdt_node_name(&f, so) != NULL);
    static const char *const paths[] = {
        "/", "/chosen", "/cpus/cpu@0", "serial0", "serial0/x", "/vms/a", "//", "a/b/", "/memory",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        int n = fdt_path_offset(&f, paths[i]);
        CHECK(n < 0 || fdt_node_name(&f, n) != NULL);
    }

    /* Bogus handles: every offset around the structure block, and far away ones. */
    uint32_t span = f.size_struct + 16;
    for (uint32_t k = 0; k < 64; k++) {
        int h = (int)((k * 2654435761u) % span) - 8;
        if (k < 4)
            h = (int[]){ -1, INT32_MIN, INT32_MAX, (int)f.size_struct }[k];
        const char *n = fdt_node_name(&f, h);
        CHECK(n == NULL || in_blob(n, strlen(n) + 1));
        (void)fdt_first_subnode(&f, h);
        (void)fdt_next_subnode(&f, h);
        (void)fdt_parent(&f, h);
        int len;
        const void *v = fdt_getprop(&f, h, "reg", &len);
        CHECK(v == NULL || in_blob(v, (size_t)len));
        const char *pn = NULL;
        v = fdt_prop_at(&f, h, &pn, &len);
        CHECK(v == NULL || in_blob(v, (size_t)len));
        (void)fdt_next_prop(&f, h);
        (void)fdt_first_prop(&f, h);
        (void)fdt_is_compatible(&f, h, "arm,pl011");
        (void)fdt_next_compatible(&f, h, "arm,pl011");
        uint64_t a, s;
        (void)fdt_reg(&f, h, 0, &a, &s);
        (void)fdt_addr_cells(&f, h);
        (void)fdt_size_cells(&f, h);
    }
}

/* ---- writer ----------------------------------------------------------------------------- */

struct cursor {
    const uint8_t *p;
    size_t n;
};

static uint8_t take8(struct cursor *c)
{
    if (c->n == 0)
        return 0;
    c->n--;
    return *c->p++;
}

/* A NUL-terminated name of up to 255 fuzzed bytes (stops early at a NUL in the input). */
static void take_name(struct cursor *c, char *out)
{
    size_t len = take8(c);
    size_t i = 0;
    while (i < len && c->n > 0) {
        out[i] = (char)take8(c);
        if (out[i] == '\0')
            break;
        i++;
    }
    out[i] = '\0';
}

enum ev_kind { EV_BEGIN, EV_PROP, EV_END };

#define MAX_EVENTS 512
#define VAL_POOL   (64 * 1024)

struct writer_log {
    struct {
        enum ev_kind kind;
        char name[256];
        uint32_t val_off;
        int len;
    } ev[MAX_EVENTS];
    unsigned nev;
    uint8_t vals[VAL_POOL];
    uint32_t vals_len;
    uint64_t rsv[16][2];
    unsigned nrsv;
};

static struct writer_log wlog;

static bool log_event(enum ev_kind kind, const char *name, const void *val, int len)
{
    if (wlog.nev == MAX_EVENTS || len < 0 || wlog.vals_len + (uint32_t)len > VAL_POOL)
        return false;
    wlog.ev[wlog.nev].kind = kind;
    snprintf(wlog.ev[wlog.nev].name, sizeof(wlog.ev[0].name), "%s", name ? name : "");
    wlog.ev[wlog.nev].val_off = wlog.vals_len;
    wlog.ev[wlog.nev].len = len;
    if (len > 0)
        memcpy(wlog.vals + wlog.vals_len, val, (size_t)len);
    wlog.vals_len += (uint32_t)len;
    wlog.nev++;
    return true;
}

/* Walks the tree read back from the writer's output in the order it was written. */
static void replay(const struct fdt *f, int node, unsigned *i)
{
    CHECK(*i < wlog.nev && wlog.ev[*i].kind == EV_BEGIN);
    CHECK(strcmp(fdt_node_name(f, node), wlog.ev[*i].name) == 0);
    (*i)++;
    for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
        const char *name;
        int len;
        const uint8_t *v = fdt_prop_at(f, p, &name, &len);
        CHECK(*i < wlog.nev && wlog.ev[*i].kind == EV_PROP);
        CHECK(strcmp(name, wlog.ev[*i].name) == 0);
        CHECK(len == wlog.ev[*i].len);
        CHECK(len == 0 || memcmp(v, wlog.vals + wlog.ev[*i].val_off, (size_t)len) == 0);
        (*i)++;
    }
    for (int c = fdt_first_subnode(f, node); c >= 0; c = fdt_next_subnode(f, c))
        replay(f, c, i);
    CHECK(*i < wlog.nev && wlog.ev[*i].kind == EV_END);
    (*i)++;
}

static void fuzz_writer(const uint8_t *data, size_t size)
{
    struct cursor c = { data, size };
    size_t cap = (size_t)take8(&c) << 4 | (take8(&c) & 0xf); /* 0 .. 4095 bytes */
    uint8_t *buf = malloc(cap ? cap : 1);
    struct fdt_writer w;
    bool logged = true;
    char name[256], str[4][256];

    wlog.nev = 0;
    wlog.vals_len = 0;
    wlog.nrsv = 0;
    fdtw_init(&w, cap ? buf : NULL, cap);
    for (unsigned steps = 0; c.n > 0 && steps < 400; steps++) {
        uint8_t op = take8(&c);
        switch (op % 11) {
        case 0: {
            uint64_t a = 0, s = 0;
            for (int i = 0; i < 8; i++) {
                a = a << 8 | take8(&c);
                s = s << 8 | take8(&c);
            }
            /* The writer refuses empty reservations (they would read as the terminator). */
            if (s == 0)
                s = 1;
            fdtw_reserve(&w, a, s);
            if (wlog.nrsv < 16) {
                wlog.rsv[wlog.nrsv][0] = a;
                wlog.rsv[wlog.nrsv++][1] = s;
            } else {
                logged = false;
            }
            break;
        }
        case 1:
        case 2:
            /* a nameless node when op says so: the root, or an error elsewhere */
            if (op & 0x80)
                name[0] = '\0';
            else
                take_name(&c, name);
            fdtw_begin_node(&w, name);
            logged &= log_event(EV_BEGIN, name, NULL, 0);
            break;
        case 3:
        case 4:
            fdtw_end_node(&w);
            logged &= log_event(EV_END, NULL, NULL, 0);
            break;
        case 5: {
            take_name(&c, name);
            int len = take8(&c);
            uint8_t val[256];
            for (int i = 0; i < len; i++)
                val[i] = take8(&c);
            fdtw_prop(&w, name, val, len);
            logged &= log_event(EV_PROP, name, val, len);
            break;
        }
        case 6: {
            take_name(&c, name);
            uint32_t v = (uint32_t)take8(&c) << 24 | (uint32_t)take8(&c) << 8 | take8(&c);
            uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
            fdtw_prop_u32(&w, name, v);
            logged &= log_event(EV_PROP, name, be, 4);
            break;
        }
        case 7: {
            take_name(&c, name);
            uint64_t v = 0;
            uint8_t be[8];
            for (int i = 0; i < 8; i++) {
                be[i] = take8(&c);
                v = v << 8 | be[i];
            }
            fdtw_prop_u64(&w, name, v);
            logged &= log_event(EV_PROP, name, be, 8);
            break;
        }
        case 8: {
            take_name(&c, name);
            int n = take8(&c) % 5;
            const char *list[4];
            uint8_t cat[4 * 256];
            int len = 0;
            for (int i = 0; i < n; i++) {
                take_name(&c, str[i]);
                list[i] = str[i];
                size_t l = strlen(str[i]) + 1;
                memcpy(cat + len, str[i], l);
                len += (int)l;
            }
            if (n == 1 && (op & 0x80))
                fdtw_prop_string(&w, name, list[0]);
            else
                fdtw_prop_strings(&w, name, list, n);
            logged &= log_event(EV_PROP, name, cat, len);
            break;
        }
        case 9: {
            take_name(&c, name);
            int n = take8(&c) % 16;
            uint32_t cells[16];
            uint8_t be[64];
            for (int i = 0; i < n; i++) {
                cells[i] = (uint32_t)take8(&c) << 24 | take8(&c);
                be[4 * i] = (uint8_t)(cells[i] >> 24);
                be[4 * i + 1] = (uint8_t)(cells[i] >> 16);
                be[4 * i + 2] = (uint8_t)(cells[i] >> 8);
                be[4 * i + 3] = (uint8_t)cells[i];
            }
            fdtw_prop_cells(&w, name, cells, n);
            logged &= log_event(EV_PROP, name, be, 4 * n);
            break;
        }
        default:
            take_name(&c, name);
            fdtw_prop_empty(&w, name);
            logged &= log_event(EV_PROP, name, NULL, 0);
            break;
        }
    }

    size_t total = 0;
    int err = fdtw_finish(&w, &total);
    CHECK(err <= 0);
    if (err == 0) {
        /* Success means every call was accepted: the reader must see exactly the log. */
        struct fdt f;
        CHECK(total <= cap);
        int r = fdt_init(&f, buf, total);
        if (r != 0) {
            fprintf(stderr, "writer output refused by the reader: %s\n", fdt_strerror(r));
            abort();
        }
        CHECK(f.totalsize == total);
        if (logged) {
            unsigned i = 0;
            replay(&f, fdt_root(&f), &i);
            CHECK(i == wlog.nev);
            CHECK(f.rsv_count == wlog.nrsv);
            for (unsigned k = 0; k < wlog.nrsv; k++) {
                uint64_t a, s;
                CHECK(fdt_mem_rsv(&f, (int)k, &a, &s) == 0);
                CHECK(a == wlog.rsv[k][0] && s == wlog.rsv[k][1]);
            }
        }
        /* And the full reader checks hold on it too. */
        fuzz_reader(buf, total);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: any read past the end is an ASan report. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    fuzz_reader(copy, size);
    free(copy);
    fuzz_writer(data, size);
    return 0;
}
