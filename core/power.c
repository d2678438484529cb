#include "core/power.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/percpu.h"
#include "drivers/psci.h"
#include "arch/aarch64/sysreg.h"

/* Set once the machine is going down without PSCI: every CPU parks at its next kick. */
static bool parking;

static void __attribute__((noreturn)) park(void)
{
    for (;;)
        wfi();
}

void power_park_if_halting(void)
{
    if (__atomic_load_n(&parking, __ATOMIC_ACQUIRE)) {
        irq_disable();
        park();
    }
}

void power_off(void)
{
    irq_disable();
    console_flush(); /* the last lines (a crash report) are still in the console's ring */
    if (psci_conduit() != PSCI_CONDUIT_NONE) {
        psci_system_off();
        park(); /* firmware could not */
    }
    /* No firmware to power off through (docs/boards.md, "Boards without PSCI"): stop every
     * CPU where it is. The others find the flag in their kick handler (core/irq.c). */
    printk("elvisor: no PSCI firmware to power off or reset the machine: all CPUs parked\n");
    console_flush();
    __atomic_store_n(&parking, true, __ATOMIC_RELEASE);
    unsigned me = cpu_index();
    for (unsigned i = 0; i < MAX_CPUS; i++)
        if (i != me && percpu_data[i].online)
            irq_kick_cpu(i);
    park();
}
