/* fdt_reg's translation of "reg" through the "ranges" of the buses above a node (lib/fdt_addr.c):
 * the Raspberry Pi 4's /soc (three entries, 1-cell children in a 2-cell root), empty ranges,
 * buses without ranges, wider cells, and hostile trees (bad lengths, wrap-around, nesting
 * deeper than the reader follows). Trees are built with the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "lib/fdt_read.h"
#include "lib/fdt_write.h"

static uint8_t buf[8192];
static struct fdt_writer w;
static struct fdt f;

static void begin(uint32_t ac, uint32_t sc)
{
    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    fdtw_prop_u32(&w, "#address-cells", ac);
    fdtw_prop_u32(&w, "#size-cells", sc);
}

static void finish(void)
{
    size_t total = 0;

    fdtw_end_node(&w);
    assert_int_equal(fdtw_finish(&w, &total), 0);
    assert_int_equal(fdt_init(&f, buf, total), 0);
}

static void bus(const char *name, uint32_t ac, uint32_t sc)
{
    fdtw_begin_node(&w, name);
    fdtw_prop_u32(&w, "#address-cells", ac);
    fdtw_prop_u32(&w, "#size-cells", sc);
}

static void leaf(const char *name, const uint32_t *reg, int n)
{
    fdtw_begin_node(&w, name);
    fdtw_prop_cells(&w, "reg", reg, n);
    fdtw_end_node(&w);
}

static int reg_of(const char *path, int index, uint64_t *a, uint64_t *s)
{
    int n = fdt_path_offset(&f, path);

    assert_true(n >= 0);
    return fdt_reg(&f, n, index, a, s);
}

static void expect(const char *path, int index, uint64_t addr, uint64_t size)
{
    uint64_t a = 0, s = 0;

    assert_int_equal(reg_of(path, index, &a, &s), 0);
    assert_true(a == addr);
    assert_true(s == size);
}

static void expect_err(const char *path, int index, int err)
{
    uint64_t a = 0x1234, s = 0x5678;

    assert_int_equal(reg_of(path, index, &a, &s), err);
    assert_true(a == 0x1234 && s == 0x5678); /* nothing written on failure */
}

/* The BCM2711's /soc as Linux's bcm2711-rpi-4-b.dts has it: VideoCore bus addresses. */
static void test_bcm2711_soc(void **state)
{
    begin(2, 1);
    bus("soc", 1, 1);
    fdtw_prop_cells(&w, "ranges",
                    (const uint32_t[]){ 0x7e000000, 0, 0xfe000000, 0x1800000, 0x7c000000, 0, 0xfc000000, 0x2000000,
                                        0x40000000, 0, 0xff800000, 0x800000 },
                    12);
    leaf("serial@7e201000", (const uint32_t[]){ 0x7e201000, 0x200 }, 2);
    leaf("serial@7e215040", (const uint32_t[]){ 0x7e215040, 0x40 }, 2);
    leaf("interrupt-controller@40041000",
         (const uint32_t[]){ 0x40041000, 0x1000, 0x40042000, 0x2000, 0x40044000, 0x2000, 0x40046000, 0x2000 }, 8);
    leaf("outside", (const uint32_t[]){ 0x10000000, 0x1000 }, 2);
    leaf("straddle", (const uint32_t[]){ 0x7e000000 + 0x17ff000, 0x2000 }, 2);
    leaf("last-byte", (const uint32_t[]){ 0x7e000000 + 0x17fffff, 1 }, 2);
    fdtw_end_node(&w);
    leaf("memory@0", (const uint32_t[]){ 0, 0, 0x3c000000 }, 3);
    finish();

    expect("/soc/serial@7e201000", 0, 0xfe201000, 0x200);
    expect("/soc/serial@7e215040", 0, 0xfe215040, 0x40);
    expect("/soc/interrupt-controller", 0, 0xff841000, 0x1000);
    expect("/soc/interrupt-controller", 3, 0xff846000, 0x2000);
    expect_err("/soc/interrupt-controller", 4, FDT_E_NOTFOUND);
    expect_err("/soc/outside", 0, FDT_E_NOTRANSLATE);
    expect_err("/soc/straddle", 0, FDT_E_NOTRANSLATE);
    expect("/soc/last-byte", 0, 0xfe000000 + 0x17fffff, 1);
    expect("/memory@0", 0, 0, 0x3c000000); /* a child of the root is not translated */

    uint64_t a = 0, s = 0;
    assert_int_equal(fdt_reg_raw(&f, fdt_path_offset(&f, "/soc/serial@7e201000"), 0, &a, &s), 0);
    assert_true(a == 0x7e201000 && s == 0x200);
}

/* "ranges;" is the identity, through any number of levels; offsets add up along the way. */
static void test_empty_and_nested(void **state)
{
    begin(2, 2);
    bus("outer", 2, 2);
    fdtw_prop_empty(&w, "ranges");
    bus("mid", 1, 1);
    fdtw_prop_cells(&w, "ranges", (const uint32_t[]){ 0x0, 0x1, 0x00000000, 0x100000 }, 4); /* 0 -> 4 GiB */
    bus("inner", 1, 1);
    fdtw_prop_cells(&w, "ranges", (const uint32_t[]){ 0x1000, 0x8000, 0x1000 }, 3); /* 0x1000 -> 0x8000 */
    leaf("dev", (const uint32_t[]){ 0x1800, 0x100 }, 2);
    fdtw_end_node(&w);
    leaf("dev", (const uint32_t[]){ 0x20, 0x10 }, 2);
    fdtw_end_node(&w);
    leaf("dev", (const uint32_t[]){ 0x0, 0x9000000, 0x0, 0x1000 }, 4);
    fdtw_end_node(&w);
    finish();

    expect("/outer/dev", 0, 0x9000000, 0x1000);
    expect("/outer/mid/dev", 0, 0x100000020ull, 0x10);
    expect("/outer/mid/inner/dev", 0, 0x100008800ull, 0x100);
}

/* A bus with no ranges is not memory mapped: its children's reg are IDs (CPUs), which only
 * fdt_reg_raw reads. */
static void test_no_ranges(void **state)
{
    begin(2, 2);
    bus("cpus", 1, 0);
    leaf("cpu@1", (const uint32_t[]){ 0x100 }, 1);
    fdtw_end_node(&w);
    finish();

    uint64_t a = 0, s = 1;
    int cpu = fdt_path_offset(&f, "/cpus/cpu@1");
    assert_int_equal(fdt_reg_raw(&f, cpu, 0, &a, &s), 0);
    assert_true(a == 0x100 && s == 0);
    expect_err("/cpus/cpu@1", 0, FDT_E_NOTRANSLATE);
}

/* Two-cell child and size in a one-cell parent; the first entry holding the region wins. */
static void test_wide_cells(void **state)
{
    begin(1, 1);
    bus("bus", 2, 2);
    fdtw_prop_cells(&w, "ranges",
                    (const uint32_t[]){ 0x1, 0x0, 0x10000000, 0x0, 0x1000000, 0x1, 0x0, 0x20000000, 0x0, 0x2000000 },
                    10);
    leaf("dev", (const uint32_t[]){ 0x1, 0x1800000, 0x0, 0x1000 }, 4);
    fdtw_end_node(&w);
    finish();

    expect("/bus/dev", 0, 0x21800000, 0x1000); /* past the first entry's 16 MiB: the second */
}

/* Hostile ranges: a length that is not a whole number of entries, zero size cells,
 * an entry that maps past the top of the parent's space. */
static void test_bad_ranges(void **state)
{
    begin(2, 1);
    bus("short", 1, 1);
    fdtw_prop_cells(&w, "ranges", (const uint32_t[]){ 0, 0, 0x1000 }, 3);
    leaf("dev", (const uint32_t[]){ 0, 0x10 }, 2);
    fdtw_end_node(&w);
    bus("nosize", 1, 0);
    fdtw_prop_cells(&w, "ranges", (const uint32_t[]){ 0, 0, 0x1000 }, 3);
    leaf("dev", (const uint32_t[]){ 0 }, 1);
    fdtw_end_node(&w);
    bus("top", 1, 1);
    fdtw_prop_cells(&w, "ranges", (const uint32_t[]){ 0, 0xffffffff, 0xfffff000, 0x2000 }, 4);
    leaf("dev", (const uint32_t[]){ 0x1000, 0x100 }, 2);
    leaf("ok", (const uint32_t[]){ 0x0, 0x100 }, 2);
    fdtw_end_node(&w);
    finish();

    expect_err("/short/dev", 0, FDT_E_BADVALUE);
    expect_err("/nosize/dev", 0, FDT_E_BADVALUE);
    expect_err("/top/dev", 0, FDT_E_BADVALUE);
    expect("/top/ok", 0, 0xfffffffffffff000ull, 0x100);
}

/* Identity buses nested deeper than the reader follows: refused, not walked. */
static void test_depth_bound(void **state)
{
    char path[256] = "";

    for (int levels = 16; levels <= 17; levels++) {
        size_t len = 0;

        begin(1, 1);
        for (int i = 0; i < levels; i++) {
            bus("b", 1, 1);
            fdtw_prop_empty(&w, "ranges");
            len += (size_t)snprintf(path + len, sizeof(path) - len, "/b");
        }
        leaf("dev", (const uint32_t[]){ 0x4000, 0x10 }, 2);
        for (int i = 0; i < levels; i++)
            fdtw_end_node(&w);
        finish();
        snprintf(path + len, sizeof(path) - len, "/dev");
        if (levels == 16)
            expect(path, 0, 0x4000, 0x10);
        else
            expect_err(path, 0, FDT_E_NOTRANSLATE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcm2711_soc), cmocka_unit_test(test_empty_and_nested), cmocka_unit_test(test_no_ranges),
        cmocka_unit_test(test_wide_cells),  cmocka_unit_test(test_bad_ranges),       cmocka_unit_test(test_depth_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
