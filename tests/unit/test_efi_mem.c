/* Unit tests for core/efi_mem.c: RAM and the regions to keep, read from a UEFI memory map as
 * the EFI stub hands it over (docs/booting.md). Maps are built here the way firmware lays them
 * out: descriptors of 48 bytes (EDK2 pads the 40-byte version 1 descriptor), mostly sorted,
 * runtime services regions inside RAM, flash and MMIO ranges beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/efi_mem.h"
#include "arch/aarch64/efi.h"

#define DESC 48
#define PG   4096ULL
#define MiB  (1ULL << 20)
#define WB   (EFI_MEMORY_WB | 0x7ULL) /* UC | WC | WT | WB, as EDK2 reports RAM */
#define RT   EFI_MEMORY_RUNTIME

struct map {
    uint8_t buf[64 * DESC];
    unsigned n;
};

static void add(struct map *m, uint32_t type, uint64_t base, uint64_t bytes, uint64_t attr)
{
    struct efi_memory_descriptor d = {
        .type = type, .physical_start = base, .number_of_pages = bytes / PG, .attribute = attr
    };
    assert_true(m->n < 64);
    memset(m->buf + m->n * DESC, 0xa5, DESC); /* padding is not read */
    memcpy(m->buf + m->n * DESC, &d, sizeof(d));
    m->n++;
}

struct result {
    struct mem_range ram[16], rsv[16];
    struct range_list ram_l, rsv_l;
};

static const char *parse(struct map *m, struct result *r, unsigned max)
{
    r->ram_l = (struct range_list){ r->ram, 0, max };
    r->rsv_l = (struct range_list){ r->rsv, 0, max };
    return efi_mem_parse(m->buf, m->n * DESC, DESC, &r->ram_l, &r->rsv_l);
}

/* 1 GiB at 0x40000000 as EDK2 on QEMU's virt describes it after ExitBootServices. */
static void edk2_like(struct map *m)
{
    add(m, EFI_MEMORY_MAPPED_IO, 0x04000000, 64 * MiB, RT | 1); /* variable store flash */
    add(m, EFI_CONVENTIONAL_MEMORY, 0x40000000, 512 * MiB, WB);
    add(m, EFI_LOADER_DATA, 0x60000000, 2 * MiB, WB);
    add(m, EFI_LOADER_CODE, 0x60200000, 46 * MiB, WB);
    add(m, EFI_BOOT_SERVICES_DATA, 0x63000000, 300 * MiB, WB);
    add(m, EFI_RUNTIME_SERVICES_DATA, 0x75c00000, 1 * MiB, WB | RT);
    add(m, EFI_RUNTIME_SERVICES_CODE, 0x75d00000, 1 * MiB, WB | RT);
    add(m, EFI_BOOT_SERVICES_CODE, 0x75e00000, 34 * MiB, WB);
    add(m, EFI_ACPI_RECLAIM_MEMORY, 0x78000000, 64 * PG, WB);
    add(m, EFI_RESERVED_MEMORY, 0x78040000, 16 * PG, WB); /* firmware's own: not RAM for us */
    add(m, EFI_CONVENTIONAL_MEMORY, 0x78050000, 0x80000000 - 0x78050000 - 2 * MiB, WB);
    add(m, EFI_RUNTIME_SERVICES_DATA, 0x7fe00000, 2 * MiB, WB | RT);
    add(m, EFI_MEMORY_MAPPED_IO, 0x09010000, PG, RT | 1); /* RTC */
}

static void test_edk2_map(void **state)
{
    struct map m = { 0 };
    struct result r;
    edk2_like(&m);
    assert_null(parse(&m, &r, 16));
    /* RAM is everything but the firmware's reserved pages; MMIO is not RAM. */
    assert_int_equal(r.ram_l.count, 2);
    assert_int_equal(r.ram[0].base, 0x40000000);
    assert_int_equal(r.ram[0].size, 0x78040000 - 0x40000000);
    assert_int_equal(r.ram[1].base, 0x78050000);
    assert_int_equal(r.ram[1].base + r.ram[1].size, 0x80000000);
    /* Kept: the two adjacent runtime regions as one, the ACPI tables, the last runtime data. */
    assert_int_equal(r.rsv_l.count, 3);
    assert_int_equal(r.rsv[0].base, 0x75c00000);
    assert_int_equal(r.rsv[0].size, 2 * MiB);
    assert_int_equal(r.rsv[1].base, 0x78000000);
    assert_int_equal(r.rsv[1].size, 64 * PG);
    assert_int_equal(r.rsv[2].base, 0x7fe00000);
    assert_int_equal(r.rsv[2].size, 2 * MiB);
}

/* The specification does not promise a sorted map: the same map backwards gives the same. */
static void test_unsorted_map(void **state)
{
    struct map fwd = { 0 }, rev = { 0 };
    struct result a, b;
    edk2_like(&fwd);
    for (int i = (int)fwd.n - 1; i >= 0; i--) {
        memcpy(rev.buf + rev.n * DESC, fwd.buf + i * DESC, DESC);
        rev.n++;
    }
    assert_null(parse(&fwd, &a, 16));
    assert_null(parse(&rev, &b, 16));
    assert_int_equal(a.ram_l.count, b.ram_l.count);
    assert_int_equal(a.rsv_l.count, b.rsv_l.count);
    assert_memory_equal(a.ram, b.ram, a.ram_l.count * sizeof(a.ram[0]));
    assert_memory_equal(a.rsv, b.rsv, a.rsv_l.count * sizeof(a.rsv[0]));
}

static void test_not_ram(void **state)
{
    struct map m = { 0 };
    struct result r;
    add(&m, EFI_CONVENTIONAL_MEMORY, 0x40000000, 16 * MiB, WB);
    add(&m, EFI_CONVENTIONAL_MEMORY, 0x50000000, 16 * MiB, 0x1); /* uncached only: not RAM */
    add(&m, EFI_UNUSABLE_MEMORY, 0x60000000, 16 * MiB, WB);
    add(&m, EFI_PERSISTENT_MEMORY, 0x70000000, 16 * MiB, WB);
    add(&m, EFI_PAL_CODE, 0x80000000, 16 * MiB, WB);
    add(&m, EFI_UNACCEPTED_MEMORY, 0x90000000, 16 * MiB, WB);
    add(&m, 0x80000001, 0xa0000000, 16 * MiB, WB);       /* an OEM type */
    add(&m, EFI_CONVENTIONAL_MEMORY, 0xb0000000, 0, WB); /* empty */
    assert_null(parse(&m, &r, 16));
    assert_int_equal(r.ram_l.count, 1);
    assert_int_equal(r.ram[0].base, 0x40000000);
    assert_int_equal(r.ram[0].size, 16 * MiB);
    assert_int_equal(r.rsv_l.count, 0);
}

static void test_bad_maps(void **state)
{
    struct map m = { 0 };
    struct result r;
    struct range_list ram = { r.ram, 0, 16 }, rsv = { r.rsv, 0, 16 };
    add(&m, EFI_CONVENTIONAL_MEMORY, 0x40000000, 16 * MiB, WB);
    assert_string_equal(efi_mem_parse(m.buf, DESC, 32, &ram, &rsv), "EFI memory map: bad descriptor size");
    assert_string_equal(efi_mem_parse(m.buf, DESC, 44, &ram, &rsv), "EFI memory map: bad descriptor size");
    assert_string_equal(efi_mem_parse(m.buf, 2048, 2048, &ram, &rsv), "EFI memory map: bad descriptor size");
    assert_string_equal(efi_mem_parse(m.buf, DESC + 8, DESC, &ram, &rsv),
                        "EFI memory map: size is not a whole number of descriptors");
    assert_string_equal(efi_mem_parse(m.buf, 0, DESC, &ram, &rsv), "EFI memory map: no RAM");

    struct map wrap = { 0 };
    add(&wrap, EFI_CONVENTIONAL_MEMORY, 0xfffffffffff00000ULL, 0, WB);
    ((struct efi_memory_descriptor *)wrap.buf)->number_of_pages = 0x200; /* 2 MiB past the top */
    assert_string_equal(parse(&wrap, &r, 16), "EFI memory map: a RAM descriptor is unaligned or wraps around");
    struct map huge = { 0 };
    add(&huge, EFI_LOADER_DATA, 0x40000000, 0, WB);
    ((struct efi_memory_descriptor *)huge.buf)->number_of_pages = UINT64_MAX;
    assert_string_equal(parse(&huge, &r, 16), "EFI memory map: a RAM descriptor is unaligned or wraps around");
    struct map unaligned = { 0 };
    add(&unaligned, EFI_CONVENTIONAL_MEMORY, 0x40000800, 16 * MiB, WB);
    assert_string_equal(parse(&unaligned, &r, 16), "EFI memory map: a RAM descriptor is unaligned or wraps around");
    /* An MMIO descriptor is skipped before it is checked: it is never used. */
    struct map mmio = { 0 };
    add(&mmio, EFI_MEMORY_MAPPED_IO, 0x800, 0, 1);
    ((struct efi_memory_descriptor *)mmio.buf)->number_of_pages = UINT64_MAX;
    add(&mmio, EFI_CONVENTIONAL_MEMORY, 0x40000000, 16 * MiB, WB);
    assert_null(parse(&mmio, &r, 16));
}

/* More separate ranges than the hypervisor keeps is refused by name, not truncated. */
static void test_too_many_ranges(void **state)
{
    struct map m = { 0 };
    struct result r;
    for (unsigned i = 0; i < 5; i++)
        add(&m, EFI_CONVENTIONAL_MEMORY, 0x40000000 + i * 32 * MiB, 16 * MiB, WB);
    assert_null(parse(&m, &r, 5));
    assert_int_equal(r.ram_l.count, 5);
    add(&m, EFI_CONVENTIONAL_MEMORY, 0x40000000 + 5 * 32 * MiB, 16 * MiB, WB);
    assert_string_equal(parse(&m, &r, 5), "EFI memory map: too many separate RAM ranges");

    struct map k = { 0 };
    add(&k, EFI_CONVENTIONAL_MEMORY, 0x40000000, 256 * MiB, WB);
    for (unsigned i = 0; i < 3; i++)
        add(&k, EFI_RUNTIME_SERVICES_CODE, 0x48000000 + i * 2 * MiB, MiB, WB | RT);
    assert_string_equal(parse(&k, &r, 2), "EFI memory map: too many separate runtime services and ACPI regions");
}

static void test_range_list(void **state)
{
    struct mem_range v[4];
    struct range_list l = { v, 0, 4 };
    assert_int_equal(range_list_add(&l, 0x3000, 0x1000), 0);
    assert_int_equal(range_list_add(&l, 0x1000, 0x1000), 0);
    assert_int_equal(range_list_add(&l, 0x8000, 0x1000), 0);
    assert_int_equal(range_list_add(&l, 0x0, 0), 0); /* empty: nothing */
    assert_int_equal(l.count, 3);
    /* Touching the first and the second: all three become one. */
    assert_int_equal(range_list_add(&l, 0x2000, 0x1000), 0);
    assert_int_equal(l.count, 2);
    assert_int_equal(v[0].base, 0x1000);
    assert_int_equal(v[0].size, 0x3000);
    /* Contained, and spanning several: */
    assert_int_equal(range_list_add(&l, 0x1800, 0x100), 0);
    assert_int_equal(range_list_add(&l, 0x0, 0x10000), 0);
    assert_int_equal(l.count, 1);
    assert_int_equal(v[0].base, 0);
    assert_int_equal(v[0].size, 0x10000);
    /* Full: a separate range is refused, a touching one still merges. */
    for (unsigned i = 1; i < 4; i++)
        assert_int_equal(range_list_add(&l, 0x100000 * i, 0x1000), 0);
    assert_int_equal(range_list_add(&l, 0x900000, 0x1000), -1);
    assert_int_equal(range_list_add(&l, 0x101000, 0x1000), 0);
    assert_int_equal(l.count, 4);
    assert_int_equal(v[1].size, 0x2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edk2_map), cmocka_unit_test(test_unsorted_map),    cmocka_unit_test(test_not_ram),
        cmocka_unit_test(test_bad_maps), cmocka_unit_test(test_too_many_ranges), cmocka_unit_test(test_range_list),
    };
    return cmocka_run_group_tests_name("efi_mem", tests, NULL, NULL);
}
