/* The guest's PMUv3 (Arm ARM D13 "The Performance Monitors Extension"), a part of the virtual
 * CPU hardware (core/vcpu_hw.h): the host's counters, all of them (MDCR_EL2.HPMN = the host's
 * PMCR_EL0.N, the fewest any CPU has), lent to the vCPU that runs and switched with it, so that
 * they count only that vCPU, and only at EL1 and EL0.
 *
 * Lazily: a vCPU that has never touched its PMU costs a vCPU switch a test and nothing else.
 * MDCR_EL2.TPMCR and TPM (set by core for every guest) trap its first access to any PMU
 * register; from then on the vCPU "uses" its PMU (until its VM resets): its state is restored
 * on load and saved on put, the event counters only where the guest programmed or enabled them
 * (hw_live below). Every access, PMCR_EL0's included (TPM covers all PMU registers; measured:
 * a PMCR_EL0 read with TPMCR clear still traps), goes to the rows below, which do the access on
 * the hardware with what the guest may not do taken out (PMCR_EL0.N reads the guest's count):
 *  - EL2 and EL3 are never counted: a type or filter written with NSH = 1 is written with
 *    NSH = 0, and with EL3 present M = !P, NSK = P, NSU = U (D13.4 "Filtering by Exception
 *    level"), so that only Non-secure EL1 and EL0 count as the guest asked; the guest sees a
 *    CPU without EL2 and EL3, where these fields are RES0, and reads them so.
 *  - counters the guest does not have (n >= its N) are UNDEFINED by number and RAZ/WI through
 *    PMSELR_EL0 (CONSTRAINED UNPREDICTABLE, D13.3);
 *  - the bitmask registers keep only the guest's counters' bits.
 * EL0 accesses are first checked by the hardware against the guest's PMUSERENR_EL0, which is
 * live while the vCPU is loaded (and 0 while a vCPU that does not use its PMU runs): what the
 * guest's EL1 did not allow traps to its EL1, what it allowed traps here like an EL1 access.
 *
 * While no vCPU that uses its PMU is loaded, the hardware is quiet: counters disabled, no
 * overflow flagged or enabled as an interrupt, PMUSERENR_EL0 = 0 (set at boot by cpu_init,
 * kept by put).
 *
 * The overflow interrupt: the PMU's physical PPI (platform.pmu_intid) goes to EL2 (HCR_EL2.IMO)
 * while the vCPU runs; the guest's line, its virtual PPI 23 (VPMU_VIRQ), follows the condition
 * PMCR_EL0.E and some counter with PMOVSSET & PMINTENSET (D13.7 "Generating overflow interrupt
 * requests") as a level on the vGIC. While a counter is flagged with its interrupt enabled the
 * physical PPI is disabled (the physical line stays high until the guest clears the overflow,
 * and would interrupt the hypervisor without end), and the part syncs after every exit: the
 * level falls, and the PPI is enabled again, when the guest clears the flag or the enable (a
 * trapped write); a change of PMCR_EL0.E moves the level at the next exit. A descheduled vCPU
 * keeps its level on the vGIC.
 *
 * Concurrency: the rows, the interrupt, load, put and sync run on the vCPU's physical CPU with
 * IRQs masked; attach runs while the VM's vCPUs are not loaded. */
#include "vdev/vpmu.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "core/irq.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/vdev.h"
#include "drivers/gic.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/mdcr.h"
#include "arch/aarch64/regs/pmu.h"
#include "lib/fdt_write.h"

/* A vCPU's PMU as the hardware holds it while the vCPU runs (types and filters as written to
 * the hardware, see filter_to_hw). */
struct vpmu {
    bool used;     /* touched since the VM's last reset: switched with the vCPU */
    bool level;    /* the virtual PPI as last set on the vGIC */
    uint32_t live; /* event counters whose type or value the guest wrote, or that it enabled */
    uint64_t pmcr, selr, userenr, ccfiltr, ccntr, cntenset, intenset, ovsset;
    uint64_t evcntr[PMU_MAX_EVCOUNTERS], evtyper[PMU_MAX_EVCOUNTERS];
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VPMU].state): one per vCPU. */
struct vpmu_vm {
    struct vpmu cpu[VM_MAX_VCPUS];
};

/* Set at boot (init, cpu_init) before any VM is built. */
static uint64_t version;          /* ID_AA64DFR0_EL1.PMUVer guests see; 0: the part is not active */
static unsigned nr_counters;      /* event counters each guest has: the fewest a CPU has */
static bool host_el3;             /* the NSK, NSU and M filters exist (D13.4) */
static bool ppi_masked[MAX_CPUS]; /* this CPU's physical PPI is disabled (a guest's level is high) */
/* Event counters of this CPU whose type or value may differ from the reset state: the live ones
 * of the vCPU last loaded that uses its PMU (all of them at boot). Only these and the incoming
 * vCPU's live ones are written at a load, and only a vCPU's live ones are saved at its put: a
 * guest that never programs an event counter (Linux without perf running) switches none. */
static uint32_t hw_live[MAX_CPUS];

/* Whether vm's guests have a PMU: the part is active and the configuration does not say
 * "no-pmu" (cpu-features). A VM without one never uses it: every access traps (MDCR_EL2.TPM,
 * TPMCR stay set) and is UNDEFINED, HPMN stays 0. */
static bool pmu_on(const struct vm *vm) { return version && !vm_cpu_feature_off(&vm->cfg, CPU_FEAT_PMU); }

static struct vpmu *pmu_of(const struct vcpu *v)
{
    return &((struct vpmu_vm *)v->vm->hw[VCPU_HW_VPMU].state)->cpu[v->id];
}

/* The guest's counters in the bitmask registers: event counters 0..N-1 and the cycle counter. */
static uint32_t event_counters(void) { return (uint32_t)(REG_BIT(nr_counters) - 1); }
static uint64_t counter_mask(void) { return event_counters() | PMU_CYCLE_BIT; }

/* ---- event counters and types by number (PMEVCNTR<n>_EL0, PMEVTYPER<n>_EL0) ---- */

/* clang-format off */
#define PMU_EACH_COUNTER(X) \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) \
    X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30)
/* clang-format on */

static uint64_t evcntr_read(unsigned n)
{
    switch (n) {
#define CASE(i) \
    case i:     \
        return sysreg_read(pmevcntr##i##_el0);
        PMU_EACH_COUNTER(CASE)
#undef CASE
    }
    return 0;
}

static void evcntr_write(unsigned n, uint64_t val)
{
    switch (n) {
#define CASE(i)                               \
    case i:                                   \
        sysreg_write(pmevcntr##i##_el0, val); \
        break;
        PMU_EACH_COUNTER(CASE)
#undef CASE
    }
}

static uint64_t evtyper_read(unsigned n)
{
    switch (n) {
#define CASE(i) \
    case i:     \
        return sysreg_read(pmevtyper##i##_el0);
        PMU_EACH_COUNTER(CASE)
#undef CASE
    }
    return 0;
}

static void evtyper_write(unsigned n, uint64_t val)
{
    switch (n) {
#define CASE(i)                                \
    case i:                                    \
        sysreg_write(pmevtyper##i##_el0, val); \
        break;
        PMU_EACH_COUNTER(CASE)
#undef CASE
    }
}

/* ---- the Exception level filters (D13.4) ---- */

/* evtCount: 16 bits from FEAT_PMUv3p1, 10 before (PMEVTYPER<n>_EL0). */
static uint64_t event_mask(void)
{
    return version > ID_AA64DFR0_EL1_PMUVER_V3 ? PMEVTYPER_EVTCOUNT_MASK : REG_MASK(10, PMEVTYPER_EVTCOUNT_SHIFT);
}

/* What the hardware gets for a guest's type (events: event_mask(); PMCCFILTR_EL0: 0): its P, U
 * and event; never EL2 (NSH = 0, SH = 0); with EL3, NSK and NSU equal to P and U (Non-secure
 * EL1 and EL0 counted as P and U say) and M unequal to P (EL3 not counted). */
static uint64_t filter_to_hw(uint64_t val, uint64_t events)
{
    uint64_t hw = val & (PMEVTYPER_P | PMEVTYPER_U | events);
    if (host_el3)
        hw |= (val & PMEVTYPER_P ? PMEVTYPER_NSK : PMEVTYPER_M) | (val & PMEVTYPER_U ? PMEVTYPER_NSU : 0);
    return hw;
}

/* What the guest reads back: a CPU without EL2 and EL3, where the other filters are RES0. */
static uint64_t filter_from_hw(uint64_t hw, uint64_t events) { return hw & (PMEVTYPER_P | PMEVTYPER_U | events); }

/* ---- switching ---- */

/* MDCR_EL2's PMU fields for a vCPU that uses its PMU (its counters, PMCR_EL0 its own) and for
 * every other (core's setting: everything traps, no counters). Only these fields change: others
 * belong to core and to other parts. */
static void mdcr_set(bool used)
{
    uint64_t mdcr = sysreg_read(mdcr_el2) & ~(MDCR_EL2_HPMN_MASK | MDCR_EL2_TPMCR);
    if (used)
        mdcr |= REG_FIELD(nr_counters, MDCR_EL2_HPMN_SHIFT);
    else
        mdcr |= MDCR_EL2_TPMCR;
    sysreg_write(mdcr_el2, mdcr);
}

static void ppi_mask(bool masked)
{
    unsigned cpu = cpu_index();
    if (ppi_masked[cpu] == masked)
        return;
    ppi_masked[cpu] = masked;
    if (masked)
        gic_irq_disable(platform.pmu_intid);
    else
        gic_irq_enable(platform.pmu_intid);
}

/* v is loaded and uses its PMU: its virtual PPI follows the overflow condition (D13.7: PMCR_EL0.E
 * and a counter flagged with its interrupt enabled). The physical PPI is disabled while a
 * counter is flagged with its interrupt enabled, E or not: a CPU may keep its line up after E
 * is cleared (QEMU does), which, left enabled, would interrupt the hypervisor without end. */
static void update_irq(struct vcpu *v, struct vpmu *p)
{
    bool flagged = sysreg_read(pmovsset_el0) & sysreg_read(pmintenset_el1) & counter_mask();
    bool level = flagged && (sysreg_read(pmcr_el0) & PMCR_EL0_E);
    if (level != p->level) {
        p->level = level;
        vgic_set_level(v->vm, v, VPMU_VIRQ, level);
    }
    ppi_mask(flagged);
    v->hw_sync.part[VCPU_HW_VPMU] = flagged;
}

/* The quiet hardware: nothing counts, flags or interrupts, EL0 reaches nothing. */
static void quiesce(void)
{
    sysreg_write(pmcr_el0, 0);
    sysreg_write(pmcntenclr_el0, UINT32_MAX);
    sysreg_write(pmintenclr_el1, UINT32_MAX);
    sysreg_write(pmovsclr_el0, UINT32_MAX);
    sysreg_write(pmuserenr_el0, 0);
    isb();
}

/* Into the quiet hardware: the counters and their types first, then the flags and enables, and
 * PMCR_EL0 (which starts counting) last. */
static void restore(const struct vpmu *p)
{
    unsigned cpu = cpu_index();
    /* A counter that is not live holds its reset type and value in p (reset() and never saved). */
    for (uint32_t m = (p->live | hw_live[cpu]) & event_counters(); m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctz(m);
        evtyper_write(i, p->evtyper[i]);
        evcntr_write(i, p->evcntr[i]);
    }
    hw_live[cpu] = p->live;
    sysreg_write(pmccfiltr_el0, p->ccfiltr);
    sysreg_write(pmccntr_el0, p->ccntr);
    sysreg_write(pmselr_el0, p->selr);
    sysreg_write(pmuserenr_el0, p->userenr);
    sysreg_write(pmovsset_el0, p->ovsset);
    sysreg_write(pmintenset_el1, p->intenset);
    sysreg_write(pmcntenset_el0, p->cntenset);
    mdcr_set(true);
    sysreg_write(pmcr_el0, p->pmcr);
    isb();
}

/* Architectural reset (D13.1: the enables and flags 0, counting off), every type and filter
 * counting EL1 and EL0 only. */
static void reset(struct vpmu *p)
{
    *p = (struct vpmu){ .used = p->used, .level = p->level };
    p->ccfiltr = filter_to_hw(0, 0);
    for (unsigned i = 0; i < nr_counters; i++)
        p->evtyper[i] = filter_to_hw(0, 0);
}

/* The first access since the VM's reset: from now on the vCPU's PMU is switched with it. */
static struct vpmu *use(struct vcpu *v)
{
    struct vpmu *p = pmu_of(v);
    if (!p->used) {
        reset(p);
        p->used = true;
        vcpu_hw_switched(v, VCPU_HW_VPMU, true);
        restore(p);
    }
    return p;
}

static void vpmu_load(struct vcpu *v)
{
    struct vpmu *p = pmu_of(v);
    if (!p->used)
        return;
    restore(p);
    update_irq(v, p);
}

/* Counting stops first (PMCR_EL0.E = 0), so that the values saved are those the guest left.
 * The guest's level stays on the vGIC: its interrupt is pending while it is descheduled. Out of
 * line, so that a vCPU that does not use its PMU pays put a test and no stack frame. */
static __attribute__((noinline)) void save(struct vcpu *v, struct vpmu *p)
{
    p->pmcr = sysreg_read(pmcr_el0) & PMCR_EL0_WRITABLE & ~(PMCR_EL0_P | PMCR_EL0_C);
    sysreg_write(pmcr_el0, 0);
    isb();
    uint64_t mask = counter_mask();
    p->ccntr = sysreg_read(pmccntr_el0);
    p->ccfiltr = sysreg_read(pmccfiltr_el0);
    p->selr = sysreg_read(pmselr_el0) & PMSELR_EL0_SEL_MASK;
    p->userenr = sysreg_read(pmuserenr_el0) & PMUSERENR_EL0_WRITABLE;
    p->cntenset = sysreg_read(pmcntenset_el0) & mask;
    p->intenset = sysreg_read(pmintenset_el1) & mask;
    p->ovsset = sysreg_read(pmovsset_el0) & mask;
    for (uint32_t m = p->live; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctz(m);
        p->evcntr[i] = evcntr_read(i);
        p->evtyper[i] = evtyper_read(i);
    }
    quiesce();
    mdcr_set(false);
    ppi_mask(false);
    v->hw_sync.part[VCPU_HW_VPMU] = 0;
}

static void vpmu_put(struct vcpu *v)
{
    struct vpmu *p = pmu_of(v);
    if (p->used)
        save(v, p);
}

/* After each exit while the guest's level is high: PMCR_EL0.E, which the guest writes without
 * a trap, may have lowered it. */
static void vpmu_sync(struct vcpu *v) { update_irq(v, pmu_of(v)); }

/* The physical PPI: a counter of the loaded vCPU overflowed with its interrupt enabled. With
 * no such vCPU loaded (the line fell before it was taken) there is nothing to do. */
static bool vpmu_irq(uint32_t intid, void *arg)
{
    (void)intid;
    (void)arg;
    struct vcpu *v = this_cpu()->vcpu;
    if (v && v->vm->hw[VCPU_HW_VPMU].state && pmu_of(v)->used)
        update_irq(v, pmu_of(v));
    return false;
}

/* The guest wrote these event counters' types or values, or enabled them: from now on they are
 * switched. Other bits (the cycle counter's, counters it does not have) are ignored. */
static void mark_live(struct vpmu *p, uint32_t counters) { p->live |= counters & event_counters(); }

/* ---- the registers (D24.6) ---- */

/* Every row starts here: UNDEFINED without a PMU (the part not active, or the VM's
 * configuration turns it off: PMUVer reads 0), else the vCPU's PMU, live in the hardware. */
#define PMU_OR_UNDEF(v, p)   \
    if (!pmu_on((v)->vm))    \
        return false;        \
    struct vpmu *p = use(v); \
    (void)p

/* PMCR_EL0: N reads the guest's count. */
static bool pmcr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    *val = (sysreg_read(pmcr_el0) & ~PMCR_EL0_N_MASK) | REG_FIELD(nr_counters, PMCR_EL0_N_SHIFT);
    return true;
}

static bool pmcr_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    sysreg_write(pmcr_el0, val & PMCR_EL0_WRITABLE);
    isb();
    update_irq(v, p);
    return true;
}

/* The set/clear pairs of bitmask registers (PMCNTEN*, PMINTEN*, PMOVS*): both read the bits set;
 * a write sets or clears the guest's counters' bits given as 1. */
#define MASK_REG_HANDLERS(name, set_reg, clr_reg, live_on_set)                            \
    static bool name##_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val) \
    {                                                                                     \
        PMU_OR_UNDEF(v, p);                                                               \
        *val = sysreg_read(set_reg) & counter_mask();                                     \
        return true;                                                                      \
    }                                                                                     \
    static bool name##_set(struct vcpu *v, const struct sysreg_access *a, uint64_t val)   \
    {                                                                                     \
        PMU_OR_UNDEF(v, p);                                                               \
        if (live_on_set)                                                                  \
            mark_live(p, (uint32_t)val);                                                  \
        sysreg_write(set_reg, val &counter_mask());                                       \
        isb();                                                                            \
        update_irq(v, p);                                                                 \
        return true;                                                                      \
    }                                                                                     \
    static bool name##_clr(struct vcpu *v, const struct sysreg_access *a, uint64_t val)   \
    {                                                                                     \
        PMU_OR_UNDEF(v, p);                                                               \
        sysreg_write(clr_reg, val &counter_mask());                                       \
        isb();                                                                            \
        update_irq(v, p);                                                                 \
        return true;                                                                      \
    }
MASK_REG_HANDLERS(cnten, pmcntenset_el0, pmcntenclr_el0, true) /* an enabled counter counts: live */
MASK_REG_HANDLERS(inten, pmintenset_el1, pmintenclr_el1, false)
MASK_REG_HANDLERS(ovs, pmovsset_el0, pmovsclr_el0, false)

/* PMSWINC_EL0: write-only; the cycle counter's bit is RES0. */
static bool swinc_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    sysreg_write(pmswinc_el0, val & counter_mask() & ~PMU_CYCLE_BIT);
    isb();
    update_irq(v, p);
    return true;
}

static bool selr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    *val = sysreg_read(pmselr_el0) & PMSELR_EL0_SEL_MASK;
    return true;
}

static bool selr_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    sysreg_write(pmselr_el0, val & PMSELR_EL0_SEL_MASK);
    return true;
}

/* PMCEID0/1_EL0: the common events this CPU implements (read-only). */
static bool ceid_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    *val = SYSREG_OP2(a->id) == 6 ? sysreg_read(pmceid0_el0) : sysreg_read(pmceid1_el0);
    return true;
}

static bool ccntr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    *val = sysreg_read(pmccntr_el0);
    return true;
}

static bool ccntr_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    sysreg_write(pmccntr_el0, val);
    return true;
}

static bool userenr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    *val = sysreg_read(pmuserenr_el0) & PMUSERENR_EL0_WRITABLE;
    return true;
}

/* EL1 only: at EL0 the register is read-only and the hardware makes a write UNDEFINED first. */
static bool userenr_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    sysreg_write(pmuserenr_el0, val & PMUSERENR_EL0_WRITABLE);
    return true;
}

/* PMMIR_EL1 (FEAT_PMUv3p4): the host's, where the version advertised has it. */
static bool mmir_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    if (version < ID_AA64DFR0_EL1_PMUVER_V3P4)
        return false;
    PMU_OR_UNDEF(v, p);
    *val = sysreg_read(s3_0_c9_c14_6);
    return true;
}

/* A counter's type or the cycle counter's filter (n = PMU_CYCLE_IDX), n < N or the cycle one. */
static uint64_t type_read(unsigned n)
{
    if (n == PMU_CYCLE_IDX)
        return filter_from_hw(sysreg_read(pmccfiltr_el0), 0);
    return filter_from_hw(evtyper_read(n), event_mask());
}

static void type_write(unsigned n, uint64_t val)
{
    if (n == PMU_CYCLE_IDX)
        sysreg_write(pmccfiltr_el0, filter_to_hw(val, 0));
    else
        evtyper_write(n, filter_to_hw(val, event_mask()));
}

/* PMEVCNTR<n>_EL0 (CRm 0b10nn) and PMEVTYPER<n>_EL0 (CRm 0b11nn): n = CRm[1:0]:op2; a counter
 * the guest does not have is UNDEFINED (D24.6.11). PMEVTYPER31 is PMCCFILTR_EL0. */
static unsigned counter_of(const struct sysreg_access *a) { return (SYSREG_CRM(a->id) & 3) << 3 | SYSREG_OP2(a->id); }

static bool evcntr_trap_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    unsigned n = counter_of(a);
    if (n >= nr_counters)
        return false;
    PMU_OR_UNDEF(v, p);
    *val = evcntr_read(n);
    return true;
}

static bool evcntr_trap_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    unsigned n = counter_of(a);
    if (n >= nr_counters)
        return false;
    PMU_OR_UNDEF(v, p);
    mark_live(p, 1u << n);
    evcntr_write(n, val);
    return true;
}

static bool evtyper_trap_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    unsigned n = counter_of(a);
    if (n >= nr_counters && n != PMU_CYCLE_IDX)
        return false;
    PMU_OR_UNDEF(v, p);
    *val = type_read(n);
    return true;
}

static bool evtyper_trap_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    unsigned n = counter_of(a);
    if (n >= nr_counters && n != PMU_CYCLE_IDX)
        return false;
    PMU_OR_UNDEF(v, p);
    mark_live(p, 1u << n);
    type_write(n, val);
    return true;
}

/* PMXEVTYPER_EL0 and PMXEVCNTR_EL0 reach the counter PMSELR_EL0.SEL names; a SEL the guest
 * has no counter for reads as zero and ignores writes (D24.6.31: CONSTRAINED UNPREDICTABLE),
 * and so does PMXEVCNTR_EL0 with SEL = 31. */
static unsigned selected(void) { return (unsigned)REG_GET(sysreg_read(pmselr_el0), PMSELR_EL0_SEL); }

static bool xevtyper_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    unsigned n = selected();
    *val = n < nr_counters || n == PMU_CYCLE_IDX ? type_read(n) : 0;
    return true;
}

static bool xevtyper_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    unsigned n = selected();
    mark_live(p, 1u << n);
    if (n < nr_counters || n == PMU_CYCLE_IDX)
        type_write(n, val);
    return true;
}

static bool xevcntr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    PMU_OR_UNDEF(v, p);
    unsigned n = selected();
    *val = n < nr_counters ? evcntr_read(n) : 0;
    return true;
}

static bool xevcntr_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    PMU_OR_UNDEF(v, p);
    unsigned n = selected();
    if (n < nr_counters) {
        mark_live(p, 1u << n);
        evcntr_write(n, val);
    }
    return true;
}

#define RW_ROW(n, e, r, w)                                                             \
    {                                                                                  \
        .name = n, .enc = e, .rd = SR_RD_CALL, .wr = SR_WR_CALL, .read = r, .write = w \
    }

static const struct sysreg_desc rows[] = {
    RW_ROW("PMCR_EL0", SYSREG(3, 3, 9, 12, 0), pmcr_read, pmcr_write),
    RW_ROW("PMCNTENSET_EL0", SYSREG(3, 3, 9, 12, 1), cnten_read, cnten_set),
    RW_ROW("PMCNTENCLR_EL0", SYSREG(3, 3, 9, 12, 2), cnten_read, cnten_clr),
    RW_ROW("PMOVSCLR_EL0", SYSREG(3, 3, 9, 12, 3), ovs_read, ovs_clr),
    { .name = "PMSWINC_EL0", .enc = SYSREG(3, 3, 9, 12, 4), .wr = SR_WR_CALL, .write = swinc_write },
    RW_ROW("PMSELR_EL0", SYSREG(3, 3, 9, 12, 5), selr_read, selr_write),
    { .name = "PMCEID0_EL0", .enc = SYSREG(3, 3, 9, 12, 6), .rd = SR_RD_CALL, .read = ceid_read },
    { .name = "PMCEID1_EL0", .enc = SYSREG(3, 3, 9, 12, 7), .rd = SR_RD_CALL, .read = ceid_read },
    RW_ROW("PMCCNTR_EL0", SYSREG(3, 3, 9, 13, 0), ccntr_read, ccntr_write),
    RW_ROW("PMXEVTYPER_EL0", SYSREG(3, 3, 9, 13, 1), xevtyper_read, xevtyper_write),
    RW_ROW("PMXEVCNTR_EL0", SYSREG(3, 3, 9, 13, 2), xevcntr_read, xevcntr_write),
    RW_ROW("PMUSERENR_EL0", SYSREG(3, 3, 9, 14, 0), userenr_read, userenr_write),
    RW_ROW("PMINTENSET_EL1", SYSREG(3, 0, 9, 14, 1), inten_read, inten_set),
    RW_ROW("PMINTENCLR_EL1", SYSREG(3, 0, 9, 14, 2), inten_read, inten_clr),
    RW_ROW("PMOVSSET_EL0", SYSREG(3, 3, 9, 14, 3), ovs_read, ovs_set),
    { .name = "PMMIR_EL1", .enc = SYSREG(3, 0, 9, 14, 6), .rd = SR_RD_CALL, .read = mmir_read },
    /* CRm 0b1000..0b1011: PMEVCNTR0..31 (31 does not exist); 0b1100..0b1111: PMEVTYPER0..31,
     * 31 being PMCCFILTR_EL0. */
    { .name = "PMEVCNTR<n>_EL0",
      .enc = SYSREG(3, 3, 14, 8, 0),
      .any = SYSREG(0, 0, 0, 3, 7),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = evcntr_trap_read,
      .write = evcntr_trap_write },
    { .name = "PMEVTYPER<n>_EL0",
      .enc = SYSREG(3, 3, 14, 12, 0),
      .any = SYSREG(0, 0, 0, 3, 7),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = evtyper_trap_read,
      .write = evtyper_trap_write },
};

const struct sysreg_table vpmu_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };

/* ---- as a part of the virtual CPU hardware ---- */

uint64_t vpmu_version(void) { return version; }

/* Boot CPU: a PMUv3 (not an IMPLEMENTATION DEFINED one) whose overflow PPI the host device tree
 * names. Guests see at most PMUv3p5: later revisions add registers and type fields (FEAT_PMUv3p7's
 * freeze, p8's thresholds, p9's instruction counter) that this model does not switch. */
static void vpmu_init(void)
{
    uint64_t ver = ID_FIELD_GET(sysreg_read(id_aa64dfr0_el1), ID_AA64DFR0_EL1_PMUVER);
    version = 0;
    if (!ver || ver == ID_AA64DFR0_EL1_PMUVER_IMPDEF || !platform.pmu_intid)
        return;
    version = ver < ID_AA64DFR0_EL1_PMUVER_V3P5 ? ver : ID_AA64DFR0_EL1_PMUVER_V3P5;
    nr_counters = (unsigned)REG_GET(sysreg_read(pmcr_el0), PMCR_EL0_N);
    host_el3 = ID_FIELD_GET(sysreg_read(id_aa64pfr0_el1), ID_AA64PFR0_EL1_EL3) != 0;
    irq_set_handler(platform.pmu_intid, vpmu_irq, 0);
}

/* Every CPU, before any VM is built: the guests' N is the fewest counters a CPU has; the
 * hardware quiet; the PPI enabled. */
static void vpmu_cpu_init(unsigned cpu)
{
    if (!version)
        return;
    unsigned n = (unsigned)REG_GET(sysreg_read(pmcr_el0), PMCR_EL0_N);
    unsigned cur = __atomic_load_n(&nr_counters, __ATOMIC_RELAXED);
    while (n < cur && !__atomic_compare_exchange_n(&nr_counters, &cur, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    quiesce();
    hw_live[cpu] = UINT32_MAX; /* whatever firmware left in the counters */
    ppi_masked[cpu] = false;
    gic_irq_set_priority(platform.pmu_intid, GIC_PRIO_HYP);
    gic_irq_enable(platform.pmu_intid);
}

/* At creation and at each reset: no vCPU uses its PMU yet (its state is reset at the first
 * access); the level is low (the vGIC was rebuilt). */
static int vpmu_attach(struct vm *vm)
{
    struct vpmu_vm *s = vm->hw[VCPU_HW_VPMU].state;
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
        s->cpu[i].used = s->cpu[i].level = false;
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VPMU, false);
    }
    return 0;
}

/* Linux binding perf/arm,pmu.yaml: "arm,armv8-pmuv3" with its PPI, level-high, to every CPU
 * (GICv2: the CPU mask in flags [15:8]). Only where the VM has a PMU (pmu_on). */
static void vpmu_dt_node(const struct vm *vm, struct vdev_dt *dt)
{
    if (!pmu_on(vm))
        return;
    uint32_t flags = 4;
    if (platform_gic_v2())
        flags |= ((1u << vm->cfg.nr_vcpus) - 1) << 8;
    const uint32_t cells[3] = { 1, VPMU_VIRQ - 16, flags };
    fdtw_begin_node(dt->w, "pmu");
    fdtw_prop_string(dt->w, "compatible", "arm,armv8-pmuv3");
    fdtw_prop_cells(dt->w, "interrupts", cells, 3);
    fdtw_end_node(dt->w);
}

const struct vcpu_hw_ops vpmu_hw_ops = {
    .vm_state_size = sizeof(struct vpmu_vm),
    .init = vpmu_init,
    .cpu_init = vpmu_cpu_init,
    .attach = vpmu_attach,
    .load = vpmu_load,
    .put = vpmu_put,
    .sync = vpmu_sync,
    .dt_node = vpmu_dt_node,
};
