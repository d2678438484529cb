#include "core/smp.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/sched.h"
#include "core/speculation.h"
#include "drivers/psci.h"
#include "drivers/spin_table.h"
#include "arch/aarch64/sysreg.h"

extern char secondary_entry[];

static uint64_t now_ticks(void) { return sysreg_read(cntpct_el0); }

void smp_start_secondaries(void)
{
    percpu_data[0].online = true;
    cpu_count = 1;
    uint64_t entry = (uint64_t)(uintptr_t)secondary_entry;
    for (unsigned i = 1; i < platform.cpu_count; i++) {
        int64_t r = PSCI_SUCCESS;
        if (platform.cpu_release[i])
            spin_table_release(platform.cpu_release[i], platform.cpu_mpidr[i], i);
        else
            r = psci_cpu_on(platform.cpu_mpidr[i], entry, i);
        if (r != PSCI_SUCCESS) {
            printk("elvisor: CPU%u (MPIDR 0x%lx) not started: PSCI CPU_ON returned %ld\n", i,
                   (unsigned long)platform.cpu_mpidr[i], (long)r);
            continue;
        }
        /* One second of counter time is generous even for TCG. */
        uint64_t deadline = now_ticks() + sysreg_read(cntfrq_el0);
        while (!__atomic_load_n(&percpu_data[i].online, __ATOMIC_ACQUIRE) && now_ticks() < deadline)
            cpu_relax();
        if (!percpu_data[i].online)
            printk("elvisor: CPU%u (MPIDR 0x%lx) did not report in within 1 s\n", i,
                   (unsigned long)platform.cpu_mpidr[i]);
    }
    printk("elvisor: %u of %u CPUs online\n", smp_online_count(), platform.cpu_count);
}

void smp_report_online(unsigned id)
{
    char spec[200];
    speculation_describe(id, spec, sizeof(spec));
    printk("elvisor: CPU%u (MPIDR 0x%lx) online; speculation: %s\n", id, (unsigned long)percpu_data[id].mpidr, spec);
    __atomic_store_n(&percpu_data[id].online, true, __ATOMIC_RELEASE);
}

unsigned smp_online_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_CPUS; i++)
        n += percpu_data[i].online;
    return n;
}

void smp_idle(void) { sched_loop(); }
