/* A VM that only runs: it reads its virtual counter in a loop for 3 s and reports the longest
 * time it was kept from running (the largest step between two reads). Beside a hostile VM on
 * the same CPU (tests/configs/resetlat.dts, blklat.dts) that gap is a time slice of the
 * other VM plus the longest the hypervisor holds the CPU in one go: the bound checked here is
 * a 2 ms slice, one bounded step of hypervisor work and margin (issue 13 items 4 and 5). */
#include "tests/guests/common/gic.h"

#define RUN_US     3000000
#define MAX_GAP_US 12000

int guest_main(void)
{
    udelay(200000); /* the neighbour is under way */
    uint64_t start = cntvct(), last = start, end = start + us_to_ticks(RUN_US), gap = 0;
    for (uint64_t now = start; now < end; now = cntvct()) {
        if (now - last > gap)
            gap = now - last;
        last = now;
    }
    gprintf("ticker: longest gap %lu us\n", (unsigned long)ticks_to_us(gap));
    check(ticks_to_us(gap) <= MAX_GAP_US, "ticker_gap_bounded", "%lu us (at most %u)", (unsigned long)ticks_to_us(gap),
          MAX_GAP_US);
    return guest_failures;
}
