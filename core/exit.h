/* The exit path: each synchronous exit goes to the handler of its exception class (ESR_EL2.EC)
 * through one table; core fills the rows it owns, vdev adds the rows of the models of what a VM
 * sees (vdev/trap_table.c) once, at boot. */
#ifndef CORE_EXIT_H
#define CORE_EXIT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vm.h"

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

/* In exit_hook.cls: the handler counts the exit itself (WFx: WFI or WFE). */
#define EXITC_BY_HANDLER EXITC_NR

/* A row of the exit table: exceptions of class ec go to fn and count in exit class cls
 * (enum exit_class, or EXITC_BY_HANDLER). */
struct exit_hook {
    uint8_t ec;
    uint8_t cls;
    exit_fn *fn;
};

/* The rows vdev provides (vdev/trap_table.c); core never names their handlers. */
extern const struct exit_hook vdev_exit_hooks[];
extern const unsigned vdev_nr_exit_hooks;

/* The overlay: a second table, the main one with the rows of vdev_overlay_exit_hooks in place of
 * theirs, for a vCPU in a mode where some exceptions are first someone else's (a guest
 * hypervisor's guest whose traps that hypervisor asked for, vdev/nested_traps.c). Each vCPU
 * dispatches through its own table pointer, so choosing costs no exit anything. exit_overlay
 * picks v's table (on v's CPU, or while v is not loaded; vcpu_init starts every vCPU on the
 * main one); exit_main runs the main table's handler for an exception that an overlay row
 * passes on (already counted by the overlay row, whose class must be the main row's). */
extern const struct exit_hook vdev_overlay_exit_hooks[];
extern const unsigned vdev_nr_overlay_exit_hooks;
void exit_overlay(struct vcpu *v, bool on);
enum exit_result exit_main(struct vcpu *v, uint64_t esr);

/* Builds the exit table (core's rows, then vdev_exit_hooks; an exception class nobody handles
 * is UNDEFINED in the guest), the overlay and the trapped system register lookup (core/sysreg_trap.h).
 * Once, at boot, before any guest runs; panics if two rows claim one class. */
void exit_init(void);

#endif
