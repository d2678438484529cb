/* libFuzzer harness for arch/aarch64/s2walk.c and arch/aarch64/s1tables.c.
 *
 * The input is a VTCR_EL2, a VTTBR_EL2 and four input addresses (8 bytes each, little-endian),
 * then the guest's RAM: up to 16 pages at address 0, so that small table pointers land in it
 * and large ones do not. Every walk must read only 8-byte aligned descriptors, at most one per
 * level, and end either in a leaf whose output keeps the input's offset within the leaf's size
 * and whose base is the last descriptor's output address, or in a fault code whose level is the
 * level of the last read. A second walk must give the same result. The same words as a TCR_EL1,
 * TTBR0/1 and VAs for the stage 1 table walk (the shadow's fill before an AT is retried): at
 * most four reads, none for S1T_NOWALK, the refused address the last read for S1T_REFUSED. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/regs/vtcr.h"
#include "arch/aarch64/s1tables.h"
#include "arch/aarch64/s2walk.h"

#include "tests/host/check.h"

#define RAM_MAX (16u * 4096u)

struct ram {
    uint8_t bytes[RAM_MAX];
    size_t size;
    unsigned reads;
    uint64_t last_addr, last_desc;
};

static bool ram_read(void *ctx, uint64_t addr, uint64_t *desc)
{
    struct ram *m = ctx;
    CHECK((addr & 7u) == 0);
    m->reads++;
    m->last_addr = addr;
    if (addr >= m->size || m->size - addr < 8u)
        return false;
    memcpy(desc, m->bytes + addr, 8); /* little-endian host, as the guest's tables */
    m->last_desc = *desc;
    return true;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static struct ram m;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 48)
        return 0;
    uint64_t vtcr = get64(data), vttbr = get64(data + 8);
    m.size = size - 48 > RAM_MAX ? RAM_MAX : size - 48;
    memcpy(m.bytes, data + 48, m.size);

    for (unsigned i = 0; i < 4; i++) {
        uint64_t ipa = get64(data + 16 + 8 * i);
        struct s2walk_result r, again;

        m.reads = 0;
        s2walk(vtcr, vttbr, ipa, ram_read, &m, &r);
        CHECK(r.reads == m.reads);
        CHECK(r.reads <= 4);
        if (r.ok) {
            CHECK(r.level >= 1 && r.level <= 3);
            CHECK(r.size == UINT64_C(1) << (12 + 9 * (3 - r.level)));
            CHECK(((r.out ^ ipa) & (r.size - 1)) == 0);
            CHECK(r.out < (UINT64_C(1) << 48));
            CHECK((m.last_desc & 1) && (m.last_desc & (UINT64_C(1) << 10)));
            CHECK((r.out & ~(r.size - 1)) == (m.last_desc & UINT64_C(0x0000fffffffff000) & ~(r.size - 1)));
            CHECK(r.r == ((m.last_desc >> 6) & 1));
            CHECK(r.w == ((m.last_desc >> 7) & 1));
            CHECK(r.x == !((m.last_desc >> 54) & 1));
            /* Permission: a write is allowed iff S2AP[1]; a fault names the leaf's level. */
            uint8_t p = s2walk_check(&r, true, false);
            CHECK(p == (r.w ? 0 : S2W_FSC_PERMISSION + r.level));
        } else {
            unsigned kind = r.fsc & ~3u;
            CHECK(kind == S2W_FSC_ADDR_SIZE || kind == S2W_FSC_TRANSLATION || kind == S2W_FSC_ACCESS ||
                  kind == S2W_FSC_WALK_EXT);
            CHECK((r.fsc & 3u) == r.level);
            if (kind == S2W_FSC_WALK_EXT)
                CHECK(r.reads >= 1 && (m.last_addr >= m.size || m.size - m.last_addr < 8u));
            if (kind == S2W_FSC_ACCESS)
                CHECK(r.level >= 1 && r.reads >= 1);
        }
        s2walk(vtcr, vttbr, ipa, ram_read, &m, &again);
        CHECK(r.ok == again.ok && r.fsc == again.fsc && r.level == again.level && r.out == again.out &&
              r.size == again.size && r.r == again.r && r.w == again.w && r.x == again.x &&
              r.memattr == again.memattr && r.sh == again.sh && r.reads == again.reads);

        uint64_t refused = 0;
        m.reads = 0;
        int rc = s1tables_walk(vtcr, vttbr, vttbr ^ ipa, ipa, ram_read, &m, &refused);
        CHECK(m.reads <= 4);
        CHECK(rc == S1T_DONE || rc == S1T_REFUSED || rc == S1T_NOWALK);
        if (rc == S1T_NOWALK)
            CHECK(m.reads == 0);
        if (rc == S1T_REFUSED)
            CHECK(m.reads >= 1 && refused == m.last_addr && (refused >= m.size || m.size - refused < 8u));
        if (rc == S1T_DONE)
            CHECK(m.reads >= 1);
    }
    return 0;
}
