/* The guest hypervisor's trap controls for its EL1 guest (docs/nested.md "What is forwarded";
 * Arm ARM DDI 0487K.a D24.2 HCR_EL2, D24.10 CNTHCTL_EL2). While its guest runs, an exception
 * that trapped to elvisor and that the guest hypervisor's own HCR_EL2 or CNTHCTL_EL2 also traps
 * is its, not elvisor's: it is taken to virtual EL2 (VBAR_EL2 + 0x400, ESR_EL2 the syndrome,
 * ELR_EL2 the trapped instruction) as the CPU would take it to EL2. Linux's KVM relies on this:
 * it shows its guest sanitised ID registers (TID3), emulates ACTLR_EL1 (TACR), turns pointer
 * authentication on for a vCPU at its first use (API, APK) and emulates the EL1 physical timer
 * of its guest (CNTHCTL_EL2.EL1PCEN = 0).
 *
 * Only its EL1 guest's exits pay for this: at the ERET into that guest the vCPU switches to the
 * exit mode NESTED_EXIT_L2 (core/exit.h) when the guest hypervisor asked for one of these traps, and
 * back at the exit to virtual EL2; every other vCPU dispatches as before. API and APK trap when
 * clear: elvisor's own HCR_EL2 sets them once the VM uses pointer authentication
 * (vdev/vpauth.c), so they are taken off (vcpu_hcr_off) while its guest runs without them.
 *
 * Not forwarded (elvisor handles them for the VM, as the guest hypervisor would for its guest,
 * or they are not trapped): TWI/TWE (its guest's WFI sleeps until the VM has an interrupt),
 * TSW (set/way), TIDCP, TLOR, TVM/TRVM, TID1/TID2/TID4, CNTHCTL_EL2.EL1PCTEN (the physical
 * counter does not trap). HCR_EL2.TSC and HCD: vdev/nested.c. */
#include "vdev/nested.h"
#include "core/exit.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/timer.h"
#include "arch/aarch64/regs/vncr.h"

/* The trap-when-clear controls. */
#define HCR_PAUTH (HCR_EL2_API | HCR_EL2_APK)

/* ID group 3 (HCR_EL2.TID3): reads of op0 = 3, op1 = 0, CRn = 0, CRm = 1..7, any op2 (the
 * AArch32 and AArch64 ID registers and the unallocated encodings among them). */
static bool id_group3(const struct sysreg_access *a)
{
    return a->read && a->op0 == 3 && a->op1 == 0 && a->crn == 0 && a->crm >= 1 && a->crm <= 7;
}

/* APIAKey..APGAKey_EL1 (HCR_EL2.APK): op0 = 3, op1 = 0, CRn = 2, CRm = 1..3. */
static bool pauth_key(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 0 && a->crn == 2 && a->crm >= 1 && a->crm <= 3;
}

/* CNTP_TVAL/CTL/CVAL_EL0 (CNTHCTL_EL2.EL1PCEN, E2H = 0): op0 = 3, op1 = 3, CRn = 14, CRm = 2,
 * op2 = 0..2. */
static bool el1_ptimer(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 3 && a->crn == 14 && a->crm == 2 && a->op2 <= 2;
}

/* The decision (docs/nested.md table "Its traps for its guest"): the exception class and, for a
 * system register, its encoding, against the control that traps it (D24.2 HCR_EL2: API, APK,
 * TID3, TACR; D24.10 CNTHCTL_EL2.EL1PCEN). */
bool nested_trap_is_vel2s(uint64_t esr, uint64_t hcr, uint64_t cnthctl)
{
    struct sysreg_access a;
    switch (esr_ec(esr)) {
    case ESR_EC_PAC:
        return !(hcr & HCR_EL2_API);
    case ESR_EC_SYS64:
        if (esr_sysreg_decode(esr, &a) < 0)
            return false;
        if (pauth_key(&a))
            return !(hcr & HCR_EL2_APK);
        if (id_group3(&a))
            return (hcr & HCR_EL2_TID3) != 0;
        if (a.id == SYSREG(3, 0, 1, 0, 1)) /* ACTLR_EL1 */
            return (hcr & HCR_EL2_TACR) != 0;
        if (el1_ptimer(&a))
            return !(cnthctl & CNTHCTL_EL2_EL1PCEN);
        return false;
    default:
        return false;
    }
}

/* Whether any of those controls is on: then its guest's exits need NESTED_EXIT_L2. */
bool nested_traps_wanted(uint64_t hcr, uint64_t cnthctl)
{
    return (hcr & (HCR_EL2_TID3 | HCR_EL2_TACR)) || (~hcr & HCR_PAUTH) || !(cnthctl & CNTHCTL_EL2_EL1PCEN);
}

/* API/APK off while its guest runs without them, where elvisor's HCR_EL2 has them (clear ones
 * trap already): again after each of that guest's traps elvisor handled, which may have made
 * the VM's pointer authentication active (vdev/vpauth.c sets them then). */
static void pauth_off(struct vcpu *v, uint64_t hcr)
{
    uint64_t off = ~hcr & HCR_PAUTH & v->hcr_parts;
    if (off != v->hcr_off)
        vcpu_hcr_off(v, off);
}

void nested_traps_enter(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr)
{
    pauth_off(v, hcr);
    exit_set_mode(v, nested_traps_wanted(hcr, nested_cnthctl_nvhe(n)) ? NESTED_EXIT_L2 : NESTED_EXIT_VEL2);
}

void nested_traps_leave(struct vcpu *v)
{
    if (v->hcr_off)
        vcpu_hcr_off(v, 0);
    exit_set_mode(v, NESTED_EXIT_VEL2);
}

/* NESTED_EXIT_L2's own rows (vdev/trap_table.c): a trapped system register or PAC instruction of the
 * guest hypervisor's guest goes to virtual EL2 when its controls say so, else where every
 * VM's goes. */
enum exit_result nested_guest_trap(struct vcpu *v, uint64_t esr)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || !n->at_el1)
        return exit_main(v, esr);
    uint64_t hcr = __atomic_load_n(&n->vncr[VNCR_HCR_EL2 / 8], __ATOMIC_RELAXED);
    if (nested_trap_is_vel2s(esr, hcr, nested_cnthctl_nvhe(n))) {
        nested_take(v, n, esr);
        return EXIT_RESUME;
    }
    enum exit_result r = exit_main(v, esr);
    if (n->at_el1)
        pauth_off(v, hcr);
    return r;
}
