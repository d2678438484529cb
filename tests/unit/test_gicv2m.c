/* Unit tests for the host GICv2m frame driver (drivers/gicv2m.c): the frame is a host buffer
 * whose MSI_TYPER the test writes. A frame that names SPIs the GIC does not have is not used;
 * blocks of its SPIs are handed out contiguous, never twice, and come back when freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/gicv2m.h"
#include "drivers/gic.h"

unsigned gic_lines = 256; /* drivers/gic.h: the distributor's INTIDs */

static uint32_t frame[V2M_FRAME_SIZE / 4] __attribute__((aligned(4096)));

static uint64_t typer(uint32_t first, uint32_t count)
{
    frame[V2M_MSI_TYPER / 4] = first << V2M_TYPER_BASE_SHIFT | count;
    return (uint64_t)(uintptr_t)frame;
}

/* Runs first: the driver keeps its frame once one is accepted. */
static void test_bad_typer_refused(void **st)
{
    char why[96] = "";
    assert_int_equal(gicv2m_init(typer(80, 0), why, sizeof(why)), -1);   /* no SPIs */
    assert_int_equal(gicv2m_init(typer(16, 8), why, sizeof(why)), -1);   /* PPIs */
    assert_int_equal(gicv2m_init(typer(240, 64), why, sizeof(why)), -1); /* beyond the GIC's 256 */
    assert_non_null(strstr(why, "SPIs 240..303"));
    assert_false(gicv2m_ready());
    assert_int_equal(gicv2m_doorbell(), 0);
    assert_int_equal(gicv2m_alloc_spis(1), 0);
}

static void test_blocks(void **st)
{
    char why[96];
    uint64_t base = typer(80, 64);
    assert_int_equal(gicv2m_init(base, why, sizeof(why)), 0);
    assert_true(gicv2m_ready());
    uint32_t first, count;
    gicv2m_range(&first, &count);
    assert_int_equal(first, 80);
    assert_int_equal(count, 64);
    assert_int_equal(gicv2m_doorbell(), base + V2M_MSI_SETSPI_NS);
    assert_int_equal(gicv2m_alloc_spis(0), 0);
    assert_int_equal(gicv2m_alloc_spis(65), 0);
    assert_int_equal(gicv2m_alloc_spis(1), 80);
    assert_int_equal(gicv2m_alloc_spis(5), 81);
    assert_int_equal(gicv2m_alloc_spis(2), 86);
    gicv2m_free_spis(80, 1);
    assert_int_equal(gicv2m_alloc_spis(2), 88);  /* the hole of one does not fit two */
    assert_int_equal(gicv2m_alloc_spis(1), 80);  /* it fits one */
    assert_int_equal(gicv2m_alloc_spis(54), 90); /* 90..143: the rest */
    assert_int_equal(gicv2m_alloc_spis(1), 0);   /* full */
    gicv2m_free_spis(81, 5);
    gicv2m_free_spis(0, 80);   /* not the frame's: ignored */
    gicv2m_free_spis(144, 10); /* nor these */
    assert_int_equal(gicv2m_alloc_spis(6), 0);
    assert_int_equal(gicv2m_alloc_spis(5), 81);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_typer_refused),
        cmocka_unit_test(test_blocks),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
