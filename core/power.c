#include "core/power.h"
#include "drivers/psci.h"
#include "arch/aarch64/sysreg.h"

void power_off(void)
{
    irq_disable();
    psci_system_off();
    for (;;)
        wfi();
}
