/* A guest whose stage 1 tables point outside its RAM while elvisor has to walk them (issue 13
 * item 15): an ISV=0 MMIO access (a post-indexed load) is emulated by fetching the instruction
 * through the guest's stage 1 with AT. The guest maps its RAM twice (VA = PA, and an alias at
 * VA + 1 GiB through its own level 2 table), runs an ISV=0 load to the UART from the alias
 * (control: emulated), then points the alias's level 1 entry at a "table" outside its RAM,
 * without TLB maintenance, and runs the same load again from the same (still cached) page.
 * elvisor's walk now faults: the guest must get a data abort, and the hypervisor must live. */
#include "tests/guests/common/guest.h"

#define ALIAS      0x40000000UL  /* the alias is VA + 1 GiB */
#define BAD_TABLE  0x800000000UL /* 32 GiB: not the guest's RAM */
#define DESC_TABLE 3UL           /* valid, table */
#define DESC_BLOCK 1UL           /* valid, block */
#define AF         (1UL << 10)
#define SH_INNER   (3UL << 8)
#define ATTR(i)    ((uint64_t)(i) << 2) /* MAIR_EL1 index */

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));

/* ldr w2, [x1], #0: post-indexed with writeback, so ESR_EL2.ISV = 0. In its own page-aligned
 * function, run from the alias. */
__attribute__((noinline, aligned(4096))) static uint64_t isv0_load(uint64_t addr)
{
    uint64_t v;
    __asm__ volatile("ldr %w0, [%1], #0" : "=r"(v), "+r"(addr)::"memory");
    return v;
}

static uint64_t run_alias(uint64_t addr)
{
    uint64_t (*fn)(uint64_t) = (uint64_t(*)(uint64_t))((uintptr_t)isv0_load + ALIAS);
    return fn(addr);
}

static void mmu_on(void)
{
    /* L1[0]: 0-1 GiB Device-nGnRE (the UART); L1[1]: 1-2 GiB normal, blocks (VA = PA);
     * L1[2]: 2-3 GiB through l2, the same RAM again. */
    l1[0] = 0 | AF | ATTR(0) | DESC_BLOCK;
    l1[1] = 0x40000000UL | AF | SH_INNER | ATTR(1) | DESC_BLOCK;
    for (unsigned i = 0; i < 512; i++)
        l2[i] = (0x40000000UL + ((uint64_t)i << 21)) | AF | SH_INNER | ATTR(1) | DESC_BLOCK;
    l1[2] = (uint64_t)(uintptr_t)l2 | DESC_TABLE;
    __asm__ volatile("dsb ish" ::: "memory");
    sysreg_write(mair_el1, 0x04 | (0xffUL << 8));
    /* T0SZ 32 (4 GiB, walks start at level 1), WB caches, inner shareable, 4 KiB, no TTBR1
     * walks (EPD1), IPS 32 bits. */
    sysreg_write(tcr_el1, 32 | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 23));
    sysreg_write(ttbr0_el1, (uintptr_t)l1);
    __asm__ volatile("isb; tlbi vmalle1; dsb nsh; isb" ::: "memory");
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | 1 | (1 << 2) | (1 << 12));
    __asm__ volatile("isb" ::: "memory");
}

int guest_main(void)
{
    uint64_t uart = dt_reg_of("arm,pl011"), esr = 0, far = 0;
    mmu_on();
    gprintf("atwalk: MMU on, alias of the RAM at +1 GiB\n");
    fault_expect();
    (void)run_alias(uart + 0x18); /* UARTFR: a read with no side effect */
    check(!fault_taken(&esr, 0), "alias_emulated", "ESR 0x%lx", (unsigned long)esr);

    l1[2] = BAD_TABLE | DESC_TABLE; /* no TLBI: the alias page stays cached for execution */
    __asm__ volatile("dsb ish" ::: "memory");
    fault_expect();
    (void)run_alias(uart + 0x18);
    bool taken = fault_taken(&esr, &far);
    check(taken && (esr >> 26) == 0x25 && far == uart + 0x18, "bad_tables_abort_injected",
          "taken %d ESR 0x%lx FAR 0x%lx", taken, (unsigned long)esr, (unsigned long)far);
    gprintf("atwalk: ESR 0x%lx\n", (unsigned long)esr);
    return guest_failures;
}
