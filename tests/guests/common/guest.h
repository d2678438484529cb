/* Runtime for elvisor's freestanding test guests: console, PSCI, expected-fault handling. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/fdt_read.h"

struct guest_frame {
    uint64_t x[31];
    uint64_t pad;
};

extern struct fdt guest_fdt;

/* Each test guest defines this; it returns the number of failed checks. */
int guest_main(void);
/* Secondary vCPUs land here (weak default: report and stop). */
void guest_secondary_main(uint64_t index);

void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "TEST name: PASS" or "TEST name: FAIL (detail)" and counts failures. */
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern int guest_failures;

uint64_t hvc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
uint64_t smc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
void guest_poweroff(void) __attribute__((noreturn));

/* Expected synchronous exceptions: arm, run the access, then read what happened. The handler
 * skips the faulting instruction. */
void fault_expect(void);
bool fault_taken(uint64_t *esr, uint64_t *far);
/* fault_expect() also catches one SError (esr = ESR_EL1) or FIQ (esr = 0x300, and the FIQ
 * returns masked) taken at EL1h. */

/* IRQ hook, for guests that take interrupts (the benchmarks): fn runs for each IRQ taken at
 * EL1h (vector 0x280) with the virtual counter read first thing in the C handler; it must
 * acknowledge and end the interrupt itself. Without a hook an IRQ is an unexpected exception. */
typedef void (*guest_irq_fn)(uint64_t entry_cntvct);
void guest_set_irq_hook(guest_irq_fn fn);

/* MMIO base of the first node compatible with compat (0 if none). */
uint64_t dt_reg_of(const char *compat);

#define sysreg_read(reg)                              \
    ({                                                \
        uint64_t _v;                                  \
        __asm__ volatile("mrs %0, " #reg : "=r"(_v)); \
        _v;                                           \
    })
#define sysreg_write(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(val)) : "memory")

#endif
