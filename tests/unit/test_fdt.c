/* Device tree reader and writer: a QEMU-virt-like fixture compiled by dtc at startup, the
 * writer's output checked by our reader and by dtc, and hostile blobs (truncated, corrupted,
 * random) that must fail cleanly or stay walkable without ASan/UBSan reports or hangs. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/fdt_read.h"
#include "lib/fdt_write.h"

#define FIXTURE "tests/unit/fixtures/virt-gicv2.dts"
#define DTC     "/usr/bin/dtc"

static uint8_t *fixture;
static size_t fixture_len;

static int try_blob(const uint8_t *data, size_t len);

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");

    if (fp == NULL)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    size_t n = buf == NULL ? 0 : fread(buf, 1, 1 << 20, fp);

    fclose(fp);
    *len = n;
    return buf;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    if (fp == NULL)
        return false;
    bool ok = fwrite(data, 1, len, fp) == len;

    return fclose(fp) == 0 && ok;
}

static bool have_dtc(void) { return access(DTC, X_OK) == 0; }

/* Decompiles a blob with dtc; returns the DTS text (malloc'd) or NULL if dtc rejects it. */
static char *dtc_decompile(const void *blob, size_t len)
{
    char in[] = "/tmp/elvisor-fdt-XXXXXX";
    int fd = mkstemp(in);

    if (fd < 0)
        return NULL;
    close(fd);
    char out[64], cmd[256];
    size_t outlen = 0;
    uint8_t *text = NULL;

    snprintf(out, sizeof(out), "%s.dts", in);
    snprintf(cmd, sizeof(cmd), DTC " -q -I dtb -O dts -o %s %s", out, in);
    if (write_file(in, blob, len) && system(cmd) == 0)
        text = read_file(out, &outlen);
    if (text != NULL)
        text[outlen] = '\0';
    unlink(in);
    unlink(out);
    return (char *)text;
}

static int setup_fixture(void **state)
{
    char tmp[] = "/tmp/elvisor-fdt-XXXXXX";
    int fd = mkstemp(tmp);

    if (fd < 0)
        return -1;
    close(fd);
    char cmd[256];

    snprintf(cmd, sizeof(cmd), DTC " -q -I dts -O dtb -o %s " FIXTURE, tmp);
    if (system(cmd) == 0)
        fixture = read_file(tmp, &fixture_len);
    unlink(tmp);
    /* A no-progress bug in the reader must fail the run, not hang CI. */
    alarm(60);
    return fixture == NULL ? -1 : 0;
}

static int teardown_fixture(void **state)
{
    free(fixture);
    return 0;
}

static void init_fixture(struct fdt *f) { assert_int_equal(fdt_init(f, fixture, fixture_len), 0); }

static int node(const struct fdt *f, const char *path)
{
    int n = fdt_path_offset(f, path);

    if (n < 0)
        fail_msg("path %s: %s", path, fdt_strerror(n));
    return n;
}

static size_t finish_ok(struct fdt_writer *w)
{
    size_t total = 0;

    assert_int_equal(fdtw_finish(w, &total), 0);
    assert_true(total > 40);
    return total;
}

/* ---- reader on the fixture -------------------------------------------------------------- */

static void test_init_fixture(void **state)
{
    struct fdt f;

    init_fixture(&f);
    assert_int_equal(f.totalsize, fixture_len);
    assert_int_equal(fdt_root(&f), 0);
    assert_string_equal(fdt_node_name(&f, fdt_root(&f)), "");
}

static void test_init_header_errors(void **state)
{
    struct fdt f;
    uint8_t *b = malloc(fixture_len);

    assert_int_equal(fdt_init(&f, NULL, 0), FDT_E_TRUNCATED);
    assert_int_equal(fdt_init(&f, fixture, 39), FDT_E_TRUNCATED);
    assert_int_equal(fdt_init(&f, fixture, fixture_len - 1), FDT_E_TRUNCATED);
    memcpy(b, fixture, fixture_len);
    b[0] ^= 1;
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADMAGIC);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 20, 15);
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADVERSION);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 20, 16); /* v16: no structure size, still readable */
    put_be32(b + 36, 0);
    assert_int_equal(try_blob(b, fixture_len), 0);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 24, 18);
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADVERSION);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 8, be32(b + 8) + 2); /* misaligned structure block */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADLAYOUT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 16, 8); /* reservation block inside the header */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADLAYOUT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 4, 39); /* smaller than its own header */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADLAYOUT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 8, 0); /* structure block over the header */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADLAYOUT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 12, 4); /* strings block over the header */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADLAYOUT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 36, be32(b + 36) + 1); /* structure size not a multiple of 4 */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADLAYOUT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 32, be32(b + 32) + 1); /* strings block past the end */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_TRUNCATED);
    memcpy(b, fixture, fixture_len);
    put_be32(b + 36, be32(b + 36) - 4); /* loses FDT_END */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADSTRUCT);
    memcpy(b, fixture, fixture_len);
    put_be32(b + be32(b + 8), 4); /* root replaced by a NOP */
    assert_int_equal(fdt_init(&f, b, fixture_len), FDT_E_BADSTRUCT);
    free(b);
}

static void test_strerror(void **state)
{
    for (int e = FDT_E_NOTRANSLATE; e <= 0; e++) {
        const char *s = fdt_strerror(e);

        assert_non_null(s);
        assert_true(strlen(s) > 1);
        for (int o = e + 1; o <= 0; o++)
            assert_string_not_equal(s, fdt_strerror(o));
    }
    assert_string_equal(fdt_strerror(FDT_E_BADMAGIC), "bad magic");
    assert_string_equal(fdt_strerror(FDT_E_NOTFOUND), "not found");
    assert_string_equal(fdt_strerror(-1000), "unknown error");
}

static void test_subnodes_and_parent(void **state)
{
    static const char *const top[] = {
        "psci",
        "memory@40000000",
        "reserved-memory",
        "platform-bus@c000000",
        "fw-cfg@9020000",
        "virtio_mmio@a000000",
        "virtio_mmio@a000200",
        "pl061@9030000",
        "pl031@9010000",
        "pl011@9000000",
        "pmu",
        "intc@8000000",
        "flash@0",
        "cpus",
        "timer",
        "apb-pclk",
        "aliases",
        "chosen",
    };
    struct fdt f;
    size_t i = 0;
    int prev = 0;

    init_fixture(&f);
    for (int n = fdt_first_subnode(&f, 0); n >= 0; n = fdt_next_subnode(&f, n), i++) {
        assert_true(i < sizeof(top) / sizeof(top[0]));
        assert_true(n > prev);
        prev = n;
        assert_string_equal(fdt_node_name(&f, n), top[i]);
        assert_int_equal(fdt_parent(&f, n), 0);
    }
    assert_int_equal(i, sizeof(top) / sizeof(top[0]));

    int cpus = node(&f, "/cpus"), cpu2 = node(&f, "/cpus/cpu@2");

    assert_string_equal(fdt_node_name(&f, fdt_first_subnode(&f, cpus)), "cpu-map");
    assert_int_equal(fdt_parent(&f, cpu2), cpus);
    assert_int_equal(fdt_parent(&f, node(&f, "/cpus/cpu-map/socket0/cluster0/core3")),
                     node(&f, "/cpus/cpu-map/socket0/cluster0"));
    assert_int_equal(fdt_next_subnode(&f, node(&f, "/cpus/cpu@3")), FDT_E_NOTFOUND);
    assert_int_equal(fdt_first_subnode(&f, cpu2), FDT_E_NOTFOUND);
    assert_int_equal(fdt_next_subnode(&f, 0), FDT_E_NOTFOUND);
    assert_int_equal(fdt_parent(&f, 0), FDT_E_NOTFOUND);
}

static void test_bad_handles(void **state)
{
    static const int bad[] = { -4, -1, 1, 2, 4, 6, 1 << 30, INT32_MAX };
    struct fdt f;
    uint64_t a, s;
    uint32_t v;
    int len;

    init_fixture(&f);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int b = bad[i];

        assert_null(fdt_node_name(&f, b));
        assert_int_equal(fdt_first_subnode(&f, b), FDT_E_BADOFFSET);
        assert_true(fdt_next_subnode(&f, b) < 0);
        assert_int_equal(fdt_parent(&f, b), FDT_E_BADOFFSET);
        assert_null(fdt_getprop(&f, b, "reg", &len));
        assert_int_equal(len, FDT_E_BADOFFSET);
        assert_int_equal(fdt_prop_u32(&f, b, "reg", &v), FDT_E_BADOFFSET);
        assert_false(fdt_is_compatible(&f, b, "arm,pl011"));
        assert_int_equal(fdt_addr_cells(&f, b), FDT_E_BADOFFSET);
        assert_true(fdt_reg(&f, b, 0, &a, &s) < 0);
        if (b >= 0) /* a negative "after" means "from the start" */
            assert_true(fdt_next_compatible(&f, b, "arm,pl011") < 0);
        assert_int_equal(fdt_first_prop(&f, b), FDT_E_BADOFFSET);
        assert_int_equal(fdt_next_prop(&f, b), FDT_E_BADOFFSET);
        assert_null(fdt_prop_at(&f, b, NULL, &len));
    }
    /* A property offset is not a node, and vice versa. */
    int prop = fdt_first_prop(&f, 0);

    assert_true(prop > 0);
    assert_null(fdt_node_name(&f, prop));
    assert_int_equal(fdt_next_prop(&f, 0), FDT_E_BADOFFSET);
}

static void test_paths(void **state)
{
    struct fdt f;

    init_fixture(&f);
    assert_int_equal(fdt_path_offset(&f, "/"), 0);
    assert_string_equal(fdt_node_name(&f, node(&f, "/memory")), "memory@40000000");
    assert_string_equal(fdt_node_name(&f, node(&f, "/cpus/cpu")), "cpu@0");
    assert_string_equal(fdt_node_name(&f, node(&f, "//cpus//cpu@2/")), "cpu@2");
    assert_string_equal(fdt_node_name(&f, node(&f, "/intc/v2m")), "v2m@8020000");
    assert_string_equal(fdt_node_name(&f, node(&f, "serial0")), "pl011@9000000");
    assert_string_equal(fdt_node_name(&f, node(&f, "gic/v2m@8020000")), "v2m@8020000");
    assert_int_equal(fdt_path_offset(&f, ""), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "/nonexistent"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "/cpus/cpu@9"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "/cpus/cpu@"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "/cpu-map"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "/memory@4"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "nosuchalias"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_path_offset(&f, "rtc"), FDT_E_BADVALUE); /* relative alias value */
    assert_int_equal(fdt_path_offset(&f, "serial0/x"), FDT_E_NOTFOUND);
}

static void test_props(void **state)
{
    struct fdt f;
    uint32_t v32;
    uint64_t v64;
    int len;

    init_fixture(&f);
    const char *model = fdt_getprop(&f, 0, "model", &len);

    assert_string_equal(model, "linux,dummy-virt");
    assert_int_equal(len, 17);
    assert_null(fdt_getprop(&f, 0, "modelx", &len));
    assert_int_equal(len, FDT_E_NOTFOUND);
    assert_null(fdt_getprop(&f, 0, "mode", NULL));
    assert_int_equal(fdt_prop_u32(&f, 0, "#address-cells", &v32), 0);
    assert_int_equal(v32, 2);
    assert_int_equal(fdt_prop_u32(&f, 0, "model", &v32), FDT_E_BADVALUE);
    assert_int_equal(fdt_prop_u32(&f, 0, "absent", &v32), FDT_E_NOTFOUND);

    int chosen = node(&f, "/chosen"), clk = node(&f, "/apb-pclk"), mem = node(&f, "/memory");

    assert_int_equal(fdt_prop_u64(&f, chosen, "kaslr-seed", &v64), 0);
    assert_true(v64 == 0x123456789abcdef0ull);
    assert_int_equal(fdt_prop_u64(&f, clk, "clock-frequency", &v64), 0);
    assert_int_equal(v64, 24000000);
    assert_int_equal(fdt_prop_u64(&f, mem, "reg", &v64), FDT_E_BADVALUE);
    assert_int_equal(fdt_prop_u64(&f, mem, "absent", &v64), FDT_E_NOTFOUND);
    assert_string_equal(fdt_prop_string(&f, node(&f, "/psci"), "method"), "smc");
    assert_string_equal(fdt_prop_string(&f, chosen, "bootargs"), "console=ttyAMA0 earlycon");
    assert_null(fdt_prop_string(&f, chosen, "kaslr-seed"));        /* no NUL inside */
    assert_null(fdt_prop_string(&f, node(&f, "/intc"), "ranges")); /* empty */
    assert_null(fdt_prop_string(&f, chosen, "absent"));
    assert_non_null(fdt_getprop(&f, node(&f, "/timer"), "always-on", &len));
    assert_int_equal(len, 0);
}

static void test_prop_iteration(void **state)
{
    static const char *const names[] = {
        "migrate", "cpu_on", "cpu_off", "cpu_suspend", "method", "compatible",
    };
    struct fdt f;
    size_t i = 0;

    init_fixture(&f);
    int psci = node(&f, "/psci");

    for (int p = fdt_first_prop(&f, psci); p >= 0; p = fdt_next_prop(&f, p), i++) {
        const char *name;
        int len;
        const void *v = fdt_prop_at(&f, p, &name, &len);

        assert_true(i < sizeof(names) / sizeof(names[0]));
        assert_string_equal(name, names[i]);
        int glen;

        assert_ptr_equal(fdt_getprop(&f, psci, name, &glen), v);
        assert_int_equal(glen, len);
    }
    assert_int_equal(i, sizeof(names) / sizeof(names[0]));
    assert_int_equal(fdt_first_prop(&f, node(&f, "/cpus/cpu-map")), FDT_E_NOTFOUND);
    assert_non_null(fdt_prop_at(&f, fdt_first_prop(&f, psci), NULL, NULL));
}

static int count_compatible(const struct fdt *f, const char *compat)
{
    int n = 0, prev = -1;

    for (int o = fdt_next_compatible(f, -1, compat); o >= 0; o = fdt_next_compatible(f, o, compat)) {
        assert_true(o > prev);
        prev = o;
        n++;
    }
    return n;
}

static void test_compatible(void **state)
{
    struct fdt f;

    init_fixture(&f);
    int psci = node(&f, "/psci");

    assert_true(fdt_is_compatible(&f, psci, "arm,psci-1.0"));
    assert_true(fdt_is_compatible(&f, psci, "arm,psci-0.2"));
    assert_true(fdt_is_compatible(&f, psci, "arm,psci"));
    assert_false(fdt_is_compatible(&f, psci, "arm,psci-0"));
    assert_false(fdt_is_compatible(&f, psci, "arm,psci-1.0x"));
    assert_false(fdt_is_compatible(&f, node(&f, "/cpus"), "arm,psci"));

    int v0 = fdt_next_compatible(&f, -1, "virtio,mmio");

    assert_string_equal(fdt_node_name(&f, v0), "virtio_mmio@a000000");
    int v1 = fdt_next_compatible(&f, v0, "virtio,mmio");

    assert_string_equal(fdt_node_name(&f, v1), "virtio_mmio@a000200");
    assert_int_equal(fdt_next_compatible(&f, v1, "virtio,mmio"), FDT_E_NOTFOUND);
    assert_int_equal(fdt_next_compatible(&f, -1, "linux,dummy-virt"), 0);
    assert_int_equal(fdt_next_compatible(&f, -1, "arm,cortex-a15-gic"), node(&f, "/intc"));
    assert_int_equal(count_compatible(&f, "arm,primecell"), 3);
    assert_int_equal(count_compatible(&f, "arm,cortex-a57"), 4);
    assert_int_equal(count_compatible(&f, "arm,gic-v2m-frame"), 1);
    assert_int_equal(count_compatible(&f, "nothing"), 0);
}

static void test_phandle(void **state)
{
    struct fdt f;

    init_fixture(&f);
    assert_int_equal(fdt_node_by_phandle(&f, 0x8002), node(&f, "/intc@8000000"));
    assert_int_equal(fdt_node_by_phandle(&f, 0x8003), node(&f, "/intc/v2m"));
    assert_int_equal(fdt_node_by_phandle(&f, 0x8013), node(&f, "/cpus/cpu@3")); /* linux, */
    assert_int_equal(fdt_node_by_phandle(&f, 0x8000), node(&f, "/apb-pclk"));
    assert_int_equal(fdt_node_by_phandle(&f, 0), FDT_E_NOTFOUND);
    assert_int_equal(fdt_node_by_phandle(&f, UINT32_MAX), FDT_E_NOTFOUND);
    assert_int_equal(fdt_node_by_phandle(&f, 0x9999), FDT_E_NOTFOUND);

    uint32_t ip;

    assert_int_equal(fdt_prop_u32(&f, 0, "interrupt-parent", &ip), 0);
    assert_int_equal(fdt_node_by_phandle(&f, ip), node(&f, "/intc"));
}

static void expect_reg(const struct fdt *f, int n, int index, uint64_t addr, uint64_t size)
{
    uint64_t a = 1, s = 1;

    assert_int_equal(fdt_reg(f, n, index, &a, &s), 0);
    assert_true(a == addr);
    assert_true(s == size);
}

static void test_cells_and_reg(void **state)
{
    struct fdt f;
    uint64_t a, s;

    init_fixture(&f);
    int cpus = node(&f, "/cpus"), intc = node(&f, "/intc"), mem = node(&f, "/memory");

    assert_int_equal(fdt_addr_cells(&f, 0), 2);
    assert_int_equal(fdt_size_cells(&f, 0), 2);
    assert_int_equal(fdt_addr_cells(&f, cpus), 1);
    assert_int_equal(fdt_size_cells(&f, cpus), 0);
    assert_int_equal(fdt_addr_cells(&f, node(&f, "/psci")), 2); /* defaults */
    assert_int_equal(fdt_size_cells(&f, node(&f, "/psci")), 1);
    expect_reg(&f, mem, 0, 0x40000000, 0x40000000);
    assert_int_equal(fdt_reg(&f, mem, 1, &a, &s), FDT_E_NOTFOUND);
    assert_int_equal(fdt_reg(&f, mem, -1, &a, &s), FDT_E_NOTFOUND);
    expect_reg(&f, intc, 0, 0x8000000, 0x10000);
    expect_reg(&f, intc, 1, 0x8010000, 0x10000);
    expect_reg(&f, intc, 2, 0x8030000, 0x10000);
    expect_reg(&f, intc, 3, 0x8040000, 0x10000);
    assert_int_equal(fdt_reg(&f, intc, 4, &a, &s), FDT_E_NOTFOUND);
    expect_reg(&f, node(&f, "/intc/v2m"), 0, 0x8020000, 0x1000);
    expect_reg(&f, node(&f, "/flash"), 1, 0x4000000, 0x4000000);
    expect_reg(&f, node(&f, "/reserved-memory/secmon"), 0, 0x7f000000, 0x200000);
    for (int i = 0; i < 4; i++) {
        char path[32];

        snprintf(path, sizeof(path), "/cpus/cpu@%d", i);
        assert_int_equal(fdt_reg_raw(&f, node(&f, path), 0, &a, &s), 0);
        assert_true(a == (uint64_t)i && s == 0);
        /* /cpus has no ranges: a CPU's reg is an ID, not an address */
        assert_int_equal(fdt_reg(&f, node(&f, path), 0, &a, &s), FDT_E_NOTRANSLATE);
    }
    assert_int_equal(fdt_reg(&f, node(&f, "/psci"), 0, &a, &s), FDT_E_NOTFOUND);
    assert_int_equal(fdt_reg(&f, 0, 0, &a, &s), FDT_E_NOTFOUND);
}

static void test_stdout_and_memrsv(void **state)
{
    struct fdt f;
    uint64_t a, s;

    init_fixture(&f);
    assert_int_equal(fdt_stdout_node(&f), node(&f, "/pl011@9000000"));
    assert_int_equal(fdt_mem_rsv(&f, 0, &a, &s), 0);
    assert_true(a == 0x48000000 && s == 0x100000);
    assert_int_equal(fdt_mem_rsv(&f, 1, &a, &s), 0);
    assert_true(a == 0x100000000ull && s == 0x2000);
    assert_int_equal(fdt_mem_rsv(&f, 2, &a, &s), FDT_E_NOTFOUND);
    assert_int_equal(fdt_mem_rsv(&f, -1, &a, &s), FDT_E_NOTFOUND);
}

/* ---- walking arbitrary blobs ------------------------------------------------------------ */

/* Calls every getter on every node of a blob that fdt_init accepted. Whatever the content,
 * the tree must be consistent: children after their parent, fdt_parent agreeing with the
 * walk, each listed property found again by name. Returns the number of nodes. */
static int walk_node(const struct fdt *f, int n, int parent, int depth, int budget)
{
    uint32_t v32;
    uint64_t v64, a, s;
    int len, count = 1;
    const char *last = NULL;

    assert_non_null(fdt_node_name(f, n));
    assert_int_equal(fdt_parent(f, n), parent < 0 ? FDT_E_NOTFOUND : parent);
    for (int p = fdt_first_prop(f, n), prev = n; p >= 0; p = fdt_next_prop(f, p)) {
        assert_true(p > prev);
        prev = p;
        assert_non_null(fdt_prop_at(f, p, &last, &len));
        assert_non_null(last);
        assert_true(len >= 0);
    }
    if (last != NULL)
        assert_non_null(fdt_getprop(f, n, last, &len));
    (void)fdt_prop_string(f, n, "compatible");
    (void)fdt_prop_u64(f, n, "reg", &v64);
    (void)fdt_is_compatible(f, n, "arm,pl011");
    (void)fdt_addr_cells(f, n);
    (void)fdt_size_cells(f, n);
    (void)fdt_reg(f, n, 1, &a, &s);
    if (fdt_prop_u32(f, n, "phandle", &v32) == 0)
        assert_true(fdt_node_by_phandle(f, v32) >= 0 || v32 == 0 || v32 == UINT32_MAX);
    int prev = n;

    for (int c = fdt_first_subnode(f, n); c >= 0; c = fdt_next_subnode(f, c)) {
        assert_true(c > prev);
        assert_true(depth < budget);
        prev = c;
        count += walk_node(f, c, n, depth + 1, budget);
    }
    return count;
}

static void walk_all(const struct fdt *f)
{
    uint64_t a, s;
    char path[64];

    int nodes = walk_node(f, fdt_root(f), -1, 0, (int)f->totalsize);

    assert_true(nodes >= 1);
    for (int i = 0; fdt_mem_rsv(f, i, &a, &s) == 0; i++)
        assert_true(i < (int)(f->totalsize / 16));
    (void)fdt_stdout_node(f);
    (void)count_compatible(f, "arm,cortex-a57");
    (void)fdt_path_offset(f, "serial0");
    (void)fdt_path_offset(f, "/cpus/cpu@1");
    (void)fdt_path_offset(f, "/intc/v2m");
    int first = fdt_first_subnode(f, 0);

    if (first >= 0) {
        snprintf(path, sizeof(path), "/%s", fdt_node_name(f, first));
        assert_true(fdt_path_offset(f, path) >= 0);
    }
}

/* Runs fdt_init on an exact-size heap copy (so that ASan sees any read past it) and walks the
 * tree when accepted. Returns the fdt_init result. */
static int try_blob(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    struct fdt f;

    memcpy(copy, data, len);
    int err = fdt_init(&f, copy, len);

    if (err == 0)
        walk_all(&f);
    free(copy);
    return err;
}

/* Builds a blob from a structure block given as words and a strings block. The strings block
 * goes first so that the structure block ends the blob: a reader that runs past it leaves the
 * heap copy that try_blob hands it. */
#define T_BEGIN    1u
#define T_END_NODE 2u
#define T_PROP     3u
#define T_NOP      4u
#define T_END      9u

static size_t hand_blob(uint8_t *b, uint32_t version, const uint32_t *words, size_t n, const char *strings, size_t slen)
{
    uint32_t soff = 56, off = (uint32_t)(soff + slen + 3) & ~3u;
    uint32_t total = off + 4 * (uint32_t)n;

    memset(b, 0, total);
    put_be32(b, FDT_MAGIC);
    put_be32(b + 4, total);
    put_be32(b + 8, off);
    put_be32(b + 12, soff);
    put_be32(b + 16, 40);
    put_be32(b + 20, version);
    put_be32(b + 24, 16);
    put_be32(b + 32, (uint32_t)slen);
    put_be32(b + 36, version >= 17 ? 4 * (uint32_t)n : 0);
    memcpy(b + soff, strings, slen);
    for (size_t i = 0; i < n; i++)
        put_be32(b + off + 4 * i, words[i]);
    return total;
}

static int hand_try(uint8_t *b, uint32_t version, const uint32_t *words, size_t n, const char *strings, size_t slen)
{
    return try_blob(b, hand_blob(b, version, words, n, strings, slen));
}

#define HAND(version, strings, ...)                          \
    hand_try(hb, version, (const uint32_t[]){ __VA_ARGS__ }, \
             sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t), strings, sizeof(strings) - 1)

static void test_init_structure_errors(void **state)
{
    uint8_t hb[256];
    struct fdt f;
    uint32_t v;

    /* Well formed, NOPs anywhere after the root's start, and the same as a v16 blob. */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_PROP, 4, 0, 0x12345678, T_NOP, T_BEGIN, 0x61000000, T_END_NODE,
                          T_NOP, T_END_NODE, T_NOP, T_END),
                     0);
    assert_int_equal(fdt_init(&f, hb, sizeof(hb)), 0);
    assert_int_equal(fdt_prop_u32(&f, 0, "x", &v), 0);
    assert_int_equal(v, 0x12345678);
    assert_string_equal(fdt_node_name(&f, fdt_first_subnode(&f, 0)), "a");
    assert_int_equal(HAND(16, "x\0", T_BEGIN, 0, T_PROP, 0, 0, T_END_NODE, T_END), 0);

    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_END_NODE, T_BEGIN, 0, T_END_NODE, T_END),
                     FDT_E_BADSTRUCT); /* two roots */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_BEGIN, 0x61000000, T_END_NODE, T_PROP, 0, 0, T_END_NODE, T_END),
                     FDT_E_BADSTRUCT); /* prop after node */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_END_NODE, T_PROP, 0, 0, T_END),
                     FDT_E_BADSTRUCT); /* prop after root */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_END_NODE, T_END_NODE, T_END), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_END), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_END_NODE), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_NOP, T_BEGIN, 0, T_END_NODE, T_END), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_END), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, 5, T_END_NODE, T_END), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_PROP, 0, 2, T_END_NODE, T_END),
                     FDT_E_BADSTRUCT); /* nameoff outside */
    assert_int_equal(HAND(17, "xy", T_BEGIN, 0, T_PROP, 0, 0, T_END_NODE, T_END),
                     FDT_E_BADSTRUCT); /* name without NUL */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_PROP, 0x7fffffff, 0, T_END_NODE, T_END),
                     FDT_E_BADSTRUCT); /* value too long */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_PROP, 5, 0, 0, T_END_NODE, T_END),
                     FDT_E_BADSTRUCT); /* eats END_NODE */
    /* Cut off inside a token: the reader must not look past the blob's last byte. */
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_PROP), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0, T_PROP, 0), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN, 0x61616161), FDT_E_BADSTRUCT);
    assert_int_equal(HAND(17, "x\0", T_BEGIN), FDT_E_BADSTRUCT);
}

/* Handles that fdt_init never saw: a well-formed token inside a property value, the same
 * misaligned, and a structure block without any NUL after a node tag. */
static void test_unvalidated_handles(void **state)
{
    static const uint8_t fake[16] = { 0, 0, 0, 1, 'a', 0, 0, 0, 'z', 0, 0, 0, 1, 'b', 0, 0 };
    uint8_t buf[512];
    struct fdt_writer w;
    struct fdt f;
    int len;

    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    fdtw_prop(&w, "fake", fake, sizeof(fake));
    fdtw_prop(&w, "compatible", "abc\0de", 6);
    fdtw_end_node(&w);
    size_t total = finish_ok(&w);

    assert_int_equal(fdt_init(&f, buf, total), 0);
    int prop = fdt_first_prop(&f, 0);
    const uint8_t *v = fdt_prop_at(&f, prop, NULL, &len);
    int at = prop + 12;

    assert_ptr_equal(v, buf + be32(buf + 8) + at);
    assert_string_equal(fdt_node_name(&f, at), "a");       /* well formed, so readable */
    assert_int_equal(fdt_parent(&f, at), FDT_E_BADOFFSET); /* but not in the tree */
    assert_null(fdt_node_name(&f, at + 9));                /* misaligned */
    assert_int_equal(fdt_parent(&f, at + 9), FDT_E_BADOFFSET);
    /* Only complete strings of a compatible list count. */
    assert_true(fdt_is_compatible(&f, 0, "abc"));
    assert_false(fdt_is_compatible(&f, 0, "de"));

    uint8_t *raw = malloc(8);

    memcpy(raw, "\0\0\0\1abcd", 8);
    struct fdt g = { .blob = raw, .totalsize = 8, .size_struct = 8 };

    assert_null(fdt_node_name(&g, 0));
    assert_int_equal(fdt_first_subnode(&g, 0), FDT_E_BADOFFSET);
    free(raw);
}

static void test_walk_fixture(void **state) { assert_int_equal(try_blob(fixture, fixture_len), 0); }

static void test_truncated(void **state)
{
    uint8_t *b = malloc(fixture_len);
    uint32_t off_struct = be32(fixture + 8), size_struct = be32(fixture + 36);
    uint32_t off_strings = be32(fixture + 12), size_strings = be32(fixture + 32);

    for (size_t len = 0; len < fixture_len; len++) {
        assert_true(try_blob(fixture, len) < 0);
        if (len < 40)
            continue;
        /* Same length, but with a header that claims it: the blocks themselves are cut. */
        memcpy(b, fixture, len);
        put_be32(b + 4, (uint32_t)len);
        if (len > off_struct && len - off_struct < size_struct)
            put_be32(b + 36, (uint32_t)(len - off_struct) & ~3u);
        if (len > off_strings && len - off_strings < size_strings)
            put_be32(b + 32, (uint32_t)(len - off_strings));
        assert_true(try_blob(b, len) < 0);
    }
    free(b);
}

static void test_corrupt_header(void **state)
{
    static const uint8_t flips[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff };
    uint8_t *b = malloc(fixture_len);

    for (size_t i = 0; i < 40; i++) {
        for (size_t j = 0; j < sizeof(flips); j++) {
            memcpy(b, fixture, fixture_len);
            b[i] ^= flips[j];
            (void)try_blob(b, fixture_len);
        }
    }
    free(b);
}

static uint32_t lcg(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* Every byte of the structure block corrupted once (the flip pattern rotating), every aligned
 * word replaced by token values, lengths and name offsets that just miss (rotating too), and
 * random bytes of the strings block. One corruption per run keeps the run under a second. */
static void test_corrupt_struct(void **state)
{
    static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x04 };
    uint8_t *b = malloc(fixture_len);
    uint32_t off = be32(fixture + 8), size = be32(fixture + 36);
    uint32_t soff = be32(fixture + 12), ssize = be32(fixture + 32);
    const uint32_t words[] = { 0, 1, 2, 3, 4, 9, ssize, ssize - 1, size, UINT32_MAX, 0x7ffffffc };
    uint32_t seed = 1;
    int accepted = 0, runs = 0;

    for (uint32_t i = 0; i < size; i++, runs++) {
        memcpy(b, fixture, fixture_len);
        b[off + i] ^= flips[i % sizeof(flips)];
        accepted += try_blob(b, fixture_len) == 0;
    }
    for (uint32_t i = 0; i < size; i += 4, runs++) {
        memcpy(b, fixture, fixture_len);
        put_be32(b + off + i, words[(i / 4) % (sizeof(words) / sizeof(words[0]))]);
        accepted += try_blob(b, fixture_len) == 0;
    }
    for (int k = 0; k < 200; k++, runs++) {
        memcpy(b, fixture, fixture_len);
        b[soff + lcg(&seed) % ssize] = (uint8_t)lcg(&seed);
        accepted += try_blob(b, fixture_len) == 0;
    }
    /* Both outcomes happened, so the corruptions reached the walker and the checks. */
    assert_true(accepted > 0 && accepted < runs);
    free(b);
}

/* Random token streams behind a valid header: nesting, lengths and name offsets all over the
 * place, so fdt_init's structure checks (not just its header checks) get exercised. */
static size_t random_blob(uint8_t *b, size_t cap, uint32_t *seed)
{
    static const uint32_t tags[] = { 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 9 };
    static const char strings[] = "compatible\0reg\0#address-cells\0#size-cells\0phandle";
    uint32_t pos = 40 + 16, depth = 0;

    memset(b, 0, cap);
    put_be32(b + 56, 1); /* a root, so that most streams get somewhere */
    pos += 8;
    depth = 1;
    for (int n = (int)(lcg(seed) % 40); n > 0 && pos + 64 < cap - sizeof(strings); n--) {
        uint32_t tag = tags[lcg(seed) % (sizeof(tags) / sizeof(tags[0]))];

        if (n == 1 || lcg(seed) % 16 == 0)
            tag = depth > 0 && lcg(seed) % 4 != 0 ? 2 : 9;
        put_be32(b + pos, tag);
        pos += 4;
        if (tag == 1) {
            uint32_t len = lcg(seed) % 6;

            for (uint32_t i = 0; i < len; i++)
                b[pos + i] = (uint8_t)('a' + lcg(seed) % 3);
            pos += (len + 4) & ~3u;
            depth++;
        } else if (tag == 3) {
            uint32_t len = lcg(seed) % 12, nameoff = lcg(seed) % (sizeof(strings) + 2);

            put_be32(b + pos, lcg(seed) % 32 == 0 ? lcg(seed) : len);
            put_be32(b + pos + 4, nameoff);
            for (uint32_t i = 0; i < len; i++)
                b[pos + 8 + i] = (uint8_t)lcg(seed);
            pos += 8 + ((len + 3) & ~3u);
        } else if (tag == 2 && depth > 0) {
            depth--;
        }
    }
    memcpy(b + pos, strings, sizeof(strings));
    uint32_t total = pos + (uint32_t)sizeof(strings);

    put_be32(b, FDT_MAGIC);
    put_be32(b + 4, total);
    put_be32(b + 8, 56);
    put_be32(b + 12, pos);
    put_be32(b + 16, 40);
    put_be32(b + 20, 17);
    put_be32(b + 24, 16);
    put_be32(b + 32, sizeof(strings));
    put_be32(b + 36, pos - 56);
    return total;
}

static void test_random_structures(void **state)
{
    uint8_t b[1024];
    uint32_t seed = 12345;
    int accepted = 0;

    for (int i = 0; i < 20000; i++) {
        size_t len = random_blob(b, sizeof(b), &seed);

        accepted += try_blob(b, len) == 0;
    }
    assert_true(accepted > 100);
}

/* ---- writer ----------------------------------------------------------------------------- */

/* A small VM tree exercising every helper. */
static void build_vm_tree(struct fdt_writer *w)
{
    static const char *const compat[] = { "arm,pl011", "arm,primecell" };
    static const uint32_t gic_reg[] = { 0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000 };

    fdtw_reserve(w, 0x48000000, 0x1000);
    fdtw_begin_node(w, "");
    fdtw_prop_u32(w, "#address-cells", 2);
    fdtw_prop_u32(w, "#size-cells", 2);
    fdtw_prop_string(w, "compatible", "elvisor,vm");
    fdtw_prop_u32(w, "interrupt-parent", 1);
    fdtw_begin_node(w, "memory@40000000");
    fdtw_prop_string(w, "device_type", "memory");
    fdtw_prop_cells(w, "reg", (const uint32_t[]){ 0, 0x40000000, 0, 0x8000000 }, 4);
    fdtw_end_node(w);
    fdtw_begin_node(w, "intc@8000000");
    fdtw_prop_string(w, "compatible", "arm,cortex-a15-gic");
    fdtw_prop_cells(w, "reg", gic_reg, 8);
    fdtw_prop_empty(w, "interrupt-controller");
    fdtw_prop_u32(w, "phandle", 1);
    fdtw_end_node(w);
    fdtw_begin_node(w, "uart@1");
    fdtw_prop_strings(w, "compatible", compat, 2);
    fdtw_prop_cells(w, "reg", (const uint32_t[]){ 0, 0x9000000, 0, 0x1000 }, 4);
    fdtw_end_node(w);
    fdtw_begin_node(w, "uart");
    fdtw_prop_u64(w, "big", 0x0102030405060708ull);
    fdtw_end_node(w);
    fdtw_begin_node(w, "chosen");
    fdtw_prop_string(w, "stdout-path", "/uart@1");
    fdtw_prop(w, "raw", "\x01\x02\x03", 3);
    fdtw_end_node(w);
    fdtw_end_node(w);
}

static void test_writer_roundtrip(void **state)
{
    uint8_t buf[2048];
    struct fdt_writer w;
    struct fdt f;
    uint64_t a, s, v64;
    int len;

    fdtw_init(&w, buf, sizeof(buf));
    build_vm_tree(&w);
    size_t total = finish_ok(&w);

    assert_int_equal(fdt_init(&f, buf, total), 0);
    assert_int_equal(be32(buf + 20), 17);
    assert_int_equal(be32(buf + 24), 16);
    assert_int_equal(fdt_mem_rsv(&f, 0, &a, &s), 0);
    assert_true(a == 0x48000000 && s == 0x1000);
    assert_int_equal(fdt_mem_rsv(&f, 1, &a, &s), FDT_E_NOTFOUND);
    assert_int_equal(fdt_stdout_node(&f), fdt_path_offset(&f, "/uart@1"));
    /* Exact name beats the unit-address match that comes first. */
    assert_string_equal(fdt_node_name(&f, fdt_path_offset(&f, "/uart")), "uart");
    assert_true(fdt_is_compatible(&f, fdt_path_offset(&f, "/uart@1"), "arm,primecell"));
    assert_int_equal(fdt_node_by_phandle(&f, 1), fdt_path_offset(&f, "/intc"));
    assert_int_equal(fdt_reg(&f, fdt_path_offset(&f, "/intc"), 1, &a, &s), 0);
    assert_true(a == 0x8010000 && s == 0x10000);
    assert_int_equal(fdt_prop_u64(&f, fdt_path_offset(&f, "/uart"), "big", &v64), 0);
    assert_true(v64 == 0x0102030405060708ull);
    const uint8_t *raw = fdt_getprop(&f, fdt_path_offset(&f, "/chosen"), "raw", &len);

    assert_int_equal(len, 3);
    assert_memory_equal(raw, "\x01\x02\x03", 3);
    const char *cl = fdt_getprop(&f, fdt_path_offset(&f, "/uart@1"), "compatible", &len);

    assert_int_equal(len, 24);
    assert_memory_equal(cl, "arm,pl011\0arm,primecell", 24);
    assert_non_null(fdt_getprop(&f, fdt_path_offset(&f, "/intc"), "interrupt-controller", &len));
    assert_int_equal(len, 0);
    /* Names are stored once each. */
    static const char *const names[] = {
        "#address-cells",       "#size-cells", "compatible", "interrupt-parent", "device_type", "reg",
        "interrupt-controller", "phandle",     "big",        "stdout-path",      "raw",
    };
    uint32_t want = 0;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        want += (uint32_t)strlen(names[i]) + 1;
    assert_int_equal(f.size_strings, want);
    assert_int_equal(try_blob(buf, total), 0);

    if (have_dtc()) {
        char *dts = dtc_decompile(buf, total);

        assert_non_null(dts);
        assert_non_null(strstr(dts, "/memreserve/\t0x0000000048000000 0x0000000000001000;"));
        assert_non_null(strstr(dts, "compatible = \"arm,pl011\\0arm,primecell\";"));
        assert_non_null(strstr(dts, "big = <0x1020304 0x5060708>;"));
        free(dts);
    }
}

/* Copies the subtree at n with the writer, property by property. */
static void copy_node(const struct fdt *f, int n, struct fdt_writer *w)
{
    fdtw_begin_node(w, fdt_node_name(f, n));
    for (int p = fdt_first_prop(f, n); p >= 0; p = fdt_next_prop(f, p)) {
        const char *name;
        int len;
        const void *v = fdt_prop_at(f, p, &name, &len);

        fdtw_prop(w, name, v, len);
    }
    for (int c = fdt_first_subnode(f, n); c >= 0; c = fdt_next_subnode(f, c))
        copy_node(f, c, w);
    fdtw_end_node(w);
}

/* Compares two trees node by node and property by property. */
static void same_tree(const struct fdt *x, int nx, const struct fdt *y, int ny)
{
    assert_string_equal(fdt_node_name(x, nx), fdt_node_name(y, ny));
    int px = fdt_first_prop(x, nx), py = fdt_first_prop(y, ny);

    for (; px >= 0 && py >= 0; px = fdt_next_prop(x, px), py = fdt_next_prop(y, py)) {
        const char *namex, *namey;
        int lx, ly;
        const void *vx = fdt_prop_at(x, px, &namex, &lx), *vy = fdt_prop_at(y, py, &namey, &ly);

        assert_string_equal(namex, namey);
        assert_int_equal(lx, ly);
        assert_memory_equal(vx, vy, (size_t)lx);
    }
    assert_int_equal(px, FDT_E_NOTFOUND);
    assert_int_equal(py, FDT_E_NOTFOUND);
    int cx = fdt_first_subnode(x, nx), cy = fdt_first_subnode(y, ny);

    for (; cx >= 0 && cy >= 0; cx = fdt_next_subnode(x, cx), cy = fdt_next_subnode(y, cy))
        same_tree(x, cx, y, cy);
    assert_int_equal(cx, FDT_E_NOTFOUND);
    assert_int_equal(cy, FDT_E_NOTFOUND);
}

/* The fixture copied through the writer reads back identically, and dtc decompiles both to the
 * same source. */
static void test_writer_copies_fixture(void **state)
{
    struct fdt f, g;
    struct fdt_writer w;
    uint64_t a, s;
    size_t cap = fixture_len + 256;
    uint8_t *buf = malloc(cap);

    init_fixture(&f);
    fdtw_init(&w, buf, cap);
    for (int i = 0; fdt_mem_rsv(&f, i, &a, &s) == 0; i++)
        fdtw_reserve(&w, a, s);
    copy_node(&f, fdt_root(&f), &w);
    size_t total = finish_ok(&w);

    assert_true(total <= fixture_len); /* dtc dedupes names too; we never do worse */
    assert_int_equal(fdt_init(&g, buf, total), 0);
    same_tree(&f, 0, &g, 0);
    assert_int_equal(fdt_mem_rsv(&g, 1, &a, &s), 0);
    assert_true(a == 0x100000000ull && s == 0x2000);
    if (have_dtc()) {
        char *ours = dtc_decompile(buf, total), *theirs = dtc_decompile(fixture, fixture_len);

        assert_non_null(ours);
        assert_non_null(theirs);
        assert_string_equal(ours, theirs);
        free(ours);
        free(theirs);
    }
    free(buf);
}

static int writer_error(void (*steps)(struct fdt_writer *w))
{
    uint8_t buf[512];
    struct fdt_writer w;

    fdtw_init(&w, buf, sizeof(buf));
    steps(&w);
    return fdtw_finish(&w, NULL);
}

static void steps_nothing(struct fdt_writer *w) { (void)w; }
static void steps_open(struct fdt_writer *w) { fdtw_begin_node(w, ""); }
static void steps_extra_end(struct fdt_writer *w) { fdtw_end_node(w); }

static void steps_open_child(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_begin_node(w, "a");
    fdtw_end_node(w);
}

static void steps_two_roots(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_end_node(w);
    fdtw_begin_node(w, "");
    fdtw_end_node(w);
}

static void steps_late_reserve(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_reserve(w, 0, 1);
    fdtw_end_node(w);
}

static void steps_prop_outside(struct fdt_writer *w)
{
    fdtw_prop_u32(w, "x", 1);
    fdtw_begin_node(w, "");
    fdtw_end_node(w);
}

static void steps_prop_after_child(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_begin_node(w, "a");
    fdtw_end_node(w);
    fdtw_prop_u32(w, "x", 1);
    fdtw_end_node(w);
}

static void steps_named_root(struct fdt_writer *w)
{
    fdtw_begin_node(w, "root");
    fdtw_end_node(w);
}

static void steps_unnamed_child(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_begin_node(w, "");
    fdtw_end_node(w);
    fdtw_end_node(w);
}

static void steps_negative_len(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_prop(w, "x", "", -1);
    fdtw_end_node(w);
}

static void steps_null_value(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_prop(w, "x", NULL, 4);
    fdtw_end_node(w);
}

static void steps_empty_prop_name(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_prop_empty(w, "");
    fdtw_end_node(w);
}

/* The first error sticks even though a different one follows. */
static void steps_latched(struct fdt_writer *w)
{
    fdtw_begin_node(w, "");
    fdtw_prop(w, "x", NULL, 4); /* BADVALUE */
    fdtw_end_node(w);
    fdtw_end_node(w); /* would be BADSTATE */
}

static void test_writer_errors(void **state)
{
    assert_int_equal(writer_error(steps_nothing), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_open), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_open_child), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_extra_end), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_two_roots), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_late_reserve), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_prop_outside), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_prop_after_child), FDT_E_BADSTATE);
    assert_int_equal(writer_error(steps_named_root), FDT_E_BADVALUE);
    assert_int_equal(writer_error(steps_unnamed_child), FDT_E_BADVALUE);
    assert_int_equal(writer_error(steps_negative_len), FDT_E_BADVALUE);
    assert_int_equal(writer_error(steps_null_value), FDT_E_BADVALUE);
    assert_int_equal(writer_error(steps_empty_prop_name), FDT_E_BADVALUE);
    assert_int_equal(writer_error(steps_latched), FDT_E_BADVALUE);

    /* Nothing is accepted once finished. */
    uint8_t buf[256];
    struct fdt_writer w;

    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    fdtw_end_node(&w);
    finish_ok(&w);
    assert_int_equal(fdtw_finish(&w, NULL), FDT_E_BADSTATE);
    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    fdtw_end_node(&w);
    finish_ok(&w);
    fdtw_begin_node(&w, "");
    assert_int_equal(fdtw_finish(&w, NULL), FDT_E_BADSTATE);
}

/* Every capacity below the exact need fails with NOSPACE without writing past it; the exact
 * capacity yields the same bytes as a roomy buffer, since the layout does not depend on it. */
static void test_writer_nospace(void **state)
{
    uint8_t big[4096];
    struct fdt_writer w;

    fdtw_init(&w, big, sizeof(big));
    build_vm_tree(&w);
    size_t need = finish_ok(&w);

    /* Names longer than the whole buffer. */
    char name[300];

    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    uint8_t *small = malloc(128);

    fdtw_init(&w, small, 128);
    fdtw_begin_node(&w, "");
    fdtw_prop_empty(&w, name);
    assert_int_equal(fdtw_finish(&w, NULL), FDT_E_NOSPACE);
    fdtw_init(&w, small, 128);
    fdtw_begin_node(&w, "");
    fdtw_begin_node(&w, name);
    assert_int_equal(fdtw_finish(&w, NULL), FDT_E_NOSPACE);
    fdtw_init(&w, small, 128);
    fdtw_begin_node(&w, "");
    fdtw_prop(&w, "x", name, sizeof(name));
    assert_int_equal(fdtw_finish(&w, NULL), FDT_E_NOSPACE);
    free(small);

    for (size_t cap = 0; cap <= need; cap++) {
        uint8_t *buf = malloc(cap ? cap : 1);
        size_t total = 0;

        fdtw_init(&w, cap ? buf : NULL, cap);
        build_vm_tree(&w);
        int err = fdtw_finish(&w, &total);

        if (cap < need) {
            assert_int_equal(err, FDT_E_NOSPACE);
        } else {
            assert_int_equal(err, 0);
            assert_int_equal(total, need);
            assert_memory_equal(buf, big, need);
        }
        free(buf);
    }
}

/* Binding errors the fixture cannot show: cell counts out of range, reg of the wrong size. */
static void test_reader_bad_values(void **state)
{
    uint8_t buf[1024];
    struct fdt_writer w;
    struct fdt f;
    uint64_t a, s;

    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    fdtw_prop_u32(&w, "#address-cells", 3);
    fdtw_begin_node(&w, "three");
    fdtw_prop_cells(&w, "reg", (const uint32_t[]){ 1, 2, 3, 4 }, 4);
    fdtw_end_node(&w);
    fdtw_begin_node(&w, "bus");
    fdtw_prop_u32(&w, "#address-cells", 1);
    fdtw_prop_u64(&w, "#size-cells", 1);
    fdtw_begin_node(&w, "dev");
    fdtw_prop_u32(&w, "reg", 1);
    fdtw_end_node(&w);
    fdtw_end_node(&w);
    fdtw_begin_node(&w, "bus2");
    fdtw_prop_u32(&w, "#address-cells", 5);
    fdtw_prop_u32(&w, "#size-cells", 1);
    fdtw_end_node(&w);
    fdtw_begin_node(&w, "bus3");
    fdtw_prop_u32(&w, "#address-cells", 1);
    fdtw_prop_u32(&w, "#size-cells", 1);
    fdtw_begin_node(&w, "dev");
    fdtw_prop_cells(&w, "reg", (const uint32_t[]){ 1, 2, 3 }, 3);
    fdtw_end_node(&w);
    fdtw_end_node(&w);
    fdtw_begin_node(&w, "zero");
    fdtw_prop_u32(&w, "phandle", 0); /* reserved value: never matches */
    fdtw_end_node(&w);
    fdtw_begin_node(&w, "chosen");
    fdtw_prop_string(&w, "linux,stdout-path", "/bus3/dev:9600");
    fdtw_end_node(&w);
    fdtw_end_node(&w);
    size_t total = finish_ok(&w);

    assert_int_equal(fdt_init(&f, buf, total), 0);
    assert_int_equal(fdt_reg(&f, fdt_path_offset(&f, "/three"), 0, &a, &s), FDT_E_BADVALUE);
    assert_int_equal(fdt_size_cells(&f, fdt_path_offset(&f, "/bus")), FDT_E_BADVALUE);
    assert_int_equal(fdt_reg(&f, fdt_path_offset(&f, "/bus/dev"), 0, &a, &s), FDT_E_BADVALUE);
    assert_int_equal(fdt_addr_cells(&f, fdt_path_offset(&f, "/bus2")), FDT_E_BADVALUE);
    assert_int_equal(fdt_reg(&f, fdt_path_offset(&f, "/bus3/dev"), 0, &a, &s), FDT_E_BADVALUE);
    assert_int_equal(fdt_stdout_node(&f), fdt_path_offset(&f, "/bus3/dev"));
    assert_int_equal(fdt_path_offset(&f, "serial0"), FDT_E_NOTFOUND); /* no /aliases */
    assert_int_equal(fdt_node_by_phandle(&f, 0), FDT_E_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_fixture),
        cmocka_unit_test(test_init_header_errors),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_subnodes_and_parent),
        cmocka_unit_test(test_bad_handles),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_props),
        cmocka_unit_test(test_prop_iteration),
        cmocka_unit_test(test_compatible),
        cmocka_unit_test(test_phandle),
        cmocka_unit_test(test_cells_and_reg),
        cmocka_unit_test(test_stdout_and_memrsv),
        cmocka_unit_test(test_init_structure_errors),
        cmocka_unit_test(test_unvalidated_handles),
        cmocka_unit_test(test_walk_fixture),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_header),
        cmocka_unit_test(test_corrupt_struct),
        cmocka_unit_test(test_random_structures),
        cmocka_unit_test(test_writer_roundtrip),
        cmocka_unit_test(test_writer_copies_fixture),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_writer_nospace),
        cmocka_unit_test(test_reader_bad_values),
    };

    return cmocka_run_group_tests_name("fdt", tests, setup_fixture, teardown_fixture);
}
