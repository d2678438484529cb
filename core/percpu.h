/* Per-physical-CPU data, reached through TPIDR_EL2. */
#ifndef CORE_PERCPU_H
#define CORE_PERCPU_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "arch/aarch64/config.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/traps.h"
#include "drivers/timer.h"

struct vcpu;

struct percpu {
    struct guest_regs *guest_regs; /* must stay first: vectors.S reads it at offset 0 */
    unsigned id;                   /* logical index, 0 = boot CPU */
    uint32_t spectre_exit;         /* the exit path's mitigation (core/speculation.c) */
    /* Nonzero: something the run loop must look at before the vCPU loaded here enters its guest
     * again: its state or its VM's, the end of its slice (resched), the HCR_EL2 it runs with.
     * Set by cpu_attention; an exit that finds it 0 (most) skips those checks and goes straight
     * back into the guest (vectors.S, core/vcpu.c vcpu_exit), one that finds it set clears it
     * and looks. */
    volatile uint32_t attn;
    uint64_t mpidr; /* affinity as the DTB's cpu reg gives it */
    volatile bool online;
    struct vcpu *vcpu;     /* the vCPU running here, if any */
    struct vcpu *fp_owner; /* whose FP/SIMD registers are live here */
    unsigned sharing;      /* vCPUs placed here (more than 1: time slices) */
    volatile bool resched; /* the running vCPU's slice is over */
    /* In sched_loop's sleep with no vCPU loaded: a vCPU placed here that gets work needs an
     * IPI to be looked at (vcpu_kick); otherwise the next scheduling point finds it. */
    volatile bool idle;
    unsigned resets; /* VM resets this CPU is doing step by step (core/vm_reset.c) */
    struct hyp_timer slice_timer;
};
/* The head that arch/aarch64/cpu_local.h (and so the drivers' cpu_index()) relies on. */
_Static_assert(offsetof(struct percpu, guest_regs) == CPU_LOCAL_REGS_OFFSET, "percpu head: guest_regs");
_Static_assert(offsetof(struct percpu, id) == CPU_LOCAL_ID_OFFSET, "percpu head: id");
_Static_assert(offsetof(struct percpu, spectre_exit) == CPU_LOCAL_SPECTRE_OFFSET, "percpu head: spectre_exit");
_Static_assert(offsetof(struct percpu, attn) == CPU_LOCAL_ATTN_OFFSET, "percpu head: attn");

extern struct percpu percpu_data[MAX_CPUS];
extern unsigned cpu_count;

static inline struct percpu *this_cpu(void) { return (struct percpu *)sysreg_read(tpidr_el2); }

void percpu_install(unsigned id);

/* After a change that the run loop on `cpu` must see before it enters its vCPU again (a store
 * of vm->state, a vCPU's state, HCR_EL2 bits or lines for it, resched): ordered after that
 * store. A vCPU running there leaves its guest at its next exit at the latest; whoever needs
 * it out sooner kicks it as before (vcpu_kick). */
static inline void cpu_attention(unsigned cpu) { __atomic_store_n(&percpu_data[cpu].attn, 1, __ATOMIC_SEQ_CST); }

#endif
