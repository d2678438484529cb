/* The crash report: what a hypervisor bug leaves behind before the machine powers off. */
#include <stdbool.h>
#include "arch/aarch64/traps.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/symbols.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/config.h"
#include "arch/aarch64/regs/mpidr.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/sections.h"
#include "lib/log.h"

static const char *const kind_name[] = {
    [TRAP_EL2_SP0] = "exception on SP_EL0",
    [TRAP_EL2_SYNC] = "synchronous exception",
    [TRAP_EL2_IRQ] = "IRQ",
    [TRAP_EL2_FIQ] = "FIQ",
    [TRAP_EL2_SERROR] = "SError",
};

static void print_symbol(const char *label, uint64_t addr)
{
    uint64_t off;
    const char *name = symbol_lookup(addr, &off);
    if (name)
        printk("  %s %016lx <%s+0x%lx>\n", label, (unsigned long)addr, name, (unsigned long)off);
    else
        printk("  %s %016lx\n", label, (unsigned long)addr);
}

/* Within CPU n's slot of boot_stacks (head.S): the guard page, then the stack. */
static bool in_slot(uint64_t addr, uint64_t *slot, uint64_t *off)
{
    uint64_t lo = (uint64_t)(uintptr_t)boot_stacks;
    if (addr < lo || addr >= lo + (uint64_t)MAX_CPUS * STACK_SLOT_SIZE)
        return false;
    *slot = (addr - lo) / STACK_SLOT_SIZE;
    *off = (addr - lo) % STACK_SLOT_SIZE;
    return true;
}

static bool on_a_stack(uint64_t fp)
{
    uint64_t slot, off;
    return (fp & 0xf) == 0 && in_slot(fp, &slot, &off) && off >= STACK_GUARD_SIZE && off + 16 <= STACK_SLOT_SIZE;
}

/* addr in the guard page below some CPU's stack: *slot says whose. */
static bool in_guard(uint64_t addr, uint64_t *slot)
{
    uint64_t off;
    return in_slot(addr, slot, &off) && off < STACK_GUARD_SIZE;
}

/* An overflow: the faulting SP, or the address the fault was taken on, in a guard page. */
static void report_overflow(const struct trap_frame *f, uint64_t far)
{
    uint64_t slot;
    if (in_guard(f->sp, &slot) || in_guard(far, &slot))
        printk(" stack overflow: CPU%lu's stack (%u KiB) ran into its guard page\n", (unsigned long)slot,
               STACK_SIZE / 1024);
}

/* A return address as the code sees it: without the pointer authentication code a signed one
 * carries above the virtual address bits. */
static uint64_t strip_pac(uint64_t addr) { return addr & ((UINT64_C(1) << mmu_va_bits()) - 1); }

/* AAPCS64 frame records: [fp] = caller's fp, [fp + 8] = return address. */
static void backtrace(const struct trap_frame *f)
{
    printk(" backtrace:\n");
    print_symbol("#0", f->elr);
    print_symbol("#1", strip_pac(f->x[30]));
    uint64_t fp = f->x[29];
    for (int depth = 2; depth < 32 && on_a_stack(fp); depth++) {
        const uint64_t *rec = (const uint64_t *)(uintptr_t)fp;
        char label[4] = { '#', (char)('0' + depth / 10), (char)('0' + depth % 10), 0 };
        if (rec[1] == 0)
            break;
        print_symbol(label, strip_pac(rec[1]));
        if (rec[0] <= fp)
            break; /* frames grow upward; anything else is a corrupt chain */
        fp = rec[0];
    }
}

void el2_fatal_trap(struct trap_frame *f, unsigned kind)
{
    static volatile int crashing;
    if (__atomic_exchange_n(&crashing, 1, __ATOMIC_ACQ_REL))
        log_halt(); /* a second CPU, or a fault inside the report: just stop */

    uint64_t esr = sysreg_read(esr_el2), far = sysreg_read(far_el2);
    uint32_t ec = esr_ec(esr);
    printk("\nelvisor: *** HYPERVISOR CRASH on CPU%u: %s at EL2: %s ***\n",
           (unsigned)(sysreg_read(mpidr_el1) & MPIDR_AFF_LOW_MASK),
           kind < sizeof(kind_name) / sizeof(kind_name[0]) ? kind_name[kind] : "?",
           kind == TRAP_EL2_SYNC ? esr_ec_name(ec) : "-");
    printk(" ESR_EL2 %016lx (EC 0x%02x %s, ISS 0x%07lx)\n", (unsigned long)esr, ec, esr_ec_name(ec),
           (unsigned long)esr_iss(esr));
    printk(" FAR_EL2 %016lx  ELR_EL2 %016lx\n", (unsigned long)far, (unsigned long)f->elr);
    printk(" SPSR_EL2 %016lx  SP %016lx\n", (unsigned long)f->spsr, (unsigned long)f->sp);
    report_overflow(f, far);
    for (int i = 0; i < 30; i += 3)
        printk(" x%-2d %016lx  x%-2d %016lx  x%-2d %016lx\n", i, (unsigned long)f->x[i], i + 1,
               (unsigned long)f->x[i + 1], i + 2, (unsigned long)f->x[i + 2]);
    printk(" x30 %016lx\n", (unsigned long)f->x[30]);
    backtrace(f);
    printk("elvisor: powering off\n");
    log_halt(); /* core registers power-off as the halt hook */
}
