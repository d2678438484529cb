/* Unit tests for arch/aarch64/s2walk.c: walking a guest hypervisor's stage 2 tables, built
 * here in a fake guest RAM, including the malformed ones a hostile guest can write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/regs/vtcr.h"
#include "arch/aarch64/s2walk.h"

/* The guest's RAM: 32 pages at IPA 0x40000000. */
#define RAM_BASE  UINT64_C(0x40000000)
#define RAM_PAGES 32
#define PG        UINT64_C(4096)

static uint64_t ram[RAM_PAGES * 512];
static unsigned bad_reads; /* reads the walker asked for outside the RAM */

static bool ram_read(void *ctx, uint64_t addr, uint64_t *desc)
{
    (void)ctx;
    assert_int_equal(addr & 7u, 0);
    if (addr < RAM_BASE || addr >= RAM_BASE + sizeof(ram)) {
        bad_reads++;
        return false;
    }
    *desc = ram[(addr - RAM_BASE) / 8u];
    return true;
}

static uint64_t *page(unsigned n) { return &ram[n * 512u]; }
static uint64_t page_ipa(unsigned n) { return RAM_BASE + n * PG; }

/* Descriptors as a guest hypervisor writes them (Arm ARM D8.3.1). */
#define V      UINT64_C(1)
#define T      UINT64_C(2)
#define AF     (UINT64_C(1) << 10)
#define AP_R   (UINT64_C(1) << 6)
#define AP_W   (UINT64_C(1) << 7)
#define XN     (UINT64_C(1) << 54)
#define NORMAL (UINT64_C(0xf) << 2)
static uint64_t table(unsigned n) { return page_ipa(n) | T | V; }
static uint64_t leaf(uint64_t oa, uint64_t attrs, bool l3) { return oa | attrs | (l3 ? T : 0) | V; }

/* 40-bit IPA (T0SZ 24), start level 1 (two concatenated level 1 tables), PS 40 bits. */
static uint64_t vtcr40(void)
{
    return REG_FIELD(24, VTCR_EL2_T0SZ_SHIFT) | REG_FIELD(VTCR_EL2_SL0_4K_L1, VTCR_EL2_SL0_SHIFT) |
           REG_FIELD(TCR_TG0_4K, VTCR_EL2_TG0_SHIFT) | REG_FIELD(TCR_PS_40, VTCR_EL2_PS_SHIFT) | VTCR_EL2_RES1;
}
/* 32-bit IPA (T0SZ 32), start level 1, PS 32 bits. */
static uint64_t vtcr32(void)
{
    return REG_FIELD(32, VTCR_EL2_T0SZ_SHIFT) | REG_FIELD(VTCR_EL2_SL0_4K_L1, VTCR_EL2_SL0_SHIFT) |
           REG_FIELD(TCR_TG0_4K, VTCR_EL2_TG0_SHIFT) | REG_FIELD(TCR_PS_32, VTCR_EL2_PS_SHIFT) | VTCR_EL2_RES1;
}

static int reset(void **state)
{
    memset(ram, 0, sizeof(ram));
    bad_reads = 0;
    return 0;
}

static struct s2walk_result walk(uint64_t vtcr, uint64_t root, uint64_t ipa)
{
    struct s2walk_result r;
    s2walk(vtcr, root | (UINT64_C(5) << VTTBR_EL2_VMID_SHIFT), ipa, ram_read, NULL, &r);
    return r;
}

/* L2 IPA 0x1000 -> L1 IPA 0x40013000 (a remap: X != Y), through three levels; RW, executable. */
static void test_page_remap(void **state)
{
    page(0)[0] = table(2);                                            /* L1[0] */
    page(2)[0] = table(3);                                            /* L2[0] */
    page(3)[1] = leaf(page_ipa(19), NORMAL | AP_R | AP_W | AF, true); /* L3[1] */
    struct s2walk_result r = walk(vtcr32(), page_ipa(0), 0x1234);
    assert_true(r.ok);
    assert_int_equal(r.level, 3);
    assert_int_equal(r.out, page_ipa(19) + 0x234);
    assert_int_equal(r.size, PG);
    assert_true(r.r && r.w && r.x);
    assert_int_equal(r.memattr, 0xf);
    assert_int_equal(r.reads, 3);
    assert_int_equal(s2walk_check(&r, true, false), 0);
    assert_int_equal(s2walk_check(&r, false, true), 0);
    /* The page next to it is not mapped: translation fault at level 3. */
    r = walk(vtcr32(), page_ipa(0), 0x2000);
    assert_false(r.ok);
    assert_int_equal(r.fsc, S2W_FSC_TRANSLATION + 3);
    /* Nor is anything under L1[1]: translation fault at level 1. */
    r = walk(vtcr32(), page_ipa(0), 0x40000000);
    assert_int_equal(r.fsc, S2W_FSC_TRANSLATION + 1);
    assert_int_equal(bad_reads, 0);
}

static void test_blocks_and_permissions(void **state)
{
    page(0)[1] = leaf(UINT64_C(0x80000000), NORMAL | AP_R | AF | XN, false); /* 1 GiB, RO, XN */
    page(0)[0] = table(2);
    page(2)[3] = leaf(UINT64_C(0x40200000), AP_W | AF, false); /* 2 MiB, write-only, Device */
    struct s2walk_result r = walk(vtcr32(), page_ipa(0), 0x40123456);
    assert_true(r.ok);
    assert_int_equal(r.level, 1);
    assert_int_equal(r.size, UINT64_C(1) << 30);
    assert_int_equal(r.out, 0x80123456);
    assert_int_equal(r.reads, 1);
    assert_int_equal(s2walk_check(&r, false, false), 0);
    assert_int_equal(s2walk_check(&r, true, false), S2W_FSC_PERMISSION + 1);
    assert_int_equal(s2walk_check(&r, false, true), S2W_FSC_PERMISSION + 1);

    r = walk(vtcr32(), page_ipa(0), 0x00654321);
    assert_true(r.ok);
    assert_int_equal(r.level, 2);
    assert_int_equal(r.out, 0x40254321);
    assert_int_equal(r.memattr, 0);
    assert_int_equal(s2walk_check(&r, true, false), 0);
    assert_int_equal(s2walk_check(&r, false, false), S2W_FSC_PERMISSION + 2);
    /* A fetch needs read permission too (D8.4.2). */
    assert_int_equal(s2walk_check(&r, false, true), S2W_FSC_PERMISSION + 2);
}

/* Start level 1 with a 40-bit IPA: the root is two concatenated pages; BADDR's low bits that
 * the root's alignment does not allow are ignored. */
static void test_concatenated_root(void **state)
{
    page(5)[0] = leaf(UINT64_C(0x1000000000), NORMAL | AP_R | AF, false); /* 2nd root page, L1[512] */
    page(4)[7] = leaf(UINT64_C(0x0040000000), NORMAL | AP_R | AF, false); /* L1[7] */
    struct s2walk_result r = walk(vtcr40(), page_ipa(4) | 0x40, UINT64_C(0x8000000123));
    assert_true(r.ok);
    assert_int_equal(r.out, UINT64_C(0x1000000123));
    r = walk(vtcr40(), page_ipa(4), UINT64_C(0x1c0000abc));
    assert_true(r.ok);
    assert_int_equal(r.out, UINT64_C(0x40000abc));
    /* Beyond the 40-bit input size: translation fault at the start level, nothing read. */
    r = walk(vtcr40(), page_ipa(4), UINT64_C(1) << 40);
    assert_int_equal(r.fsc, S2W_FSC_TRANSLATION + 1);
    assert_int_equal(r.reads, 0);
}

/* What a hostile guest hypervisor can write: each ends in the fault the hardware would report,
 * after at most one read per level, none outside its RAM. */
static void test_malformed_tables(void **state)
{
    struct s2walk_result r;

    /* A table pointer outside its RAM: external abort on the walk at the next level. */
    page(0)[0] = (UINT64_C(0x9000000) & ~(PG - 1)) | T | V;
    r = walk(vtcr32(), page_ipa(0), 0);
    assert_int_equal(r.fsc, S2W_FSC_WALK_EXT + 2);
    assert_int_equal(bad_reads, 1);
    /* The root itself outside its RAM. */
    r = walk(vtcr32(), UINT64_C(0x10000000), 0);
    assert_int_equal(r.fsc, S2W_FSC_WALK_EXT + 1);
    /* A table pointer beyond PS (32 bits): address size fault, not read. */
    bad_reads = 0;
    page(0)[0] = UINT64_C(0x100000000) | T | V;
    r = walk(vtcr32(), page_ipa(0), 0);
    assert_int_equal(r.fsc, S2W_FSC_ADDR_SIZE + 1);
    assert_int_equal(bad_reads, 0);
    /* A block output beyond PS. */
    page(0)[0] = UINT64_C(0x100000000) | NORMAL | AP_R | AF | V;
    r = walk(vtcr32(), page_ipa(0), 0);
    assert_int_equal(r.fsc, S2W_FSC_ADDR_SIZE + 1);
    /* A loop: the level 1 table points at itself at every level. The walk reads it three
     * times, then takes the last entry as a page of that table with AF = 0. */
    for (unsigned i = 0; i < 512; i++)
        page(0)[i] = table(0);
    r = walk(vtcr32(), page_ipa(0), 0x12345678);
    assert_false(r.ok);
    assert_int_equal(r.reads, 3);
    assert_int_equal(r.fsc, S2W_FSC_ACCESS + 3);
    /* The same loop with AF set maps the table page itself, which is the guest's own RAM. */
    for (unsigned i = 0; i < 512; i++)
        page(0)[i] = table(0) | AF | AP_R;
    r = walk(vtcr32(), page_ipa(0), 0x12345678);
    assert_true(r.ok);
    assert_int_equal(r.out, page_ipa(0) + 0x678);
    /* A level 3 entry with bit 1 clear (a "block" at level 3): translation fault. */
    page(0)[0] = table(2);
    page(2)[0] = table(3);
    page(3)[0] = leaf(page_ipa(9), AF | AP_R, false);
    r = walk(vtcr32(), page_ipa(0), 0);
    assert_int_equal(r.fsc, S2W_FSC_TRANSLATION + 3);
    /* AF clear: access flag fault (no hardware AF update). */
    page(3)[0] = leaf(page_ipa(9), AP_R, true);
    r = walk(vtcr32(), page_ipa(0), 0);
    assert_int_equal(r.fsc, S2W_FSC_ACCESS + 3);
}

/* Start level 0 (48-bit IPA): a block at level 0 does not exist with 4 KiB. */
static void test_level0(void **state)
{
    uint64_t vtcr48 = REG_FIELD(16, VTCR_EL2_T0SZ_SHIFT) | REG_FIELD(VTCR_EL2_SL0_4K_L0, VTCR_EL2_SL0_SHIFT) |
                      REG_FIELD(TCR_PS_48, VTCR_EL2_PS_SHIFT);
    page(0)[0] = leaf(0, NORMAL | AP_R | AF, false);
    struct s2walk_result r = walk(vtcr48, page_ipa(0), 0x1000);
    assert_int_equal(r.fsc, S2W_FSC_TRANSLATION + 0);
    page(0)[0] = table(1);
    page(1)[0] = table(2);
    page(2)[0] = table(3);
    page(3)[1] = leaf(page_ipa(7), NORMAL | AP_R | AF, true);
    r = walk(vtcr48, page_ipa(0), 0x1008);
    assert_true(r.ok);
    assert_int_equal(r.reads, 4);
    assert_int_equal(r.out, page_ipa(7) + 8);
}

/* A VTCR_EL2 the walker does not take: translation fault, no descriptor read. */
static void test_bad_vtcr(void **state)
{
    uint64_t bad[] = {
        vtcr32() | REG_FIELD(TCR_TG0_64K, VTCR_EL2_TG0_SHIFT),                               /* 64 KiB granule */
        vtcr32() | REG_FIELD(3, VTCR_EL2_SL0_SHIFT),                                         /* SL0 = 3 */
        (vtcr32() & ~VTCR_EL2_T0SZ_MASK) | REG_FIELD(8, VTCR_EL2_T0SZ_SHIFT),                /* 56-bit IPA */
        (vtcr32() & ~VTCR_EL2_T0SZ_MASK) | REG_FIELD(40, VTCR_EL2_T0SZ_SHIFT),               /* 24 bits from L1 */
        (vtcr40() & ~VTCR_EL2_SL0_MASK) | REG_FIELD(VTCR_EL2_SL0_4K_L2, VTCR_EL2_SL0_SHIFT), /* 40 bits from L2 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct s2walk_result r = walk(bad[i], page_ipa(0), 0);
        assert_false(r.ok);
        assert_int_equal(r.fsc & ~3u, S2W_FSC_TRANSLATION);
        assert_int_equal(r.reads, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_page_remap, reset),
        cmocka_unit_test_setup(test_blocks_and_permissions, reset),
        cmocka_unit_test_setup(test_concatenated_root, reset),
        cmocka_unit_test_setup(test_malformed_tables, reset),
        cmocka_unit_test_setup(test_level0, reset),
        cmocka_unit_test_setup(test_bad_vtcr, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
