/* Host tests of the physical GIC drivers' acknowledge values (drivers/gic.h gic_intid): what
 * the interrupt dispatch (core/irq.c) looks its handler up by. A GICv2 SGI's acknowledge value
 * carries the sending CPU in GICC_IAR [12:10] (GIC architecture spec IHI 0048B, 4.4.4): the
 * INTID is [9:0] only, or a kick IPI from another CPU would be taken for an unknown interrupt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/gic.h"

/* What drivers/gic.c and the fake arch (tests/host/stubs.c) would provide: only the ops are
 * used here, no register is touched. */
const struct gic_ops *gic;
unsigned gic_lines;
uint64_t host_sysreg_read(const char *name) { return 0; }
void host_sysreg_write(const char *name, uint64_t val) {}

static void test_gicv2_sgi_source_is_not_intid(void **state)
{
    gic = &gicv2_ops;
    assert_int_equal(gic_intid(7u << 10 | 5), 5); /* SGI 5 from CPU 7 */
    assert_int_equal(gic_intid(1u << 10 | 0), 0);
    assert_int_equal(gic_intid(40), 40);     /* an SPI */
    assert_int_equal(gic_intid(1023), 1023); /* spurious */
}

static void test_gicv3_intid_is_24_bits(void **state)
{
    gic = &gicv3_ops;
    assert_int_equal(gic_intid(5), 5);
    assert_int_equal(gic_intid(8192), 8192); /* the first LPI */
    assert_int_equal(gic_intid(1023), 1023);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gicv2_sgi_source_is_not_intid),
        cmocka_unit_test(test_gicv3_intid_is_24_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
