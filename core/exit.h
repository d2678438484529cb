/* The exit path: each synchronous exit goes to the handler of its exception class (ESR_EL2.EC)
 * through one table; core fills the rows it owns, vdev adds the rows of the models of what a VM
 * sees (vdev/trap_table.c) once, at boot. */
#ifndef CORE_EXIT_H
#define CORE_EXIT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vm.h"
#include "core/irq.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/sysreg.h"

enum exit_result { EXIT_RESUME, EXIT_YIELD };

/* Handles one exit of v (kind from vcpu_enter); says whether to re-enter the guest. */
enum exit_result exit_handle(struct vcpu *v, unsigned kind);

/* The handler of one exception class; esr is the exit's ESR_EL2. */
typedef enum exit_result exit_fn(struct vcpu *v, uint64_t esr);

/* Core's handling of a stage 2 abort from the guest: a data abort goes to MMIO emulation, an
 * instruction fetch outside RAM gets an external abort. The rows are vdev's (trap_table.c),
 * which may take some aborts itself (a guest hypervisor's guest on a shadow stage 2). */
enum exit_result exit_dabt(struct vcpu *v, uint64_t esr);
enum exit_result exit_iabt(struct vcpu *v, uint64_t esr);

/* In exit_hook.cls: the handler counts the exit itself (WFx: WFI or WFE); struct vcpu's exits[]
 * has a spare slot at this index. */
#define EXITC_BY_HANDLER EXITC_NR

/* A row of the exit table: exceptions of class ec go to fn and count in exit class cls
 * (enum exit_class, or EXITC_BY_HANDLER). */
struct exit_hook {
    uint8_t ec;
    uint8_t cls;
    exit_fn *fn;
};
/* The exit path in vectors.S reads the rows too (arch/aarch64/traps.h). */
_Static_assert(__builtin_offsetof(struct exit_hook, cls) == EXIT_ROW_CLS, "exit_hook: vectors.S layout");
_Static_assert(__builtin_offsetof(struct exit_hook, fn) == EXIT_ROW_FN, "exit_hook: vectors.S layout");
_Static_assert(sizeof(struct exit_hook) == 1u << EXIT_ROW_SIZE_SHIFT, "exit_hook: vectors.S layout");

/* The rows vdev provides (vdev/trap_table.c); core never names their handlers. */
extern const struct exit_hook vdev_exit_hooks[];
extern const unsigned vdev_nr_exit_hooks;

/* Exit modes: beside the main table (mode EXIT_MODE_MAIN), vdev_exit_modes[m - 1] lists the
 * rows that replace the main table's for a vCPU in mode m, where some exceptions are first
 * someone else's (a guest hypervisor at virtual EL2, its guest whose traps it asked for:
 * vdev/nested.h). Each vCPU dispatches through its own table pointer, so a VM that never enters
 * a mode pays nothing for it. exit_set_mode picks v's table (on v's CPU, or while v is not
 * loaded; vcpu_init starts every vCPU on the main one); exit_main runs the main table's handler
 * for an exception that a mode's row passes on (already counted by that row, whose class must
 * be the main row's). */
#define EXIT_MODE_MAIN 0
#define EXIT_MODES_MAX 4
struct exit_mode {
    const struct exit_hook *rows;
    unsigned nr;
};
extern const struct exit_mode vdev_exit_modes[];
extern const unsigned vdev_nr_exit_modes; /* modes 1..vdev_nr_exit_modes, < EXIT_MODES_MAX */
void exit_set_mode(struct vcpu *v, unsigned mode);
enum exit_result exit_main(struct vcpu *v, uint64_t esr);

/* A synchronous exit of v: its row in v's table by ESR_EL2.EC, counted, then the handler.
 * Inline in the exit path (core/vcpu.c vcpu_exit); exit_handle does the same. */
static inline enum exit_result exit_sync(struct vcpu *v)
{
    uint64_t esr = sysreg_read(esr_el2);
    const struct exit_hook *h = &v->exit_table[esr_ec(esr)];
    v->exits[h->cls]++; /* EXITC_BY_HANDLER: a slot nobody reads, so that no test is needed */
    return h->fn(v, esr);
}

/* An exit that is not synchronous: a physical IRQ or FIQ, counted and dispatched by INTID
 * (core/irq.c), inline in the exit path (core/vcpu.c vcpu_exit_async) as every interrupt that
 * lands while a guest runs takes it (a kick, a device, the time slice's end); an SError or an
 * illegal state in exit_handle. */
static inline enum exit_result exit_async(struct vcpu *v, unsigned kind)
{
    if (__builtin_expect(kind == EXIT_IRQ || kind == EXIT_FIQ, 1)) {
        v->exits[EXITC_IRQ]++;
        irq_handle_pending();
        return EXIT_RESUME;
    }
    return exit_handle(v, kind);
}

/* Builds the exit table (core's rows, then vdev_exit_hooks; an exception class nobody handles
 * is UNDEFINED in the guest), the modes' tables and the trapped system register lookup (core/sysreg_trap.h).
 * Once, at boot, before any guest runs; panics if two rows claim one class. */
void exit_init(void);

#endif
