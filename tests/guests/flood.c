/* Writes console lines as fast as it can, for ever: a neighbour that floods the console
 * (tests/configs/latency-noisy.dts, issue 13 items 6 and 7). The hypervisor may drop what the
 * UART cannot take; it must not make other VMs wait for it. */
#include "tests/guests/common/guest.h"

int guest_main(void)
{
    for (unsigned long n = 0;; n++)
        gprintf("flood %lu: the quick brown fox jumps over the lazy dog, again and again\n", n);
    return 0;
}
