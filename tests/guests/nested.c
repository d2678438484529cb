/* A bare-metal guest hypervisor at virtual EL2 (docs/nested.md, tests/system/test_nested.py).
 * Default: it reads CurrentEL (2) and the ID registers, sets VBAR_EL2 and HCR_EL2 (VM = 0: no
 * stage 2 of its own), ERETs to an EL1 payload that makes an HVC, takes that HVC at its own
 * EL2 vector, answers it and ERETs back; the payload's second HVC ends the round and the
 * hypervisor resumes at EL2. Then an HVC at EL2 (its own vector) and PSCI by SMC (elvisor's).
 * bootargs "hostile": illegal ERETs (to EL3, to AArch32, to EL1 with TGE), garbage in the
 * registers that live in the VNCR page, then an ERET to an EL1 context made of garbage (which
 * never comes back). bootargs "stage2": its own stage 2 for its EL1 guest, with a remap, an
 * abort it answers by mapping the page, and a remap after a TLBI (elvisor's shadow stage 2);
 * then TLBIs by IPA and range that drop only their pages, 2 MiB blocks (RW and read-only), the
 * VM's UART through its stage 2 (read, ISV = 0, written, read-only, no device) and more pages
 * than the shadow's budget maps. "hostile" also gives its guest a stage 2 toward the VM's
 * devices and garbage TLBI operands.
 * bootargs "irq": its own vGIC for its EL1 guest with HCR_EL2.IMO (elvisor lends it the GIC
 * virtual interface): a list register its guest takes and ends with no exit, the VM's own
 * interrupt taken to virtual EL2 while its guest runs, and the maintenance interrupt.
 * bootargs "s2smp" (two vCPUs): vCPU 1 runs its L2 on its stage 2 without exits while vCPU 0
 * remaps the L2's page and invalidates: the L2 must see the new page at once (elvisor empties
 * the other vCPUs' shadows in the trapped TLBI, not at their next ERET).
 * bootargs "vhe": HCR_EL2.E2H = 1 (FEAT_VHE, vdev/nested_vhe.c): its EL2 registers through the EL1
 * names, its guest's through the *_EL12 ones, its own EL0 (TGE = 1) taking an SVC to virtual
 * EL2, an EL1 guest (TGE = 0) whose HVC it takes, then back to E2H = 0.
 * bootargs "traps": its trap controls for its guest (HCR_EL2.TWI, TWE, TID1, TID2, TVM, TRVM, TSW,
 * TPU, TPCP, TTLB): its guest does the trapped thing and it takes the exception at VBAR_EL2 +
 * 0x400 with the syndrome the CPU gives, or does not when the control is clear.
 * bootargs "bench": `make bench` nested_hvc, its EL1 guest's HVC answered by it and back,
 * timed by that guest with the virtual counter (instructions under -icount shift=0). */
#include "tests/guests/common/guest.h"
#include "tests/guests/common/gic.h"
#include "lib/string.h"

#define EC_HVC64   0x16
#define EC_ILLEGAL 0x0e
#define EC_SVC64   0x15
#define EC_SYS64   0x18
#define SPSR_EL1H  0x3c5UL /* DAIF masked, EL1h */
#define SPSR_EL2H  0x3c9UL
#define HCR_RW     (1UL << 31)
#define HCR_TGE    (1UL << 27)
#define HCR_E2H    (1UL << 34)
#define HCR_VM     (1UL << 0)

/* enter_lower(elr, spsr, x0): saves x19-x30 and SP, ERETs with ELR_EL2 = elr, SPSR_EL2 = spsr;
 * returns when the EL2 vector sends ELR_EL2 to el2_resume. */
uint64_t enter_lower(uint64_t elr, uint64_t spsr, uint64_t x0);
extern char el2_vectors[], el1_vectors[], el2_resume[], el1_entry[];
uint64_t el2_saved[2][16]; /* by vCPU (MPIDR_EL1.Aff0, 0 or 1): "l2smp" runs an L2 on both at once */

__asm__(".text\n"
        ".global enter_lower\n"
        "enter_lower:\n"
        "    adrp x9, el2_saved\n"
        "    add x9, x9, :lo12:el2_saved\n"
        "    mrs x10, mpidr_el1\n"
        "    and x10, x10, #1\n"
        "    add x9, x9, x10, lsl #7\n"
        "    stp x19, x20, [x9, #0]\n"
        "    stp x21, x22, [x9, #16]\n"
        "    stp x23, x24, [x9, #32]\n"
        "    stp x25, x26, [x9, #48]\n"
        "    stp x27, x28, [x9, #64]\n"
        "    stp x29, x30, [x9, #80]\n"
        "    mov x10, sp\n"
        "    str x10, [x9, #96]\n"
        "    msr elr_el2, x0\n"
        "    msr spsr_el2, x1\n"
        "    mov x0, x2\n"
        "    eret\n"
        ".global el2_resume\n"
        "el2_resume:\n"
        "    adrp x9, el2_saved\n"
        "    add x9, x9, :lo12:el2_saved\n"
        "    mrs x10, mpidr_el1\n"
        "    and x10, x10, #1\n"
        "    add x9, x9, x10, lsl #7\n"
        "    ldp x19, x20, [x9, #0]\n"
        "    ldp x21, x22, [x9, #16]\n"
        "    ldp x23, x24, [x9, #32]\n"
        "    ldp x25, x26, [x9, #48]\n"
        "    ldp x27, x28, [x9, #64]\n"
        "    ldp x29, x30, [x9, #80]\n"
        "    ldr x10, [x9, #96]\n"
        "    mov sp, x10\n"
        "    ret\n"
        /* The EL1 payload: x0 = its stack. */
        ".global el1_entry\n"
        "el1_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_main\n"
        "1:  b 1b\n"
        /* Vectors: x0-x30 in a frame, handler(frame, offset), ERET. el2_vectors for the guest
         * hypervisor (el2_exception), el1_vectors for its EL1 guest in "irq" (el1_exception). */
        ".macro vec handler, off\n"
        "    .balign 0x80\n"
        "    sub sp, sp, #256\n"
        "    stp x0, x1, [sp]\n"
        "    stp x2, x3, [sp, #16]\n"
        "    adr x2, \\handler\n"
        "    mov x1, #\\off\n"
        "    b vec_common\n"
        ".endm\n"
        ".macro vectors handler\n"
        "    vec \\handler, 0x000\n vec \\handler, 0x080\n vec \\handler, 0x100\n vec \\handler, 0x180\n"
        "    vec \\handler, 0x200\n vec \\handler, 0x280\n vec \\handler, 0x300\n vec \\handler, 0x380\n"
        "    vec \\handler, 0x400\n vec \\handler, 0x480\n vec \\handler, 0x500\n vec \\handler, 0x580\n"
        "    vec \\handler, 0x600\n vec \\handler, 0x680\n vec \\handler, 0x700\n vec \\handler, 0x780\n"
        ".endm\n"
        "    .balign 0x800\n"
        ".global el2_vectors\n"
        "el2_vectors:\n"
        "    vectors el2_exception\n"
        "    .balign 0x800\n"
        ".global el1_vectors\n"
        "el1_vectors:\n"
        "    vectors el1_exception\n"
        "vec_common:\n"
        "    stp x4, x5, [sp, #32]\n stp x6, x7, [sp, #48]\n"
        "    stp x8, x9, [sp, #64]\n stp x10, x11, [sp, #80]\n stp x12, x13, [sp, #96]\n"
        "    stp x14, x15, [sp, #112]\n stp x16, x17, [sp, #128]\n stp x18, x19, [sp, #144]\n"
        "    stp x20, x21, [sp, #160]\n stp x22, x23, [sp, #176]\n stp x24, x25, [sp, #192]\n"
        "    stp x26, x27, [sp, #208]\n stp x28, x29, [sp, #224]\n str x30, [sp, #240]\n"
        "    mov x0, sp\n"
        "    blr x2\n"
        "    ldp x0, x1, [sp]\n ldp x2, x3, [sp, #16]\n ldp x4, x5, [sp, #32]\n"
        "    ldp x6, x7, [sp, #48]\n ldp x8, x9, [sp, #64]\n ldp x10, x11, [sp, #80]\n"
        "    ldp x12, x13, [sp, #96]\n ldp x14, x15, [sp, #112]\n ldp x16, x17, [sp, #128]\n"
        "    ldp x18, x19, [sp, #144]\n ldp x20, x21, [sp, #160]\n ldp x22, x23, [sp, #176]\n"
        "    ldp x24, x25, [sp, #192]\n ldp x26, x27, [sp, #208]\n ldp x28, x29, [sp, #224]\n"
        "    ldr x30, [sp, #240]\n"
        "    add sp, sp, #256\n"
        "    eret\n");

static _Alignas(16) uint8_t el1_stack[4096];

/* What the EL2 handler saw. */
static volatile unsigned hvc_from_el1, hvc_at_el2, illegal_taken, unexpected;
static volatile uint64_t last_esr, last_spsr, last_elr, el1_saw_el, el1_saw_reply;

void el1_main(void);
void el1_main(void)
{
    el1_saw_el = sysreg_read(CurrentEL) >> 2;
    register uint64_t x0 __asm__("x0") = 0x1234;
    __asm__ volatile("hvc #1" : "+r"(x0)::"memory");
    el1_saw_reply = x0;
    gprintf("nested: EL1 payload at EL%lu got 0x%lx\n", (unsigned long)el1_saw_el, (unsigned long)x0);
    __asm__ volatile("hvc #2" ::: "memory");
}

static bool s2_mode, vhe_mode, hostile_el0, traps_mode, timers_mode;
static void traps_exception(struct guest_frame *f, uint64_t esr);
static bool l2smp_mode;
static void l2smp_psci(struct guest_frame *f);
static void l2smp_secondary(void);
static void own_line_at_el2(uint64_t off, uint64_t esr);
static void timer_irq(uint64_t off);
static void l2_vexc(uint64_t off);
static volatile unsigned el0_faults;
static volatile bool undef_ok;
static volatile unsigned undefs;
static void vhe_svc(struct guest_frame *f, uint64_t esr);
static void s2_exception(struct guest_frame *f, uint64_t esr);
static bool hostile_s2_mode;
static void hostile_s2_exception(struct guest_frame *f, uint64_t esr);
static void hostile_s2_l2_fault(void);
static bool hostile_s2(void);
static bool irq_mode;
static void irq_at_el2(void);
static void fiq_at_el2(void);
static void irq_sgi_trapped(struct guest_frame *f, uint64_t esr);
static void run_l2(unsigned phase);
static volatile unsigned l2_irqs, el2_irqs, l2_syncs;
static volatile uint64_t l2_sync_esr;
/* ICH_LR<n>_EL2 (IHI 0069H 12.4.6), ICH_HCR_EL2 (12.4.2), ICH_VMCR_EL2 (12.4.11). */
#define ICH_LR_PENDING   (1UL << 62)
#define ICH_LR_STATE     (3UL << 62)
#define ICH_LR_HW        (1UL << 61)
#define ICH_LR_GROUP1    (1UL << 60)
#define ICH_LR_PINTID(i) ((uint64_t)(i) << 32)
#define ICH_LR_EOI       (1UL << 41)
#define ICH_LR_PRIO(p)   ((uint64_t)(p) << 48)
#define ICH_HCR_EN       1UL
#define ICH_MISR_EOI     1UL
#define ICH_VMCR_VENG1   (1UL << 1)
#define ICH_VMCR_VPMR(p) ((uint64_t)(p) << 24)
#define HCR_IMO          (1UL << 4)
#define HCR_FMO          (1UL << 3)
#define SGI_TO_VM        3 /* the VM's own interrupt, raised by its guest */

static void resume_main(void)
{
    sysreg_write(elr_el2, (uint64_t)el2_resume);
    sysreg_write(spsr_el2, SPSR_EL2H);
}

void el2_exception(struct guest_frame *f, uint64_t off);
void el2_exception(struct guest_frame *f, uint64_t off)
{
    uint64_t esr = sysreg_read(esr_el2), ec = esr >> 26;
    last_esr = esr;
    last_spsr = sysreg_read(spsr_el2);
    last_elr = sysreg_read(elr_el2);
    if (off == 0x480 && irq_mode) {
        irq_at_el2();
        return;
    }
    if (off == 0x500 && irq_mode) {
        fiq_at_el2();
        return;
    }
    if (off == 0x400 && irq_mode && ec == EC_SYS64) {
        irq_sgi_trapped(f, esr);
        return;
    }
    if (off == 0x400 && s2_mode) {
        if (hostile_s2_mode)
            hostile_s2_exception(f, esr);
        else
            s2_exception(f, esr);
        return;
    }
    if (off == 0x400 && ec == EC_HVC64 && l2smp_mode && (esr & 0xffff) == 0) {
        l2smp_psci(f); /* its L2's PSCI call */
        return;
    }
    if (off == 0x400 && ec == EC_HVC64) {
        if ((esr & 0xffff) == 1) {
            hvc_from_el1++;
            f->x[0] += 0x1000; /* the answer; ELR_EL2 is the instruction after the HVC */
        } else {
            resume_main(); /* HVC #2: the payload is done */
        }
        return;
    }
    if (off == 0x200 && ec == EC_HVC64) {
        hvc_at_el2++;
        return;
    }
    if (off == 0x200 && ec == EC_ILLEGAL) {
        illegal_taken++;
        resume_main(); /* SPSR_EL2.IL would set PSTATE.IL again */
        return;
    }
    /* "vhe", "hostile", "traps" (after the paths "bench" times) */
    if ((off == 0x280 || off == 0x480) && timers_mode) {
        timer_irq(off);
        return;
    }
    if (off == 0x400 && traps_mode && ec != EC_HVC64) {
        traps_exception(f, esr);
        return;
    }
    if (traps_mode && (off == 0x480 || off == 0x500 || off == 0x580)) { /* the VM's own line, routed */
        own_line_at_el2(off, esr);
        return;
    }
    if (off == 0x200 && ec == 0 && undef_ok) { /* an UNDEFINED access it makes on purpose */
        undefs++;
        sysreg_write(elr_el2, last_elr + 4);
        return;
    }
    if (off == 0x400 && hostile_el0 && (last_spsr & 0xf) == 0) { /* its EL0 at a garbage PC */
        el0_faults++;
        resume_main();
        return;
    }
    if (off == 0x400 && vhe_mode && ec == EC_SVC64) {
        vhe_svc(f, esr);
        return;
    }
    unexpected++;
    gprintf("nested: unexpected exception at offset 0x%lx ESR 0x%lx ELR 0x%lx SPSR 0x%lx\n", (unsigned long)off,
            (unsigned long)esr, (unsigned long)last_elr, (unsigned long)last_spsr);
    resume_main();
}

static int basic(void)
{
    uint64_t el = sysreg_read(CurrentEL) >> 2;
    gprintf("nested: CurrentEL %lu\n", (unsigned long)el);
    check(el == 2, "nested_currentel_el2", "CurrentEL.EL %lu", (unsigned long)el);
    uint64_t pfr0 = sysreg_read(id_aa64pfr0_el1), mmfr2 = sysreg_read(s3_0_c0_c7_2);
    check(((pfr0 >> 8) & 0xf) == 1, "nested_id_el2", "ID_AA64PFR0_EL1 0x%lx", (unsigned long)pfr0);
    check(((mmfr2 >> 24) & 0xf) == 0, "nested_id_no_nv", "ID_AA64MMFR2_EL1 0x%lx", (unsigned long)mmfr2);
    /* FEAT_ATS1A's AT S1E1A/S1E2A are not emulated for it: ID_AA64ISAR2_EL1.ATS1A [63:60] reads 0. */
    uint64_t isar2 = sysreg_read(s3_0_c0_c6_2);
    gprintf("nested: ID_AA64ISAR2_EL1 0x%lx\n", (unsigned long)isar2);
    check((isar2 >> 60) == 0, "nested_id_no_ats1a", "ID_AA64ISAR2_EL1 0x%lx", (unsigned long)isar2);

    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    uint64_t vbar = sysreg_read(vbar_el2);
    check(vbar == (uint64_t)el2_vectors, "nested_vbar_el2", "VBAR_EL2 0x%lx", (unsigned long)vbar);
    sysreg_write(hcr_el2, HCR_RW);
    uint64_t hcr = sysreg_read(hcr_el2);
    check(hcr == HCR_RW, "nested_hcr_el2", "HCR_EL2 0x%lx", (unsigned long)hcr);

    gprintf("nested: ERET to EL1\n");
    enter_lower((uint64_t)el1_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    gprintf("nested: back at EL%lu\n", (unsigned long)(sysreg_read(CurrentEL) >> 2));
    check(el1_saw_el == 1, "nested_eret_to_el1", "payload saw EL%lu", (unsigned long)el1_saw_el);
    check(hvc_from_el1 == 1, "nested_hvc_taken_at_el2", "%u HVCs from EL1", hvc_from_el1);
    check(el1_saw_reply == 0x2234, "nested_hvc_answered", "payload got 0x%lx", (unsigned long)el1_saw_reply);
    check((last_spsr & 0xf) == 5 && (last_esr >> 26) == EC_HVC64 && (last_esr & 0xffff) == 2, "nested_el2_syndrome",
          "ESR_EL2 0x%lx SPSR_EL2 0x%lx", (unsigned long)last_esr, (unsigned long)last_spsr);
    check((sysreg_read(CurrentEL) >> 2) == 2, "nested_back_at_el2", "CurrentEL 0x%lx",
          (unsigned long)sysreg_read(CurrentEL));

    __asm__ volatile("hvc #3" ::: "memory");
    check(hvc_at_el2 == 1 && (last_spsr & 0xf) == 9, "nested_hvc_at_el2_own_vector", "%u, SPSR_EL2 0x%lx", hvc_at_el2,
          (unsigned long)last_spsr);
    uint64_t v = smc_call(0x84000000, 0, 0, 0); /* PSCI_VERSION */
    check(v == 0x10001, "nested_psci_by_smc", "PSCI_VERSION 0x%lx", (unsigned long)v);
    check(unexpected == 0, "nested_no_unexpected", "%u unexpected exceptions", unexpected);
    return guest_failures;
}

static bool illegal_eret(uint64_t spsr)
{
    unsigned before = illegal_taken;
    enter_lower((uint64_t)el1_entry, spsr, (uint64_t)(el1_stack + sizeof(el1_stack)));
    return illegal_taken == before + 1 && (last_esr >> 26) == EC_ILLEGAL;
}

#define GARBAGE 0xdeadbeefcafe0000UL

/* Its vGIC made of garbage, lent to its guest (HCR_EL2.IMO): list registers in every state,
 * HW = 1 naming one beyond the VM's, the VM's timer PPI and one beyond any INTID, every
 * active priority bit, VMCR and ICH_HCR_EL2 all ones (trap bits, every maintenance enable).
 * QEMU's CPU has four list registers and one APR per group: the others are UNDEFINED. Its guest takes what the GIC makes of it for a while; it comes back to virtual EL2
 * by HVC or by the maintenance interrupt. */
static bool hostile_ich(void)
{
    sysreg_write(ich_lr0_el2, ~0UL);
    sysreg_write(ich_lr1_el2, ICH_LR_STATE | ICH_LR_HW | ICH_LR_PINTID(1023) | 27);
    sysreg_write(ich_lr2_el2, ICH_LR_PENDING | ICH_LR_HW | ICH_LR_PINTID(27) | ICH_LR_GROUP1 | 27);
    sysreg_write(ich_lr3_el2, ICH_LR_STATE | ICH_LR_HW | ICH_LR_PINTID(0x1fff) | 8192);
    sysreg_write(ich_ap0r0_el2, ~0UL);
    sysreg_write(ich_ap1r0_el2, ~0UL);
    sysreg_write(ich_vmcr_el2, ~0UL);
    sysreg_write(ich_hcr_el2, ~0UL);
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO);
    irq_mode = true;
    run_l2(4); /* maintenance at once: back at EL2 before its guest runs */
    sysreg_write(ich_hcr_el2, ICH_HCR_EN);
    sysreg_write(ich_ap0r0_el2, 0);
    sysreg_write(ich_ap1r0_el2, 0);
    run_l2(4); /* the garbage list registers in its guest for the time of a wait */
    irq_mode = false;
    sysreg_write(ich_hcr_el2, 0);
    sysreg_write(hcr_el2, HCR_RW);
    gprintf("hostile: back from a garbage vGIC: %u IRQs in its guest, %u at EL2\n", l2_irqs, el2_irqs);
    return (sysreg_read(CurrentEL) >> 2) == 2;
}

/* E2H = 1 with every HCR_EL2 bit set, garbage in its EL2&0 registers (the CPU's EL1 ones, no
 * trap), E2H flipped back and forth, its EL0 at a garbage PC: it comes back to its own vector
 * each time, and E2H = 0 again finds its VBAR_EL2. */
static bool hostile_e2h(void)
{
    sysreg_write(hcr_el2, ~0UL);
    (void)sysreg_read(s3_5_c1_c0_2); /* CPACR_EL12: the switch */
    sysreg_write(tcr_el1, ~0UL);
    sysreg_write(ttbr0_el1, GARBAGE);
    sysreg_write(ttbr1_el1, GARBAGE);
    sysreg_write(mair_el1, ~0UL);
    sysreg_write(amair_el1, ~0UL);
    sysreg_write(contextidr_el1, ~0UL);
    sysreg_write(cpacr_el1, ~0UL);
    sysreg_write(s3_5_c1_c0_0, ~0UL); /* SCTLR_EL12 */
    bool vbar_ok = true;
    for (unsigned i = 0; i < 100; i++) {
        sysreg_write(hcr_el2, (i & 1) ? ~0UL : HCR_RW);
        vbar_ok &= sysreg_read(vbar_el2) == (uint64_t)el2_vectors;
    }
    sysreg_write(hcr_el2, HCR_E2H | HCR_TGE | HCR_RW);
    hostile_el0 = true;
    enter_lower(GARBAGE, 0x3c0UL, GARBAGE);
    hostile_el0 = false;
    sysreg_write(hcr_el2, HCR_RW);
    vbar_ok &= sysreg_read(vbar_el2) == (uint64_t)el2_vectors;
    gprintf("hostile: E2H garbage: VBAR_EL2 %s, %u faults of its EL0, SPSR_EL2 0x%lx\n", vbar_ok ? "kept" : "lost",
            el0_faults, (unsigned long)last_spsr);
    return vbar_ok && el0_faults == 1 && (sysreg_read(CurrentEL) >> 2) == 2 && smc_call(0x84000000, 0, 0, 0) == 0x10001;
}

/* Its controls for its guest made of garbage: CPTR_EL2 and MDCR_EL2 all ones (TDE among them),
 * CNTHCTL_EL2 zero, its EL2 timers
 * with any deadline, VSESR_EL2 all ones, HCR_EL2 with every bit but those that change the
 * context (E2H, TGE, VM, IMO, HCD), so VF and VSE pending with FMO and AMO: its EL1 guest, all
 * of DAIF masked, runs its HVCs and comes back; the SError it never took is still pending in
 * its HCR_EL2. */
static bool hostile_ctls(void)
{
    sysreg_write(sctlr_el1, 0); /* its guest's, after hostile_e2h's garbage: MMU off */
    sysreg_write(vbar_el1, (uint64_t)el1_vectors);
    sysreg_write(cptr_el2, ~0UL);
    sysreg_write(mdcr_el2, ~0UL);
    sysreg_write(cnthctl_el2, 0); /* every trap-when-clear control of its guest's timer and counter */
    sysreg_write(cnthp_cval_el2, ~0UL);
    sysreg_write(cnthp_ctl_el2, ~0UL);
    sysreg_write(s3_4_c14_c3_0, ~0UL); /* CNTHV_TVAL_EL2: a deadline passed */
    sysreg_write(s3_4_c14_c3_1, 1);    /* CNTHV_CTL_EL2: enabled, its PPI raised (not enabled in its GIC) */
    sysreg_write(s3_4_c5_c2_3, ~0UL);  /* VSESR_EL2 */
    unsigned before = hvc_from_el1;
    sysreg_write(hcr_el2, ~(HCR_E2H | HCR_TGE | HCR_VM | HCR_IMO | (1UL << 29)));
    enter_lower((uint64_t)el1_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    uint64_t hcr = sysreg_read(hcr_el2);
    sysreg_write(hcr_el2, HCR_RW);
    sysreg_write(s3_4_c14_c3_1, 0);
    sysreg_write(cnthp_ctl_el2, 0);
    sysreg_write(cptr_el2, 0x22ffUL);
    sysreg_write(mdcr_el2, 0);
    sysreg_write(cnthctl_el2, 3);
    gprintf("hostile: garbage controls: %u HVC from its guest, HCR_EL2 0x%lx after\n", hvc_from_el1 - before,
            (unsigned long)hcr);
    return hvc_from_el1 == before + 1 && (hcr & (1UL << 8)) && (sysreg_read(CurrentEL) >> 2) == 2 &&
           smc_call(0x84000000, 0, 0, 0) == 0x10001;
}

static bool hostile_at_s12(void);

static int hostile(void)
{
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    sysreg_write(hcr_el2, HCR_RW);
    check(illegal_eret(0x3cdUL), "hostile_eret_el3_illegal", "ESR_EL2 0x%lx", (unsigned long)last_esr);
    check(illegal_eret(0x3d3UL), "hostile_eret_aarch32_illegal", "ESR_EL2 0x%lx", (unsigned long)last_esr);
    sysreg_write(hcr_el2, HCR_RW | HCR_TGE);
    check(illegal_eret(SPSR_EL1H), "hostile_eret_tge_illegal", "ESR_EL2 0x%lx", (unsigned long)last_esr);

    /* The registers in the VNCR page are memory: any value reads back and changes nothing of
     * elvisor's (the VNCR_EL2 the guest sees is one of them). */
    uint64_t mpidr = sysreg_read(mpidr_el1);
    sysreg_write(vttbr_el2, GARBAGE | 1);
    sysreg_write(vtcr_el2, GARBAGE | 2);
    sysreg_write(vmpidr_el2, GARBAGE | 3);
    sysreg_write(vpidr_el2, GARBAGE | 4);
    sysreg_write(tpidr_el2, GARBAGE | 5);
    sysreg_write(cntvoff_el2, GARBAGE | 6);
    sysreg_write(hstr_el2, GARBAGE | 7);
    sysreg_write(s3_4_c2_c2_0, GARBAGE); /* VNCR_EL2 */
    sysreg_write(hcr_el2, ~0UL);
    bool kept = sysreg_read(vttbr_el2) == (GARBAGE | 1) && sysreg_read(vtcr_el2) == (GARBAGE | 2) &&
                sysreg_read(vmpidr_el2) == (GARBAGE | 3) && sysreg_read(vpidr_el2) == (GARBAGE | 4) &&
                sysreg_read(tpidr_el2) == (GARBAGE | 5) && sysreg_read(cntvoff_el2) == (GARBAGE | 6) &&
                sysreg_read(hstr_el2) == (GARBAGE | 7) && sysreg_read(s3_4_c2_c2_0) == GARBAGE &&
                sysreg_read(hcr_el2) == ~0UL;
    check(kept, "hostile_vncr_garbage_kept", "VTTBR_EL2 0x%lx HCR_EL2 0x%lx", (unsigned long)sysreg_read(vttbr_el2),
          (unsigned long)sysreg_read(hcr_el2));
    check(sysreg_read(mpidr_el1) == mpidr, "hostile_vmpidr_not_applied", "MPIDR_EL1 0x%lx was 0x%lx",
          (unsigned long)sysreg_read(mpidr_el1), (unsigned long)mpidr);
    uint64_t v = smc_call(0x84000000, 0, 0, 0);
    check(v == 0x10001, "hostile_psci_still_answers", "PSCI_VERSION 0x%lx", (unsigned long)v);
    check(hostile_ich(), "hostile_ich_garbage_lent", "CurrentEL 0x%lx", (unsigned long)sysreg_read(CurrentEL));
    check(hostile_e2h(), "hostile_e2h_garbage", "CurrentEL 0x%lx", (unsigned long)sysreg_read(CurrentEL));
    check(hostile_ctls(), "hostile_ctls_garbage", "CurrentEL 0x%lx", (unsigned long)sysreg_read(CurrentEL));
    check(hostile_s2(), "hostile_s2_device_tables_and_tlbis", "CurrentEL 0x%lx", (unsigned long)sysreg_read(CurrentEL));
    check(hostile_at_s12(), "hostile_at_s12_garbage_stage2_faults", "CurrentEL 0x%lx",
          (unsigned long)sysreg_read(CurrentEL));

    /* Its EL1 guest made of garbage: every EL1 register it has in the VNCR page. */
    sysreg_write(sctlr_el1, ~0UL);
    sysreg_write(tcr_el1, ~0UL);
    sysreg_write(ttbr0_el1, GARBAGE);
    sysreg_write(ttbr1_el1, GARBAGE);
    sysreg_write(mair_el1, ~0UL);
    sysreg_write(vbar_el1, GARBAGE);
    sysreg_write(cpacr_el1, ~0UL);
    sysreg_write(elr_el1, GARBAGE);
    sysreg_write(spsr_el1, ~0UL);
    sysreg_write(esr_el1, ~0UL);
    sysreg_write(far_el1, ~0UL);
    sysreg_write(hcr_el2, HCR_RW);
    gprintf("TEST hostile_setup: PASS\n");
    gprintf("hostile: final ERET to a garbage EL1 context\n");
    enter_lower(GARBAGE, SPSR_EL1H, GARBAGE);
    gprintf("hostile: came back (unexpected)\n");
    return guest_failures + 1;
}

/* ---- "stage2": its own stage 2 for its EL1 guest (L2) ---------------------------------------
 * 39-bit IPAs, 4 KiB granule, start at level 1 (one root table). Its RAM's GiB is mapped to
 * itself (the L2 runs its code and stack there, MMU off); the L2 IPA window X is a level 2 and
 * a level 3 table: X -> page Y, X + 4 KiB unmapped until the L2's abort on it. */
#define S2_VTCR      (25UL | (1UL << 6) | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 16) | (1UL << 31))
#define S2_TABLE     3UL
#define S2_BLOCK     1UL
#define S2_PAGE      3UL
#define S2_RAM_ATTRS ((0xfUL << 2) | (3UL << 6) | (3UL << 8) | (1UL << 10)) /* Normal WB, RW, inner, AF */
#define S2_X         (100UL << 30)                                          /* L2 IPA window, GiB 100 */
#define EC_DABT_LOW  0x24

#define S2_DEV_ATTRS  ((0x1UL << 2) | (3UL << 6) | (1UL << 10) | (1UL << 54)) /* Device nGnRE, RW, AF, XN */
#define S2_RO         (~(2UL << 6))                                           /* S2AP[1] (write) clear */
#define S2_Z          (101UL << 30)                                           /* 2 MiB blocks, GiB 101 */
#define S2_P          (102UL << 30)                                           /* the pool test, GiB 102 */
#define UART_IPA      0x09000000UL
#define NODEV_IPA     0x0a000000UL /* nothing of the VM there */
#define UARTDR        0x00
#define UARTFR        0x18
#define PL011_ID0     0xfe0
#define EXIT_COUNTERS 0xc6000001UL /* ELVISOR_HVC_EXIT_COUNTERS (SMC at virtual EL2): x1 = class */
#define EXITC_MMIO    5            /* core/vm.h enum exit_class: stage 2 data aborts */
/* X's pages (level 3 indexes): 0 Y, 1 mapped at the abort, 4 B, 6 D, 8 the UART, 9 the UART
 * read-only, 10 an IPA with no device. */
#define PG_B     4
#define PG_D     6
#define PG_UART  8
#define PG_URO   9
#define PG_NODEV 10
/* 16: the ivshmem window (BAR2) of its region "nestwin"; 17: the read-only one of "nestro"
 * (tests/configs/nested-hostile.dts): L1 IPAs its VM's stage 2 maps outside RAM. */
#define PG_SHM      16
#define PG_SHMRO    17
#define ECAM_RW     0x30000000UL
#define ECAM_RO     0x30100000UL
#define SHM_AT      0x10010000UL /* BAR2 in the bar-window 0x10000000 + 1 MiB */
#define SHM_MOVED   0x10020000UL
#define SHMRO_AT    0x10110000UL /* the read-only one's, in 0x10100000 + 1 MiB */
#define PCI_BAR2    0x18
#define PCI_COMMAND 0x04
#define POOL_N      200 /* L2 pages of the pool test, each in its own 2 MiB: ~3 budgets of 64 tables */

static _Alignas(4096) uint64_t s2_l1[512], s2_l2[512], s2_l3[512], s2_l2z[512], s2_l2p[512], s2_l3p[512];
static _Alignas(4096) volatile uint64_t page_y[512], page_y2[512], page_y3[512];
static _Alignas(4096) volatile uint64_t page_b[512], page_b2[512], page_b3[512], page_d[512], page_d2[512];
static _Alignas(4096) volatile uint64_t pool_pages[POOL_N][512];
static volatile uint64_t l2_read_x, l2_read_x1, l2_read_remap, s2_aborts, s2_esr, s2_hpfar, s2_far;
static volatile uint64_t l2_a1, l2_b1, l2_b3, l2_d1, l2_d_after, l2_zro, l2_pool_bad;
static volatile uint64_t l2_fr, l2_id0, l2_id1, l2_fr_isv0, l2_isv0_step, l2_fr_ro;
static volatile uint64_t mark_exits[8], perm_faults, perm_esr[4], perm_hpfar[4], sea_faults, sea_esr;
static volatile uint64_t l2_shm0, l2_shm2, l2_shmro, l2_shm_gone, l2_shm_back, l2_shm_sea, l2_shm_sea_esr;
static volatile uint64_t l1_saw_l2_write, ro_sea_faults, ro_sea_esr;
static bool s2_extra; /* the "stage2" VM's phases beyond the first (mark HVCs) */

static void tlbi_s2(void) { __asm__ volatile("dsb ishst\n tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory"); }
/* TLBI IPAS2E1IS (Xt = IPA[47:12]) and RIPAS2E1IS (FEAT_TLBIRANGE: sys #4, C8, C0, #2), each
 * followed by the TLBI VMALLE1IS the architecture asks for the combined entries (D8.14). */
static void tlbi_ipa(uint64_t xt)
{
    __asm__ volatile("dsb ishst\n tlbi ipas2e1is, %0\n dsb ish\n tlbi vmalle1is\n dsb ish\n isb" ::"r"(xt) : "memory");
}
static void tlbi_range(uint64_t xt)
{
    __asm__ volatile("dsb ishst\n sys #4, c8, c0, #2, %0\n dsb ish\n tlbi vmalle1is\n dsb ish\n isb" ::"r"(xt)
                     : "memory");
}
/* RIPAS2E1 operand, 4 KiB granule (TG = 1): (num + 1) << (5 * scale + 1) pages from ipa. */
#define RANGE_XT(ipa, scale, num) ((1UL << 46) | ((uint64_t)(scale) << 44) | ((uint64_t)(num) << 39) | ((ipa) >> 12))

static uint64_t mmio_exits(void) { return smc_call(EXIT_COUNTERS, EXITC_MMIO, 0, 0); }

static void l2_mark(void) { __asm__ volatile("hvc #3" ::: "memory"); }

/* The L2: reads X (page Y), writes X + 8, reads X + 4 KiB (an abort its hypervisor answers by
 * mapping it), asks for a remap by HVC #1 and reads X again; in the "stage2" VM then (each HVC
 * #3 a mark, where its hypervisor counts the VM's stage 2 aborts and changes its tables):
 * per-IPA and range invalidation, 2 MiB blocks, the VM's UART through its stage 2, the pool;
 * HVC #2 ends. */
void el1_s2_main(void);
void el1_s2_main(void)
{
    volatile uint64_t *x = (volatile uint64_t *)S2_X;
    l2_read_x = x[0];
    x[1] = 0x1200aa;
    l2_read_x1 = x[512];
    __asm__ volatile("hvc #1" ::: "memory");
    l2_read_remap = x[0];
    if (!s2_extra) {
        __asm__ volatile("hvc #2" ::: "memory");
        return;
    }
    (void)x[PG_B * 512];
    (void)x[PG_D * 512];
    l2_mark(); /* 0: A (X) -> Y again, B -> B2; TLBI IPAS2E1IS of A only */
    l2_a1 = x[0];
    l2_b1 = x[PG_B * 512];
    l2_mark(); /* 1: B -> B3, D -> D2; TLBI RIPAS2E1IS of B and B + 4 KiB */
    l2_b3 = x[PG_B * 512];
    l2_d1 = x[PG_D * 512];
    l2_mark(); /* 2 */
    volatile uint64_t *z = (volatile uint64_t *)S2_Z;
    for (unsigned i = 0; i < 512; i++) /* one RW 2 MiB block: every page of it */
        z[i * 512] = 0xb10c0000 + i;
    l2_mark(); /* 3 */
    l2_zro = z[512 * 512];
    z[512 * 512 + 1] = 0xbad; /* a read-only block: forwarded */
    volatile uint32_t *u = (volatile uint32_t *)(S2_X + PG_UART * 4096UL);
    l2_fr = u[UARTFR / 4];
    l2_id0 = u[PL011_ID0 / 4];
    l2_id1 = u[PL011_ID0 / 4 + 1];
    /* A load with writeback has no instruction syndrome (ISV = 0): decoded by elvisor. */
    uint64_t p = (uint64_t)&u[UARTFR / 4], w;
    __asm__ volatile("ldr %w0, [%1], #4" : "=r"(w), "+r"(p)::"memory");
    l2_fr_isv0 = w;
    l2_isv0_step = p - (uint64_t)&u[UARTFR / 4];
    for (const char *c = "nested-l2: hello through its stage 2\n"; *c; c++)
        u[UARTDR / 4] = (uint32_t)*c;
    volatile uint32_t *uro = (volatile uint32_t *)(S2_X + PG_URO * 4096UL);
    l2_fr_ro = uro[UARTFR / 4];
    for (const char *c = "<ro-leak>"; *c; c++) /* each forwarded as a permission fault, skipped */
        uro[UARTDR / 4] = (uint32_t)*c;
    (void)*(volatile uint32_t *)(S2_X + PG_NODEV * 4096UL); /* no device: an external abort at EL2 */
    l2_mark();                                              /* 4 */
    volatile uint64_t *pl = (volatile uint64_t *)S2_P;
    for (unsigned k = 0; k < POOL_N; k++) /* page k of the pool: L2 IPA P + k * (2 MiB + 4 KiB) */
        pl[k * (262144 + 512)] = 0xb00d0000 + k;
    unsigned bad = 0;
    for (unsigned k = 0; k < POOL_N; k++)
        bad += pl[k * (262144 + 512)] != 0xb00d0000 + k;
    l2_pool_bad = bad;
    l2_mark(); /* 5 */
    volatile uint64_t *win = (volatile uint64_t *)(S2_X + PG_SHM * 4096UL);
    l2_shm0 = win[0]; /* what its hypervisor wrote there */
    win[1] = 0x12e2f00d;
    l2_shm2 = win[2];
    volatile uint64_t *wro = (volatile uint64_t *)(S2_X + PG_SHMRO * 4096UL);
    l2_shmro = wro[0];
    wro[1] = 0xbad;       /* read-only in the VM's stage 2: an external abort at EL2, skipped */
    l2_mark();            /* 6: its hypervisor moves BAR2 away: elvisor unmaps the window's old place */
    l2_shm_gone = win[0]; /* an IPA of the bar-window with nothing: an external abort here at EL1 */
    l2_mark();            /* 7: BAR2 back */
    l2_shm_back = win[3];
    __asm__ volatile("hvc #2" ::: "memory");
}

__asm__(".text\n"
        ".global el1_s2_entry\n"
        "el1_s2_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_s2_main\n"
        "1:  b 1b\n");
extern char el1_s2_entry[];

static unsigned marks;

/* What its hypervisor does at each mark of the L2 (after counting). */
static void s2_mark(void)
{
    if (marks < 8)
        mark_exits[marks] = mmio_exits();
    switch (marks++) {
    case 0:
        s2_l3[0] = (uint64_t)page_y | S2_RAM_ATTRS | S2_PAGE;
        s2_l3[PG_B] = (uint64_t)page_b2 | S2_RAM_ATTRS | S2_PAGE;
        tlbi_ipa(S2_X >> 12);
        break;
    case 1:
        s2_l3[PG_B] = (uint64_t)page_b3 | S2_RAM_ATTRS | S2_PAGE;
        s2_l3[PG_D] = (uint64_t)page_d2 | S2_RAM_ATTRS | S2_PAGE;
        tlbi_range(RANGE_XT(S2_X + PG_B * 4096UL, 0, 0)); /* 2 pages: B and B + 4 KiB */
        break;
    case 6: /* its own tables unchanged, no TLBI: only elvisor's unmap can drop the L2's entry */
        l1_saw_l2_write = ((volatile uint64_t *)SHM_AT)[1];
        ((volatile uint64_t *)SHM_AT)[3] = 0x5ea5ed03;
        *(volatile uint32_t *)(ECAM_RW + PCI_BAR2) = (uint32_t)SHM_MOVED;
        break;
    case 7:
        *(volatile uint32_t *)(ECAM_RW + PCI_BAR2) = (uint32_t)SHM_AT;
        break;
    }
}

/* Its EL2 vector for the L2's exceptions in this mode. */
static void s2_exception(struct guest_frame *f, uint64_t esr)
{
    (void)f;
    uint64_t ec = esr >> 26, fsc = esr & 0x3f;
    if (ec == EC_DABT_LOW && fsc >= 0x0c && fsc <= 0x0f) { /* permission: skip the access */
        if (perm_faults < 4) {
            perm_esr[perm_faults] = esr;
            perm_hpfar[perm_faults] = sysreg_read(hpfar_el2);
        }
        perm_faults++;
        sysreg_write(elr_el2, sysreg_read(elr_el2) + 4);
        return;
    }
    if (ec == EC_DABT_LOW && fsc == 0x10 && ((sysreg_read(hpfar_el2) >> 4) << 12) == S2_X + PG_SHMRO * 4096UL) {
        ro_sea_faults++; /* a write to the read-only window: skip it */
        ro_sea_esr = esr;
        sysreg_write(elr_el2, sysreg_read(elr_el2) + 4);
        return;
    }
    if (ec == EC_DABT_LOW && fsc == 0x10) { /* external abort: skip the access */
        sea_faults++;
        sea_esr = esr;
        sysreg_write(elr_el2, sysreg_read(elr_el2) + 4);
        return;
    }
    if (ec == EC_DABT_LOW) {
        s2_aborts++;
        s2_esr = esr;
        s2_hpfar = sysreg_read(hpfar_el2);
        s2_far = sysreg_read(far_el2);
        s2_l3[1] = (uint64_t)page_y2 | S2_RAM_ATTRS | S2_PAGE; /* map it; the access is retried */
        tlbi_s2();
        return;
    }
    if (ec == EC_HVC64 && (esr & 0xffff) == 1) {
        s2_l3[0] = (uint64_t)page_y3 | S2_RAM_ATTRS | S2_PAGE; /* X now shows Y3 */
        tlbi_s2();
        return;
    }
    if (ec == EC_HVC64 && (esr & 0xffff) == 3) {
        s2_mark();
        return;
    }
    if (ec == EC_HVC64 && (esr & 0xffff) == 2) {
        resume_main();
        return;
    }
    unexpected++;
    gprintf("stage2: unexpected ESR 0x%lx ELR 0x%lx\n", (unsigned long)esr, (unsigned long)sysreg_read(elr_el2));
    resume_main();
}

/* Its stage 2 (X -> Y) and the pages' marks; false if its RAM is not where the tables expect. */
static bool s2_tables(void)
{
    uint64_t ram_gib = (uint64_t)s2_l1 >> 30;
    if (ram_gib == (S2_X >> 30) || ram_gib >= 512)
        return false;
    s2_l1[ram_gib] = (ram_gib << 30) | S2_RAM_ATTRS | S2_BLOCK;
    s2_l1[S2_X >> 30] = (uint64_t)s2_l2 | S2_TABLE;
    s2_l2[0] = (uint64_t)s2_l3 | S2_TABLE;
    s2_l3[0] = (uint64_t)page_y | S2_RAM_ATTRS | S2_PAGE;
    s2_l3[PG_B] = (uint64_t)page_b | S2_RAM_ATTRS | S2_PAGE;
    s2_l3[PG_D] = (uint64_t)page_d | S2_RAM_ATTRS | S2_PAGE;
    s2_l3[PG_UART] = UART_IPA | S2_DEV_ATTRS | S2_PAGE;
    s2_l3[PG_URO] = (UART_IPA | S2_DEV_ATTRS | S2_PAGE) & S2_RO;
    s2_l3[PG_NODEV] = NODEV_IPA | S2_DEV_ATTRS | S2_PAGE;
    s2_l3[PG_SHM] = SHM_AT | S2_RAM_ATTRS | S2_PAGE;
    s2_l3[PG_SHMRO] = SHMRO_AT | S2_RAM_ATTRS | S2_PAGE; /* RW here: the VM's stage 2 says read-only */
    page_y[0] = 0x5eed0001;
    page_y2[0] = 0x5eed0002;
    page_y3[0] = 0x5eed0003;
    page_b[0] = 0x5eedb001;
    page_b2[0] = 0x5eedb002;
    page_b3[0] = 0x5eedb003;
    page_d[0] = 0x5eedd001;
    page_d2[0] = 0x5eedd002;
    return true;
}

/* The "stage2" VM's other windows: Z, two 2 MiB blocks of its RAM (RW, then read-only) at
 * RAM + 10 MiB and + 12 MiB; P, 200 L2 IPAs 2 MiB + 4 KiB apart through one shared level 3
 * table, each to its own page of pool_pages. False if its RAM is too small for the blocks. */
static bool s2_more_tables(void)
{
    uint64_t ram = (uint64_t)s2_l1 & ~((1UL << 30) - 1) /* its RAM's GiB */, blk = ram + (10UL << 20);
    if ((uint64_t)pool_pages + sizeof(pool_pages) > blk)
        return false;
    s2_l1[S2_Z >> 30] = (uint64_t)s2_l2z | S2_TABLE;
    s2_l2z[0] = blk | S2_RAM_ATTRS | S2_BLOCK;
    s2_l2z[1] = ((blk + (2UL << 20)) | S2_RAM_ATTRS | S2_BLOCK) & S2_RO;
    *(volatile uint64_t *)(blk + (2UL << 20)) = 0x5eedb10c;
    s2_l1[S2_P >> 30] = (uint64_t)s2_l2p | S2_TABLE;
    for (unsigned k = 0; k < POOL_N; k++) {
        s2_l2p[k] = (uint64_t)s2_l3p | S2_TABLE;
        s2_l3p[k] = (uint64_t)pool_pages[k] | S2_RAM_ATTRS | S2_PAGE;
    }
    return true;
}

/* This vCPU's EL2 for an L2 on that stage 2. */
static void s2_el2_setup(void)
{
    sysreg_write(vtcr_el2, S2_VTCR);
    sysreg_write(vttbr_el2, (uint64_t)s2_l1);
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    sysreg_write(hcr_el2, HCR_RW | HCR_VM);
}

static void stage2_at(void);

static int stage2(void)
{
    if (!s2_tables() || !s2_more_tables())
        return gprintf("stage2: RAM at an unexpected place\n"), guest_failures + 1;
    s2_extra = true;
    uint32_t fr = *(volatile uint32_t *)(UART_IPA + UARTFR), id0 = *(volatile uint32_t *)(UART_IPA + PL011_ID0),
             id1 = *(volatile uint32_t *)(UART_IPA + PL011_ID0 + 4);
    /* Its ivshmem windows: BAR2 placed, memory decoding on; its bytes at the start of "nestwin". */
    *(volatile uint32_t *)(ECAM_RW + PCI_BAR2) = (uint32_t)SHM_AT;
    *(volatile uint32_t *)(ECAM_RW + PCI_COMMAND) = 0x2;
    *(volatile uint32_t *)(ECAM_RO + PCI_BAR2) = (uint32_t)SHMRO_AT;
    *(volatile uint32_t *)(ECAM_RO + PCI_COMMAND) = 0x2;
    ((volatile uint64_t *)SHM_AT)[0] = 0x5ea5ed00;
    ((volatile uint64_t *)SHM_AT)[2] = 0x5ea5ed02;
    sysreg_write(vbar_el1, (uint64_t)el1_vectors); /* the L2's external abort in a window with nothing */
    s2_el2_setup();
    s2_mode = true;
    gprintf("stage2: ERET to its L2 on its own stage 2\n");
    enter_lower((uint64_t)el1_s2_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    sysreg_write(hcr_el2, HCR_RW);
    gprintf("stage2: back at EL%lu; L2 read 0x%lx, 0x%lx, 0x%lx\n", (unsigned long)(sysreg_read(CurrentEL) >> 2),
            (unsigned long)l2_read_x, (unsigned long)l2_read_x1, (unsigned long)l2_read_remap);
    check(l2_read_x == 0x5eed0001, "stage2_l2_reads_through_remap", "read 0x%lx", (unsigned long)l2_read_x);
    check(page_y[1] == 0x1200aa, "stage2_l2_write_lands_in_y", "Y[1] 0x%lx", (unsigned long)page_y[1]);
    check(s2_aborts == 1 && (s2_esr >> 26) == EC_DABT_LOW && (s2_esr & 0x3f) == 0x07 && !(s2_esr & (1UL << 6)),
          "stage2_abort_syndrome", "%lu aborts, ESR_EL2 0x%lx", (unsigned long)s2_aborts, (unsigned long)s2_esr);
    check(((s2_hpfar >> 4) << 12) == S2_X + 4096 && s2_far == S2_X + 4096, "stage2_abort_hpfar_far",
          "HPFAR_EL2 0x%lx FAR_EL2 0x%lx", (unsigned long)s2_hpfar, (unsigned long)s2_far);
    check(l2_read_x1 == 0x5eed0002, "stage2_abort_then_mapped", "read 0x%lx", (unsigned long)l2_read_x1);
    check(l2_read_remap == 0x5eed0003, "stage2_remap_after_tlbi", "read 0x%lx", (unsigned long)l2_read_remap);
    check(marks == 8, "stage2_l2_ran_every_phase", "%u marks", marks);
    gprintf("stage2: the VM's stage 2 aborts: %lu after the TLBI by IPA, %lu after the range TLBI, %lu for the "
            "2 MiB block's 512 pages, %lu for the pool's 2 x %u pages\n",
            (unsigned long)(mark_exits[1] - mark_exits[0]), (unsigned long)(mark_exits[2] - mark_exits[1]),
            (unsigned long)(mark_exits[3] - mark_exits[2]), (unsigned long)(mark_exits[5] - mark_exits[4]), POOL_N);
    /* TLBI IPAS2E1IS of X: X refaults and shows Y again; B, remapped without its TLBI, still
     * shows the page it had (its shadow entry kept) and costs no exit. */
    uint64_t d = mark_exits[1] - mark_exits[0];
    check(l2_a1 == 0x5eed0001 && l2_b1 == 0x5eedb001 && d == 1, "stage2_tlbi_ipa_drops_only_that_page",
          "X read 0x%lx, B read 0x%lx, %lu stage 2 aborts", (unsigned long)l2_a1, (unsigned long)l2_b1,
          (unsigned long)d);
    d = mark_exits[2] - mark_exits[1];
    check(l2_b3 == 0x5eedb003 && l2_d1 == 0x5eedd001 && d == 1, "stage2_tlbi_range_drops_only_its_pages",
          "B read 0x%lx, D read 0x%lx, %lu stage 2 aborts", (unsigned long)l2_b3, (unsigned long)l2_d1,
          (unsigned long)d);
    /* 512 pages of a 2 MiB block written with one abort: the shadow maps the block. */
    uint64_t blk = ((uint64_t)s2_l1 & ~((1UL << 30) - 1)) + (10UL << 20);
    unsigned wrong = 0;
    for (unsigned i = 0; i < 512; i++)
        wrong += *(volatile uint64_t *)(blk + i * 4096UL) != 0xb10c0000 + i;
    d = mark_exits[3] - mark_exits[2];
    check(wrong == 0 && d == 1, "stage2_block_mapped_whole", "%u pages wrong, %lu stage 2 aborts for 512 pages", wrong,
          (unsigned long)d);
    check(l2_zro == 0x5eedb10c && perm_faults >= 1 && (perm_esr[0] & 0x3f) == 0x0e && (perm_esr[0] & (1UL << 6)) &&
              ((perm_hpfar[0] >> 4) << 12) == S2_Z + (2UL << 20) &&
              *(volatile uint64_t *)(blk + (2UL << 20) + 8) != 0xbad,
          "stage2_block_read_only_write_forwarded", "read 0x%lx, %lu permission faults, ESR_EL2 0x%lx HPFAR_EL2 0x%lx",
          (unsigned long)l2_zro, (unsigned long)perm_faults, (unsigned long)perm_esr[0], (unsigned long)perm_hpfar[0]);
    gprintf("stage2: its L2 read UARTFR 0x%lx ID 0x%lx 0x%lx (0x%x 0x%x 0x%x at EL2)\n", (unsigned long)l2_fr,
            (unsigned long)l2_id0, (unsigned long)l2_id1, fr, id0, id1);
    check(l2_fr == fr && l2_id0 == id0 && l2_id1 == id1 && id0 == 0x11, "stage2_l2_reads_vm_uart",
          "UARTFR 0x%lx ID0 0x%lx", (unsigned long)l2_fr, (unsigned long)l2_id0);
    check(l2_fr_isv0 == fr && l2_isv0_step == 4, "stage2_l2_uart_isv0_decoded", "read 0x%lx, base moved by %lu",
          (unsigned long)l2_fr_isv0, (unsigned long)l2_isv0_step);
    /* 1 for the block above, 9 for "<ro-leak>": level 3 permission faults, writes, at the page. */
    check(l2_fr_ro == fr && perm_faults == 10 && (perm_esr[1] & 0x3f) == 0x0f && (perm_esr[1] & (1UL << 6)) &&
              ((perm_hpfar[1] >> 4) << 12) == S2_X + PG_URO * 4096UL,
          "stage2_l2_uart_read_only_write_forwarded",
          "read 0x%lx, %lu permission faults, ESR_EL2 0x%lx HPFAR_EL2 0x%lx", (unsigned long)l2_fr_ro,
          (unsigned long)perm_faults, (unsigned long)perm_esr[1], (unsigned long)perm_hpfar[1]);
    check(sea_faults == 1 && (sea_esr >> 26) == EC_DABT_LOW, "stage2_l2_no_device_external_abort",
          "%lu external aborts, ESR_EL2 0x%lx", (unsigned long)sea_faults, (unsigned long)sea_esr);
    /* More L2 pages than 64 tables map, each in its own 2 MiB: the shadow is dropped and
     * refilled on demand (the second pass refaults what the resets dropped), no page lost. */
    wrong = 0;
    for (unsigned k = 0; k < POOL_N; k++)
        wrong += pool_pages[k][0] != 0xb00d0000 + k;
    d = mark_exits[5] - mark_exits[4];
    check(wrong == 0 && l2_pool_bad == 0 && d >= 2 * POOL_N - 64, "stage2_pool_reset_refills",
          "%u pages wrong, %lu read back wrong, %lu stage 2 aborts", wrong, (unsigned long)l2_pool_bad,
          (unsigned long)d);
    /* Its ivshmem window through its stage 2 (docs/nested.md "Through the VM's stage 2"): the L2
     * reads the bytes the L1 wrote at that L1 IPA and the L1 reads the L2's; one stage 2 abort
     * each for the window, the read-only window and its write (mapped, not emulated). */
    d = mark_exits[6] - mark_exits[5];
    check(l2_shm0 == 0x5ea5ed00 && l2_shm2 == 0x5ea5ed02 && l1_saw_l2_write == 0x12e2f00d && d == 3,
          "stage2_l2_shares_ivshmem_window", "read 0x%lx 0x%lx, its write seen as 0x%lx, %lu stage 2 aborts",
          (unsigned long)l2_shm0, (unsigned long)l2_shm2, (unsigned long)l1_saw_l2_write, (unsigned long)d);
    /* A write through the read-only window: the external abort the VM's own write gets, once. */
    check(l2_shmro == 0 && ro_sea_faults == 1 && (ro_sea_esr >> 26) == EC_DABT_LOW && (ro_sea_esr & (1UL << 6)) &&
              ((volatile uint64_t *)SHMRO_AT)[1] == 0,
          "stage2_l2_read_only_window_write_external_abort", "read 0x%lx, %lu external aborts, ESR_EL2 0x%lx",
          (unsigned long)l2_shmro, (unsigned long)ro_sea_faults, (unsigned long)ro_sea_esr);
    /* BAR2 moved: elvisor's unmap dropped the L2's shadow entry (its own tables still map the
     * page): its read is refused at its EL1; with BAR2 back, it reads the region again. */
    check(l2_shm_sea == 1 && (l2_shm_sea_esr >> 26) == 0x25 && l2_shm_gone != 0x5ea5ed00 && l2_shm_back == 0x5ea5ed03,
          "stage2_bar_move_drops_l2_window", "%lu aborts at its EL1 (ESR_EL1 0x%lx), read 0x%lx, then 0x%lx",
          (unsigned long)l2_shm_sea, (unsigned long)l2_shm_sea_esr, (unsigned long)l2_shm_gone,
          (unsigned long)l2_shm_back);
    stage2_at();
    check(unexpected == 0, "stage2_no_unexpected", "%u unexpected exceptions", unexpected);
    return guest_failures;
}

/* ---- "hostile": its stage 2 made of entries toward the VM's devices, garbage TLBIs ---------- */

#define GICD_IPA 0x08000000UL
#define GICR_IPA 0x080a0000UL
/* X's level 3 indexes: 12 the GICD with every upper attribute bit set, 13 a GICR frame, 14 an
 * output beyond its VTCR_EL2.PS (36 bits), 15 the UART executable. X + 2 MiB: a block at the
 * UART (its 4 KiB, then nothing); X + 4 MiB: a table "at" the UART. */
#define PG_GICD  12
#define PG_GICR  13
#define PG_BIGPA 14
#define PG_UARTX 15
/* 24..27: L1 IPAs where this VM's stage 2 maps nothing, outside its RAM and devices (where
 * another VM's flash, ivshmem window and RAM sit, just below and just past its RAM): never
 * mapped through, each access an external abort at EL2. */
#define PG_NOS2 24
#define NOS2_N  4
static const uint64_t nos2_ipa[NOS2_N] = { 0x0UL, 0x10010000UL, 0x3ffff000UL, 0x41000000UL };

static volatile unsigned hs2_forwarded, hs2_l2_faults;
static volatile uint64_t hs2_fsc[16], hs2_read_x, hs2_read_uart, hs2_read_gicd;

static void hostile_s2_exception(struct guest_frame *f, uint64_t esr)
{
    uint64_t ec = esr >> 26;
    if (ec == EC_DABT_LOW || ec == 0x20) { /* its stage 2 refused: skip (a fetch: return) */
        if (hs2_forwarded < 16)
            hs2_fsc[hs2_forwarded] = (ec << 8) | (esr & 0x3f);
        hs2_forwarded++;
        sysreg_write(elr_el2, ec == 0x20 ? f->x[30] : sysreg_read(elr_el2) + 4);
        return;
    }
    if (ec == EC_HVC64 && (esr & 0xffff) == 2) {
        resume_main();
        return;
    }
    unexpected++;
    gprintf("hostile: unexpected ESR 0x%lx ELR 0x%lx\n", (unsigned long)esr, (unsigned long)sysreg_read(elr_el2));
    resume_main();
}

/* What the devices refuse (sizes, offsets) and alignment faults: aborts at its own EL1. */
static void hostile_s2_l2_fault(void)
{
    hs2_l2_faults++;
    sysreg_write(elr_el1, sysreg_read(elr_el1) + 4);
}

/* Its guest: every access size, pairs and writeback at the VM's GICD and a GICR frame, garbage
 * written to the GICD, the UART through a block, the rest of that block (no device), a walk
 * through a "table" at the UART, an output beyond PS, a fetch from the UART. */
void el1_hostile_s2_main(void);
void el1_hostile_s2_main(void)
{
    hs2_read_x = *(volatile uint64_t *)S2_X;
    uint64_t g = S2_X + PG_GICD * 4096UL, r = S2_X + PG_GICR * 4096UL, sink;
    for (unsigned off = 0; off < 0x100; off += 0x1c) {
        __asm__ volatile("ldrb %w0, [%1]" : "=r"(sink) : "r"(g + off) : "memory");
        __asm__ volatile("ldrh %w0, [%1]" : "=r"(sink) : "r"(g + off) : "memory");
        __asm__ volatile("ldr %w0, [%1]" : "=r"(sink) : "r"(g + off) : "memory");
        __asm__ volatile("ldr %0, [%1]" : "=r"(sink) : "r"(g + off) : "memory");
        __asm__ volatile("ldr %0, [%1]" : "=r"(sink) : "r"(r + off) : "memory");
    }
    uint64_t a = g + 0x100, b, c;
    __asm__ volatile("ldp %0, %1, [%2]" : "=r"(b), "=r"(c) : "r"(a) : "memory");
    __asm__ volatile("ldr %w0, [%1, #4]!" : "=r"(b), "+r"(a)::"memory");
    __asm__ volatile("stp %0, %0, [%1]" ::"r"(GARBAGE), "r"(g + 0x180) : "memory"); /* ICPENDR */
    __asm__ volatile("str %w0, [%1]" ::"r"(~0UL), "r"(g + 0x104) : "memory");       /* ISENABLER1 */
    __asm__ volatile("str %0, [%1]" ::"r"(GARBAGE), "r"(g + 0x6100) : "memory");    /* not mapped: its fault */
    __asm__ volatile("ldr %0, [%1]" : "=r"(sink) : "r"(g + 0xfff) : "memory");      /* across into the GICR */
    hs2_read_gicd = *(volatile uint32_t *)(g + 8);                                  /* GICD_IIDR */
    hs2_read_uart = *(volatile uint32_t *)(S2_X + (2UL << 20) + UARTFR);
    (void)*(volatile uint32_t *)(S2_X + (2UL << 20) + 0x1000);
    (void)*(volatile uint32_t *)(S2_X + (4UL << 20) - 4096);
    (void)*(volatile uint32_t *)(S2_X + (4UL << 20));
    (void)*(volatile uint32_t *)(S2_X + PG_BIGPA * 4096UL);
    for (unsigned i = 0; i < NOS2_N; i++)
        *(volatile uint64_t *)(S2_X + (PG_NOS2 + i) * 4096UL + 8 * i) = GARBAGE;
    ((void (*)(void))(S2_X + PG_UARTX * 4096UL))();
    __asm__ volatile("hvc #2" ::: "memory");
}

__asm__(".text\n"
        ".global el1_hostile_s2_entry\n"
        "el1_hostile_s2_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_hostile_s2_main\n"
        "1:  b 1b\n");
extern char el1_hostile_s2_entry[];

/* Garbage operands for every TLBI by IPA and range (IS, OS, local; "last level" too): IPAs
 * beyond any IPA size, all ones, reserved granules, the largest ranges. */
static void hostile_tlbis(void)
{
    static const uint64_t xt[] = { ~0UL,
                                   0,
                                   GARBAGE,
                                   1UL << 63,
                                   RANGE_XT(~0UL & ((1UL << 49) - 1), 3, 31),
                                   RANGE_XT(S2_X, 3, 31),
                                   (0UL << 46) | 5,
                                   (3UL << 46) | GARBAGE };
    for (unsigned i = 0; i < sizeof(xt) / sizeof(xt[0]); i++) {
        uint64_t v = xt[i];
        __asm__ volatile("tlbi ipas2e1is, %0\n tlbi ipas2le1is, %0\n tlbi ipas2e1, %0\n tlbi ipas2le1, %0\n"
                         "sys #4, c8, c4, #0, %0\n sys #4, c8, c4, #4, %0\n" /* IPAS2E1OS, IPAS2LE1OS */
                         "sys #4, c8, c0, #2, %0\n sys #4, c8, c0, #6, %0\n" /* RIPAS2E1IS, RIPAS2LE1IS */
                         "sys #4, c8, c4, #2, %0\n sys #4, c8, c4, #3, %0\n" /* RIPAS2E1, RIPAS2E1OS */
                         "sys #4, c8, c4, #6, %0\n sys #4, c8, c4, #7, %0\n" /* RIPAS2LE1, RIPAS2LE1OS */
                         "dsb ish\n isb" ::"r"(v)
                         : "memory");
    }
}

static bool hostile_s2(void)
{
    if (!s2_tables())
        return false;
    s2_l3[PG_GICD] = GICD_IPA | 0xfff8000000000000UL | S2_RAM_ATTRS | S2_PAGE;
    s2_l3[PG_GICR] = GICR_IPA | S2_DEV_ATTRS | S2_PAGE;
    s2_l3[PG_BIGPA] = (0xfffffffff000UL) | S2_RAM_ATTRS | S2_PAGE;
    s2_l3[PG_UARTX] = UART_IPA | S2_RAM_ATTRS | S2_PAGE; /* XN clear */
    for (unsigned i = 0; i < NOS2_N; i++)
        s2_l3[PG_NOS2 + i] = nos2_ipa[i] | 0xfff8000000000000UL | S2_RAM_ATTRS | S2_PAGE;
    s2_l2[1] = UART_IPA | S2_DEV_ATTRS | S2_BLOCK;
    s2_l2[2] = UART_IPA | S2_TABLE;
    sysreg_write(sctlr_el1, 0); /* its guest's: MMU off (Device accesses), after the garbage above */
    sysreg_write(vbar_el1, (uint64_t)el1_vectors);
    s2_el2_setup();
    hostile_tlbis();
    hostile_s2_mode = s2_mode = true;
    enter_lower((uint64_t)el1_hostile_s2_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    hostile_tlbis();
    hs2_read_x = 0;
    enter_lower((uint64_t)el1_hostile_s2_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    hostile_s2_mode = s2_mode = false;
    sysreg_write(hcr_el2, HCR_RW);
    uint32_t iidr = *(volatile uint32_t *)(GICD_IPA + 8);
    gprintf("hostile: its guest on device tables: read 0x%lx, UART 0x%lx, GICD_IIDR 0x%lx (0x%x at EL2); %u aborts at "
            "EL2 (",
            (unsigned long)hs2_read_x, (unsigned long)hs2_read_uart, (unsigned long)hs2_read_gicd, iidr, hs2_forwarded);
    for (unsigned i = 0; i < hs2_forwarded && i < 16; i++)
        gprintf(" 0x%lx", (unsigned long)hs2_fsc[i]);
    gprintf(" ), %u at its EL1\n", hs2_l2_faults);
    /* Per run: 0x07 (the write beyond the GICD page it maps), 0x10 twice (no device in the
     * UART's block: at 0x1000 and in its last page), 0x17 (a walk through the "table" at the
     * UART), 0x03 (beyond PS), 0x10 for each write where its VM's stage 2 has nothing, EC 0x20
     * 0x10 (the fetch from the UART). */
    static const uint64_t want[] = { 0x2407, 0x2410, 0x2410, 0x2417, 0x2403, 0x2410, 0x2410, 0x2410, 0x2410, 0x2010 };
    bool fsc_ok = hs2_forwarded == 2 * sizeof(want) / sizeof(want[0]);
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]) && fsc_ok; i++)
        fsc_ok = hs2_fsc[i] == want[i];
    return (sysreg_read(CurrentEL) >> 2) == 2 && hs2_read_x == 0x5eed0001 && hs2_read_uart == 0x90 &&
           hs2_read_gicd == iidr && fsc_ok && unexpected == 0;
}

/* ---- "s2smp": another vCPU's TLBI reaches this vCPU's L2 at once ---------------------------- */

#define PSCI_CPU_ON_64 0xc4000003UL
#define PSCI_CPU_OFF   0x84000002UL
#define SMP_WAIT_US    3000000

extern char guest_secondary_entry[];
static bool smp_mode;
static volatile unsigned smp_l2_started, smp_go, smp_l2_mid, smp_go2, smp_l2_mid2, smp_go3, smp_l2_mid3, smp_go4,
    smp_l2_done;
static volatile uint64_t smp_l2_before, smp_l2_after, smp_l2_after_ipa, smp_l2_other_vmid, smp_l2_same_vmid;
static _Alignas(16) uint8_t el1_stack2[4096];

/* vCPU 1's L2: reads X (its shadow now maps it to Y), then spins without a single exit until
 * vCPU 0 has remapped X to Y3 and invalidated, and reads X again. */
void el1_smp_main(void);
void el1_smp_main(void)
{
    volatile uint64_t *x = (volatile uint64_t *)S2_X;
    smp_l2_before = x[0];
    smp_l2_started = 1;
    while (!smp_go)
        ;
    smp_l2_after = x[0];
    smp_l2_mid = 1;
    while (!smp_go2) /* again, for a TLBI by IPA */
        ;
    smp_l2_after_ipa = x[0];
    smp_l2_mid2 = 1;
    while (!smp_go3) /* a TLBI by IPA under another VMID */
        ;
    smp_l2_other_vmid = x[0];
    smp_l2_mid3 = 1;
    while (!smp_go4) /* and under its own */
        ;
    smp_l2_same_vmid = x[0];
    __asm__ volatile("hvc #2" ::: "memory");
}

__asm__(".text\n"
        ".global el1_smp_entry\n"
        "el1_smp_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_smp_main\n"
        "1:  b 1b\n");
extern char el1_smp_entry[];

/* vCPU 1, started at virtual EL2 by vCPU 0's PSCI CPU_ON. */
void guest_secondary_main(uint64_t index)
{
    if (l2smp_mode && index == 1)
        l2smp_secondary();
    if (!smp_mode || index != 1) {
        for (;;)
            __asm__ volatile("wfi");
    }
    s2_el2_setup();
    enter_lower((uint64_t)el1_smp_entry, SPSR_EL1H, (uint64_t)(el1_stack2 + sizeof(el1_stack2)));
    smp_l2_done = 1;
    smc_call(PSCI_CPU_OFF, 0, 0, 0);
}

static bool smp_wait(volatile unsigned *flag)
{
    uint64_t end = cntvct() + us_to_ticks(SMP_WAIT_US);
    while (!*flag && cntvct() < end)
        __asm__ volatile("isb" ::: "memory");
    return *flag != 0;
}

static int s2smp(void)
{
    if (!s2_tables())
        return gprintf("s2smp: RAM at an unexpected place\n"), guest_failures + 1;
    s2_mode = smp_mode = true;
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    uint64_t mpidr1 = (sysreg_read(mpidr_el1) & 0xff00ffff00UL) | 1; /* Aff0 = vCPU index */
    uint64_t r = smc_call(PSCI_CPU_ON_64, mpidr1, (uint64_t)guest_secondary_entry, 1);
    check(r == 0, "s2smp_cpu_on_at_el2", "PSCI CPU_ON returned %ld", (long)r);
    bool started = smp_wait(&smp_l2_started);
    check(started && smp_l2_before == 0x5eed0001, "s2smp_l2_runs_on_vcpu1", "started %d, read 0x%lx", started,
          (unsigned long)smp_l2_before);
    s2_l3[0] = (uint64_t)page_y3 | S2_RAM_ATTRS | S2_PAGE; /* X now shows Y3 */
    tlbi_s2();
    smp_go = 1;
    bool mid = smp_wait(&smp_l2_mid);
    s2_l3[0] = (uint64_t)page_y2 | S2_RAM_ATTRS | S2_PAGE; /* X now shows Y2 */
    sysreg_write(vttbr_el2, (uint64_t)s2_l1);              /* VMID 0, vCPU 1's */
    tlbi_ipa(S2_X >> 12);
    smp_go2 = 1;
    bool mid2 = mid && smp_wait(&smp_l2_mid2);
    /* TLBI IPAS2E1IS applies to the VMID in VTTBR_EL2 at the time (Arm ARM D8.13.3): under
     * VMID 5, vCPU 1's L2 (VMID 0) keeps its entry for X (still Y2, remapped to Y without a
     * TLBI of its VMID); under VMID 0 again, it loses it and reads Y. */
    s2_l3[0] = (uint64_t)page_y | S2_RAM_ATTRS | S2_PAGE;
    sysreg_write(vttbr_el2, (uint64_t)s2_l1 | (5UL << 48));
    tlbi_ipa(S2_X >> 12);
    smp_go3 = 1;
    bool mid3 = mid2 && smp_wait(&smp_l2_mid3);
    sysreg_write(vttbr_el2, (uint64_t)s2_l1);
    tlbi_ipa(S2_X >> 12);
    smp_go4 = 1;
    bool done = mid3 && smp_wait(&smp_l2_done);
    gprintf("s2smp: vCPU 1's L2 read 0x%lx before, 0x%lx after vCPU 0's remap and TLBI\n", (unsigned long)smp_l2_before,
            (unsigned long)smp_l2_after);
    check(mid && smp_l2_after == 0x5eed0003, "s2smp_tlbi_reaches_other_vcpu_at_once", "done %d, read 0x%lx", mid,
          (unsigned long)smp_l2_after);
    check(mid2 && smp_l2_after_ipa == 0x5eed0002, "s2smp_tlbi_ipa_reaches_other_vcpu_at_once", "done %d, read 0x%lx",
          mid2, (unsigned long)smp_l2_after_ipa);
    check(done && smp_l2_other_vmid == 0x5eed0002 && smp_l2_same_vmid == 0x5eed0001,
          "s2smp_tlbi_ipa_other_vmid_keeps_its_entry", "done %d, read 0x%lx after VMID 5's TLBI, 0x%lx after VMID 0's",
          done, (unsigned long)smp_l2_other_vmid, (unsigned long)smp_l2_same_vmid);
    check(unexpected == 0, "s2smp_no_unexpected", "%u unexpected exceptions", unexpected);
    return guest_failures;
}

/* ---- "l2smp": an L2 of two vCPUs on its two vCPUs (docs/nested.md "Its guest on several vCPUs")
 * ---- vCPU 0 runs L2 vCPU 0, whose PSCI CPU_ON by HVC it answers by having its own vCPU 1
 * (started by PSCI at virtual EL2, waiting) enter L2 vCPU 1 at the entry and context asked for,
 * with MPIDR Aff0 = 1 (its VMPIDR_EL2). Both L2 vCPUs count until each has counted L2SMP_COUNT
 * (bounded in time), then HVC #2. No stage 2 of its own: the L2 shares the VM's IPA space. */
#define L2SMP_COUNT   100000
#define L2SMP_WAIT_US 5000000
#define MPIDR_RES1    (1UL << 31)
static volatile uint64_t l2smp_count[2], l2smp_mpidr[2], l2smp_entry, l2smp_ctx, l2smp_target;
static volatile int64_t l2smp_on_ret = -1;
static volatile unsigned l2smp_req, l2smp_stop, l2smp_done;
static _Alignas(16) uint8_t l2smp_stack1[4096];
extern char el1_l2smp_entry[], el1_l2smp_secondary_entry[];

void el1_l2smp_main(void);
void el1_l2smp_main(void)
{
    l2smp_mpidr[0] = sysreg_read(mpidr_el1);
    register uint64_t x0 __asm__("x0") = PSCI_CPU_ON_64;
    register uint64_t x1 __asm__("x1") = 1; /* its vCPU 1 (Aff0 = 1) */
    register uint64_t x2 __asm__("x2") = (uint64_t)el1_l2smp_secondary_entry;
    register uint64_t x3 __asm__("x3") = (uint64_t)(l2smp_stack1 + sizeof(l2smp_stack1));
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    l2smp_on_ret = (int64_t)x0;
    uint64_t end = cntvct() + us_to_ticks(L2SMP_WAIT_US);
    while ((l2smp_count[0] < L2SMP_COUNT || l2smp_count[1] < L2SMP_COUNT) && cntvct() < end)
        l2smp_count[0]++;
    l2smp_stop = 1;
    __asm__ volatile("hvc #2" ::: "memory");
}

void el1_l2smp_secondary_main(void);
void el1_l2smp_secondary_main(void)
{
    l2smp_mpidr[1] = sysreg_read(mpidr_el1);
    uint64_t end = cntvct() + us_to_ticks(L2SMP_WAIT_US);
    while (!l2smp_stop && cntvct() < end)
        l2smp_count[1]++;
    __asm__ volatile("hvc #2" ::: "memory");
}

__asm__(".text\n"
        ".global el1_l2smp_entry\n"
        "el1_l2smp_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_l2smp_main\n"
        "1:  b 1b\n"
        ".global el1_l2smp_secondary_entry\n"
        "el1_l2smp_secondary_entry:\n" /* x0: the context its CPU_ON passed, its stack */
        "    mov sp, x0\n"
        "    bl el1_l2smp_secondary_main\n"
        "2:  b 2b\n");

/* Its HVC #0 from L2 vCPU 0: PSCI CPU_ON of Aff0 = 1, once; anything else INVALID_PARAMETERS. */
static void l2smp_psci(struct guest_frame *f)
{
    if (f->x[0] == PSCI_CPU_ON_64 && f->x[1] == 1 && !l2smp_req) {
        l2smp_entry = f->x[2];
        l2smp_ctx = f->x[3];
        l2smp_req = 1;
        f->x[0] = 0;
    } else {
        f->x[0] = (uint64_t)-2;
    }
}

/* Its vCPU 1: waits for the request, then runs L2 vCPU 1 until its HVC #2. */
static void l2smp_secondary(void)
{
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    sysreg_write(hcr_el2, HCR_RW);
    sysreg_write(vmpidr_el2, MPIDR_RES1 | 1);
    uint64_t end = cntvct() + us_to_ticks(L2SMP_WAIT_US);
    while (!l2smp_req && cntvct() < end)
        __asm__ volatile("isb" ::: "memory");
    if (l2smp_req)
        enter_lower(l2smp_entry, SPSR_EL1H, l2smp_ctx);
    l2smp_done = 1;
    smc_call(PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

static int l2smp(void)
{
    l2smp_mode = true;
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    sysreg_write(hcr_el2, HCR_RW);
    sysreg_write(vmpidr_el2, MPIDR_RES1); /* L2 vCPU 0: Aff0 = 0 */
    uint64_t mpidr1 = (sysreg_read(mpidr_el1) & 0xff00ffff00UL) | 1;
    uint64_t r = smc_call(PSCI_CPU_ON_64, mpidr1, (uint64_t)guest_secondary_entry, 1);
    check(r == 0, "l2smp_its_vcpu1_on", "PSCI CPU_ON returned %ld", (long)r);
    enter_lower((uint64_t)el1_l2smp_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    bool done = smp_wait(&l2smp_done);
    gprintf("l2smp: L2 vCPU 0 counted %lu, L2 vCPU 1 %lu; MPIDRs 0x%lx 0x%lx\n", (unsigned long)l2smp_count[0],
            (unsigned long)l2smp_count[1], (unsigned long)l2smp_mpidr[0], (unsigned long)l2smp_mpidr[1]);
    check(l2smp_req && l2smp_on_ret == 0, "l2smp_l2_cpu_on_answered_by_it", "request %u, CPU_ON returned %ld",
          l2smp_req, (long)l2smp_on_ret);
    check((l2smp_mpidr[0] & 0xffffff) == 0 && (l2smp_mpidr[1] & 0xffffff) == 1, "l2smp_l2_mpidrs_its_choice",
          "0x%lx 0x%lx", (unsigned long)l2smp_mpidr[0], (unsigned long)l2smp_mpidr[1]);
    check(l2smp_count[0] >= L2SMP_COUNT && l2smp_count[1] >= L2SMP_COUNT, "l2smp_both_l2_vcpus_progress", "%lu and %lu",
          (unsigned long)l2smp_count[0], (unsigned long)l2smp_count[1]);
    check(done, "l2smp_vcpu1_back_at_el2", "done %u", l2smp_done);
    check(unexpected == 0, "l2smp_no_unexpected", "%u unexpected exceptions", unexpected);
    return guest_failures;
}

/* ---- "irq": its vGIC for its guest (docs/nested.md "Interrupts for its guest") ---- */

#define L2_VINTID     42 /* what its list register gives its guest */
#define L2_EOI_VINTID 43 /* the same, with the EOI maintenance request */
#define MAINT_PPI     25 /* the maintenance interrupt (the VM's GIC node) */
#define L2_WAIT_US    2000000

#define SGI_FIQ 5 /* the VM's Group 0 SGI, raised by its guest: a FIQ */

static volatile unsigned irq_phase, l2_unexpected, el2_fiqs;
static volatile uint64_t l2_iar[4], l2_waited_out, el2_iar, el2_spsr, el2_elr, el2_misr, el2_eisr;
static volatile uint64_t el2_fiq_iar, el2_fiq_spsr;
static volatile uint64_t sgi_trap_esr, sgi_trap_value;
static volatile unsigned sgi_traps;

/* Its guest's EL1 vector: IRQs from the lent interface, acknowledged and ended there. */
void el1_exception(struct guest_frame *f, uint64_t off);
void el1_exception(struct guest_frame *f, uint64_t off)
{
    (void)f;
    if (hostile_s2_mode && off == 0x200) { /* "hostile": an abort of its own, skipped */
        hostile_s2_l2_fault();
        return;
    }
    if (traps_mode && (off == 0x280 || off == 0x300 || off == 0x380)) { /* "traps": its virtual IRQ, FIQ, SError */
        l2_vexc(off);
        return;
    }
    if (s2_extra && off == 0x200) { /* "stage2": the external abort of a window with nothing, skipped */
        l2_shm_sea_esr = sysreg_read(esr_el1);
        l2_shm_sea++;
        sysreg_write(elr_el1, sysreg_read(elr_el1) + 4);
        return;
    }
    if (traps_mode && off == 0x200) { /* "traps": an exception its own controls keep at its EL1 */
        l2_sync_esr = sysreg_read(esr_el1);
        l2_syncs++;
        sysreg_write(elr_el1, sysreg_read(elr_el1) + 4);
        return;
    }
    if (off != 0x280) { /* IRQ, current EL with SP_EL1 */
        l2_unexpected++;
        __asm__ volatile("hvc #2" ::: "memory");
        return;
    }
    uint64_t iar = sysreg_read(icc_iar1_el1);
    if (l2_irqs < 4)
        l2_iar[l2_irqs] = iar;
    l2_irqs++;
    if (iar < 1020)
        sysreg_write(icc_eoir1_el1, iar);
}

static bool l2_wait(volatile unsigned *count, unsigned want)
{
    uint64_t end = cntvct() + us_to_ticks(L2_WAIT_US);
    while (*count < want && cntvct() < end)
        __asm__ volatile("isb" ::: "memory");
    return *count >= want;
}

/* Phase 1: take its list register's interrupt, then HVC #2 back. Phase 2: write ICC_SGI1R_EL1,
 * which its HCR_EL2.IMO traps to virtual EL2 (irq_sgi_trapped): there it raises that SGI for the
 * VM and comes back, and the VM's SGI goes to virtual EL2 (never coming back here).
 * Phase 3: take the interrupt whose EOI asks for maintenance, then wait for virtual EL2 to take
 * the maintenance interrupt. Phase 4 ("hostile"): take whatever a garbage vGIC gives. Waits are bounded: "waited out" then HVC #2. */
void el1_irq_main(void);
void el1_irq_main(void)
{
    irq_unmask(); /* after its stack is set (el1_irq_entry) */
    if (irq_phase == 1) {
        l2_wait(&l2_irqs, 1);
    } else if (irq_phase == 2) {
        sysreg_write(icc_sgi1r_el1, (uint64_t)SGI_TO_VM << 24 | 1); /* this vCPU (Aff 0.0.0) */
        __asm__ volatile("isb");
        l2_wait(&el2_irqs, 1);
    } else if (irq_phase == 5) {
        sysreg_write(s3_0_c12_c11_7, (uint64_t)SGI_FIQ << 24 | 1); /* ICC_SGI0R_EL1: Group 0, this vCPU */
        __asm__ volatile("isb");
        l2_wait(&el2_fiqs, 1);
    } else if (irq_phase == 4) {
        l2_wait(&l2_irqs, ~0u); /* "hostile": take what comes for the time of a wait */
    } else {
        if (l2_wait(&l2_irqs, 2))
            l2_wait(&el2_irqs, 2);
    }
    l2_waited_out++;
    __asm__ volatile("hvc #2" ::: "memory");
}
__asm__(".text\n"
        ".global el1_irq_entry\n"
        "el1_irq_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_irq_main\n"
        "1:  b 1b\n");
extern char el1_irq_entry[];

/* Its guest's ICC_SGI1R_EL1 / ICC_SGI0R_EL1 write, trapped by its HCR_EL2.IMO / FMO (EC 0x18, ISS:
 * op0 3, op2 5 / 7, CRn 12, op1 0, CRm 11, direction 0 = write; IHI 0069H 12.2.22, 12.2.21): as a
 * hypervisor would, it makes the SGI itself (for the VM: its own write traps to elvisor) and
 * steps over the instruction. Phase 2 counts the Group 1 one (sgi_traps). */
#define ISS_SGIR_WRITE_MASK 0x3ffc1fUL /* op0, op2, op1, CRn, CRm, direction */
#define ISS_SGIR_WRITE(op2) (3UL << 20 | (op2) << 17 | 0UL << 14 | 12UL << 10 | 11UL << 1)
static void irq_sgi_trapped(struct guest_frame *f, uint64_t esr)
{
    unsigned rt = (unsigned)(esr >> 5) & 0x1f;
    uint64_t value = rt < 31 ? f->x[rt] : 0;
    if ((esr & ISS_SGIR_WRITE_MASK) == ISS_SGIR_WRITE(7UL)) {
        sysreg_write(s3_0_c12_c11_7, value); /* ICC_SGI0R_EL1 */
    } else {
        sgi_traps++;
        sgi_trap_esr = esr;
        sgi_trap_value = value;
        if ((esr & ISS_SGIR_WRITE_MASK) == ISS_SGIR_WRITE(5UL))
            sysreg_write(icc_sgi1r_el1, value);
    }
    sysreg_write(elr_el2, last_elr + 4);
}

/* Its IRQ vector from its guest: the VM's interrupt, on elvisor's list registers again. */
static void irq_at_el2(void)
{
    el2_spsr = last_spsr;
    el2_elr = last_elr;
    el2_misr = sysreg_read(ich_misr_el2);
    el2_eisr = sysreg_read(ich_eisr_el2);
    uint64_t iar = sysreg_read(icc_iar1_el1);
    el2_iar = iar;
    if (iar < 1020)
        sysreg_write(icc_eoir1_el1, iar);
    sysreg_write(ich_lr0_el2, 0); /* its guest's interrupt is done: no more maintenance */
    el2_irqs++;
    resume_main();
}

/* Its FIQ vector from its guest (HCR_EL2.FMO): the VM's Group 0 interrupt, acknowledged and
 * ended through the Group 0 registers of the VM's interface, loaded again. */
static void fiq_at_el2(void)
{
    el2_fiq_spsr = last_spsr;
    uint64_t iar = sysreg_read(s3_0_c12_c8_0); /* ICC_IAR0_EL1 */
    el2_fiq_iar = iar;
    if (iar < 1020)
        sysreg_write(s3_0_c12_c8_1, iar); /* ICC_EOIR0_EL1 */
    el2_fiqs++;
    resume_main();
}

static void run_l2(unsigned phase)
{
    irq_phase = phase;
    sysreg_write(vbar_el1, (uint64_t)el1_vectors); /* its guest's (NV1: the VNCR page's slot) */
    enter_lower((uint64_t)el1_irq_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
}

static int irqs(void)
{
    if (gic_probe() < 0 || gic.version != 3)
        return gprintf("irq: no GICv3 in the device tree\n"), guest_failures + 1;
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(SGI_TO_VM, 0x80);
    gic_set_prio(MAINT_PPI, 0x80);
    gic_enable(SGI_TO_VM);
    gic_enable(MAINT_PPI);
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO);
    sysreg_write(ich_vmcr_el2, ICH_VMCR_VENG1 | ICH_VMCR_VPMR(0xff));
    sysreg_write(ich_hcr_el2, ICH_HCR_EN);
    irq_mode = true;

    /* 1: a pending vINTID in its list register, taken and ended by its guest. */
    sysreg_write(ich_lr0_el2, ICH_LR_PENDING | ICH_LR_GROUP1 | ICH_LR_PRIO(0xa0) | L2_VINTID);
    run_l2(1);
    uint64_t lr0 = sysreg_read(ich_lr0_el2), elrsr = sysreg_read(ich_elrsr_el2);
    gprintf("irq: its guest took %u, IAR 0x%lx; LR0 now 0x%lx\n", l2_irqs, (unsigned long)l2_iar[0],
            (unsigned long)lr0);
    check(l2_irqs == 1 && l2_iar[0] == L2_VINTID, "irq_l2_takes_its_list_register", "%u IRQs, IAR 0x%lx", l2_irqs,
          (unsigned long)l2_iar[0]);
    check(!(lr0 & ICH_LR_STATE) && (elrsr & 1), "irq_l2_eoi_seen_by_el2", "LR0 0x%lx ELRSR 0x%lx", (unsigned long)lr0,
          (unsigned long)elrsr);

    /* 2: the VM's own interrupt while its guest runs goes to virtual EL2 (VBAR_EL2 + 0x480). */
    sysreg_write(ich_lr0_el2, 0);
    run_l2(2);
    gprintf("irq: at EL2 from its guest: IAR %lu, SPSR_EL2 0x%lx\n", (unsigned long)el2_iar, (unsigned long)el2_spsr);
    check(sgi_traps == 1 && (sgi_trap_esr >> 26) == EC_SYS64 &&
              (sgi_trap_esr & ISS_SGIR_WRITE_MASK) == ISS_SGIR_WRITE(5UL) &&
              sgi_trap_value == ((uint64_t)SGI_TO_VM << 24 | 1),
          "irq_l2_sgi_write_to_el2", "%u traps, ESR_EL2 0x%lx, value 0x%lx", sgi_traps, (unsigned long)sgi_trap_esr,
          (unsigned long)sgi_trap_value);
    check(el2_irqs == 1 && el2_iar == SGI_TO_VM && (el2_spsr & 0xf) == 5, "irq_vm_interrupt_to_el2",
          "%u IRQs at EL2, IAR %lu, SPSR_EL2 0x%lx", el2_irqs, (unsigned long)el2_iar, (unsigned long)el2_spsr);

    /* 3: an EOI maintenance request: its guest ends the interrupt, virtual EL2 takes PPI 25. */
    sysreg_write(ich_lr0_el2, ICH_LR_PENDING | ICH_LR_GROUP1 | ICH_LR_EOI | ICH_LR_PRIO(0xa0) | L2_EOI_VINTID);
    run_l2(3);
    gprintf("irq: maintenance: IAR %lu, MISR 0x%lx, EISR 0x%lx\n", (unsigned long)el2_iar, (unsigned long)el2_misr,
            (unsigned long)el2_eisr);
    check(l2_irqs == 2 && l2_iar[1] == L2_EOI_VINTID, "irq_l2_takes_eoi_request", "%u IRQs, IAR 0x%lx", l2_irqs,
          (unsigned long)l2_iar[1]);
    check(el2_irqs == 2 && el2_iar == MAINT_PPI && (el2_misr & ICH_MISR_EOI) && (el2_eisr & 1),
          "irq_maintenance_to_el2", "%u IRQs at EL2, IAR %lu, MISR 0x%lx, EISR 0x%lx", el2_irqs, (unsigned long)el2_iar,
          (unsigned long)el2_misr, (unsigned long)el2_eisr);

    /* 5: the VM's Group 0 SGI (ICC_SGI0R_EL1 from its guest, trapped by its FMO and made for the
     * VM by irq_sgi_trapped) with its FMO: a FIQ at virtual EL2 (VBAR_EL2 + 0x500), acknowledged
     * through ICC_IAR0_EL1; not at its IRQ vector. */
    uintptr_t sgi = gicr_of(my_vcpu()) + GICR_SGI;
    mmio_wr(sgi + GICD_IGROUPR, mmio_rd(sgi + GICD_IGROUPR) & ~(1u << SGI_FIQ));
    gic_set_prio(SGI_FIQ, 0x80);
    gic_enable(SGI_FIQ);
    mmio_wr(gic.d + GICD_CTLR, 1u << 4 | 1u << 1 | 1u); /* ARE, EnableGrp1, EnableGrp0 */
    sysreg_write(s3_0_c12_c12_6, 1);                    /* ICC_IGRPEN0_EL1 */
    sysreg_write(ich_lr0_el2, 0);
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO | HCR_FMO);
    unsigned irqs_before = el2_irqs;
    run_l2(5);
    gprintf("irq: Group 0 at EL2 from its guest: %u FIQs, IAR0 %lu, SPSR_EL2 0x%lx, %u IRQs\n", el2_fiqs,
            (unsigned long)el2_fiq_iar, (unsigned long)el2_fiq_spsr, el2_irqs - irqs_before);
    check(el2_fiqs == 1 && el2_fiq_iar == SGI_FIQ && (el2_fiq_spsr & 0xf) == 5 && el2_irqs == irqs_before,
          "irq_vm_group0_fiq_to_el2", "%u FIQs at EL2, IAR0 %lu, SPSR_EL2 0x%lx, %u IRQs", el2_fiqs,
          (unsigned long)el2_fiq_iar, (unsigned long)el2_fiq_spsr, el2_irqs - irqs_before);
    sysreg_write(hcr_el2, HCR_RW);
    check(l2_waited_out == 1 && l2_unexpected == 0 && unexpected == 0, "irq_no_unexpected",
          "waited out %lu, unexpected %u at EL1, %u at EL2", (unsigned long)l2_waited_out, l2_unexpected, unexpected);
    return guest_failures;
}

/* ---- "bench": nested_hvc (tools/bench.py, docs/performance.md) ---- */

#define BENCH_SAMPLES 1000
static uint64_t bench_samples[BENCH_SAMPLES];
static volatile uint64_t bench_overhead;

static void sort_u64(uint64_t *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j && a[j - 1] > a[j]; j--) {
            uint64_t t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* Its EL1 guest: the empty bracket's minimum (subtracted), then HVC #1 round trips. */
void el1_bench_main(void);
void el1_bench_main(void)
{
    uint64_t least = ~0UL;
    for (unsigned i = 0; i < 100; i++) {
        uint64_t t0 = cntvct(), t1 = cntvct();
        least = t1 - t0 < least ? t1 - t0 : least;
    }
    bench_overhead = least;
    for (unsigned i = 0; i <= BENCH_SAMPLES; i++) {
        register uint64_t x0 __asm__("x0") = i;
        uint64_t t0 = cntvct();
        __asm__ volatile("hvc #1" : "+r"(x0)::"memory");
        uint64_t t1 = cntvct();
        if (i) /* the first one outside the samples: first-use effects stay out */
            bench_samples[i - 1] = t1 - t0 - least;
    }
    __asm__ volatile("hvc #2" ::: "memory");
}
__asm__(".text\n"
        ".global el1_bench_entry\n"
        "el1_bench_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_bench_main\n"
        "1:  b 1b\n");
extern char el1_bench_entry[];

/* nested_mmio_l2: its EL1 guest on its stage 2 reads UARTFR through X + PG_UART, the VM's UART
 * (each read: a shadow abort, the walk of its tables, the VM's PL011 emulated), bracketed as
 * above; no exit to the guest hypervisor. */
void el1_bench_mmio_main(void);
void el1_bench_mmio_main(void)
{
    volatile uint32_t *fr = (volatile uint32_t *)(S2_X + PG_UART * 4096UL + UARTFR);
    for (unsigned i = 0; i <= BENCH_SAMPLES; i++) {
        uint64_t t0 = cntvct();
        (void)*fr;
        uint64_t t1 = cntvct();
        if (i)
            bench_samples[i - 1] = t1 - t0 - bench_overhead;
    }
    __asm__ volatile("hvc #2" ::: "memory");
}
__asm__(".text\n"
        ".global el1_bench_mmio_entry\n"
        "el1_bench_mmio_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_bench_mmio_main\n"
        "1:  b 1b\n");
extern char el1_bench_mmio_entry[];

static void bench_report(const char *name)
{
    sort_u64(bench_samples, BENCH_SAMPLES);
    gprintf("BENCH %s %lu %lu %lu instructions - %u\n", name, (unsigned long)bench_samples[0],
            (unsigned long)bench_samples[BENCH_SAMPLES / 2], (unsigned long)bench_samples[BENCH_SAMPLES - 1],
            BENCH_SAMPLES);
}

static int bench(void)
{
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    sysreg_write(hcr_el2, HCR_RW);
    /* CNTHCTL_EL2 as Linux's KVM (nVHE) has it for its guests: EL1PCTEN set (the counter is
     * theirs), EL1PCEN clear (their physical timer trapped); at reset it reads 0. */
    sysreg_write(cnthctl_el2, 1);
    enter_lower((uint64_t)el1_bench_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    if (hvc_from_el1 != BENCH_SAMPLES + 1 || unexpected)
        return gprintf("BENCH nested_hvc not-measured %u HVCs answered, %u unexpected exceptions\n", hvc_from_el1,
                       unexpected),
               1;
    bench_report("nested_hvc");
    if (!s2_tables())
        return gprintf("BENCH nested_mmio_l2 not-measured RAM at an unexpected place\n"), 1;
    s2_el2_setup();
    s2_mode = true;
    enter_lower((uint64_t)el1_bench_mmio_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    sysreg_write(hcr_el2, HCR_RW);
    if (unexpected)
        return gprintf("BENCH nested_mmio_l2 not-measured %u unexpected exceptions\n", unexpected), 1;
    bench_report("nested_mmio_l2");
    return 0;
}

/* ---- "vhe": its HCR_EL2.E2H = 1 (docs/nested.md "E2H = 1") ---- */

#define HCR_E2H    (1UL << 34)
#define SPSR_EL0T  0x3c0UL              /* DAIF masked, EL0t */
#define SCTLR_L2   0x30d00800UL         /* SCTLR_EL1's RES1 bits: MMU off */
#define TTBR1_MARK 0x00420000cafe0000UL /* ASID 0x42, a table address: never walked (MMU off) */
#define CTXID_MARK 0x5a5a1234UL

static volatile unsigned svcs;
static volatile uint64_t svc_esr, svc_spsr, el0_got;
static _Alignas(16) uint8_t el0_stack[4096];

/* Its user space: a system call (SVC #0x42, x0 in and out), then SVC #0x43 to end. */
void el0_main(void);
void el0_main(void)
{
    register uint64_t x0 __asm__("x0") = 0x77;
    __asm__ volatile("svc #0x42" : "+r"(x0)::"memory");
    el0_got = x0;
    __asm__ volatile("svc #0x43" ::: "memory");
}
__asm__(".text\n"
        ".global el0_entry\n"
        "el0_entry:\n"
        "    mov sp, x0\n"
        "    bl el0_main\n"
        "1:  b 1b\n");
extern char el0_entry[];

/* The SVC of its EL0, taken at VBAR_EL2 + 0x400 with its HCR_EL2.TGE = 1. */
static void vhe_svc(struct guest_frame *f, uint64_t esr)
{
    svcs++;
    svc_esr = esr;
    svc_spsr = sysreg_read(spsr_el2);
    if ((esr & 0xffff) == 0x42)
        f->x[0] += 0x100;
    else
        resume_main();
}

/* Its AT instructions (docs/nested.md "Address translation"): a stage 1 for its guest (4 KiB
 * granule, 39-bit VAs from level 1): VA 0x40000000 a 2 MiB block at PA 0x40400000, EL1 read/write
 * and no EL0; VA 0x40200000 one at 0x40600000, EL1 read-only; nothing from 1 GiB up. */
#define AT_VA_RW   0x40000000UL
#define AT_VA_RO   0x40200000UL
#define AT_VA_EL0  0x40400000UL /* a block its EL0 may use too (AP[1]): PAN's business */
#define AT_AP_EL0  (1UL << 6)
#define AT_VA_NONE 0x80000000UL
#define AT_PA_RW   0x40400000UL
#define AT_PA_RO   0x40600000UL
#define AT_BLOCK   (1UL | 3UL << 8 | 1UL << 10) /* valid block, inner shareable, AF; AttrIndx 0 */
#define AT_AP_RO   (1UL << 7)                   /* AP[2]: read-only */
#define AT_TCR     (25UL | 1UL << 8 | 1UL << 10 | 3UL << 12 | 1UL << 23 | 2UL << 32) /* T0SZ 25, WBWA, EPD1, 40-bit IPA */
#define AT_SCTLR   (SCTLR_L2 | 1UL)                                                  /* M */
#define PAR_F      1UL
#define PAR_FST(p) (((p) >> 1) & 0x3f)
#define PAR_PA(p)  ((p)&0xfffffffff000UL)
static _Alignas(4096) uint64_t at_l1[512], at_l2[512];

static uint64_t at_s1e1r(uint64_t va)
{
    __asm__ volatile("at s1e1r, %0\n isb" ::"r"(va) : "memory");
    return sysreg_read(par_el1);
}

/* With E2H = 1 and its CNTHCTL_EL2.EL1PCEN set (bit 11 in that layout, as Linux's KVM in VHE
 * mode leaves it): its guest's CNTP_CVAL_EL0 is that guest's own timer, the CNTP_CVAL_EL02 it
 * wrote, not its own EL2 physical timer (its CNTP_CVAL_EL0); what its guest writes there it
 * reads back through CNTP_CVAL_EL02. */
#define L2_CNTP_GIVEN 0x123456789aUL
#define L2_CNTP_NEW   0x2233445566UL
#define OWN_CNTP      0x7777777777UL
static volatile uint64_t l2_cntp_read;
void el1_cntp_main(void);
void el1_cntp_main(void)
{
    l2_cntp_read = sysreg_read(cntp_cval_el0);
    sysreg_write(cntp_cval_el0, L2_CNTP_NEW);
    __asm__ volatile("hvc #2" ::: "memory");
}
__asm__(".text\n"
        ".global el1_cntp_entry\n"
        "el1_cntp_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_cntp_main\n"
        "1:  b 1b\n");
extern char el1_cntp_entry[];

static void vhe_guest_ptimer(void)
{
    sysreg_write(cnthctl_el2, (1UL << 11) | (1UL << 10) | 3); /* EL1PCEN, EL1PCTEN, EL0PCTEN, EL0VCTEN */
    sysreg_write(cntp_cval_el0, OWN_CNTP);                    /* its EL2 physical timer */
    sysreg_write(s3_5_c14_c2_2, L2_CNTP_GIVEN);               /* CNTP_CVAL_EL02 */
    sysreg_write(hcr_el2, HCR_E2H | HCR_RW);
    enter_lower((uint64_t)el1_cntp_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    uint64_t el02 = sysreg_read(s3_5_c14_c2_2), own = sysreg_read(cntp_cval_el0);
    check(l2_cntp_read == L2_CNTP_GIVEN && el02 == L2_CNTP_NEW && own == OWN_CNTP, "vhe_l2_cntp_is_its_own",
          "its guest read 0x%lx, CNTP_CVAL_EL02 0x%lx, its CNTP_CVAL_EL0 0x%lx", (unsigned long)l2_cntp_read,
          (unsigned long)el02, (unsigned long)own);
}

/* With E2H = 1 (TGE = 0): its guest's regime through the EL12 names. */
static void vhe_at(void)
{
    at_l1[1] = (uint64_t)at_l2 | 3;
    at_l2[0] = AT_PA_RW | AT_BLOCK;
    at_l2[1] = AT_PA_RO | AT_BLOCK | AT_AP_RO;
    at_l2[2] = AT_PA_RW | AT_BLOCK | AT_AP_EL0;
    sysreg_write(s3_5_c10_c2_0, 0xffUL);         /* MAIR_EL12: Attr0 Normal write-back */
    sysreg_write(s3_5_c2_c0_2, AT_TCR);          /* TCR_EL12 */
    sysreg_write(s3_5_c2_c0_0, (uint64_t)at_l1); /* TTBR0_EL12 */
    sysreg_write(s3_5_c1_c0_0, AT_SCTLR);        /* SCTLR_EL12: its guest's MMU on */
    uint64_t par = at_s1e1r(AT_VA_RW + 0x1234);
    check(!(par & PAR_F) && PAR_PA(par) == AT_PA_RW + 0x1000, "vhe_at_s1e1r_its_guests_regime", "PAR_EL1 0x%lx",
          (unsigned long)par);
    __asm__ volatile("at s1e1w, %0\n isb" ::"r"(AT_VA_RO) : "memory");
    par = sysreg_read(par_el1);
    check((par & PAR_F) && PAR_FST(par) == 0x0e, "vhe_at_s1e1w_read_only_permission_fault", "PAR_EL1 0x%lx",
          (unsigned long)par);
    __asm__ volatile("at s1e0r, %0\n isb" ::"r"(AT_VA_RW) : "memory");
    par = sysreg_read(par_el1);
    check((par & PAR_F) && PAR_FST(par) == 0x0e, "vhe_at_s1e0r_no_el0_permission_fault", "PAR_EL1 0x%lx",
          (unsigned long)par);
    par = at_s1e1r(AT_VA_NONE);
    check((par & PAR_F) && PAR_FST(par) == 0x05, "vhe_at_unmapped_translation_fault_l1", "PAR_EL1 0x%lx",
          (unsigned long)par);
    /* AT S1E1RP (FEAT_PAN2) with its PSTATE.PAN: on a block its EL0 may use, a permission fault
     * with PAN = 1, none with PAN = 0 (MSR PAN, #imm spelled as .inst for an Armv8.0 assembler). */
    __asm__ volatile(".inst 0xd500419f\n" /* msr pan, #1 */
                     "sys #0, c7, c9, #0, %0\n isb\n"
                     ".inst 0xd500409f" /* msr pan, #0 */
                     ::"r"(AT_VA_EL0)
                     : "memory");
    uint64_t par_pan = sysreg_read(par_el1);
    __asm__ volatile("sys #0, c7, c9, #0, %0\n isb" ::"r"(AT_VA_EL0) : "memory");
    par = sysreg_read(par_el1);
    check((par_pan & PAR_F) && PAR_FST(par_pan) == 0x0e && !(par & PAR_F) && PAR_PA(par) == AT_PA_RW,
          "vhe_at_s1e1rp_with_its_pan", "PAR_EL1 0x%lx with PAN, 0x%lx without", (unsigned long)par_pan,
          (unsigned long)par);
    /* Its own EL2&0 regime, MMU off: the output is the VA (flat). */
    __asm__ volatile("at s1e2r, %0\n isb" ::"r"(0x40123456UL) : "memory");
    par = sysreg_read(par_el1);
    check(!(par & PAR_F) && PAR_PA(par) == 0x40123000UL, "vhe_at_s1e2r_own_regime_flat", "PAR_EL1 0x%lx",
          (unsigned long)par);
    /* Garbage for its guest's regime: a PAR_EL1, nothing else. */
    sysreg_write(s3_5_c2_c0_2, ~0UL);
    sysreg_write(s3_5_c2_c0_0, GARBAGE);
    par = at_s1e1r(GARBAGE);
    gprintf("vhe: AT on a garbage regime: PAR_EL1 0x%lx\n", (unsigned long)par);
    sysreg_write(s3_5_c2_c0_2, AT_TCR);
    sysreg_write(s3_5_c2_c0_0, (uint64_t)at_l1);
    check((par & PAR_F) && sysreg_read(vbar_el1) == (uint64_t)el2_vectors, "vhe_at_garbage_regime_faults",
          "PAR_EL1 0x%lx", (unsigned long)par);
}

/* ---- "stage2": its AT S12E* and AT S1E1R on a shadow not filled yet ------------------------ */

/* Its guest's stage 1 (in its RAM, which its stage 2 maps 1:1): VA S12_VA a 2 MiB block at L2
 * IPA X (its stage 2's window: Y, the UART, a read-only UART, nothing at page 20), S12_VA +
 * 2 MiB one at X + 2 MiB (nothing in its stage 2), S12_VA + 4 MiB X read-only; its level 2
 * table for VA 3 GiB at X + 20 pages, which its stage 2 does not map. */
#define S12_VA       0x80000000UL
#define S12_VA_TABLE 0xc0000000UL  /* its level 2 table where its stage 2 maps nothing */
#define S12_VA_NONE  0x100000000UL /* nothing at stage 1 */
#define PG_NONE      20
#define PAR_S        (1UL << 9)
#define PAR_PTW      (1UL << 8)
#define PAR_SH(p)    (((p) >> 7) & 3)
#define PAR_ATTR(p)  ((p) >> 56)
static _Alignas(4096) uint64_t s12_l2[512];

#define AT_S12(name, va)                                                \
    ({                                                                  \
        __asm__ volatile("at " name ", %0\n isb" ::"r"(va) : "memory"); \
        sysreg_read(par_el1);                                           \
    })

static void s12_stage1(void)
{
    at_l1[2] = (uint64_t)s12_l2 | 3;
    at_l1[3] = (S2_X + PG_NONE * 4096UL) | 3;
    s12_l2[0] = S2_X | AT_BLOCK;
    s12_l2[1] = (S2_X + (2UL << 20)) | AT_BLOCK;
    s12_l2[2] = S2_X | AT_BLOCK | AT_AP_RO;
    sysreg_write(mair_el1, 0xffUL); /* its guest's (E2H = 0: the VNCR page), Attr0 Normal write-back */
    sysreg_write(tcr_el1, AT_TCR);
    sysreg_write(ttbr0_el1, (uint64_t)at_l1);
    sysreg_write(sctlr_el1, AT_SCTLR);
    __asm__ volatile("dsb ish\n isb" ::: "memory");
}

static void stage2_at(void)
{
    s12_stage1();
    sysreg_write(hcr_el2, HCR_RW | HCR_VM);
    /* Right after a TLBI of its stage 2 the shadow is empty: the walk's table pages are filled
     * and the AT answers as its stage 2 says (before: a stage 2 fault on the walk). */
    tlbi_s2();
    uint64_t par = at_s1e1r(S12_VA + 0x123);
    check(!(par & PAR_F) && PAR_PA(par) == S2_X, "at_s1e1r_fills_shadow_for_its_tables", "PAR_EL1 0x%lx",
          (unsigned long)par);
    par = at_s1e1r(S12_VA_TABLE);
    check((par & PAR_F) && (par & PAR_S) && (par & PAR_PTW) && PAR_FST(par) == 0x07, "at_s1e1r_its_stage2_walk_fault",
          "PAR_EL1 0x%lx", (unsigned long)par);
    /* AT S12E*: both stages, PAR_EL1 as the architecture gives it. */
    uint64_t y = s2_l3[0] & 0xfffffffff000UL;
    par = AT_S12("s12e1r", S12_VA + 0x123);
    check(!(par & PAR_F) && PAR_PA(par) == y && PAR_ATTR(par) == 0xff && PAR_SH(par) == 3, "at_s12e1r_both_stages",
          "PAR_EL1 0x%lx, Y 0x%lx", (unsigned long)par, (unsigned long)y);
    par = AT_S12("s12e1r", S12_VA + PG_UART * 4096UL);
    check(!(par & PAR_F) && PAR_PA(par) == UART_IPA && PAR_ATTR(par) == 0x04 && PAR_SH(par) == 2,
          "at_s12e1r_device_attrs_combined", "PAR_EL1 0x%lx", (unsigned long)par);
    par = AT_S12("s12e1w", S12_VA + PG_URO * 4096UL);
    check((par & PAR_F) && (par & PAR_S) && !(par & PAR_PTW) && PAR_FST(par) == 0x0f, "at_s12e1w_stage2_permission",
          "PAR_EL1 0x%lx", (unsigned long)par);
    par = AT_S12("s12e1r", S12_VA + PG_NONE * 4096UL);
    uint64_t par2 = AT_S12("s12e1r", S12_VA + (2UL << 20) + 0x10);
    check((par & PAR_F) && (par & PAR_S) && PAR_FST(par) == 0x07 && (par2 & PAR_F) && (par2 & PAR_S) &&
              PAR_FST(par2) == 0x06,
          "at_s12_stage2_translation_faults", "PAR_EL1 0x%lx, 0x%lx", (unsigned long)par, (unsigned long)par2);
    par = AT_S12("s12e0w", S12_VA);
    par2 = AT_S12("s12e1w", S12_VA + (4UL << 20));
    uint64_t par3 = AT_S12("s12e1r", S12_VA_NONE);
    check((par & PAR_F) && !(par & PAR_S) && PAR_FST(par) == 0x0e && (par2 & PAR_F) && !(par2 & PAR_S) &&
              PAR_FST(par2) == 0x0e && (par3 & PAR_F) && !(par3 & PAR_S) && PAR_FST(par3) == 0x05,
          "at_s12_stage1_faults_first", "PAR_EL1 0x%lx, 0x%lx, 0x%lx", (unsigned long)par, (unsigned long)par2,
          (unsigned long)par3);
    /* Its HCR_EL2.VM = 0: stage 1 alone, its output the L2 IPA. */
    sysreg_write(hcr_el2, HCR_RW);
    par = AT_S12("s12e1r", S12_VA + 0x123);
    check(!(par & PAR_F) && PAR_PA(par) == S2_X, "at_s12e1r_without_vm_stage1_only", "PAR_EL1 0x%lx",
          (unsigned long)par);
    sysreg_write(sctlr_el1, SCTLR_L2);
}

/* Garbage stage 2 under AT S12E* and AT S1E1R: VTCR_EL2 all ones, VTTBR_EL2 beyond its RAM or
 * at the UART, its guest's stage 1 off then on: every answer a fault in PAR_EL1, elvisor up. */
static bool hostile_at_s12(void)
{
    static const uint64_t vtcr[] = { ~0UL, S2_VTCR, S2_VTCR, GARBAGE };
    static const uint64_t vttbr[] = { GARBAGE, UART_IPA, 0xfffffffff000UL, 0 };
    unsigned faults = 0, n = 0;
    s12_l2[0] = S2_X | AT_BLOCK;
    at_l1[2] = (uint64_t)s12_l2 | 3;
    for (unsigned i = 0; i < sizeof(vtcr) / sizeof(vtcr[0]); i++) {
        sysreg_write(vtcr_el2, vtcr[i]);
        sysreg_write(vttbr_el2, vttbr[i]);
        sysreg_write(hcr_el2, HCR_RW | HCR_VM);
        sysreg_write(sctlr_el1, SCTLR_L2); /* its guest's stage 1 off: VA = IPA */
        uint64_t p[5];
        p[0] = AT_S12("s12e1r", 0x40000000UL);
        p[1] = AT_S12("s12e0w", UART_IPA);
        sysreg_write(mair_el1, 0xffUL);
        sysreg_write(tcr_el1, AT_TCR);
        sysreg_write(ttbr0_el1, (uint64_t)at_l1);
        sysreg_write(sctlr_el1, AT_SCTLR);
        p[2] = at_s1e1r(S12_VA);
        p[3] = AT_S12("s12e1w", S12_VA);
        sysreg_write(ttbr0_el1, GARBAGE);
        p[4] = AT_S12("s12e1r", S12_VA);
        for (unsigned k = 0; k < 5; k++, n++)
            faults += (p[k] & PAR_F) != 0;
        gprintf("hostile: AT S12 on garbage stage 2 %u: PAR_EL1 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx\n", i,
                (unsigned long)p[0], (unsigned long)p[1], (unsigned long)p[2], (unsigned long)p[3],
                (unsigned long)p[4]);
    }
    sysreg_write(sctlr_el1, 0);
    sysreg_write(hcr_el2, HCR_RW);
    return faults == n && (sysreg_read(CurrentEL) >> 2) == 2;
}

static int vhe(void)
{
    uint64_t mmfr1 = sysreg_read(id_aa64mmfr1_el1);
    check(((mmfr1 >> 8) & 0xf) == 1, "vhe_id_vh", "ID_AA64MMFR1_EL1 0x%lx", (unsigned long)mmfr1);
    sysreg_write(vbar_el2, (uint64_t)el2_vectors); /* E2H = 0 still: a trapped EL2 register */
    undef_ok = true;
    sysreg_write(s3_5_c12_c0_0, (uint64_t)el1_vectors); /* VBAR_EL12: UNDEFINED with E2H = 0 */
    undef_ok = false;
    check(undefs == 1 && (last_esr >> 26) == 0, "vhe_el12_undef_with_e2h0", "%u, ESR_EL2 0x%lx", undefs,
          (unsigned long)last_esr);

    sysreg_write(hcr_el2, HCR_E2H | HCR_TGE | HCR_RW);
    __asm__ volatile("isb" ::: "memory");
    /* As Linux's hyp stub does after setting E2H: an EL12 access (its guest's CPACR_EL1). */
    (void)sysreg_read(s3_5_c1_c0_2);
    vhe_mode = true;
    uint64_t hcr = sysreg_read(hcr_el2), el = sysreg_read(CurrentEL) >> 2;
    check(hcr == (HCR_E2H | HCR_TGE | HCR_RW) && el == 2, "vhe_hcr_e2h", "HCR_EL2 0x%lx CurrentEL %lu",
          (unsigned long)hcr, (unsigned long)el);

    /* The EL1 names are its EL2 registers, the EL2 names too (trapped), the same registers. */
    uint64_t vbar1 = sysreg_read(vbar_el1);
    sysreg_write(ttbr1_el1, TTBR1_MARK);
    sysreg_write(s3_4_c13_c0_1, CTXID_MARK);                                          /* CONTEXTIDR_EL2 */
    uint64_t ttbr1_2 = sysreg_read(s3_4_c2_c0_1), ctx1 = sysreg_read(contextidr_el1); /* TTBR1_EL2 */
    check(vbar1 == (uint64_t)el2_vectors && ttbr1_2 == TTBR1_MARK && ctx1 == CTXID_MARK, "vhe_el1_names_are_el2",
          "VBAR_EL1 0x%lx TTBR1_EL2 0x%lx CONTEXTIDR_EL1 0x%lx", (unsigned long)vbar1, (unsigned long)ttbr1_2,
          (unsigned long)ctx1);

    /* The EL12 names are its guest's (the VNCR page): they leave its own alone. */
    sysreg_write(s3_5_c1_c0_0, SCTLR_L2);               /* SCTLR_EL12 */
    sysreg_write(s3_5_c12_c0_0, (uint64_t)el1_vectors); /* VBAR_EL12 */
    sysreg_write(s3_5_c2_c0_1, 0);                      /* TTBR1_EL12 */
    uint64_t sctlr12 = sysreg_read(s3_5_c1_c0_0), vbar12 = sysreg_read(s3_5_c12_c0_0);
    uint64_t vbar_own = sysreg_read(vbar_el2), ttbr1_own = sysreg_read(ttbr1_el1);
    check(sctlr12 == SCTLR_L2 && vbar12 == (uint64_t)el1_vectors && vbar_own == (uint64_t)el2_vectors &&
              ttbr1_own == TTBR1_MARK,
          "vhe_el12_are_its_guests", "SCTLR_EL12 0x%lx VBAR_EL12 0x%lx VBAR_EL2 0x%lx TTBR1_EL1 0x%lx",
          (unsigned long)sctlr12, (unsigned long)vbar12, (unsigned long)vbar_own, (unsigned long)ttbr1_own);

    /* Its own user space (E2H = TGE = 1): a system call taken at its VBAR_EL2 + 0x400. */
    gprintf("vhe: ERET to its EL0\n");
    enter_lower((uint64_t)el0_entry, SPSR_EL0T, (uint64_t)(el0_stack + sizeof(el0_stack)));
    check(svcs == 2 && (svc_esr >> 26) == EC_SVC64 && (svc_esr & 0xffff) == 0x43 && (svc_spsr & 0xf) == 0,
          "vhe_el0_svc_to_el2", "%u SVCs, ESR_EL2 0x%lx SPSR_EL2 0x%lx", svcs, (unsigned long)svc_esr,
          (unsigned long)svc_spsr);
    check(el0_got == 0x177, "vhe_el0_svc_answered", "EL0 got 0x%lx", (unsigned long)el0_got);

    /* An EL1 guest (E2H = 1, TGE = 0) on the registers it wrote through the EL12 names. */
    sysreg_write(hcr_el2, HCR_E2H | HCR_RW);
    gprintf("vhe: ERET to its EL1 guest\n");
    enter_lower((uint64_t)el1_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    check(el1_saw_el == 1 && hvc_from_el1 == 1 && el1_saw_reply == 0x2234, "vhe_l2_hvc_taken",
          "payload at EL%lu, %u HVCs, got 0x%lx", (unsigned long)el1_saw_el, hvc_from_el1,
          (unsigned long)el1_saw_reply);
    check((last_spsr & 0xf) == 5 && (last_esr >> 26) == EC_HVC64 && (last_esr & 0xffff) == 2, "vhe_l2_syndrome",
          "ESR_EL2 0x%lx SPSR_EL2 0x%lx", (unsigned long)last_esr, (unsigned long)last_spsr);
    vbar1 = sysreg_read(vbar_el1);
    ttbr1_own = sysreg_read(ttbr1_el1);
    vbar12 = sysreg_read(s3_5_c12_c0_0);
    check(vbar1 == (uint64_t)el2_vectors && ttbr1_own == TTBR1_MARK && vbar12 == (uint64_t)el1_vectors,
          "vhe_el2_regs_kept_across_l2", "VBAR_EL1 0x%lx TTBR1_EL1 0x%lx VBAR_EL12 0x%lx", (unsigned long)vbar1,
          (unsigned long)ttbr1_own, (unsigned long)vbar12);
    __asm__ volatile("hvc #3" ::: "memory");
    check(hvc_at_el2 == 1 && (last_spsr & 0xf) == 9, "vhe_hvc_at_el2_own_vector", "%u, SPSR_EL2 0x%lx", hvc_at_el2,
          (unsigned long)last_spsr);
    vhe_guest_ptimer();
    vhe_at();

    /* Back to E2H = 0: its EL2 registers keep their values, the EL12 names are UNDEFINED. */
    sysreg_write(hcr_el2, HCR_RW);
    uint64_t vbar2 = sysreg_read(vbar_el2), ttbr1_2b = sysreg_read(s3_4_c2_c0_1);
    vhe_mode = false;
    undef_ok = true;
    (void)sysreg_read(s3_5_c12_c0_0);
    undef_ok = false;
    check(vbar2 == (uint64_t)el2_vectors && ttbr1_2b == TTBR1_MARK && undefs == 2 && (last_esr >> 26) == 0,
          "vhe_back_to_e2h0", "VBAR_EL2 0x%lx TTBR1_EL2 0x%lx, %u UNDEFINED, ESR_EL2 0x%lx", (unsigned long)vbar2,
          (unsigned long)ttbr1_2b, undefs, (unsigned long)last_esr);
    __asm__ volatile("hvc #3" ::: "memory");
    check(hvc_at_el2 == 2, "vhe_e2h0_hvc_own_vector", "%u", hvc_at_el2);
    /* With E2H = 0 the same AT reaches the same registers of its guest (the VNCR page). */
    uint64_t par = at_s1e1r(AT_VA_RW + 0x1234);
    check(!(par & PAR_F) && PAR_PA(par) == AT_PA_RW + 0x1000, "vhe_at_e2h0_s1e1r_its_guests_regime", "PAR_EL1 0x%lx",
          (unsigned long)par);
    check(unexpected == 0, "vhe_no_unexpected", "%u unexpected exceptions", unexpected);
    return guest_failures;
}

/* ---- "traps": its trap controls for its guest (docs/nested.md "Its traps for its guest") ---- */

#define EC_WFX    0x01
#define HCR_TWI   (1UL << 13)
#define HCR_TWE   (1UL << 14)
#define HCR_TID1  (1UL << 16)
#define HCR_TID2  (1UL << 17)
#define HCR_TSW   (1UL << 22)
#define HCR_TPCP  (1UL << 23)
#define HCR_TPU   (1UL << 24)
#define HCR_TTLB  (1UL << 25)
#define HCR_TVM   (1UL << 26)
#define HCR_TRVM  (1UL << 30)
#define TRAP_MARK 0x7a9b0000UL /* what it "reads" for its guest */
/* ESR_EL2.ISS of a trapped MSR/MRS/SYS (D24.2 ESR_EL2, EC 0x18): Op0, Op2, Op1, CRn, CRm,
 * direction; Rt masked out. */
#define SYS_ISS(op0, op1, crn, crm, op2, rd)                                                         \
    ((uint64_t)(op0) << 20 | (uint64_t)(op2) << 17 | (uint64_t)(op1) << 14 | (uint64_t)(crn) << 10 | \
     (uint64_t)(crm) << 1 | (rd))
#define SYS_ISS_MASK 0x3ffc1fUL /* ISS[21:0] without Rt [9:5] */

#define DEBUG_REGS 0x09010000UL /* elvisor,debug-regs in tests/configs/nested-traps.dts */
static volatile unsigned trap_phase, traps_taken;
static volatile uint64_t own_line;
static volatile uint64_t trap_esr, trap_elr, l2_got, l2_dczid;
static _Alignas(2048) volatile uint8_t zva_block[2048];
extern char l2_trap_insn[], l2_zva_insn[], l2_brk_insn[];

/* Its guest: one trapped thing per phase, at l2_trap_insn, then HVC #2. Reads land in x9. */
void el1_traps_main(void);
void el1_traps_main(void)
{
    register uint64_t x9 __asm__("x9") = 0;
    static _Alignas(64) volatile uint64_t line[8];
    switch (trap_phase) {
    case 1:
        __asm__ volatile(".global l2_trap_insn\nl2_trap_insn: wfi" ::: "memory");
        break;
    case 2:
        __asm__ volatile("wfe" ::: "memory");
        break;
    case 3:
        __asm__ volatile("mrs %0, ctr_el0" : "+r"(x9)::"memory");
        break;
    case 4:
        __asm__ volatile("mrs %0, revidr_el1" : "+r"(x9)::"memory");
        break;
    case 5:
        __asm__ volatile("mrs %0, sctlr_el1\n msr sctlr_el1, %0\n isb" : "+r"(x9)::"memory");
        break;
    case 6:
        __asm__ volatile("mrs %0, ttbr0_el1" : "+r"(x9)::"memory");
        break;
    case 7:
        __asm__ volatile("dc cisw, %0" ::"r"(x9) : "memory");
        break;
    case 8:
        __asm__ volatile("tlbi vmalle1\n dsb nsh" ::: "memory");
        break;
    case 9:
        __asm__ volatile("ic iallu\n isb" ::: "memory");
        break;
    case 10:
        __asm__ volatile("dc civac, %0" ::"r"(&line[0]) : "memory");
        break;
    case 12:
        __asm__ volatile("fmov d0, xzr" ::: "memory");
        break;
    case 13:
        __asm__ volatile("mrs %0, cpacr_el1" : "+r"(x9)::"memory");
        break;
    case 14:
        __asm__ volatile("mrs %0, mdscr_el1" : "+r"(x9)::"memory");
        break;
    case 15:
        __asm__ volatile("mrs %0, oslsr_el1" : "+r"(x9)::"memory");
        break;
    case 16: /* an IMPLEMENTATION DEFINED register (CRn = 15) */
        __asm__ volatile("mrs %0, s3_0_c15_c0_0" : "+r"(x9)::"memory");
        break;
    case 17: /* LORID_EL1 */
        __asm__ volatile("mrs %0, s3_0_c10_c4_7" : "+r"(x9)::"memory");
        break;
    case 18: /* DCZID_EL0 (kept), then DC ZVA: the CPU zeroes nothing when it traps */
        __asm__ volatile("mrs %0, dczid_el0" : "=r"(l2_dczid)::"memory");
        __asm__ volatile(".global l2_zva_insn\nl2_zva_insn: dc zva, %0" ::"r"(&zva_block[0]) : "memory");
        break;
    case 19:
        __asm__ volatile("mrs %0, dczid_el0" : "=r"(l2_dczid)::"memory");
        break;
    case 20:
        __asm__ volatile("mrs %0, cntpct_el0" : "+r"(x9)::"memory");
        break;
    case 21:
        __asm__ volatile(".global l2_brk_insn\nl2_brk_insn: brk #0x42" ::: "memory");
        break;
    case 22: /* the VM's own line (elvisor,debug-regs DEBUG_VLINE), then as phase 11 */
        *(volatile uint64_t *)(DEBUG_REGS + 0x110) = own_line;
        /* fall through */
    case 11: { /* a virtual FIQ or SError, if any, is taken at once: a short bounded wait */
        uint64_t end = cntvct() + us_to_ticks(20000);
        while (cntvct() < end)
            __asm__ volatile("isb" ::: "memory");
        break;
    }
    }
    l2_got = x9;
    __asm__ volatile("hvc #2" ::: "memory");
}
__asm__(".text\n"
        ".global el1_traps_entry\n"
        "el1_traps_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_traps_main\n"
        "1:  b 1b\n");
extern char el1_traps_entry[];

/* The forwarded exception: its syndrome and return address kept, the instruction stepped
 * over, a read answered with TRAP_MARK. */
static void traps_exception(struct guest_frame *f, uint64_t esr)
{
    traps_taken++;
    trap_esr = esr;
    trap_elr = last_elr;
    if ((esr >> 26) == EC_SYS64 && (esr & 1)) {
        unsigned rt = (esr >> 5) & 31;
        if (rt < 31)
            f->x[rt] = TRAP_MARK;
    }
    sysreg_write(elr_el2, last_elr + 4);
}

/* Runs phase p of its guest under HCR_EL2 = RW | controls; true if what it saw matches: taken
 * (once, at EC ec with ISS bits iss under mask) or not taken at all. */
static bool trap_run(unsigned p, uint64_t controls, bool taken, uint64_t ec, uint64_t iss, uint64_t mask)
{
    unsigned before = traps_taken;
    trap_phase = p;
    trap_esr = 0;
    l2_got = 0;
    sysreg_write(hcr_el2, HCR_RW | controls);
    enter_lower((uint64_t)el1_traps_entry, SPSR_EL1H, (uint64_t)(el1_stack + sizeof(el1_stack)));
    sysreg_write(hcr_el2, HCR_RW);
    bool back = (last_esr >> 26) == EC_HVC64 && (last_esr & 0xffff) == 2;
    if (!taken)
        return back && traps_taken == before;
    return back && traps_taken == before + 1 && (trap_esr >> 26) == ec && (trap_esr & (1UL << 25)) &&
           (trap_esr & mask) == iss;
}

/* Its EL2 timers with E2H = 0: CNTHP_*_EL2 (PPI 10, INTID 26) and CNTHV_*_EL2 (PPI 12, INTID 28). */
#define PPI_HP 26
#define PPI_HV 28
static volatile unsigned timer_irqs;
static volatile uint64_t timer_intid, timer_off, timer_ctl;

/* Its IRQ vector, at EL2 (0x280) or from its guest (0x480): the timer's interrupt, the timer
 * stopped (its level drops), ended; from its guest, the run ends. */
static void timer_irq(uint64_t off)
{
    uint64_t iar = sysreg_read(icc_iar1_el1);
    timer_intid = iar;
    timer_off = off;
    if (iar == PPI_HP) {
        timer_ctl = sysreg_read(cnthp_ctl_el2);
        sysreg_write(cnthp_ctl_el2, 0);
    } else if (iar == PPI_HV) {
        timer_ctl = sysreg_read(s3_4_c14_c3_1); /* CNTHV_CTL_EL2 */
        sysreg_write(s3_4_c14_c3_1, 0);
    }
    if (iar < 1020)
        sysreg_write(icc_eoir1_el1, iar);
    timer_irqs++;
    if (off == 0x480)
        resume_main();
}

static bool wait_timer_irq(unsigned want)
{
    uint64_t end = cntvct() + us_to_ticks(L2_WAIT_US);
    while (timer_irqs < want && cntvct() < end)
        __asm__ volatile("isb" ::: "memory");
    return timer_irqs >= want;
}

/* Its guest while the EL2 physical timer runs out: spins (bounded), then HVC #2. */
void el1_spin_main(void);
void el1_spin_main(void)
{
    uint64_t end = cntvct() + us_to_ticks(L2_WAIT_US);
    while (cntvct() < end)
        __asm__ volatile("isb" ::: "memory");
    __asm__ volatile("hvc #2" ::: "memory");
}
__asm__(".text\n"
        ".global el1_spin_entry\n"
        "el1_spin_entry:\n"
        "    mov sp, x0\n"
        "    bl el1_spin_main\n"
        "1:  b 1b\n");
extern char el1_spin_entry[];

static void el2_timers(void)
{
    if (gic_probe() < 0 || gic.version != 3) {
        check(false, "timers_gicv3", "no GICv3 in the device tree");
        return;
    }
    gic_dist_init();
    gic_cpu_init();
    gic_set_prio(PPI_HP, 0x80);
    gic_set_prio(PPI_HV, 0x80);
    gic_enable(PPI_HP);
    gic_enable(PPI_HV);
    timers_mode = true;
    /* CNTHP: CVAL read back, TVAL counts down, ISTATUS clear before the deadline (10 s away:
     * TCG on a loaded host is slow). */
    uint64_t now = sysreg_read(cntpct_el0), ahead = us_to_ticks(10000000);
    sysreg_write(cnthp_cval_el2, now + ahead);
    sysreg_write(cnthp_ctl_el2, 1);
    uint64_t cval = sysreg_read(cnthp_cval_el2), tval = sysreg_read(cnthp_tval_el2), ctl = sysreg_read(cnthp_ctl_el2);
    check(cval == now + ahead && tval > 0 && tval <= ahead && ctl == 1, "timers_cnthp_regs",
          "CVAL 0x%lx (now 0x%lx) TVAL 0x%lx CTL 0x%lx", (unsigned long)cval, (unsigned long)now, (unsigned long)tval,
          (unsigned long)ctl);
    sysreg_write(cnthp_ctl_el2, 0);
    /* Fired at virtual EL2: its IRQ at VBAR_EL2 + 0x280, INTID 26, ISTATUS set. */
    sysreg_write(cnthp_tval_el2, us_to_ticks(1000));
    sysreg_write(cnthp_ctl_el2, 1);
    irq_unmask();
    bool got = wait_timer_irq(1);
    __asm__ volatile("msr daifset, #2; isb" ::: "memory");
    check(got && timer_intid == PPI_HP && timer_off == 0x280 && (timer_ctl & 4), "timers_cnthp_fires_at_el2",
          "%u IRQs, INTID %lu at 0x%lx, CTL 0x%lx", timer_irqs, (unsigned long)timer_intid, (unsigned long)timer_off,
          (unsigned long)timer_ctl);
    /* CNTHV the same, on INTID 28. */
    sysreg_write(s3_4_c14_c3_0, us_to_ticks(1000)); /* CNTHV_TVAL_EL2 */
    sysreg_write(s3_4_c14_c3_1, 1);
    irq_unmask();
    got = wait_timer_irq(2);
    __asm__ volatile("msr daifset, #2; isb" ::: "memory");
    check(got && timer_intid == PPI_HV && (timer_ctl & 4), "timers_cnthv_fires_at_el2", "%u IRQs, INTID %lu, CTL 0x%lx",
          timer_irqs, (unsigned long)timer_intid, (unsigned long)timer_ctl);
    /* While its guest runs with HCR_EL2.IMO: taken at VBAR_EL2 + 0x480 from that guest. */
    sysreg_write(hcr_el2, HCR_RW | HCR_IMO);
    sysreg_write(ich_vmcr_el2, ICH_VMCR_VENG1 | ICH_VMCR_VPMR(0xff));
    sysreg_write(ich_hcr_el2, ICH_HCR_EN);
    sysreg_write(cnthp_tval_el2, us_to_ticks(2000));
    sysreg_write(cnthp_ctl_el2, 1);
    enter_lower((uint64_t)el1_spin_entry, SPSR_EL1H & ~0x80UL, (uint64_t)(el1_stack + sizeof(el1_stack)));
    sysreg_write(ich_hcr_el2, 0);
    sysreg_write(hcr_el2, HCR_RW);
    check(timer_irqs == 3 && timer_intid == PPI_HP && timer_off == 0x480 && (last_spsr & 0xf) == 5,
          "timers_cnthp_fires_while_its_guest_runs", "%u IRQs, INTID %lu at 0x%lx, SPSR_EL2 0x%lx", timer_irqs,
          (unsigned long)timer_intid, (unsigned long)timer_off, (unsigned long)last_spsr);
    timers_mode = false;
}

/* Its CPTR_EL2 (TFP, TCPAC) and MDCR_EL2 (TDA, TDOSA) for its guest. */
#define EC_FP      0x07
#define CPTR_RES1  0x22ffUL
#define CPTR_TFP   (1UL << 10)
#define CPTR_TCPAC (1UL << 31)
#define MDCR_TDA   (1UL << 9)
#define MDCR_TDOSA (1UL << 10)
#define CPACR_FPEN (3UL << 20)

static void cptr_mdcr(void)
{
    sysreg_write(cpacr_el1, CPACR_FPEN); /* its guest's (the VNCR page's slot): FP on at EL1 */
    sysreg_write(cptr_el2, CPTR_RES1 | CPTR_TFP);
    bool ok = trap_run(12, 0, true, EC_FP, 0, 0); /* ISS: CV, COND as the CPU gives them */
    check(ok && trap_elr != 0, "cptr_tfp_fp_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    sysreg_write(cptr_el2, CPTR_RES1);
    check(trap_run(12, 0, false, 0, 0, 0), "cptr_tfp_clear_fp_runs", "%u taken", traps_taken);
    sysreg_write(cptr_el2, CPTR_RES1 | CPTR_TCPAC);
    ok = trap_run(13, 0, true, EC_SYS64, SYS_ISS(3, 0, 1, 0, 2, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "cptr_tcpac_cpacr_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    sysreg_write(cptr_el2, CPTR_RES1);
    ok = trap_run(13, 0, false, 0, 0, 0);
    check(ok && l2_got == CPACR_FPEN, "cptr_tcpac_clear_cpacr_read", "its guest read 0x%lx", (unsigned long)l2_got);
    sysreg_write(cpacr_el1, 0);
    sysreg_write(mdcr_el2, MDCR_TDA);
    ok = trap_run(14, 0, true, EC_SYS64, SYS_ISS(2, 0, 0, 2, 2, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "mdcr_tda_mdscr_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    sysreg_write(mdcr_el2, MDCR_TDOSA);
    ok = trap_run(15, 0, true, EC_SYS64, SYS_ISS(2, 0, 1, 1, 4, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "mdcr_tdosa_oslsr_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    sysreg_write(mdcr_el2, 0);
    ok = trap_run(14, 0, false, 0, 0, 0);
    check(ok, "mdcr_clear_elvisors", "%u taken", traps_taken);
    /* The VM uses its debug registers itself (the OS lock unlocked, a breakpoint value written
     * at virtual EL2: elvisor loads them and clears its own MDCR_EL2.TDA): its TDA still sends
     * its guest's MDSCR_EL1 read to it. */
    sysreg_write(oslar_el1, 0);
    sysreg_write(dbgbvr0_el1, 0x40000000UL);
    sysreg_write(mdcr_el2, MDCR_TDA);
    ok = trap_run(14, 0, true, EC_SYS64, SYS_ISS(2, 0, 0, 2, 2, 1), SYS_ISS_MASK);
    uint64_t bvr = sysreg_read(dbgbvr0_el1);
    check(ok && l2_got == TRAP_MARK && bvr == 0x40000000UL, "mdcr_tda_while_vm_uses_debug",
          "ESR_EL2 0x%lx, DBGBVR0_EL1 0x%lx", (unsigned long)trap_esr, (unsigned long)bvr);
    sysreg_write(mdcr_el2, 0);
    sysreg_write(dbgbvr0_el1, 0);
    sysreg_write(oslar_el1, 1);
}

/* Its HCR_EL2.TIDCP, TLOR, TDZ, CNTHCTL_EL2.EL1PCTEN and MDCR_EL2.TDE for its guest: each
 * thing they trap at VBAR_EL2 + 0x400 with its syndrome; with the control clear, what the VM
 * gives (an IMPLEMENTATION DEFINED register UNDEFINED at its guest's own vector, LORID_EL1 0: no
 * LORegions, DCZID_EL0.DZP = 0, the counter, BRK at its guest's own vector). */
#define HCR_TIDCP    (1UL << 20)
#define HCR_TDZ      (1UL << 28)
#define HCR_TLOR     (1UL << 35)
#define EC_BRK64     0x3c
#define DCZID_DZP    (1UL << 4)
#define CNTHCTL_PCEN (1UL << 1) /* EL1PCEN: its guest's EL1 physical timer not trapped */
#define CNTHCTL_PCT  (1UL << 0) /* EL1PCTEN: its guest's CNTPCT_EL0 not trapped */
#define MDCR_TDE     (1UL << 8)

static void more_controls(void)
{
    sysreg_write(vbar_el1, (uint64_t)el1_vectors); /* its guest's (NV1: the VNCR page's slot) */
    sysreg_write(cnthctl_el2, CNTHCTL_PCEN | CNTHCTL_PCT);
    bool ok = trap_run(16, HCR_TIDCP, true, EC_SYS64, SYS_ISS(3, 0, 15, 0, 0, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "traps_tidcp_impdef_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    unsigned syncs = l2_syncs;
    ok = trap_run(16, 0, false, 0, 0, 0);
    check(ok && l2_syncs == syncs + 1 && (l2_sync_esr >> 26) == 0, "traps_tidcp_clear_undefined_at_its_guest",
          "%u at its guest, ESR_EL1 0x%lx", l2_syncs - syncs, (unsigned long)l2_sync_esr);
    ok = trap_run(17, HCR_TLOR, true, EC_SYS64, SYS_ISS(3, 0, 10, 4, 7, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "traps_tlor_lorid_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    ok = trap_run(17, 0, false, 0, 0, 0);
    check(ok && l2_got == 0, "traps_tlor_clear_lorid_elvisors", "its guest read 0x%lx", (unsigned long)l2_got);
    ok = trap_run(18, HCR_TDZ, true, EC_SYS64, SYS_ISS(1, 3, 7, 4, 1, 0), SYS_ISS_MASK);
    check(ok && trap_elr == (uint64_t)l2_zva_insn && (l2_dczid & DCZID_DZP), "traps_tdz_dc_zva_to_el2",
          "ESR_EL2 0x%lx, its guest's DCZID_EL0 0x%lx", (unsigned long)trap_esr, (unsigned long)l2_dczid);
    ok = trap_run(19, 0, false, 0, 0, 0);
    check(ok && !(l2_dczid & DCZID_DZP), "traps_tdz_clear_dczid_dzp_0", "its guest's DCZID_EL0 0x%lx",
          (unsigned long)l2_dczid);
    sysreg_write(cnthctl_el2, CNTHCTL_PCEN); /* its guest's physical counter trapped */
    ok = trap_run(20, 0, true, EC_SYS64, SYS_ISS(3, 3, 14, 0, 1, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "traps_el1pcten_cntpct_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    sysreg_write(cnthctl_el2, CNTHCTL_PCEN | CNTHCTL_PCT);
    uint64_t before = sysreg_read(cntpct_el0);
    ok = trap_run(20, 0, false, 0, 0, 0);
    check(ok && l2_got != TRAP_MARK && l2_got >= before && l2_got <= sysreg_read(cntpct_el0),
          "traps_el1pcten_set_cntpct_read", "its guest read 0x%lx (from 0x%lx)", (unsigned long)l2_got,
          (unsigned long)before);
    sysreg_write(mdcr_el2, MDCR_TDE);
    ok = trap_run(21, 0, true, EC_BRK64, 0x42, 0xffff);
    check(ok && trap_elr == (uint64_t)l2_brk_insn, "mdcr_tde_brk_to_el2", "ESR_EL2 0x%lx ELR_EL2 0x%lx",
          (unsigned long)trap_esr, (unsigned long)trap_elr);
    ok = trap_run(14, 0, true, EC_SYS64, SYS_ISS(2, 0, 0, 2, 2, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "mdcr_tde_mdscr_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    sysreg_write(mdcr_el2, 0);
    syncs = l2_syncs;
    ok = trap_run(21, 0, false, 0, 0, 0);
    check(ok && l2_syncs == syncs + 1 && (l2_sync_esr >> 26) == EC_BRK64 && (l2_sync_esr & 0xffff) == 0x42,
          "mdcr_tde_clear_brk_at_its_guest", "%u at its guest, ESR_EL1 0x%lx", l2_syncs - syncs,
          (unsigned long)l2_sync_esr);
}

/* Its virtual IRQ (HCR_EL2.IMO + VI), FIQ (FMO + VF) and SError (AMO + VSE, VSESR_EL2's
 * syndrome) for its guest: taken at its guest's vector (VBAR_EL1 + 0x280, + 0x300, + 0x380),
 * which ends the run. */
#define HCR_AMO   (1UL << 5)
#define HCR_VF    (1UL << 6)
#define HCR_VI    (1UL << 7)
#define HCR_VSE   (1UL << 8)
#define EC_SERROR 0x2f
#define VSESR_VAL ((1UL << 24) | 0x1234) /* IDS: an IMPLEMENTATION DEFINED syndrome */
static volatile uint64_t vexc_off, vexc_esr;
static volatile unsigned vexcs;

static void l2_vexc(uint64_t off)
{
    vexc_off = off;
    vexc_esr = sysreg_read(esr_el1);
    vexcs++;
    __asm__ volatile("hvc #2" ::: "memory"); /* back to virtual EL2's main line */
}

/* Phase 11 under HCR_EL2 = RW | controls, its guest with DAIF = D, I (F and A open), or D alone
 * when VI is asked for (this VM raises no interrupt of its own meanwhile): true if it came
 * back, the number of virtual exceptions it took in *taken. */
static bool vexc_run(uint64_t controls, unsigned *taken)
{
    unsigned before = vexcs;
    trap_phase = 11;
    sysreg_write(vbar_el1, (uint64_t)el1_vectors); /* its guest's (NV1: the VNCR page's slot) */
    sysreg_write(hcr_el2, HCR_RW | controls);
    uint64_t daif_open = (controls & HCR_VI) ? 0x1c0UL : 0x140UL; /* A, I, F / A, F */
    enter_lower((uint64_t)el1_traps_entry, SPSR_EL1H & ~daif_open, (uint64_t)(el1_stack + sizeof(el1_stack)));
    *taken = vexcs - before;
    return (last_esr >> 26) == EC_HVC64 && (last_esr & 0xffff) == 2;
}

/* The VM's own IRQ, FIQ and SError lines (elvisor,debug-regs) raised by its guest: with its
 * HCR_EL2.IMO, FMO, AMO they are its, taken at VBAR_EL2 + 0x480, 0x500, 0x580 (the SError with
 * ESR_EL2 EC 0x2f); without, its guest's (at VBAR_EL1 + 0x280, 0x300, 0x380). It lowers the
 * level lines before anything unmasks them. */
static volatile uint64_t line_off, line_esr;
static volatile unsigned lines_at_el2;

static void own_line_at_el2(uint64_t off, uint64_t esr)
{
    line_off = off;
    line_esr = esr;
    lines_at_el2++;
    *(volatile uint64_t *)(DEBUG_REGS + 0x110) = 0;
    resume_main();
}

/* Phase 22: its guest raises `line` (DEBUG_VLINE bits: 1 IRQ, 2 FIQ, 4 SError) with its DAIF
 * open but D, under HCR_EL2 = RW | controls: where it was taken (0 nowhere), and whether its
 * guest took it. */
static uint64_t own_line_run(uint64_t controls, uint64_t line, unsigned *at_its_guest)
{
    unsigned before = vexcs, el2_before = lines_at_el2;
    trap_phase = 22;
    own_line = line;
    line_off = 0;
    sysreg_write(vbar_el1, (uint64_t)el1_vectors);
    sysreg_write(hcr_el2, HCR_RW | controls);
    enter_lower((uint64_t)el1_traps_entry, SPSR_EL1H & ~0x1c0UL, (uint64_t)(el1_stack + sizeof(el1_stack)));
    sysreg_write(hcr_el2, HCR_RW);
    *(volatile uint64_t *)(DEBUG_REGS + 0x110) = 0;
    *at_its_guest = vexcs - before;
    return lines_at_el2 == el2_before + 1 ? line_off : 0;
}

static void own_lines(void)
{
    unsigned l2;
    uint64_t off = own_line_run(HCR_AMO, 4, &l2);
    check(off == 0x580 && l2 == 0 && (line_esr >> 26) == EC_SERROR, "lines_serror_amo_to_el2",
          "at 0x%lx, ESR_EL2 0x%lx, %u at its guest", (unsigned long)off, (unsigned long)line_esr, l2);
    off = own_line_run(0, 4, &l2);
    check(off == 0 && l2 == 1 && vexc_off == 0x380, "lines_serror_without_amo_its_guests",
          "at 0x%lx, %u at its guest (0x%lx)", (unsigned long)off, l2, (unsigned long)vexc_off);
    off = own_line_run(HCR_FMO, 2, &l2);
    check(off == 0x500 && l2 == 0, "lines_fiq_fmo_to_el2", "at 0x%lx, %u at its guest", (unsigned long)off, l2);
    off = own_line_run(0, 2, &l2);
    check(off == 0 && l2 == 1 && vexc_off == 0x300, "lines_fiq_without_fmo_its_guests",
          "at 0x%lx, %u at its guest (0x%lx)", (unsigned long)off, l2, (unsigned long)vexc_off);
    off = own_line_run(HCR_IMO, 1, &l2);
    check(off == 0x480 && l2 == 0, "lines_irq_imo_to_el2", "at 0x%lx, %u at its guest", (unsigned long)off, l2);
    off = own_line_run(HCR_AMO | HCR_IMO, 2, &l2);
    check(off == 0 && l2 == 1 && vexc_off == 0x300, "lines_fiq_with_amo_imo_its_guests",
          "at 0x%lx, %u at its guest (0x%lx)", (unsigned long)off, l2, (unsigned long)vexc_off);
}

static void virtual_exceptions(void)
{
    unsigned taken;
    bool back = vexc_run(HCR_FMO | HCR_VF, &taken);
    check(back && taken == 1 && vexc_off == 0x300, "vexc_fmo_vf_fiq_to_its_guest", "%u taken, at 0x%lx", taken,
          (unsigned long)vexc_off);
    check(vexc_run(HCR_VF, &taken) && taken == 0, "vexc_vf_without_fmo_nothing", "%u taken", taken);
    back = vexc_run(HCR_IMO | HCR_VI, &taken);
    check(back && taken == 1 && vexc_off == 0x280, "vexc_imo_vi_irq_to_its_guest", "%u taken, at 0x%lx", taken,
          (unsigned long)vexc_off);
    check(vexc_run(HCR_VI, &taken) && taken == 0, "vexc_vi_without_imo_nothing", "%u taken", taken);
    sysreg_write(s3_4_c5_c2_3, VSESR_VAL); /* VSESR_EL2 (the VNCR page's slot) */
    back = vexc_run(HCR_AMO | HCR_VSE, &taken);
    uint64_t hcr = sysreg_read(hcr_el2);
    sysreg_write(hcr_el2, HCR_RW);
    check(back && taken == 1 && vexc_off == 0x380 && (vexc_esr >> 26) == EC_SERROR &&
              (vexc_esr & 0x1ffffff) == VSESR_VAL,
          "vexc_amo_vse_serror_with_vsesr", "%u taken, at 0x%lx, ESR_EL1 0x%lx", taken, (unsigned long)vexc_off,
          (unsigned long)vexc_esr);
    check(!(hcr & HCR_VSE), "vexc_vse_cleared_once_taken", "HCR_EL2 0x%lx", (unsigned long)hcr);
    back = vexc_run(HCR_VSE, &taken);
    hcr = sysreg_read(hcr_el2);
    sysreg_write(hcr_el2, HCR_RW);
    check(back && taken == 0 && (hcr & HCR_VSE), "vexc_vse_without_amo_nothing", "%u taken, HCR_EL2 0x%lx", taken,
          (unsigned long)hcr);
}

static int traps(void)
{
    sysreg_write(vbar_el2, (uint64_t)el2_vectors);
    traps_mode = true;
    /* WFI with TWI: EC 0x01, TI = 0 (WFI), ELR_EL2 the WFI. */
    bool ok = trap_run(1, HCR_TWI, true, EC_WFX, 0, 3);
    check(ok && trap_elr == (uint64_t)l2_trap_insn, "traps_twi_wfi_to_el2", "ESR_EL2 0x%lx ELR_EL2 0x%lx (WFI at %p)",
          (unsigned long)trap_esr, (unsigned long)trap_elr, (void *)l2_trap_insn);
    /* WFE with TWE: TI = 1. QEMU takes WFE as a hint that never sleeps and so never traps
     * (target/arm: "we never take a configurable trap"): not taken there either way. */
    ok = trap_run(2, HCR_TWE, true, EC_WFX, 1, 3);
    gprintf("traps: WFE under TWE %s (ESR_EL2 0x%lx)\n", ok ? "taken" : "not taken", (unsigned long)trap_esr);
    check(trap_run(2, 0, false, 0, 0, 0), "traps_twe_clear_wfe_stays", "%u taken", traps_taken);
    /* CTR_EL0 with TID2 (answered by it), and without (the CPU's, as it reads it). */
    ok = trap_run(3, HCR_TID2, true, EC_SYS64, SYS_ISS(3, 3, 0, 0, 1, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "traps_tid2_ctr_to_el2", "ESR_EL2 0x%lx, its guest read 0x%lx",
          (unsigned long)trap_esr, (unsigned long)l2_got);
    ok = trap_run(3, 0, false, 0, 0, 0);
    check(ok && l2_got == sysreg_read(ctr_el0), "traps_tid2_clear_ctr_read", "its guest read 0x%lx",
          (unsigned long)l2_got);
    ok = trap_run(4, HCR_TID1, true, EC_SYS64, SYS_ISS(3, 0, 0, 0, 6, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "traps_tid1_revidr_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    /* SCTLR_EL1 read (not trapped by TVM) and written back (trapped: a write, direction 0). */
    ok = trap_run(5, HCR_TVM, true, EC_SYS64, SYS_ISS(3, 0, 1, 0, 0, 0), SYS_ISS_MASK);
    check(ok, "traps_tvm_sctlr_write_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    check(trap_run(5, 0, false, 0, 0, 0), "traps_tvm_clear_not_taken", "%u taken", traps_taken);
    ok = trap_run(6, HCR_TRVM, true, EC_SYS64, SYS_ISS(3, 0, 2, 0, 0, 1), SYS_ISS_MASK);
    check(ok && l2_got == TRAP_MARK, "traps_trvm_ttbr0_read_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    ok = trap_run(7, HCR_TSW, true, EC_SYS64, SYS_ISS(1, 0, 7, 14, 2, 0), SYS_ISS_MASK);
    check(ok, "traps_tsw_dc_cisw_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    check(trap_run(7, 0, false, 0, 0, 0), "traps_tsw_clear_elvisors", "%u taken", traps_taken);
    ok = trap_run(8, HCR_TTLB, true, EC_SYS64, SYS_ISS(1, 0, 8, 7, 0, 0), SYS_ISS_MASK);
    check(ok, "traps_ttlb_tlbi_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    ok = trap_run(9, HCR_TPU, true, EC_SYS64, SYS_ISS(1, 0, 7, 5, 0, 0), SYS_ISS_MASK);
    check(ok, "traps_tpu_ic_iallu_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    ok = trap_run(10, HCR_TPCP, true, EC_SYS64, SYS_ISS(1, 3, 7, 14, 1, 0), SYS_ISS_MASK);
    check(ok, "traps_tpcp_dc_civac_to_el2", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    check(trap_run(10, HCR_TPU | HCR_TSW | HCR_TTLB, false, 0, 0, 0), "traps_other_controls_not_taken", "%u taken",
          traps_taken);
    /* Every trap control at once (and every other bit but those that change the context: E2H,
     * TGE, VM, the routing ones): its guest's WFI is still its, and it comes back. */
    ok = trap_run(1, ~(HCR_E2H | HCR_TGE | HCR_VM | HCR_IMO | (1UL << 3) | (1UL << 5) | (1UL << 29)), true, EC_WFX, 0,
                  3);
    check(ok, "traps_all_controls_at_once", "ESR_EL2 0x%lx", (unsigned long)trap_esr);
    cptr_mdcr();
    more_controls();
    virtual_exceptions();
    own_lines();
    traps_mode = false;
    el2_timers();
    check(unexpected == 0, "traps_no_unexpected", "%u unexpected exceptions", unexpected);
    return guest_failures;
}

int guest_main(void)
{
    int chosen = fdt_path_offset(&guest_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&guest_fdt, chosen, "bootargs") : 0;
    if (args && !strcmp(args, "hostile"))
        return hostile();
    if (args && !strcmp(args, "stage2"))
        return stage2();
    if (args && !strcmp(args, "s2smp"))
        return s2smp();
    if (args && !strcmp(args, "l2smp"))
        return l2smp();
    if (args && !strcmp(args, "irq"))
        return irqs();
    if (args && !strcmp(args, "vhe"))
        return vhe();
    if (args && !strcmp(args, "traps"))
        return traps();
    if (args && !strcmp(args, "bench"))
        return bench();
    return basic();
}
