/* Host stand-ins shared by the unit tests and fuzz harnesses (see stubs.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/stubs.h"
#include "core/irq.h"
#include "core/power.h"
#include "core/console.h"
#include "core/vcpu.h"
#include "core/exit.h"
#include "core/page_alloc.h"
#include "arch/aarch64/regs/hcr.h"

struct platform platform;
struct host_gic host_gic;
unsigned gic_lines;
struct host_handler host_handlers[HOST_NR_INTIDS];
__attribute__((weak)) struct percpu percpu_data[MAX_CPUS]; /* core/percpu.c wins where linked */
unsigned host_kicks[MAX_CPUS];
uint32_t host_refused_spi;
bool host_verbose;

static _Thread_local unsigned cur_cpu; /* per host thread: tests/unit/race_*.c run CPUs as threads */

static void host_fail(const char *what, unsigned long n)
{
    fprintf(stderr, "host stand-in: %s %lu\n", what, n);
    abort();
}

/* ---- system registers: a small hash table of names, one value per CPU ---- */

#define NR_SLOTS 128

static struct sysreg_slot {
    char name[32];
    bool touched;
    uint64_t val[MAX_CPUS];
} slots[NR_SLOTS];

static struct sysreg_slot *slot(const char *name, bool create)
{
    uint32_t h = 2166136261u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    for (unsigned i = 0; i < NR_SLOTS; i++) {
        struct sysreg_slot *s = &slots[(h + i) % NR_SLOTS];
        if (!s->name[0]) {
            if (!create)
                return NULL;
            if (strlen(name) >= sizeof(s->name))
                host_fail("system register name too long, length", strlen(name));
            strcpy(s->name, name);
            return s;
        }
        if (!strcmp(s->name, name))
            return s;
    }
    host_fail("too many system registers:", NR_SLOTS);
    return NULL;
}

uint64_t *host_sysreg(unsigned cpu, const char *name)
{
    if (cpu >= MAX_CPUS)
        host_fail("no such CPU", cpu);
    return &slot(name, true)->val[cpu];
}

bool host_sysreg_touched(const char *name)
{
    const struct sysreg_slot *s = slot(name, false);
    return s && s->touched;
}

/* ICH_ELRSR_EL2 as the hardware gives it (IHI 0069H 12.4.6): from this CPU's ICH_LR<n>_EL2,
 * bit n set for an LR with neither state (State [63:62]) whose HW bit [61] is set or EOI bit
 * [41] clear. The list registers are looked at without being marked as touched by the code. */
static uint64_t ich_elrsr(void)
{
    static const char *const names[16] = {
        "ich_lr0_el2",  "ich_lr1_el2",  "ich_lr2_el2",  "ich_lr3_el2",  "ich_lr4_el2",  "ich_lr5_el2",
        "ich_lr6_el2",  "ich_lr7_el2",  "ich_lr8_el2",  "ich_lr9_el2",  "ich_lr10_el2", "ich_lr11_el2",
        "ich_lr12_el2", "ich_lr13_el2", "ich_lr14_el2", "ich_lr15_el2",
    };
    uint64_t out = 0;
    for (unsigned n = 0; n < 16; n++) {
        const struct sysreg_slot *s = slot(names[n], false);
        uint64_t lr = s ? s->val[cur_cpu] : 0;
        if (!(lr >> 62) && (((lr >> 61) & 1) || !((lr >> 41) & 1)))
            out |= 1u << n;
    }
    return out;
}

uint64_t host_sysreg_read(const char *name)
{
    if (!strcmp(name, "ich_elrsr_el2"))
        return ich_elrsr();
    struct sysreg_slot *s = slot(name, true);
    if (!s->touched) /* a read by several threads writes nothing once touched */
        s->touched = true;
    return s->val[cur_cpu];
}

void host_sysreg_write(const char *name, uint64_t val)
{
    struct sysreg_slot *s = slot(name, true);
    s->touched = true;
    s->val[cur_cpu] = val;
}

/* ---- CPUs ---- */

void host_reset(void)
{
    memset(slots, 0, sizeof(slots));
    memset(&host_gic, 0, sizeof(host_gic));
    memset(host_handlers, 0, sizeof(host_handlers));
    memset(percpu_data, 0, sizeof(percpu_data));
    memset(host_kicks, 0, sizeof(host_kicks));
    memset(&platform, 0, sizeof(platform));
    host_refused_spi = 0;
    gic_lines = HOST_NR_INTIDS;
    for (unsigned c = 0; c < MAX_CPUS; c++) {
        percpu_data[c].id = c;
        *host_sysreg(c, "tpidr_el2") = (uint64_t)(uintptr_t)&percpu_data[c];
    }
    cur_cpu = 0;
}

void host_set_cpu(unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        host_fail("no such CPU", cpu);
    cur_cpu = cpu;
}

unsigned host_current_cpu(void) { return cur_cpu; }

/* ---- the physical GIC ---- */

struct host_irq *host_irq(uint32_t intid)
{
    if (intid >= HOST_NR_INTIDS)
        host_fail("INTID out of range:", intid);
    return intid < GIC_NR_PRIVATE ? &host_gic.priv[cur_cpu][intid] : &host_gic.spi[intid];
}

static void g_enable(uint32_t intid, bool on)
{
    host_irq(intid)->enabled = on;
    if (on) {
        host_gic.nr_enables++;
        host_gic.last_enabled = intid;
    }
}
static void g_priority(uint32_t intid, uint8_t prio) { host_irq(intid)->priority = prio; }
static void g_edge(uint32_t intid, bool edge) { host_irq(intid)->edge = edge; }
static void g_route(uint32_t intid, unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        host_fail("route to no such CPU", cpu);
    host_irq(intid)->route = cpu;
}
static void g_pending(uint32_t intid, bool p) { host_irq(intid)->pending = p; }
static void g_active(uint32_t intid, bool a) { host_irq(intid)->active = a; }
static bool g_is_active(uint32_t intid) { return host_irq(intid)->active; }
static void g_deactivate(uint32_t iar)
{
    uint32_t intid = gic_intid(iar);
    host_gic.nr_deactivates++;
    host_gic.last_deactivated = intid;
    if (host_gic.on_deactivate)
        host_gic.on_deactivate(intid);
    host_irq(intid)->active = false;
}

static void g_cpu_init(unsigned cpu) { host_gic.nr_cpu_inits++; }

/* Whether the calling CPU sees intid: its own private INTIDs, the SPIs routed to it. */
static bool g_visible(uint32_t intid) { return intid < GIC_NR_PRIVATE || host_gic.spi[intid].route == cur_cpu; }

static uint32_t g_ack(void)
{
    uint32_t best = 1023;
    for (uint32_t i = 0; i < HOST_NR_INTIDS; i++) {
        const struct host_irq *h = host_irq(i);
        if (g_visible(i) && h->enabled && h->pending && !h->active &&
            (best == 1023 || h->priority < host_irq(best)->priority))
            best = i;
    }
    if (best == 1023)
        return best;
    struct host_irq *h = host_irq(best);
    h->active = true;
    if (h->edge || best < GIC_NR_SGIS)
        h->pending = false;
    host_gic.nr_acks++;
    return best;
}

static void g_eoi(uint32_t iar) { host_gic.nr_eois++; }

static void g_send_sgi(unsigned cpu, unsigned sgi)
{
    if (cpu >= MAX_CPUS || sgi >= GIC_NR_SGIS)
        host_fail("SGI to no such CPU or of no such number", cpu * 100UL + sgi);
    host_gic.sgis[cpu][sgi]++;
    host_gic.priv[cpu][sgi].pending = true;
}

static const struct gic_ops host_gic_ops = {
    .intid_mask = 0xffffff,
    .cpu_init = g_cpu_init,
    .enable = g_enable,
    .set_priority = g_priority,
    .set_edge = g_edge,
    .route = g_route,
    .set_pending = g_pending,
    .set_active = g_active,
    .is_active = g_is_active,
    .ack = g_ack,
    .eoi = g_eoi,
    .deactivate = g_deactivate,
    .send_sgi = g_send_sgi,
};
const struct gic_ops *gic = &host_gic_ops;

/* ---- core/irq.c (weak: see stubs.h) and the console ---- */

__attribute__((weak)) void irq_kick_cpu(unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        host_fail("kick of no such CPU", cpu);
    host_kicks[cpu]++;
}

/* core/vcpu.c's rule for tests that do not link it: an IPI only where v is loaded or its CPU
 * sleeps. */
__attribute__((weak)) void vcpu_kick(struct vcpu *v)
{
    if (v->loaded || percpu_data[v->pcpu].idle)
        irq_kick_cpu(v->pcpu);
}

__attribute__((weak)) int irq_set_handler(uint32_t intid, irq_handler_fn fn, void *arg)
{
    if (intid >= HOST_NR_INTIDS)
        return -1;
    host_handlers[intid] = (struct host_handler){ fn, arg, false };
    return 0;
}

bool host_dispatch(uint32_t intid)
{
    if (intid >= HOST_NR_INTIDS || !host_handlers[intid].fn)
        host_fail("no handler for INTID", intid);
    return host_handlers[intid].fn(intid, host_handlers[intid].arg);
}

__attribute__((weak)) int irq_claim_spi(uint32_t intid, irq_handler_fn fn, struct vm *vm)
{
    if (intid < GIC_NR_PRIVATE || intid >= HOST_NR_INTIDS || intid == host_refused_spi)
        return -1;
    struct host_handler *h = &host_handlers[intid];
    if (h->fn && !(h->claimed && h->arg == vm))
        return -1;
    *h = (struct host_handler){ fn, vm, true };
    return 0;
}

__attribute__((weak)) void irq_release_spis(struct vm *vm)
{
    for (unsigned i = 0; i < HOST_NR_INTIDS; i++)
        if (host_handlers[i].claimed && host_handlers[i].arg == vm)
            host_handlers[i] = (struct host_handler){ 0 };
}

void printk(const char *fmt, ...)
{
    if (!host_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* ---- core/page_alloc.c: zeroed memory from the host heap ---- */

void *page_alloc(uint64_t npages, uint64_t align)
{
    void *p = aligned_alloc(align, npages * PA_PAGE_SIZE);
    if (p)
        memset(p, 0, npages * PA_PAGE_SIZE);
    return p;
}

void page_free(void *pa, uint64_t npages) { free(pa); }

/* ---- core/vcpu.c ---- */
/* ---- core/vcpu.c (weak: see stubs.h) ---- */

__attribute__((weak)) void vcpu_trap_wfi(struct vcpu *v, unsigned reason, bool on)
{
    v->wfi_trap = (uint8_t)(on ? v->wfi_trap | reason : v->wfi_trap & ~reason);
}
__attribute__((weak)) void vcpu_set_hcr(struct vcpu *v, uint64_t bits, bool on)
{
    v->hcr_parts = on ? v->hcr_parts | bits : v->hcr_parts & ~bits;
}
__attribute__((weak)) void vcpu_hcr_off(struct vcpu *v, uint64_t bits) { v->hcr_off = bits; }
__attribute__((weak)) void vcpu_set_vline(struct vcpu *v, enum vcpu_vline line, bool on)
{
    uint64_t bit = line == VLINE_IRQ ? HCR_EL2_VI : line == VLINE_FIQ ? HCR_EL2_VF : HCR_EL2_VSE;
    v->vlines = on ? v->vlines | bit : v->vlines & ~bit;
}
__attribute__((weak)) void vcpu_set_vsesr(struct vcpu *v, uint64_t vsesr) { v->vsesr = (uint32_t)vsesr; }
__attribute__((weak)) void vcpu_hcr_update(struct vcpu *v, uint64_t clear, uint64_t set, uint64_t off)
{
    v->hcr_parts = (v->hcr_parts & ~clear) | set;
    v->hcr_off = off;
}
void pci_assign_quiesce(struct vm *vm) {}

/* ---- core/exit.c's modes (weak: a program that links core/exit.c gets the real one) ---- */
const struct exit_hook host_exit_modes[EXIT_MODES_MAX][1];
uint64_t host_exit_main_esr;
__attribute__((weak)) void exit_set_mode(struct vcpu *v, unsigned mode)
{
    v->exit_table = mode < EXIT_MODES_MAX ? host_exit_modes[mode] : NULL;
}
__attribute__((weak)) enum exit_result exit_main(struct vcpu *v, uint64_t esr)
{
    host_exit_main_esr = esr;
    return EXIT_RESUME;
}

/* ---- core/power.c: the host tests never power off, so no CPU is ever parked ---- */
bool power_parking;
void power_park(void) { abort(); }
