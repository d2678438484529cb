#include "vdev/vsysreg.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"
#include "vdev/vgic.h"

/* Clears feature field [shift+3:shift] (a 4-bit ID field) so the guest sees "not implemented". */
#define HIDE(val, shift) ((val) & ~(0xfUL << (shift)))

/* ID registers whose features elvisor does not switch per vCPU are masked (DESIGN.md:
 * "switch it or hide it"). Field positions: Arm ARM D19.2 for each register. */
static uint64_t sanitize(uint32_t id, uint64_t v)
{
    switch (id) {
    case SYSREG(3, 0, 0, 4, 0): /* ID_AA64PFR0_EL1 */
        v = HIDE(v, 32);        /* SVE */
        v = HIDE(v, 28);        /* RAS */
        v = HIDE(v, 40);        /* MPAM */
        v = HIDE(v, 44);        /* AMU */
        v = HIDE(v, 8);         /* EL2: a guest is not a hypervisor (no nested virt yet) */
        v = HIDE(v, 12);        /* EL3 */
        return v;
    case SYSREG(3, 0, 0, 4, 1): /* ID_AA64PFR1_EL1 */
        v = HIDE(v, 8);         /* MTE */
        v = HIDE(v, 24);        /* SME */
        v = HIDE(v, 28);        /* RNDR_trap */
        v = HIDE(v, 32);        /* CSV2_frac */
        v = HIDE(v, 44);        /* GCS */
        return v;
    case SYSREG(3, 0, 0, 4, 4): /* ID_AA64ZFR0_EL1 */
    case SYSREG(3, 0, 0, 4, 5): /* ID_AA64SMFR0_EL1 */
        return 0;
    case SYSREG(3, 0, 0, 5, 0): /* ID_AA64DFR0_EL1: v8.0 debug, 2 BRPs, 2 WRPs, no PMU/SPE/trace */
        return (6UL << 0) | (1UL << 12) | (1UL << 20) | (0xfUL << 36);
    case SYSREG(3, 0, 0, 5, 1): /* ID_AA64DFR1_EL1 */
        return 0;
    case SYSREG(3, 0, 0, 6, 1): /* ID_AA64ISAR1_EL1: pointer authentication hidden */
        v = HIDE(v, 4);         /* APA */
        v = HIDE(v, 8);         /* API */
        v = HIDE(v, 24);        /* GPA */
        v = HIDE(v, 28);        /* GPI */
        return v;
    case SYSREG(3, 0, 0, 6, 2): /* ID_AA64ISAR2_EL1 */
        v = HIDE(v, 8);         /* GPA3 */
        v = HIDE(v, 12);        /* APA3 */
        return v;
    case SYSREG(3, 0, 0, 7, 1): /* ID_AA64MMFR1_EL1 */
        v = HIDE(v, 8);         /* VH */
        v = HIDE(v, 28);        /* XNX: stage 2 concept */
        return v;
    case SYSREG(3, 0, 0, 7, 0): /* ID_AA64MMFR0_EL1 */
        return HIDE(v, 60);     /* ECV: counter offsets are EL2 business */
    case SYSREG(3, 0, 0, 7, 2): /* ID_AA64MMFR2_EL1 */
        v = HIDE(v, 24);        /* NV */
        return HIDE(v, 40);     /* FWB: a stage 2 feature */
    default:
        return v;
    }
}

#define ID_CASE(op0, op1, crn, crm, op2, name) \
    case SYSREG(op0, op1, crn, crm, op2):      \
        return sysreg_read(name);

static uint64_t host_id(uint32_t id, bool *known)
{
    *known = true;
    switch (id) {
        ID_CASE(3, 0, 0, 4, 0, id_aa64pfr0_el1)
        ID_CASE(3, 0, 0, 4, 1, id_aa64pfr1_el1)
        ID_CASE(3, 0, 0, 6, 0, id_aa64isar0_el1)
        ID_CASE(3, 0, 0, 6, 1, id_aa64isar1_el1)
        ID_CASE(3, 0, 0, 7, 0, id_aa64mmfr0_el1)
        ID_CASE(3, 0, 0, 7, 1, id_aa64mmfr1_el1)
        ID_CASE(3, 0, 0, 1, 0, id_pfr0_el1)
        ID_CASE(3, 0, 0, 1, 1, id_pfr1_el1)
        ID_CASE(3, 0, 0, 1, 2, id_dfr0_el1)
        ID_CASE(3, 0, 0, 1, 3, id_afr0_el1)
        ID_CASE(3, 0, 0, 1, 4, id_mmfr0_el1)
        ID_CASE(3, 0, 0, 1, 5, id_mmfr1_el1)
        ID_CASE(3, 0, 0, 1, 6, id_mmfr2_el1)
        ID_CASE(3, 0, 0, 1, 7, id_mmfr3_el1)
        ID_CASE(3, 0, 0, 2, 0, id_isar0_el1)
        ID_CASE(3, 0, 0, 2, 1, id_isar1_el1)
        ID_CASE(3, 0, 0, 2, 2, id_isar2_el1)
        ID_CASE(3, 0, 0, 2, 3, id_isar3_el1)
        ID_CASE(3, 0, 0, 2, 4, id_isar4_el1)
        ID_CASE(3, 0, 0, 2, 5, id_isar5_el1)
        ID_CASE(3, 0, 0, 3, 0, mvfr0_el1)
        ID_CASE(3, 0, 0, 3, 1, mvfr1_el1)
        ID_CASE(3, 0, 0, 3, 2, mvfr2_el1)
        /* Registers an Armv8.0 assembler may not name: by encoding. */
        ID_CASE(3, 0, 0, 7, 2, s3_0_c0_c7_2)
        ID_CASE(3, 0, 0, 6, 2, s3_0_c0_c6_2)
    default:
        *known = false;
        return 0;
    }
}

uint64_t vsysreg_id_value(uint32_t id, bool *known) { return sanitize(id, host_id(id, known)); }

/* The ID space op0=3, op1=0, CRn=0, CRm=1..7 is what HCR_EL2.TID3 traps; unallocated
 * encodings there read as zero (Arm ARM D19.2 "Reserved ID registers"). */
static bool is_id_space(const struct sysreg_access *a)
{
    return a->op0 == 3 && a->op1 == 0 && a->crn == 0 && a->crm >= 1 && a->crm <= 7;
}

/* DC ISW/CSW/CISW (op0=1, op1=0, CRn=7, CRm=6/10/14, op2=2). Performed on this CPU with
 * invalidate upgraded to clean+invalidate, so that a guest can never discard dirty lines
 * that belong to another VM or the hypervisor. */
static bool set_way(struct vcpu *v, const struct sysreg_access *a)
{
    if (a->op0 != 1 || a->op1 != 0 || a->crn != 7 || a->op2 != 2)
        return false;
    uint64_t val = a->rt == 31 ? 0 : v->regs.x[a->rt];
    if (a->crm == 10)
        __asm__ volatile("dc csw, %0" ::"r"(val) : "memory");
    else if (a->crm == 6 || a->crm == 14)
        __asm__ volatile("dc cisw, %0" ::"r"(val) : "memory");
    else
        return false;
    return true;
}

/* Debug registers (op0=2, and the OS lock in op0=2/CRn=1): the guest gets a v8.0 debug
 * interface it can program but that never fires (RAZ/WI), and its own MDSCR_EL1. */
static bool debug_reg(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    if (a->op0 != 2)
        return false;
    if (a->id == SYSREG(2, 0, 0, 2, 2)) { /* MDSCR_EL1 */
        if (a->read)
            *val = v->el1.mdscr;
        else
            v->el1.mdscr = *val & ~(1UL << 15 | 1UL << 13); /* no MDE/KDE: nothing fires */
        return true;
    }
    if (a->id == SYSREG(2, 0, 1, 1, 4) && a->read) { /* OSLSR_EL1: OS lock implemented */
        *val = 1UL << 3;
        return true;
    }
    if (a->read)
        *val = 0;
    return true;
}

void vsysreg_trap(struct vcpu *v, uint64_t esr)
{
    struct sysreg_access a;
    if (esr_sysreg_decode(esr, &a) < 0) {
        inject_undef(&v->regs);
        return;
    }
    uint64_t val = (!a.read && a.rt != 31) ? v->regs.x[a.rt] : 0;
    bool known = true;
    if (is_id_space(&a) && a.read) {
        val = vsysreg_id_value(a.id, &known);   /* unknown ID encodings read as 0 */
    } else if (a.id == SYSREG(3, 0, 1, 0, 1)) { /* ACTLR_EL1 (TACR): RAZ/WI */
        val = 0;
    } else if (set_way(v, &a) || debug_reg(v, &a, &val) || vgic_sysreg(v, &a, val)) {
        /* done */
    } else {
        inject_undef(&v->regs);
        return;
    }
    if (a.read && a.rt != 31)
        v->regs.x[a.rt] = val;
    v->regs.pc += 4;
}
