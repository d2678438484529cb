/* Unit tests for core/config.c: the VM configuration DTB. Configurations are written in DTS here,
 * as users write them, and compiled with dtc at test time. Each refusal reason is checked with
 * a bad VM placed between good ones: the bad one is reported once, by name and property, and the
 * good ones around it are accepted with every field parsed. */
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

#include "core/config.h"
#include "core/vdev.h"

#define DTC "/usr/bin/dtc"

/* ---- the machine the configurations are checked against ------------------------------- */

/* The virtual GIC windows vmm.c reserves (GICv2 layout). */
static const struct vm_region gic_windows[2] = {
    { 0x08000000, 0, 0x10000 },
    { 0x08010000, 0, 0x10000 },
};

static const struct {
    const char *path;
    uint64_t size;
} pack[] = {
    { "k.bin", 0x1000 },
    { "k2m.bin", 0x200000 }, /* exactly 2 MiB */
    { "big.bin", 0x300000 },
    { "rd.img", 0x80000 },
    { "rd-fit.img", 0x1f0000 },          /* fills a 4 MiB VM with a 2 MiB kernel exactly */
    { "rd-over.img", 0x1f1000 },         /* one page more */
    { "huge.bin", UINT64_MAX - 0x1000 }, /* sizes that would wrap the sum */
    { "linux19.bin", 0x1e6000 },         /* a 1.9 MiB Linux Image with text_offset 0x80000 */
    { "rd15.img", 0x180000 },            /* 1.5 MiB */
    { "fw.bin", 0xed228 },               /* about U-Boot's qemu_arm64 build */
    { "fw-huge.bin", (UINT64_C(256) << 20) + 1 },
};

/* Paths of the files in the pack; also anything under build/guests/ (the real test configs)
 * and under ok/ (long paths). */
static int file_size(const char *path, uint64_t *size)
{
    for (size_t i = 0; i < sizeof(pack) / sizeof(pack[0]); i++) {
        if (strcmp(path, pack[i].path) == 0) {
            *size = pack[i].size;
            return 0;
        }
    }
    if (strncmp(path, "build/guests/", 13) == 0 || strncmp(path, "ok/", 3) == 0) {
        *size = 0x2000;
        return 0;
    }
    if (strncmp(path, "build/disks/", 12) == 0) { /* the virtio-blk images (Makefile) */
        *size = UINT64_C(16) << 20;
        return 0;
    }
    if (strncmp(path, "build/linux/", 12) == 0) { /* about the Debian kernel's sizes */
        *size = strstr(path, "initramfs") ? (UINT64_C(2) << 20) : (UINT64_C(28) << 20);
        return 0;
    }
    return -1;
}

/* The kind in the table of kinds (vdev/device_table.c, linked without the models) with this
 * compatible string. */
static const struct vdev_kind *kind_named(const char *compatible)
{
    for (unsigned i = 0; i < vdev_nr_kinds; i++)
        if (strcmp(vdev_kinds[i].compatible, compatible) == 0)
            return &vdev_kinds[i];
    fail_msg("no kind \"%s\"", compatible);
    return NULL;
}

/* Images load at offset 0 but for linux19.bin, whose header asks for 0x80000. */
static uint64_t load_offset(const char *path) { return strcmp(path, "linux19.bin") == 0 ? 0x80000 : 0; }

static const struct config_limits limits = {
    .nr_cpus = 4,
    .ipa_bits = 40,
    .file_size = file_size,
    .load_offset = load_offset,
    .reserved = gic_windows,
    .nr_reserved = 2,
};

/* ---- reports ---------------------------------------------------------------------------- */

#define MAX_REPORTS 32

static struct {
    bool whole;
    char vm[64];
    char reason[256];
} reports[MAX_REPORTS];
static int nreports;

static void record(const char *vm, const char *reason)
{
    assert_non_null(reason);
    assert_true(strlen(reason) > 0);
    if (nreports == MAX_REPORTS)
        fail_msg("too many reports");
    reports[nreports].whole = vm == NULL;
    snprintf(reports[nreports].vm, sizeof(reports[nreports].vm), "%s", vm ? vm : "");
    snprintf(reports[nreports].reason, sizeof(reports[nreports].reason), "%s", reason);
    nreports++;
}

/* The VM was reported exactly once, with a reason containing what. */
static void expect_refused(const char *vm, const char *what)
{
    int found = -1;

    for (int i = 0; i < nreports; i++) {
        if (!reports[i].whole && strcmp(reports[i].vm, vm) == 0) {
            if (found >= 0)
                fail_msg("VM '%s' reported twice", vm);
            found = i;
        }
    }
    if (found < 0)
        fail_msg("VM '%s' not reported (expected \"%s\")", vm, what);
    if (strstr(reports[found].reason, what) == NULL)
        fail_msg("VM '%s': reason \"%s\" lacks \"%s\"", vm, reports[found].reason, what);
}

static void expect_whole_error(const char *what)
{
    assert_int_equal(nreports, 1);
    assert_true(reports[0].whole);
    if (strstr(reports[0].reason, what) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", reports[0].reason, what);
}

/* ---- compiling and parsing -------------------------------------------------------------- */

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");

    if (fp == NULL)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, fp) : 0;
    fclose(fp);
    *len = n;
    return buf;
}

/* dtc on a DTS file; the blob is malloc'd. */
static uint8_t *compile_file(const char *dts_path, size_t *len)
{
    char out[] = "/tmp/elvisor-config-XXXXXX";
    int fd = mkstemp(out);

    assert_true(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), DTC " -q -I dts -O dtb -o %s %s", out, dts_path);
    uint8_t *blob = NULL;
    if (system(cmd) == 0)
        blob = read_all(out, len);
    unlink(out);
    if (blob == NULL)
        fail_msg("dtc failed on %s", dts_path);
    return blob;
}

static uint8_t *compile(const char *dts, size_t *len)
{
    char in[] = "/tmp/elvisor-config-XXXXXX";
    int fd = mkstemp(in);

    assert_true(fd >= 0);
    size_t n = strlen(dts);
    assert_int_equal(write(fd, dts, n), (ssize_t)n);
    close(fd);
    uint8_t *blob = compile_file(in, len);
    unlink(in);
    return blob;
}

static int parse_blob(const void *blob, size_t len, struct vm_config *out)
{
    nreports = 0;
    memset(out, 0xa5, sizeof(struct vm_config) * CONFIG_MAX_VMS);
    return config_parse(blob, len, &limits, out, record);
}

/* The VMs text goes inside / { vms { ... }; }; */
static int parse_vms(const char *vms, struct vm_config *out)
{
    static char dts[65536];
    size_t len;

    snprintf(dts, sizeof(dts), "/dts-v1/;\n/ {\n vms {\n%s\n };\n};\n", vms);
    uint8_t *blob = compile(dts, &len);
    int n = parse_blob(blob, len, out);
    free(blob);
    return n;
}

/* A minimal valid VM, and its parts. 4 MiB is the smallest RAM any kernel fits in: the kernel
 * takes whole 2 MiB and the device tree 64 KiB more. */
#define MEM4M "memory = <0x0 0x40000000 0x0 0x400000>;"
#define MEM2M "memory = <0x0 0x40000000 0x0 0x200000>;"
#define BASE  "vcpus = <1>; cpu-affinity = <0>; kernel = \"k.bin\";"
#define GOOD  MEM4M " " BASE

static void expect_minimal(const struct vm_config *vm, const char *name)
{
    assert_string_equal(vm->name, name);
    assert_int_equal(vm->ram_ipa, 0x40000000);
    assert_int_equal(vm->ram_size, 0x400000);
    assert_int_equal(vm->nr_vcpus, 1);
    assert_int_equal(vm->affinity[0], 0);
    assert_string_equal(vm->kernel, "k.bin");
    assert_string_equal(vm->initrd, "");
    assert_string_equal(vm->bootargs, "");
    assert_int_equal(vm->nr_passthru, 0);
    assert_int_equal(vm->nr_passthru_irqs, 0);
    assert_int_equal(vm->nr_devs, 0);
    assert_int_equal(vm->cpu_features_off, 0); /* every feature on unless turned off */
}

static void expect_names(const struct vm_config *out, int n, const char *const *names, int count)
{
    assert_int_equal(n, count);
    for (int i = 0; i < count; i++)
        assert_string_equal(out[i].name, names[i]);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_full_vm(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms(
        "full {"
        "  memory = <0x1 0x80000000 0x0 0x10000000>;"
        "  vcpus = <3>; cpu-affinity = <3 0 2>;"
        "  kernel = \"big.bin\"; initrd = \"rd.img\"; bootargs = \"console=ttyAMA0 quiet\";"
        "  passthrough {"
        "    eth@a000000 { reg = <0x0 0x0a000000 0x0 0x1000 0x0 0x0a002000 0x0 0x2000>; interrupts = <40 41>; };"
        "    irq-only { interrupts = <1019>; };"
        "    mmio-only { reg = <0x2 0x00000000 0x0 0x200000>; };"
        "  };"
        "  devices {"
        "    uart@9000000 { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x1000>; interrupts = <33>; };"
        "    dbg@9010000 { compatible = \"vendor,thing\", \"elvisor,debug-regs\"; reg = <0x0 0x09010000 0x0 0x3000>; };"
        "  };"
        "};"
        "small { " GOOD " };",
        out);

    assert_int_equal(n, 2);
    assert_int_equal(nreports, 0);
    const struct vm_config *vm = &out[0];
    assert_string_equal(vm->name, "full");
    assert_int_equal(vm->ram_ipa, 0x180000000);
    assert_int_equal(vm->ram_size, 0x10000000);
    assert_int_equal(vm->nr_vcpus, 3);
    assert_int_equal(vm->affinity[0], 3);
    assert_int_equal(vm->affinity[1], 0);
    assert_int_equal(vm->affinity[2], 2);
    assert_string_equal(vm->kernel, "big.bin");
    assert_string_equal(vm->initrd, "rd.img");
    assert_string_equal(vm->bootargs, "console=ttyAMA0 quiet");
    assert_int_equal(vm->nr_passthru, 3);
    assert_int_equal(vm->passthru[0].pa, 0x0a000000);
    assert_int_equal(vm->passthru[0].ipa, 0x0a000000);
    assert_int_equal(vm->passthru[0].size, 0x1000);
    assert_int_equal(vm->passthru[1].pa, 0x0a002000);
    assert_int_equal(vm->passthru[1].ipa, 0x0a002000);
    assert_int_equal(vm->passthru[1].size, 0x2000);
    assert_int_equal(vm->passthru[2].pa, 0x200000000);
    assert_int_equal(vm->passthru[2].ipa, 0x200000000);
    assert_int_equal(vm->passthru[2].size, 0x200000);
    assert_int_equal(vm->nr_passthru_irqs, 3);
    assert_int_equal(vm->passthru_irq[0], 40);
    assert_int_equal(vm->passthru_irq[1], 41);
    assert_int_equal(vm->passthru_irq[2], 1019);
    assert_int_equal(vm->nr_devs, 2);
    assert_ptr_equal(vm->dev[0].kind, kind_named("arm,pl011"));
    assert_int_equal(vm->dev[0].ipa, 0x09000000);
    assert_int_equal(vm->dev[0].size, 0x1000);
    assert_int_equal(vm->dev[0].intid, 33);
    assert_ptr_equal(vm->dev[1].kind, kind_named("elvisor,debug-regs"));
    assert_int_equal(vm->dev[1].ipa, 0x09010000);
    assert_int_equal(vm->dev[1].size, 0x3000);
    assert_int_equal(vm->dev[1].intid, 0);
    expect_minimal(&out[1], "small");
}

static void test_limits_accepted(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    char vms[8192], name31[32], path111[112], args255[256];

    memset(name31, 'n', 31);
    name31[31] = 0;
    memcpy(path111, "ok/", 3);
    memset(path111 + 3, 'p', 108);
    path111[111] = 0;
    memset(args255, 'a', 255);
    args255[255] = 0;
    snprintf(vms, sizeof(vms),
             /* the last 4 MiB of a 40-bit IPA space */
             "top { memory = <0xff 0xffc00000 0x0 0x400000>; " BASE " };"
             /* 8 vCPUs on 4 CPUs, sharing */
             "eight { " MEM4M " vcpus = <8>; cpu-affinity = <0 1 2 3 3 2 1 0>; kernel = \"k.bin\"; };"
             "%s { " GOOD " };"
             "long-strings { " MEM4M " vcpus = <1>; cpu-affinity = <0>; kernel = \"%s\"; bootargs = \"%s\"; };"
             /* kernel 2 MiB + initrd + 64 KiB device tree = exactly 4 MiB */
             "exact-fit { memory = <0x0 0x40000000 0x0 0x400000>; vcpus = <1>; cpu-affinity = <0>;"
             "  kernel = \"k2m.bin\"; initrd = \"rd-fit.img\"; };"
             /* windows that touch without overlapping: memory, devices, the GIC, passthrough */
             "adjacent { memory = <0x0 0x08200000 0x0 0x400000>; " BASE
             "  devices { a { compatible = \"arm,pl011\"; reg = <0x0 0x07fff000 0x0 0x1000>; };"
             "            b { compatible = \"arm,pl011\"; reg = <0x0 0x08020000 0x0 0x1000>; }; };"
             "  passthrough { p { reg = <0x0 0x08600000 0x0 0x1000 0x0 0x08021000 0x0 0x1df000>; }; }; };"
             /* 8 devices, 8 passthrough regions and 16 passthrough SPIs */
             "full-house { " GOOD "  devices {"
             "    d0 { compatible = \"arm,pl011\"; reg = <0x0 0x10000000 0x0 0x1000>; interrupts = <32>; };"
             "    d1 { compatible = \"arm,pl011\"; reg = <0x0 0x10001000 0x0 0x1000>; };"
             "    d2 { compatible = \"arm,pl011\"; reg = <0x0 0x10002000 0x0 0x1000>; };"
             "    d3 { compatible = \"arm,pl011\"; reg = <0x0 0x10003000 0x0 0x1000>; };"
             "    d4 { compatible = \"elvisor,debug-regs\"; reg = <0x0 0x10004000 0x0 0x1000>; };"
             "    d5 { compatible = \"elvisor,debug-regs\"; reg = <0x0 0x10005000 0x0 0x1000>; };"
             "    d6 { compatible = \"elvisor,debug-regs\"; reg = <0x0 0x10006000 0x0 0x1000>; };"
             "    d7 { compatible = \"elvisor,debug-regs\"; reg = <0x0 0x10007000 0x0 0x1000>; interrupts = <1019>; };"
             "  };"
             "  passthrough {"
             "    p0 { reg = <0x0 0x20000000 0x0 0x1000 0x0 0x20001000 0x0 0x1000 0x0 0x20002000 0x0 0x1000>;"
             "         interrupts = <32 33 34 35 36 37 38 39 40 41>; };"
             "    p1 { reg = <0x0 0x20003000 0x0 0x1000 0x0 0x20004000 0x0 0x1000>; interrupts = <50 51 52>; };"
             "    p2 { reg = <0x0 0x20005000 0x0 0x1000 0x0 0x20006000 0x0 0x1000 0x0 0x20007000 0x0 0x1000>;"
             "         interrupts = <60 61 62>; };"
             "  }; };",
             name31, path111, args255);
    int n = parse_vms(vms, out);

    assert_int_equal(nreports, 0);
    assert_int_equal(n, 7);
    assert_string_equal(out[0].name, "top");
    assert_int_equal(out[0].ram_ipa, 0xffffc00000);
    assert_int_equal(out[1].nr_vcpus, 8);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(out[1].affinity[i], i < 4 ? i : 7 - i);
    expect_minimal(&out[2], name31);
    assert_string_equal(out[3].kernel, path111);
    assert_string_equal(out[3].bootargs, args255);
    assert_string_equal(out[4].initrd, "rd-fit.img");
    assert_int_equal(out[4].ram_size, 0x400000);
    assert_int_equal(out[5].nr_devs, 2);
    assert_int_equal(out[5].nr_passthru, 2);
    assert_int_equal(out[5].passthru[1].ipa, 0x08021000);
    assert_int_equal(out[5].passthru[1].size, 0x1df000);
    const struct vm_config *fh = &out[6];
    assert_int_equal(fh->nr_devs, 8);
    assert_int_equal(fh->nr_passthru, 8);
    assert_int_equal(fh->nr_passthru_irqs, 16);
    for (unsigned i = 0; i < 8; i++) {
        assert_ptr_equal(fh->dev[i].kind, i < 4 ? kind_named("arm,pl011") : kind_named("elvisor,debug-regs"));
        assert_int_equal(fh->dev[i].ipa, 0x10000000 + i * 0x1000);
        assert_int_equal(fh->dev[i].intid, i == 0 ? 32 : i == 7 ? 1019 : 0);
        assert_int_equal(fh->passthru[i].pa, 0x20000000 + i * 0x1000);
    }
    static const uint32_t irqs[16] = { 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 50, 51, 52, 60, 61, 62 };
    assert_memory_equal(fh->passthru_irq, irqs, sizeof(irqs));
}

static void test_memory_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("a { " GOOD " };"
                      "no-memory { " BASE " };"
                      "short-memory { memory = <0x40000000 0x200000>; " BASE " };"
                      "three-cells { memory = <0x0 0x40000000 0x200000>; " BASE " };"
                      "long-memory { memory = <0x0 0x40000000 0x0 0x200000 0x0>; " BASE " };"
                      "empty-memory { memory; " BASE " };"
                      "b { " GOOD " };"
                      "unaligned-base { memory = <0x0 0x40100000 0x0 0x200000>; " BASE " };"
                      "unaligned-size { memory = <0x0 0x40000000 0x0 0x280000>; " BASE " };"
                      "small { memory = <0x0 0x40000000 0x0 0x100000>; " BASE " };"
                      "zero { memory = <0x0 0x40000000 0x0 0x0>; " BASE " };"
                      "beyond-ipa { memory = <0x100 0x0 0x0 0x200000>; " BASE " };"
                      "across-top { memory = <0xff 0xffe00000 0x0 0x400000>; " BASE " };"
                      "at-top { memory = <0xff 0xffc00000 0x0 0x400000>; " BASE " };"
                      "wraps { memory = <0xffffffff 0xffe00000 0x0 0x400000>; " BASE " };"
                      "c { " GOOD " };",
                      out);

    static const char *const names[] = { "a", "b", "at-top", "c" };
    expect_names(out, n, names, 4);
    expect_minimal(&out[0], "a");
    expect_minimal(&out[1], "b");
    assert_int_equal(out[2].ram_ipa, 0xffffc00000);
    expect_minimal(&out[3], "c");
    assert_int_equal(nreports, 12);
    const char *shape = "memory: need <ipa-hi ipa-lo size-hi size-lo>";
    expect_refused("no-memory", shape);
    expect_refused("short-memory", shape);
    expect_refused("three-cells", shape);
    expect_refused("long-memory", shape);
    expect_refused("empty-memory", shape);
    const char *align = "memory: base and size must be 2 MiB aligned and size at least 2 MiB";
    expect_refused("unaligned-base", align);
    expect_refused("unaligned-size", align);
    expect_refused("small", align);
    expect_refused("zero", align);
    expect_refused("beyond-ipa", "memory: 0x10000000000+0x200000 exceeds the 40-bit IPA space");
    expect_refused("across-top", "exceeds the 40-bit IPA space");
    expect_refused("wraps", "exceeds the 40-bit IPA space");
}

static void test_vcpus_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("no-vcpus { " MEM4M " cpu-affinity = <0>; kernel = \"k.bin\"; };"
                      "a { " GOOD " };"
                      "zero { " MEM4M " vcpus = <0>; cpu-affinity = <>; kernel = \"k.bin\"; };"
                      "nine { " MEM4M " vcpus = <9>; cpu-affinity = <0 0 0 0 0 0 0 0 0>; kernel = \"k.bin\"; };"
                      "huge { " MEM4M " vcpus = <0xffffffff>; cpu-affinity = <0>; kernel = \"k.bin\"; };"
                      "two-cells { " MEM4M " vcpus = <0 1>; cpu-affinity = <0>; kernel = \"k.bin\"; };"
                      "no-affinity { " MEM4M " vcpus = <1>; kernel = \"k.bin\"; };"
                      "b { " GOOD " };"
                      "too-few { " MEM4M " vcpus = <2>; cpu-affinity = <1>; kernel = \"k.bin\"; };"
                      "too-many { " MEM4M " vcpus = <1>; cpu-affinity = <1 2>; kernel = \"k.bin\"; };"
                      "bytes { " MEM4M " vcpus = <1>; cpu-affinity = [00 01]; kernel = \"k.bin\"; };"
                      "no-cpu { " MEM4M " vcpus = <3>; cpu-affinity = <0 4 1>; kernel = \"k.bin\"; };"
                      "far-cpu { " MEM4M " vcpus = <1>; cpu-affinity = <0xffffffff>; kernel = \"k.bin\"; };",
                      out);

    static const char *const names[] = { "a", "b" };
    expect_names(out, n, names, 2);
    expect_minimal(&out[0], "a");
    expect_minimal(&out[1], "b");
    assert_int_equal(nreports, 11);
    expect_refused("no-vcpus", "vcpus: need 1..8");
    expect_refused("zero", "vcpus: need 1..8");
    expect_refused("nine", "vcpus: need 1..8");
    expect_refused("huge", "vcpus: need 1..8");
    expect_refused("two-cells", "vcpus: need 1..8");
    expect_refused("no-affinity", "cpu-affinity: missing");
    expect_refused("too-few", "cpu-affinity: has 1 entries for 2 vCPUs");
    expect_refused("too-many", "cpu-affinity: has 2 entries for 1 vCPUs");
    expect_refused("bytes", "cpu-affinity: has 0 entries for 1 vCPUs");
    expect_refused("no-cpu", "cpu-affinity: physical CPU 4 does not exist (this machine has 4)");
    expect_refused("far-cpu", "cpu-affinity: physical CPU 4294967295 does not exist");
}

static void test_cpu_features(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("all { " GOOD " cpu-features = \"no-debug\", \"no-pmu\", \"no-sve\", \"no-sme\","
                      "  \"no-pauth\", \"no-mte\"; };"
                      "one { " GOOD " cpu-features = \"no-pmu\"; };"
                      "twice { " GOOD " cpu-features = \"no-sve\", \"no-sve\"; };"
                      "none { " GOOD " };"
                      "typo { " GOOD " cpu-features = \"no-pmu\", \"no-debugg\"; };"
                      "positive { " GOOD " cpu-features = \"sve\"; };"
                      "cells { " GOOD " cpu-features = <1>; };"
                      "empty { " GOOD " cpu-features; };"
                      "case { " GOOD " cpu-features = \"NO-SVE\"; };",
                      out);
    static const char *const names[] = { "all", "one", "twice", "none" };
    expect_names(out, n, names, 4);
    assert_int_equal(out[0].cpu_features_off, (1u << CPU_FEAT_NR) - 1);
    for (unsigned f = 0; f < CPU_FEAT_NR; f++)
        assert_true(vm_cpu_feature_off(&out[0], (enum cpu_feature)f));
    assert_int_equal(out[1].cpu_features_off, CPU_FEAT_BIT(CPU_FEAT_PMU));
    assert_true(vm_cpu_feature_off(&out[1], CPU_FEAT_PMU));
    assert_false(vm_cpu_feature_off(&out[1], CPU_FEAT_DEBUG));
    assert_int_equal(out[2].cpu_features_off, CPU_FEAT_BIT(CPU_FEAT_SVE));
    expect_minimal(&out[3], "none");
    assert_int_equal(nreports, 5);
    /* One line naming the VM and the word it did not know. */
    expect_refused("typo", "cpu-features: unknown \"no-debugg\"");
    expect_refused("positive", "cpu-features: unknown \"sve\"");
    expect_refused("cells", "cpu-features: need a list of strings");
    expect_refused("empty", "cpu-features: need a list of strings");
    expect_refused("case", "cpu-features: unknown \"NO-SVE\"");
}

/* sve-max-vl: a power of two from 128 to 2048 bits, else the VM is refused with one line. */
static void test_sve_max_vl(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("cap { " GOOD " sve-max-vl = <256>; };"
                      "least { " GOOD " sve-max-vl = <128>; };"
                      "most { " GOOD " sve-max-vl = <2048>; };"
                      "none { " GOOD " };"
                      "odd { " GOOD " sve-max-vl = <384>; };"
                      "small { " GOOD " sve-max-vl = <64>; };"
                      "big { " GOOD " sve-max-vl = <4096>; };"
                      "zero { " GOOD " sve-max-vl = <0>; };"
                      "text { " GOOD " sve-max-vl = \"512\"; };",
                      out);
    static const char *const names[] = { "cap", "least", "most", "none" };
    expect_names(out, n, names, 4);
    assert_int_equal(out[0].sve_max_vl, 256);
    assert_int_equal(out[1].sve_max_vl, 128);
    assert_int_equal(out[2].sve_max_vl, 2048);
    assert_int_equal(out[3].sve_max_vl, 0); /* the CPUs' */
    assert_int_equal(nreports, 5);
    expect_refused("odd", "sve-max-vl: need a power of two from 128 to 2048 (bits)");
    expect_refused("small", "sve-max-vl: need a power of two");
    expect_refused("big", "sve-max-vl: need a power of two");
    expect_refused("zero", "sve-max-vl: need a power of two");
    expect_refused("text", "sve-max-vl: need a power of two");
}

/* virtual-el2: an empty property; the CPU's FEAT_NV2 is checked at build (vdev/nested.c). */
static void test_virtual_el2(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("nested { " GOOD " virtual-el2; };"
                      "plain { " GOOD " };"
                      "valued { " GOOD " virtual-el2 = <1>; };",
                      out);
    static const char *const names[] = { "nested", "plain" };
    expect_names(out, n, names, 2);
    assert_true(out[0].virtual_el2);
    assert_true(vm_cpu_feature_off(&out[0], CPU_FEAT_SVE)); /* ZCR_EL2 is not emulated */
    assert_false(vm_cpu_feature_off(&out[1], CPU_FEAT_SVE));
    assert_false(out[1].virtual_el2);
    assert_int_equal(nreports, 1);
    expect_refused("valued", "virtual-el2: takes no value");
}

/* control: one VM, with its one elvisor,virtio-control device; the device nowhere else;
 * autostart: 0 or 1, default 1, never 0 on the control VM (docs/control.md). */
#define CTLDEV(addr)                                                                            \
    "c@" addr " { compatible = \"elvisor,virtio-control\"; reg = <0x0 0x" addr " 0x0 0x1000>; " \
    "interrupts = <83>; };"

static void test_control(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("ctl { " GOOD " control; devices { " CTLDEV(
                          "a003000") " }; };"
                                     "idle { " GOOD " autostart = <0>; };"
                                     "plain { " GOOD " };"
                                     "second { " GOOD " control; devices { " CTLDEV(
                                         "a003000") " }; };"
                                                    "sneaky { " GOOD " devices { " CTLDEV(
                                                        "a003000") " }; };"
                                                                   "bare { " GOOD " control; };"
                                                                   "valued { " GOOD " control = <1>; devices { " CTLDEV(
                                                                       "a003000") " }; };"
                                                                                  "two { " GOOD " autostart = <2>; };",
                      out);
    static const char *const names[] = { "ctl", "idle", "plain" };
    expect_names(out, n, names, 3);
    assert_true(out[0].control);
    assert_true(out[0].autostart);
    assert_false(out[1].control);
    assert_false(out[1].autostart);
    assert_false(out[2].control);
    assert_true(out[2].autostart);
    assert_int_equal(nreports, 5);
    expect_refused("second", "control: VM 'ctl' is already the control VM");
    expect_refused("sneaky", "elvisor,virtio-control: only the VM marked \"control;\" may have the control channel");
    expect_refused("bare", "control: needs exactly one elvisor,virtio-control device");
    expect_refused("valued", "control: takes no value");
    expect_refused("two", "autostart: need one cell, 0 or 1");
}

static void test_control_autostart_off_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("ctl { " GOOD " control; autostart = <0>; devices { " CTLDEV("a003000") " }; };", out);
    assert_int_equal(n, 0);
    expect_refused("ctl", "control: the control VM cannot have autostart = <0>");
}

static void test_images_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    char vms[8192], path112[113], args256[257];

    memcpy(path112, "ok/", 3);
    memset(path112 + 3, 'p', 109);
    path112[112] = 0;
    memset(args256, 'a', 256);
    args256[256] = 0;
    snprintf(vms, sizeof(vms),
             "no-kernel { " MEM2M " vcpus = <1>; cpu-affinity = <0>; };"
             "not-packed { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel = \"missing.bin\"; };"
             "a { " GOOD " };"
             "initrd-not-packed { " GOOD " initrd = \"missing.img\"; };"
             "kernel-cells { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel = <1>; };"
             "kernel-empty { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel; };"
             "kernel-long { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel = \"%s\"; };"
             "bootargs-long { " GOOD " bootargs = \"%s\"; };"
             "initrd-bytes { " GOOD " initrd = [72 64]; };"
             "b { " GOOD " };"
             "kernel-too-big { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel = \"big.bin\"; };"
             "no-room-for-dtb { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel = \"k2m.bin\"; };"
             "initrd-over { memory = <0x0 0x40000000 0x0 0x400000>; vcpus = <1>; cpu-affinity = <0>;"
             "  kernel = \"k2m.bin\"; initrd = \"rd-over.img\"; };"
             "huge-kernel { " MEM2M " vcpus = <1>; cpu-affinity = <0>; kernel = \"huge.bin\"; };"
             "huge-initrd { " GOOD " initrd = \"huge.bin\"; };"
             "c { " GOOD " };",
             path112, args256);
    int n = parse_vms(vms, out);

    static const char *const names[] = { "a", "b", "c" };
    expect_names(out, n, names, 3);
    for (int i = 0; i < 3; i++)
        expect_minimal(&out[i], names[i]);
    assert_int_equal(nreports, 13);
    expect_refused("no-kernel", "kernel: missing");
    expect_refused("not-packed", "kernel: \"missing.bin\" is not in the image pack");
    expect_refused("initrd-not-packed", "initrd: \"missing.img\" is not in the image pack");
    expect_refused("kernel-cells", "kernel: not a string of at most 111 bytes");
    expect_refused("kernel-empty", "kernel: not a string");
    expect_refused("kernel-long", "kernel: not a string of at most 111 bytes");
    expect_refused("bootargs-long", "bootargs: not a string of at most 255 bytes");
    expect_refused("initrd-bytes", "initrd: not a string");
    expect_refused("kernel-too-big", "kernel: images need 4160 KiB but memory is 2048 KiB");
    expect_refused("no-room-for-dtb", "kernel: images need 2112 KiB but memory is 2048 KiB");
    expect_refused("initrd-over", "kernel: images need 4100 KiB but memory is 4096 KiB");
    expect_refused("huge-kernel", "but memory is 2048 KiB");
    expect_refused("huge-initrd", "but memory is 4096 KiB");
}

/* The images are checked where the loader puts them: the kernel at its text_offset, the initrd
 * at the next 2 MiB boundary after the kernel's end, the DTB after it. A 1.9 MiB kernel at
 * 0x80000 ends past 2 MiB, so its 1.5 MiB initrd starts at 4 MiB: beyond a 4 MiB VM (budgeting
 * the kernel at 0 accepted it, and the initrd was then copied past the VM's RAM). */
static void test_images_at_text_offset(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("past { " MEM4M " vcpus = <1>; cpu-affinity = <0>; kernel = \"linux19.bin\";"
                      " initrd = \"rd15.img\"; };"
                      "fits { memory = <0x0 0x40000000 0x0 0x600000>; vcpus = <1>; cpu-affinity = <0>;"
                      " kernel = \"linux19.bin\"; initrd = \"rd15.img\"; };",
                      out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].name, "fits");
    assert_int_equal(nreports, 1);
    expect_refused("past", "kernel: images need 5696 KiB but memory is 4096 KiB");
}

/* firmware = "..." with an optional flash = <ipa size> (docs/booting.md, "VM firmware"). */
static void test_firmware(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms("dflt { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\"; };"
                      "qemu { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0x0 0x0 0x0 0x4040000>; bootargs = \"x\"; };"
                      "both { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\"; kernel = \"k.bin\"; };"
                      "fw-initrd { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  initrd = \"rd.img\"; };"
                      "fw-missing { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"nope.bin\"; };"
                      "fw-huge { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw-huge.bin\"; };"
                      "flash-small { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0x0 0x0 0x0 0x1000>; };"
                      "flash-align { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0x0 0x800 0x0 0x200000>; };"
                      "flash-cells { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0x0 0x200000>; };"
                      "flash-ipa { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0xff 0xfff00000 0x0 0x200000>; };"
                      "flash-ram { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0x0 0x40200000 0x0 0x200000>; };"
                      "flash-gic { " MEM4M " vcpus = <1>; cpu-affinity = <0>; firmware = \"fw.bin\";"
                      "  flash = <0x0 0x08000000 0x0 0x200000>; };"
                      "flash-kernel { " GOOD " flash = <0x0 0x0 0x0 0x200000>; };",
                      out);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].name, "dflt");
    assert_string_equal(out[0].firmware, "fw.bin");
    assert_string_equal(out[0].kernel, "");
    assert_int_equal(out[0].flash_ipa, 0);
    assert_int_equal(out[0].flash_size, 0x200000); /* the firmware rounded up to 2 MiB */
    assert_string_equal(out[1].name, "qemu");
    assert_int_equal(out[1].flash_ipa, 0);
    assert_int_equal(out[1].flash_size, 0x4040000);
    assert_int_equal(nreports, 11);
    expect_refused("both", "firmware: give either firmware or kernel/initrd, not both");
    expect_refused("fw-initrd", "firmware: give either firmware or kernel/initrd, not both");
    expect_refused("fw-missing", "firmware: \"nope.bin\" is not in the image pack");
    expect_refused("fw-huge", "firmware: \"fw-huge.bin\" is empty or larger than 256 MiB");
    expect_refused("flash-small", "flash: 4 KiB is too small for firmware \"fw.bin\" (948 KiB)");
    expect_refused("flash-align", "flash: base and size must be 4 KiB aligned");
    expect_refused("flash-cells", "flash: need <ipa-hi ipa-lo size-hi size-lo>");
    expect_refused("flash-ipa", "flash: 0xfffff00000+0x200000 exceeds the 40-bit IPA space");
    expect_refused("flash-ram", "memory: 0x40000000+0x400000 overlaps flash at 0x40200000");
    expect_refused("flash-gic", "flash: 0x8000000+0x200000 overlaps the virtual GIC at 0x8000000");
    expect_refused("flash-kernel", "flash: only with firmware");
}

static void test_passthrough_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms(
        "a { " GOOD " };"
        "pa-unaligned { " GOOD " passthrough { x { reg = <0x0 0x0a000800 0x0 0x1000>; }; }; };"
        "size-unaligned { " GOOD " passthrough { x { reg = <0x0 0x0a000000 0x0 0x1800>; }; }; };"
        "size-zero { " GOOD " passthrough { x { reg = <0x0 0x0a000000 0x0 0x0>; }; }; };"
        "second-bad { " GOOD " passthrough { x { reg = <0x0 0x0a000000 0x0 0x1000 0x0 0x0b000000 0x0 0x10>; }; }; };"
        "one-cell { " GOOD " passthrough { x { reg = <0x0a000000 0x1000>; }; }; };"
        "trailing { " GOOD " passthrough { x { reg = <0x0 0x0a000000 0x0 0x1000 0x0>; }; }; };"
        "empty-reg { " GOOD " passthrough { x { reg; }; }; };"
        "b { " GOOD " };"
        "beyond-ipa { " GOOD " passthrough { x { reg = <0x100 0x0 0x0 0x1000>; }; }; };"
        "wraps { " GOOD " passthrough { x { reg = <0xffffffff 0xfffff000 0x0 0x2000>; }; }; };"
        "nine-regions { " GOOD " passthrough {"
        "  x { reg = <0x0 0x1000000 0x0 0x1000 0x0 0x1001000 0x0 0x1000 0x0 0x1002000 0x0 0x1000>; };"
        "  y { reg = <0x0 0x1003000 0x0 0x1000 0x0 0x1004000 0x0 0x1000 0x0 0x1005000 0x0 0x1000>; };"
        "  z { reg = <0x0 0x1006000 0x0 0x1000 0x0 0x1007000 0x0 0x1000 0x0 0x1008000 0x0 0x1000>; }; }; };"
        "ppi { " GOOD " passthrough { x { interrupts = <40 31>; }; }; };"
        "spi-1020 { " GOOD " passthrough { x { interrupts = <1020>; }; }; };"
        "irq-bytes { " GOOD " passthrough { x { interrupts = [00 00 00 28 00]; }; }; };"
        "seventeen { " GOOD " passthrough {"
        "  x { interrupts = <32 33 34 35 36 37 38 39 40 41 42 43>; };"
        "  y { interrupts = <44 45 46 47 48>; }; }; };"
        "c { " GOOD " };",
        out);

    static const char *const names[] = { "a", "b", "c" };
    expect_names(out, n, names, 3);
    for (int i = 0; i < 3; i++)
        expect_minimal(&out[i], names[i]);
    assert_int_equal(nreports, 14);
    const char *align = "passthrough/x: reg must be 4 KiB aligned and non-empty";
    expect_refused("pa-unaligned", align);
    expect_refused("size-unaligned", align);
    expect_refused("size-zero", align);
    expect_refused("second-bad", align);
    const char *shape = "passthrough/x: reg must be <addr-hi addr-lo size-hi size-lo> pairs";
    expect_refused("one-cell", shape);
    expect_refused("trailing", shape);
    expect_refused("empty-reg", shape);
    expect_refused("beyond-ipa", "passthrough/x: 0x10000000000+0x1000 exceeds the 40-bit IPA space");
    expect_refused("wraps", "exceeds the 40-bit IPA space");
    expect_refused("nine-regions", "passthrough: more than 8 regions");
    expect_refused("ppi", "interrupts: 31 is not an SPI (32..1019)");
    expect_refused("spi-1020", "interrupts: 1020 is not an SPI");
    expect_refused("irq-bytes", "interrupts: at most 16 SPIs as single cells");
    expect_refused("seventeen", "interrupts: at most 4 SPIs as single cells");
}

static void test_devices_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
#define DEV(name, addr) name " { compatible = \"arm,pl011\"; reg = <0x0 " addr " 0x0 0x1000>; };"
    int n = parse_vms(
        "a { " GOOD " };"
        "nine { " GOOD
        " devices {" DEV("d0", "0x10000000") DEV("d1", "0x10001000") DEV("d2", "0x10002000") DEV("d3", "0x10003000")
            DEV("d4", "0x10004000") DEV("d5", "0x10005000") DEV("d6", "0x10006000") DEV("d7", "0x10007000") DEV(
                "d8",
                "0x10008000") "}; };"
                              "unknown { " GOOD " devices { rtc@9010000 { compatible = \"arm,pl031\"; reg = <0x0 "
                              "0x09010000 0x0 0x1000>; }; }; };"
                              "no-compatible { " GOOD " devices { thing { reg = <0x0 0x09010000 0x0 0x1000>; }; }; };"
                              "bad-compatible { " GOOD
                              " devices { thing { compatible = [61 72 6d]; reg = <0x0 0x09010000 0x0 0x1000>; }; }; };"
                              "b { " GOOD " };"
                              "no-reg { " GOOD " devices { u { compatible = \"arm,pl011\"; }; }; };"
                              "short-reg { " GOOD
                              " devices { u { compatible = \"arm,pl011\"; reg = <0x09000000 0x1000>; }; }; };"
                              "two-regs { " GOOD " devices { u { compatible = \"arm,pl011\";"
                              "  reg = <0x0 0x09000000 0x0 0x1000 0x0 0x09002000 0x0 0x1000>; }; }; };"
                              "unaligned { " GOOD
                              " devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x09000100 0x0 0x1000>; }; }; };"
                              "size-zero { " GOOD
                              " devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x0>; }; }; };"
                              "beyond-ipa { " GOOD
                              " devices { u { compatible = \"arm,pl011\"; reg = <0x1000 0x0 0x0 0x1000>; }; }; };"
                              "wraps { " GOOD " devices { u { compatible = \"arm,pl011\"; reg = <0xffffffff 0xfffff000 "
                              "0x0 0x2000>; }; }; };"
                              "two-irqs { " GOOD
                              " devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x1000>;"
                              "  interrupts = <33 34>; }; }; };"
                              "ppi { " GOOD
                              " devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x1000>;"
                              "  interrupts = <27>; }; }; };"
                              "c { " GOOD " };",
        out);
#undef DEV

    static const char *const names[] = { "a", "b", "c" };
    expect_names(out, n, names, 3);
    for (int i = 0; i < 3; i++)
        expect_minimal(&out[i], names[i]);
    assert_int_equal(nreports, 13);
    expect_refused("nine", "devices: more than 8");
    expect_refused("unknown", "devices/rtc@9010000: unknown device (compatible \"arm,pl031\")");
    expect_refused("no-compatible", "devices/thing: unknown device (compatible \"\")");
    expect_refused("bad-compatible", "devices/thing: unknown device");
    const char *reg = "reg must be one 4 KiB aligned <addr size> pair of 2 cells each";
    expect_refused("no-reg", reg);
    expect_refused("short-reg", reg);
    expect_refused("two-regs", reg);
    expect_refused("unaligned", reg);
    expect_refused("size-zero", reg);
    expect_refused("beyond-ipa", "devices/u: 0x100000000000+0x1000 exceeds the 40-bit IPA space");
    expect_refused("wraps", "devices/u: 0xfffffffffffff000+0x2000 exceeds");
    expect_refused("two-irqs", "interrupts: at most 1 SPIs");
    expect_refused("ppi", "interrupts: 27 is not an SPI");
}

/* The GICv2m frame's binding: its first SPI (interrupts) and how many (msi-spis, 1 to 64, all
 * below 1020). Whether they are free and the vGIC's is checked when the frame is attached. */
static void test_v2m_binding(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
#define V2M(body) " devices { m { compatible = \"arm,gic-v2m-frame\"; reg = <0x0 0x08020000 0x0 0x1000>; " body " }; };"
    int n = parse_vms(
        "ok { " GOOD V2M(
            "interrupts = <80>; msi-spis = <32>;") " };"
                                                   "no-irq { " GOOD V2M(
                                                       "msi-spis = <32>;") " };"
                                                                           "no-count { " GOOD V2M(
                                                                               "interrupts = <80>;") " };"
                                                                                                     "zero { " GOOD V2M(
                                                                                                         "interrupts = "
                                                                                                         "<80>; "
                                                                                                         "msi-spis = "
                                                                                                         "<0>;") " };"
                                                                                                                 "too-"
                                                                                                                 "many "
                                                                                                                 "{"
                                                                                                                 " " GOOD V2M(
                                                                                                                     "i"
                                                                                                                     "n"
                                                                                                                     "t"
                                                                                                                     "e"
                                                                                                                     "r"
                                                                                                                     "r"
                                                                                                                     "u"
                                                                                                                     "p"
                                                                                                                     "t"
                                                                                                                     "s"
                                                                                                                     " "
                                                                                                                     "="
                                                                                                                     " "
                                                                                                                     "<"
                                                                                                                     "8"
                                                                                                                     "0"
                                                                                                                     ">"
                                                                                                                     ";"
                                                                                                                     " "
                                                                                                                     "m"
                                                                                                                     "s"
                                                                                                                     "i"
                                                                                                                     "-"
                                                                                                                     "s"
                                                                                                                     "p"
                                                                                                                     "i"
                                                                                                                     "s"
                                                                                                                     " "
                                                                                                                     "="
                                                                                                                     " "
                                                                                                                     "<"
                                                                                                                     "6"
                                                                                                                     "5"
                                                                                                                     ">"
                                                                                                                     ";") " };"
                                                                                                                          "past-1019 { " GOOD V2M(
                                                                                                                              "interrupts = <1000>; msi-spis = <32>;") " };"
                                                                                                                                                                       "small { " GOOD
                                                                                                                                                                       " devices { m { compatible = \"arm,gic-v2m-frame\"; reg = <0x0 0x08020000 0x0 0x0>;"
                                                                                                                                                                       " interrupts = <80>; msi-spis = <1>; }; }; };",
        out);
#undef V2M
    static const char *const names[] = { "ok" };
    expect_names(out, n, names, 1);
    assert_int_equal(out[0].dev[0].intid, 80);
    assert_int_equal(out[0].dev[0].msi_spis, 32);
    assert_int_equal(nreports, 6);
    expect_refused("no-irq", "devices/m: \"arm,gic-v2m-frame\" needs interrupts = <SPI>");
    const char *count = "devices/m: msi-spis = <N>: 1 to 64 SPIs from interrupts, all below 1020";
    expect_refused("no-count", count);
    expect_refused("zero", count);
    expect_refused("too-many", count);
    expect_refused("past-1019", count);
    expect_refused("small", "reg must be one 4 KiB aligned");
    (void)state;
}

/* virtio-net's no-offloads: absent, the device offers them; present, it does not. */
static void test_virtio_net_offloads(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    static const char *const vms = "a { " GOOD " devices { n { reg = <0x0 0x0a000000 0x0 0x1000>;"
                                   " compatible = \"elvisor,virtio-net\"; interrupts = <49>; }; }; };"
                                   "b { " GOOD " devices { n { reg = <0x0 0x0a000000 0x0 0x1000>;"
                                   " compatible = \"elvisor,virtio-net\"; interrupts = <49>; no-offloads; }; }; };";
    assert_int_equal(parse_vms(vms, out), 2);
    assert_false(out[0].dev[0].no_offloads);
    assert_true(out[1].dev[0].no_offloads);
}

/* The bindings of the virtio kinds, read through the table of kinds: an SPI and a window of
 * at least 0x200 bytes for every virtio device, a packed disk of whole sectors for virtio-blk,
 * a unicast MAC (or a default one) for virtio-net. */
static void test_virtio_bindings(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
#define VDEV(body) " devices { v { reg = <0x0 0x0a000000 0x0 0x1000>; " body " }; };"
    int n = parse_vms(
        "ok { " GOOD VDEV(
            "compatible = \"elvisor,virtio-blk\"; interrupts = <48>;"
            " disk = \"build/disks/ext4-16M.img\"; read-only;") " };"
                                                                "net { " GOOD VDEV(
                                                                    "compatible = "
                                                                    "\"elvisor,virtio-net\"; interrupts "
                                                                    "= <49>;") " };"
                                                                               "mac { " GOOD VDEV(
                                                                                   "compatible = "
                                                                                   "\"elvisor,virtio-"
                                                                                   "net\"; interrupts = "
                                                                                   "<49>;"
                                                                                   " mac = [02 11 22 33 "
                                                                                   "44 55]; port-security;") " };"
                                                                                                             "no-irq "
                                                                                                             "{ " GOOD VDEV(
                                                                                                                 "compa"
                                                                                                                 "t"
                                                                                                                 "ible "
                                                                                                                 "= "
                                                                                                                 "\"elv"
                                                                                                                 "i"
                                                                                                                 "sor,"
                                                                                                                 "virti"
                                                                                                                 "o"
                                                                                                                 "-rng"
                                                                                                                 "\""
                                                                                                                 ";") " "
                                                                                                                      "}"
                                                                                                                      ";"
                                                                                                                      "n"
                                                                                                                      "o"
                                                                                                                      "-"
                                                                                                                      "d"
                                                                                                                      "i"
                                                                                                                      "s"
                                                                                                                      "k"
                                                                                                                      " "
                                                                                                                      "{"
                                                                                                                      " " GOOD VDEV(
                                                                                                                          "compatible "
                                                                                                                          "= "
                                                                                                                          "\"elvisor,"
                                                                                                                          "virtio-"
                                                                                                                          "blk\"; "
                                                                                                                          "interrupts "
                                                                                                                          "= <48>;") " };"
                                                                                                                                     "odd-disk { " GOOD VDEV(
                                                                                                                                         "compatible = \"elvisor,virtio-blk\"; interrupts = <48>;"
                                                                                                                                         " disk = \"huge.bin\";") " };"
                                                                                                                                                                  "bad-mac { " GOOD VDEV(
                                                                                                                                                                      "compatible = \"elvisor,virtio-net\"; interrupts = <49>;"
                                                                                                                                                                      " mac = [03 11 22 33 44 55];") " };"
                                                                                                                                                                                                     "console { " GOOD
                                                                                                                                                                                                         VDEV(
                                                                                                                                                                                                             "compatible = \"elvisor,virtio-console\"; interrupts = <50>;") " };",
        out);
#undef VDEV
    assert_int_equal(n, 4);
    assert_ptr_equal(out[0].dev[0].kind, kind_named("elvisor,virtio-blk"));
    assert_string_equal(out[0].dev[0].disk, "build/disks/ext4-16M.img");
    assert_true(out[0].dev[0].read_only);
    assert_int_equal(out[0].dev[0].intid, 48);
    static const uint8_t default_mac[6] = { 0x02, 0, 0, 0, 2, 0 }, set_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
    assert_memory_equal(out[1].dev[0].mac, default_mac, 6);
    assert_memory_equal(out[2].dev[0].mac, set_mac, 6);
    assert_false(out[1].dev[0].port_security);
    assert_true(out[2].dev[0].port_security);
    assert_ptr_equal(out[3].dev[0].kind, kind_named("elvisor,virtio-console"));
    assert_int_equal(nreports, 4);
    expect_refused("no-irq", "devices/v: \"elvisor,virtio-rng\" needs interrupts = <SPI>");
    expect_refused("no-disk", "devices/v: disk: need the path of a disk image");
    expect_refused("odd-disk",
                   "devices/v: disk \"huge.bin\" is 18446744073709547519 bytes: it must be a multiple of 512");
    expect_refused("bad-mac", "devices/v: mac must be 6 bytes of a unicast address");
}

/* The virtual host bridge's binding (docs/pci.md): an ECAM window of at least 1 MiB, a
 * bar-window, host functions "BB:DD.F" each given to one VM, dma-unsafe read. */
#define PCI_NODE(props) \
    " devices { pcie { compatible = \"pci-host-ecam-generic\"; reg = <0x0 0x30000000 0x0 0x100000>; " props " }; };"
#define PCI_WIN " bar-window = <0x0 0x20000000 0x0 0x1000000>;"

static void test_pci_binding(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    static char vms[8192];
    static const char *const rows[] = {
        "ok { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"00:01.0\", \"00:1f.7\"; dma-unsafe;") " };",
        "two { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"0a:02.0\";") " };",
        "twice { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"00:01.0\";") " };",
        "self-twice { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"00:03.0\", \"00:03.0\";") " };",
        "bad-dev { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"00:20.0\";") " };",
        "bad-fn { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"00:01.8\";") " };",
        "bad-form { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"0000:00:01.0\";") " };",
        "no-list { " GOOD PCI_NODE(PCI_WIN) " };",
        "too-many { " GOOD PCI_NODE(PCI_WIN " pci-devices = \"01:00.0\", \"01:00.1\", \"01:00.2\", "
                                            "\"01:00.3\", \"01:00.4\";") " };",
        "no-window { " GOOD PCI_NODE(" pci-devices = \"00:04.0\";") " };",
        "odd-window { " GOOD PCI_NODE(" bar-window = <0x0 0x20000000 0x0 0x1800>; pci-devices = \"00:04.0\";") " };",
        "window-on-ram { " GOOD PCI_NODE(
            " bar-window = <0x0 0x40000000 0x0 0x100000>; pci-devices = \"00:04.0\";") " };",
        "small-ecam { " GOOD " devices { pcie { compatible = \"pci-host-ecam-generic\"; reg = <0x0 0x30000000 0x0 "
        "0x1000>;" PCI_WIN " pci-devices = \"00:05.0\"; }; };"
        " };",
    };
    vms[0] = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        strcat(vms, rows[i]);
    int n = parse_vms(vms, out);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].name, "ok");
    assert_ptr_equal(out[0].dev[0].kind, kind_named("pci-host-ecam-generic"));
    assert_int_equal(out[0].dev[0].nr_pci, 2);
    assert_int_equal(out[0].dev[0].pci_bdf[0], 0x0008);
    assert_int_equal(out[0].dev[0].pci_bdf[1], 0x00ff);
    assert_true(out[0].dev[0].dma_unsafe);
    assert_int_equal(out[0].dev[0].win_ipa, 0x20000000);
    assert_int_equal(out[0].dev[0].win_size, 0x1000000);
    assert_int_equal(out[1].dev[0].pci_bdf[0], 0x0a10);
    assert_false(out[1].dev[0].dma_unsafe);
    assert_int_equal(nreports, 11);
    expect_refused("twice", "devices/pcie: pci-devices: 00:01.0 is already given to VM 'ok'");
    expect_refused("self-twice", "devices/pcie: pci-devices: 00:03.0 is already given to VM 'self-twice'");
    expect_refused("bad-dev", "devices/pcie: pci-devices: \"00:20.0\" is not a function \"BB:DD.F\"");
    expect_refused("bad-fn", "devices/pcie: pci-devices: \"00:01.8\" is not a function");
    expect_refused("bad-form", "devices/pcie: pci-devices: \"0000:00:01.0\" is not a function");
    expect_refused("no-list", "devices/pcie: pci-devices: need a list of host functions");
    expect_refused("too-many", "devices/pcie: pci-devices: more than 4 functions");
    expect_refused("no-window", "devices/pcie: bar-window must be one 4 KiB aligned <addr size> pair");
    expect_refused("odd-window", "devices/pcie: bar-window must be one 4 KiB aligned");
    expect_refused("window-on-ram", "memory: 0x40000000+0x400000 overlaps a bar-window at 0x40000000");
    expect_refused("small-ecam", "devices/pcie: a \"pci-host-ecam-generic\" window is at least 0x100000 bytes");
}
#undef PCI_NODE
#undef PCI_WIN

/* The shared memory binding (docs/shmem.md): a region under /shared-memory with a size and its
 * peers, and in each peer an elvisor,ivshmem-pci device naming it, with a bar-window below 4 GiB
 * that holds twice the region. */
#define SHM_NODE(props)                                                                           \
    " devices { shm { compatible = \"elvisor,ivshmem-pci\"; reg = <0x0 0x30000000 0x0 0x100000>;" \
    " interrupts = <80>; bar-window = <0x0 0x10000000 0x0 0x100000>; " props " }; };"

static void test_shmem_binding(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    static char dts[16384];
    static const char *const parts[] = {
        "/dts-v1/;\n/ { shared-memory {",
        " ring { size = <0x0 0x10000>; peers = \"a\", \"ro\", \"no-irq\", \"on-ram\"; };",
        " ghost { size = <0x0 0x10000>; peers = \"a\", \"nobody\"; };",
        " odd { size = <0x0 0x3000>; peers = \"bad-size\"; };",
        " big { size = <0x0 0x100000>; peers = \"small-window\"; };",
        " dup { size = <0x0 0x1000>; peers = \"twice\", \"twice\"; };",
        " }; vms {",
        "a { " GOOD SHM_NODE("shmem = \"ring\";") " };",
        "ro { " GOOD SHM_NODE("shmem = \"ring\"; read-only;") " };",
        "outsider { " GOOD SHM_NODE("shmem = \"ring\";") " };",
        "unknown-vm { " GOOD SHM_NODE("shmem = \"ghost\";") " };",
        "no-region { " GOOD SHM_NODE("shmem = \"none\";") " };",
        "bad-size { " GOOD SHM_NODE("shmem = \"odd\";") " };",
        "small-window { " GOOD SHM_NODE("shmem = \"big\";") " };",
        "twice { " GOOD SHM_NODE("shmem = \"dup\";") " };",
        "no-irq { " GOOD " devices { shm { compatible = \"elvisor,ivshmem-pci\"; reg = <0x0 0x30000000 0x0 0x100000>;"
        " bar-window = <0x0 0x10000000 0x0 0x100000>; shmem = \"ring\"; }; }; };",
        "on-ram { " GOOD " devices { shm { compatible = \"elvisor,ivshmem-pci\"; reg = <0x0 0x30000000 0x0 0x100000>;"
        " interrupts = <80>; bar-window = <0x0 0x40000000 0x0 0x100000>; shmem = \"ring\"; }; }; };",
        "}; };\n",
    };
    dts[0] = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        strcat(dts, parts[i]);
    size_t len;
    uint8_t *blob = compile(dts, &len);
    int n = parse_blob(blob, len, out);
    free(blob);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].name, "a");
    assert_ptr_equal(out[0].dev[0].kind, kind_named("elvisor,ivshmem-pci"));
    assert_string_equal(out[0].dev[0].shmem, "ring");
    assert_int_equal(out[0].dev[0].shmem_size, 0x10000);
    assert_int_equal(out[0].dev[0].shmem_peer, 0);
    assert_int_equal(out[0].dev[0].shmem_peers, 4);
    assert_false(out[0].dev[0].read_only);
    assert_int_equal(out[0].dev[0].intid, 80);
    assert_string_equal(out[1].name, "ro");
    assert_int_equal(out[1].dev[0].shmem_peer, 1);
    assert_true(out[1].dev[0].read_only);
    assert_int_equal(nreports, 8);
    expect_refused("outsider", "devices/shm: shared-memory/ring does not name this VM in its peers");
    expect_refused("unknown-vm", "shared-memory/ghost: peers: \"nobody\" is not a VM under /vms");
    expect_refused("no-region", "devices/shm: shmem: no region /shared-memory/none");
    expect_refused("bad-size", "shared-memory/odd: size 0x3000: need a power of two from 4 KiB to 256 MiB");
    expect_refused("small-window", "devices/shm: bar-window must lie below 4 GiB and hold at least twice the region");
    expect_refused("twice", "shared-memory/dup: peers: \"twice\" is listed twice");
    expect_refused("no-irq", "devices/shm: \"elvisor,ivshmem-pci\" needs interrupts = <SPI>");
    expect_refused("on-ram", "memory: 0x40000000+0x400000 overlaps a bar-window at 0x40000000");
}
#undef SHM_NODE

static void test_overlaps_refused(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    int n = parse_vms(
        "a { " GOOD " };"
        "dev-in-ram { " GOOD " devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x40001000 0x0 0x1000>; }; }; };"
        "dev-dev { " GOOD " devices {"
        "  u { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x2000>; };"
        "  v { compatible = \"elvisor,debug-regs\"; reg = <0x0 0x09001000 0x0 0x1000>; }; }; };"
        "pt-in-ram { " GOOD " passthrough { x { reg = <0x0 0x403ff000 0x0 0x2000>; }; }; };"
        "b { " GOOD " };"
        "pt-dev { " GOOD " passthrough { x { reg = <0x0 0x09000000 0x0 0x1000>; }; };"
        "  devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x1000>; }; }; };"
        "pt-pt { " GOOD " passthrough { x { reg = <0x0 0x0a000000 0x0 0x10000>; };"
        "  y { reg = <0x0 0x0a00f000 0x0 0x1000>; }; }; };"
        "dev-gic { " GOOD " devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x08000000 0x0 0x1000>; }; }; };"
        "pt-gicc { " GOOD " passthrough { x { reg = <0x0 0x0801f000 0x0 0x1000>; }; }; };"
        "ram-gic { memory = <0x0 0x07e00000 0x0 0x400000>; " BASE " };"
        "ram-covers-all { memory = <0x0 0x0 0x1 0x0>; " BASE
        "  devices { u { compatible = \"arm,pl011\"; reg = <0x0 0x09000000 0x0 0x1000>; }; }; };"
        "c { " GOOD " };",
        out);

    static const char *const names[] = { "a", "b", "c" };
    expect_names(out, n, names, 3);
    for (int i = 0; i < 3; i++)
        expect_minimal(&out[i], names[i]);
    assert_int_equal(nreports, 9);
    expect_refused("dev-in-ram", "memory: 0x40000000+0x400000 overlaps devices at 0x40001000");
    expect_refused("dev-dev", "devices: 0x9000000+0x2000 overlaps devices at 0x9001000");
    expect_refused("pt-in-ram", "memory: 0x40000000+0x400000 overlaps passthrough at 0x403ff000");
    expect_refused("pt-dev", "passthrough: 0x9000000+0x1000 overlaps devices at 0x9000000");
    expect_refused("pt-pt", "passthrough: 0xa000000+0x10000 overlaps passthrough at 0xa00f000");
    expect_refused("dev-gic", "devices: 0x8000000+0x1000 overlaps the virtual GIC at 0x8000000");
    expect_refused("pt-gicc", "passthrough: 0x801f000+0x1000 overlaps the virtual GIC at 0x8010000");
    expect_refused("ram-gic", "memory: 0x7e00000+0x400000 overlaps the virtual GIC at 0x8000000");
    expect_refused("ram-covers-all", "memory: 0x0+0x100000000 overlaps devices at 0x9000000");
}

static void test_names(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    char vms[4096], name32[33], name31[32];

    memset(name32, 'x', 32);
    name32[32] = 0;
    memset(name31, 'x', 31);
    name31[31] = 0;
    /* Names up to 31 characters; unit addresses are part of the name. */
    snprintf(vms, sizeof(vms),
             "%s { " GOOD " };"
             "%s { " GOOD " };"
             "twin { " GOOD " };"
             "bad { " BASE " };"
             "vm@1 { " GOOD " };",
             name32, name31);
    int n = parse_vms(vms, out);

    static const char *names[] = { NULL, "twin", "vm@1" };
    names[0] = name31;
    expect_names(out, n, names, 3);
    assert_int_equal(nreports, 2);
    expect_refused(name32, "name: longer than 31 characters");
    expect_refused("bad", "memory: need");
}

/* Duplicate names can only come from a blob (dtc merges same-named nodes): rename in place. */
static void test_duplicate_names(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    size_t len;
    uint8_t *blob = compile(
        "/dts-v1/; / { vms {"
        " twin { memory = <0x0 0x40000000 0x0 0x800000>; vcpus = <2>; cpu-affinity = <1 2>; kernel = \"k.bin\"; };"
        " twiX { " GOOD " };"
        " other { " GOOD " };"
        " brok { " BASE " };"
        " broX { " GOOD " };"
        " twiY { " GOOD " };"
        "}; };",
        &len);

    /* Node names live in the structure block: "twiX" -> "twin", "broX" -> "brok",
     * "twiY" -> "twin". */
    int renamed = 0;
    for (size_t i = 0; i + 5 <= len; i++) {
        if (memcmp(blob + i, "twiX", 5) == 0 || memcmp(blob + i, "twiY", 5) == 0) {
            blob[i + 3] = 'n';
            renamed++;
        } else if (memcmp(blob + i, "broX", 5) == 0) {
            blob[i + 3] = 'k';
            renamed++;
        }
    }
    assert_int_equal(renamed, 3);
    int n = parse_blob(blob, len, out);
    free(blob);

    /* The first 'twin' stays as it was; the refused 'brok' leaves its name free for the next. */
    assert_int_equal(n, 3);
    assert_string_equal(out[0].name, "twin");
    assert_int_equal(out[0].ram_size, 0x800000);
    assert_int_equal(out[0].nr_vcpus, 2);
    assert_int_equal(out[0].affinity[1], 2);
    expect_minimal(&out[1], "other");
    expect_minimal(&out[2], "brok");
    assert_int_equal(nreports, 3);
    assert_string_equal(reports[0].vm, "twin");
    assert_string_equal(reports[0].reason, "name: another VM has the same name");
    assert_string_equal(reports[1].vm, "brok");
    assert_true(strstr(reports[1].reason, "memory: need") != NULL);
    assert_string_equal(reports[2].vm, "twin");
    assert_string_equal(reports[2].reason, "name: another VM has the same name");
}

static void test_too_many_vms(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    char vms[8192];
    size_t pos = 0;

    /* 8 good VMs with one bad one among them (it does not take a slot), then two more. */
    for (int i = 0; i < 11; i++) {
        if (i == 4)
            pos += (size_t)snprintf(vms + pos, sizeof(vms) - pos, "bad { " BASE " };");
        else
            pos +=
                (size_t)snprintf(vms + pos, sizeof(vms) - pos, "vm%d { memory = <0x0 0x%x 0x0 0x400000>; " BASE " };",
                                 i, 0x40000000 + i * 0x400000);
    }
    int n = parse_vms(vms, out);

    assert_int_equal(n, CONFIG_MAX_VMS);
    for (int i = 0; i < CONFIG_MAX_VMS; i++) {
        char name[16];
        snprintf(name, sizeof(name), "vm%u", (unsigned)(i < 4 ? i : i + 1));
        assert_string_equal(out[i].name, name);
        assert_int_equal(out[i].ram_ipa, 0x40000000 + (uint64_t)(i < 4 ? i : i + 1) * 0x400000);
    }
    assert_int_equal(nreports, 3);
    expect_refused("bad", "memory: need");
    expect_refused("vm9", "too many VMs in the configuration");
    expect_refused("vm10", "too many VMs in the configuration");
}

static void test_whole_config_errors(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    size_t len;

    /* No /vms node at all. */
    uint8_t *blob = compile("/dts-v1/; / { vm { a { " GOOD " }; }; };", &len);
    assert_int_equal(parse_blob(blob, len, out), -1);
    expect_whole_error("configuration has no /vms node");
    free(blob);

    /* An empty /vms: nothing to run, nothing wrong. */
    blob = compile("/dts-v1/; / { vms { }; };", &len);
    assert_int_equal(parse_blob(blob, len, out), 0);
    assert_int_equal(nreports, 0);
    free(blob);

    /* A /vms property is not a node. */
    blob = compile("/dts-v1/; / { vms = <1>; };", &len);
    assert_int_equal(parse_blob(blob, len, out), -1);
    expect_whole_error("no /vms node");
    free(blob);

    /* Corrupt blobs: every one is refused as a whole, with no VM reported. */
    blob = compile("/dts-v1/; / { vms { a { " GOOD " }; }; };", &len);
    assert_int_equal(parse_blob(blob, len, out), 1);
    uint8_t *bad = malloc(len);
    assert_non_null(bad);

    assert_int_equal(parse_blob(blob, 0, out), -1);
    expect_whole_error("configuration DTB is invalid: ");
    assert_int_equal(parse_blob(blob, 16, out), -1);
    expect_whole_error("configuration DTB is invalid: ");
    assert_int_equal(parse_blob(blob, len / 2, out), -1);
    expect_whole_error("configuration DTB is invalid: ");
    assert_int_equal(parse_blob(blob, len - 1, out), -1);
    expect_whole_error("configuration DTB is invalid: ");

    memcpy(bad, blob, len);
    bad[0] ^= 0xff; /* magic */
    assert_int_equal(parse_blob(bad, len, out), -1);
    expect_whole_error("configuration DTB is invalid: ");

    memcpy(bad, blob, len);
    bad[4] = 0x7f; /* totalsize far too big */
    assert_int_equal(parse_blob(bad, len, out), -1);
    expect_whole_error("configuration DTB is invalid: ");

    memcpy(bad, blob, len);
    bad[8] = 0x7f; /* structure block outside */
    assert_int_equal(parse_blob(bad, len, out), -1);
    expect_whole_error("configuration DTB is invalid: ");

    memcpy(bad, blob, len);
    memset(bad + 0x38 + 8, 0xee, 8); /* garbage after the root's begin token */
    assert_int_equal(parse_blob(bad, len, out), -1);
    expect_whole_error("configuration DTB is invalid: ");

    memset(bad, 0, len);
    assert_int_equal(parse_blob(bad, len, out), -1);
    expect_whole_error("configuration DTB is invalid: ");

    /* Random garbage of many sizes. */
    uint32_t s = 12345;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < len; i++) {
            s = s * 1103515245u + 12345u;
            bad[i] = (uint8_t)(s >> 16);
        }
        assert_int_equal(parse_blob(bad, (size_t)round * len / 200, out), -1);
        expect_whole_error("configuration DTB is invalid: ");
    }
    free(bad);
    free(blob);
}

/* Every single-byte corruption of a real config is either refused or still yields valid VMs. */
static void test_corrupted_bytes(void **state)
{
    struct vm_config out[CONFIG_MAX_VMS];
    size_t len;
    uint8_t *blob = compile_file("tests/configs/basics.dts", &len);
    uint8_t *bad = malloc(len);

    assert_non_null(bad);
    for (size_t i = 0; i < len; i++) {
        static const uint8_t xors[] = { 0x01, 0x80, 0xff };
        for (size_t x = 0; x < sizeof(xors); x++) {
            memcpy(bad, blob, len);
            bad[i] ^= xors[x];
            int n = parse_blob(bad, len, out);
            assert_true(n >= -1 && n <= 1);
            if (n < 0)
                assert_true(nreports == 1 && reports[0].whole);
            for (int k = 0; k < n; k++) {
                assert_true(strlen(out[k].name) < VM_NAME_LEN);
                assert_true(out[k].nr_vcpus >= 1 && out[k].nr_vcpus <= VM_MAX_VCPUS);
                for (unsigned c = 0; c < out[k].nr_vcpus; c++)
                    assert_true(out[k].affinity[c] < limits.nr_cpus);
                assert_true(out[k].ram_size >= 0x200000);
                assert_true(out[k].ram_ipa + out[k].ram_size <= (UINT64_C(1) << limits.ipa_bits));
                assert_true(out[k].nr_devs <= VM_MAX_DEVICES);
                assert_true(out[k].nr_passthru <= VM_MAX_PASSTHRU);
                assert_true(out[k].nr_passthru_irqs <= VM_MAX_IRQS);
            }
        }
    }
    free(bad);
    free(blob);
}

/* The repository's own configurations, as the hypervisor sees them. */
static void test_real_configs(void **state)
{
    static const char *const good[] = {
        "configs/default.dts",       "tests/configs/basics.dts",     "tests/configs/isolation.dts",
        "tests/configs/console.dts", "tests/configs/reset.dts",      "tests/configs/linux.dts",
        "tests/configs/linux2.dts",  "tests/configs/timeshare.dts",  "tests/configs/hostile.dts",
        "tests/configs/dma.dts",     "tests/configs/dma-unsafe.dts",
    };
    struct vm_config out[CONFIG_MAX_VMS];
    size_t len;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint8_t *blob = compile_file(good[i], &len);
        int n = parse_blob(blob, len, out);
        free(blob);
        if (n < 1 || nreports != 0)
            fail_msg("%s: %d VMs, %d reports (first: %s: %s)", good[i], n, nreports, nreports ? reports[0].vm : "",
                     nreports ? reports[0].reason : "");
    }

    uint8_t *blob = compile_file("tests/configs/basics.dts", &len);
    assert_int_equal(parse_blob(blob, len, out), 1);
    free(blob);
    assert_string_equal(out[0].name, "basics");
    assert_int_equal(out[0].ram_ipa, 0x40000000);
    assert_int_equal(out[0].ram_size, 0x2000000);
    assert_int_equal(out[0].nr_vcpus, 2);
    assert_int_equal(out[0].affinity[0], 1);
    assert_int_equal(out[0].affinity[1], 2);
    assert_string_equal(out[0].kernel, "build/guests/basics.bin");
    assert_int_equal(out[0].nr_devs, 2);
    assert_ptr_equal(out[0].dev[0].kind, kind_named("arm,pl011"));
    assert_int_equal(out[0].dev[0].ipa, 0x09000000);
    assert_int_equal(out[0].dev[0].intid, 33);
    assert_ptr_equal(out[0].dev[1].kind, kind_named("elvisor,debug-regs"));
    assert_int_equal(out[0].dev[1].ipa, 0x09010000);

    /* invalid.dts: what config_parse refuses; 'too-big' and 'passthrough-ram' pass here and are
     * refused later, when host memory and the host's devices are known. */
    blob = compile_file("tests/configs/invalid.dts", &len);
    int n = parse_blob(blob, len, out);
    free(blob);
    static const char *const names[] = { "good", "too-big", "passthrough-ram" };
    expect_names(out, n, names, 3);
    assert_int_equal(nreports, 5);
    expect_refused("overlap", "memory: 0x40000000+0x2000000 overlaps devices at 0x40001000");
    expect_refused("unknown-device", "devices/rtc@9010000: unknown device (compatible \"arm,pl031\")");
    expect_refused("no-such-cpu", "cpu-affinity: physical CPU 9 does not exist");
    expect_refused("image-too-big", "kernel: images need");
    expect_refused("gic-overlap", "overlaps the virtual GIC");
}

static int setup(void **state)
{
    if (access(DTC, X_OK) != 0) {
        fprintf(stderr, "test_config: %s is missing\n", DTC);
        return -1;
    }
    alarm(60); /* a parser that stops making progress fails the run instead of hanging */
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_vm),
        cmocka_unit_test(test_pci_binding),
        cmocka_unit_test(test_shmem_binding),
        cmocka_unit_test(test_limits_accepted),
        cmocka_unit_test(test_memory_refused),
        cmocka_unit_test(test_vcpus_refused),
        cmocka_unit_test(test_cpu_features),
        cmocka_unit_test(test_sve_max_vl),
        cmocka_unit_test(test_virtual_el2),
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_control_autostart_off_refused),
        cmocka_unit_test(test_images_refused),
        cmocka_unit_test(test_images_at_text_offset),
        cmocka_unit_test(test_firmware),
        cmocka_unit_test(test_passthrough_refused),
        cmocka_unit_test(test_devices_refused),
        cmocka_unit_test(test_v2m_binding),
        cmocka_unit_test(test_virtio_bindings),
        cmocka_unit_test(test_virtio_net_offloads),
        cmocka_unit_test(test_overlaps_refused),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_too_many_vms),
        cmocka_unit_test(test_whole_config_errors),
        cmocka_unit_test(test_corrupted_bytes),
        cmocka_unit_test(test_real_configs),
    };

    return cmocka_run_group_tests_name("config", tests, setup, NULL);
}
