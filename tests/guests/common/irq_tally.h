/* Interrupts taken, counted by INTID: for test guests that check what arrived and, as much,
 * what did not (v2m, msi_v2m). Install tally_irq as the IRQ hook; it acknowledges and ends
 * each interrupt. */
#ifndef TESTS_GUESTS_IRQ_TALLY_H
#define TESTS_GUESTS_IRQ_TALLY_H

#include "tests/guests/common/guest.h"
#include "tests/guests/common/gic.h"

#define TALLY_INTIDS 1020 /* 1020-1023 are special INTIDs, never counted (IHI 0069H 2.2.1) */

static volatile uint32_t tally_seen[TALLY_INTIDS];
static volatile uint32_t tally_taken;

static void tally_irq(uint64_t entry)
{
    (void)entry;
    uint32_t iar = gic_ack();
    uint32_t intid = gic_iar_intid(iar);
    if (intid >= TALLY_INTIDS)
        return;
    tally_seen[intid]++;
    tally_taken++;
    gic_eoi(iar);
}

/* Whether intid has been taken n times within us microseconds. */
static inline bool tally_wait(uint32_t intid, uint32_t n, uint64_t us)
{
    uint64_t end = cntvct() + us_to_ticks(us);
    while (tally_seen[intid] < n)
        if (cntvct() > end)
            return false;
    return true;
}

/* Whether nothing at all was taken in the us microseconds after the count was `before`. */
static inline bool tally_quiet_since(uint32_t before, uint64_t us)
{
    udelay(us);
    return tally_taken == before;
}

#endif
