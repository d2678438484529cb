/* Unit tests for vdev/vgic.c, the version-independent vGIC: list-register allocation and
 * refill by priority, eviction, level and HW interrupts, SGI routing and the register arrays,
 * against a fake back end whose "list registers" are an array the test plays the guest on;
 * and vdev/vtimer.c's withdrawal of the timer's HW PPI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/vgic_priv.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vtimer.h"
#include "arch/aarch64/regs/ich.h"
#include "arch/aarch64/regs/timer.h"
#include "arch/aarch64/esr.h"
#include "tests/host/stubs.h"
#include "tests/host/fake_vgic_backends.h"

/* The rest of the hypervisor: tests/host/stubs.c (physical GIC, kicks, per-CPU data). */

/* The fake back end: LR value = intid | prio << 16 | pending << 32 | active << 33 | hw << 34 |
 * eoi << 35 | group << 36 | pintid << 40. */
#define F_PEND (1UL << 32)
#define F_ACT  (1UL << 33)
#define F_HW   (1UL << 34)
#define F_EOI  (1UL << 35)
static uint64_t lrs[16];
static bool underflow;
static unsigned fake_version = 3;

static uint64_t f_encode(const struct vgic_lr *lr)
{
    return lr->intid | (uint64_t)lr->priority << 16 | (uint64_t)lr->pending << 32 | (uint64_t)lr->active << 33 |
           (uint64_t)lr->hw << 34 | (uint64_t)lr->eoi << 35 | (uint64_t)lr->group1 << 36 | (uint64_t)lr->pintid << 40;
}
static void f_state(uint64_t v, bool *p, bool *a)
{
    *p = (v & F_PEND) != 0;
    *a = (v & F_ACT) != 0;
}
static uint64_t f_lr_read(unsigned n) { return lrs[n]; }
static void f_lr_write(unsigned n, uint64_t v) { lrs[n] = v; }
static void f_ld(struct vgic_cpu *c) {}
static void f_underflow(bool on) { underflow = on; }
static uint8_t f_vpmr(void) { return 0xf0; }
static int f_attach(struct vm *vm)
{
    vgic_of(vm)->nr_lrs = 4;
    return 0;
}

FAKE_VGIC_BACKENDS(F_PEND | F_ACT, F_PEND);

static struct vm vm;
static struct vgic *g;

static int setup(void **state)
{
    memset(&vm, 0, sizeof(vm));
    memset(lrs, 0, sizeof(lrs));
    host_reset();
    host_refused_spi = 99;
    underflow = false;
    platform.gic_version = fake_version;
    vm.id = 1;
    strcpy(vm.cfg.name, "t");
    vm.cfg.nr_vcpus = 2;
    for (unsigned i = 0; i < 2; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = i;
        vm.vcpu[i].vmpidr = (1UL << 31) | i;
    }
    vm.cfg.passthru_irq[0] = 40;
    vm.cfg.nr_passthru_irqs = 1;
    percpu_data[0].vcpu = &vm.vcpu[0];
    static struct vgic vgic_state;
    vm.hw[VCPU_HW_VGIC].state = &vgic_state; /* what core/vcpu_hw.c allocates for the part */
    assert_int_equal(vgic_attach(&vm), 0);
    g = vgic_of(&vm);
    vgic_load(&vm.vcpu[0]);
    return 0;
}

static int setup_v2(void **state)
{
    fake_version = 2;
    int r = setup(state);
    fake_version = 3;
    return r;
}

/* Register access on behalf of vCPU 0 (GICD offsets; lo..hi as the v3 distributor). */
static void reg_write(uint32_t off, unsigned size, uint64_t val, uint32_t lo)
{
    vgic_regs_access(g, 0, off, size, true, &val, lo, g->nr_irqs);
}
static uint64_t reg_read(uint32_t off, unsigned size, uint32_t lo)
{
    uint64_t v = 0xdead;
    vgic_regs_access(g, 0, off, size, false, &v, lo, g->nr_irqs);
    return v;
}

static void enable_spi(uint32_t intid, uint8_t prio, bool edge)
{
    reg_write(0x400 + intid, 1, prio, 32);
    if (edge)
        reg_write(0xc00 + intid / 16 * 4, 4, reg_read(0xc00 + intid / 16 * 4, 4, 32) | 2u << (2 * (intid % 16)), 32);
    reg_write(0x100 + intid / 32 * 4, 4, 1u << (intid % 32), 32);
}

/* The guest acknowledges the highest-priority pending LR; returns its INTID or 1023. */
static uint32_t guest_ack(void)
{
    int best = -1;
    for (unsigned n = 0; n < 4; n++)
        if ((lrs[n] & F_PEND) && (best < 0 || ((lrs[n] >> 16) & 0xff) < ((lrs[best] >> 16) & 0xff)))
            best = (int)n;
    if (best < 0)
        return 1023;
    lrs[best] = (lrs[best] & ~F_PEND) | F_ACT;
    return (uint32_t)(lrs[best] & 0xffff);
}
static void guest_eoi(uint32_t intid)
{
    for (unsigned n = 0; n < 4; n++)
        if ((lrs[n] & 0xffff) == intid && (lrs[n] & F_ACT))
            lrs[n] &= ~F_ACT;
}
static void exit_and_enter(void)
{
    vgic_sync(&vm.vcpu[0]);
    vgic_flush(&vm.vcpu[0]);
}

static void test_refill_by_priority(void **state)
{
    g->grp1_en = true;
    /* 12 edge SPIs, priorities in a scrambled order, all pending: 4 LRs. */
    for (uint32_t i = 0; i < 12; i++) {
        reg_write(0x080 + 8, 4, ~0u, 32); /* group 1 */
        enable_spi(64 + i, (uint8_t)(((i * 5) % 12) << 3), true);
    }
    reg_write(0x200 + 8, 4, 0xfff, 32); /* ISPENDR2 */
    vgic_flush(&vm.vcpu[0]);
    assert_true(underflow);
    unsigned last = 0, delivered = 0;
    for (unsigned round = 0; round < 40 && delivered < 12; round++) {
        uint32_t intid = guest_ack();
        if (intid == 1023) {
            exit_and_enter(); /* the underflow maintenance interrupt */
            continue;
        }
        unsigned prio = g->spi[intid - 32].priority;
        assert_true(prio >= last);
        last = prio;
        guest_eoi(intid);
        delivered++;
    }
    assert_int_equal(delivered, 12);
    exit_and_enter();
    assert_false(underflow);
    for (unsigned n = 0; n < 4; n++)
        assert_int_equal(lrs[n], 0);
}

static void test_eviction_keeps_active(void **state)
{
    g->grp1_en = true;
    reg_write(0x080 + 8, 4, ~0u, 32);
    for (uint32_t i = 0; i < 4; i++)
        enable_spi(64 + i, 0xa0, true);
    reg_write(0x200 + 8, 4, 0xf, 32);
    vgic_flush(&vm.vcpu[0]);
    uint32_t first = guest_ack(); /* one active, three pending, all LRs used */
    enable_spi(70, 0x20, true);
    reg_write(0x200 + 8, 4, 1u << 6, 32);
    exit_and_enter();
    bool found70 = false, found_first = false;
    for (unsigned n = 0; n < 4; n++) {
        found70 |= (lrs[n] & 0xffff) == 70 && (lrs[n] & F_PEND);
        found_first |= (lrs[n] & 0xffff) == first && (lrs[n] & F_ACT);
    }
    assert_true(found70);
    assert_true(found_first);
    assert_true(underflow); /* the evicted one waits for a refill */
    /* The evicted interrupt is still pending. */
    unsigned pend = 0;
    for (uint32_t i = 0; i < 4; i++)
        pend += (reg_read(0x200 + 8, 4, 32) >> i) & 1;
    assert_int_equal(pend, 3);
}

static void test_level_line(void **state)
{
    g->grp1_en = true;
    reg_write(0x080 + 4, 4, ~0u, 32);
    enable_spi(33, 0x80, false);
    vgic_set_level(&vm, 0, 33, true);
    vgic_flush(&vm.vcpu[0]);
    assert_true((lrs[0] & F_PEND) && (lrs[0] & F_EOI));
    assert_int_equal(guest_ack(), 33);
    guest_eoi(33); /* line still high: presented again */
    exit_and_enter();
    assert_true(lrs[0] & F_PEND);
    vgic_set_level(&vm, 0, 33, false);
    vgic_flush(&vm.vcpu[0]); /* withdrawn before the guest took it */
    assert_int_equal(lrs[0], 0);
    assert_false(vgic_vcpu_pending(&vm.vcpu[0]));
}

/* A driver that lowers the line before its EOI (virtio-mmio: InterruptACK in the handler):
 * no EOI maintenance is asked for once the line is low, and one is asked for again when the
 * line rises while the interrupt is still active. */
static void test_level_acked_before_eoi(void **state)
{
    g->grp1_en = true;
    reg_write(0x080 + 4, 4, ~0u, 32);
    enable_spi(33, 0x80, false);
    vgic_set_level(&vm, 0, 33, true);
    vgic_flush(&vm.vcpu[0]);
    assert_true((lrs[0] & F_PEND) && (lrs[0] & F_EOI));
    assert_int_equal(guest_ack(), 33);
    vgic_sync(&vm.vcpu[0]); /* the ACK's exit lowers the line */
    vgic_set_level(&vm, 0, 33, false);
    vgic_flush(&vm.vcpu[0]);
    assert_true((lrs[0] & F_ACT) && !(lrs[0] & F_PEND) && !(lrs[0] & F_EOI));
    vgic_set_level(&vm, 0, 33, true); /* rises again before the EOI */
    assert_true(vm.vcpu[0].hw_flush.part[VCPU_HW_VGIC]);
    exit_and_enter();
    assert_true((lrs[0] & F_ACT) && (lrs[0] & F_PEND) && (lrs[0] & F_EOI));
    guest_eoi(33);
    assert_int_equal(guest_ack(), 33); /* still pending: taken again */
    vgic_set_level(&vm, 0, 33, false);
    exit_and_enter();
    guest_eoi(33); /* no maintenance: the LR goes invalid and the next exit frees it */
    exit_and_enter();
    assert_int_equal(lrs[0], 0);
    assert_false(vgic_vcpu_pending(&vm.vcpu[0]));
}

static void test_hw_ppi_retract(void **state)
{
    g->grp1_en = true;
    vgic_regs_access(g, 0, 0x080, 4, true, &(uint64_t){ ~0UL }, 0, 32);
    vgic_regs_access(g, 0, 0x100, 4, true, &(uint64_t){ 1UL << 27 }, 0, 32);
    assert_int_equal(vgic_inject_hw_ppi(&vm.vcpu[0], 27, 27), 0);
    vgic_flush(&vm.vcpu[0]);
    assert_true((lrs[0] & F_HW) && (lrs[0] & F_PEND) && ((lrs[0] >> 40) & 0xffff) == 27);
    assert_true(vgic_irq_is_pending(&vm.vcpu[0], 27));
    vgic_retract_hw_ppi(&vm.vcpu[0], 27);
    vgic_flush(&vm.vcpu[0]);
    assert_int_equal(lrs[0], 0);
    assert_int_equal(host_gic.nr_deactivates, 1); /* the guest will never deactivate it: we did */
    assert_int_equal(host_gic.last_deactivated, 27);
}

/* The timer's HW-linked PPI that the guest acknowledged and ended without an exit: the next
 * exit keeps its emptied list register with the interrupt in it, without looking at it after
 * later exits, and the next tick goes back into it as the same value, pending. */
static void test_emptied_lr_refilled_in_place(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    g->grp1_en = true;
    vgic_regs_access(g, 0, 0x080, 4, true, &(uint64_t){ ~0UL }, 0, 32);
    vgic_regs_access(g, 0, 0x100, 4, true, &(uint64_t){ 1UL << 27 }, 0, 32);
    assert_int_equal(vgic_inject_hw_ppi(v, 27, 27), 0);
    vgic_flush(v);
    uint64_t written = lrs[0];
    assert_true((written & F_HW) && (written & F_PEND));
    assert_int_equal(guest_ack(), 27);
    guest_eoi(27); /* the physical PPI is deactivated through the HW bit */
    vgic_sync(v);
    assert_int_equal(g->cpu[0].lr_empty, 1);
    assert_int_equal(g->cpu[0].lr_used, 1);
    assert_int_equal(lrs[0], written & ~F_PEND);
    assert_false(v->hw_sync.part[VCPU_HW_VGIC]); /* nothing there can change */
    assert_false(vgic_irq_is_pending(v, 27));
    assert_int_equal(vgic_ppi_state(v, 27), 0);
    assert_false(vgic_vcpu_pending(v));
    assert_int_equal(host_gic.nr_deactivates, 0);
    /* Fires again while the vCPU runs here: the same list register, at once. */
    assert_int_equal(vgic_inject_hw_ppi(v, 27, 27), 0);
    assert_int_equal(lrs[0], written);
    assert_int_equal(g->cpu[0].lr_empty, 0);
    assert_true(v->hw_sync.part[VCPU_HW_VGIC]);
    assert_false(v->hw_flush.part[VCPU_HW_VGIC]);
    assert_int_equal(vgic_ppi_state(v, 27), VGIC_IRQ_PENDING);
    /* Emptied again, then withdrawn by the guest's ICPENDR before the next tick: nothing to
     * end in the physical GIC (the guest's EOI did), and the list register is freed. */
    guest_ack();
    guest_eoi(27);
    vgic_sync(v);
    vgic_regs_access(g, 0, 0x280, 4, true, &(uint64_t){ 1UL << 27 }, 0, 32);
    vgic_flush(v);
    assert_int_equal(g->cpu[0].lr_used, 0);
    assert_int_equal(lrs[0], 0);
    assert_int_equal(host_gic.nr_deactivates, 0);
}

/* An IPI's SGI again while the receiver's list register still names the last one: kicked, not
 * queued, and refilled in place at its entry; a level interrupt's emptied list register is freed
 * at once (its pending latch ends with it). */
static void test_emptied_lr_sgi_and_level(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    g->grp1_en = true;
    vgic_regs_access(g, 0, 0x080, 4, true, &(uint64_t){ ~0UL }, 0, 32);
    vgic_regs_access(g, 0, 0x100, 4, true, &(uint64_t){ 0xffff }, 0, 32);
    vgic_send_sgi(g, 1, 0, 3, true);
    vgic_flush(v);
    assert_int_equal(guest_ack(), 3);
    guest_eoi(3);
    vgic_sync(v);
    assert_int_equal(g->cpu[0].lr_empty, 1);
    vgic_send_sgi(g, 1, 0, 3, true);
    assert_true(v->hw_flush.part[VCPU_HW_VGIC]);
    assert_false(g->cpu[0].nr_queued);
    vgic_flush(v);
    assert_true((lrs[0] & 0xffff) == 3 && (lrs[0] & F_PEND));
    assert_int_equal(g->cpu[0].lr_empty, 0);
    guest_ack();
    guest_eoi(3);
    vgic_sync(v);
    /* A level SPI latched by ISPENDR with its line low: handled, freed, not pending again. */
    reg_write(0x080 + 4, 4, ~0u, 32);
    enable_spi(33, 0x80, false);
    reg_write(0x200 + 4, 4, 1u << 1, 32);
    vgic_flush(v); /* LR 0, emptied, is freed; the SPI goes to LR 0 */
    assert_true((lrs[0] & 0xffff) == 33 && (lrs[0] & F_PEND) && !(lrs[0] & F_EOI));
    assert_int_equal(guest_ack(), 33);
    guest_eoi(33);
    vgic_sync(v);
    assert_int_equal(g->cpu[0].lr_used, 0);
    assert_int_equal(reg_read(0x200 + 4, 4, 32), 0);
    vgic_flush(v);
    assert_int_equal(lrs[0], 0);
}

/* An edge SPI moved to another vCPU (IROUTER) while vCPU 0's emptied list register still
 * names it: its next edge goes to the new target, and vCPU 0's list register is freed. (Found
 * by test_its's MOVALL: refilled in place, the LPI went to the vCPU it had left.) */
static void test_emptied_lr_moved_interrupt(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    g->grp1_en = true;
    reg_write(0x080 + 8, 4, ~0u, 32);
    enable_spi(64, 0x80, true);
    vgic_inject_edge(&vm, 0, 64);
    vgic_flush(v);
    assert_int_equal(guest_ack(), 64);
    guest_eoi(64);
    vgic_sync(v);
    assert_int_equal(g->cpu[0].lr_empty, 1);
    vgic_set_target(g, 64, 1);
    vgic_inject_edge(&vm, 0, 64);
    vgic_flush(v);
    assert_int_equal(g->cpu[0].lr_used, 0);
    assert_int_equal(lrs[0], 0);
    assert_true(g->cpu[1].nr_queued == 1 && vm.vcpu[1].hw_flush.part[VCPU_HW_VGIC]);
}

static void test_passthrough(void **state)
{
    /* Enabling the VM's passthrough SPI enables the physical one, nothing else does. */
    g->grp1_en = g->grp0_en = true;
    reg_write(0x100 + 4, 4, 1u << 8 | 1u << 9, 32); /* INTIDs 40 and 41 */
    assert_int_equal(host_gic.nr_enables, 1);
    assert_int_equal(host_gic.last_enabled, 40);
    assert_int_equal(vgic_inject_hw_spi(&vm, 41), -1); /* not the VM's */
    /* Claimed at attach with the VM as the handler's argument: the handler injects it and
     * leaves it active (the guest deactivates it). */
    assert_true(host_handlers[40].claimed && host_handlers[40].arg == &vm);
    assert_true(host_dispatch(40));
    vgic_flush(&vm.vcpu[0]);
    assert_true((lrs[0] & F_HW) && ((lrs[0] >> 40) & 0xffff) == 40);
}

static void test_passthrough_cpending(void **state)
{
    /* A passthrough SPI the hypervisor took stays active in the physical GIC until the VM is
     * done with it. If the guest withdraws its pending state first (ICPENDR), the hypervisor
     * must end it, or the device's line never fires again. Latched, not yet in an LR: */
    g->grp0_en = true;
    reg_write(0x100 + 4, 4, 1u << 8, 32); /* enable INTID 40 */
    host_gic.spi[40].active = true;       /* taken by the hypervisor */
    assert_int_equal(vgic_inject_hw_spi(&vm, 40), 0);
    reg_write(0x280 + 4, 4, 1u << 8, 32);
    assert_false(host_gic.spi[40].active);
    assert_int_equal(reg_read(0x200 + 4, 4, 32), 0);
    /* In a list register, still pending, when withdrawn; then the vCPU is descheduled. */
    host_gic.spi[40].active = true;
    assert_int_equal(vgic_inject_hw_spi(&vm, 40), 0);
    vgic_flush(&vm.vcpu[0]);
    assert_true((lrs[0] & F_HW) && (lrs[0] & F_PEND));
    reg_write(0x280 + 4, 4, 1u << 8, 32);
    vgic_put(&vm.vcpu[0]);
    assert_int_equal(lrs[0], 0);
    assert_int_equal(host_gic.nr_deactivates, 1);
    assert_int_equal(host_gic.last_deactivated, 40);
}

static void test_timer_cpending_keeps_latch(void **state)
{
    /* The timer's HW PPI latched before it reached an LR is a level line whose physical PPI
     * is active on its vCPU's CPU: ICPENDR leaves it pending, and the timer's own withdrawal
     * (vgic_retract_hw_ppi, on that CPU) is what ends the physical one. */
    assert_int_equal(vgic_inject_hw_ppi(&vm.vcpu[0], 27, 27), VGIC_HW_LATCHED);
    vgic_regs_access(g, 0, 0x280, 4, true, &(uint64_t){ 1UL << 27 }, 0, 32);
    assert_true(vgic_irq_is_pending(&vm.vcpu[0], 27));
    assert_int_equal(host_gic.nr_deactivates, 0);
    vgic_retract_hw_ppi(&vm.vcpu[0], 27);
    assert_false(vgic_irq_is_pending(&vm.vcpu[0], 27));
    assert_int_equal(host_gic.nr_deactivates, 1);
}

/* vdev/vtimer.c withdraws the timer's HW PPI after an exit when the timer stopped firing. While
 * the VM's EL1 virtual timer is parked (a guest hypervisor with E2H = 1 at virtual EL2 has its
 * EL2 virtual timer on the CPU, its guest's in its VNCR page: vdev/nested_vhe.c), that timer's
 * condition keeps it: KVM in VHE mode takes its guest's timer interrupt there and injects it.
 * Withdrawn on the CPU's timer, the L2 under it got its ticks only at KVM's next vCPU load. */
static void test_vtimer_parked_keeps_guest_timer_irq(void **state)
{
    static _Alignas(16) uint8_t vtimer_state[4096];
    assert_true(vtimer_hw_ops.vm_state_size <= sizeof(vtimer_state));
    vm.hw[VCPU_HW_VTIMER].state = vtimer_state;
    struct vcpu *v = &vm.vcpu[0];
    g->grp1_en = true;
    vgic_regs_access(g, 0, 0x080, 4, true, &(uint64_t){ ~0UL }, 0, 32);
    vgic_regs_access(g, 0, 0x100, 4, true, &(uint64_t){ 1UL << 27 }, 0, 32);
    /* The page: CNTV_CTL_EL02 enabled, CNTV_CVAL_EL02 1000, CNTVOFF_EL2 100. */
    uint64_t ctl = CNT_CTL_ENABLE | CNT_CTL_ISTATUS, cval = 1000, off = 100;
    host_sysreg_write("cntpct_el0", 1100); /* its virtual count: 1000, the deadline */
    host_sysreg_write("cntv_ctl_el0", 0);  /* the CPU's (its EL2 virtual timer): off */
    assert_int_equal(vgic_inject_hw_ppi(v, 27, 27), 0);
    vtimer_park(v, &ctl, &cval, &off);
    vtimer_hw_ops.sync(v);
    assert_true(vgic_irq_is_pending(v, 27));
    /* Its hypervisor moves its deadline on (KVM's vCPU put stores CNTV_CTL_EL02 = 0 too). */
    cval = 1001;
    vtimer_hw_ops.sync(v);
    assert_false(vgic_irq_is_pending(v, 27));
    vgic_flush(v);
    assert_int_equal(lrs[0], 0);
    assert_int_equal(host_gic.last_deactivated, 27);
    /* Masked, or disabled: not firing. Due again: kept. A huge offset wraps as the hardware's
     * subtraction does. */
    cval = 1000;
    ctl |= CNT_CTL_IMASK;
    assert_int_equal(vgic_inject_hw_ppi(v, 27, 27), 0);
    vtimer_hw_ops.sync(v);
    assert_false(vgic_irq_is_pending(v, 27));
    ctl = CNT_CTL_ENABLE;
    off = ~0UL; /* virtual count 1101 */
    assert_int_equal(vgic_inject_hw_ppi(v, 27, 27), 0);
    vtimer_hw_ops.sync(v);
    assert_true(vgic_irq_is_pending(v, 27));
    /* The CPU's timer is the VM's EL1 one again: it alone decides. */
    vtimer_park(v, 0, 0, 0);
    vtimer_hw_ops.sync(v);
    assert_false(vgic_irq_is_pending(v, 27));
    host_sysreg_write("cntv_ctl_el0", CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
    assert_int_equal(vgic_inject_hw_ppi(v, 27, 27), 0);
    vtimer_hw_ops.sync(v);
    assert_true(vgic_irq_is_pending(v, 27));
}

static void test_attach_refuses_bad_spi(void **state)
{
    vm.cfg.passthru_irq[0] = 300; /* beyond the VM's INTIDs */
    assert_int_equal(vgic_attach(&vm), -1);
    vm.cfg.passthru_irq[0] = 99; /* owned elsewhere (the stub says) */
    assert_int_equal(vgic_attach(&vm), -1);
}

static void test_register_arrays(void **state)
{
    /* IPRIORITYR keeps 5 bits, byte and word access. */
    reg_write(0x400 + 64, 1, 0xff, 32);
    assert_int_equal(reg_read(0x400 + 64, 1, 32), 0xf8);
    reg_write(0x400 + 64, 4, 0x01234567, 32);
    assert_int_equal(reg_read(0x400 + 64, 4, 32), 0x00204060);
    /* IGROUPR is read/write, not a set/clear array: a 0 moves an interrupt to Group 0. */
    reg_write(0x080 + 8, 4, ~0u, 32);
    reg_write(0x080 + 8, 4, 0x0000ffff, 32);
    assert_int_equal(reg_read(0x080 + 8, 4, 32), 0x0000ffff);
    assert_false(g->spi[64 + 16 - 32].group1);
    /* Half-word and misaligned accesses are ignored and read as zero. */
    reg_write(0x400 + 68, 2, 0xffff, 32);
    assert_int_equal(reg_read(0x400 + 68, 4, 32), 0);
    assert_int_equal(reg_read(0x101, 4, 32), 0);
    /* Private INTIDs through the GICv3 distributor and INTIDs past the VM's: RAZ/WI. */
    reg_write(0x100, 4, ~0u, 32);
    assert_int_equal(reg_read(0x100, 4, 32), 0);
    assert_false(g->cpu[0].priv[5].enabled);
    reg_write(0x100 + 0x7c, 4, ~0u, 32);
    assert_int_equal(reg_read(0x100 + 0x7c, 4, 32), 0);
    /* Set and clear enable. */
    reg_write(0x100 + 8, 4, 0x5, 32);
    reg_write(0x180 + 8, 4, 0x1, 32);
    assert_int_equal(reg_read(0x100 + 8, 4, 32), 0x4);
    assert_int_equal(reg_read(0x180 + 8, 4, 32), 0x4);
    /* SGIs are edge, read-only. */
    vgic_regs_access(g, 0, 0xc00, 4, true, &(uint64_t){ 0 }, 0, 32);
    uint64_t v;
    vgic_regs_access(g, 0, 0xc00, 4, false, &v, 0, 32);
    assert_int_equal(v, 0xaaaaaaaa);
}

static void test_v2_targets_and_sgis(void **state)
{
    g->grp0_en = true;
    /* ITARGETSR keeps only existing vCPUs; the lowest named one receives. */
    reg_write(0x800 + 64, 1, 0xfe, 0);
    assert_int_equal(reg_read(0x800 + 64, 1, 0), 0x2);
    assert_int_equal(g->spi[64 - 32].target, 1);
    reg_write(0x800 + 64, 1, 0xfc, 0);
    assert_int_equal(g->spi[64 - 32].target, VGIC_NO_TARGET);
    /* SGI from vCPU 1 to vCPU 0 carries its source; SGIs are always enabled on GICv2. */
    vgic_send_sgi(g, 1, 0, 3, false);
    vgic_flush(&vm.vcpu[0]);
    assert_int_equal(lrs[0] & 0xffff, 3);
    assert_true(lrs[0] & F_PEND);
    /* A second source waits until the first is done. */
    vgic_send_sgi(g, 0, 0, 3, false);
    exit_and_enter();
    assert_int_equal(lrs[1], 0);
    guest_ack();
    guest_eoi(3);
    exit_and_enter();
    assert_true(lrs[0] & F_PEND);
}

static void test_v3_sgi_routing(void **state)
{
    g->grp1_en = true;
    for (unsigned c = 0; c < 2; c++) {
        vgic_regs_access(g, c, 0x080, 4, true, &(uint64_t){ ~0UL }, 0, 32);
        vgic_regs_access(g, c, 0x100, 4, true, &(uint64_t){ 0xffff }, 0, 32);
    }
    const uint32_t a = VGIC_ICC_SGI1R;
    /* Target list {1}: vCPU 1 only, asleep off its CPU, which runs another VM: no IPI. */
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 4UL << 24 | 0x2));
    assert_true(g->cpu[1].priv[4].pending);
    assert_int_equal(host_kicks[1], 0);
    /* Running on its CPU now: that CPU is kicked. */
    vm.vcpu[1].loaded = true;
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 5UL << 24 | 0x2));
    assert_true(g->cpu[1].priv[5].pending);
    assert_false(g->cpu[0].priv[5].pending);
    assert_true(host_kicks[1] > 0);
    /* A vCPU whose MPIDR is not its index (Aff1 = 1, Aff0 = 0) is found by the general search,
     * and its index in a target list names nobody. */
    vm.vcpu[1].vmpidr = (1UL << 31) | 1UL << 8;
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 9UL << 24 | 1UL << 16 | 0x1));
    assert_true(g->cpu[1].priv[9].pending);
    assert_false(g->cpu[0].priv[9].pending);
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 10UL << 24 | 0x2));
    assert_false(g->cpu[0].priv[10].pending || g->cpu[1].priv[10].pending);
    vm.vcpu[1].vmpidr = (1UL << 31) | 1;
    /* Affinities and range selectors naming no vCPU of this VM: nothing. */
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 6UL << 24 | 1UL << 16 | 0xffff));
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 6UL << 24 | 1UL << 44 | 0xffff));
    assert_true(vgic_sysreg(&vm.vcpu[0], a, 6UL << 24 | 1UL << 48 | 0x3));
    assert_false(g->cpu[0].priv[6].pending || g->cpu[1].priv[6].pending);
    /* IRM: everyone but the sender. */
    assert_true(vgic_sysreg(&vm.vcpu[1], a, 7UL << 24 | 1UL << 40));
    assert_true(g->cpu[0].priv[7].pending);
    assert_false(g->cpu[1].priv[7].pending);
    /* ICC_SGI0R_EL1 does not reach a Group 1 SGI; another encoding is not handled (UNDEFINED;
     * a read never reaches the handler: its rows have no read, core/sysreg_trap.c). */
    assert_true(vgic_sysreg(&vm.vcpu[0], VGIC_ICC_SGI0R, 8UL << 24 | 0x2));
    assert_false(g->cpu[1].priv[8].pending);
    assert_false(vgic_sysreg(&vm.vcpu[0], SYSREG(3, 0, 12, 11, 4), 8UL << 24 | 0x2));
    assert_false(g->cpu[1].priv[8].pending);
}

/* While the interface is lent (put, a guest hypervisor's guest on it): what waits for the vCPU
 * raises, each interrupt by its own group (IGROUPR: Group 0 a FIQ, Group 1 an IRQ); none of a
 * disabled group, none below the priority mask the vCPU had. */
static void test_deliverable_groups(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    g->grp0_en = g->grp1_en = true;
    vgic_regs_access(g, 0, 0x080, 4, true, &(uint64_t){ ~(1UL << 3) }, 0, 32); /* SGI 3 in Group 0 */
    vgic_regs_access(g, 0, 0x100, 4, true, &(uint64_t){ 0xffff }, 0, 32);
    vgic_regs_access(g, 0, 0x400 + 3, 1, true, &(uint64_t){ 0x80 }, 0, 32);
    vgic_regs_access(g, 0, 0x400 + 4, 1, true, &(uint64_t){ 0x80 }, 0, 32);
    vgic_put(v);
    g->cpu[0].vmcr = 0xf0u << ICH_VMCR_VPMR_SHIFT;
    assert_int_equal(vgic_irq_deliverable(v), 0);
    vgic_send_sgi(g, 1, 0, 3, false);
    assert_int_equal(vgic_irq_deliverable(v), VGIC_WAITS_FIQ);
    vgic_send_sgi(g, 1, 0, 4, true);
    assert_int_equal(vgic_irq_deliverable(v), VGIC_WAITS_FIQ | VGIC_WAITS_IRQ);
    g->grp0_en = false;
    assert_int_equal(vgic_irq_deliverable(v), VGIC_WAITS_IRQ);
    g->grp0_en = true;
    g->cpu[0].vmcr = 0x80u << ICH_VMCR_VPMR_SHIFT; /* both at 0x80: masked */
    assert_int_equal(vgic_irq_deliverable(v), 0);
}

/* The GICv2 model: a Group 0 interrupt raises an IRQ (GICV_CTLR.FIQEn is not modelled). */
static void test_deliverable_v2_group0_irq(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    g->grp0_en = true;
    vgic_regs_access(g, 0, 0x100, 4, true, &(uint64_t){ 0xffff }, 0, 32);
    vgic_put(v);
    vgic_send_sgi(g, 1, 0, 3, false);
    assert_int_equal(vgic_irq_deliverable(v), VGIC_WAITS_IRQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_refill_by_priority, setup),
        cmocka_unit_test_setup(test_eviction_keeps_active, setup),
        cmocka_unit_test_setup(test_level_line, setup),
        cmocka_unit_test_setup(test_level_acked_before_eoi, setup),
        cmocka_unit_test_setup(test_hw_ppi_retract, setup),
        cmocka_unit_test_setup(test_emptied_lr_refilled_in_place, setup),
        cmocka_unit_test_setup(test_emptied_lr_sgi_and_level, setup),
        cmocka_unit_test_setup(test_emptied_lr_moved_interrupt, setup),
        cmocka_unit_test_setup(test_passthrough, setup),
        cmocka_unit_test_setup(test_passthrough_cpending, setup),
        cmocka_unit_test_setup(test_timer_cpending_keeps_latch, setup),
        cmocka_unit_test_setup(test_vtimer_parked_keeps_guest_timer_irq, setup),
        cmocka_unit_test_setup(test_attach_refuses_bad_spi, setup),
        cmocka_unit_test_setup(test_register_arrays, setup),
        cmocka_unit_test_setup(test_v2_targets_and_sgis, setup_v2),
        cmocka_unit_test_setup(test_v3_sgi_routing, setup),
        cmocka_unit_test_setup(test_deliverable_groups, setup),
        cmocka_unit_test_setup(test_deliverable_v2_group0_irq, setup_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
