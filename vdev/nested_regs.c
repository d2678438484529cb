/* The guest hypervisor's EL2 registers that trap at virtual EL2 (HCR_EL2.NV, EC 0x18; Arm ARM
 * D8.11): those that FEAT_NV2 neither turns into VNCR page accesses nor redirects to an EL1
 * register. Each is kept in the vCPU's nested state (vdev/nested.h); those that shape its EL2
 * regime are applied at once to the EL1 register that runs it (the access comes from virtual
 * EL2, whose context is on the CPU). Kept but not applied: MDCR_EL2, HACR_EL2, CNTHCTL_EL2,
 * HPFAR_EL2, ACTLR_EL2. Not here, so UNDEFINED: the EL2 timers, ICH_*, AT S1E2x, and every
 * register of a feature the VM does not see (docs/nested.md). With its E2H = 1 those that are
 * the CPU's EL1 registers are read and written there (nested_vhe.c). */
#include <stddef.h>
#include "vdev/nested.h"
#include "core/vm.h"
#include "arch/aarch64/stage2_hw.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/vbar.h"
#include "arch/aarch64/regs/vncr.h"

#define EL2_REGS(X)                       \
    X(SYSREG(3, 4, 1, 0, 0), sctlr)       \
    X(SYSREG(3, 4, 1, 0, 1), actlr)       \
    X(SYSREG(3, 4, 1, 1, 1), mdcr)        \
    X(SYSREG(3, 4, 1, 1, 2), cptr)        \
    X(SYSREG(3, 4, 1, 1, 7), hacr)        \
    X(SYSREG(3, 4, 2, 0, 0), ttbr0)       \
    X(SYSREG(3, 4, 2, 0, 1), ttbr1)       \
    X(SYSREG(3, 4, 2, 0, 2), tcr)         \
    X(SYSREG(3, 4, 5, 1, 0), afsr0)       \
    X(SYSREG(3, 4, 5, 1, 1), afsr1)       \
    X(SYSREG(3, 4, 6, 0, 4), hpfar)       \
    X(SYSREG(3, 4, 10, 2, 0), mair)       \
    X(SYSREG(3, 4, 10, 3, 0), amair)      \
    X(SYSREG(3, 4, 12, 0, 0), vbar)       \
    X(SYSREG(3, 4, 13, 0, 1), contextidr) \
    X(SYSREG(3, 4, 14, 1, 0), cnthctl)

static uint64_t *el2_field(struct nested_vcpu *n, uint32_t id)
{
    switch (id) {
#define CASE(enc, f) \
    case enc:        \
        return &n->el2.f;
        EL2_REGS(CASE)
#undef CASE
    default:
        return 0;
    }
}

static bool el2_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    struct nested_vcpu *n = nested_of(v);
    uint64_t *f = n && !n->at_el1 ? el2_field(n, a->id) : 0;
    if (!f)
        return false;
    nested_vhe_sync(v, n);
    if (nested_vhe_el2_reg(n, f, val, false))
        return true;
    *val = *f;
    return true;
}

/* VBAR_EL2[10:0] are RES0 (D24.2 VBAR_EL2). The value the guest reads back is what it wrote
 * (but VBAR's low bits); the EL1 register gets the translation. */
static bool el2_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct nested_vcpu *n = nested_of(v);
    uint64_t *f = n && !n->at_el1 ? el2_field(n, a->id) : 0;
    if (!f)
        return false;
    if (f == &n->el2.vbar)
        val &= ~(uint64_t)(VBAR_TABLE_ALIGN - 1);
    nested_vhe_sync(v, n);
    if (nested_vhe_el2_reg(n, f, &val, true))
        return true;
    *f = val;
    if (f == &n->el2.sctlr)
        sysreg_write(sctlr_el1, nested_sctlr_el1(val));
    else if (f == &n->el2.tcr)
        sysreg_write(tcr_el1, nested_tcr_el1(val));
    else if (f == &n->el2.cptr)
        sysreg_write(cpacr_el1, nested_cpacr_el1(val));
    else if (f == &n->el2.ttbr0)
        sysreg_write(ttbr0_el1, val);
    else if (f == &n->el2.mair)
        sysreg_write(mair_el1, val);
    else if (f == &n->el2.amair)
        sysreg_write(amair_el1, val);
    else if (f == &n->el2.vbar)
        sysreg_write(vbar_el1, val);
    else if (f == &n->el2.afsr0)
        sysreg_write(afsr0_el1, val);
    else if (f == &n->el2.afsr1)
        sysreg_write(afsr1_el1, val);
    return true;
}

/* SP_EL1 (op1 = 4): its EL1 guest's stack pointer, kept in the VNCR page at virtual EL2, if
 * the CPU traps it rather than redirecting it there itself. */
static bool sp_el1_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || n->at_el1)
        return false;
    *val = __atomic_load_n(&n->vncr[VNCR_SP_EL1 / 8], __ATOMIC_RELAXED);
    return true;
}

static bool sp_el1_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || n->at_el1)
        return false;
    __atomic_store_n(&n->vncr[VNCR_SP_EL1 / 8], val, __ATOMIC_RELAXED);
    return true;
}

/* TLBI of the EL2 and stage 2 regimes (op0 = 1, op1 = 4, CRn = 8): both of the guest
 * hypervisor's contexts are EL1&0 entries of the VM's VMID, so every such TLBI invalidates them
 * all, on every CPU (more than asked, never less). Its shadows stage 2 lose what it names: the
 * entries of those L2 IPAs for the by-IPA and range forms, everything for the others. */
static bool tlbi_el2(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct nested_vcpu *n = nested_of(v);
    if (!n || n->at_el1)
        return false;
    tlb_flush_el1_all();
    uint64_t ipa, size;
    if (nested_s2_tlbi_range(a->crm, a->op2, val, &ipa, &size))
        nested_s2_tlbi_ipa(v, ipa, size);
    else
        nested_s2_tlbi(v);
    return true;
}

#define EL2_ROW(id, f) \
    { .name = #f "_EL2", .enc = (id), .rd = SR_RD_CALL, .wr = SR_WR_CALL, .read = el2_read, .write = el2_write },

static const struct sysreg_desc rows[] = {
    EL2_REGS(EL2_ROW){ .name = "SP_EL1",
                       .enc = SYSREG(3, 4, 4, 1, 0),
                       .rd = SR_RD_CALL,
                       .wr = SR_WR_CALL,
                       .read = sp_el1_read,
                       .write = sp_el1_write },
    { .name = "TLBI (EL2, stage 2)",
      .enc = SYSREG(1, 4, 8, 0, 0),
      .any = SYSREG(0, 0, 0, 15, 7),
      .wr = SR_WR_CALL,
      .write = tlbi_el2 },
};

const struct sysreg_table nested_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };
