/* The neighbour of the DMA attacker (tests/guests/dma.c): fills all of its RAM above its first
 * 4 MiB (its image and device tree live below) with a pattern derived from each word's address,
 * then re-checks it for 25 s while the attacker's device writes across host RAM. Whatever host
 * address it got, its 60 MiB hold at least three of the 16 MiB-aligned addresses the attacker
 * aims at. */
#include "tests/guests/common/guest.h"

static uint64_t pattern(uint64_t a) { return 0x5a5a5a5a00000000ULL ^ (a * 0x9e3779b97f4a7c15ULL); }

static uint64_t now_ms(void) { return sysreg_read(cntvct_el0) * 1000 / sysreg_read(cntfrq_el0); }

int guest_main(void)
{
    int node = fdt_path_offset(&guest_fdt, "/memory@80000000");
    uint64_t base = 0, size = 0;
    if (node < 0 || fdt_reg(&guest_fdt, node, 0, &base, &size) < 0) {
        check(false, "dma_victim_memory", "no /memory@80000000 in the device tree");
        return guest_failures;
    }
    volatile uint64_t *lo = (volatile uint64_t *)(uintptr_t)(base + (4u << 20));
    volatile uint64_t *hi = (volatile uint64_t *)(uintptr_t)(base + size);
    for (volatile uint64_t *p = lo; p < hi; p++)
        *p = pattern((uint64_t)(uintptr_t)p);
    gprintf("dma_victim: %lu MiB filled\n", (unsigned long)((hi - lo) * 8 >> 20));
    uint64_t bad = 0, rounds = 0, end = now_ms() + 25000;
    while (now_ms() < end) {
        for (volatile uint64_t *p = lo; p < hi; p++)
            bad += *p != pattern((uint64_t)(uintptr_t)p);
        rounds++;
    }
    gprintf("dma_victim: %lu rounds\n", (unsigned long)rounds);
    check(bad == 0 && rounds > 0, "dma_victim_memory_intact", "%lu words changed", (unsigned long)bad);
    return guest_failures;
}
