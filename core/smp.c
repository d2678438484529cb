#include "core/smp.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/sched.h"
#include "drivers/psci.h"
#include "arch/aarch64/sysreg.h"

extern char secondary_entry[];

/* MPIDR_EL1 affinity fields Aff3[39:32], Aff2[23:16], Aff1[15:8], Aff0[7:0] (Arm ARM D19.2). */
#define MPIDR_AFF_MASK 0xff00ffffffUL

/* Makes the boot CPU logical CPU 0 whatever its place in the DTB. */
static void order_cpus(void)
{
    uint64_t me = sysreg_read(mpidr_el1) & MPIDR_AFF_MASK;
    for (unsigned i = 1; i < platform.cpu_count; i++) {
        if (platform.cpu_mpidr[i] == me) {
            platform.cpu_mpidr[i] = platform.cpu_mpidr[0];
            platform.cpu_mpidr[0] = me;
        }
    }
    for (unsigned i = 0; i < platform.cpu_count; i++)
        percpu_data[i].mpidr = platform.cpu_mpidr[i];
}

static uint64_t now_ticks(void) { return sysreg_read(cntpct_el0); }

void smp_start_secondaries(void)
{
    order_cpus();
    percpu_data[0].online = true;
    cpu_count = 1;
    uint64_t entry = (uint64_t)(uintptr_t)secondary_entry;
    for (unsigned i = 1; i < platform.cpu_count; i++) {
        int64_t r = psci_cpu_on(platform.cpu_mpidr[i], entry, i);
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
    printk("elvisor: CPU%u (MPIDR 0x%lx) online\n", id, (unsigned long)percpu_data[id].mpidr);
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
