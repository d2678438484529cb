/* Unit tests for the pure parts of a guest hypervisor's AT S12E* and of the shadow fill before
 * an AT is retried (docs/nested.md "Address translation"): arch/aarch64/par_s12.c (PAR_EL1 of
 * both stages: the attributes combined as Arm ARM D8.6.2 has them) and arch/aarch64/s1tables.c
 * (the stage 1 table descriptors of one VA, on tables a hostile guest writes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/par_s12.h"
#include "arch/aarch64/s1tables.h"
#include "arch/aarch64/regs/par.h"

/* A stage 1 PAR: success, ATTR, SH, NS (bit 9) and an output IPA. */
static uint64_t par1(unsigned attr, unsigned sh, uint64_t ipa)
{
    return (uint64_t)attr << PAR_EL1_ATTR_SHIFT | (uint64_t)sh << PAR_EL1_SH_SHIFT | (UINT64_C(1) << 9) |
           PAR_EL1_RES1_F | ipa;
}

#define ATTR(p) ((unsigned)((p) >> PAR_EL1_ATTR_SHIFT))
#define SH(p)   ((unsigned)(((p) >> PAR_EL1_SH_SHIFT) & 3u))
#define PA(p)   ((p)&PAR_EL1_PA_MASK)

/* Stage 2 MemAttr[3:0]: Device nGnRnE .. GRE, Normal outer/inner NC 01, WT 10, WB 11. */
#define S2_DEV_NGNRNE 0x0u
#define S2_DEV_NGNRE  0x1u
#define S2_DEV_NGRE   0x2u
#define S2_NC         0x5u
#define S2_WB         0xfu
#define S2_OWT_IWB    0xbu

/* Both Normal Write-Back: stage 1's attributes, stage 2's output address, NS and the RES1 bit
 * kept, F clear. */
static void test_normal_both(void **state)
{
    uint64_t p = par_s12(par1(0xff, PAR_SH_INNER, 0x12345000), 0x40a07000, S2_WB, PAR_SH_INNER);
    assert_int_equal(ATTR(p), 0xff);
    assert_int_equal(SH(p), PAR_SH_INNER);
    assert_int_equal(PA(p), 0x40a07000);
    assert_int_equal(p & PAR_EL1_F, 0);
    assert_true(p & (UINT64_C(1) << 9));
    assert_true(p & PAR_EL1_RES1_F);
    /* Only PA[47:12] of the output address: its page offset is not in PAR_EL1. */
    assert_int_equal(PA(par_s12(par1(0xff, PAR_SH_INNER, 0), 0x40a07abc, S2_WB, PAR_SH_INNER)), 0x40a07000);
}

/* Device at either stage: Device, the more restrictive type, Outer Shareable. */
static void test_device_wins(void **state)
{
    uint64_t p = par_s12(par1(0xff, PAR_SH_INNER, 0x1000), 0x9000000, S2_DEV_NGNRE, PAR_SH_NONE);
    assert_int_equal(ATTR(p), 0x04);
    assert_int_equal(SH(p), PAR_SH_OUTER);
    assert_int_equal(ATTR(par_s12(par1(0x00, PAR_SH_OUTER, 0x1000), 0x2000, S2_WB, PAR_SH_INNER)), 0x00);
    assert_int_equal(ATTR(par_s12(par1(0x0c, PAR_SH_OUTER, 0x1000), 0x2000, S2_DEV_NGRE, PAR_SH_INNER)), 0x08);
    assert_int_equal(ATTR(par_s12(par1(0x08, PAR_SH_OUTER, 0x1000), 0x2000, S2_DEV_NGNRNE, PAR_SH_INNER)), 0x00);
    assert_int_equal(ATTR(par_s12(par1(0x04, PAR_SH_OUTER, 0x1000), 0x2000, S2_DEV_NGRE, PAR_SH_INNER)), 0x04);
}

/* Normal: each half the less cacheable; both Non-cacheable reports Outer Shareable; stage 1's
 * allocation hints kept where stage 2 lowers Write-Back to Write-Through. */
static void test_cacheability(void **state)
{
    uint64_t p = par_s12(par1(0xff, PAR_SH_INNER, 0x1000), 0x2000, S2_NC, PAR_SH_INNER);
    assert_int_equal(ATTR(p), 0x44);
    assert_int_equal(SH(p), PAR_SH_OUTER);
    p = par_s12(par1(0xff, PAR_SH_INNER, 0x1000), 0x2000, S2_OWT_IWB, PAR_SH_INNER);
    assert_int_equal(ATTR(p), 0xbf);
    assert_int_equal(SH(p), PAR_SH_INNER);
    /* Stage 1 Write-Through (0xaa), stage 2 Write-Back: stage 1's. */
    assert_int_equal(ATTR(par_s12(par1(0xaa, PAR_SH_INNER, 0x1000), 0x2000, S2_WB, PAR_SH_INNER)), 0xaa);
    /* Stage 1 Non-cacheable outer, Write-Back inner (0x4f), stage 2 Write-Through inner (0xe). */
    assert_int_equal(ATTR(par_s12(par1(0x4f, PAR_SH_INNER, 0x1000), 0x2000, 0xeu, PAR_SH_INNER)), 0x4b);
}

/* Shareability: the wider of both (Outer > Inner > Non-shareable). */
static void test_shareability(void **state)
{
    assert_int_equal(SH(par_s12(par1(0xff, PAR_SH_NONE, 0), 0, S2_WB, PAR_SH_OUTER)), PAR_SH_OUTER);
    assert_int_equal(SH(par_s12(par1(0xff, PAR_SH_INNER, 0), 0, S2_WB, PAR_SH_NONE)), PAR_SH_INNER);
    assert_int_equal(SH(par_s12(par1(0xff, PAR_SH_NONE, 0), 0, S2_WB, PAR_SH_NONE)), PAR_SH_NONE);
    assert_int_equal(SH(par_s12(par1(0xff, PAR_SH_OUTER, 0), 0, S2_WB, PAR_SH_INNER)), PAR_SH_OUTER);
}

/* A stage 2 fault of the final IPA: F, S, FST, PTW clear, bit 11 RES1. */
static void test_s2_fault(void **state)
{
    assert_int_equal(par_s2_fault(0x07), PAR_EL1_F | PAR_EL1_RES1_F | PAR_EL1_S | (0x07u << PAR_EL1_FST_SHIFT));
    assert_int_equal(par_s2_fault(0x0f) & PAR_EL1_PTW, 0);
    assert_int_equal((par_s2_fault(0xff) & PAR_EL1_FST_MASK) >> PAR_EL1_FST_SHIFT, 0x3f);
}

/* ---- stage 1 tables: a fake guest RAM of 16 pages at IPA 0x40000000 ---- */

#define RAM_BASE UINT64_C(0x40000000)
#define PG       UINT64_C(4096)
static uint64_t ram[16 * 512];
static uint64_t reads[8];
static unsigned nreads;
static uint64_t refuse_at = ~UINT64_C(0);

static bool ram_read(void *ctx, uint64_t addr, uint64_t *desc)
{
    (void)ctx;
    assert_int_equal(addr & 7u, 0);
    if (nreads < 8)
        reads[nreads] = addr;
    nreads++;
    if (addr == refuse_at || addr < RAM_BASE || addr >= RAM_BASE + sizeof(ram))
        return false;
    *desc = ram[(addr - RAM_BASE) / 8u];
    return true;
}

static int reset(void **state)
{
    memset(ram, 0, sizeof(ram));
    memset(reads, 0, sizeof(reads));
    nreads = 0;
    refuse_at = ~UINT64_C(0);
    return 0;
}

static uint64_t *page(unsigned n) { return &ram[n * 512u]; }
static uint64_t ipa(unsigned n) { return RAM_BASE + n * PG; }

#define TABLE   UINT64_C(3)
#define BLOCK   (UINT64_C(1) | UINT64_C(1) << 10)
#define T0SZ(n) ((uint64_t)(n))
#define T1SZ(n) ((uint64_t)(n) << 16)
#define EPD0    (UINT64_C(1) << 7)
#define EPD1    (UINT64_C(1) << 23)
#define TG0_64K (UINT64_C(1) << 14)
#define TG1_4K  (UINT64_C(2) << 30)
#define TBI0    (UINT64_C(1) << 37)

static int walk(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1, uint64_t va, uint64_t *refused)
{
    return s1tables_walk(tcr, ttbr0, ttbr1, va, ram_read, NULL, refused);
}

/* 39-bit VAs (T0SZ 25) from level 1: the root's entry, then the level 2 table's, a block. */
static void test_tables_39bit(void **state)
{
    uint64_t r = 0;
    page(0)[1] = ipa(1) | TABLE;
    page(1)[3] = 0x80600000 | BLOCK;
    assert_int_equal(walk(T0SZ(25) | EPD1, ipa(0) | (UINT64_C(0x42) << 48), 0, 0x40600123, &r), S1T_DONE);
    assert_int_equal(nreads, 2);
    assert_int_equal(reads[0], ipa(0) + 1 * 8);
    assert_int_equal(reads[1], ipa(1) + 3 * 8);
}

/* 48-bit VAs (T0SZ 16) from level 0, four levels to a page; an invalid entry ends the walk. */
static void test_tables_48bit(void **state)
{
    uint64_t r = 0, va = (UINT64_C(5) << 39) | (UINT64_C(6) << 30) | (UINT64_C(7) << 21) | (UINT64_C(8) << 12);
    page(0)[5] = ipa(1) | TABLE;
    page(1)[6] = ipa(2) | TABLE;
    page(2)[7] = ipa(3) | TABLE;
    page(3)[8] = 0x80000000 | TABLE; /* a page at level 3 */
    assert_int_equal(walk(T0SZ(16), ipa(0), 0, va, &r), S1T_DONE);
    assert_int_equal(nreads, 4);
    assert_int_equal(reads[3], ipa(3) + 8 * 8);
    reset(NULL);
    page(0)[5] = ipa(1) | TABLE;
    assert_int_equal(walk(T0SZ(16), ipa(0), 0, va, &r), S1T_DONE);
    assert_int_equal(nreads, 2);
}

/* VA[55] = 1: TTBR1 with T1SZ and TG1; TBI0 lets a tagged VA walk TTBR0. */
static void test_tables_ttbr1_and_tbi(void **state)
{
    uint64_t r = 0;
    page(2)[511] = ipa(3) | TABLE;
    assert_int_equal(walk(T0SZ(25) | T1SZ(25) | TG1_4K, ipa(0), ipa(2), 0xffffffffc0000000, &r), S1T_DONE);
    assert_int_equal(reads[0], ipa(2) + 511 * 8);
    assert_int_equal(nreads, 2);
    reset(NULL);
    assert_int_equal(walk(T0SZ(25) | TBI0 | EPD1, ipa(0), 0, 0x5a00000040000000, &r), S1T_DONE);
    assert_int_equal(reads[0], ipa(0) + 1 * 8);
    reset(NULL);
    assert_int_equal(walk(T0SZ(25) | EPD1, ipa(0), 0, 0x5a00000040000000, &r), S1T_NOWALK);
    assert_int_equal(nreads, 0);
}

/* No walk, nothing read: TTBRn disabled, another granule, a VA beyond TnSZ, a TnSZ outside
 * 16..39, FEAT_LPA2's DS. */
static void test_tables_no_walk(void **state)
{
    uint64_t r = 0;
    assert_int_equal(walk(T0SZ(25) | EPD0, ipa(0), 0, 0x1000, &r), S1T_NOWALK);
    assert_int_equal(walk(T0SZ(25) | TG0_64K, ipa(0), 0, 0x1000, &r), S1T_NOWALK);
    assert_int_equal(walk(T0SZ(25), ipa(0), 0, UINT64_C(1) << 39, &r), S1T_NOWALK);
    assert_int_equal(walk(T0SZ(25) | EPD1, ipa(0), 0, 0xffffffffc0000000, &r), S1T_NOWALK);
    assert_int_equal(walk(T0SZ(25) | T1SZ(25), ipa(0), 0, 0xffffffffc0000000, &r), S1T_NOWALK); /* TG1 0b00 */
    assert_int_equal(walk(T0SZ(8), ipa(0), 0, 0x1000, &r), S1T_NOWALK);
    assert_int_equal(walk(T0SZ(63), ipa(0), 0, 0x1000, &r), S1T_NOWALK);
    assert_int_equal(walk(T0SZ(25) | (UINT64_C(1) << 59), ipa(0), 0, 0x1000, &r), S1T_NOWALK);
    assert_int_equal(nreads, 0);
}

/* Hostile tables: a table that names itself walks at most four levels; a next table outside
 * the RAM, or one the reader refuses, ends the walk there with its address; a root beyond the
 * RAM the same. */
static void test_tables_hostile(void **state)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 512; i++)
        page(0)[i] = ipa(0) | TABLE;
    assert_int_equal(walk(T0SZ(16), ipa(0), 0, 0x0000ffffffffffff, &r), S1T_DONE);
    assert_int_equal(nreads, 4);
    reset(NULL);
    page(0)[0] = UINT64_C(0xfffffffff000) | TABLE | (UINT64_C(0xfff) << 52);
    assert_int_equal(walk(T0SZ(25), ipa(0), 0, 0x1000, &r), S1T_REFUSED);
    assert_int_equal(r, 0xfffffffff000);
    reset(NULL);
    page(0)[0] = ipa(1) | TABLE;
    refuse_at = ipa(1);
    assert_int_equal(walk(T0SZ(25), ipa(0), 0, 0x1000, &r), S1T_REFUSED);
    assert_int_equal(r, ipa(1));
    reset(NULL);
    assert_int_equal(walk(T0SZ(25), ~UINT64_C(0), 0, 0x1000, &r), S1T_REFUSED);
    assert_int_equal(r, UINT64_C(0xfffffffff000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_both),
        cmocka_unit_test(test_device_wins),
        cmocka_unit_test(test_cacheability),
        cmocka_unit_test(test_shareability),
        cmocka_unit_test(test_s2_fault),
        cmocka_unit_test_setup(test_tables_39bit, reset),
        cmocka_unit_test_setup(test_tables_48bit, reset),
        cmocka_unit_test_setup(test_tables_ttbr1_and_tbi, reset),
        cmocka_unit_test_setup(test_tables_no_walk, reset),
        cmocka_unit_test_setup(test_tables_hostile, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
