#include "core/percpu.h"

struct percpu percpu_data[MAX_CPUS];
unsigned cpu_count;

void percpu_install(unsigned id)
{
    percpu_data[id].id = id;
    sysreg_write(tpidr_el2, &percpu_data[id]);
}
