/* A minimal virtio-blk driver (virtio 1.2, 4.2 virtio-mmio; 5.2 block) that asks for as much
 * work per notification as a queue allows: 8 requests, each reading the whole 16 MiB disk, in
 * one QueueNotify, over and over. Beside tests/guests/ticker.c on the same CPU
 * (tests/configs/blklat.dts): the hypervisor must not hold that CPU for 128 MiB of copying in
 * one exit (issue 13 item 4). */
#include "tests/guests/common/guest.h"

#define REG_MAGIC        0x000
#define REG_DEVICE_ID    0x008
#define REG_DRV_FEAT     0x020
#define REG_DRV_FEAT_SEL 0x024
#define REG_QUEUE_SEL    0x030
#define REG_QUEUE_NUM    0x038
#define REG_QUEUE_READY  0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INT_ACK      0x064
#define REG_STATUS       0x070
#define REG_DESC_LO      0x080
#define REG_DESC_HI      0x084
#define REG_AVAIL_LO     0x090
#define REG_AVAIL_HI     0x094
#define REG_USED_LO      0x0a0
#define REG_USED_HI      0x0a4
#define ST_ACK           1
#define ST_DRIVER        2
#define ST_DRIVER_OK     4
#define ST_FEATURES_OK   8
#define DESC_NEXT        1
#define DESC_WRITE       2
#define QSIZE            32
#define NREQ             8
#define DISK_BYTES       (16UL << 20)

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static struct desc descs[QSIZE] __attribute__((aligned(16)));
static struct {
    uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(2)));
static struct {
    uint16_t flags, idx;
    struct {
        uint32_t id, len;
    } ring[QSIZE];
    uint16_t avail_event;
} used __attribute__((aligned(4)));
static struct {
    uint32_t type, reserved;
    uint64_t sector;
} hdr[NREQ];
static volatile uint8_t status[NREQ];

static uintptr_t base;
static void wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint32_t rd(unsigned off) { return *(volatile uint32_t *)(base + off); }
static void wr64(unsigned lo, const volatile void *p)
{
    wr(lo, (uint32_t)(uintptr_t)p);
    wr(lo + 4, (uint32_t)((uintptr_t)p >> 32));
}

int guest_main(void)
{
    uint64_t ram, ram_size;
    int mem = fdt_path_offset(&guest_fdt, "/memory");
    base = (uintptr_t)dt_reg_of("virtio,mmio");
    if (!base || mem < 0 || fdt_reg(&guest_fdt, mem, 0, &ram, &ram_size) < 0 || rd(REG_MAGIC) != 0x74726976 ||
        rd(REG_DEVICE_ID) != 2) {
        check(false, "blkhog_device", "no virtio-blk device");
        return guest_failures;
    }
    uint8_t *buf = (uint8_t *)(uintptr_t)(ram + ram_size - DISK_BYTES); /* top 16 MiB: free */
    wr(REG_STATUS, 0);
    wr(REG_STATUS, ST_ACK | ST_DRIVER);
    wr(REG_DRV_FEAT_SEL, 1);
    wr(REG_DRV_FEAT, 1); /* VIRTIO_F_VERSION_1 (bit 32) */
    wr(REG_DRV_FEAT_SEL, 0);
    wr(REG_DRV_FEAT, 0);
    wr(REG_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
    wr(REG_QUEUE_SEL, 0);
    wr(REG_QUEUE_NUM, QSIZE);
    wr64(REG_DESC_LO, descs);
    wr64(REG_AVAIL_LO, &avail);
    wr64(REG_USED_LO, &used);
    wr(REG_QUEUE_READY, 1);
    wr(REG_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    for (unsigned r = 0; r < NREQ; r++) {
        struct desc *d = &descs[3 * r];
        hdr[r].type = 0; /* VIRTIO_BLK_T_IN from sector 0 */
        d[0] = (struct desc){ (uint64_t)(uintptr_t)&hdr[r], sizeof(hdr[r]), DESC_NEXT, (uint16_t)(3 * r + 1) };
        d[1] = (struct desc){ (uint64_t)(uintptr_t)buf, DISK_BYTES, DESC_NEXT | DESC_WRITE, (uint16_t)(3 * r + 2) };
        d[2] = (struct desc){ (uint64_t)(uintptr_t)&status[r], 1, DESC_WRITE, 0 };
    }
    uint64_t bad = 0;
    for (uint64_t round = 1;; round++) {
        for (unsigned r = 0; r < NREQ; r++) {
            status[r] = 0xff;
            avail.ring[avail.idx % QSIZE] = (uint16_t)(3 * r);
            __asm__ volatile("dmb ishst" ::: "memory");
            avail.idx++;
        }
        __asm__ volatile("dsb ish" ::: "memory");
        uint16_t want = (uint16_t)(used.idx + NREQ);
        wr(REG_QUEUE_NOTIFY, 0); /* all 8 requests: 128 MiB */
        while (*(volatile uint16_t *)&used.idx != want)
            ;
        wr(REG_INT_ACK, 1);
        for (unsigned r = 0; r < NREQ; r++)
            bad += status[r] != 0;
        if (round % 4 == 0)
            gprintf("blkhog: %lu MiB read, %lu requests failed\n", (unsigned long)(round * NREQ * (DISK_BYTES >> 20)),
                    (unsigned long)bad);
    }
}
