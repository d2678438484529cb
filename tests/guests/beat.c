/* Prints "beat N" every 100 ms, from N = 0 at each boot: the control channel's system test
 * (tests/system/test_control.py) sees from its console whether it runs, is paused or was
 * started again. */
#include "tests/guests/common/gic.h"

int guest_main(void)
{
    for (unsigned n = 0;; n++) {
        gprintf("beat %u\n", n);
        udelay(100000);
    }
    return 0;
}
