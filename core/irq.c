/* Physical interrupts: a handler per INTID (irq_set_handler), registered by whoever owns the
 * interrupt: the kick IPI and the hypervisor timer here, console input, the parts of the
 * virtual CPU hardware (their init, core/vcpu_hw.h), and the vGIC for the SPIs it claims for
 * a VM (irq_claim_spi). */
#include "core/irq.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/vcpu_hw.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/console.h"
#include "core/console_input.h"
#include "core/power.h"
#include "drivers/uart.h"
#include "drivers/gic.h"
#include "drivers/gicv3_its.h"
#include "drivers/gicv2m.h"
#include "core/page_alloc.h"
#include "lib/printf.h"
#include "drivers/timer.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/traps.h"

#define MAX_INTID 1020

/* Written at boot and, for SPIs given to VMs, under owner_lock when VMs are built; read by
 * dispatch on any CPU, which finds fn published after arg. lpi_handlers only with CONFIG_ITS. */
static struct irq_entry {
    irq_handler_fn fn;
    void *arg;
} handlers[MAX_INTID], lpi_handlers[ITS_HOST_NR_LPIS];
static struct vm *spi_owner[MAX_INTID]; /* the VM an SPI is given to (irq_claim_spi) */
static spinlock_t owner_lock = SPINLOCK_INIT;
static uint64_t spurious[MAX_CPUS];
static volatile uint64_t kicks[MAX_CPUS]; /* IPI_KICKs received, per CPU */

/* The handler slot of intid: an SGI, PPI or SPI, or one of the host ITS's LPIs; NULL if none. */
static struct irq_entry *slot(uint32_t intid)
{
    if (intid < MAX_INTID)
        return &handlers[intid];
    /* Without the host ITS there are no host LPIs; the compiler then drops lpi_handlers (16 KiB). */
    if (CONFIG_ITS && intid >= GIC_LPI_BASE && intid - GIC_LPI_BASE < ITS_HOST_NR_LPIS)
        return &lpi_handlers[intid - GIC_LPI_BASE];
    return 0;
}

int irq_set_handler(uint32_t intid, irq_handler_fn fn, void *arg)
{
    struct irq_entry *h = slot(intid);
    if (!h)
        return -1;
    h->arg = arg;
    __atomic_store_n(&h->fn, fn, __ATOMIC_RELEASE);
    return 0;
}

/* IPI_KICK: waking up or leaving the guest was the point; and the news of vcpu_poll_kick.
 * Inline in irq_handle_pending, which takes the kick without the handler table. */
static inline __attribute__((always_inline)) void kicked(void)
{
    struct percpu *pc = this_cpu();
    kicks[pc->id]++;
    power_park_if_halting();
    struct vcpu *v = pc->vcpu;
    if (v && __atomic_load_n(&v->poll_kick, __ATOMIC_ACQUIRE) &&
        __atomic_exchange_n(&v->poll_kick, false, __ATOMIC_ACQ_REL))
        vcpu_trap_wfi(v, WFI_TRAP_KICK, true);
}

static bool kick_irq(uint32_t intid, void *arg)
{
    kicked();
    return false;
}

/* The kick as dispatch takes it, without the table and its indirect call. Out of line: the
 * dispatch loop keeps its small frame for every other interrupt. */
static __attribute__((noinline)) void kick_taken(void) { kicked(); }

static bool hyp_timer_irq(uint32_t intid, void *arg)
{
    timer_handle_irq();
    return false;
}

static void *its_alloc(size_t pages, size_t align) { return page_alloc(pages, align); }

void irq_init(void)
{
    struct gic_desc d;
    platform_gic_desc(&d);
    gic_init(&d);
    if (!platform_gic_v2() && platform.its.size) {
        char why[96];
        struct gicv3_its_desc id = { .gicd = platform.gicd.base, .base = platform.its.base, .alloc = its_alloc };
        if (gicv3_its_init(&id, why, sizeof(why)) < 0)
            printk("elvisor: host ITS at 0x%lx not used: %s\n", (unsigned long)platform.its.base, why);
    }
    if (platform_gic_v2() && platform.v2m.size) {
        char why[96];
        if (gicv2m_init(platform.v2m.base, why, sizeof(why)) < 0)
            printk("elvisor: host GICv2m frame at 0x%lx not used: %s\n", (unsigned long)platform.v2m.base, why);
    }
    timer_init(platform.timer_intid[TIMER_HYP_PHYS]);
    irq_set_handler(IPI_KICK, kick_irq, 0);
    if (platform.timer_intid[TIMER_HYP_PHYS])
        irq_set_handler(platform.timer_intid[TIMER_HYP_PHYS], hyp_timer_irq, 0);
    vcpu_hw_init(); /* the vGIC's maintenance interrupt, the virtual timer's PPI */
}

static bool console_irq(uint32_t intid, void *arg)
{
    console_input_poll(); /* drains the FIFO, or masks RX while the VM's buffer is full */
    return false;
}

/* Console input: the UART's receive interrupt goes to the boot CPU (once its interface is up:
 * a GICv2 target mask is only known from the CPU itself). */
static void console_irq_init(void)
{
    if (platform.uart_intid < GIC_NR_PRIVATE || platform.uart_intid >= gic_nr_irqs())
        return;
    irq_set_handler(platform.uart_intid, console_irq, 0);
    gic_irq_set_priority(platform.uart_intid, GIC_PRIO_HYP);
    gic_irq_set_edge(platform.uart_intid, false);
    gic_irq_route(platform.uart_intid, 0);
    gic_irq_enable(platform.uart_intid);
    uart_enable_rx_irq();
    console_input_irq_mode();
}

/* The host ITS's first LPI, raised by an INT command of a DeviceID mapped for the purpose: proof
 * at boot that commands, tables and LPI delivery work before any device relies on them. */
static volatile bool its_probe_seen;
static uint32_t its_probe_lpi;

static bool its_probe_irq(uint32_t intid, void *arg)
{
    its_probe_seen = true;
    return false;
}

static void its_probe(void)
{
    uint32_t lpi = gicv3_its_alloc_lpi();
    const uint32_t dev = 0, ev = 0; /* unmapped again before any device is assigned */
    if (!lpi || irq_set_handler(lpi, its_probe_irq, 0) < 0 || gicv3_its_map_device(dev, 1, true) < 0 ||
        gicv3_its_map_event(dev, ev, lpi, 0) < 0) {
        printk("elvisor: host ITS: probe LPI could not be mapped\n");
        return;
    }
    gicv3_its_int(dev, ev);
    for (unsigned i = 0; i < 1000000 && !its_probe_seen; i++)
        irq_handle_pending();
    gicv3_its_unmap_event(dev, ev);
    gicv3_its_map_device(dev, 1, false);
    irq_set_handler(lpi, 0, 0);
    gicv3_its_free_lpi(lpi);
    its_probe_lpi = lpi;
}

void irq_banner(void)
{
    if (gicv2m_ready()) {
        uint32_t first, count;
        gicv2m_range(&first, &count);
        printk("  host GICv2m frame at 0x%lx: SPIs %u..%u for assigned functions' MSIs\n",
               (unsigned long)platform.v2m.base, first, first + count - 1);
    }
    if (!gicv3_its_ready())
        return;
    char line[128];
    gicv3_its_describe(line, sizeof(line));
    printk("  host %s; probe LPI %u %s\n", line, its_probe_lpi, its_probe_seen ? "delivered" : "NOT delivered");
}

void irq_cpu_init(unsigned cpu)
{
    gic_cpu_init(cpu);
    gicv3_its_cpu_init(cpu);
    if (cpu == 0 && gicv3_its_ready())
        its_probe();
    gic_irq_enable(IPI_KICK);
    timer_cpu_init();
    vcpu_hw_cpu_init(cpu);
    if (cpu == 0)
        console_irq_init();
}

int irq_claim_spi(uint32_t intid, irq_handler_fn fn, struct vm *vm)
{
    if (intid < GIC_NR_PRIVATE || intid >= gic_nr_irqs() || intid >= MAX_INTID)
        return -1;
    int r = -1;
    spin_lock(&owner_lock);
    /* Free, or the VM's own already (a VM reset claims again). */
    if (!handlers[intid].fn || spi_owner[intid] == vm) {
        spi_owner[intid] = vm;
        irq_set_handler(intid, fn, vm);
        r = 0;
    }
    spin_unlock(&owner_lock);
    return r;
}

void irq_release_spis(struct vm *vm)
{
    spin_lock(&owner_lock);
    for (unsigned i = GIC_NR_PRIVATE; i < MAX_INTID; i++)
        if (spi_owner[i] == vm) {
            gic_irq_disable(i);
            /* arg stays: a dispatch that read fn just before still finds its VM. */
            __atomic_store_n(&handlers[i].fn, 0, __ATOMIC_RELEASE);
            spi_owner[i] = 0;
        }
    spin_unlock(&owner_lock);
}

static void dispatch(uint32_t iar)
{
    uint32_t intid = gic_intid(iar);
    /* Drop the running priority at once; deactivation says when the source may fire again. */
    gic_eoi(iar);
    if (intid == IPI_KICK) { /* the most frequent: every IPI a vCPU sends another */
        kick_taken();
        gic_deactivate(iar);
        return;
    }
    const struct irq_entry *h = slot(intid);
    if (h) {
        irq_handler_fn fn = __atomic_load_n(&h->fn, __ATOMIC_ACQUIRE);
        if (fn) {
            if (!fn(intid, h->arg))
                gic_deactivate(iar);
            return;
        }
    }
    gic_deactivate(iar);
    spurious[this_cpu()->id]++;
}

uint64_t irq_spurious_count(unsigned cpu) { return spurious[cpu]; }

void irq_handle_pending(void)
{
    for (unsigned n = 0; n < 64; n++) {
        uint32_t iar = gic_ack();
        if (gic_intid(iar) >= GIC_SPURIOUS && gic_intid(iar) <= 1023)
            return;
        dispatch(iar);
    }
}

/* Reached only if something unmasks IRQs at EL2 (nothing does today): dispatch normally. */
void el2_irq_handler(struct trap_frame *f, unsigned kind)
{
    (void)f;
    (void)kind;
    irq_handle_pending();
}

void irq_kick_cpu(unsigned cpu) { gic_send_sgi(cpu, IPI_KICK); }

void irq_kick_all(void)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        if (percpu_data[i].online)
            irq_kick_cpu(i);
}

void irq_wait(void)
{
    /* WFI wakes on a pending interrupt even with PSTATE.I set (Arm ARM D1.6.2), so nothing
     * that arrives between the caller's last check and the WFI is lost. */
    dsb_sy();
    wfi();
    irq_handle_pending();
}

void irq_vcpu_wait(struct vcpu *v)
{
    unsigned cpu = this_cpu()->id;
    uint64_t k = kicks[cpu];
    /* v stays loaded: its virtual timer runs on, and its interrupt (taken here at EL2) wakes
     * the CPU; a due timer ends the wait even if the guest has not enabled its interrupt. A
     * kick ends the wait too (WFI may complete at any time): whoever kicked wants this CPU to
     * look at its vCPUs again, e.g. the scheduler. */
    while (!vcpu_has_work(v) && v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING && kicks[cpu] == k)
        irq_wait();
}
