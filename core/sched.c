#include "core/sched.h"
#include "arch/aarch64/sysreg.h"

void sched_loop(void)
{
    for (;;)
        wfi();
}
