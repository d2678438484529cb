/* Host tests of the shared memory function (vdev/ivshmem.c, vdev/ivshmem_doorbell.c,
 * vdev/shmem_region.c, docs/shmem.md) through its seams: three VMs attached as peers of one
 * region (the third read-only), the guests' accesses made through the MMIO windows the model
 * registered, and fakes for what it asks of the rest: the vGIC's line levels, the stage 2
 * mappings, the cache cleaning of the zeroed region. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/vm.h"
#include "core/stage2.h"
#include "vdev/ivshmem.h"
#include "vdev/ivshmem_regs.h"
#include "vdev/shmem_region.h"
#include "vdev/vgic.h"
#include "drivers/pci_regs.h"
#include "tests/host/stubs.h"

#define ECAM   0x30000000UL
#define WIN    0x10000000UL
#define SIZE   0x10000UL
#define REGS   WIN
#define SHM    (WIN + SIZE)
#define SPI    80
#define NPEERS 3

/* ---- fakes ----------------------------------------------------------------------------------- */

struct vm vms[CONFIG_MAX_VMS];
unsigned nr_vms;
uint64_t page_free_count(void) { return 0; }

static struct {
    bool level;
    unsigned changes;
} line[NPEERS];
static struct {
    uint64_t ipa, pa, size;
    bool read_only, mapped;
} s2[NPEERS];
static unsigned cleaned_lines;

void host_cache_op(const char *op, uint64_t va) { cleaned_lines++; }
void stage2_tlb_flush_vmid(uint64_t vttbr) {}

static unsigned vm_index(struct vm *vm) { return (unsigned)(vm - vms); }

void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool level)
{
    assert_int_equal(intid, SPI);
    line[vm_index(vm)].level = level;
    line[vm_index(vm)].changes++;
}

int stage2_map_shared(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, bool read_only)
{
    unsigned i = vm_index(vm);
    assert_false(s2[i].mapped);
    s2[i].ipa = ipa;
    s2[i].pa = pa;
    s2[i].size = size;
    s2[i].read_only = read_only;
    s2[i].mapped = true;
    return 0;
}

int stage2_unmap(struct vm *vm, uint64_t ipa, uint64_t size)
{
    unsigned i = vm_index(vm);
    assert_true(s2[i].mapped);
    assert_int_equal(ipa, s2[i].ipa);
    assert_int_equal(size, s2[i].size);
    s2[i].mapped = false;
    return 0;
}

/* ---- the three peers --------------------------------------------------------------------------- */

static const char *const names[NPEERS] = { "p0", "p1", "ro" };

static void configure(struct vm *vm, unsigned i)
{
    memset(vm, 0, sizeof(*vm));
    strcpy(vm->cfg.name, names[i]);
    struct vm_device *d = &vm->cfg.dev[0];
    d->ipa = ECAM;
    d->size = 0x100000;
    d->intid = SPI;
    d->win_ipa = WIN;
    d->win_size = 0x100000;
    strcpy(d->shmem, "ring");
    d->shmem_size = SIZE;
    d->shmem_peer = (uint8_t)i;
    d->shmem_peers = NPEERS;
    d->read_only = i == 2;
    vm->cfg.nr_devs = 1;
    vm->state = VM_RUNNING;
    vm->log_credit = 1000;
}

static struct ivshmem *dev(unsigned i) { return (struct ivshmem *)vms[i].dev_state[0]; }

static int attach(unsigned i)
{
    vms[i].nr_mmio = 0;
    return ivshmem_ops.attach(&vms[i], &vms[i].cfg.dev[0], 0, vms[i].dev_state[0]);
}

static int setup(void **state)
{
    host_reset();
    memset(line, 0, sizeof(line));
    memset(s2, 0, sizeof(s2));
    cleaned_lines = 0;
    nr_vms = NPEERS;
    for (unsigned i = 0; i < NPEERS; i++)
        configure(&vms[i], i);
    return 0;
}

/* One guest access to IPA ipa of VM i, through the window the model registered there. */
static int access(unsigned i, uint64_t ipa, unsigned size, int write, uint64_t *val)
{
    struct vm *vm = &vms[i];
    for (unsigned k = 0; k < vm->nr_mmio; k++) {
        struct mmio_region *r = &vm->mmio[k];
        if (ipa >= r->base && ipa - r->base < r->size)
            return write ? r->ops->write(&vm->vcpu[0], r->dev, ipa - r->base, size, *val)
                         : r->ops->read(&vm->vcpu[0], r->dev, ipa - r->base, size, val);
    }
    return -100; /* no window */
}

static uint64_t rd(unsigned i, uint64_t ipa, unsigned size)
{
    uint64_t v = 0xdeadbeef;
    assert_int_equal(access(i, ipa, size, 0, &v), 0);
    return v;
}

static void wr(unsigned i, uint64_t ipa, unsigned size, uint64_t v)
{
    assert_int_equal(access(i, ipa, size, 1, &v), 0);
}

/* The guest places BAR0 at REGS and BAR2 at SHM and turns memory decoding on, INTx enabled. */
static void enable(unsigned i)
{
    wr(i, ECAM + PCI_BAR0, 4, REGS);
    wr(i, ECAM + PCI_BAR0 + 8, 4, SHM);
    wr(i, ECAM + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
}

static void attach_all(void)
{
    for (unsigned i = 0; i < NPEERS; i++)
        assert_int_equal(attach(i), 0);
    for (unsigned i = 0; i < NPEERS; i++)
        enable(i);
}

/* ---- tests ---------------------------------------------------------------------------------------- */

static void test_region_zeroed_once_and_mapped_per_peer(void **state)
{
    attach_all();
    assert_ptr_equal(dev(0)->region, dev(1)->region);
    assert_ptr_equal(dev(0)->region, dev(2)->region);
    const uint8_t *mem = (const uint8_t *)(uintptr_t)dev(0)->region->pa;
    for (uint64_t o = 0; o < SIZE; o++)
        assert_int_equal(mem[o], 0);
    assert_true(cleaned_lines >= SIZE / 64); /* cleaned to the point of coherency */
    for (unsigned i = 0; i < NPEERS; i++) {
        assert_true(s2[i].mapped);
        assert_int_equal(s2[i].ipa, SHM);
        assert_int_equal(s2[i].pa, dev(0)->region->pa);
        assert_int_equal(s2[i].size, SIZE);
        assert_int_equal(s2[i].read_only, i == 2);
    }
}

static void test_config_space(void **state)
{
    attach_all();
    assert_int_equal(rd(0, ECAM + PCI_VENDOR_ID, 4), (uint32_t)IVSHMEM_DEVICE_ID << 16 | IVSHMEM_VENDOR_ID);
    assert_int_equal(rd(0, ECAM + PCI_CLASS_REVISION, 4) >> 16, PCI_CLASS_MEMORY_RAM);
    assert_int_equal(rd(0, ECAM + PCI_INTERRUPT_PIN, 1), 1);
    /* BAR sizing: all ones reads back the size mask. */
    wr(0, ECAM + PCI_BAR0 + 8, 4, 0xffffffff);
    assert_int_equal(rd(0, ECAM + PCI_BAR0 + 8, 4), (uint32_t) ~(SIZE - 1));
    assert_false(s2[0].mapped); /* 0xffff0000 lies outside the window */
    wr(0, ECAM + PCI_BAR0 + 8, 4, SHM);
    assert_true(s2[0].mapped);
    /* Memory decoding off unmaps the region and hides the registers. */
    wr(0, ECAM + PCI_COMMAND, 2, 0);
    assert_false(s2[0].mapped);
    uint64_t v;
    assert_int_not_equal(access(0, REGS + IVSHMEM_ID, 4, 0, &v), 0);
    /* Other functions and devices: all ones; odd sizes and misaligned: refused. */
    assert_int_equal(rd(0, ECAM + (1 << 15), 4), 0xffffffff);
    assert_int_equal(rd(0, ECAM + (1 << 12), 2), 0xffff);
    assert_int_not_equal(access(0, ECAM, 8, 0, &v), 0);
    assert_int_not_equal(access(0, ECAM + 2, 4, 0, &v), 0);
}

static void test_doorbell_raises_the_peers_line(void **state)
{
    attach_all();
    assert_int_equal(rd(1, REGS + IVSHMEM_ID, 4), 1);
    assert_int_equal(rd(1, REGS + IVSHMEM_PEERS, 4), NPEERS);
    assert_int_equal(rd(2, REGS + IVSHMEM_FLAGS, 4), IVSHMEM_FLAG_READ_ONLY);
    wr(0, REGS + IVSHMEM_DOORBELL, 4, 1);
    assert_true(line[1].level);
    assert_false(line[0].level || line[2].level);
    assert_int_equal(rd(1, REGS + IVSHMEM_INT_STATUS, 4), IVSHMEM_INT_DOORBELL);
    assert_true(rd(1, ECAM + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    /* INTx disable lowers the line but keeps Interrupt Status (PCI 2.3). */
    wr(1, ECAM + PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    assert_false(line[1].level);
    assert_true(rd(1, ECAM + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    wr(1, ECAM + PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert_true(line[1].level);
    /* Write 1 to clear. */
    wr(1, REGS + IVSHMEM_INT_STATUS, 4, IVSHMEM_INT_DOORBELL);
    assert_false(line[1].level);
    assert_false(rd(1, ECAM + PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    /* A read-only peer may ring; a peer may ring itself. */
    wr(2, REGS + IVSHMEM_DOORBELL, 4, 0);
    assert_true(line[0].level);
    wr(2, REGS + IVSHMEM_DOORBELL, 4, 2);
    assert_true(line[2].level);
}

static void test_hostile_values(void **state)
{
    attach_all();
    unsigned before[NPEERS];
    for (unsigned i = 0; i < NPEERS; i++)
        before[i] = line[i].changes;
    static const uint64_t bad[] = { 3, 0xffff, 0xffffffff, 0x10003, 0x8000 };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        wr(0, REGS + IVSHMEM_DOORBELL, 4, bad[k]);
    for (unsigned i = 0; i < NPEERS; i++) {
        assert_int_equal(line[i].changes, before[i]);
        assert_int_equal(rd(i, REGS + IVSHMEM_INT_STATUS, 4), 0);
    }
    /* 0x10001 is peer 1 (bits [15:0]): rung. */
    wr(0, REGS + IVSHMEM_DOORBELL, 4, 0x10001);
    assert_true(line[1].level);
    /* Register sizes other than 4 and misaligned offsets are refused; reserved ones are 0/WI. */
    uint64_t v = 1;
    assert_int_not_equal(access(0, REGS + IVSHMEM_DOORBELL, 1, 1, &v), 0);
    assert_int_not_equal(access(0, REGS + IVSHMEM_ID, 8, 0, &v), 0);
    assert_int_not_equal(access(0, REGS + 2, 4, 0, &v), 0);
    wr(0, REGS + 0xffc, 4, 0xffffffff);
    assert_int_equal(rd(0, REGS + 0xffc, 4), 0);
    assert_int_equal(rd(0, REGS + IVSHMEM_PEER_STATE + 4 * 7, 4), 0); /* no peer 7 */
    /* The rest of the window (no BAR there) aborts. */
    assert_int_not_equal(access(0, WIN + 0x80000, 4, 0, &v), 0);
    /* BAR2 half outside the window, or the window's last page: not mapped. */
    wr(0, ECAM + PCI_BAR0 + 8, 4, WIN + 0x100000 - SIZE);
    assert_true(s2[0].mapped);
    wr(0, ECAM + PCI_BAR0 + 8, 4, WIN + 0x100000);
    assert_false(s2[0].mapped);
}

static void test_state_and_reset(void **state)
{
    attach_all();
    wr(0, REGS + IVSHMEM_STATE, 4, 7);
    assert_int_equal(rd(1, REGS + IVSHMEM_PEER_STATE, 4), 7);
    assert_int_equal(rd(1, REGS + IVSHMEM_INT_STATUS, 4), IVSHMEM_INT_PEER_STATE);
    assert_int_equal(rd(2, REGS + IVSHMEM_INT_STATUS, 4), IVSHMEM_INT_PEER_STATE);
    assert_int_equal(rd(0, REGS + IVSHMEM_INT_STATUS, 4), 0); /* not the writer */
    wr(1, REGS + IVSHMEM_INT_STATUS, 4, 0xffffffff);
    /* The same value again: nobody is told. */
    wr(0, REGS + IVSHMEM_STATE, 4, 7);
    assert_int_equal(rd(1, REGS + IVSHMEM_INT_STATUS, 4), 0);
    /* The guest writes the region; then peer 0 is reset. */
    uint32_t *mem = (uint32_t *)(uintptr_t)dev(0)->region->pa;
    mem[5] = 0x1234;
    vms[0].state = VM_RESETTING;
    assert_int_equal(rd(1, REGS + IVSHMEM_PEER_STATE, 4), 0); /* resetting: reads 0 at once */
    ivshmem_ops.quiesce(vms[0].dev_state[0]);
    assert_int_equal(rd(1, REGS + IVSHMEM_INT_STATUS, 4), IVSHMEM_INT_PEER_STATE);
    assert_true(line[1].level);
    /* While it is quiesced, doorbells to it set nothing. */
    wr(1, REGS + IVSHMEM_DOORBELL, 4, 0);
    assert_int_equal(dev(0)->int_status, 0);
    assert_int_equal(attach(0), 0);
    vms[0].state = VM_RUNNING;
    assert_false(s2[0].mapped); /* its guest places BAR2 again */
    assert_int_equal(rd(0, ECAM + PCI_COMMAND, 2), 0);
    assert_int_equal(dev(0)->state, 0);
    assert_int_equal(mem[5], 0x1234); /* the region is kept */
    enable(0);
    assert_true(s2[0].mapped);
    assert_int_equal(s2[0].pa, dev(1)->region->pa);
    /* A peer whose VM stopped itself reads 0, without a quiesce. */
    wr(2, REGS + IVSHMEM_STATE, 4, 9);
    assert_int_equal(rd(0, REGS + IVSHMEM_PEER_STATE + 8, 4), 9);
    vms[2].state = VM_STOPPED;
    assert_int_equal(rd(0, REGS + IVSHMEM_PEER_STATE + 8, 4), 0);
}

static void test_refused_peer_leaves(void **state)
{
    attach_all();
    ivshmem_ops.release(vms[1].dev_state[0]);
    wr(0, REGS + IVSHMEM_DOORBELL, 4, 1);
    assert_int_equal(line[1].changes, 0);
    assert_int_equal(rd(0, REGS + IVSHMEM_PEER_STATE + 4, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_region_zeroed_once_and_mapped_per_peer, setup),
        cmocka_unit_test_setup(test_config_space, setup),
        cmocka_unit_test_setup(test_doorbell_raises_the_peers_line, setup),
        cmocka_unit_test_setup(test_hostile_values, setup),
        cmocka_unit_test_setup(test_state_and_reset, setup),
        cmocka_unit_test_setup(test_refused_peer_leaves, setup),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
