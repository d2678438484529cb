/* Per physical CPU: run the vCPUs placed here, round-robin; sleep when none is runnable.
 * With one vCPU per physical CPU (static partitioning) the loop only runs when that vCPU
 * stops, blocks or yields. */
#include "core/sched.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/vcpu_power.h"
#include "core/percpu.h"
#include "core/vmm.h"
#include "core/vm_reset.h"
#include "core/irq.h"
#include "core/console_input.h"
#include "core/config.h"
#include "drivers/timer.h"
#include "arch/aarch64/sysreg.h"

uint32_t sched_slice_us = CONFIG_TIME_SLICE_US;

/* A vCPU that executed WFI while sharing its CPU waits off the CPU; it is runnable again as
 * soon as it has an interrupt to take or its virtual timer expires (vcpu_has_work). */
static inline __attribute__((always_inline)) bool eligible(struct vcpu *v)
{
    if (!vcpu_power_apply(v)) /* a CPU_ON is applied here, on v's own CPU, v not loaded */
        return false;
    if (v->waiting) {
        if (!vcpu_has_work(v))
            return false;
        v->waiting = false;
    }
    return true;
}

/* The vCPUs placed on each CPU, in the order of the VM table: rebuilt by that CPU's loop when
 * the number of VMs changes (place), read only by it. */
#define MAX_PLACED (CONFIG_MAX_VMS * VM_MAX_VCPUS)
static struct vcpu *placed[MAX_CPUS][MAX_PLACED];
static unsigned nr_placed[MAX_CPUS];

static void place(unsigned cpu)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nr_vms; i++)
        for (unsigned j = 0; j < vms[i].cfg.nr_vcpus; j++)
            if (vms[i].vcpu[j].pcpu == cpu && n < MAX_PLACED)
                placed[cpu][n++] = &vms[i].vcpu[j];
    nr_placed[cpu] = n;
}

/* Round-robin over the vCPUs placed on this CPU (*cursor: the index in placed[cpu] to try
 * first), starting after the last one picked. Static so that it is inlined into sched_loop
 * (vcpu_switch: a call here cost about 30 instructions); sched_pick is the same for host
 * tests. */
static inline __attribute__((always_inline)) struct vcpu *pick(unsigned cpu, unsigned *cursor, bool *someone_waits)
{
    unsigned total = nr_placed[cpu], k = *cursor;
    *someone_waits = false;
    for (unsigned n = 0; n < total; n++, k = k + 1 == total ? 0 : k + 1) {
        struct vcpu *v = placed[cpu][k];
        if (v->vm->state != VM_RUNNING)
            continue;
        if (eligible(v)) {
            *cursor = k + 1 == total ? 0 : k + 1;
            return v;
        }
        *someone_waits |= v->waiting;
    }
    return 0;
}

struct vcpu *sched_pick(unsigned cpu, unsigned *cursor, bool *someone_waits)
{
    place(cpu); /* host tests change the placement between picks */
    if (*cursor >= nr_placed[cpu])
        *cursor = 0;
    return pick(cpu, cursor, someone_waits);
}

static void slice_over(struct hyp_timer *t)
{
    struct percpu *pc = t->arg;
    pc->resched = true;
    __atomic_store_n(&pc->attn, 1, __ATOMIC_SEQ_CST); /* cpu_attention, for this CPU */
}

/* Nothing to run on this CPU: sleep until something may have changed. */
static void idle_sleep(unsigned cpu, bool waits)
{
    if (waits) {
        irq_wait(); /* a waiting vCPU's interrupt, timer or a kick ends this */
    } else if (cpu == 0 && !console_input_irq_driven()) {
        console_input_poll(); /* a UART without an interrupt is polled here */
        wfe();
    } else {
        /* WFI, not a WFE spin (which, under QEMU TCG, keeps a host thread busy and
         * delays everyone's timers): woken by irq_kick_cpu() or an interrupt. */
        irq_wait();
    }
}

void sched_loop(void)
{
    struct percpu *pc = this_cpu();
    unsigned cpu = pc->id, cursor = 0, seen_vms = ~0u;
    uint64_t slice = 0; /* sched_slice_us in counter ticks: set with the VMs, before any slice */
    bool waits;
    vcpu_cpu_init();
    for (;;) {
        if (seen_vms != nr_vms) {
            seen_vms = nr_vms;
            place(cpu);
            pc->sharing = nr_placed[cpu];
            cursor = 0;
            slice = timer_us_to_ticks(sched_slice_us);
        }
        if (pc->resets)
            vm_reset_work(); /* one bounded step of each, between two picks */
        struct vcpu *v = pick(cpu, &cursor, &waits);
        if (!v && pc->resets) {
            irq_handle_pending(); /* no sleep while a reset has steps left */
            continue;
        }
        if (!v) {
            /* About to sleep: say so first, then look again, so that news posted by another
             * CPU either is seen here or finds idle set and sends its IPI (vcpu_kick). */
            pc->idle = true;
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            v = pick(cpu, &cursor, &waits);
            if (!v)
                idle_sleep(cpu, waits);
            pc->idle = false;
            if (!v)
                continue;
        }
        /* A slice only where vCPUs share the CPU: a pinned vCPU runs tick-free. */
        pc->resched = false;
        if (pc->sharing > 1)
            timer_start(&pc->slice_timer, timer_now() + slice, slice_over, pc);
        vcpu_run(v);
        if (pc->slice_timer.armed) /* not when the slice ran out: its timer fired (this CPU's) */
            timer_stop(&pc->slice_timer);
        if (v->vm->state == VM_RESETTING)
            vm_reset_begin(v);
    }
}
