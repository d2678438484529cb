/* Instruction-exact micro-benchmarks of elvisor (docs/performance.md; `make bench` runs them
 * through tools/bench.py). Under QEMU with -icount shift=0 and -cpu max the generic counter
 * ticks once per executed instruction, so a counter read before and after one operation gives
 * the instructions it cost, the hypervisor's included. Each sample brackets a single operation
 * between two counter reads; the cost of the empty bracket is subtracted.
 *
 * Output, one line per benchmark, parsed by tools/bench.py:
 *   BENCH <name> <min> <median> <max> <unit> <exits_per_op> <samples>
 *   BENCH <name> not-measured <reason>
 *   BENCHSTART <name>          (before a benchmark that could hang if the hypervisor misbehaves)
 *   SWITCH ...                 (raw data of vcpu_switch, combined across two VMs by bench.py)
 *
 * Modes, chosen by the bootargs: "bench=switch" runs only the vcpu_switch probe (two VMs
 * time-sharing one CPU, tests/configs/bench2.dts); "bench=lpi" only the LPI through a virtual
 * ITS (tests/configs/bench-lpi.dts); anything else runs the rest (tests/configs/bench.dts:
 * one VM, two vCPUs on two physical CPUs), the LPI too when the device tree has an ITS
 * (natively: QEMU's own).
 *
 * Benchmarks that need what elvisor may not have yet (vGIC, virtual timer, time slicing)
 * check at run time that it works, with time limits, and report "not-measured" otherwise. */
#include "tests/guests/common/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SMCCC_VERSION 0x80000000u
#define PSCI_CPU_OFF  0x84000002u
#define PSCI_CPU_ON   0xc4000003u
#define EXIT_COUNTERS 0xc6000001u /* ELVISOR_HVC_EXIT_COUNTERS (vdev/vpsci.h) */
#define NOT_SUPPORTED ((uint64_t)-1)

#define NSAMPLES    1000
#define MAX_CLASSES 32 /* enum exit_class (core/vm.h) has fewer */
#define MAX_VCPUS   8

/* Interrupts used: SGI 1 for IPIs, PPI 11 = INTID 27 for the EL1 virtual timer. */
#define SGI_BENCH      1
#define INTID_VTIMER   27
#define INTID_SPURIOUS 1020 /* 1020..1023 are special */

/* Time limits, in counter ticks (= instructions). QEMU runs the CPUs one at a time, a CPU
 * keeping the host until it idles or its time slice ends (up to tens of millions of ticks), so
 * waits that depend on another CPU get generous limits. */
#define SELF_IRQ_LIMIT  1000000ULL
#define CROSS_IRQ_LIMIT 200000000ULL
#define IPI_SLOW        1000000ULL /* a first IPI slower than this: vCPUs do not idle */
#define IPI_TOTAL_LIMIT 4000000000ULL
#define IPI_WARMUP      4        /* rounds before the samples */
#define TIMER_DELTA     20000ULL /* deadline distance from programming the timer */
#define TIMER_LIMIT     2000000ULL
#define SPIN_SLICE      20000ULL /* ipi_spin: the receiver's own slice after each pong */

/* vcpu_switch: gaps in a counter-reading loop longer than SWITCH_GAP are times the VM did not
 * run; bench.py pairs one VM's gaps with the other's runs. */
#define SWITCH_BUDGET   400000000ULL
#define SWITCH_GAP      200
#define SWITCH_MAX_GAPS 512

/* --- counter, brackets ------------------------------------------------------------------ */

/* The bracket: "isb; mrs cntvct" before and after the operation. Counter reads are not ordered
 * with the instructions around them without the isb (Arm ARM, Generic Timer chapter). */
#define T_BEGIN "isb\n\tmrs %[t0], cntvct_el0\n\t"
#define T_END   "isb\n\tmrs %[t1], cntvct_el0\n\t"

static inline uint64_t now(void)
{
    uint64_t t;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t)::"memory");
    return t;
}

static inline uint64_t mpidr_aff(void) { return sysreg_read(mpidr_el1) & 0xff00ffffffUL; }

static inline unsigned my_index(void)
{
    return (unsigned)(sysreg_read(mpidr_el1) & 0xff) % MAX_VCPUS; /* Aff0 = vCPU index */
}

#define irq_mask()   __asm__ volatile("msr daifset, #2" ::: "memory")
#define irq_unmask() __asm__ volatile("msr daifclr, #2" ::: "memory")

/* One operation, timed: returns the ticks between the two counter reads. */
typedef uint64_t (*op_fn)(uintptr_t addr, uint64_t val);

static uint64_t op_empty(uintptr_t addr, uint64_t val)
{
    uint64_t t0, t1;
    __asm__ volatile(T_BEGIN T_END : [t0] "=&r"(t0), [t1] "=&r"(t1)::"memory");
    return t1 - t0;
}

static uint64_t op_hvc(uintptr_t addr, uint64_t val)
{
    register uint64_t x0 __asm__("x0") = SMCCC_VERSION;
    uint64_t t0, t1;
    __asm__ volatile(T_BEGIN "hvc #0\n\t" T_END : [t0] "=&r"(t0), [t1] "=&r"(t1), "+r"(x0)::"x1", "x2", "x3", "memory");
    return t1 - t0;
}

static uint64_t op_ldr32(uintptr_t addr, uint64_t val)
{
    uint64_t t0, t1;
    uint32_t v;
    __asm__ volatile(T_BEGIN "ldr %w[v], [%[a]]\n\t" T_END
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), [v] "=&r"(v)
                     : [a] "r"(addr)
                     : "memory");
    return t1 - t0;
}

static uint64_t op_ldr64(uintptr_t addr, uint64_t val)
{
    uint64_t t0, t1, v;
    __asm__ volatile(T_BEGIN "ldr %[v], [%[a]]\n\t" T_END
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), [v] "=&r"(v)
                     : [a] "r"(addr)
                     : "memory");
    return t1 - t0;
}

static uint64_t op_str32(uintptr_t addr, uint64_t val)
{
    uint64_t t0, t1;
    __asm__ volatile(T_BEGIN "str %w[v], [%[a]]\n\t" T_END
                     : [t0] "=&r"(t0), [t1] "=&r"(t1)
                     : [a] "r"(addr), [v] "r"(val)
                     : "memory");
    return t1 - t0;
}

static uint64_t op_str64(uintptr_t addr, uint64_t val)
{
    uint64_t t0, t1;
    __asm__ volatile(T_BEGIN "str %[v], [%[a]]\n\t" T_END
                     : [t0] "=&r"(t0), [t1] "=&r"(t1)
                     : [a] "r"(addr), [v] "r"(val)
                     : "memory");
    return t1 - t0;
}

/* ID_AA64PFR0_EL1: an ID group 3 register, trapped by HCR_EL2.TID3 and emulated. */
static uint64_t op_sysreg(uintptr_t addr, uint64_t val)
{
    uint64_t t0, t1, v;
    __asm__ volatile(T_BEGIN "mrs %[v], id_aa64pfr0_el1\n\t" T_END
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), [v] "=&r"(v)::"memory");
    return t1 - t0;
}

/* --- exit counters ------------------------------------------------------------------------ */

static unsigned nr_classes; /* exit classes the hypervisor counts (0: no counters) */

static void exits_probe(void)
{
    unsigned c = 0;
    while (c < MAX_CLASSES && hvc_call(EXIT_COUNTERS, c, 0, 0) != NOT_SUPPORTED)
        c++;
    nr_classes = c;
}

static void exits_snap(uint64_t *c)
{
    for (unsigned i = 0; i < nr_classes; i++)
        c[i] = hvc_call(EXIT_COUNTERS, i, 0, 0);
}

/* Exits of this vCPU since the snapshot `base`, all classes. The snapshots' own hypercalls are
 * HVC exits: between reading the HVC class in one snapshot and in the next there are exactly
 * nr_classes of them, wherever that class sits in the list. */
static uint64_t exits_since(const uint64_t *base)
{
    uint64_t c[MAX_CLASSES], sum = 0;
    exits_snap(c);
    for (unsigned i = 0; i < nr_classes; i++)
        sum += c[i] - base[i];
    return sum - nr_classes;
}

/* --- statistics and output ------------------------------------------------------------------ */

static uint64_t samples[NSAMPLES];
static uint64_t overhead; /* ticks of the empty bracket */
static const char *unit = "instructions";

static void sort(uint64_t *a, unsigned n)
{
    for (unsigned gap = n / 2; gap > 0; gap /= 2) /* Shell sort */
        for (unsigned i = gap; i < n; i++) {
            uint64_t v = a[i];
            unsigned j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap)
                a[j] = a[j - gap];
            a[j] = v;
        }
}

/* Exits per operation in hundredths, rounded; -1 when not counted. */
static int64_t per_op_x100(uint64_t exits, unsigned n)
{
    return n && nr_classes ? (int64_t)((exits * 100 + n / 2) / n) : -1;
}

static void report(const char *name, uint64_t *s, unsigned n, int64_t exits_x100)
{
    char ex[32] = "-";
    sort(s, n);
    if (exits_x100 >= 0) {
        uint64_t x100 = (uint64_t)exits_x100;
        ev_snprintf(ex, sizeof(ex), "%lu.%02lu", (unsigned long)(x100 / 100), (unsigned long)(x100 % 100));
    }
    gprintf("BENCH %s %lu %lu %lu %s %s %u\n", name, (unsigned long)s[0], (unsigned long)s[n / 2],
            (unsigned long)s[n - 1], unit, ex, n);
}

static void not_measured(const char *name, const char *why) { gprintf("BENCH %s not-measured %s\n", name, why); }

static uint64_t minus_overhead(uint64_t t) { return t > overhead ? t - overhead : 0; }

static void run_op(const char *name, op_fn fn, uintptr_t addr, uint64_t val)
{
    uint64_t base[MAX_CLASSES];
    fn(addr, val); /* once outside the samples: first-use effects stay out */
    exits_snap(base);
    for (unsigned i = 0; i < NSAMPLES; i++)
        samples[i] = fn(addr, val);
    uint64_t exits = exits_since(base);
    for (unsigned i = 0; i < NSAMPLES; i++)
        samples[i] = minus_overhead(samples[i]);
    report(name, samples, NSAMPLES, per_op_x100(exits, NSAMPLES));
}

static void measure_overhead(void)
{
    for (unsigned i = 0; i < NSAMPLES; i++)
        samples[i] = op_empty(0, 0);
    sort(samples, NSAMPLES);
    overhead = samples[0];
    /* Reported like the others (raw, nothing subtracted): it must be constant. */
    gprintf("BENCH bracket_overhead %lu %lu %lu %s - %u\n", (unsigned long)samples[0],
            (unsigned long)samples[NSAMPLES / 2], (unsigned long)samples[NSAMPLES - 1], unit, NSAMPLES);
}

/* --- guarded accesses (the device may not exist yet: an abort is an answer) ----------------- */

static bool rd32(uintptr_t a, uint32_t *v)
{
    fault_expect();
    uint32_t x = *(volatile uint32_t *)a;
    if (fault_taken(0, 0))
        return false;
    *v = x;
    return true;
}

static bool rd64(uintptr_t a, uint64_t *v)
{
    fault_expect();
    uint64_t x = *(volatile uint64_t *)a;
    if (fault_taken(0, 0))
        return false;
    *v = x;
    return true;
}

static bool wr32(uintptr_t a, uint32_t v)
{
    fault_expect();
    *(volatile uint32_t *)a = v;
    return !fault_taken(0, 0);
}

/* A system-register access that may be UNDEFINED (or trapped and refused by the hypervisor). */
#define SR_GUARDED(stmt)    \
    ({                      \
        fault_expect();     \
        stmt;               \
        !fault_taken(0, 0); \
    })

/* --- the guest's view of the GIC (found in its DTB) ------------------------------------------ */

#define GICD_CTLR       0x0000
#define GICD_TYPER      0x0004
#define GICD_ISENABLER0 0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR0 0x0800
#define GICD_SGIR       0x0f00
#define GICD_CTLR_RWP   (1u << 31)

#define GICR_TYPER         0x0008
#define GICR_WAKER         0x0014
#define GICR_TYPER_VLPIS   (1u << 1)
#define GICR_TYPER_LAST    (1u << 4)
#define GICR_WAKER_PSLEEP  (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)
#define GICR_SGI           0x10000 /* SGI_base frame */
#define GICR_IGROUPR0      0x0080
#define GICR_ISENABLER0    0x0100
#define GICR_IPRIORITYR    0x0400

#define GICC_CTLR 0x0000
#define GICC_PMR  0x0004
#define GICC_BPR  0x0008
#define GICC_IAR  0x000c
#define GICC_EOIR 0x0010

static struct {
    unsigned version;  /* 2 or 3; 0: no GIC node */
    uintptr_t d, c, r; /* GICD, GICC (v2), first redistributor (v3) */
    uint64_t r_size;
    uint8_t v2_mask[MAX_VCPUS]; /* GICv2 CPU interface mask of each vCPU */
} gic;

static const char *gic_find(void)
{
    static const char *const v2[] = { "arm,cortex-a15-gic", "arm,gic-400", "arm,gic-v2" };
    uint64_t size;
    int node = fdt_next_compatible(&guest_fdt, -1, "arm,gic-v3");
    if (node >= 0) {
        gic.version = 3;
    } else {
        for (unsigned i = 0; i < sizeof(v2) / sizeof(v2[0]) && node < 0; i++)
            node = fdt_next_compatible(&guest_fdt, -1, v2[i]);
        if (node < 0)
            return "no GIC in the guest device tree";
        gic.version = 2;
    }
    uint64_t d, second;
    if (fdt_reg(&guest_fdt, node, 0, &d, &size) < 0 || fdt_reg(&guest_fdt, node, 1, &second, &size) < 0)
        return "GIC node without two reg entries";
    gic.d = (uintptr_t)d;
    if (gic.version == 3) {
        gic.r = (uintptr_t)second;
        gic.r_size = size;
    } else {
        gic.c = (uintptr_t)second;
    }
    return 0;
}

static bool wait_clear32(uintptr_t a, uint32_t bits)
{
    uint64_t end = now() + 1000000;
    uint32_t v;
    do {
        if (!rd32(a, &v))
            return false;
        if (!(v & bits))
            return true;
    } while (now() < end);
    return false;
}

/* Distributor, once. */
static const char *gic_dist_init(void)
{
    uint32_t typer;
    if (!rd32(gic.d + GICD_TYPER, &typer))
        return "GICD read aborts (no vGIC distributor)";
    if (gic.version == 3) {
        /* ARE (bit 4), EnableGrp1 (bit 1), EnableGrp0 (bit 0): the single-security view a VM
         * sees (Arm IHI 0069, GICD_CTLR). */
        if (!wr32(gic.d + GICD_CTLR, 0x13) || !wait_clear32(gic.d + GICD_CTLR, GICD_CTLR_RWP))
            return "GICD_CTLR write aborts or RWP stays set";
    } else {
        if (!wr32(gic.d + GICD_CTLR, 1))
            return "GICD_CTLR write aborts";
    }
    return 0;
}

static uintptr_t gicr_frame(void)
{
    uint64_t me = mpidr_aff();
    uint64_t aff = (me & 0xffffff) | ((me >> 32 & 0xff) << 24); /* GICR_TYPER.Affinity_Value */
    for (uintptr_t f = gic.r; f < gic.r + gic.r_size;) {
        uint64_t typer;
        if (!rd64(f + GICR_TYPER, &typer))
            return 0;
        if ((typer >> 32) == aff)
            return f;
        if (typer & GICR_TYPER_LAST)
            break;
        f += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
    }
    return 0;
}

/* This vCPU's side: redistributor or banked distributor registers, and its CPU interface.
 * Enables SGI_BENCH and the virtual timer's PPI, priority 0x80, group 1 (v3). */
static const char *gic_cpu_init(void)
{
    uint32_t enable = (1u << SGI_BENCH) | (1u << INTID_VTIMER);
    if (gic.version == 3) {
        uint64_t sre = 0;
        if (!SR_GUARDED(sre = sysreg_read(icc_sre_el1)))
            return "ICC_SRE_EL1 is UNDEFINED (no GICv3 CPU interface for the guest)";
        if (!(sre & 1)) {
            if (!SR_GUARDED(sysreg_write(icc_sre_el1, sre | 1)))
                return "ICC_SRE_EL1 write refused";
            __asm__ volatile("isb");
            if (!(sysreg_read(icc_sre_el1) & 1))
                return "system-register GIC interface cannot be enabled (ICC_SRE_EL1.SRE = 0)";
        }
        uintptr_t f = gicr_frame();
        if (!f)
            return "no redistributor for this vCPU (GICR reads abort or no GICR_TYPER match)";
        uint32_t waker;
        if (!rd32(f + GICR_WAKER, &waker) || !wr32(f + GICR_WAKER, waker & ~GICR_WAKER_PSLEEP) ||
            !wait_clear32(f + GICR_WAKER, GICR_WAKER_CASLEEP))
            return "redistributor does not wake (GICR_WAKER)";
        uintptr_t sgi = f + GICR_SGI;
        bool ok = wr32(sgi + GICR_IGROUPR0, ~0u);
        for (unsigned i = 0; i < 8; i++)
            ok = ok && wr32(sgi + GICR_IPRIORITYR + 4 * i, 0x80808080);
        ok = ok && wr32(sgi + GICR_ISENABLER0, enable);
        if (!ok)
            return "redistributor SGI frame writes abort";
        ok = SR_GUARDED(sysreg_write(icc_pmr_el1, 0xff));
        ok = ok && SR_GUARDED(sysreg_write(icc_bpr1_el1, 0));
        uint64_t ctlr = 0;
        ok = ok && SR_GUARDED(ctlr = sysreg_read(icc_ctlr_el1));
        ok = ok && SR_GUARDED(sysreg_write(icc_ctlr_el1, ctlr & ~2UL)); /* EOImode = 0 */
        ok = ok && SR_GUARDED(sysreg_write(icc_igrpen1_el1, 1));
        __asm__ volatile("isb");
        if (!ok)
            return "ICC_* register accesses refused";
    } else {
        bool ok = wr32(gic.d + GICD_ISENABLER0, enable);
        for (unsigned i = 0; i < 8; i++)
            ok = ok && wr32(gic.d + GICD_IPRIORITYR + 4 * i, 0x80808080);
        uint32_t targets = 0;
        ok = ok && rd32(gic.d + GICD_ITARGETSR0, &targets);
        ok = ok && wr32(gic.c + GICC_PMR, 0xff) && wr32(gic.c + GICC_BPR, 0) && wr32(gic.c + GICC_CTLR, 1);
        if (!ok)
            return "GICD/GICC accesses abort";
        /* ITARGETSR0..7 read as this CPU interface's own mask (Arm IHI 0048, 4.3.12). */
        gic.v2_mask[my_index()] = (uint8_t)(targets & 0xff) ? (uint8_t)(targets & 0xff) : (uint8_t)(1u << my_index());
    }
    return 0;
}

static void gic_send_sgi(unsigned target_index, uint64_t target_mpidr)
{
    if (gic.version == 3) {
        /* ICC_SGI1R_EL1: TargetList [15:0] (Aff0 bits), Aff1 [23:16], INTID [27:24], Aff2
         * [39:32], Aff3 [55:48] (Arm IHI 0069, 12.2.22). */
        uint64_t v = (1UL << (target_mpidr & 0xf)) | ((target_mpidr >> 8 & 0xff) << 16) | ((uint64_t)SGI_BENCH << 24) |
                     ((target_mpidr >> 16 & 0xff) << 32) | ((target_mpidr >> 32 & 0xff) << 48);
        sysreg_write(icc_sgi1r_el1, v);
        __asm__ volatile("isb");
    } else {
        /* GICD_SGIR: CPUTargetList [23:16], SGIINTID [3:0] (Arm IHI 0048, 4.3.15). */
        *(volatile uint32_t *)(gic.d + GICD_SGIR) = ((uint32_t)gic.v2_mask[target_index] << 16) | SGI_BENCH;
    }
}

/* The first SGI: the write may be refused (UNDEFINED, or an abort) without a vGIC. */
static bool gic_send_sgi_guarded(unsigned target_index, uint64_t target_mpidr)
{
    return SR_GUARDED(gic_send_sgi(target_index, target_mpidr));
}

/* Acknowledge and end, each timed with the bracket (ticks returned through *t). */
static uint32_t gic_ack_timed(uint64_t *t)
{
    uint64_t t0, t1, iar;
    if (gic.version == 3)
        __asm__ volatile(T_BEGIN "mrs %[v], icc_iar1_el1\n\t" T_END
                         : [t0] "=&r"(t0), [t1] "=&r"(t1), [v] "=&r"(iar)::"memory");
    else
        __asm__ volatile(T_BEGIN "ldr %w[v], [%[a]]\n\t" T_END
                         : [t0] "=&r"(t0), [t1] "=&r"(t1), [v] "=&r"(iar)
                         : [a] "r"(gic.c + GICC_IAR)
                         : "memory");
    *t = t1 - t0;
    return (uint32_t)iar;
}

static void gic_eoi_timed(uint32_t iar, uint64_t *t)
{
    uint64_t t0, t1, v = iar;
    if (gic.version == 3)
        __asm__ volatile(T_BEGIN "msr icc_eoir1_el1, %[v]\n\t" T_END
                         : [t0] "=&r"(t0), [t1] "=&r"(t1)
                         : [v] "r"(v)
                         : "memory");
    else
        __asm__ volatile(T_BEGIN "str %w[v], [%[a]]\n\t" T_END
                         : [t0] "=&r"(t0), [t1] "=&r"(t1)
                         : [v] "r"(v), [a] "r"(gic.c + GICC_EOIR)
                         : "memory");
    *t = t1 - t0;
}

/* --- the IRQ handler (through the common runtime's hook) ------------------------------------ */

static volatile uint32_t irq_count[MAX_VCPUS];
static volatile uint64_t irq_entry[MAX_VCPUS]; /* counter at handler entry, last IRQ */
static volatile uint32_t irq_intid[MAX_VCPUS];
static volatile uint32_t irq_spurious;
static volatile uint32_t pong_index = ~0u; /* vCPU1: answer each IPI with one to it */
static uint64_t pong_mpidr;
static volatile bool ipi_spin;        /* the IPI's receiver spins with IRQs unmasked (not WFI) */
static volatile bool timer_eoi_first; /* the timer's handler ends the interrupt before masking */

/* Ends the spinning receiver's time slice SPIN_SLICE ticks from now: CNTV enabled with IMASK
 * set, so that its deadline is a QEMU timer event but raises no interrupt. */
static void spin_slice_arm(void)
{
    sysreg_write(cntv_cval_el0, now() + SPIN_SLICE);
    sysreg_write(cntv_ctl_el0, 3); /* ENABLE, IMASK */
}

/* eoi measurement on vCPU 0: ack + EOI ticks of each interrupt, and the exits in between. */
static volatile bool eoi_measure;
static uint64_t eoi_samples[NSAMPLES];
static unsigned eoi_n;
static uint64_t eoi_exits, eoi_hvcs;

static void bench_irq(uint64_t entry)
{
    unsigned me = my_index();
    bool measure = eoi_measure && me == 0 && eoi_n < NSAMPLES;
    uint64_t base[MAX_CLASSES], t_ack, t_eoi;
    if (measure)
        exits_snap(base);
    uint32_t iar = gic_ack_timed(&t_ack);
    uint32_t intid = gic.version == 3 ? (iar & 0xffffff) : (iar & 0x3ff);
    if (intid >= INTID_SPURIOUS && intid < 1024) { /* 8192 and up: LPIs */
        irq_spurious++;
        return;
    }
    /* Mask first: the timer's level drops before the EOI (as Linux does). EOI first (as small
     * kernels and RTOSes do): the level is still high when the interrupt is ended. */
    if (intid == INTID_VTIMER && !timer_eoi_first)
        sysreg_write(cntv_ctl_el0, 0);
    gic_eoi_timed(iar, &t_eoi);
    if (intid == INTID_VTIMER && timer_eoi_first)
        sysreg_write(cntv_ctl_el0, 0);
    if (measure) {
        eoi_exits += exits_since(base);
        eoi_hvcs += 2 * nr_classes;
        eoi_samples[eoi_n++] = minus_overhead(t_ack) + minus_overhead(t_eoi);
    }
    irq_entry[me] = entry;
    irq_intid[me] = intid;
    __atomic_store_n(&irq_count[me], irq_count[me] + 1, __ATOMIC_RELEASE);
    if (me == pong_index) {
        /* A receiver that spins keeps its CPU until QEMU's time slice ends, which is at the
         * next timer deadline of the machine (see ipi_spin): a deadline of its own, masked
         * (IMASK: no interrupt), shortly ahead gives the CPU back to the sender. */
        if (ipi_spin)
            spin_slice_arm();
        gic_send_sgi(0, pong_mpidr);
    }
}

/* Waits, IRQs unmasked, until this vCPU's IRQ count differs from `count` or the counter passes
 * `limit`; returns with IRQs masked. idle: wait in WFI, else spin. WFI is only used once an
 * interrupt of the same kind has been seen to arrive: a vCPU idle in WFI that is never woken
 * does not come back to look at the counter. */
static bool wait_irq(uint32_t count, uint64_t limit, bool idle)
{
    unsigned me = my_index();
    for (;;) {
        irq_mask();
        if (__atomic_load_n(&irq_count[me], __ATOMIC_ACQUIRE) != count)
            return true;
        if (now() > limit)
            return false;
        if (idle)
            __asm__ volatile("wfi"); /* wakes on a pending IRQ even while it is masked */
        irq_unmask();
    }
}

/* --- benchmarks needing the vGIC ------------------------------------------------------------- */

static const char *gic_reason; /* why the vGIC benchmarks cannot run (0: they can) */

static void bench_gicd_read(void)
{
    uint32_t v;
    if (!gic.version) {
        not_measured("mmio_read_vgic", gic_reason);
        return;
    }
    if (!rd32(gic.d + GICD_TYPER, &v)) {
        not_measured("mmio_read_vgic", "GICD_TYPER read aborts (no vGIC distributor)");
        return;
    }
    run_op("mmio_read_vgic", op_ldr32, gic.d + GICD_TYPER, 0);
}

/* Self-SGI: proves interrupts reach the guest before anything waits for one, and measures
 * acknowledge + EOI of a software-generated interrupt. */
static bool bench_eoi(void)
{
    unsigned me = my_index();
    uint64_t mpidr = mpidr_aff();
    gprintf("BENCHSTART eoi\n");
    guest_set_irq_hook(bench_irq);
    eoi_n = 0;
    eoi_exits = eoi_hvcs = 0;
    for (unsigned i = 0; i <= NSAMPLES; i++) {
        eoi_measure = i > 0; /* the first one is the probe */
        uint32_t c = irq_count[me];
        irq_mask();
        if (i == 0 && !gic_send_sgi_guarded(me, mpidr)) {
            gic_reason = "the SGI register write is refused (no vGIC)";
            return false;
        }
        if (i > 0)
            gic_send_sgi(me, mpidr);
        bool ok = wait_irq(c, now() + SELF_IRQ_LIMIT, false);
        eoi_measure = false;
        if (!ok) {
            gic_reason = "an SGI sent to itself never reached the guest (no vGIC delivery)";
            return false;
        }
        if (irq_intid[me] != SGI_BENCH) {
            gic_reason = "the SGI was acknowledged with the wrong INTID";
            return false;
        }
    }
    report("eoi", eoi_samples, eoi_n, per_op_x100(eoi_exits, eoi_n));
    return true;
}

/* --- an LPI through the ITS ------------------------------------------------------------------ */

/* The guest's own LPI tables and ITS queue and tables (IHI 0069H 5.1, 5.2), in its RAM (the
 * MMU is off). One LPI, INTID 8192, for EventID 0 of DeviceID 0 in collection 0. */
#define LPI_INTID       8192
#define GICR_CTLR       0x0000
#define GICR_PROPBASER  0x0070
#define GICR_PENDBASER  0x0078
#define GITS_TYPER      0x0008
#define GITS_CTLR       0x0000
#define GITS_CBASER     0x0080
#define GITS_CWRITER    0x0088
#define GITS_CREADR     0x0090
#define GITS_BASER0     0x0100
#define GITS_VALID      (1UL << 63)
#define ITS_QUEUE_BYTES 4096
static volatile uint8_t lpi_prop[8192] __attribute__((aligned(4096)));
static volatile uint8_t lpi_pend[2048] __attribute__((aligned(65536)));
static volatile uint64_t its_queue[ITS_QUEUE_BYTES / 8] __attribute__((aligned(65536)));
static volatile uint64_t its_tables[2][8192] __attribute__((aligned(65536))); /* device, collection: 64 KiB each */
static volatile uint8_t its_itt[4096] __attribute__((aligned(256)));
static uintptr_t its_base;
static uint64_t its_wr;

/* Puts one command in the queue (not yet published to the ITS). */
static void its_put(uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    volatile uint64_t *c = &its_queue[its_wr / 8];
    c[0] = d0;
    c[1] = d1;
    c[2] = d2;
    c[3] = d3;
    __asm__ volatile("dsb sy" ::: "memory");
    its_wr = (its_wr + 32) % ITS_QUEUE_BYTES;
}

/* Waits for the ITS to have read every published command. */
static bool its_drained(void)
{
    uint64_t end = now() + 10000000;
    while ((*(volatile uint64_t *)(its_base + GITS_CREADR) & 0xfffe0) != its_wr)
        if (now() > end)
            return false;
    return true;
}

static bool its_cmd(uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    its_put(d0, d1, d2, d3);
    *(volatile uint64_t *)(its_base + GITS_CWRITER) = its_wr;
    return its_drained();
}

static const char *lpi_setup(void)
{
    uint32_t typer;
    uint64_t its_typer, rtyper;
    uintptr_t f = gicr_frame();
    its_base = (uintptr_t)dt_reg_of("arm,gic-v3-its");
    if (!its_base)
        return "no arm,gic-v3-its in the device tree";
    if (!rd32(gic.d + GICD_TYPER, &typer) || !(typer & (1u << 17)))
        return "GICD_TYPER.LPIS = 0";
    if (!f || !rd64(f + GICR_TYPER, &rtyper) || !rd64(its_base + GITS_TYPER, &its_typer))
        return "GICR_TYPER or GITS_TYPER reads abort";
    lpi_prop[0] = 0xa0 | 1; /* priority 0xa0, enabled */
    __asm__ volatile("dsb sy" ::: "memory");
    *(volatile uint64_t *)(f + GICR_PROPBASER) = (uint64_t)(uintptr_t)lpi_prop | 13;        /* 14 INTID bits */
    *(volatile uint64_t *)(f + GICR_PENDBASER) = (uint64_t)(uintptr_t)lpi_pend | 1UL << 62; /* PTZ */
    if (!wr32(f + GICR_CTLR, 1))
        return "GICR_CTLR write aborts";
    /* Flat tables of 16 pages each (GITS_BASER Size = pages - 1), 4 KiB pages. */
    for (unsigned n = 0; n < 2; n++)
        *(volatile uint64_t *)(its_base + GITS_BASER0 + 8 * n) = GITS_VALID | (uint64_t)(uintptr_t)its_tables[n] | 15;
    *(volatile uint64_t *)(its_base + GITS_CBASER) = GITS_VALID | (uint64_t)(uintptr_t)its_queue;
    *(volatile uint64_t *)(its_base + GITS_CWRITER) = 0;
    its_wr = 0;
    if (!wr32(its_base + GITS_CTLR, 1))
        return "GITS_CTLR write aborts";
    /* RDbase: the redistributor's address if GITS_TYPER.PTA, else its processor number. */
    uint64_t rd = (its_typer & (1UL << 19)) ? (uint64_t)f : ((rtyper >> 8) & 0xffff) << 16;
    bool ok = its_cmd(0x08, 0, GITS_VALID | (uint64_t)(uintptr_t)its_itt, 0) /* MAPD 0, 2 events */
              && its_cmd(0x09, 0, GITS_VALID | rd, 0)                        /* MAPC 0 -> this CPU */
              && its_cmd(0x0a, (uint64_t)LPI_INTID << 32, 0, 0)              /* MAPTI 0/0 -> 8192, ICID 0 */
              && its_cmd(0x05, 0, rd, 0);                                    /* SYNC */
    return ok ? 0 : "the ITS does not consume its commands (GITS_CREADR)";
}

/* From the store to GITS_CWRITER that publishes an INT command (already in the queue) to the
 * counter at the IRQ handler's entry, the vCPU spinning with IRQs unmasked. */
static void bench_lpi(void)
{
    uint64_t base[MAX_CLASSES];
    unsigned me = my_index(), n = 0;
    const char *why = lpi_setup();
    if (why) {
        not_measured("lpi", why);
        return;
    }
    gprintf("BENCHSTART lpi\n");
    guest_set_irq_hook(bench_irq);
    for (unsigned i = 0; i <= NSAMPLES; i++) {
        if (i == 1) /* sample 0 is the probe */
            exits_snap(base);
        its_put(0x03, 0, 0, 0); /* INT DeviceID 0, EventID 0 */
        uint32_t c = irq_count[me];
        uint64_t t0, wr = its_wr;
        irq_unmask();
        __asm__ volatile(T_BEGIN "str %[w], [%[a]]\n\t"
                         : [t0] "=&r"(t0)
                         : [w] "r"(wr), [a] "r"(its_base + GITS_CWRITER)
                         : "memory");
        bool ok = wait_irq(c, t0 + SELF_IRQ_LIMIT, false);
        if (!ok || irq_intid[me] != LPI_INTID || !its_drained()) {
            not_measured("lpi", !ok                          ? "the LPI never reached the guest"
                                : irq_intid[me] != LPI_INTID ? "acknowledged the wrong INTID"
                                                             : "the ITS stopped reading its queue");
            return;
        }
        if (i > 0)
            samples[n++] = irq_entry[me] - t0;
    }
    /* Each sample's one GITS_CREADR read (its_drained, after the handler) is not the LPI's. */
    uint64_t exits = exits_since(base);
    report("lpi", samples, n, per_op_x100(exits > n ? exits - n : 0, n));
}

extern char guest_secondary_entry[];
static volatile uint32_t sec_state; /* 1: set up, waiting for IPIs; 2: done */
static const char *volatile sec_err;
static volatile bool ipi_stop;
static volatile uint64_t sec_exits, sec_irqs;

static uint64_t vcpu_mpidr(unsigned index)
{
    int cpus = fdt_path_offset(&guest_fdt, "/cpus");
    unsigned n = 0;
    for (int c = cpus >= 0 ? fdt_first_subnode(&guest_fdt, cpus) : -1; c >= 0; c = fdt_next_subnode(&guest_fdt, c)) {
        int len;
        const uint8_t *reg = fdt_getprop(&guest_fdt, c, "reg", &len);
        const char *type = fdt_prop_string(&guest_fdt, c, "device_type");
        if (!reg || !type || strcmp(type, "cpu") != 0)
            continue;
        if (n++ != index)
            continue;
        uint64_t v = 0;
        for (int i = 0; i < len && i < 8; i++)
            v = v << 8 | reg[i];
        return v;
    }
    return NOT_SUPPORTED;
}

void guest_secondary_main(uint64_t index)
{
    const char *err = gic_cpu_init();
    if (!err) {
        uint64_t base[MAX_CLASSES];
        unsigned me = my_index();
        exits_snap(base);
        pong_mpidr = vcpu_mpidr(0);
        pong_index = me;
        __atomic_store_n(&sec_state, 1, __ATOMIC_RELEASE);
        /* Idle in WFI, or spin with IRQs unmasked (ipi_spin); the handler answers each IPI
         * with a pong to vCPU 0. vCPU 0 ends the session with one more IPI after setting
         * ipi_stop. */
        while (!ipi_stop) {
            if (!ipi_spin) {
                wait_irq(irq_count[me], ~0ULL, true);
                continue;
            }
            uint32_t c = irq_count[me];
            irq_unmask();
            while (__atomic_load_n(&irq_count[me], __ATOMIC_ACQUIRE) == c)
                ;
            irq_mask();
        }
        sysreg_write(cntv_ctl_el0, 0);
        sec_exits = exits_since(base);
        sec_irqs = irq_count[me];
    }
    sec_err = err;
    __atomic_store_n(&sec_state, 2, __ATOMIC_RELEASE);
    hvc_call(PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

/* SGI from vCPU 0 to vCPU 1, idle in WFI (ipi) or spinning with IRQs unmasked (ipi_spin):
 * counter before the send on vCPU 0 to the counter at entry of vCPU 1's handler. vCPU 1
 * answers with a pong that wakes vCPU 0 from WFI. vCPU 1 is started for each of the two and
 * stops itself (PSCI CPU_OFF) at the end. */
static void bench_ipi(bool spin)
{
    const char *name = spin ? "ipi_spin" : "ipi";
    uint64_t target = vcpu_mpidr(1);
    if (target == NOT_SUPPORTED) {
        not_measured(name, "the VM has a single vCPU");
        return;
    }
    gprintf("BENCHSTART %s\n", name);
    sec_state = 0;
    sec_err = 0;
    ipi_stop = false;
    ipi_spin = spin;
    int64_t r = (int64_t)hvc_call(PSCI_CPU_ON, target, (uint64_t)(uintptr_t)guest_secondary_entry, 1);
    if (r != 0) {
        not_measured(name, "PSCI CPU_ON of vCPU 1 failed");
        return;
    }
    uint64_t limit = now() + CROSS_IRQ_LIMIT;
    while (__atomic_load_n(&sec_state, __ATOMIC_ACQUIRE) == 0 && now() < limit)
        ;
    if (sec_state != 1) {
        char why[160];
        ev_snprintf(why, sizeof(why), "vCPU 1: %s",
                    sec_state == 2 && sec_err ? (const char *)sec_err : "did not start");
        not_measured(name, why);
        return;
    }
    /* Round 0 is a probe that spins (a lost IPI must not leave vCPU 0 asleep for good); round 1
     * is the first with vCPU 0 idle in WFI; rounds up to IPI_WARMUP are left out too (the first
     * ones after the probe run a different path until both vCPUs settle); then the samples. */
    uint64_t base[MAX_CLASSES], start = 0;
    unsigned n = 0, rounds = 0; /* rounds since the exit-counter snapshot */
    const char *fail = 0;
    char why[160];
    for (unsigned i = 0; i < NSAMPLES + IPI_WARMUP && !fail; i++) {
        uint32_t rx = irq_count[1], pongs = irq_count[0];
        /* The snapshot is taken rounds before the samples: the round right after it runs a
         * different path (seen: 300 instructions fewer), which the samples must not include. */
        if (i == 1) {
            exits_snap(base);
            start = now();
        }
        irq_mask();
        uint64_t t0 = now();
        if (i == 0) {
            if (!gic_send_sgi_guarded(1, target)) {
                fail = "the SGI register write is refused";
                break;
            }
        } else {
            gic_send_sgi(1, target);
        }
        /* vCPU 0 waits for the pong; by then vCPU 1's handler has run. */
        if (!wait_irq(pongs, now() + CROSS_IRQ_LIMIT, i > 0)) {
            fail = i ? "an IPI or its answer was lost" : "the IPI to vCPU 1 (or its answer) was not delivered";
            break;
        }
        if (__atomic_load_n(&irq_count[1], __ATOMIC_ACQUIRE) == rx) {
            fail = "vCPU 0 woke without vCPU 1 taking the IPI";
            break;
        }
        uint64_t lat = irq_entry[1] - t0;
        if (i >= 1)
            rounds++;
        if (i == 1 && lat > IPI_SLOW) {
            ev_snprintf(why, sizeof(why),
                        "an IPI took %lu instructions: a vCPU waiting in WFI does "
                        "not give up its CPU",
                        (unsigned long)lat);
            fail = why;
        }
        if (i >= IPI_WARMUP) {
            samples[n++] = lat;
            if (now() - start > IPI_TOTAL_LIMIT)
                break;
        }
    }
    uint64_t exits = rounds ? exits_since(base) : 0;
    ipi_stop = true;
    uint32_t pongs = irq_count[0];
    irq_mask();
    gic_send_sgi_guarded(1, target);
    wait_irq(pongs, now() + CROSS_IRQ_LIMIT, false);
    limit = now() + CROSS_IRQ_LIMIT;
    while (__atomic_load_n(&sec_state, __ATOMIC_ACQUIRE) != 2 && now() < limit)
        ;
    if (fail || !n) {
        not_measured(name, fail ? fail : "no sample");
        return;
    }
    /* Exits per round trip on both vCPUs: ping and pong sends, both WFIs, interrupt exits. The
     * receiver counted its exits over all the IPIs it took (the probes and the last one too). */
    int64_t x100 = per_op_x100(exits, rounds);
    if (x100 >= 0 && sec_state == 2 && sec_irqs)
        x100 += per_op_x100(sec_exits, (unsigned)sec_irqs);
    else
        x100 = -1;
    report(name, samples, n, x100);
}

/* Virtual timer: deadline programmed in CNTV_CVAL_EL0, vCPU spinning with IRQs unmasked; from
 * the deadline to the counter at the handler's entry. */
static void bench_timer(void)
{
    uint64_t base[MAX_CLASSES];
    unsigned me = my_index();
    gprintf("BENCHSTART timer_latency\n");
    unsigned n = 0;
    for (unsigned i = 0; i <= NSAMPLES; i++) {
        if (i == 1) { /* sample 0 is the probe */
            eoi_n = 0;
            eoi_exits = eoi_hvcs = 0;
            exits_snap(base);
        }
        uint32_t c = irq_count[me];
        irq_mask();
        uint64_t deadline = now() + TIMER_DELTA;
        sysreg_write(cntv_cval_el0, deadline);
        sysreg_write(cntv_ctl_el0, 1); /* ENABLE, IMASK = 0 */
        __asm__ volatile("isb");
        eoi_measure = i > 0;
        bool ok = wait_irq(c, deadline + TIMER_LIMIT, false);
        eoi_measure = false;
        sysreg_write(cntv_ctl_el0, 0);
        if (!ok || irq_intid[me] != INTID_VTIMER) {
            not_measured("timer_latency",
                         ok ? "acknowledged the wrong INTID" : "the virtual timer interrupt never reached the guest");
            not_measured("eoi_timer", "no virtual timer interrupt");
            return;
        }
        if (i > 0)
            samples[n++] = irq_entry[me] - deadline;
    }
    /* The handler's own exit-counter hypercalls are not the timer's. */
    uint64_t exits = exits_since(base) - eoi_hvcs;
    report("timer_latency", samples, n, per_op_x100(exits, n));
    report("eoi_timer", eoi_samples, eoi_n, per_op_x100(eoi_exits, eoi_n));
}

/* Timer round trip: from programming the virtual timer TIMER_DELTA ahead to being back in the
 * interrupted loop (IRQs unmasked) after its handler acknowledged it, masked the timer and
 * ended it, in the order eoi_first says; less TIMER_DELTA. Run after bench_timer, which has
 * seen the interrupt arrive. */
static void bench_timer_rt(bool eoi_first)
{
    const char *name = eoi_first ? "timer_rt_eoi_first" : "timer_rt_mask_first";
    unsigned me = my_index(), n = 0;
    uint64_t base[MAX_CLASSES];
    gprintf("BENCHSTART %s\n", name);
    timer_eoi_first = eoi_first;
    for (unsigned i = 0; i <= NSAMPLES; i++) {
        if (i == 1) /* sample 0: first-use effects stay out */
            exits_snap(base);
        uint32_t c = irq_count[me];
        uint64_t t0 = now();
        sysreg_write(cntv_cval_el0, t0 + TIMER_DELTA);
        sysreg_write(cntv_ctl_el0, 1); /* ENABLE, IMASK = 0 */
        irq_unmask();
        uint64_t t1, limit = t0 + TIMER_DELTA + TIMER_LIMIT;
        do
            t1 = now();
        while (__atomic_load_n(&irq_count[me], __ATOMIC_ACQUIRE) == c && t1 < limit);
        irq_mask();
        sysreg_write(cntv_ctl_el0, 0);
        if (irq_count[me] == c || irq_intid[me] != INTID_VTIMER) {
            timer_eoi_first = false;
            not_measured(name, irq_count[me] == c ? "the timer interrupt never reached the guest"
                                                  : "acknowledged the wrong INTID");
            return;
        }
        if (i > 0)
            samples[n++] = minus_overhead(t1 - t0 > TIMER_DELTA ? t1 - t0 - TIMER_DELTA : 0);
    }
    timer_eoi_first = false;
    report(name, samples, n, per_op_x100(exits_since(base), n));
}

/* --- vcpu_switch (bench2.dts): raw gaps of a counter loop on the physical counter, which is
 * common to all VMs (each VM's virtual counter has its own offset) ---------------------------- */

static uint64_t gap_out[SWITCH_MAX_GAPS], gap_in[SWITCH_MAX_GAPS];

static inline uint64_t pnow(void)
{
    uint64_t t;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(t)::"memory");
    return t;
}

/* What each VM of a vcpu_switch variant does with a CPU feature in its loop ("use=NAME" in the
 * bootargs; bench.py's vcpu_switch_NAME): nothing, or a setup that makes the feature's state
 * live, so that a lazily switched feature is switched on every switch, and one instruction of
 * the feature per iteration (where one does not trap by itself). */
enum switch_use { USE_NONE, USE_SVE, USE_PAUTH, USE_PMU, USE_DEBUG };

#define CPACR_EL1_FPEN (3UL << 20)
#define CPACR_EL1_ZEN  (3UL << 16)
#define SCTLR_EL1_ENIA (1UL << 31)
#define PMCR_E         (1UL << 0)
#define PMCNTEN_C      (1UL << 31) /* PMCNTENSET_EL0: the cycle counter */
#define MDSCR_MDE      (1UL << 15)
#define DBGBCR_ENABLED (1UL | 3UL << 1 | 0xfUL << 5) /* E, PMC = EL1 and EL0, BAS all */

static void switch_never_called(void) {}

/* Returns false (with the bench's not-measured line) where the feature is not offered. */
static bool switch_use_setup(enum switch_use use)
{
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), isar1 = sysreg_read(id_aa64isar1_el1);
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    switch (use) {
    case USE_NONE:
        return true;
    case USE_SVE: /* ID_AA64PFR0_EL1.SVE [35:32] */
        if (((pfr0 >> 32) & 0xf) == 0)
            break;
        sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | CPACR_EL1_FPEN | CPACR_EL1_ZEN);
        __asm__ volatile("isb");
        return true;
    case USE_PAUTH: /* ID_AA64ISAR1_EL1.APA [7:4], API [11:8] */
        if (((isar1 >> 4) & 0xff) == 0)
            break;
        sysreg_write(s3_0_c2_c1_0, 0x1234567890abcdefUL); /* APIAKeyLo_EL1 */
        sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | SCTLR_EL1_ENIA);
        __asm__ volatile("isb");
        return true;
    case USE_PMU: /* ID_AA64DFR0_EL1.PMUVer [11:8]: 0 none, 0xf IMPLEMENTATION DEFINED */
        if (((dfr0 >> 8) & 0xf) == 0 || ((dfr0 >> 8) & 0xf) == 0xf)
            break;
        sysreg_write(pmcntenset_el0, PMCNTEN_C);
        sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) | PMCR_E);
        __asm__ volatile("isb");
        return true;
    case USE_DEBUG: /* a breakpoint armed on a function that is never called */
        sysreg_write(oslar_el1, 0);
        sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)switch_never_called);
        sysreg_write(dbgbcr0_el1, DBGBCR_ENABLED);
        sysreg_write(mdscr_el1, sysreg_read(mdscr_el1) | MDSCR_MDE);
        __asm__ volatile("isb");
        return true;
    }
    not_measured("vcpu_switch", "the feature this variant uses is not offered to the VM");
    return false;
}

/* One use of the feature; its value feeds a sink so that nothing is optimised away. */
static inline uint64_t switch_use_once(enum switch_use use)
{
    uint64_t x = 0;
    switch (use) {
    case USE_NONE:
        break;
    case USE_SVE:
        __asm__ volatile(".arch armv8.2-a+sve\n\trdvl %0, #1" : "=r"(x));
        break;
    case USE_PAUTH:
        x = 0x1000;
        __asm__ volatile(".arch armv8.3-a\n\tpacia %0, sp" : "+r"(x));
        break;
    case USE_PMU: /* nothing: every PMU register access traps (MDCR_EL2.TPM, vdev/vpmu.c); the
                   * cycle counter enabled at setup keeps the PMU's state switched */
        break;
    case USE_DEBUG:
        x = sysreg_read(dbgbvr0_el1);
        break;
    }
    return x;
}

static enum switch_use switch_use_of_bootargs(void);

/* Each gap is recorded with the length of the iteration after it ("post"): a feature's
 * first-use trap after the VM runs again falls inside the gap (the VM stopped before that
 * iteration's use) or in the iteration after it (stopped after), and bench.py adds both. */
static uint64_t gap_post[SWITCH_MAX_GAPS];

static void bench_switch(void)
{
    uint64_t t;
    if (!SR_GUARDED(t = pnow())) {
        not_measured("vcpu_switch", "CNTPCT_EL0 not readable at EL1");
        return;
    }
    enum switch_use use = switch_use_of_bootargs();
    if (!switch_use_setup(use))
        return;
    uint64_t begin = pnow(), prev = begin, iter = ~0ULL, sink = 0;
    unsigned n = 0;
    bool after_gap = false;
    while (n < SWITCH_MAX_GAPS) {
        t = pnow();
        sink += switch_use_once(use);
        uint64_t d = t - prev;
        if (after_gap) {
            gap_post[n - 1] = d;
            after_gap = false;
        } else if (d > SWITCH_GAP) {
            gap_out[n] = prev; /* last read before the VM stopped running */
            gap_in[n++] = t;   /* first read after it ran again */
            after_gap = true;
        } else if (d < iter) {
            iter = d;
        }
        prev = t;
        if (t - begin > SWITCH_BUDGET)
            break;
    }
    if (after_gap)
        gap_post[n - 1] = iter;
    gprintf("SWITCH begin %lu end %lu iter %lu gaps %u use %u sink %lu\n", (unsigned long)begin, (unsigned long)prev,
            (unsigned long)iter, n, (unsigned)use, (unsigned long)(sink & 1));
    for (unsigned i = 0; i < n; i++)
        gprintf("SWITCH gap %lu %lu %lu\n", (unsigned long)gap_out[i], (unsigned long)gap_in[i],
                (unsigned long)gap_post[i]);
}

/* --- bar_move (bench-barmove.dts): a stage 2 change of a VM with an assigned PCIe function ---
 * The guest moves the BAR of its function (QEMU's edu, 1 MiB) between the two halves of its
 * bar-window with one configuration write each: the hypervisor unmaps the BAR's pages from the
 * VM's stage 2 (invalidating the CPUs' TLBs and, where an SMMU translates the VM's functions,
 * the SMMU's) and maps the new place. */

#define BAR_MOVES     200
#define EDU_ID        0x11e81234u /* vendor 1234, device 11e8 */
#define PCI_COMMAND   0x04
#define PCI_BAR0      0x10
#define PCI_CMD_MEM   0x2u
#define EDU_BAR_SIZE  0x100000
#define EDU_REG_IDENT 0x00 /* reads 0x010000ed */

static void bench_bar_move(void)
{
    int node = fdt_next_compatible(&guest_fdt, -1, "pci-host-ecam-generic");
    int len;
    const uint8_t *r = node >= 0 ? fdt_getprop(&guest_fdt, node, "ranges", &len) : 0;
    uintptr_t ecam = (uintptr_t)dt_reg_of("pci-host-ecam-generic");
    if (!r || len != 28 || !ecam) {
        not_measured("bar_move", "no pci-host-ecam-generic with one bar-window in the device tree");
        return;
    }
    uint64_t win = (uint64_t)fdt_cell(r, 3) << 32 | fdt_cell(r, 4),
             size = (uint64_t)fdt_cell(r, 5) << 32 | fdt_cell(r, 6);
    uint32_t id = 0;
    if (!rd32(ecam, &id) || id != EDU_ID || size < 2 * EDU_BAR_SIZE || win >> 32) {
        not_measured("bar_move", "the VM's function 0 is not an edu, or its bar-window is under 2 MiB or above 4 GiB");
        return;
    }
    uintptr_t bar0 = ecam + PCI_BAR0;
    *(volatile uint32_t *)bar0 = (uint32_t)win;
    *(volatile uint32_t *)(ecam + PCI_COMMAND) |= PCI_CMD_MEM;
    uint32_t ident = 0;
    if (!rd32((uintptr_t)win + EDU_REG_IDENT, &ident) || (ident & 0xff) != 0xed) {
        not_measured("bar_move", "the edu's registers are not at its BAR");
        return;
    }
    uint64_t base[MAX_CLASSES];
    exits_snap(base);
    for (unsigned i = 0; i < BAR_MOVES; i++)
        samples[i] = minus_overhead(op_str32(bar0, (uint32_t)(win + (i % 2 ? 0 : EDU_BAR_SIZE))));
    uint64_t exits = exits_since(base);
    /* After an even number of moves the BAR is back at the window's start. */
    if (!rd32((uintptr_t)win + EDU_REG_IDENT, &ident) || (ident & 0xff) != 0xed) {
        not_measured("bar_move", "the edu's registers were not at its BAR after the moves");
        return;
    }
    report("bar_move", samples, BAR_MOVES, per_op_x100(exits, BAR_MOVES));
}

/* --- main ----------------------------------------------------------------------------------- */

static bool bootarg(const char *word)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    size_t n = strlen(word);
    for (const char *p = args; p && *p; p++)
        if ((p == args || p[-1] == ' ') && strncmp(p, word, n) == 0 && (p[n] == 0 || p[n] == ' '))
            return true;
    return false;
}

static enum switch_use switch_use_of_bootargs(void)
{
    if (bootarg("use=sve"))
        return USE_SVE;
    if (bootarg("use=pauth"))
        return USE_PAUTH;
    if (bootarg("use=pmu"))
        return USE_PMU;
    if (bootarg("use=debug"))
        return USE_DEBUG;
    return USE_NONE;
}

int guest_main(void)
{
    uint64_t freq = sysreg_read(cntfrq_el0);
    if (freq != 1000000000)
        unit = "ticks"; /* not 1 GHz: the counter does not count instructions */
    exits_probe();
    gprintf("BENCHINFO cntfrq %lu exit_classes %u samples %u\n", (unsigned long)freq, nr_classes, NSAMPLES);
    measure_overhead();

    if (bootarg("bench=switch")) {
        bench_switch();
        return 0;
    }
    if (bootarg("bench=barmove")) {
        bench_bar_move();
        return 0;
    }
    if (bootarg("bench=lpi")) { /* bench-lpi.dts: a VM with a virtual ITS (GICv3 only) */
        const char *why = gic_find();
        if (!why)
            why = gic_dist_init();
        if (!why)
            why = gic_cpu_init();
        if (why)
            not_measured("lpi", why);
        else
            bench_lpi();
        return 0;
    }
    if (bootarg("bench=latency")) { /* latency-alone.dts, latency-noisy.dts */
        for (uint64_t end = now() + freq / 5; now() < end;)
            ; /* 200 ms: the neighbours are under way */
        const char *why = gic_find();
        if (!why)
            why = gic_dist_init();
        if (!why)
            why = gic_cpu_init();
        if (why) {
            not_measured("timer_latency", why);
        } else {
            guest_set_irq_hook(bench_irq);
            bench_timer();
        }
        return 0;
    }

    uintptr_t uart = (uintptr_t)dt_reg_of("arm,pl011");
    uintptr_t dbg = (uintptr_t)dt_reg_of("elvisor,debug-regs");
    if (hvc_call(SMCCC_VERSION, 0, 0, 0) == 0x10001)
        run_op("hvc", op_hvc, 0, 0);
    else
        not_measured("hvc", "SMCCC_VERSION does not answer 1.1");
    run_op("mmio_read_emul", op_ldr32, uart + 0x18, 0); /* UARTFR */
    uintptr_t virtio = (uintptr_t)dt_reg_of("virtio,mmio");
    if (virtio) /* QueueSel (virtio 1.2 4.2.2): a register write with no side effect */
        run_op("mmio_write_emul", op_str32, virtio + 0x030, 0);
    else
        not_measured("mmio_write_emul", "no virtio,mmio device in the VM");
    if (dbg) {
        run_op("mmio_write_debug", op_str64, dbg, 0x1122334455667788ULL); /* scratch 0 */
        run_op("mmio_read_debug", op_ldr64, dbg, 0);
    } else {
        not_measured("mmio_write_debug", "no elvisor,debug-regs device in the VM");
        not_measured("mmio_read_debug", "no elvisor,debug-regs device in the VM");
    }
    /* UARTIMSC rewritten with its own value: a register write with no side effect. */
    run_op("mmio_write_pl011", op_str32, uart + 0x38, *(volatile uint32_t *)(uart + 0x38));
    run_op("sysreg_trap", op_sysreg, 0, 0);

    gic_reason = gic_find();
    bench_gicd_read();
    if (!gic_reason)
        gic_reason = gic_dist_init();
    if (!gic_reason)
        gic_reason = gic_cpu_init();
    if (gic_reason || !bench_eoi()) {
        not_measured("eoi", gic_reason);
        not_measured("ipi", gic_reason);
        not_measured("ipi_spin", gic_reason);
        not_measured("timer_latency", gic_reason);
        not_measured("eoi_timer", gic_reason);
        not_measured("timer_rt_mask_first", gic_reason);
        not_measured("timer_rt_eoi_first", gic_reason);
        return 0;
    }
    bench_ipi(false);
    bench_ipi(true);
    bench_timer();
    bench_timer_rt(false);
    bench_timer_rt(true);
    if (dt_reg_of("arm,gic-v3-its")) /* natively, QEMU's own ITS (under elvisor: bench-lpi.dts) */
        bench_lpi();
    return 0;
}
