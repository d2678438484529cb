/* Self-hosted debug for guests (Arm ARM DDI 0487K.a, D2 "AArch64 Self-hosted Debug"): the
 * breakpoints and watchpoints (DBGBVR/BCR<n>_EL1, DBGWVR/WCR<n>_EL1, as many as the CPU has),
 * software step and the enables in MDSCR_EL1, the OS lock (OSLAR/OSLSR_EL1), the DCC interrupt
 * enables (MDCCINT_EL1) and the claim tags; a part of the virtual CPU hardware (core/vcpu_hw.h)
 * that is switched lazily.
 *
 * The debug exceptions a guest's registers raise are the guest's: MDCR_EL2.TDE = 0 and
 * HCR_EL2.TGE = 0 make EL1 the debug target (D2.3 "The debug exception enable controls"), so a
 * breakpoint, watchpoint or step at EL1 or EL0 is taken to the guest's VBAR_EL1 without the
 * hypervisor, and none can be taken from EL2 (debug exceptions are never generated at an EL
 * above the target, whatever HMC says).
 *
 * Lazily: MDCR_EL2.TDA traps every debug register until the vCPU first touches one (core sets
 * it for every CPU, vcpu_cpu_init). That access is performed on the vCPU's copy below, then the
 * copy is loaded into the hardware and TDA cleared for it: from then on the vCPU reads and
 * writes its registers itself, and they are saved and restored with it (put, load). A vCPU
 * that never touches them costs one test on each switch, and the hardware's values of another
 * vCPU are never visible to it (TDA traps until its own are loaded). MDSCR_EL1 is part of the
 * EL1 context every vCPU switches (arch/aarch64/el1_ctx.c).
 *
 * The OS lock is emulated (MDCR_EL2.TDOSA stays set): while it is locked (as at reset, Arm ARM
 * D2.5), or in a VM without debug (cpu-features "no-debug"), the vCPU's registers stay in the
 * copy and the hardware's MDSCR_EL1 has no SS, KDE or MDE, so that no breakpoint, watchpoint or
 * step fires (D2.5 "The effect of powerdown on debug": debug exceptions are disabled while the
 * OS lock is locked; done in software, since not every CPU model honours the hardware lock).
 * Locking it takes a vCPU back to the copy; unlocking it loads a vCPU that has used debug.
 * MDCR_EL2.TDRA stays set: MDRAR_EL1 reads 0 (no ROM table).
 *
 * Not switched: the debug comms channel (MDCCSR_EL0, DBGDTR*_EL0) is the hardware's for a vCPU
 * that uses debug (RAZ/WI before), and the OS save/restore registers (OSDTRRX/TX_EL1,
 * OSECCR_EL1) read as zero.
 *
 * Concurrency: the traps, load and put run on the vCPU's physical CPU with the vCPU loaded;
 * attach (a VM reset) runs while no vCPU of the VM is loaded. */
#include "vdev/vdebug_regs.h"
#include "vdev/vcpu_hw_table.h"
#include "core/vm.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/debug.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/mdcr.h"

#define DBG_MAX 16 /* ID_AA64DFR0_EL1.BRPs/WRPs are 4 bits */

struct vdebug_cpu {
    bool active;    /* its registers are in the hardware while it runs, MDCR_EL2.TDA clear */
    bool used;      /* it touched a debug register since its VM's reset */
    bool oslk;      /* the OS lock is locked */
    uint64_t mdscr; /* MDSCR_EL1 as the guest wrote it, while not active */
    uint64_t mdccint, claim, dbgprcr;
    uint64_t bvr[DBG_MAX], bcr[DBG_MAX], wvr[DBG_MAX], wcr[DBG_MAX];
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VDEBUG].state). */
struct vdebug_vm {
    uint32_t active;           /* bit i: cpu[i].active, the one test a vCPU switch makes */
    unsigned nr_brps, nr_wrps; /* the CPU's (ID_AA64DFR0_EL1), read at attach */
    struct vdebug_cpu cpu[VM_MAX_VCPUS];
};

static struct vdebug_vm *dv_of(const struct vcpu *v) { return v->vm->hw[VCPU_HW_VDEBUG].state; }
static struct vdebug_cpu *dc_of(const struct vcpu *v) { return &dv_of(v)->cpu[v->id]; }

static bool debug_on(const struct vcpu *v) { return !vm_cpu_feature_off(&v->vm->cfg, CPU_FEAT_DEBUG); }

/* ---- the hardware: registers by number (an MSR/MRS names its register in the instruction) ---- */

/* clang-format off */
#define DBG_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define SAVE_BP(n) if ((n) < nb) { c->bvr[n] = sysreg_read(dbgbvr##n##_el1); c->bcr[n] = sysreg_read(dbgbcr##n##_el1); }
#define SAVE_WP(n) if ((n) < nw) { c->wvr[n] = sysreg_read(dbgwvr##n##_el1); c->wcr[n] = sysreg_read(dbgwcr##n##_el1); }
#define LOAD_BP(n) if ((n) < nb) { sysreg_write(dbgbvr##n##_el1, c->bvr[n]); sysreg_write(dbgbcr##n##_el1, c->bcr[n]); }
#define LOAD_WP(n) if ((n) < nw) { sysreg_write(dbgwvr##n##_el1, c->wvr[n]); sysreg_write(dbgwcr##n##_el1, c->wcr[n]); }
/* clang-format on */

static void hw_save(struct vdebug_cpu *c, unsigned nb, unsigned nw)
{
    DBG_EACH(SAVE_BP)
    DBG_EACH(SAVE_WP)
    c->mdccint = sysreg_read(mdccint_el1);
    c->claim = sysreg_read(dbgclaimclr_el1) & DBGCLAIM_MASK;
}

/* The OS lock is unlocked whenever this runs (see the top). */
static void hw_load(const struct vdebug_cpu *c, unsigned nb, unsigned nw)
{
    DBG_EACH(LOAD_BP)
    DBG_EACH(LOAD_WP)
    sysreg_write(mdccint_el1, c->mdccint);
    sysreg_write(dbgclaimclr_el1, DBGCLAIM_MASK);
    sysreg_write(dbgclaimset_el1, c->claim);
    sysreg_write(oslar_el1, 0);
}

static void trap_tda(bool on)
{
    uint64_t mdcr = sysreg_read(mdcr_el2);
    sysreg_write(mdcr_el2, on ? mdcr | MDCR_EL2_TDA : mdcr & ~MDCR_EL2_TDA);
}

/* v (loaded on this CPU) starts running with its registers in the hardware. */
static void activate(struct vcpu *v, struct vdebug_cpu *c)
{
    struct vdebug_vm *s = dv_of(v);
    hw_load(c, s->nr_brps, s->nr_wrps);
    sysreg_write(mdscr_el1, c->mdscr);
    trap_tda(false);
    c->active = true;
    s->active |= 1u << v->id;
    vcpu_hw_switched(v, VCPU_HW_VDEBUG, true);
}

/* v (loaded on this CPU) goes back to its copy: its enables leave the hardware. */
static void deactivate(struct vcpu *v, struct vdebug_cpu *c)
{
    struct vdebug_vm *s = dv_of(v);
    hw_save(c, s->nr_brps, s->nr_wrps);
    c->mdscr = sysreg_read(mdscr_el1);
    sysreg_write(mdscr_el1, c->mdscr & ~MDSCR_EL1_ENABLES);
    trap_tda(true);
    c->active = false;
    s->active &= ~(1u << v->id);
    vcpu_hw_switched(v, VCPU_HW_VDEBUG, false);
}

/* After the copy changed: a vCPU that may use debug now (debug on, OS lock unlocked, a register
 * touched) runs with it in the hardware; any other runs with the enables off. */
static void settle(struct vcpu *v, struct vdebug_cpu *c)
{
    if (debug_on(v) && !c->oslk && c->used)
        activate(v, c);
    else
        sysreg_write(mdscr_el1, c->mdscr & ~MDSCR_EL1_ENABLES);
}

/* ---- the registers, on the copy ---- */

/* DBGBVR/BCR/WVR/WCR<n>_EL1 (op0=2, op1=0, CRn=0, CRm=n, op2=4..7); NULL beyond the CPU's
 * count (UNDEFINED, as it is in the hardware). */
static uint64_t *bp_slot(struct vcpu *v, struct vdebug_cpu *c, uint32_t id, uint64_t *wmask)
{
    const struct vdebug_vm *s = dv_of(v);
    unsigned n = SYSREG_CRM(id);
    bool bp = SYSREG_OP2(id) < 6;
    /* A VM without debug sees the architecture's minimum, 2 of each (vdev/id_regs.c). */
    if (n >= (!debug_on(v) ? 2 : bp ? s->nr_brps : s->nr_wrps))
        return NULL;
    switch (SYSREG_OP2(id)) {
    case 4:
        *wmask = DBGBVR_EL1_WRITABLE;
        return &c->bvr[n];
    case 5:
        *wmask = DBGBCR_EL1_WRITABLE;
        return &c->bcr[n];
    case 6:
        *wmask = DBGWVR_EL1_WRITABLE;
        return &c->wvr[n];
    default:
        *wmask = DBGWCR_EL1_WRITABLE;
        return &c->wcr[n];
    }
}

/* A register that moves with the vCPU once it uses debug: its copy, or NULL if it is not one
 * (it then reads as zero and ignores writes). */
static uint64_t *switched_reg(struct vcpu *v, struct vdebug_cpu *c, uint32_t id, uint64_t *wmask, bool *undef)
{
    if (SYSREG_OP1(id) == 0 && SYSREG_CRN(id) == 0 && SYSREG_OP2(id) >= 4) {
        uint64_t *r = bp_slot(v, c, id, wmask);
        *undef = !r;
        return r;
    }
    switch (id) {
    case SYSREG(2, 0, 0, 2, 2):
        *wmask = ~UINT64_C(0);
        return &c->mdscr;
    case SYSREG(2, 0, 0, 2, 0):
        *wmask = MDCCINT_EL1_TX | MDCCINT_EL1_RX;
        return &c->mdccint;
    case SYSREG(2, 0, 7, 8, 6): /* DBGCLAIMSET_EL1, DBGCLAIMCLR_EL1: handled by the caller */
    case SYSREG(2, 0, 7, 9, 6):
        *wmask = DBGCLAIM_MASK;
        return &c->claim;
    default:
        return NULL;
    }
}

/* Every op0=2 encoding without a row of its own (MDCR_EL2.TDA traps them; the DCC's, the
 * trace unit's): performed on the copy, then the vCPU settles (see the top). A VM without
 * debug gets RAZ/WI, MDSCR_EL1 without its enables. */
static bool dbg_access(struct vcpu *v, uint32_t id, bool read, uint64_t *val)
{
    struct vdebug_cpu *c = dc_of(v);
    uint64_t wmask = 0;
    bool undef = false;
    if (c->active) /* the copy was stale; a trap here is not expected (TDA is clear) */
        deactivate(v, c);
    uint64_t *r = switched_reg(v, c, id, &wmask, &undef);
    if (undef)
        return false;
    if (!r || (!debug_on(v) && id != SYSREG(2, 0, 0, 2, 2))) {
        if (read)
            *val = 0;
    } else if (id == SYSREG(2, 0, 7, 8, 6)) { /* DBGCLAIMSET_EL1: reads which tags exist */
        if (read)
            *val = DBGCLAIM_MASK;
        else
            *r |= *val & wmask;
    } else if (id == SYSREG(2, 0, 7, 9, 6)) { /* DBGCLAIMCLR_EL1: reads the tags set */
        if (read)
            *val = *r;
        else
            *r &= ~(*val & wmask);
    } else if (read) {
        *val = *r;
    } else {
        *r = *val & wmask;
        if (!debug_on(v))
            *r &= ~MDSCR_EL1_ENABLES;
    }
    if (r && debug_on(v))
        c->used = true;
    settle(v, c);
    return true;
}

static bool dbg_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    return dbg_access(v, a->id, true, val);
}

static bool dbg_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    return dbg_access(v, a->id, false, &val);
}

/* OSLAR_EL1 (write-only): locking puts an active vCPU back on its copy, unlocking loads one
 * that has used debug. */
static bool oslar_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    struct vdebug_cpu *c = dc_of(v);
    c->oslk = (val & OSLAR_EL1_OSLK) != 0;
    if (c->active && c->oslk)
        deactivate(v, c);
    else if (!c->active)
        settle(v, c);
    return true;
}

static bool oslsr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    *val = OSLSR_EL1_OSLM_IMPLEMENTED | (dc_of(v)->oslk ? OSLSR_EL1_OSLK : 0);
    return true;
}

/* DBGPRCR_EL1: CORENPDRQ kept (the vCPU's power is the hypervisor's business). */
static bool dbgprcr_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    *val = dc_of(v)->dbgprcr;
    return true;
}

static bool dbgprcr_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    dc_of(v)->dbgprcr = val & DBGPRCR_EL1_CORENPDRQ;
    return true;
}

static const struct sysreg_desc rows[] = {
    { .name = "debug registers",
      .enc = SYSREG(2, 0, 0, 0, 0),
      .any = SYSREG(0, 7, 15, 15, 7),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = dbg_read,
      .write = dbg_write },
    { .name = "MDRAR_EL1", .enc = SYSREG(2, 0, 1, 0, 0), .rd = SR_RD_FIXED }, /* no ROM table */
    { .name = "OSLAR_EL1", .enc = SYSREG(2, 0, 1, 0, 4), .wr = SR_WR_CALL, .write = oslar_write },
    { .name = "OSLSR_EL1", .enc = SYSREG(2, 0, 1, 1, 4), .rd = SR_RD_CALL, .read = oslsr_read },
    /* No OS double lock (ID_AA64DFR0_EL1.DoubleLock = 0b1111): RAZ/WI. */
    { .name = "OSDLR_EL1", .enc = SYSREG(2, 0, 1, 3, 4), .rd = SR_RD_FIXED, .wr = SR_WR_IGNORE },
    { .name = "DBGPRCR_EL1",
      .enc = SYSREG(2, 0, 1, 4, 4),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = dbgprcr_read,
      .write = dbgprcr_write },
};

const struct sysreg_table vdebug_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };

/* ---- as a part of the virtual CPU hardware ---- */

/* At creation and each reset (no vCPU loaded): every register 0, the OS lock locked (its cold
 * reset value, Arm ARM D24.3 OSLSR_EL1), nothing in the hardware. */
static int vdebug_attach(struct vm *vm)
{
    struct vdebug_vm *s = vm->hw[VCPU_HW_VDEBUG].state;
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    s->nr_brps = (unsigned)ID_FIELD_GET(dfr0, ID_AA64DFR0_EL1_BRPS) + 1;
    s->nr_wrps = (unsigned)ID_FIELD_GET(dfr0, ID_AA64DFR0_EL1_WRPS) + 1;
    s->active = 0;
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
        struct vdebug_cpu *c = &s->cpu[i];
        *c = (struct vdebug_cpu){ .oslk = true };
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VDEBUG, false);
    }
    return 0;
}

/* A vCPU that uses debug brings its registers along; any other costs this one test. */
static void vdebug_load(struct vcpu *v)
{
    const struct vdebug_vm *s = dv_of(v);
    if (__builtin_expect(s->active & (1u << v->id), 0)) {
        hw_load(&s->cpu[v->id], s->nr_brps, s->nr_wrps);
        trap_tda(false);
    }
}

static void vdebug_put(struct vcpu *v)
{
    struct vdebug_vm *s = dv_of(v);
    if (__builtin_expect(s->active & (1u << v->id), 0)) {
        hw_save(&s->cpu[v->id], s->nr_brps, s->nr_wrps);
        trap_tda(true);
    }
}

const struct vcpu_hw_ops vdebug_hw_ops = {
    .vm_state_size = sizeof(struct vdebug_vm),
    .attach = vdebug_attach,
    .load = vdebug_load,
    .put = vdebug_put,
};
