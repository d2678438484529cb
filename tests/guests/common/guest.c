#include <stdarg.h>
#include "tests/guests/common/guest.h"
#include "lib/printf.h"

struct fdt guest_fdt;
int guest_failures;
static volatile uint8_t *uart;
static volatile bool fault_armed, fault_seen;
static volatile uint64_t fault_esr, fault_far;

static void putc_uart(char c)
{
    if (!uart)
        return;
    while (*(volatile uint32_t *)(uart + 0x18) & (1u << 5))
        ;
    *(volatile uint32_t *)uart = (uint8_t)c;
}

void gprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (const char *p = buf; *p; p++)
        putc_uart(*p);
}

void check(bool ok, const char *name, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    ev_vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (ok) {
        gprintf("TEST %s: PASS\n", name);
    } else {
        guest_failures++;
        gprintf("TEST %s: FAIL (%s)\n", name, detail);
    }
}

uint64_t hvc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid, x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return x0;
}

uint64_t smc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid, x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return x0;
}

void guest_poweroff(void)
{
    /* PSCI SYSTEM_OFF; at (virtual) EL2 through SMC, as an HVC there is the guest's own. */
    if ((sysreg_read(CurrentEL) >> 2) == 2)
        smc_call(0x84000008, 0, 0, 0);
    else
        hvc_call(0x84000008, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void fault_expect(void)
{
    fault_seen = false;
    fault_armed = true;
}

bool fault_taken(uint64_t *esr, uint64_t *far)
{
    fault_armed = false;
    if (esr)
        *esr = fault_esr;
    if (far)
        *far = fault_far;
    return fault_seen;
}

static guest_irq_fn irq_hook;

void guest_set_irq_hook(guest_irq_fn fn) { __atomic_store_n(&irq_hook, fn, __ATOMIC_RELEASE); }

void guest_exception(struct guest_frame *f, uint64_t vector)
{
    guest_irq_fn hook = __atomic_load_n(&irq_hook, __ATOMIC_ACQUIRE);
    if (vector == 0x280 && hook) {
        uint64_t now;
        __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
        hook(now);
        return;
    }
    uint64_t esr = sysreg_read(esr_el1), far = sysreg_read(far_el1), elr = sysreg_read(elr_el1);
    /* An expected asynchronous exception (SError 0x380, FIQ 0x300 from EL1h): recorded; a FIQ
     * returns with PSTATE.F set, as its (level) source is still raised. */
    if (fault_armed && (vector == 0x380 || vector == 0x300)) {
        if (vector == 0x300)
            sysreg_write(spsr_el1, sysreg_read(spsr_el1) | (1UL << 6));
        fault_esr = vector == 0x380 ? esr : vector;
        fault_far = 0;
        fault_seen = true;
        fault_armed = false;
        return;
    }
    if (fault_armed && (vector == 0x200 || vector == 0x000)) {
        fault_esr = esr;
        fault_far = far;
        fault_seen = true;
        fault_armed = false;
        sysreg_write(elr_el1, elr + 4);
        return;
    }
    gprintf("GUEST UNEXPECTED EXCEPTION vector 0x%lx ESR %lx FAR %lx ELR %lx\n", (unsigned long)vector,
            (unsigned long)esr, (unsigned long)far, (unsigned long)elr);
    guest_poweroff();
}

uint64_t dt_reg_of(const char *compat)
{
    uint64_t base, size;
    int node = fdt_next_compatible(&guest_fdt, -1, compat);
    if (node < 0 || fdt_reg(&guest_fdt, node, 0, &base, &size) < 0)
        return 0;
    return base;
}

__attribute__((weak)) void guest_secondary_main(uint64_t index)
{
    gprintf("vCPU%lu: no secondary code in this guest\n", (unsigned long)index);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_boot(const void *dtb)
{
    if (fdt_init(&guest_fdt, dtb, 1 << 20) == 0) {
        int node = fdt_stdout_node(&guest_fdt);
        uint64_t base, size;
        if (node >= 0 && fdt_reg(&guest_fdt, node, 0, &base, &size) == 0)
            uart = (volatile uint8_t *)(uintptr_t)base;
    }
    if (!uart)
        guest_poweroff(); /* nothing to say anything on */
    int failures = guest_main();
    gprintf("GUEST DONE: %d failure(s)\n", failures);
    guest_poweroff();
}
