#include "core/irq.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/console.h"
#include "core/console_input.h"
#include "drivers/pl011.h"
#include "drivers/gic.h"
#include "drivers/timer.h"
#include "vdev/vgic.h"
#include "vdev/vtimer.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/traps.h"

#define MAX_INTID 1020

static struct vm *spi_owner[MAX_INTID];
static spinlock_t owner_lock = SPINLOCK_INIT;
static uint64_t spurious[MAX_CPUS];
static volatile uint64_t kicks[MAX_CPUS]; /* IPI_KICKs received, per CPU */

void irq_init(void)
{
    struct gic_desc d;
    platform_gic_desc(&d);
    gic_init(&d);
    timer_init(platform.timer_intid[TIMER_HYP_PHYS]);
}

/* Console input: the UART's receive interrupt goes to the boot CPU (once its interface is up:
 * a GICv2 target mask is only known from the CPU itself). */
static void console_irq_init(void)
{
    if (platform.uart_intid < GIC_NR_PRIVATE || platform.uart_intid >= gic_nr_irqs())
        return;
    gic_irq_set_priority(platform.uart_intid, GIC_PRIO_HYP);
    gic_irq_set_edge(platform.uart_intid, false);
    gic_irq_route(platform.uart_intid, 0);
    gic_irq_enable(platform.uart_intid);
    pl011_enable_rx_irq();
    console_input_irq_mode();
}

void irq_cpu_init(unsigned cpu)
{
    gic_cpu_init(cpu);
    gic_irq_enable(IPI_KICK);
    timer_cpu_init();
    if (platform.gic_maint_intid) {
        gic_irq_set_priority(platform.gic_maint_intid, GIC_PRIO_HYP);
        gic_irq_enable(platform.gic_maint_intid);
    }
    if (platform.timer_intid[TIMER_VIRT]) {
        gic_irq_set_priority(platform.timer_intid[TIMER_VIRT], GIC_PRIO_HYP);
        gic_irq_enable(platform.timer_intid[TIMER_VIRT]);
    }
    if (cpu == 0)
        console_irq_init();
}

int irq_claim_spi(uint32_t intid, struct vm *vm)
{
    if (intid < GIC_NR_PRIVATE || intid >= gic_nr_irqs() || intid >= MAX_INTID || intid == platform.uart_intid)
        return -1;
    int r = -1;
    spin_lock(&owner_lock);
    if (!spi_owner[intid] || spi_owner[intid] == vm) {
        spi_owner[intid] = vm;
        r = 0;
    }
    spin_unlock(&owner_lock);
    return r;
}

void irq_release_spis(struct vm *vm)
{
    spin_lock(&owner_lock);
    for (unsigned i = 0; i < MAX_INTID; i++)
        if (spi_owner[i] == vm) {
            gic_irq_disable(i);
            spi_owner[i] = 0;
        }
    spin_unlock(&owner_lock);
}

struct vm *irq_spi_owner(uint32_t intid)
{
    return intid < MAX_INTID ? __atomic_load_n(&spi_owner[intid], __ATOMIC_ACQUIRE) : 0;
}

static void dispatch(uint32_t iar)
{
    uint32_t intid = gic_intid(iar);
    /* Drop the running priority at once; deactivation says when the source may fire again. */
    gic_eoi(iar);
    /* The guests' timers first: the most frequent by far. */
    if (intid == platform.timer_intid[TIMER_VIRT]) {
        /* Stays active until the guest deactivates its virtual copy (list-register HW bit). */
        if (!vtimer_irq())
            gic_deactivate(iar);
        return;
    }
    if (intid < GIC_NR_SGIS) {
        gic_deactivate(iar); /* IPI_KICK: waking up or leaving the guest was the point */
        kicks[this_cpu()->id]++;
        struct vcpu *v = this_cpu()->vcpu;
        if (v && __atomic_exchange_n(&v->poll_kick, false, __ATOMIC_ACQ_REL))
            vcpu_trap_wfi(v, WFI_TRAP_KICK, true); /* vcpu_poll_kick */
        return;
    }
    if (intid == platform.timer_intid[TIMER_HYP_PHYS]) {
        timer_handle_irq();
        gic_deactivate(iar);
        return;
    }
    if (intid == platform.gic_maint_intid) {
        vgic_maintenance();
        gic_deactivate(iar);
        return;
    }
    if (intid == platform.uart_intid && intid) {
        console_input_poll(); /* drains the FIFO, or masks RX while the VM's buffer is full */
        gic_deactivate(iar);
        return;
    }
    struct vm *owner = intid >= GIC_NR_PRIVATE ? irq_spi_owner(intid) : 0;
    if (owner && vgic_inject_hw_spi(owner, intid) == 0)
        return; /* the guest deactivates it */
    gic_deactivate(iar);
    spurious[this_cpu()->id]++;
}

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
    while (!vgic_vcpu_pending(v) && !vtimer_due(v) && v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING &&
           kicks[cpu] == k)
        irq_wait();
}
