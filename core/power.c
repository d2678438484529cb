#include "core/power.h"
#include "core/console.h"
#include "drivers/psci.h"
#include "arch/aarch64/sysreg.h"

void power_off(void)
{
    irq_disable();
    console_flush(); /* the last lines (a crash report) are still in the console's ring */
    psci_system_off();
    for (;;)
        wfi();
}
