/* Host tests of physical interrupt routing (core/irq.c) through its seams: handlers registered by
 * INTID (irq_set_handler, irq_claim_spi), the physical GIC as the stand-in gic_ops of
 * tests/host/stubs.c (which acknowledge what is pending, enabled and inactive, and record
 * priority drops, deactivations and SGIs), the virtual CPU hardware as a table of one fake part
 * (core/vcpu_hw.c: its init registers its PPI, its has_work answers as the case says), and
 * fakes for the hypervisor timer, the console and the UART. What is checked is what a handler
 * is given, what the GIC is told (deactivate or not, enable, route, SGI) and when the waits of
 * a CPU end. irq.c keeps its handlers across cases: each case starts from a boot (irq_init,
 * irq_cpu_init) and the teardown gives every INTID back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/irq.h"
#include "drivers/gicv3_its.h"
#include "core/vm.h"
#include "core/vcpu_hw.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/console_input.h"
#include "drivers/uart.h"
#include "drivers/timer.h"
#include "tests/host/stubs.h"

#define HYP_TIMER_PPI 26
#define PART_PPI      25 /* the fake part's interrupt, as the vGIC's maintenance interrupt */
#define UART_SPI      33
#define ONLINE_CPUS   4
#define BUDGET        64 /* what one irq_handle_pending call handles at most */

/* ---- fakes of the timer, console and UART drivers ------------------------------------------ */

static struct {
    unsigned gic_inits, timer_inits, timer_cpu_inits, timer_irqs, console_polls, rx_enables, irq_modes;
    uint32_t timer_ppi;
} drv;

void platform_gic_desc(struct gic_desc *d) { memset(d, 0, sizeof(*d)); }
void gic_init(const struct gic_desc *d) { drv.gic_inits++; }
void timer_init(uint32_t hyp_ppi)
{
    drv.timer_inits++;
    drv.timer_ppi = hyp_ppi;
}
void timer_cpu_init(void) { drv.timer_cpu_inits++; }
/* Each handler lowers its (level) line, as the real ones do: the timer re-armed, the FIFO read. */
void timer_handle_irq(void)
{
    drv.timer_irqs++;
    host_irq(HYP_TIMER_PPI)->pending = false;
}
void console_input_poll(void)
{
    drv.console_polls++;
    host_irq(UART_SPI)->pending = false;
}
void console_input_irq_mode(void) { drv.irq_modes++; }
void uart_enable_rx_irq(void) { drv.rx_enables++; }
/* No host ITS on this machine (platform.its is empty): irq_init never starts it. */
int gicv3_its_init(const struct gicv3_its_desc *d, char *why, size_t cap) { return -1; }
bool gicv3_its_ready(void) { return false; }
void gicv3_its_cpu_init(unsigned cpu) {}
void gicv3_its_describe(char *buf, size_t cap) {}
uint32_t gicv3_its_alloc_lpi(void) { return 0; }
void gicv3_its_free_lpi(uint32_t intid) {}
int gicv3_its_map_device(uint32_t dev, unsigned event_bits, bool valid) { return -1; }
int gicv3_its_map_event(uint32_t dev, uint32_t ev, uint32_t intid, unsigned cpu) { return -1; }
void gicv3_its_unmap_event(uint32_t dev, uint32_t ev) {}
void gicv3_its_int(uint32_t dev, uint32_t ev) {}
/* No host GICv2m frame either (platform.v2m is empty). */
int gicv2m_init(uint64_t base, char *why, size_t cap) { return -1; }
bool gicv2m_ready(void) { return false; }
void gicv2m_range(uint32_t *first, uint32_t *count) { *first = *count = 0; }

/* ---- one fake part of the virtual CPU hardware ---------------------------------------------- */

static struct {
    bool work; /* has_work's answer */
    unsigned irqs, cpu_inits, asks;
} fake_part;

static bool part_irq(uint32_t intid, void *arg)
{
    fake_part.irqs++;
    host_irq(PART_PPI)->pending = false;
    return false;
}
static void part_init(void) { irq_set_handler(PART_PPI, part_irq, 0); }
static void part_cpu_init(unsigned cpu)
{
    fake_part.cpu_inits++;
    gic_irq_enable(PART_PPI);
}
static void nop(struct vcpu *v) {}
/* Asked once per turn of irq_vcpu_wait's loop: a wait that goes on with nothing pending never
 * ends, so many turns fail the case. */
static bool part_has_work(struct vcpu *v)
{
    if (++fake_part.asks > 1000)
        fail_msg("the wait did not end");
    return fake_part.work;
}

static const struct vcpu_hw_ops part_ops = {
    .init = part_init, .cpu_init = part_cpu_init, .load = nop, .put = nop, .has_work = part_has_work
};
const struct vcpu_hw_ops *const vcpu_hw_parts[] = { &part_ops };
const unsigned vcpu_hw_nr = 1;

/* ---- a handler that records what it is given ------------------------------------------------ */

static struct {
    unsigned calls;
    uint32_t intid;
    void *arg;
    bool hand_on;   /* return true: the interrupt goes on to a guest, still active */
    bool lower;     /* lower a level line, as a device handler does */
    bool give_work; /* the fake part has work afterwards (e.g. an interrupt injected) */
} rec;

static bool record(uint32_t intid, void *arg)
{
    rec.calls++;
    rec.intid = intid;
    rec.arg = arg;
    if (rec.lower)
        host_irq(intid)->pending = false;
    if (rec.give_work)
        fake_part.work = true;
    return rec.hand_on;
}

/* A device raises intid as the calling CPU sees it (SPIs are routed to CPU 0 unless said). */
static void raise_line(uint32_t intid, bool edge)
{
    struct host_irq *h = host_irq(intid);
    h->enabled = true;
    h->pending = true;
    h->edge = edge;
}

static struct vm vm_a, vm_b;
static int token;
static uint64_t spurious_before[MAX_CPUS]; /* irq.c counts from boot, across cases */

/* Spurious interrupts on cpu since the case began. */
static uint64_t spurious(unsigned cpu) { return irq_spurious_count(cpu) - spurious_before[cpu]; }

static int setup(void **state)
{
    host_reset();
    memset(&drv, 0, sizeof(drv));
    memset(&fake_part, 0, sizeof(fake_part));
    memset(&rec, 0, sizeof(rec));
    memset(percpu_data, 0, sizeof(percpu_data));
    for (unsigned c = 0; c < MAX_CPUS; c++) {
        spurious_before[c] = irq_spurious_count(c);
        host_set_cpu(c);
        percpu_install(c);
        percpu_data[c].online = c < ONLINE_CPUS;
    }
    host_set_cpu(0);
    memset(&vm_a, 0, sizeof(vm_a));
    memset(&vm_b, 0, sizeof(vm_b));
    vm_a.nr_hw = vm_b.nr_hw = 1;
    vm_a.hw[0].ops = vm_b.hw[0].ops = &part_ops;
    vm_a.cfg.nr_vcpus = 1;
    vm_a.vcpu[0].vm = &vm_a;
    vm_a.vcpu[0].state = VCPU_RUNNABLE;
    platform.timer_intid[TIMER_HYP_PHYS] = HYP_TIMER_PPI;
    platform.uart_intid = UART_SPI;
    irq_init();
    irq_cpu_init(0);
    return 0;
}

static int teardown(void **state)
{
    irq_release_spis(&vm_a);
    irq_release_spis(&vm_b);
    for (uint32_t i = 0; i < HOST_NR_INTIDS; i++)
        irq_set_handler(i, 0, 0);
    return 0;
}

/* ---- cases: dispatch ------------------------------------------------------------------------ */

static void test_a_handler_gets_its_intid_and_argument(void **state)
{
    assert_int_equal(irq_set_handler(40, record, &token), 0);
    raise_line(40, true);
    irq_handle_pending();
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.intid, 40);
    assert_ptr_equal(rec.arg, &token);
    assert_int_equal(host_gic.nr_eois, 1); /* priority dropped */
    assert_int_equal(host_gic.nr_deactivates, 1);
    assert_int_equal(host_gic.last_deactivated, 40);
    assert_false(host_gic.spi[40].active);
    assert_int_equal(spurious(0), 0);
}

static void test_a_handler_that_hands_it_on_leaves_it_active(void **state)
{
    irq_set_handler(40, record, &token);
    rec.hand_on = true; /* to a guest through a list register's HW bit */
    raise_line(40, true);
    irq_handle_pending();
    assert_int_equal(rec.calls, 1);
    assert_int_equal(host_gic.nr_eois, 1);
    assert_int_equal(host_gic.nr_deactivates, 0); /* the guest's deactivation ends it */
    assert_true(host_gic.spi[40].active);
}

static void test_an_sgi_from_another_cpu_reaches_its_handler(void **state)
{
    irq_set_handler(5, record, &token);
    gic_irq_enable(5);
    host_set_cpu(3);
    gic_send_sgi(0, 5); /* CPU 3 sends SGI 5 to CPU 0 */
    host_set_cpu(0);
    irq_handle_pending();
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.intid, 5);
    assert_int_equal(host_gic.last_deactivated, 5);
    assert_false(host_gic.priv[0][5].active);
}

static void test_an_interrupt_nobody_handles_is_deactivated_and_counted(void **state)
{
    raise_line(50, true);
    irq_handle_pending();
    assert_int_equal(host_gic.nr_deactivates, 1);
    assert_int_equal(host_gic.last_deactivated, 50);
    assert_false(host_gic.spi[50].active);
    assert_int_equal(spurious(0), 1);
    /* A handler taken away: the same. And each CPU counts its own. */
    irq_set_handler(51, record, 0);
    irq_set_handler(51, 0, 0);
    host_gic.spi[51].route = 1;
    host_set_cpu(1);
    raise_line(51, true);
    irq_handle_pending();
    assert_int_equal(rec.calls, 0);
    assert_int_equal(host_gic.last_deactivated, 51);
    assert_int_equal(spurious(1), 1);
    assert_int_equal(spurious(0), 1);
}

static void test_handling_goes_on_until_nothing_is_pending(void **state)
{
    irq_set_handler(40, record, 0);
    irq_set_handler(41, record, 0);
    irq_set_handler(7, record, 0);
    raise_line(40, true);
    raise_line(41, true);
    gic_irq_enable(7);
    gic_send_sgi(0, 7);
    irq_handle_pending();
    assert_int_equal(rec.calls, 3);
    assert_int_equal(host_gic.nr_acks, 3);
    assert_int_equal(host_gic.nr_deactivates, 3);
    assert_int_equal(spurious(0), 0); /* the spurious INTID ends it, not counted */
    irq_handle_pending();             /* nothing pending: nothing done */
    assert_int_equal(rec.calls, 3);
}

static void test_handling_is_bounded(void **state)
{
    irq_set_handler(45, record, 0);
    raise_line(45, false); /* a level line its handler never lowers */
    irq_handle_pending();
    assert_int_equal(rec.calls, BUDGET);
    rec.lower = true;
    irq_handle_pending(); /* the caller comes back; now the line goes down */
    assert_int_equal(rec.calls, BUDGET + 1);
    assert_false(host_gic.spi[45].pending);
}

/* ---- cases: kicks and waits ------------------------------------------------------------------ */

static void test_a_kick_is_an_sgi_to_the_cpu_named(void **state)
{
    irq_kick_cpu(2);
    assert_int_equal(host_gic.sgis[2][IPI_KICK], 1);
    assert_int_equal(host_gic.sgis[0][IPI_KICK] + host_gic.sgis[1][IPI_KICK], 0);
    irq_kick_all();
    for (unsigned c = 0; c < MAX_CPUS; c++)
        assert_int_equal(host_gic.sgis[c][IPI_KICK], (c < ONLINE_CPUS) + (c == 2));
}

static void test_a_kick_ends_a_vcpus_wait(void **state)
{
    struct vcpu *v = &vm_a.vcpu[0];
    irq_kick_cpu(0); /* e.g. the scheduler wants this CPU back */
    irq_vcpu_wait(v);
    assert_int_equal(host_gic.nr_acks, 1);
    assert_int_equal(host_gic.last_deactivated, IPI_KICK);
    assert_int_equal(spurious(0), 0);
    assert_int_equal(v->wfi_trap, 0); /* a plain kick */
}

static void test_a_wait_ends_when_a_part_has_work(void **state)
{
    struct vcpu *v = &vm_a.vcpu[0];
    fake_part.work = true;
    irq_vcpu_wait(v); /* work due already: no sleep */
    assert_int_equal(host_gic.nr_acks, 0);
    fake_part.work = false;
    irq_set_handler(40, record, v);
    rec.give_work = true; /* a device interrupt injected into the VM */
    raise_line(40, true);
    irq_vcpu_wait(v);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(host_gic.sgis[0][IPI_KICK], 0);
}

static bool stop_vm(uint32_t intid, void *arg)
{
    ((struct vm *)arg)->state = VM_STOPPED;
    return false;
}

static void test_a_wait_ends_when_the_vm_stops(void **state)
{
    irq_set_handler(40, stop_vm, &vm_a);
    raise_line(40, true);
    irq_vcpu_wait(&vm_a.vcpu[0]);
    assert_int_equal(vm_a.state, VM_STOPPED);
    assert_int_equal(host_gic.nr_acks, 1);
}

static void test_a_kick_for_a_polling_guest_traps_its_next_wfi(void **state)
{
    struct vcpu *v = &vm_a.vcpu[0];
    this_cpu()->vcpu = v; /* running here */
    v->poll_kick = true;  /* vcpu_poll_kick from the console */
    irq_kick_cpu(0);
    irq_handle_pending();
    assert_int_equal(v->wfi_trap, WFI_TRAP_KICK);
    assert_false(v->poll_kick);
}

/* ---- cases: SPIs given to VMs ---------------------------------------------------------------- */

static void test_claim_refuses_private_and_missing_intids(void **state)
{
    gic_lines = 64;
    assert_int_equal(irq_claim_spi(0, record, &vm_a), -1);
    assert_int_equal(irq_claim_spi(15, record, &vm_a), -1);
    assert_int_equal(irq_claim_spi(16, record, &vm_a), -1);
    assert_int_equal(irq_claim_spi(31, record, &vm_a), -1);
    assert_int_equal(irq_claim_spi(64, record, &vm_a), -1); /* beyond the distributor */
    assert_int_equal(irq_claim_spi(63, record, &vm_a), 0);
    gic_lines = HOST_NR_INTIDS;
    assert_int_equal(irq_claim_spi(1020, record, &vm_a), -1); /* a special INTID */
    assert_int_equal(irq_claim_spi(1019, record, &vm_a), 0);
    assert_int_equal(irq_set_handler(1020, record, 0), -1);
}

static void test_claim_refuses_the_hypervisors_spis(void **state)
{
    assert_int_equal(irq_claim_spi(UART_SPI, record, &vm_a), -1); /* the console's */
    raise_line(UART_SPI, false);
    irq_handle_pending();
    assert_int_equal(drv.console_polls, 1); /* still the console's */
    assert_int_equal(rec.calls, 0);
    irq_set_handler(60, record, 0);
    assert_int_equal(irq_claim_spi(60, record, &vm_a), -1);
}

static void test_an_spi_belongs_to_one_vm(void **state)
{
    assert_int_equal(irq_claim_spi(40, record, &vm_a), 0);
    assert_int_equal(irq_claim_spi(40, record, &vm_b), -1);
    assert_int_equal(irq_claim_spi(40, record, &vm_a), 0); /* its own again: a VM reset */
    raise_line(40, true);
    irq_handle_pending();
    assert_int_equal(rec.intid, 40);
    assert_ptr_equal(rec.arg, &vm_a);
}

static void test_release_gives_a_vms_spis_back_disabled(void **state)
{
    assert_int_equal(irq_claim_spi(40, record, &vm_a), 0);
    assert_int_equal(irq_claim_spi(41, record, &vm_a), 0);
    assert_int_equal(irq_claim_spi(42, record, &vm_b), 0);
    for (uint32_t i = 40; i <= 42; i++)
        gic_irq_enable(i); /* as the vGIC does when the guest enables them */
    irq_release_spis(&vm_a);
    assert_false(host_gic.spi[40].enabled);
    assert_false(host_gic.spi[41].enabled);
    assert_true(host_gic.spi[42].enabled);
    raise_line(40, true); /* had it fired anyway: nobody's now */
    irq_handle_pending();
    assert_int_equal(rec.calls, 0);
    assert_int_equal(spurious(0), 1);
    assert_int_equal(irq_claim_spi(40, record, &vm_b), 0); /* free for another VM */
    raise_line(42, true);
    irq_handle_pending();
    assert_ptr_equal(rec.arg, &vm_b);
    assert_int_equal(rec.intid, 42);
}

/* ---- cases: boot ---------------------------------------------------------------------------- */

static void test_boot_registers_the_hypervisors_interrupts(void **state)
{
    assert_int_equal(drv.gic_inits, 1);
    assert_int_equal(drv.timer_ppi, HYP_TIMER_PPI);
    raise_line(HYP_TIMER_PPI, false);
    raise_line(PART_PPI, false);
    irq_handle_pending();
    assert_int_equal(drv.timer_irqs, 1);
    assert_int_equal(fake_part.irqs, 1);
    assert_int_equal(spurious(0), 0);
}

static void test_each_cpu_brings_up_its_own_interrupts(void **state)
{
    /* CPU 0 (in setup): its interface, kick, timer, the parts, and the console's SPI. */
    assert_int_equal(host_gic.nr_cpu_inits, 1);
    assert_true(host_gic.priv[0][IPI_KICK].enabled);
    assert_true(host_gic.priv[0][PART_PPI].enabled);
    assert_int_equal(drv.timer_cpu_inits, 1);
    assert_int_equal(fake_part.cpu_inits, 1);
    const struct host_irq *uart = &host_gic.spi[UART_SPI];
    assert_true(uart->enabled);
    assert_false(uart->edge);
    assert_int_equal(uart->priority, GIC_PRIO_HYP);
    assert_int_equal(uart->route, 0);
    assert_int_equal(drv.rx_enables, 1);
    assert_int_equal(drv.irq_modes, 1);
    host_set_cpu(2);
    irq_cpu_init(2);
    assert_int_equal(host_gic.nr_cpu_inits, 2);
    assert_true(host_gic.priv[2][IPI_KICK].enabled);
    assert_true(host_gic.priv[2][PART_PPI].enabled);
    assert_int_equal(fake_part.cpu_inits, 2);
    assert_int_equal(drv.rx_enables, 1); /* the console stays on the boot CPU */
}

static void test_a_uart_without_a_usable_spi_is_polled(void **state)
{
    teardown(state);
    platform.uart_intid = 0;
    irq_cpu_init(0);
    assert_int_equal(drv.rx_enables, 1); /* only setup's */
    assert_int_equal(irq_claim_spi(UART_SPI, record, &vm_a), 0);
}

static int group_setup(void **state)
{
    alarm(10); /* a wait that never ends fails the program instead of hanging */
    return 0;
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_a_handler_gets_its_intid_and_argument),
        CASE(test_a_handler_that_hands_it_on_leaves_it_active),
        CASE(test_an_sgi_from_another_cpu_reaches_its_handler),
        CASE(test_an_interrupt_nobody_handles_is_deactivated_and_counted),
        CASE(test_handling_goes_on_until_nothing_is_pending),
        CASE(test_handling_is_bounded),
        CASE(test_a_kick_is_an_sgi_to_the_cpu_named),
        CASE(test_a_kick_ends_a_vcpus_wait),
        CASE(test_a_wait_ends_when_a_part_has_work),
        CASE(test_a_wait_ends_when_the_vm_stops),
        CASE(test_a_kick_for_a_polling_guest_traps_its_next_wfi),
        CASE(test_claim_refuses_private_and_missing_intids),
        CASE(test_claim_refuses_the_hypervisors_spis),
        CASE(test_an_spi_belongs_to_one_vm),
        CASE(test_release_gives_a_vms_spis_back_disabled),
        CASE(test_boot_registers_the_hypervisors_interrupts),
        CASE(test_each_cpu_brings_up_its_own_interrupts),
        CASE(test_a_uart_without_a_usable_spi_is_polled),
    };
    return cmocka_run_group_tests_name("irq", tests, group_setup, NULL);
}
