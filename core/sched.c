/* Per physical CPU: run the vCPUs placed here, round-robin; sleep when none is runnable.
 * With one vCPU per physical CPU (static partitioning) the loop only runs when that vCPU
 * stops, blocks or yields. */
#include "core/sched.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/percpu.h"
#include "core/vmm.h"
#include "core/console_input.h"
#include "arch/aarch64/sysreg.h"

static struct vcpu *pick(unsigned cpu, unsigned *cursor)
{
    unsigned total = 0;
    for (unsigned i = 0; i < nr_vms; i++)
        total += vms[i].cfg.nr_vcpus;
    for (unsigned n = 0; n < total; n++) {
        unsigned k = (*cursor + n) % total, vmi = 0;
        while (k >= vms[vmi].cfg.nr_vcpus)
            k -= vms[vmi++].cfg.nr_vcpus;
        struct vcpu *v = &vms[vmi].vcpu[k];
        if (v->pcpu != cpu || vms[vmi].state != VM_RUNNING)
            continue;
        if (v->state == VCPU_ON_PENDING)
            v->state = VCPU_RUNNABLE;
        if (v->state == VCPU_RUNNABLE) {
            *cursor = (*cursor + n + 1) % total;
            return v;
        }
    }
    return 0;
}

void sched_loop(void)
{
    unsigned cpu = this_cpu()->id, cursor = 0;
    vcpu_cpu_init();
    for (;;) {
        struct vcpu *v = pick(cpu, &cursor);
        if (v) {
            vcpu_run(v);
            if (v->vm->state == VM_RESETTING && v->vm->reset_by == v)
                vmm_finish_reset(v->vm);
        } else {
            if (cpu == 0)
                console_input_poll();
            wfe();      /* woken by SEV from PSCI CPU_ON or VM creation */
        }
    }
}
