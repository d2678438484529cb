/* Unit tests for the guest hypervisor's trap controls for its guest that docs/nested.md "Its
 * traps for its guest" lists beyond the first ones (vdev/nested_traps.c): HCR_EL2.TIDCP, TLOR,
 * TDZ, MDCR_EL2.TDE, CNTHCTL_EL2.EL1PCTEN; which of its guest's exceptions each sends to virtual
 * EL2 (the pure decision), and what each puts in the CPU's EL2 registers while that guest runs
 * (nested_traps_enter, nested_traps_cpu, nested_traps_leave on stand-in system registers); and
 * the pure parts of its AT instructions (vdev/nested_at.c: which AT, PAR_EL1 as it sees it).
 * tests/unit/test_sysreg.c has the earlier controls and the whole switch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/nested.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/mdcr.h"
#include "arch/aarch64/regs/timer.h"
#include "arch/aarch64/regs/vncr.h"
#include "arch/aarch64/regs/par.h"
#include "arch/aarch64/guest_at.h"
#include "tests/host/stubs.h"

/* ---- stand-ins for vdev/nested.c and vdev/nested_vhe.c ---- */

static struct vm vm;
static struct nested_vcpu nv;
static uint64_t vncr[VNCR_PAGE_SIZE / 8];
static unsigned taken;
static uint64_t taken_esr;

struct nested_vcpu *nested_of(struct vcpu *v) { return &nv; }
void nested_take(struct vcpu *v, struct nested_vcpu *n, uint64_t esr)
{
    taken++;
    taken_esr = esr;
    n->at_el1 = false;
}
/* E2H = 0 only here: the layout is the register's (test_sysreg.c test_nested_vhe has E2H = 1). */
uint64_t nested_cnthctl_nvhe(const struct nested_vcpu *n) { return n->el2.cnthctl; }
bool nested_vhe_sync(struct vcpu *v, struct nested_vcpu *n) { return false; }
void nested_vhe_ptimer_claim(struct vcpu *v, struct nested_vcpu *n) { n->ptimer_lazy = false; }
/* vdev/nested_at.c's AT on the CPU and TLB flush: its decisions are pure (test_at_*); the
 * switch is test_sysreg.c's test_nested_at. */
uint64_t guest_at_raw(uint64_t va, unsigned op) { return 0; }
void tlb_flush_el1_local(void) {}
/* core/vcpu_fp.c's register file moves, counted. */
static unsigned fp_saves, fp_restores;
void fp_ctx_save(struct fp_ctx *c) { fp_saves++; }
void fp_ctx_restore(const struct fp_ctx *c) { fp_restores++; }

static int setup(void **state)
{
    host_reset();
    memset(&vm, 0, sizeof(vm));
    memset(&nv, 0, sizeof(nv));
    memset(vncr, 0, sizeof(vncr));
    nv.vncr = vncr;
    vm.cfg.nr_vcpus = 1;
    vm.vcpu[0].vm = &vm;
    taken = 0;
    fp_saves = fp_restores = 0;
    return 0;
}

#define ESR_OF(ec) ((uint64_t)(ec) << ESR_EC_SHIFT | ESR_IL)
static uint64_t sys(uint32_t id, bool read) { return ESR_OF(ESR_EC_SYS64) | id | 3u << 5 | (read ? 1 : 0); }
static bool fwd(uint64_t esr, uint64_t hcr, uint64_t cnthctl, uint64_t mdcr)
{
    struct nested_ctls c = { .hcr = hcr, .cnthctl = cnthctl, .mdcr = mdcr };
    return nested_trap_is_vel2s(esr, &c);
}
static bool wanted(uint64_t hcr, uint64_t cnthctl, uint64_t mdcr)
{
    struct nested_ctls c = { .hcr = hcr, .cnthctl = cnthctl, .mdcr = mdcr };
    return nested_traps_wanted(&c);
}

/* Linux nVHE's own kernel: nothing forwarded (pointer authentication on, timer and counter its). */
#define BASE (HCR_EL2_RW | HCR_EL2_API | HCR_EL2_APK)
#define PCTL (CNTHCTL_EL2_EL1PCEN | CNTHCTL_EL2_EL1PCTEN)

/* TIDCP: the IMPLEMENTATION DEFINED encodings (op0 = 1 or 3, CRn = 11 or 15), read or written,
 * any op1/CRm/op2; nothing else, and nothing without it. */
static void test_tidcp(void **state)
{
    const uint32_t imp[] = { SYSREG(3, 0, 11, 0, 0), SYSREG(3, 7, 15, 15, 7), SYSREG(3, 3, 15, 2, 0),
                             SYSREG(1, 0, 11, 0, 0), SYSREG(1, 6, 15, 9, 3) };
    for (unsigned i = 0; i < sizeof(imp) / sizeof(imp[0]); i++) {
        assert_true(fwd(sys(imp[i], true), BASE | HCR_EL2_TIDCP, PCTL, 0));
        assert_true(fwd(sys(imp[i], false), BASE | HCR_EL2_TIDCP, PCTL, 0));
        assert_false(fwd(sys(imp[i], true), BASE, PCTL, 0));
        assert_false(fwd(sys(imp[i], true), ~HCR_EL2_TIDCP, PCTL, ~MDCR_EL2_TDE));
    }
    assert_false(fwd(sys(SYSREG(3, 0, 10, 2, 0), true), BASE | HCR_EL2_TIDCP, PCTL, 0)); /* MAIR_EL1 */
    assert_false(fwd(sys(SYSREG(3, 0, 12, 0, 0), true), BASE | HCR_EL2_TIDCP, PCTL, 0)); /* VBAR_EL1 */
    assert_false(fwd(sys(SYSREG(2, 0, 15, 0, 0), true), BASE | HCR_EL2_TIDCP, PCTL, 0)); /* op0 = 2 */
    assert_true(wanted(BASE | HCR_EL2_TIDCP, PCTL, 0));
    assert_false(wanted(BASE, PCTL, 0));
}

/* IMO or FMO: its guest's writes of ICC_SGI1R_EL1, ICC_ASGI1R_EL1 and ICC_SGI0R_EL1 (they
 * would make SGIs: its hypervisor's to deliver); not their reads (write-only registers:
 * elvisor's UNDEFINED), not the neighbouring ICC_DIR_EL1 or ICC_RPR_EL1; nothing without them.
 * Either control makes its guest's exits need NESTED_EXIT_L2. */
static void test_sgi_generation(void **state)
{
    for (unsigned op2 = 5; op2 <= 7; op2++) {
        uint32_t reg = SYSREG(3, 0, 12, 11, op2);
        assert_true(fwd(sys(reg, false), BASE | HCR_EL2_IMO, PCTL, 0));
        assert_true(fwd(sys(reg, false), BASE | HCR_EL2_FMO, PCTL, 0));
        assert_false(fwd(sys(reg, true), BASE | HCR_EL2_IMO | HCR_EL2_FMO, PCTL, 0));
        assert_false(fwd(sys(reg, false), BASE, PCTL, 0));
        assert_false(fwd(sys(reg, false), ~(HCR_EL2_IMO | HCR_EL2_FMO), PCTL, ~MDCR_EL2_TDE));
    }
    assert_false(fwd(sys(SYSREG(3, 0, 12, 11, 1), false), BASE | HCR_EL2_IMO, PCTL, 0)); /* ICC_DIR_EL1 */
    assert_false(fwd(sys(SYSREG(3, 0, 12, 11, 3), true), BASE | HCR_EL2_IMO, PCTL, 0));  /* ICC_RPR_EL1 */
    assert_false(fwd(sys(SYSREG(3, 0, 12, 12, 5), false), BASE | HCR_EL2_IMO, PCTL, 0)); /* ICC_CTLR_EL1 */
    assert_true(wanted(BASE | HCR_EL2_IMO, PCTL, 0));
    assert_true(wanted(BASE | HCR_EL2_FMO, PCTL, 0));
    assert_false(wanted(BASE, PCTL, 0));
}

/* TLOR: LORSA, LOREA, LORN, LORC, LORID_EL1; not op2 = 4..6 (unallocated), not PAR_EL1's
 * neighbours. */
static void test_tlor(void **state)
{
    for (unsigned op2 = 0; op2 < 8; op2++) {
        bool lor = op2 <= 3 || op2 == 7;
        assert_int_equal(fwd(sys(SYSREG(3, 0, 10, 4, op2), op2 != 7 ? false : true), BASE | HCR_EL2_TLOR, PCTL, 0),
                         lor);
        assert_false(fwd(sys(SYSREG(3, 0, 10, 4, op2), true), BASE, PCTL, 0));
    }
    assert_false(fwd(sys(SYSREG(3, 0, 10, 5, 0), true), BASE | HCR_EL2_TLOR, PCTL, 0));
    assert_true(wanted(BASE | HCR_EL2_TLOR, PCTL, 0));
}

/* TDZ: DC ZVA, DC GVA, DC GZVA; not DC CVAC, DC IVAC, or the neighbouring DC ops; and TDZ is
 * one of the controls the CPU's HCR_EL2 gains for its guest (the CPU then shows that guest
 * DCZID_EL0.DZP = 1). */
static void test_tdz(void **state)
{
    const uint32_t zva = SYSREG(1, 3, 7, 4, 1), gva = SYSREG(1, 3, 7, 4, 3), gzva = SYSREG(1, 3, 7, 4, 4);
    assert_true(fwd(sys(zva, false), BASE | HCR_EL2_TDZ, PCTL, 0));
    assert_true(fwd(sys(gva, false), BASE | HCR_EL2_TDZ, PCTL, 0));
    assert_true(fwd(sys(gzva, false), BASE | HCR_EL2_TDZ, PCTL, 0));
    assert_false(fwd(sys(zva, false), BASE, PCTL, 0));
    assert_false(fwd(sys(zva, false), BASE | HCR_EL2_TPCP | HCR_EL2_TPU | HCR_EL2_TSW, PCTL, 0));
    assert_false(fwd(sys(SYSREG(1, 3, 7, 10, 1), false), BASE | HCR_EL2_TDZ, PCTL, 0)); /* DC CVAC */
    assert_false(fwd(sys(SYSREG(1, 0, 7, 6, 1), false), BASE | HCR_EL2_TDZ, PCTL, 0));  /* DC IVAC */
    assert_false(fwd(sys(SYSREG(1, 3, 7, 4, 2), false), BASE | HCR_EL2_TDZ, PCTL, 0));  /* unallocated */
    assert_int_equal(nested_traps_hcr(BASE | HCR_EL2_TDZ | HCR_EL2_TIDCP | HCR_EL2_TLOR), HCR_EL2_TDZ);
    assert_true(wanted(BASE | HCR_EL2_TDZ, PCTL, 0));
}

/* EL1PCTEN = 0: CNTPCT_EL0 and CNTPCTSS_EL0 reads; not CNTVCT_EL0, not CNTFRQ_EL0, not the
 * EL1 physical timer (EL1PCEN's); wanted when clear. */
static void test_el1pcten(void **state)
{
    const uint32_t cntpct = SYSREG(3, 3, 14, 0, 1), cntpctss = SYSREG(3, 3, 14, 0, 5), cntvct = SYSREG(3, 3, 14, 0, 2),
                   cntfrq = SYSREG(3, 3, 14, 0, 0), cntp_ctl = SYSREG(3, 3, 14, 2, 1);
    assert_true(fwd(sys(cntpct, true), BASE, CNTHCTL_EL2_EL1PCEN, 0));
    assert_true(fwd(sys(cntpctss, true), BASE, CNTHCTL_EL2_EL1PCEN, 0));
    assert_false(fwd(sys(cntpct, true), BASE, PCTL, 0));
    assert_false(fwd(sys(cntvct, true), BASE, CNTHCTL_EL2_EL1PCEN, 0));
    assert_false(fwd(sys(cntfrq, true), BASE, CNTHCTL_EL2_EL1PCEN, 0));
    assert_false(fwd(sys(cntp_ctl, true), BASE, CNTHCTL_EL2_EL1PCEN, 0));
    assert_true(fwd(sys(cntp_ctl, true), BASE, CNTHCTL_EL2_EL1PCTEN, 0));
    assert_false(fwd(sys(cntpct, true), BASE, CNTHCTL_EL2_EL1PCTEN, 0));
    assert_true(wanted(BASE, CNTHCTL_EL2_EL1PCEN, 0));
    assert_true(wanted(BASE, CNTHCTL_EL2_EL1PCTEN, 0));
    assert_false(wanted(BASE, PCTL, 0));
}

/* TDE: its guest's debug exceptions (breakpoint, software step, watchpoint, BRK) and, as if
 * TDA, TDOSA and TDRA were set, the debug registers; not the trace unit's (TTA), not the PMU's. */
static void test_tde(void **state)
{
    const uint64_t dbg[] = { ESR_OF(ESR_EC_BREAKPT_LOW), ESR_OF(ESR_EC_SOFTSTP_LOW), ESR_OF(ESR_EC_WATCHPT_LOW),
                             ESR_OF(ESR_EC_BRK64) | 0x42 };
    for (unsigned i = 0; i < sizeof(dbg) / sizeof(dbg[0]); i++) {
        assert_true(fwd(dbg[i], BASE, PCTL, MDCR_EL2_TDE));
        assert_false(fwd(dbg[i], BASE, PCTL, MDCR_EL2_TDA | MDCR_EL2_TDOSA | MDCR_EL2_TDRA));
        assert_false(fwd(dbg[i], ~0UL, 0, 0));
    }
    assert_false(fwd(ESR_OF(ESR_EC_BREAKPT_CUR), BASE, PCTL, MDCR_EL2_TDE)); /* never from its guest */
    const uint32_t mdscr = SYSREG(2, 0, 0, 2, 2), oslsr = SYSREG(2, 0, 1, 1, 4), mdrar = SYSREG(2, 0, 1, 0, 0),
                   trc = SYSREG(2, 1, 0, 0, 0), pmcr = SYSREG(3, 3, 9, 12, 0);
    assert_true(fwd(sys(mdscr, true), BASE, PCTL, MDCR_EL2_TDE));
    assert_true(fwd(sys(oslsr, true), BASE, PCTL, MDCR_EL2_TDE));
    assert_true(fwd(sys(mdrar, true), BASE, PCTL, MDCR_EL2_TDE));
    assert_false(fwd(sys(trc, true), BASE, PCTL, MDCR_EL2_TDE));
    assert_false(fwd(sys(pmcr, true), BASE, PCTL, MDCR_EL2_TDE));
    assert_true(wanted(BASE, PCTL, MDCR_EL2_TDE));
}

/* The CPU's registers while its guest runs: EL1PCTEN cleared in the CPU's CNTHCTL_EL2 and TDE
 * set in its MDCR_EL2 when its controls ask, only their own bits touched (the others are
 * elvisor's, vdev/vdebug_regs.c, vdev/vpmu.c), off at a put and the switch back, on at a load;
 * TDZ in the HCR_EL2 bits it gains. Nothing when it asks for neither. */
static void test_cpu_registers(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    const uint64_t cnthctl = CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EVNTEN, mdcr = MDCR_EL2_TPM | MDCR_EL2_TDA | 3;
    host_sysreg_write("cnthctl_el2", cnthctl);
    host_sysreg_write("mdcr_el2", mdcr);
    nv.el2.cnthctl = CNTHCTL_EL2_EL1PCEN; /* EL1PCTEN clear */
    nv.el2.mdcr = MDCR_EL2_TDE;
    uint64_t set = 0;
    nested_traps_enter(v, &nv, BASE | HCR_EL2_TDZ, &set);
    nv.at_el1 = true;
    assert_int_equal(set, HCR_EL2_TDZ);
    assert_int_equal(nv.l2_cpu, NESTED_L2_PCT | NESTED_L2_TDE);
    assert_int_equal(host_sysreg_read("cnthctl_el2"), CNTHCTL_EL2_EVNTEN);
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr | MDCR_EL2_TDE);
    nested_traps_cpu(v, &nv, false); /* a put */
    assert_int_equal(host_sysreg_read("cnthctl_el2"), cnthctl);
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr);
    nested_traps_cpu(v, &nv, true); /* a load */
    assert_int_equal(host_sysreg_read("cnthctl_el2"), CNTHCTL_EL2_EVNTEN);
    /* Its guest's BRK goes to virtual EL2 with its syndrome; the way back drops both. */
    vncr[VNCR_HCR_EL2 / 8] = BASE | HCR_EL2_TDZ;
    assert_int_equal(nested_guest_trap(v, ESR_OF(ESR_EC_BRK64) | 0x42), EXIT_RESUME);
    assert_int_equal(taken, 1);
    assert_int_equal(taken_esr, ESR_OF(ESR_EC_BRK64) | 0x42);
    nested_traps_leave(v, &nv);
    assert_int_equal(nv.l2_cpu, 0);
    assert_int_equal(host_sysreg_read("cnthctl_el2"), cnthctl);
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr);
    /* Neither asked for: the CPU's registers untouched. */
    nv.el2.cnthctl = PCTL;
    nv.el2.mdcr = 0;
    host_sysreg_write("cnthctl_el2", 0x5a5a);
    nested_traps_enter(v, &nv, BASE | HCR_EL2_TID3, &set);
    assert_int_equal(nv.l2_cpu, 0);
    assert_int_equal(host_sysreg_read("cnthctl_el2"), 0x5a5a);
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr);
}

/* Its MDCR_EL2.TDA while the VM's own debug registers are in the hardware (elvisor's TDA
 * clear, vdev/vdebug_regs.c): set in the CPU's while its guest runs, at the entry and at a load;
 * left set at the switch back and a put (the VM's next debug access traps and settles again). */
static void test_cpu_tda(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    const uint64_t mdcr = MDCR_EL2_TPM | MDCR_EL2_TDOSA | MDCR_EL2_TDRA | 3; /* TDA clear: the VM debugs */
    host_sysreg_write("mdcr_el2", mdcr);
    nv.el2.cnthctl = PCTL;
    nv.el2.mdcr = MDCR_EL2_TDA;
    uint64_t set = 0;
    nested_traps_enter(v, &nv, BASE, &set);
    nv.at_el1 = true;
    assert_int_equal(nv.l2_cpu, NESTED_L2_TDA);
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr | MDCR_EL2_TDA);
    nested_traps_cpu(v, &nv, false); /* a put (vdebug's put set TDA before) */
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr | MDCR_EL2_TDA);
    host_sysreg_write("mdcr_el2", mdcr); /* vdebug's load cleared it again */
    nested_traps_cpu(v, &nv, true);      /* a load */
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr | MDCR_EL2_TDA);
    nested_traps_leave(v, &nv);
    assert_int_equal(nv.l2_cpu, 0);
    assert_int_equal(host_sysreg_read("mdcr_el2"), mdcr | MDCR_EL2_TDA);
}

/* Its CPTR_EL2.TFP and elvisor's lazy FP/SIMD switch (core/vcpu_fp.c) share the CPU's TFP: its
 * guest's FP/SIMD trap claims v's registers first, then goes to virtual EL2 only when its TFP
 * traps it; the way back leaves TFP set while v's registers are not live, clear once they are. */
static void test_fp_trap_shared(void **state)
{
    struct vcpu *v = &vm.vcpu[0], *other = &vm.vcpu[1];
    const uint64_t fp = ESR_OF(ESR_EC_FP_ASIMD);
    host_sysreg_write("cptr_el2", CPTR_EL2_TFP); /* v loaded without its registers */
    this_cpu()->fp_owner = other;
    this_cpu()->vcpu = v;
    nv.el2.cnthctl = PCTL;
    nv.el2.cptr = CPTR_EL2_TFP; /* its own lazy switch for its guest */
    uint64_t set = 0;
    nested_traps_enter(v, &nv, BASE, &set);
    nv.at_el1 = true;
    assert_int_equal(nv.l2_cpu, NESTED_L2_TFP);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_TFP);
    vncr[VNCR_HCR_EL2 / 8] = BASE;
    assert_int_equal(nested_guest_trap(v, fp), EXIT_RESUME);
    assert_int_equal(fp_saves, 1); /* the other vCPU's, then v's restored */
    assert_int_equal(fp_restores, 1);
    assert_ptr_equal(this_cpu()->fp_owner, v);
    assert_int_equal(taken, 1); /* its TFP traps it: virtual EL2's */
    nested_traps_leave(v, &nv);
    assert_int_equal(host_sysreg_read("cptr_el2"), 0); /* live: its hypervisor's FP runs */
    /* Its guest without its TFP (TID3 keeps the exits its), v's registers taken meanwhile: the
     * trap is elvisor's alone and the guest's instruction runs again, live, without TFP. */
    nv.el2.cptr = 0;
    this_cpu()->fp_owner = other;
    host_sysreg_write("cptr_el2", CPTR_EL2_TFP);
    nested_traps_enter(v, &nv, BASE | HCR_EL2_TID3, &set);
    nv.at_el1 = true;
    assert_int_equal(nv.l2_cpu, 0);
    vncr[VNCR_HCR_EL2 / 8] = BASE | HCR_EL2_TID3;
    host_exit_main_esr = 0;
    assert_int_equal(nested_guest_trap(v, fp), EXIT_RESUME);
    assert_int_equal(taken, 1);
    assert_int_equal(host_exit_main_esr, fp); /* core's row: a claim that finds them live */
    assert_int_equal(fp_restores, 2);
    assert_ptr_equal(this_cpu()->fp_owner, v);
    assert_int_equal(host_sysreg_read("cptr_el2"), 0);
    /* Its TFP, registers not live, the way back without an FP trap: TFP stays for elvisor. */
    nested_traps_leave(v, &nv);
    nv.el2.cptr = CPTR_EL2_TFP;
    this_cpu()->fp_owner = other;
    nested_traps_enter(v, &nv, BASE, &set);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_TFP);
    nested_traps_leave(v, &nv);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_TFP);
    assert_false(v->fp_trap_guest);
}

/* Hostile: every bit of its four registers set, or none: each decision is a yes or no on the
 * syndrome alone, and the CPU's registers get no bit but the five of NESTED_L2_*. */
static void test_garbage_controls(void **state)
{
    struct vcpu *v = &vm.vcpu[0];
    nv.el2.cnthctl = ~0UL;
    nv.el2.mdcr = ~0UL;
    nv.el2.cptr = ~0UL;
    host_sysreg_write("cnthctl_el2", CNTHCTL_EL2_EL1PCTEN);
    host_sysreg_write("mdcr_el2", 0);
    host_sysreg_write("cptr_el2", 0);
    uint64_t set = 0;
    nested_traps_enter(v, &nv, ~0UL, &set);
    assert_int_equal(set & ~NESTED_TRAPS_ADDED, 0);
    assert_int_equal(host_sysreg_read("cnthctl_el2"), CNTHCTL_EL2_EL1PCTEN); /* its EL1PCTEN is set */
    assert_int_equal(host_sysreg_read("mdcr_el2"), MDCR_EL2_TDE | MDCR_EL2_TDA);
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_TFP | CPTR_EL2_TCPAC);
    nested_traps_leave(v, &nv);
    assert_int_equal(host_sysreg_read("mdcr_el2"), MDCR_EL2_TDA); /* TDA left set: elvisor's safe value */
    /* TFP stays: v's FP/SIMD registers are not live (core/vcpu_fp.c), TCPAC goes. */
    assert_int_equal(host_sysreg_read("cptr_el2"), CPTR_EL2_TFP);
    for (unsigned ec = 0; ec < 64; ec++) {
        struct nested_ctls c = { ~0UL, ~0UL, ~0UL, ~0UL }, z = { 0, 0, 0, 0 };
        (void)nested_trap_is_vel2s(ESR_OF(ec) | 0x1ffffff, &c);
        (void)nested_trap_is_vel2s(ESR_OF(ec), &z);
    }
}

/* Which AT an encoding is: S1E1R/W, S1E0R/W, S1E1RP/WP on its guest's regime, S1E2R/W on its
 * own, S12E1R/W and S12E0R/W two stages whose first is S1E1R/W, S1E0R/W of its guest's regime;
 * none of S1E1A, S1E2A or the unallocated ones. */
static void test_at_op(void **state)
{
    struct sysreg_access a = { .op0 = 1, .crn = 7 };
    bool el2;
    static const struct {
        uint8_t op1, crm, op2;
        int op;
        bool el2;
    } t[] = {
        { 0, 8, 0, GUEST_AT_S1E1R, false },
        { 0, 8, 1, GUEST_AT_S1E1W, false },
        { 0, 8, 2, GUEST_AT_S1E0R, false },
        { 0, 8, 3, GUEST_AT_S1E0W, false },
        { 0, 9, 0, GUEST_AT_S1E1RP, false },
        { 0, 9, 1, GUEST_AT_S1E1WP, false },
        { 4, 8, 0, GUEST_AT_S1E1R, true },
        { 4, 8, 1, GUEST_AT_S1E1W, true },
        { 4, 8, 4, NESTED_AT_S12 | GUEST_AT_S1E1R, false }, /* S12E1R: stage 1 of its guest's regime */
        { 4, 8, 5, NESTED_AT_S12 | GUEST_AT_S1E1W, false },
        { 4, 8, 6, NESTED_AT_S12 | GUEST_AT_S1E0R, false },
        { 4, 8, 7, NESTED_AT_S12 | GUEST_AT_S1E0W, false },
        { 0, 9, 2, -1, false },
        { 4, 9, 2, -1, true },
        { 0, 8, 4, -1, false },
        { 6, 8, 0, -1, false },
        { 0, 9, 7, -1, false },
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        a.op1 = t[i].op1;
        a.crm = t[i].crm;
        a.op2 = t[i].op2;
        assert_int_equal(nested_at_op(&a, &el2), t[i].op);
        if (t[i].op >= 0)
            assert_int_equal(el2, t[i].el2);
    }
}

/* PAR_EL1 as the guest hypervisor sees it: a success as the CPU gives it; a stage 1 fault as
 * well; a fault of elvisor's stage 2 on the walk (S, PTW, FST translation level 2) an External
 * abort on the walk at that level, S and PTW clear; one of its own stage 2's shadow as given;
 * an aborted walk an External abort on the walk. */
static void test_at_par(void **state)
{
    const uint64_t ok = 0x0000000040a00f80UL, s1 = PAR_EL1_F | PAR_EL1_RES1_F | (0x07u << PAR_EL1_FST_SHIFT);
    const uint64_t s2 = PAR_EL1_F | PAR_EL1_RES1_F | PAR_EL1_S | PAR_EL1_PTW | (0x06u << PAR_EL1_FST_SHIFT);
    assert_int_equal(nested_at_par(ok, false), ok);
    assert_int_equal(nested_at_par(s1, false), s1);
    assert_int_equal(nested_at_par(s2, false), PAR_EL1_F | PAR_EL1_RES1_F | (0x16u << PAR_EL1_FST_SHIFT));
    assert_int_equal(nested_at_par(s2, true), s2);
    assert_int_equal(nested_at_par(GUEST_AT_ABORTED, false), PAR_EL1_F | PAR_EL1_RES1_F | (0x14u << PAR_EL1_FST_SHIFT));
    assert_int_equal(nested_at_par(GUEST_AT_ABORTED, true), PAR_EL1_F | PAR_EL1_RES1_F | (0x14u << PAR_EL1_FST_SHIFT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tidcp, setup),
        cmocka_unit_test_setup(test_tlor, setup),
        cmocka_unit_test_setup(test_tdz, setup),
        cmocka_unit_test_setup(test_el1pcten, setup),
        cmocka_unit_test_setup(test_tde, setup),
        cmocka_unit_test_setup(test_cpu_registers, setup),
        cmocka_unit_test_setup(test_cpu_tda, setup),
        cmocka_unit_test_setup(test_fp_trap_shared, setup),
        cmocka_unit_test_setup(test_garbage_controls, setup),
        cmocka_unit_test_setup(test_at_op, setup),
        cmocka_unit_test_setup(test_at_par, setup),
        cmocka_unit_test_setup(test_sgi_generation, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
