/* Unit tests for vdev/virtqueue.c (split virtqueues, device side) and vdev/virtio_mmio.c (the
 * virtio-mmio register interface).
 *
 * The "guest RAM" is a malloc'd buffer (ASan's redzones surround it) at a fake IPA; the tests
 * play the driver, writing descriptor tables, available rings and indirect tables into it
 * exactly as virtio 1.2 2.7 lays them out. Every malformed chain must be refused with its
 * reason, must not consume the chain and must not write a byte of guest RAM. The transport is
 * driven through the mmio_ops its attach registers (captured by the vm_add_mmio stand-in),
 * with a small fake back end that echoes each chain's readable bytes, inverted, into its
 * writable buffers (like vdev/virtio_rng.c: pop until empty, push, signal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vdev/virtqueue.h"
#include "vdev/virtio_mmio.h"
#include "vdev/vgic.h"
#include "core/console.h"

#define RAM_IPA  UINT64_C(0x40000000)
#define RAM_SIZE 0x20000u
/* Where the driver puts things, as offsets into RAM. */
#define DESC_OFF  0x0000u
#define AVAIL_OFF 0x1000u
#define USED_OFF  0x2000u
#define IND_OFF   0x3000u /* indirect tables */
#define DATA_OFF  0x8000u /* buffers */

#define LOOP_WHY "descriptor chain longer than 64 (or a loop)"

static uint8_t *mem;           /* the guest RAM */
static uint8_t snap[RAM_SIZE]; /* a copy, to prove a refusal wrote nothing */
static struct guest_ram ram;

static uint64_t ipa(uint64_t off) { return RAM_IPA + off; }

static void put16(uint64_t off, uint16_t v) { memcpy(mem + off, &v, 2); }
static uint16_t get16(uint64_t off)
{
    uint16_t v;
    memcpy(&v, mem + off, 2);
    return v;
}
static uint32_t get32(uint64_t off)
{
    uint32_t v;
    memcpy(&v, mem + off, 4);
    return v;
}

/* ---- the driver side --------------------------------------------------------------------- */

static uint16_t qsize;     /* size of the queue the driver set up */
static uint16_t drv_avail; /* the driver's available index */

/* Descriptor i of the table at RAM offset `table` (2.7.5: le64 addr, le32 len, le16 flags,
 * le16 next; this host is little-endian like the layout). */
static void put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t *d = mem + table + 16 * (uint64_t)i;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    put_desc(DESC_OFF, i, addr, len, flags, next);
}

/* Makes chain `head` available (ring entry, then idx). */
static void offer(uint16_t head)
{
    put16(AVAIL_OFF + 4 + 2 * (drv_avail % qsize), head);
    drv_avail++;
    put16(AVAIL_OFF + 2, drv_avail);
}

static void set_avail_idx(uint16_t v)
{
    drv_avail = v;
    put16(AVAIL_OFF + 2, v);
}
static void set_avail_flags(uint16_t v) { put16(AVAIL_OFF, v); }
static void set_used_event(uint16_t v) { put16(AVAIL_OFF + 4 + 2 * qsize, v); }
static uint16_t avail_event(void) { return get16(USED_OFF + 4 + 8 * qsize); }
static uint16_t used_idx(void) { return get16(USED_OFF + 2); }
static uint32_t used_id(unsigned slot) { return get32(USED_OFF + 4 + 8 * slot); }
static uint32_t used_len(unsigned slot) { return get32(USED_OFF + 8 + 8 * slot); }

/* ---- the device side --------------------------------------------------------------------- */

static struct virtq q;
static struct virtq_chain ch;
static const char *why;

static int enable(uint16_t size, bool event_idx, bool indirect)
{
    qsize = size;
    q = (struct virtq){
        .size = size, .desc_ipa = ipa(DESC_OFF), .avail_ipa = ipa(AVAIL_OFF), .used_ipa = ipa(USED_OFF)
    };
    why = NULL;
    return virtq_enable(&q, &ram, event_idx, indirect, &why);
}

static int pop(void)
{
    why = NULL;
    return virtq_pop(&q, &ram, &ch, &why);
}

static void assert_chain_in_ram(const struct virtq_chain *c)
{
    uint64_t out = 0, in = 0;
    assert_true(c->nr_out + c->nr_in <= VIRTQ_MAX_SEGS);
    for (unsigned s = 0; s < c->nr_out + c->nr_in; s++) {
        assert_true(c->seg[s].p >= mem && c->seg[s].p <= mem + RAM_SIZE);
        assert_true(c->seg[s].len <= (uint64_t)(mem + RAM_SIZE - c->seg[s].p));
        *(s < c->nr_out ? &out : &in) += c->seg[s].len;
    }
    assert_int_equal(out, c->out_len);
    assert_int_equal(in, c->in_len);
}

static void expect_chain(uint16_t head, unsigned nr_out, unsigned nr_in, uint64_t out_len, uint64_t in_len)
{
    assert_int_equal(pop(), 1);
    assert_int_equal(ch.head, head);
    assert_int_equal(ch.nr_out, nr_out);
    assert_int_equal(ch.nr_in, nr_in);
    assert_int_equal(ch.out_len, out_len);
    assert_int_equal(ch.in_len, in_len);
    assert_chain_in_ram(&ch);
}

static void expect_seg(unsigned s, uint64_t off, uint32_t len)
{
    assert_ptr_equal(ch.seg[s].p, mem + off);
    assert_int_equal(ch.seg[s].len, len);
}

/* The pending chain is refused with `reason`: not consumed, no byte of RAM written. */
static void expect_malformed(const char *reason)
{
    uint16_t last = q.last_avail, used = q.used_idx;
    memcpy(snap, mem, RAM_SIZE);
    assert_int_equal(pop(), -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_int_equal(q.last_avail, last);
    assert_int_equal(q.used_idx, used);
    assert_memory_equal(snap, mem, RAM_SIZE);
}

static void expect_enable_refused(uint16_t size, uint64_t desc_off, uint64_t avail_off, uint64_t used_off,
                                  const char *reason)
{
    qsize = size;
    q = (struct virtq){
        .size = size, .desc_ipa = RAM_IPA + desc_off, .avail_ipa = RAM_IPA + avail_off, .used_ipa = RAM_IPA + used_off
    };
    memcpy(snap, mem, RAM_SIZE);
    why = NULL;
    assert_int_equal(virtq_enable(&q, &ram, true, true, &why), -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_false(q.enabled);
    assert_false(virtq_has_avail(&q));
    assert_int_equal(pop(), 0); /* a queue that never became ready yields nothing */
    assert_memory_equal(snap, mem, RAM_SIZE);
}

static int group_setup(void **state)
{
    alarm(20);
    mem = malloc(RAM_SIZE);
    assert_non_null(mem);
    ram = (struct guest_ram){ RAM_IPA, RAM_SIZE, mem };
    return 0;
}

static int group_teardown(void **state)
{
    free(mem);
    mem = NULL;
    return 0;
}

/* Zeroed RAM and a ready 16-entry queue with indirect descriptors, no event index. */
static int setup(void **state)
{
    memset(mem, 0, RAM_SIZE);
    drv_avail = 0;
    assert_int_equal(enable(16, false, true), 0);
    return 0;
}

/* ---- guest_ram_ptr ----------------------------------------------------------------------- */

static void test_ram_ptr_bounds(void **state)
{
    assert_ptr_equal(guest_ram_ptr(&ram, RAM_IPA, RAM_SIZE), mem);
    assert_ptr_equal(guest_ram_ptr(&ram, RAM_IPA + RAM_SIZE - 1, 1), mem + RAM_SIZE - 1);
    assert_ptr_equal(guest_ram_ptr(&ram, RAM_IPA + 0x10, 0), mem + 0x10);
    assert_null(guest_ram_ptr(&ram, RAM_IPA, RAM_SIZE + 1));
    assert_null(guest_ram_ptr(&ram, RAM_IPA + RAM_SIZE - 1, 2));
    assert_null(guest_ram_ptr(&ram, RAM_IPA + RAM_SIZE, 0));
    assert_null(guest_ram_ptr(&ram, RAM_IPA - 1, 2));
    assert_null(guest_ram_ptr(&ram, 0, RAM_IPA + 16));
    assert_null(guest_ram_ptr(&ram, UINT64_C(0xfffffffffffff000), 0x2000));
    assert_null(guest_ram_ptr(&ram, RAM_IPA + 0x10, UINT64_MAX - 8)); /* ipa + len wraps */
    assert_null(guest_ram_ptr(&ram, RAM_IPA + 0x10, UINT64_MAX));

    /* RAM at the very top of the address space: ipa + size wraps to 0. */
    struct guest_ram top = { 0 - (uint64_t)RAM_SIZE, RAM_SIZE, mem };
    assert_ptr_equal(guest_ram_ptr(&top, UINT64_MAX, 1), mem + RAM_SIZE - 1);
    assert_null(guest_ram_ptr(&top, UINT64_MAX, 2));
    assert_null(guest_ram_ptr(&top, 0, 1));
}

/* ---- well-formed chains ------------------------------------------------------------------- */

static void test_direct_single(void **state)
{
    assert_false(virtq_has_avail(&q));
    assert_int_equal(pop(), 0);
    memcpy(mem + DATA_OFF, "ping", 4);
    desc(0, ipa(DATA_OFF), 4, 0, 0);
    offer(0);
    assert_true(virtq_has_avail(&q));
    expect_chain(0, 1, 0, 4, 0);
    expect_seg(0, DATA_OFF, 4);
    char buf[8] = { 0 };
    assert_int_equal(virtq_copy_from_chain(&ch, 0, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(virtq_copy_to_chain(&ch, 0, "x", 1), 0); /* nothing writable */
    assert_false(virtq_has_avail(&q));
    assert_int_equal(pop(), 0);
    virtq_push(&q, ch.head, 0);
    assert_int_equal(used_idx(), 1);
    assert_int_equal(used_id(0), 0);
    assert_int_equal(used_len(0), 0);
}

/* Readable then writable buffers, linked out of order, copied across segment boundaries. */
static void test_mixed_chain_and_copies(void **state)
{
    for (unsigned i = 0; i < 16; i++)
        mem[DATA_OFF + i] = (uint8_t)(0xa0 + i);
    desc(3, ipa(DATA_OFF), 10, VIRTQ_DESC_F_NEXT, 7);
    desc(7, ipa(DATA_OFF + 10), 6, VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(DATA_OFF + 0x200), 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 12);
    desc(12, ipa(DATA_OFF + 0x300), 20, VIRTQ_DESC_F_WRITE, 0);
    desc(4, ipa(DATA_OFF + 0x400), 0, 0, 0); /* a zero-length buffer */
    offer(3);
    offer(4);
    expect_chain(3, 2, 2, 16, 28);
    expect_seg(0, DATA_OFF, 10);
    expect_seg(1, DATA_OFF + 10, 6);
    expect_seg(2, DATA_OFF + 0x200, 8);
    expect_seg(3, DATA_OFF + 0x300, 20);

    uint8_t buf[32];
    memset(buf, 0, sizeof(buf));
    assert_int_equal(virtq_copy_from_chain(&ch, 8, buf, 4), 4); /* straddles seg 0 and 1 */
    assert_memory_equal(buf, mem + DATA_OFF + 8, 4);
    assert_int_equal(virtq_copy_from_chain(&ch, 0, buf, sizeof(buf)), 16);
    assert_int_equal(virtq_copy_from_chain(&ch, 15, buf, sizeof(buf)), 1);
    assert_int_equal(virtq_copy_from_chain(&ch, 16, buf, sizeof(buf)), 0);
    assert_int_equal(virtq_copy_from_chain(&ch, UINT64_MAX, buf, sizeof(buf)), 0);

    const uint8_t src[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    assert_int_equal(virtq_copy_to_chain(&ch, 5, src, 10), 10); /* seg 2 [5,8), seg 3 [0,7) */
    assert_memory_equal(mem + DATA_OFF + 0x205, src, 3);
    assert_memory_equal(mem + DATA_OFF + 0x300, src + 3, 7);
    assert_int_equal(mem[DATA_OFF + 0x204], 0);
    assert_int_equal(mem[DATA_OFF + 0x307], 0);
    assert_int_equal(virtq_copy_to_chain(&ch, 27, src, 10), 1); /* only the last byte fits */
    assert_int_equal(mem[DATA_OFF + 0x313], 1);
    assert_int_equal(mem[DATA_OFF + 0x314], 0);
    assert_int_equal(virtq_copy_to_chain(&ch, 28, src, 10), 0);
    /* The readable buffers were not written. */
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(mem[DATA_OFF + i], 0xa0 + i);

    virtq_push(&q, ch.head, 17);
    assert_int_equal(used_idx(), 1);
    assert_int_equal(used_id(0), 3);
    assert_int_equal(used_len(0), 17);

    expect_chain(4, 1, 0, 0, 0);
    expect_seg(0, DATA_OFF + 0x400, 0);
    virtq_push(&q, ch.head, 0);
    assert_int_equal(used_idx(), 2);
    assert_int_equal(used_id(1), 4);
}

static void test_indirect(void **state)
{
    /* Table of four, linked 0 -> 2 -> 1 -> 3: two readable, two writable. WRITE on the
     * descriptor that points at the table is ignored (2.7.5.3.2). */
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 3, VIRTQ_DESC_F_NEXT, 2);
    put_desc(IND_OFF, 2, ipa(DATA_OFF + 0x10), 5, VIRTQ_DESC_F_NEXT, 1);
    put_desc(IND_OFF, 1, ipa(DATA_OFF + 0x20), 7, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
    put_desc(IND_OFF, 3, ipa(DATA_OFF + 0x30), 11, VIRTQ_DESC_F_WRITE, 0);
    desc(5, ipa(IND_OFF), 64, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
    offer(5);
    expect_chain(5, 2, 2, 8, 18);
    expect_seg(0, DATA_OFF, 3);
    expect_seg(1, DATA_OFF + 0x10, 5);
    expect_seg(2, DATA_OFF + 0x20, 7);
    expect_seg(3, DATA_OFF + 0x30, 11);

    /* Direct readable descriptors, then an indirect one ending the chain. */
    desc(6, ipa(DATA_OFF + 0x40), 2, VIRTQ_DESC_F_NEXT, 8);
    desc(8, ipa(IND_OFF + 0x100), 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(IND_OFF + 0x100, 0, ipa(DATA_OFF + 0x50), 4, VIRTQ_DESC_F_WRITE, 0);
    offer(6);
    expect_chain(6, 1, 1, 2, 4);
    expect_seg(0, DATA_OFF + 0x40, 2);
    expect_seg(1, DATA_OFF + 0x50, 4);

    /* The largest table, 4096 bytes, ending at the end of RAM. */
    put_desc(RAM_SIZE - 4096, 0, ipa(DATA_OFF), 1, VIRTQ_DESC_F_NEXT, 255);
    put_desc(RAM_SIZE - 4096, 255, ipa(DATA_OFF + 1), 1, 0, 0);
    desc(9, ipa(RAM_SIZE - 4096), 4096, VIRTQ_DESC_F_INDIRECT, 0);
    offer(9);
    expect_chain(9, 2, 0, 2, 0);
}

/* 64 descriptors, the limit: accepted (direct and indirect). */
static void test_chain_of_64(void **state)
{
    assert_int_equal(enable(128, false, true), 0);
    for (unsigned i = 0; i < 64; i++)
        desc(i, ipa(DATA_OFF + i), 1, i < 63 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    offer(0);
    expect_chain(0, 64, 0, 64, 0);
    expect_seg(63, DATA_OFF + 63, 1);

    for (unsigned i = 0; i < 64; i++)
        put_desc(IND_OFF, i, ipa(DATA_OFF + i), 1, VIRTQ_DESC_F_WRITE | (i < 63 ? VIRTQ_DESC_F_NEXT : 0),
                 (uint16_t)(i + 1));
    desc(100, ipa(IND_OFF), 64 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(100);
    expect_chain(100, 0, 64, 0, 64);
}

/* The 16-bit indexes wrap: available and used indexes run from 0xfffd through 0 to 3. */
static void test_index_wraparound(void **state)
{
    memset(mem, 0, RAM_SIZE);
    put16(USED_OFF + 2, 0xfffd); /* a driver handing over a queue it already used */
    set_avail_idx(0xfffd);
    assert_int_equal(enable(16, false, true), 0);
    assert_int_equal(q.last_avail, 0xfffd);
    for (uint16_t k = 0; k < 6; k++) {
        desc(k, ipa(DATA_OFF + 0x10 * k), 4, VIRTQ_DESC_F_WRITE, 0);
        offer(k);
    }
    assert_int_equal(get16(AVAIL_OFF + 2), 3);
    for (uint16_t k = 0; k < 6; k++) {
        expect_chain(k, 0, 1, 0, 4);
        expect_seg(0, DATA_OFF + 0x10 * k, 4);
        virtq_push(&q, ch.head, 4 + k);
    }
    assert_int_equal(pop(), 0);
    assert_int_equal(used_idx(), 3);
    for (uint16_t k = 0; k < 6; k++) {
        unsigned slot = (0xfffdu + k) % 16;
        assert_int_equal(used_id(slot), k);
        assert_int_equal(used_len(slot), 4 + k);
    }

    /* A full ring (idx exactly the queue size ahead) is fine. */
    for (uint16_t k = 0; k < 16; k++) {
        desc(k, ipa(DATA_OFF), 1, 0, 0);
        offer(15 - k);
    }
    for (uint16_t k = 0; k < 16; k++)
        expect_chain(15 - k, 1, 0, 1, 0);
    assert_int_equal(pop(), 0);
}

/* 2.7.10 in both directions: used_event decides interrupts; the device publishes avail_event
 * (the next chain it wants to be notified about) when it finds the ring empty. */
static void test_event_idx(void **state)
{
    put16(USED_OFF + 4 + 8 * 16, 0xaaaa);
    assert_int_equal(enable(16, true, true), 0);
    assert_int_equal(avail_event(), 0);
    desc(0, ipa(DATA_OFF), 8, VIRTQ_DESC_F_WRITE, 0);

    /* Notifications: avail_event follows last_avail whenever the ring is found empty. */
    offer(0);
    offer(0);
    expect_chain(0, 0, 1, 0, 8);
    assert_int_equal(avail_event(), 0); /* not rewritten while chains are pending */
    expect_chain(0, 0, 1, 0, 8);
    assert_int_equal(pop(), 0);
    assert_int_equal(avail_event(), 2);

    /* Interrupts: used_event = 0, first push crosses it. */
    set_used_event(0);
    virtq_push(&q, 0, 8);
    assert_true(virtq_should_interrupt(&q));
    assert_false(virtq_should_interrupt(&q)); /* nothing new since */
    /* used_event = 5: pushes to 2..5 stay silent, the one making used idx 6 interrupts. */
    set_used_event(5);
    virtq_push(&q, 0, 8);
    assert_false(virtq_should_interrupt(&q));
    for (int i = 0; i < 3; i++)
        virtq_push(&q, 0, 8);
    assert_int_equal(q.used_idx, 5);
    assert_false(virtq_should_interrupt(&q));
    virtq_push(&q, 0, 8);
    assert_true(virtq_should_interrupt(&q));
    virtq_push(&q, 0, 8); /* 7: event 5 already passed */
    assert_false(virtq_should_interrupt(&q));
    /* Several pushes at once crossing the event: one interrupt. */
    set_used_event(8);
    for (int i = 0; i < 4; i++)
        virtq_push(&q, 0, 8);
    assert_true(virtq_should_interrupt(&q));
    /* The flag is ignored once event index is negotiated. */
    set_avail_flags(VIRTQ_AVAIL_F_NO_INTERRUPT);
    set_used_event(q.used_idx);
    virtq_push(&q, 0, 8);
    assert_true(virtq_should_interrupt(&q));

    /* Across the 16-bit wrap. */
    memset(mem, 0, RAM_SIZE);
    put16(USED_OFF + 2, 0xfffe);
    set_avail_idx(0xfffe);
    assert_int_equal(enable(16, true, true), 0);
    assert_int_equal(avail_event(), 0xfffe);
    set_used_event(0xffff);
    virtq_push(&q, 0, 0); /* used idx 0xffff */
    assert_false(virtq_should_interrupt(&q));
    virtq_push(&q, 0, 0); /* 0x0000: crossed 0xffff */
    assert_true(virtq_should_interrupt(&q));
    set_used_event(0xfffe); /* behind: no interrupt */
    virtq_push(&q, 0, 0);
    assert_false(virtq_should_interrupt(&q));
}

static void test_no_interrupt_flag(void **state)
{
    put16(USED_OFF + 4 + 8 * 16, 0xaaaa);
    assert_int_equal(enable(16, false, true), 0);
    assert_false(virtq_should_interrupt(&q)); /* nothing pushed */
    set_avail_flags(VIRTQ_AVAIL_F_NO_INTERRUPT);
    virtq_push(&q, 0, 0);
    assert_false(virtq_should_interrupt(&q));
    set_avail_flags(0);
    virtq_push(&q, 0, 0);
    assert_true(virtq_should_interrupt(&q));
    assert_false(virtq_should_interrupt(&q));
    /* Without event index, avail_event is never written. */
    assert_int_equal(pop(), 0);
    assert_int_equal(avail_event(), 0xaaaa);
}

/* Enabling a queue the driver already filled starts from the used index in memory. */
static void test_enable_prefilled(void **state)
{
    memset(mem, 0, RAM_SIZE);
    put16(USED_OFF + 2, 7);
    put16(AVAIL_OFF + 4 + 2 * 7, 2);
    put16(AVAIL_OFF + 4 + 2 * 8, 3);
    put16(AVAIL_OFF + 2, 9);
    desc(2, ipa(DATA_OFF), 1, 0, 0);
    desc(3, ipa(DATA_OFF), 2, 0, 0);
    assert_int_equal(enable(16, false, true), 0);
    assert_true(virtq_has_avail(&q));
    expect_chain(2, 1, 0, 1, 0);
    expect_chain(3, 1, 0, 2, 0);
    assert_int_equal(pop(), 0);
    virtq_push(&q, 3, 0);
    assert_int_equal(used_idx(), 8);
    assert_int_equal(used_id(7), 3);

    virtq_disable(&q);
    assert_false(virtq_has_avail(&q));
    offer(2);
    assert_false(virtq_has_avail(&q));
    assert_int_equal(pop(), 0);
}

/* ---- malformed chains ------------------------------------------------------------------- */

static void test_descriptor_loop(void **state)
{
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 0);
    offer(0);
    expect_malformed(LOOP_WHY);
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 0); /* onto itself */
    expect_malformed(LOOP_WHY);
    /* Writable loop, so "readable after writable" cannot stop it first. */
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(DATA_OFF), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
    expect_malformed(LOOP_WHY);
}

static void test_chain_of_65(void **state)
{
    assert_int_equal(enable(128, false, true), 0);
    for (unsigned i = 0; i < 65; i++)
        desc(i, ipa(DATA_OFF + i), 1, i < 64 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    offer(0);
    expect_malformed(LOOP_WHY);
    /* 10 direct, then an indirect table of 55: 65 in all. */
    for (unsigned i = 0; i < 55; i++)
        put_desc(IND_OFF, i, ipa(DATA_OFF), 1, i < 54 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    desc(10, ipa(IND_OFF), 55 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed(LOOP_WHY);
    put_desc(IND_OFF, 53, ipa(DATA_OFF), 1, 0, 0); /* 10 + 54 = 64: fine */
    expect_chain(0, 64, 0, 64, 0);
}

static void test_next_beyond_queue(void **state)
{
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 16);
    offer(0);
    expect_malformed("descriptor's next is beyond the queue size");
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 0xffff);
    expect_malformed("descriptor's next is beyond the queue size");
    /* next is ignored without NEXT. */
    desc(0, ipa(DATA_OFF), 4, 0, 0xffff);
    expect_chain(0, 1, 0, 4, 0);
}

static void test_head_beyond_queue(void **state)
{
    offer(16);
    expect_malformed("available ring names a descriptor beyond the queue size");
    put16(AVAIL_OFF + 4, 0xffff);
    expect_malformed("available ring names a descriptor beyond the queue size");
}

static void test_avail_idx_too_far(void **state)
{
    desc(0, ipa(DATA_OFF), 4, 0, 0);
    set_avail_idx(17);
    expect_malformed("available index ran more than the queue size ahead");
    set_avail_idx(0xffff); /* "behind": also more than 16 ahead */
    expect_malformed("available index ran more than the queue size ahead");
    set_avail_idx(0x8000);
    expect_malformed("available index ran more than the queue size ahead");
    set_avail_idx(16);
    expect_chain(0, 1, 0, 4, 0);
}

static void test_buffer_outside_ram(void **state)
{
    offer(0);
    desc(0, ipa(RAM_SIZE - 8), 16, 0, 0); /* partly past the end */
    expect_malformed("buffer outside the VM's RAM");
    desc(0, RAM_IPA - 8, 16, 0, 0); /* partly before the start */
    expect_malformed("buffer outside the VM's RAM");
    desc(0, ipa(RAM_SIZE), 0, 0, 0); /* just past, empty */
    expect_malformed("buffer outside the VM's RAM");
    desc(0, 0, 16, 0, 0);
    expect_malformed("buffer outside the VM's RAM");
    desc(0, ipa(RAM_SIZE - 8), 16, VIRTQ_DESC_F_WRITE, 0); /* a writable one */
    expect_malformed("buffer outside the VM's RAM");
    /* Second descriptor of a chain whose first is fine. */
    desc(0, ipa(DATA_OFF), 16, VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(RAM_SIZE - 8), 9, VIRTQ_DESC_F_WRITE, 0);
    expect_malformed("buffer outside the VM's RAM");
    desc(1, ipa(RAM_SIZE - 8), 8, VIRTQ_DESC_F_WRITE, 0); /* exactly up to the end */
    expect_chain(0, 1, 1, 16, 8);
    expect_seg(1, RAM_SIZE - 8, 8);
}

static void test_buffer_address_overflow(void **state)
{
    offer(0);
    desc(0, UINT64_C(0xfffffffffffff000), 0x2000, 0, 0);
    expect_malformed("buffer outside the VM's RAM");
    desc(0, UINT64_C(0xfffffffffffff000), 0x2000, VIRTQ_DESC_F_WRITE, 0);
    expect_malformed("buffer outside the VM's RAM");
    desc(0, ipa(0x10), 0xffffffffu, 0, 0);
    expect_malformed("buffer outside the VM's RAM");
    desc(0, UINT64_MAX, 1, 0, 0);
    expect_malformed("buffer outside the VM's RAM");
}

static void test_readable_after_writable(void **state)
{
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(DATA_OFF), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    desc(2, ipa(DATA_OFF), 4, 0, 0);
    offer(0);
    expect_malformed("device-readable descriptor after a device-writable one");
    /* The same inside an indirect table. */
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    put_desc(IND_OFF, 1, ipa(DATA_OFF), 4, 0, 0);
    desc(0, ipa(IND_OFF), 32, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed("device-readable descriptor after a device-writable one");
    /* And across: writable direct, then a table whose first entry is readable. */
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(IND_OFF + 16), 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed("device-readable descriptor after a device-writable one");
}

static void test_indirect_without_feature(void **state)
{
    assert_int_equal(enable(16, false, false), 0);
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, 0, 0);
    desc(0, ipa(IND_OFF), 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(0);
    expect_malformed("indirect descriptor without VIRTIO_F_RING_INDIRECT_DESC");
    desc(0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 1); /* later in a chain */
    desc(1, ipa(IND_OFF), 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed("indirect descriptor without VIRTIO_F_RING_INDIRECT_DESC");
}

static void test_nested_indirect(void **state)
{
    put_desc(IND_OFF + 0x100, 0, ipa(DATA_OFF), 4, 0, 0);
    put_desc(IND_OFF, 0, ipa(IND_OFF + 0x100), 16, VIRTQ_DESC_F_INDIRECT, 0);
    desc(0, ipa(IND_OFF), 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(0);
    expect_malformed("nested indirect descriptor");
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 1); /* second entry */
    put_desc(IND_OFF, 1, ipa(IND_OFF + 0x100), 16, VIRTQ_DESC_F_INDIRECT, 0);
    desc(0, ipa(IND_OFF), 32, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed("nested indirect descriptor");
}

static void test_indirect_with_next(void **state)
{
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, 0, 0);
    desc(0, ipa(IND_OFF), 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    desc(1, ipa(DATA_OFF), 4, 0, 0);
    offer(0);
    expect_malformed("indirect descriptor with NEXT set");
}

static void test_indirect_table_length(void **state)
{
    const char *len_why = "indirect table length is not a multiple of 16 up to 4096";
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, 0, 0);
    offer(0);
    static const uint32_t bad[] = { 0, 8, 15, 17, 24, 4095, 4097, 4112, 8192, 0xfffffff0u };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        desc(0, ipa(IND_OFF), bad[i], VIRTQ_DESC_F_INDIRECT, 0);
        expect_malformed(len_why);
    }
    desc(0, ipa(IND_OFF), 4096, VIRTQ_DESC_F_INDIRECT, 0);
    expect_chain(0, 1, 0, 4, 0);
}

static void test_indirect_table_outside_ram(void **state)
{
    const char *out_why = "indirect table outside the VM's RAM";
    offer(0);
    desc(0, ipa(RAM_SIZE - 16), 32, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed(out_why);
    desc(0, RAM_IPA - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed(out_why);
    desc(0, UINT64_C(0xfffffffffffffff0), 32, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed(out_why);
    desc(0, ipa(RAM_SIZE), 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed(out_why);
    /* In the table, a buffer outside RAM. */
    put_desc(IND_OFF, 0, ipa(RAM_SIZE - 2), 4, VIRTQ_DESC_F_WRITE, 0);
    desc(0, ipa(IND_OFF), 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed("buffer outside the VM's RAM");
}

static void test_indirect_next_outside_table(void **state)
{
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 2);
    put_desc(IND_OFF, 1, ipa(DATA_OFF), 4, 0, 0);
    put_desc(IND_OFF, 2, ipa(DATA_OFF), 4, 0, 0); /* in RAM, not in the table */
    desc(0, ipa(IND_OFF), 32, VIRTQ_DESC_F_INDIRECT, 0);
    offer(0);
    expect_malformed("indirect descriptor's next is outside its table");
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 0xffff);
    expect_malformed("indirect descriptor's next is outside its table");
    /* A loop inside the table, and a table chain of 65. */
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 1);
    put_desc(IND_OFF, 1, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 0);
    expect_malformed(LOOP_WHY);
    for (unsigned i = 0; i < 65; i++)
        put_desc(IND_OFF, i, ipa(DATA_OFF), 1, i < 64 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    desc(0, ipa(IND_OFF), 65 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_malformed(LOOP_WHY);
}

static void test_enable_refusals(void **state)
{
    const char *size_why = "queue size is not a power of two up to 256";
    const char *align_why = "ring areas are misaligned";
    const char *ram_why = "a ring area is outside the VM's RAM";
    static const uint16_t sizes[] = { 0, 3, 6, 100, 255, 257, 384, 512, 0x8000, 0xffff };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        expect_enable_refused(sizes[i], DESC_OFF, AVAIL_OFF, USED_OFF, size_why);
    /* 16-byte descriptor table, 2-byte available ring, 4-byte used ring (2.7). */
    expect_enable_refused(16, DESC_OFF + 8, AVAIL_OFF, USED_OFF, align_why);
    expect_enable_refused(16, DESC_OFF + 1, AVAIL_OFF, USED_OFF, align_why);
    expect_enable_refused(16, DESC_OFF, AVAIL_OFF + 1, USED_OFF, align_why);
    expect_enable_refused(16, DESC_OFF, AVAIL_OFF, USED_OFF + 2, align_why);
    expect_enable_refused(16, DESC_OFF, AVAIL_OFF, USED_OFF + 1, align_why);
    /* Each area partly or wholly outside RAM. */
    expect_enable_refused(16, RAM_SIZE - 16 * 16 + 16, AVAIL_OFF, USED_OFF, ram_why);
    expect_enable_refused(16, DESC_OFF, RAM_SIZE - (6 + 2 * 16) + 2, USED_OFF, ram_why);
    expect_enable_refused(16, DESC_OFF, AVAIL_OFF, RAM_SIZE - (6 + 8 * 16) + 2 + 4, ram_why);
    expect_enable_refused(16, (uint64_t)0 - RAM_IPA, AVAIL_OFF, USED_OFF, ram_why); /* IPA 0 */
    expect_enable_refused(16, DESC_OFF, (uint64_t)0 - RAM_IPA - 0x100, USED_OFF, ram_why);
    expect_enable_refused(16, DESC_OFF, AVAIL_OFF, UINT64_C(0xfffffffffffff000) - RAM_IPA, ram_why);
    expect_enable_refused(256, RAM_SIZE - 4096 + 16, AVAIL_OFF, USED_OFF, ram_why);

    /* The limits themselves are fine: 256 entries with the descriptor table ending at the
     * end of RAM, and a 1-entry queue packed against it (16 + 8 + 14 bytes). */
    memset(mem, 0, RAM_SIZE);
    qsize = 256;
    q = (struct virtq){ .size = 256,
                        .desc_ipa = ipa(RAM_SIZE - 4096),
                        .avail_ipa = ipa(RAM_SIZE - 4096 - 518),
                        .used_ipa = ipa(RAM_SIZE - 4096 - 518 - 2058) };
    assert_int_equal(virtq_enable(&q, &ram, true, true, &why), 0);
    assert_true(q.enabled);
    q = (struct virtq){
        .size = 1, .desc_ipa = ipa(RAM_SIZE - 16), .avail_ipa = ipa(RAM_SIZE - 24), .used_ipa = ipa(RAM_SIZE - 40)
    };
    assert_int_equal(virtq_enable(&q, &ram, false, false, &why), 0);
}

/* ---- the virtio-mmio transport ------------------------------------------------------------ */

#define DEV_IPA   UINT64_C(0x0a000000)
#define DEV_INTID 48
#define FAKE_ID   42
#define FAKE_FEAT (UINT64_C(1) << 0) /* the fake back end's one feature */

#define R_MAGIC         0x000
#define R_VERSION       0x004
#define R_DEVICE_ID     0x008
#define R_VENDOR_ID     0x00c
#define R_DEV_FEAT      0x010
#define R_DEV_FEAT_SEL  0x014
#define R_DRV_FEAT      0x020
#define R_DRV_FEAT_SEL  0x024
#define R_QUEUE_SEL     0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM     0x038
#define R_QUEUE_READY   0x044
#define R_QUEUE_NOTIFY  0x050
#define R_INT_STATUS    0x060
#define R_INT_ACK       0x064
#define R_STATUS        0x070
#define R_DESC_LO       0x080
#define R_DESC_HI       0x084
#define R_DRIVER_LO     0x090
#define R_DRIVER_HI     0x094
#define R_DEVICE_LO     0x0a0
#define R_DEVICE_HI     0x0a4
#define R_SHM_LEN_LO    0x0b0
#define R_SHM_BASE_HI   0x0bc
#define R_CONFIG_GEN    0x0fc
#define R_CONFIG        0x100

#define S_ACK VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRV VIRTIO_STATUS_DRIVER
#define S_FOK VIRTIO_STATUS_FEATURES_OK
#define S_DOK VIRTIO_STATUS_DRIVER_OK
#define S_NR  VIRTIO_STATUS_NEEDS_RESET

/* Stand-ins for the rest of the hypervisor. */
static const struct mmio_ops *mops;
static void *mdev;
static uint64_t mbase, msize;
static unsigned nr_mmio;
static char last_log[256];
static unsigned nr_logs;
static bool line;
static unsigned nr_line_calls;
static uint32_t line_intid;

int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev)
{
    mops = ops;
    mdev = dev;
    mbase = base;
    msize = size;
    nr_mmio++;
    return 0;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
    nr_logs++;
}

void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    line_intid = intid;
    line = level;
    nr_line_calls++;
}

void printk(const char *fmt, ...) {}

/* The fake back end: two queues, 6 bytes of configuration space; notify echoes each chain's
 * readable bytes, inverted, into its writable buffers. While `refill` lasts, the driver
 * ("another vCPU") makes each chain available again as soon as it was used. */
static unsigned nr_notify, nr_reset, nr_chains, refill;
static unsigned cfgw_off, cfgw_size, nr_cfgw;
static uint32_t cfgw_val;

static unsigned fb_config(struct virtio_dev *d, uint8_t *buf, unsigned size)
{
    static const uint8_t cfg[6] = { 1, 2, 3, 4, 5, 6 };
    memcpy(buf, cfg, sizeof(cfg));
    return sizeof(cfg);
}

static void fb_config_write(struct virtio_dev *d, unsigned off, unsigned size, uint32_t val)
{
    cfgw_off = off;
    cfgw_size = size;
    cfgw_val = val;
    nr_cfgw++;
}

static void fb_notify(struct virtio_dev *d, unsigned qn)
{
    struct virtq_chain c;
    int rc;
    nr_notify++;
    assert_true(virtio_queue_usable(d, qn));
    while ((rc = virtio_pop(d, qn, &c)) > 0) {
        uint8_t buf[256];
        assert_chain_in_ram(&c);
        uint64_t n = virtq_copy_from_chain(&c, 0, buf, sizeof(buf));
        for (uint64_t i = 0; i < n; i++)
            buf[i] ^= 0xff;
        virtio_push(d, qn, c.head, (uint32_t)virtq_copy_to_chain(&c, 0, buf, n));
        nr_chains++;
        if (refill) {
            refill--;
            offer(c.head);
        }
    }
    if (rc == 0)
        virtio_signal(d, qn);
}

static void fb_reset(struct virtio_dev *d) { nr_reset++; }

static const struct virtio_backend fake_be = {
    .name = "virtio-fake",
    .device_id = FAKE_ID,
    .nr_queues = 2,
    .config = fb_config,
    .config_write = fb_config_write,
    .notify = fb_notify,
    .reset = fb_reset,
};

static struct vm vm;
static struct virtio_dev dev;

static uint32_t rd(uint64_t off)
{
    uint64_t v = 0xdeadbeef;
    assert_int_equal(mops->read(NULL, mdev, off, 4, &v), 0);
    assert_true(v <= UINT32_MAX);
    return (uint32_t)v;
}

static void wr(uint64_t off, uint32_t v) { assert_int_equal(mops->write(NULL, mdev, off, 4, v), 0); }

static int t_setup(void **state)
{
    memset(mem, 0, RAM_SIZE);
    memset(&vm, 0, sizeof(vm));
    memset(&dev, 0, sizeof(dev));
    drv_avail = 0;
    qsize = 16;
    mops = NULL;
    nr_mmio = nr_logs = nr_line_calls = nr_notify = nr_reset = nr_chains = nr_cfgw = 0;
    line = false;
    refill = 0;
    line_intid = 0;
    last_log[0] = 0;
    vm.id = 1;
    strcpy(vm.cfg.name, "t");
    vm.cfg.ram_ipa = RAM_IPA;
    vm.cfg.ram_size = RAM_SIZE;
    vm.ram_pa = (uint64_t)(uintptr_t)mem;
    vm.state = VM_RUNNING;
    struct vm_device cfg = { .ipa = DEV_IPA, .size = 0x1000, .intid = DEV_INTID };
    assert_int_equal(virtio_mmio_attach(&vm, &cfg, &dev, &fake_be, FAKE_FEAT, NULL), 0);
    assert_non_null(mops);
    assert_ptr_equal(mdev, &dev);
    assert_int_equal(nr_reset, 1); /* attach resets the device */
    nr_reset = 0;
    return 0;
}

/* Driver initialisation (3.1.1) up to FEATURES_OK with the given features. */
static void negotiate(uint64_t feats)
{
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRV);
    wr(R_DRV_FEAT_SEL, 0);
    wr(R_DRV_FEAT, (uint32_t)feats);
    wr(R_DRV_FEAT_SEL, 1);
    wr(R_DRV_FEAT, (uint32_t)(feats >> 32));
    wr(R_STATUS, S_ACK | S_DRV | S_FOK);
}

/* Queue qn at the usual ring offsets, 16 entries. */
static void setup_queue(unsigned qn, uint64_t desc_off, uint64_t avail_off, uint64_t used_off)
{
    wr(R_QUEUE_SEL, qn);
    assert_int_equal(rd(R_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    wr(R_QUEUE_NUM, 16);
    wr(R_DESC_LO, (uint32_t)ipa(desc_off));
    wr(R_DESC_HI, (uint32_t)(ipa(desc_off) >> 32));
    wr(R_DRIVER_LO, (uint32_t)ipa(avail_off));
    wr(R_DRIVER_HI, (uint32_t)(ipa(avail_off) >> 32));
    wr(R_DEVICE_LO, (uint32_t)ipa(used_off));
    wr(R_DEVICE_HI, (uint32_t)(ipa(used_off) >> 32));
    wr(R_QUEUE_READY, 1);
}

static void bring_up(uint64_t feats)
{
    negotiate(feats);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_FOK);
    setup_queue(0, DESC_OFF, AVAIL_OFF, USED_OFF);
    assert_int_equal(rd(R_QUEUE_READY), 1);
    wr(R_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
}

#define ALL_FEATS (VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC | FAKE_FEAT)

/* A good chain: 3 readable bytes, 8 writable. */
static void offer_good_chain(uint16_t head)
{
    memcpy(mem + DATA_OFF, "abc", 3);
    desc(head, ipa(DATA_OFF), 3, VIRTQ_DESC_F_NEXT, (uint16_t)(head + 1));
    desc(head + 1, ipa(DATA_OFF + 0x100), 8, VIRTQ_DESC_F_WRITE, 0);
    offer(head);
}

static void expect_needs_reset(const char *log)
{
    assert_true(rd(R_STATUS) & S_NR);
    assert_int_equal(rd(R_INT_STATUS) & 2, 2); /* configuration change */
    assert_true(line);
    assert_int_equal(line_intid, DEV_INTID);
    assert_int_equal(nr_logs, 1);
    assert_string_equal(last_log, log);
    for (unsigned qn = 0; qn < 2; qn++) {
        wr(R_QUEUE_SEL, qn);
        assert_int_equal(rd(R_QUEUE_READY), 0);
    }
}

static void test_mmio_identity(void **state)
{
    assert_int_equal(nr_mmio, 1);
    assert_int_equal(mbase, DEV_IPA);
    assert_int_equal(msize, 0x1000);
    assert_int_equal(rd(R_MAGIC), 0x74726976);
    assert_int_equal(rd(R_VERSION), 2);
    assert_int_equal(rd(R_DEVICE_ID), FAKE_ID);
    assert_int_equal(rd(R_VENDOR_ID), 0x53564c45);
    assert_int_equal(rd(R_STATUS), 0);
    assert_int_equal(rd(R_INT_STATUS), 0);
    assert_int_equal(rd(R_CONFIG_GEN), 0);
    assert_int_equal(rd(R_SHM_LEN_LO), 0xffffffff); /* no shared memory regions */
    assert_int_equal(rd(R_SHM_BASE_HI), 0xffffffff);
    assert_int_equal(rd(R_QUEUE_NOTIFY), 0); /* write-only: reads as zero */
    assert_int_equal(rd(R_DRV_FEAT), 0);
    assert_int_equal(rd(0x0f8), 0); /* reserved */
    assert_int_equal(rd(R_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
    wr(R_QUEUE_SEL, 2); /* the back end has two queues */
    assert_int_equal(rd(R_QUEUE_NUM_MAX), 0);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    wr(R_QUEUE_SEL, 0xffffffff);
    assert_int_equal(rd(R_QUEUE_NUM_MAX), 0);
    wr(R_MAGIC, 0); /* read-only: ignored */
    assert_int_equal(rd(R_MAGIC), 0x74726976);
    assert_int_equal(nr_line_calls, 0);
}

static void test_mmio_feature_windows(void **state)
{
    assert_int_equal(rd(R_DEV_FEAT), (uint32_t)(FAKE_FEAT | VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX));
    wr(R_DEV_FEAT_SEL, 1);
    assert_int_equal(rd(R_DEV_FEAT), 1); /* VERSION_1 */
    wr(R_DEV_FEAT_SEL, 2);
    assert_int_equal(rd(R_DEV_FEAT), 0);
    wr(R_DEV_FEAT_SEL, 0xffffffff);
    assert_int_equal(rd(R_DEV_FEAT), 0);

    wr(R_STATUS, S_ACK | S_DRV);
    wr(R_DRV_FEAT_SEL, 0);
    wr(R_DRV_FEAT, 0x30000001);
    wr(R_DRV_FEAT_SEL, 1);
    wr(R_DRV_FEAT, 1);
    wr(R_DRV_FEAT_SEL, 2); /* no third window */
    wr(R_DRV_FEAT, 0xffffffff);
    assert_int_equal(dev.driver_features, UINT64_C(0x130000001));
    wr(R_DRV_FEAT_SEL, 0); /* rewriting one half keeps the other */
    wr(R_DRV_FEAT, 0x10000000);
    assert_int_equal(dev.driver_features, UINT64_C(0x110000000));
    wr(R_STATUS, S_ACK | S_DRV | S_FOK);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_FOK);
    assert_true(virtio_has_feature(&dev, VIRTIO_F_RING_INDIRECT_DESC));
    assert_false(virtio_has_feature(&dev, VIRTIO_F_RING_EVENT_IDX));
    /* Fixed once FEATURES_OK is set. */
    wr(R_DRV_FEAT, 0x20000000);
    wr(R_DRV_FEAT_SEL, 1);
    wr(R_DRV_FEAT, 0);
    assert_int_equal(dev.driver_features, UINT64_C(0x110000000));
}

static void test_mmio_features_ok_refused(void **state)
{
    /* Without VERSION_1 (legacy drivers are not served). */
    negotiate(VIRTIO_F_RING_INDIRECT_DESC | FAKE_FEAT);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    /* With a bit the device did not offer, low or high window. */
    negotiate(VIRTIO_F_VERSION_1 | (UINT64_C(1) << 3));
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    negotiate(VIRTIO_F_VERSION_1 | (UINT64_C(1) << 33));
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    negotiate(VIRTIO_F_VERSION_1 | (UINT64_C(1) << 63));
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    /* Once the driver offers an acceptable set, FEATURES_OK sticks. */
    negotiate(VIRTIO_F_VERSION_1 | FAKE_FEAT);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_FOK);
    assert_int_equal(nr_logs, 0);
    /* Refused in a write with other bits: those still take effect. */
    wr(R_STATUS, 0);
    negotiate(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX | (UINT64_C(1) << 40));
    wr(R_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_DOK);
}

static void test_mmio_status_bits_sticky(void **state)
{
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRV);
    wr(R_STATUS, S_ACK); /* clearing DRIVER: ignored */
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    wr(R_STATUS, S_DRV);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    wr(R_STATUS, S_NR); /* the device's bit: not the driver's */
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    wr(R_STATUS, S_ACK | S_DRV | S_NR);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    wr(R_STATUS, 0x100 | S_ACK | S_DRV); /* beyond 8 bits: dropped */
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV);
    wr(R_STATUS, VIRTIO_STATUS_FAILED | S_ACK | S_DRV);
    assert_int_equal(rd(R_STATUS), VIRTIO_STATUS_FAILED | S_ACK | S_DRV);
    assert_int_equal(nr_reset, 0);
    wr(R_STATUS, 0);
    assert_int_equal(rd(R_STATUS), 0);
    assert_int_equal(nr_reset, 1);
}

static void test_mmio_reset_clears(void **state)
{
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(rd(R_INT_STATUS), 1);
    assert_true(line);
    wr(R_QUEUE_SEL, 1);
    wr(R_DEV_FEAT_SEL, 1);
    wr(R_STATUS, 0);
    assert_int_equal(nr_reset, 1);
    assert_int_equal(rd(R_STATUS), 0);
    assert_int_equal(rd(R_INT_STATUS), 0);
    assert_false(line);
    assert_int_equal(dev.driver_features, 0);
    assert_int_equal(dev.queue_sel, 0);
    assert_int_equal(rd(R_DEV_FEAT), (uint32_t)(FAKE_FEAT | VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX));
    assert_int_equal(rd(R_QUEUE_READY), 0);
    assert_false(dev.vq[0].enabled);
    assert_int_equal(dev.vq[0].size, 0);
    assert_int_equal(dev.vq[0].desc_ipa, 0);
    assert_int_equal(dev.vq[0].used_ipa, 0);
    /* The driver can start over. */
    drv_avail = 0;
    memset(mem, 0, RAM_SIZE);
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_chains, 2);
    assert_int_equal(used_idx(), 1);
}

static void test_mmio_queue_regs_locked_while_ready(void **state)
{
    bring_up(ALL_FEATS);
    wr(R_QUEUE_SEL, 0);
    wr(R_QUEUE_NUM, 8);
    wr(R_DESC_LO, (uint32_t)ipa(0x100));
    wr(R_DESC_HI, 1);
    wr(R_DRIVER_LO, 0);
    wr(R_DEVICE_HI, 7);
    wr(R_QUEUE_READY, 1); /* already ready: nothing happens */
    assert_int_equal(dev.vq[0].size, 16);
    assert_int_equal(dev.vq[0].desc_ipa, ipa(DESC_OFF));
    assert_int_equal(dev.vq[0].avail_ipa, ipa(AVAIL_OFF));
    assert_int_equal(dev.vq[0].used_ipa, ipa(USED_OFF));
    assert_true(dev.vq[0].enabled);
    /* Queue 1 is not ready: its registers are writable meanwhile. */
    wr(R_QUEUE_SEL, 1);
    wr(R_QUEUE_NUM, 8);
    wr(R_DESC_HI, 1);
    assert_int_equal(dev.vq[1].size, 8);
    assert_int_equal(dev.vq[1].desc_ipa, UINT64_C(1) << 32);
    /* A queue that does not exist takes nothing and enables nothing. */
    wr(R_QUEUE_SEL, 3);
    wr(R_QUEUE_NUM, 8);
    wr(R_QUEUE_READY, 1);
    assert_int_equal(dev.vq[3].size, 0);
    assert_false(dev.vq[3].enabled);
    assert_int_equal(nr_logs, 0);
    /* QueueReady = 0 makes queue 0 configurable again, and stops it. */
    wr(R_QUEUE_SEL, 0);
    wr(R_QUEUE_READY, 0);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_notify, 0);
    wr(R_QUEUE_NUM, 8);
    assert_int_equal(dev.vq[0].size, 8);
    wr(R_QUEUE_NUM, 0x10010); /* beyond 16 bits: an invalid size */
    assert_int_equal(dev.vq[0].size, 0);
}

static void test_mmio_ready_before_features_ok(void **state)
{
    wr(R_STATUS, S_ACK | S_DRV);
    setup_queue(0, DESC_OFF, AVAIL_OFF, USED_OFF);
    expect_needs_reset("virtio-fake@a000000: queue 0 enabled before FEATURES_OK: device needs reset");
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_NR);
    /* The driver cannot clear the bit, nor set up queues, until it resets the device. */
    wr(R_STATUS, S_ACK | S_DRV);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_NR);
    wr(R_DRV_FEAT_SEL, 1);
    wr(R_DRV_FEAT, 1);
    wr(R_STATUS, S_ACK | S_DRV | S_FOK);
    assert_int_equal(rd(R_STATUS), S_ACK | S_DRV | S_FOK | S_NR);
    wr(R_QUEUE_SEL, 1);
    wr(R_QUEUE_NUM, 4);
    assert_int_equal(dev.vq[1].size, 0);
    wr(R_QUEUE_READY, 1);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    assert_int_equal(nr_logs, 1); /* one line, however often it errs */
    wr(R_INT_ACK, 2);
    assert_false(line);
    assert_int_equal(rd(R_INT_STATUS), 0);
    wr(R_STATUS, 0);
    assert_int_equal(rd(R_STATUS), 0);
    bring_up(ALL_FEATS);
}

static void test_mmio_notify_good_chain(void **state)
{
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    offer_good_chain(4);
    assert_int_equal(nr_line_calls, 0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_notify, 1);
    assert_int_equal(nr_chains, 2);
    assert_int_equal(used_idx(), 2);
    assert_int_equal(used_id(0), 0);
    assert_int_equal(used_len(0), 3);
    assert_int_equal(used_id(1), 4);
    const uint8_t want[3] = { 'a' ^ 0xff, 'b' ^ 0xff, 'c' ^ 0xff };
    assert_memory_equal(mem + DATA_OFF + 0x100, want, 3);
    assert_int_equal(rd(R_INT_STATUS), 1);
    assert_true(line);
    assert_int_equal(line_intid, DEV_INTID);
    wr(R_INT_ACK, 2); /* a bit that is not set: no change */
    assert_true(line);
    wr(R_INT_ACK, 1);
    assert_false(line);
    assert_int_equal(rd(R_INT_STATUS), 0);
    assert_int_equal(nr_line_calls, 2);
    /* The driver asks for no interrupt: the chain is used, the line stays low. */
    set_avail_flags(VIRTQ_AVAIL_F_NO_INTERRUPT);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), 3);
    assert_int_equal(rd(R_INT_STATUS), 0);
    assert_false(line);
    assert_int_equal(nr_logs, 0);
}

static void test_mmio_event_idx(void **state)
{
    bring_up(ALL_FEATS | VIRTIO_F_RING_EVENT_IDX);
    assert_true(dev.vq[0].event_idx);
    set_used_event(1); /* interrupt when used idx passes 1 */
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), 1);
    assert_false(line);
    assert_int_equal(avail_event(), 1); /* notify me at the next chain */
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), 2);
    assert_true(line);
    assert_int_equal(avail_event(), 2);
}

static void test_mmio_malformed_chain_on_notify(void **state)
{
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    desc(5, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 6);
    desc(6, ipa(DATA_OFF), 4, VIRTQ_DESC_F_NEXT, 5);
    offer(5);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    /* The good chain before the loop was used; the device stopped at the loop. */
    assert_int_equal(nr_chains, 1);
    assert_int_equal(used_idx(), 1);
    expect_needs_reset("virtio-fake@a000000: queue 0: " LOOP_WHY ": device needs reset");
    assert_int_equal(rd(R_INT_STATUS), 2); /* no used-buffer interrupt after it */
    /* Nothing more is taken from the queue, and nothing more is logged, even when a back
     * end reports another error. */
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_notify, 1);
    virtio_fail(&dev, "bad request %d", 7);
    assert_int_equal(nr_logs, 1);
    wr(R_INT_ACK, 2);
    assert_false(line);
    /* Recovery: reset, set up again, and the pending good chain goes through. */
    wr(R_STATUS, 0);
    memset(mem + USED_OFF, 0, 0x100);
    drv_avail = 0;
    set_avail_idx(0);
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_chains, 2);
    assert_int_equal(rd(R_INT_STATUS), 1);
    assert_int_equal(rd(R_STATUS) & S_NR, 0);
}

static void test_mmio_driver_errors_need_reset(void **state)
{
    /* Indirect descriptors the driver did not negotiate. */
    bring_up(VIRTIO_F_VERSION_1);
    put_desc(IND_OFF, 0, ipa(DATA_OFF), 4, 0, 0);
    desc(0, ipa(IND_OFF), 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer(0);
    wr(R_QUEUE_NOTIFY, 0);
    expect_needs_reset("virtio-fake@a000000: queue 0: indirect descriptor without "
                       "VIRTIO_F_RING_INDIRECT_DESC: device needs reset");
    /* A queue whose rings the device cannot use, refused at QueueReady. */
    wr(R_STATUS, 0);
    nr_logs = 0;
    negotiate(VIRTIO_F_VERSION_1);
    wr(R_QUEUE_SEL, 1);
    wr(R_QUEUE_NUM, 3);
    wr(R_QUEUE_READY, 1);
    expect_needs_reset("virtio-fake@a000000: queue 1: queue size is not a power of two up to 256: "
                       "device needs reset");
    wr(R_STATUS, 0);
    nr_logs = 0;
    negotiate(VIRTIO_F_VERSION_1);
    setup_queue(1, DESC_OFF, AVAIL_OFF, RAM_SIZE - 8);
    expect_needs_reset("virtio-fake@a000000: queue 1: a ring area is outside the VM's RAM: "
                       "device needs reset");
    /* The head of a chain beyond the queue. */
    wr(R_STATUS, 0);
    nr_logs = 0;
    drv_avail = 0;
    memset(mem, 0, RAM_SIZE);
    bring_up(VIRTIO_F_VERSION_1);
    offer(200);
    wr(R_QUEUE_NOTIFY, 0);
    expect_needs_reset("virtio-fake@a000000: queue 0: available ring names a descriptor beyond "
                       "the queue size: device needs reset");
}

static void test_mmio_notify_ignored(void **state)
{
    negotiate(ALL_FEATS);
    setup_queue(0, DESC_OFF, AVAIL_OFF, USED_OFF);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0); /* before DRIVER_OK */
    assert_int_equal(nr_notify, 0);
    wr(R_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
    wr(R_QUEUE_NOTIFY, 1); /* queue 1 not ready */
    wr(R_QUEUE_NOTIFY, 2); /* no such queue */
    wr(R_QUEUE_NOTIFY, 0xffffffff);
    vm.state = VM_STOPPED;
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_notify, 0);
    vm.state = VM_RUNNING;
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_notify, 1);
    assert_int_equal(nr_chains, 1);
}

/* One QueueNotify takes at most VIRTIO_NOTIFY_BUDGET chains; with more waiting the write
 * asks to be repeated (MMIO_OPS_RETRY), and each repetition goes on from there. */
static void test_mmio_notify_budget(void **state)
{
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    refill = 1000;
    assert_int_equal(mops->write(NULL, mdev, R_QUEUE_NOTIFY, 4, 0), MMIO_OPS_RETRY);
    assert_int_equal(nr_chains, VIRTIO_NOTIFY_BUDGET);
    assert_int_equal(used_idx(), VIRTIO_NOTIFY_BUDGET);
    assert_int_equal(rd(R_INT_STATUS), 1); /* what was used is signalled */
    assert_int_equal(mops->write(NULL, mdev, R_QUEUE_NOTIFY, 4, 0), MMIO_OPS_RETRY);
    assert_int_equal(nr_chains, 2 * VIRTIO_NOTIFY_BUDGET);
    refill = 0; /* one chain left */
    assert_int_equal(mops->write(NULL, mdev, R_QUEUE_NOTIFY, 4, 0), 0);
    assert_int_equal(nr_chains, 2 * VIRTIO_NOTIFY_BUDGET + 1);
    assert_int_equal(used_idx(), 2 * VIRTIO_NOTIFY_BUDGET + 1);
    /* Exactly the budget, then an empty ring: finished, no retry. */
    offer(0);
    refill = VIRTIO_NOTIFY_BUDGET - 1;
    assert_int_equal(mops->write(NULL, mdev, R_QUEUE_NOTIFY, 4, 0), 0);
    assert_int_equal(nr_chains, 3 * VIRTIO_NOTIFY_BUDGET + 1);
    assert_false(virtq_has_avail(&dev.vq[0]));
    /* Outside a notification (frames, console input) there is no budget. */
    refill = 2 * VIRTIO_NOTIFY_BUDGET;
    offer(0);
    fb_notify(&dev, 0);
    assert_int_equal(nr_chains, 5 * VIRTIO_NOTIFY_BUDGET + 2);
    assert_int_equal(nr_logs, 0);
}

/* Refused accesses: an external abort for the guest, not a retry. */
static void assert_refused(int rc)
{
    assert_int_not_equal(rc, 0);
    assert_int_not_equal(rc, MMIO_OPS_RETRY);
}

static void test_mmio_access_sizes(void **state)
{
    uint64_t v;
    static const unsigned bad_sizes[] = { 1, 2, 3, 8 };
    for (unsigned i = 0; i < 4; i++) {
        assert_refused(mops->read(NULL, mdev, R_MAGIC, bad_sizes[i], &v));
        assert_refused(mops->write(NULL, mdev, R_STATUS, bad_sizes[i], S_ACK));
    }
    assert_refused(mops->read(NULL, mdev, R_MAGIC + 2, 4, &v));
    assert_refused(mops->write(NULL, mdev, R_STATUS + 1, 4, S_ACK));
    assert_int_equal(rd(R_STATUS), 0); /* the refused writes did nothing */

    /* Configuration space: 1, 2 and 4 bytes, naturally aligned. */
    v = 0;
    assert_int_equal(mops->read(NULL, mdev, R_CONFIG, 4, &v), 0);
    assert_int_equal(v, 0x04030201);
    assert_int_equal(mops->read(NULL, mdev, R_CONFIG + 5, 1, &v), 0);
    assert_int_equal(v, 6);
    assert_int_equal(mops->read(NULL, mdev, R_CONFIG + 4, 2, &v), 0);
    assert_int_equal(v, 0x0605);
    assert_int_equal(mops->read(NULL, mdev, R_CONFIG + 4, 4, &v), 0); /* past the end */
    assert_int_equal(v, 0);
    assert_int_equal(mops->read(NULL, mdev, R_CONFIG + 0xefc, 4, &v), 0);
    assert_int_equal(v, 0);
    assert_refused(mops->read(NULL, mdev, R_CONFIG, 8, &v));
    assert_refused(mops->read(NULL, mdev, R_CONFIG, 3, &v));
    assert_refused(mops->read(NULL, mdev, R_CONFIG + 1, 2, &v));
    assert_refused(mops->read(NULL, mdev, R_CONFIG + 2, 4, &v));
    assert_int_equal(mops->write(NULL, mdev, R_CONFIG + 3, 1, 0x5a), 0);
    assert_int_equal(nr_cfgw, 1);
    assert_int_equal(cfgw_off, 3);
    assert_int_equal(cfgw_size, 1);
    assert_int_equal(cfgw_val, 0x5a);
    assert_refused(mops->write(NULL, mdev, R_CONFIG, 8, 0));
    assert_refused(mops->write(NULL, mdev, R_CONFIG + 2, 4, 0));
    assert_refused(mops->write(NULL, mdev, R_CONFIG + 1, 2, 0));
    assert_int_equal(nr_cfgw, 1);
}

static void test_mmio_quiesce(void **state)
{
    bring_up(ALL_FEATS);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_true(line);
    virtio_mmio_quiesce(&dev);
    assert_int_equal(nr_reset, 1);
    assert_int_equal(rd(R_STATUS), 0);
    assert_false(line);
    assert_false(dev.vq[0].enabled);
    offer_good_chain(0);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(nr_notify, 1);
}

int main(void)
{
    const struct CMUnitTest vq_tests[] = {
        cmocka_unit_test_setup(test_ram_ptr_bounds, setup),
        cmocka_unit_test_setup(test_direct_single, setup),
        cmocka_unit_test_setup(test_mixed_chain_and_copies, setup),
        cmocka_unit_test_setup(test_indirect, setup),
        cmocka_unit_test_setup(test_chain_of_64, setup),
        cmocka_unit_test_setup(test_index_wraparound, setup),
        cmocka_unit_test_setup(test_event_idx, setup),
        cmocka_unit_test_setup(test_no_interrupt_flag, setup),
        cmocka_unit_test_setup(test_enable_prefilled, setup),
        cmocka_unit_test_setup(test_descriptor_loop, setup),
        cmocka_unit_test_setup(test_chain_of_65, setup),
        cmocka_unit_test_setup(test_next_beyond_queue, setup),
        cmocka_unit_test_setup(test_head_beyond_queue, setup),
        cmocka_unit_test_setup(test_avail_idx_too_far, setup),
        cmocka_unit_test_setup(test_buffer_outside_ram, setup),
        cmocka_unit_test_setup(test_buffer_address_overflow, setup),
        cmocka_unit_test_setup(test_readable_after_writable, setup),
        cmocka_unit_test_setup(test_indirect_without_feature, setup),
        cmocka_unit_test_setup(test_nested_indirect, setup),
        cmocka_unit_test_setup(test_indirect_with_next, setup),
        cmocka_unit_test_setup(test_indirect_table_length, setup),
        cmocka_unit_test_setup(test_indirect_table_outside_ram, setup),
        cmocka_unit_test_setup(test_indirect_next_outside_table, setup),
        cmocka_unit_test_setup(test_enable_refusals, setup),
    };
    const struct CMUnitTest mmio_tests[] = {
        cmocka_unit_test_setup(test_mmio_identity, t_setup),
        cmocka_unit_test_setup(test_mmio_feature_windows, t_setup),
        cmocka_unit_test_setup(test_mmio_features_ok_refused, t_setup),
        cmocka_unit_test_setup(test_mmio_status_bits_sticky, t_setup),
        cmocka_unit_test_setup(test_mmio_reset_clears, t_setup),
        cmocka_unit_test_setup(test_mmio_queue_regs_locked_while_ready, t_setup),
        cmocka_unit_test_setup(test_mmio_ready_before_features_ok, t_setup),
        cmocka_unit_test_setup(test_mmio_notify_good_chain, t_setup),
        cmocka_unit_test_setup(test_mmio_event_idx, t_setup),
        cmocka_unit_test_setup(test_mmio_malformed_chain_on_notify, t_setup),
        cmocka_unit_test_setup(test_mmio_driver_errors_need_reset, t_setup),
        cmocka_unit_test_setup(test_mmio_notify_ignored, t_setup),
        cmocka_unit_test_setup(test_mmio_notify_budget, t_setup),
        cmocka_unit_test_setup(test_mmio_access_sizes, t_setup),
        cmocka_unit_test_setup(test_mmio_quiesce, t_setup),
    };
    int failed = cmocka_run_group_tests_name("virtqueue", vq_tests, group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("virtio-mmio", mmio_tests, group_setup, group_teardown);
    return failed;
}
