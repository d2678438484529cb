/* The bare-metal L2 guest of tools/minivmm (docs/nested.md, "The project VMM"): run by minivmm
 * inside a Linux VM, or anywhere with a PL011, a GICv3 and PSCI by HVC. It prints through the
 * PL011, calls PSCI by HVC, reads and writes the UART's registers (each an MMIO exit to the
 * VMM), reads an address with no device, takes the EL1 virtual timer's interrupt through the
 * GICv3, prints "l2: ok" when every check passed and powers off by PSCI SYSTEM_OFF.
 *
 * It also times its hypercall and UART read round trips with the virtual counter: under QEMU
 * with -icount shift=0 and -cpu max the counter ticks once per instruction (docs/performance.md),
 * so these are instruction counts, the VMM's and the host kernel's included. */
#include "tests/guests/common/guest.h"
#include "tests/guests/common/gic.h"

#define PSCI_VERSION  0x84000000u
#define SMCCC_VERSION 0x80000000u
#define PSCI_1_0      0x10000u

/* PL011 registers (DDI 0183G 3.2) */
#define UARTFR      0x018
#define UARTIMSC    0x038
#define UARTPERIPH0 0xfe0
#define UARTPCELL0  0xff0
#define FR_TXFE     (1u << 7)
#define INT_RX_RT   ((1u << 4) | (1u << 6))

/* QEMU virt's platform bus: nothing is mapped there for an L2 of minivmm. */
#define NO_DEVICE 0x0a000000u

#define INTID_VTIMER   27
#define TIMER_US       2000
#define TIMER_LIMIT_US 2000000 /* virtual time before the timer test gives up */
#define NSAMPLES       200

static volatile unsigned timer_irqs, wrong_irqs;

static void timer_irq(uint64_t entry_cntvct)
{
    (void)entry_cntvct;
    uint32_t iar = gic_ack();
    if (gic_iar_intid(iar) == INTID_VTIMER) {
        sysreg_write(cntv_ctl_el0, 0); /* the level drops before the EOI */
        timer_irqs++;
    } else {
        wrong_irqs++;
    }
    gic_eoi(iar);
}

static void check_hypercalls(void)
{
    uint64_t psci = hvc_call(PSCI_VERSION, 0, 0, 0);
    check(psci >= PSCI_1_0 && psci < (1u << 31), "l2_psci_version", "PSCI_VERSION by HVC returned 0x%lx",
          (unsigned long)psci);
    uint64_t smccc = hvc_call(SMCCC_VERSION, 0, 0, 0);
    check(smccc >= 0x10001 && smccc < (1u << 31), "l2_smccc_version", "SMCCC_VERSION returned 0x%lx",
          (unsigned long)smccc);
}

static void check_uart_mmio(uintptr_t uart)
{
    check(mmio_rd(uart + UARTPERIPH0) == 0x11 && mmio_rd(uart + UARTPCELL0) == 0x0d, "l2_uart_id",
          "PeriphID0 0x%x PCellID0 0x%x", mmio_rd(uart + UARTPERIPH0), mmio_rd(uart + UARTPCELL0));
    check(mmio_rd(uart + UARTFR) & FR_TXFE, "l2_uart_fr", "UARTFR 0x%x", mmio_rd(uart + UARTFR));
    mmio_wr(uart + UARTIMSC, INT_RX_RT);
    uint32_t imsc = mmio_rd(uart + UARTIMSC);
    mmio_wr(uart + UARTIMSC, 0);
    check(imsc == INT_RX_RT && mmio_rd(uart + UARTIMSC) == 0, "l2_uart_imsc", "UARTIMSC read back 0x%x", imsc);
    check(mmio_rd(NO_DEVICE) == 0, "l2_no_device", "a read of 0x%x gave nonzero", NO_DEVICE);
}

/* The EL1 virtual timer (PPI 11, INTID 27) through the in-kernel vGICv3, waited for in WFI. */
static void check_timer_irq(void)
{
    if (gic_probe() < 0 || gic.version != 3) {
        check(false, "l2_timer_irq", "no GICv3 in the device tree");
        return;
    }
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(INTID_VTIMER, 0x80);
    gic_enable(INTID_VTIMER);
    guest_set_irq_hook(timer_irq);

    uint64_t start = cntvct(), limit = start + us_to_ticks(TIMER_LIMIT_US);
    sysreg_write(cntv_tval_el0, us_to_ticks(TIMER_US));
    sysreg_write(cntv_ctl_el0, 1); /* ENABLE, IMASK = 0 */
    __asm__ volatile("isb");
    irq_unmask();
    while (!timer_irqs && cntvct() < limit)
        __asm__ volatile("wfi");
    irq_mask();
    sysreg_write(cntv_ctl_el0, 0);
    uint64_t waited = cntvct() - start;
    check(timer_irqs == 1 && wrong_irqs == 0 && waited >= us_to_ticks(TIMER_US), "l2_timer_irq",
          "%u timer and %u other interrupts after %lu ticks", timer_irqs, wrong_irqs, (unsigned long)waited);
}

static uint64_t time_empty(uintptr_t unused)
{
    uint64_t t0, t1;
    (void)unused;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb\n\tmrs %1, cntvct_el0" : "=&r"(t0), "=&r"(t1)::"memory");
    return t1 - t0;
}

static uint64_t time_hvc(uintptr_t unused)
{
    register uint64_t x0 __asm__("x0") = SMCCC_VERSION;
    uint64_t t0, t1;
    (void)unused;
    __asm__ volatile("isb\n\tmrs %[t0], cntvct_el0\n\thvc #0\n\tisb\n\tmrs %[t1], cntvct_el0"
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), "+r"(x0)::"x1", "x2", "x3", "memory");
    return t1 - t0;
}

static uint64_t time_mmio_read(uintptr_t addr)
{
    uint64_t t0, t1;
    uint32_t v;
    __asm__ volatile("isb\n\tmrs %[t0], cntvct_el0\n\tldr %w[v], [%[a]]\n\tisb\n\tmrs %[t1], cntvct_el0"
                     : [t0] "=&r"(t0), [t1] "=&r"(t1), [v] "=&r"(v)
                     : [a] "r"(addr)
                     : "memory");
    return t1 - t0;
}

static void sort(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* "l2: bench NAME min median max ticks" with the empty bracket's minimum subtracted. */
static void bench(const char *name, uint64_t (*op)(uintptr_t), uintptr_t arg, uint64_t empty)
{
    static uint64_t s[NSAMPLES];
    for (unsigned i = 0; i < NSAMPLES; i++)
        s[i] = op(arg);
    sort(s, NSAMPLES);
    for (unsigned i = 0; i < NSAMPLES; i++)
        s[i] = s[i] > empty ? s[i] - empty : 0;
    gprintf("l2: bench %s %lu %lu %lu ticks (%u samples, counter %lu Hz)\n", name, (unsigned long)s[0],
            (unsigned long)s[NSAMPLES / 2], (unsigned long)s[NSAMPLES - 1], NSAMPLES, (unsigned long)cntfrq());
}

int guest_main(void)
{
    uintptr_t uart = (uintptr_t)dt_reg_of("arm,pl011");
    gprintf("l2: hello from EL%lu, UART at 0x%lx\n", (unsigned long)(sysreg_read(CurrentEL) >> 2), (unsigned long)uart);
    check_hypercalls();
    check_uart_mmio(uart);
    check_timer_irq();

    uint64_t empty = ~0ull;
    for (unsigned i = 0; i < NSAMPLES; i++) {
        uint64_t t = time_empty(0);
        empty = t < empty ? t : empty;
    }
    bench("hvc", time_hvc, 0, empty);
    bench("mmio_read", time_mmio_read, uart + UARTFR, empty);

    if (guest_failures == 0)
        gprintf("l2: ok\n");
    return guest_failures;
}
