/* Concurrency test of the shared memory function under ThreadSanitizer (docs/shmem.md): two host
 * threads play two physical CPUs. On one, peer 0's guest rings peer 1's doorbell, changes its
 * own state and reads peer 1's, over and over; on the other, peer 1 is reset again and again
 * (quiesce, attach: vdev/ivshmem.c) while its guest acknowledges interrupts and writes its
 * state in between. TSan fails the program on any data race; at the end the level the vGIC
 * was given for peer 1 is the one its function holds, and a last doorbell raises it. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/vm.h"
#include "core/stage2.h"
#include "vdev/ivshmem.h"
#include "vdev/ivshmem_regs.h"
#include "vdev/shmem_region.h"
#include "vdev/vgic.h"
#include "tests/host/stubs.h"

#define ROUNDS 20000
#define SPI    80

#include "tests/host/check.h"

struct vm vms[CONFIG_MAX_VMS];
unsigned nr_vms;
uint64_t page_free_count(void) { return 0; }
void host_cache_op(const char *op, uint64_t va) {}
void stage2_tlb_flush_vmid(uint64_t vttbr) {}
int stage2_map_shared(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, bool read_only) { return 0; }
int stage2_unmap(struct vm *vm, uint64_t ipa, uint64_t size) { return 0; }

static bool level[2];
static unsigned raised[2];

void vgic_set_level(struct vm *vm, struct vcpu *v, uint32_t intid, bool on)
{
    unsigned i = (unsigned)(vm - vms);
    __atomic_store_n(&level[i], on, __ATOMIC_RELAXED);
    if (on)
        __atomic_add_fetch(&raised[i], 1, __ATOMIC_RELAXED);
}

static struct ivshmem *dev(unsigned i) { return (struct ivshmem *)vms[i].dev_state[0]; }

static int attach(unsigned i)
{
    vms[i].nr_mmio = 0;
    return ivshmem_ops.attach(&vms[i], &vms[i].cfg.dev[0], 0, vms[i].dev_state[0]);
}

static volatile int reset_done;

static void *ringing_cpu(void *arg)
{
    host_set_cpu(1);
    uint64_t v;
    for (uint32_t n = 0; !__atomic_load_n(&reset_done, __ATOMIC_ACQUIRE); n++) {
        CHECK(ivshmem_reg_write(dev(0), IVSHMEM_DOORBELL, 4, 1) == 0);
        CHECK(ivshmem_reg_write(dev(0), IVSHMEM_STATE, 4, n & 3) == 0);
        CHECK(ivshmem_reg_read(dev(0), IVSHMEM_PEER_STATE + 4, 4, &v) == 0);
        CHECK(ivshmem_reg_read(dev(0), IVSHMEM_INT_STATUS, 4, &v) == 0);
        CHECK(ivshmem_reg_write(dev(0), IVSHMEM_INT_STATUS, 4, v) == 0);
    }
    return NULL;
}

static void *resetting_cpu(void *arg)
{
    host_set_cpu(0);
    uint64_t v;
    for (unsigned n = 0; n < ROUNDS; n++) {
        CHECK(ivshmem_reg_read(dev(1), IVSHMEM_INT_STATUS, 4, &v) == 0);
        CHECK(ivshmem_reg_write(dev(1), IVSHMEM_INT_STATUS, 4, v) == 0);
        CHECK(ivshmem_reg_write(dev(1), IVSHMEM_STATE, 4, n | 1) == 0);
        if (n % 8 == 7) {
            ivshmem_ops.quiesce(vms[1].dev_state[0]);
            /* A reset rebuilds the VM's vGIC between the two (core/vm_reset.c), which drops
             * the level the function had raised: attach starts from a low line. */
            __atomic_store_n(&level[1], false, __ATOMIC_RELAXED);
            CHECK(attach(1) == 0);
        }
    }
    __atomic_store_n(&reset_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void configure(unsigned i)
{
    struct vm *vm = &vms[i];
    memset(vm, 0, sizeof(*vm));
    snprintf(vm->cfg.name, sizeof(vm->cfg.name), "p%u", i);
    struct vm_device *d = &vm->cfg.dev[0];
    d->ipa = 0x30000000;
    d->size = 0x100000;
    d->intid = SPI;
    d->win_ipa = 0x10000000;
    d->win_size = 0x100000;
    strcpy(d->shmem, "ring");
    d->shmem_size = 0x10000;
    d->shmem_peer = (uint8_t)i;
    d->shmem_peers = 2;
    vm->cfg.nr_devs = 1;
    vm->state = VM_RUNNING;
    vm->log_credit = 1000;
}

static void test_doorbells_against_resets(void **state)
{
    host_reset();
    nr_vms = 2;
    configure(0);
    configure(1);
    assert_int_equal(attach(0), 0);
    assert_int_equal(attach(1), 0);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, ringing_cpu, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, resetting_cpu, NULL), 0);
    pthread_join(b, NULL);
    pthread_join(a, NULL);
    assert_true(raised[1] > 0);
    assert_int_equal(level[1], dev(1)->line);
    uint64_t v;
    assert_int_equal(ivshmem_reg_read(dev(1), IVSHMEM_INT_STATUS, 4, &v), 0);
    assert_int_equal(ivshmem_reg_write(dev(1), IVSHMEM_INT_STATUS, 4, v), 0);
    assert_false(level[1]);
    assert_int_equal(ivshmem_reg_write(dev(0), IVSHMEM_DOORBELL, 4, 1), 0);
    assert_true(level[1]);
    assert_int_equal(dev(1)->lock.owner, dev(1)->lock.next); /* every taker gave it back */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doorbells_against_resets),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
