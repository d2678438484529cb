/* Host stand-ins for the parts of the hypervisor that host programs (tests/unit, tests/fuzz)
 * do not link: system registers (the HOST_TEST path of arch/aarch64/sysreg.h), per-CPU data,
 * the physical GIC (drivers/gic.h), IPIs, interrupt handlers and SPI ownership (core/irq.h),
 * the page allocator (calloc), the console and the platform description. A program lists
 * tests/host/stubs.c in its .deps and calls host_reset() before each case. "The calling CPU"
 * is whichever host_set_cpu() chose, per host thread (tests/unit/race_*.c run CPUs as threads;
 * the rest of the stand-ins' state is shared and unlocked: a register touched before the
 * threads start can be read from all of them).
 * The stand-ins of core/irq.c (irq_kick_cpu, irq_set_handler, irq_claim_spi, irq_release_spis)
 * and of core/vcpu.c (vcpu_trap_wfi, vcpu_set_hcr, vcpu_hcr_off) are weak: a program that links the real file gets the real
 * functions, and then host_kicks / host_handlers stay empty (the real kick is an SGI through
 * the stand-in GIC, host_gic.sgis). */
#ifndef TESTS_HOST_STUBS_H
#define TESTS_HOST_STUBS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/exit.h"
#include "core/irq.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "drivers/gic.h"

#define HOST_NR_INTIDS 1020

/* One physical interrupt as the stand-in gic_ops leave it. ack() takes, from those the calling
 * CPU sees (its private INTIDs, SPIs routed to it), the enabled, pending and inactive one of
 * highest priority (lowest value, then lowest INTID), makes it active and, for an edge (SGIs
 * always), no longer pending: a level interrupt stays pending until the test lowers it. */
struct host_irq {
    bool enabled, pending, active, edge;
    uint8_t priority;
    unsigned route;
};

struct host_gic {
    struct host_irq spi[HOST_NR_INTIDS];            /* [intid]; private INTIDs unused */
    struct host_irq priv[MAX_CPUS][GIC_NR_PRIVATE]; /* banked per CPU */
    unsigned nr_enables, nr_deactivates;            /* enable(on) and deactivate calls */
    uint32_t last_enabled, last_deactivated;
    unsigned nr_acks, nr_eois, nr_cpu_inits; /* ack (not spurious), eoi and cpu_init calls */
    /* send_sgi: SGIs sent to each CPU, by SGI number. Acknowledged as GICv3 gives them: the
     * INTID alone (no source CPU, which GICv2 puts in IAR bits [12:10]). */
    unsigned sgis[MAX_CPUS][GIC_NR_SGIS];
    /* Called, when set, by every deactivation before the active state is cleared. */
    void (*on_deactivate)(uint32_t intid);
};

/* What irq_set_handler() and irq_claim_spi() registered, by INTID. */
struct host_handler {
    irq_handler_fn fn;
    void *arg;
    bool claimed; /* by irq_claim_spi */
};

extern struct host_gic host_gic; /* and gic_lines (drivers/gic.h): HOST_NR_INTIDS */
extern struct host_handler host_handlers[HOST_NR_INTIDS];
extern struct percpu percpu_data[MAX_CPUS];
extern unsigned host_kicks[MAX_CPUS]; /* irq_kick_cpu() calls per CPU */
extern uint32_t host_refused_spi;     /* irq_claim_spi() refuses it (0: none) */
extern bool host_verbose;             /* printk() to stderr (default: silent) */
/* core/exit.c's overlay: the table exit_overlay(v, true) points v at, and the syndrome of the
 * last exit_main call (the stubs are weak, as core/vcpu.c's). */
extern const struct exit_hook host_exit_overlay[1];
extern uint64_t host_exit_main_esr;

/* Everything back to zero; the calling CPU is 0; each CPU's TPIDR_EL2 points at its
 * percpu_data entry (id set), so this_cpu() works. Keeps host_verbose. */
void host_reset(void);
/* Makes cpu the calling CPU: this_cpu(), system registers and banked GIC state are its own. */
void host_set_cpu(unsigned cpu);
unsigned host_current_cpu(void);
/* Runs the handler registered for intid, as core/irq.c's dispatch does (there must be one):
 * true when it handed the interrupt on still active, false when the caller deactivates it. */
bool host_dispatch(uint32_t intid);
/* The physical interrupt intid as seen from the calling CPU. */
struct host_irq *host_irq(uint32_t intid);
/* System register `name` (spelled as the code spells it, e.g. "ich_lr3_el2") of cpu; created
 * as 0 on first use. */
uint64_t *host_sysreg(unsigned cpu, const char *name);
/* Whether the code read or wrote `name` on any CPU since host_reset(). */
bool host_sysreg_touched(const char *name);

#endif
