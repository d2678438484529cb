/* Memory shared between VMs with a doorbell (docs/shmem.md, tests/configs/shmem.dts), the
 * bare-metal side. One program, four roles, told apart by what its device tree shows:
 *   - peer 0 ("bare"): checks the region starts zeroed, then passes SHM_ROUNDS messages to the
 *     Linux peer (tools/shmem_ping.c) through ring A and takes each answer from ring B, waiting
 *     in WFI for the doorbell interrupt; then resets itself, and in its second life finds the
 *     region as it left it, its own state 0, and waits for the Linux peer to say it saw that;
 *     before the messages it also pokes its function with bad values (hostile());
 *   - a read-only peer ("reader"): its write to the region faults and changes nothing; it
 *     reads the messages once peer 0 says it is done;
 *   - a VM no region names ("outsider"): no ivshmem node, and the peers' window faults.
 * The rings: u32 words in the region; ring r at SHM_RING(r): head (producer), tail (consumer),
 * SHM_SLOTS message slots. The last word of the region is never written by anyone. */
#include "tests/guests/common/gic.h"
#include "vdev/ivshmem_regs.h"

#define PSCI_SYSTEM_RESET 0x84000009u

#define SHM_ROUNDS    64
#define SHM_SLOTS     16
#define SHM_RING(r)   ((r)*0x100) /* ring 0: peer 0 -> 1, ring 1: peer 1 -> 0 */
#define SHM_HEAD      0
#define SHM_TAIL      4
#define SHM_SLOT(i)   (8 + 4 * ((i) % SHM_SLOTS))
#define SHM_BOOT_MARK 0x200 /* peer 0 writes 1 here before it resets */
#define SHM_MSG(k)    (0x5a000000u | (k))
#define SHM_REPLY(k)  (~SHM_MSG(k))

/* States (IVSHMEM_STATE) of the protocol. */
#define ST_READY 1 /* listening */
#define ST_DONE  2 /* peer 0: all rounds passed */
#define ST_BACK  3 /* peer 0 after its reset */
#define ST_SAW   4 /* the Linux peer saw peer 0 go to 0 and come back */

#define OUTSIDER_PROBE 0x10000000u /* the peers' bar-window in tests/configs/shmem.dts */

static uintptr_t regs, shm, ecam_base;
static uint64_t shm_size;
static uint32_t spi;
static volatile uint32_t doorbells, state_irqs, other_irqs;
static uint32_t sleeps; /* WFIs in WAIT_FOR */

static uint32_t reg(unsigned off) { return mmio_rd(regs + off); }
static void reg_wr(unsigned off, uint32_t v) { mmio_wr(regs + off, v); }
static uint32_t shm_rd(uint64_t off) { return mmio_rd(shm + off); }
static void shm_wr(uint64_t off, uint32_t v) { mmio_wr(shm + off, v); }
static void barrier(void) { __asm__ volatile("dsb sy" ::: "memory"); }

static void on_irq(uint64_t entry)
{
    uint32_t iar = gic_ack(), intid = gic_iar_intid(iar);
    if (intid >= 1020)
        return;
    if (intid == spi) {
        uint32_t st = reg(IVSHMEM_INT_STATUS);
        reg_wr(IVSHMEM_INT_STATUS, st); /* the line drops before the EOI */
        doorbells += (st & IVSHMEM_INT_DOORBELL) != 0;
        state_irqs += (st & IVSHMEM_INT_PEER_STATE) != 0;
    } else {
        other_irqs++;
    }
    gic_eoi(iar);
}

/* Sleeps in WFI until cond holds: only an interrupt ends a WFI here (no timer is armed). */
#define WAIT_FOR(cond)               \
    do {                             \
        irq_mask();                  \
        while (!(cond)) {            \
            __asm__ volatile("wfi"); \
            sleeps++;                \
            irq_unmask();            \
            irq_mask();              \
        }                            \
        irq_unmask();                \
    } while (0)

static void cfg_wr(uintptr_t ecam, unsigned off, uint32_t v) { mmio_wr(ecam + off, v); }

/* Finds the function under its host bridge, places BAR0 at the window's start and BAR2 at the
 * first multiple of the region's size after it, turns memory decoding on, routes INTA's SPI.
 * Returns the node of the function, or -1 when this VM has none. */
static int setup(void)
{
    int fn = fdt_next_compatible(&guest_fdt, -1, "pci1af4,1110");
    if (fn < 0)
        return -1;
    int bridge = fdt_parent(&guest_fdt, fn), len;
    uint64_t ecam, esize;
    const uint8_t *ranges = fdt_getprop(&guest_fdt, bridge, "ranges", &len);
    const uint8_t *map = fdt_getprop(&guest_fdt, bridge, "interrupt-map", 0);
    const uint8_t *size = fdt_getprop(&guest_fdt, fn, "elvisor,shmem-size", 0);
    if (fdt_reg(&guest_fdt, bridge, 0, &ecam, &esize) < 0 || !ranges || len != 28 || !map || !size)
        return -2;
    uint64_t win = (uint64_t)fdt_cell(ranges, 3) << 32 | fdt_cell(ranges, 4);
    shm_size = (uint64_t)fdt_cell(size, 0) << 32 | fdt_cell(size, 1);
    spi = fdt_cell(map, 8) + 32;
    regs = (uintptr_t)win;
    ecam_base = (uintptr_t)ecam;
    shm = (uintptr_t)((win + IVSHMEM_REGS_SIZE + shm_size - 1) & ~(shm_size - 1));
    cfg_wr((uintptr_t)ecam, 0x10 + 4 * IVSHMEM_REGS_BAR, (uint32_t)regs);
    cfg_wr((uintptr_t)ecam, 0x10 + 4 * IVSHMEM_SHMEM_BAR, (uint32_t)shm);
    cfg_wr((uintptr_t)ecam, 0x04, 0x2); /* memory decoding on, INTx enabled */
    guest_set_irq_hook(on_irq);
    gic_probe();
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(spi, 0x80);
    gic_route(spi, 0);
    gic_enable(spi);
    irq_unmask();
    return fn;
}

static int outsider(void)
{
    check(fdt_next_compatible(&guest_fdt, -1, "pci1af4,1110") < 0, "outsider_no_node", "an ivshmem node");
    uint64_t esr, far;
    fault_expect();
    (void)mmio_rd(OUTSIDER_PROBE);
    bool f1 = fault_taken(&esr, &far);
    fault_expect();
    (void)mmio_rd(OUTSIDER_PROBE + 0x10000);
    bool f2 = fault_taken(&esr, &far);
    check(f1 && f2, "outsider_access_faults", "reads at the peers' window did not fault (%d %d)", f1, f2);
    return guest_failures;
}

static int reader(void)
{
    check(reg(IVSHMEM_FLAGS) & IVSHMEM_FLAG_READ_ONLY, "reader_flag", "FLAGS 0x%x", reg(IVSHMEM_FLAGS));
    uint64_t canary = shm_size - 4, esr, far;
    fault_expect();
    shm_wr(canary, 0xdeadbeef);
    bool faulted = fault_taken(&esr, &far);
    check(faulted, "readonly_write_faults", "the write was taken");
    check(shm_rd(canary) == 0, "readonly_write_changed_nothing", "reads 0x%x", shm_rd(canary));
    reg_wr(IVSHMEM_STATE, ST_READY);
    /* Peer 0 writes the mark, then sets ST_DONE (which interrupts this peer) and resets at once:
     * the state may read 0 again by the time this vCPU looks, the mark stays. */
    WAIT_FOR(shm_rd(SHM_BOOT_MARK) == 1);
    uint32_t head = shm_rd(SHM_RING(0) + SHM_HEAD), last = shm_rd(SHM_RING(0) + SHM_SLOT(SHM_ROUNDS - 1));
    check(head == SHM_ROUNDS && last == SHM_MSG(SHM_ROUNDS - 1), "reader_sees_ring", "head %u last 0x%x", head, last);
    check(state_irqs > 0, "reader_woken_by_state_change", "no state interrupt");
    return guest_failures;
}

/* What a hostile guest can do to its own function, before the protocol starts: nothing that
 * reaches another peer or the hypervisor. */
static void hostile(uintptr_t ecam)
{
    uint64_t esr, far;
    uint32_t before = doorbells;
    reg_wr(IVSHMEM_DOORBELL, 3); /* peers 0..2 only */
    reg_wr(IVSHMEM_DOORBELL, 0xffff);
    reg_wr(IVSHMEM_DOORBELL, 0xffffffffu);
    reg_wr(0xffc, 0xffffffffu); /* reserved: ignored */
    check(reg(IVSHMEM_INT_STATUS) == 0 && doorbells == before && reg(0xffc) == 0, "bad_doorbells_ignored",
          "INT_STATUS 0x%x, %u doorbells", reg(IVSHMEM_INT_STATUS), doorbells - before);
    reg_wr(IVSHMEM_DOORBELL, 0); /* its own number: allowed */
    WAIT_FOR(doorbells != before);
    check(doorbells == before + 1, "self_doorbell", "%u doorbells", doorbells - before);
    fault_expect();
    mmio_wr8(regs + IVSHMEM_DOORBELL, 1);
    bool f8 = fault_taken(&esr, &far);
    fault_expect();
    (void)mmio_rd64(regs + IVSHMEM_ID);
    bool f64 = fault_taken(&esr, &far);
    check(f8 && f64, "register_sizes_checked", "8-bit write %d, 64-bit read %d", f8, f64);
    check(mmio_rd(ecam + (1u << 15)) == 0xffffffffu && mmio_rd(ecam + (1u << 12)) == 0xffffffffu, "only_function_0",
          "device 1 or function 1 answered");
    /* BAR2 outside the bar-window: the region disappears, and comes back where it was. */
    cfg_wr(ecam, 0x10 + 4 * IVSHMEM_SHMEM_BAR, 0x20000000u);
    fault_expect();
    (void)shm_rd(0);
    bool gone = fault_taken(&esr, &far);
    fault_expect();
    (void)mmio_rd(0x20000000u);
    bool not_there = fault_taken(&esr, &far);
    cfg_wr(ecam, 0x10 + 4 * IVSHMEM_SHMEM_BAR, (uint32_t)shm);
    fault_expect();
    (void)shm_rd(0);
    bool back = !fault_taken(&esr, &far);
    check(gone && not_there && back, "bar2_only_inside_window", "unmapped %d, outside %d, back %d", gone, not_there,
          back);
}

/* Peer 0, first life. */
static void ping_pong(void)
{
    bool zero = true;
    for (uint64_t o = 0; o < shm_size && zero; o += 4)
        zero = shm_rd(o) == 0;
    check(zero, "region_zeroed", "a nonzero word");
    hostile(ecam_base);
    reg_wr(IVSHMEM_STATE, ST_READY);
    gprintf("shmem: waiting for the peers\n");
    WAIT_FOR(reg(IVSHMEM_PEER_STATE + 4) == ST_READY && reg(IVSHMEM_PEER_STATE + 8) == ST_READY);
    uint32_t bad = 0, rings0 = doorbells, irqs0 = doorbells + state_irqs + other_irqs, sleeps0 = sleeps;
    uint64_t total = 0, worst = 0;
    for (uint32_t k = 0; k < SHM_ROUNDS; k++) {
        uint64_t t0 = cntvct();
        shm_wr(SHM_RING(0) + SHM_SLOT(k), SHM_MSG(k));
        barrier();
        shm_wr(SHM_RING(0) + SHM_HEAD, k + 1);
        barrier();
        reg_wr(IVSHMEM_DOORBELL, 1);
        WAIT_FOR(shm_rd(SHM_RING(1) + SHM_HEAD) != k);
        barrier();
        uint32_t r = shm_rd(SHM_RING(1) + SHM_SLOT(k));
        shm_wr(SHM_RING(1) + SHM_TAIL, k + 1);
        bad += r != SHM_REPLY(k);
        uint64_t dt = cntvct() - t0;
        total += dt;
        worst = dt > worst ? dt : worst;
    }
    uint32_t rang = doorbells - rings0, slept = sleeps - sleeps0;
    uint32_t irqs = doorbells + state_irqs + other_irqs - irqs0;
    check(bad == 0, "ping_pong", "%u of %u replies wrong", bad, SHM_ROUNDS);
    /* No polling: it looked at the ring again only when an interrupt had ended its WFI, and the
     * replies came with doorbells (two that arrive before the first is acknowledged are one
     * interrupt: the status bit is a flag, not a counter). */
    check(slept <= irqs && rang >= SHM_ROUNDS / 2, "replies_by_doorbell",
          "%u sleeps, %u interrupts, %u doorbells for %u replies", slept, irqs, rang, SHM_ROUNDS);
    gprintf("shmem: %u round trips, %u doorbell interrupts, %u sleeps, mean %lu us, worst %lu us\n", SHM_ROUNDS, rang,
            slept, (unsigned long)ticks_to_us(total / SHM_ROUNDS), (unsigned long)ticks_to_us(worst));
    WAIT_FOR(shm_rd(SHM_RING(0) + SHM_TAIL) == SHM_ROUNDS);
    check(shm_rd(shm_size - 4) == 0, "readonly_peer_harmless", "last word 0x%x", shm_rd(shm_size - 4));
    shm_wr(SHM_BOOT_MARK, 1);
    barrier();
    reg_wr(IVSHMEM_STATE, ST_DONE);
    gprintf("shmem: resetting this VM\n");
    hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
}

/* Peer 0 after its reset. */
static void second_life(void)
{
    check(shm_rd(SHM_RING(0) + SHM_HEAD) == SHM_ROUNDS, "region_kept_across_reset", "ring A head %u",
          shm_rd(SHM_RING(0) + SHM_HEAD));
    check(reg(IVSHMEM_STATE) == 0, "own_state_zero_after_reset", "STATE %u", reg(IVSHMEM_STATE));
    reg_wr(IVSHMEM_STATE, ST_BACK);
    WAIT_FOR(reg(IVSHMEM_PEER_STATE + 4) == ST_SAW);
    check(state_irqs > 0, "peer_saw_reset", "not woken by a state interrupt");
}

int guest_main(void)
{
    int fn = setup();
    if (fn == -1)
        return outsider();
    check(fn >= 0, "dt_describes_region", "malformed ivshmem node (%d)", fn);
    if (fn < 0)
        return guest_failures;
    gprintf("shmem: peer %u of %u, region %lu KiB at 0x%lx, registers at 0x%lx, SPI %u\n", reg(IVSHMEM_ID),
            reg(IVSHMEM_PEERS), (unsigned long)(shm_size >> 10), (unsigned long)shm, (unsigned long)regs, spi);
    if (reg(IVSHMEM_FLAGS) & IVSHMEM_FLAG_READ_ONLY)
        return reader();
    check(reg(IVSHMEM_ID) == 0 && reg(IVSHMEM_PEERS) == 3, "peer_numbers", "ID %u PEERS %u", reg(IVSHMEM_ID),
          reg(IVSHMEM_PEERS));
    if (shm_rd(SHM_BOOT_MARK) == 0)
        ping_pong();
    else
        second_life();
    return guest_failures;
}
