/* The guest's EL1 physical timer (CNTP_*_EL0, PPI 14 = INTID 30) and a guest hypervisor's EL2
 * physical and virtual timers (PPIs 10 and 12, vdev/nested_timer.c), a part of the virtual CPU
 * hardware (core/vcpu_hw.h), emulated in software so that it works on every CPU (no FEAT_ECV):
 * CNTHCTL_EL2.EL1PCEN = 0 traps its registers to the rows below, which keep its CTL (ENABLE,
 * IMASK) and CVAL per vCPU. The guest's physical counter is the host's CNTPCT_EL0 (EL1PCTEN = 1:
 * read without a trap; its virtual counter is CNTPCT - CNTVOFF), so CVAL is a deadline in the
 * hypervisor's own time: a hypervisor timer on the vCPU's physical CPU watches it all along,
 * while the vCPU runs, waits in WFI (trapped or not: the timer's interrupt takes the CPU to EL2)
 * or is descheduled, and asserts the PPI as a level on the vGIC when it passes. The guest
 * lowers the level by masking or disabling the timer or moving the deadline (docs/interrupts.md).
 *
 * Concurrency: the registers' traps, the hypervisor timer's callback, has_work, load and put
 * all run on the vCPU's physical CPU with IRQs masked, so they never overlap; only a VM reset
 * (attach, on the CPU of the vCPU that asked) touches the state from elsewhere, while the vCPUs
 * are not loaded: the callback then leaves the VM alone (see expire). */
#include "vdev/vptimer.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "drivers/timer.h"
#include "arch/aarch64/regs/timer.h"
#include "lib/spinlock.h"

/* What a write of CNTP_CTL_EL0 keeps: ISTATUS is read-only, [63:3] RES0 (Arm ARM D24.10). */
#define CTL_WRITABLE (CNT_CTL_ENABLE | CNT_CTL_IMASK)

struct vptimer {
    struct hyp_timer t; /* the deadline, queued on the vCPU's physical CPU */
    struct vm *vm;      /* set at the first attach and never changed: the callback's way in */
    struct vcpu *v;
    uint64_t ctl; /* ENABLE and IMASK as the guest wrote them */
    uint64_t cval;
    bool level;    /* the PPI as last asserted on the vGIC */
    uint32_t virq; /* VPTIMER_VIRQ, or the EL2 one while it serves a guest hypervisor (E2H = 1) */
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VPTIMER].state): per vCPU, its EL1 physical timer
 * and, for a guest hypervisor at virtual EL2 (reached only from there, vdev/nested_timer.c),
 * its EL2 physical and EL2 virtual timers. */
struct vptimer_vm {
    struct vptimer cpu[VM_MAX_VCPUS][VPTIMER_NR];
};

static const uint32_t reset_virq[VPTIMER_NR] = { VPTIMER_VIRQ, VPTIMER_EL2_VIRQ, VPTIMER_EL2V_VIRQ };

static struct vptimer *timer_of(const struct vcpu *v, unsigned which)
{
    return &((struct vptimer_vm *)v->vm->hw[VCPU_HW_VPTIMER].state)->cpu[v->id][which];
}

static struct vptimer *pt_of(const struct vcpu *v) { return timer_of(v, VPTIMER_EL1_PHYS); }

/* Its interrupt can be asserted: enabled and not masked. */
static bool watched(const struct vptimer *p) { return (p->ctl & CTL_WRITABLE) == CNT_CTL_ENABLE; }

static void expire(struct hyp_timer *t);

/* After the guest changed CTL or CVAL, or the deadline passed (on the vCPU's physical CPU): the
 * PPI's level follows the timer condition (enabled, not masked, CNTPCT >= CVAL), and the
 * hypervisor timer watches a deadline still ahead. */
static void update(struct vptimer *p)
{
    bool level = false;
    if (!watched(p)) {
        timer_stop(&p->t);
    } else if (timer_now() >= p->cval) {
        timer_stop(&p->t);
        level = true;
    } else {
        timer_start(&p->t, p->cval, expire, p);
        vcpu_hw_switched(p->v, VCPU_HW_VPTIMER, true); /* its put stops it at a reset (here: v's CPU) */
    }
    if (level != p->level) {
        p->level = level;
        vgic_set_level(p->vm, p->v, p->virq, level);
    }
}

/* The deadline passed: the hypervisor timer's callback on the vCPU's physical CPU, at an
 * interrupt dispatch (an exit of whichever vCPU runs there, or a wait), the vCPU loaded or not.
 * The vGIC's level makes the interrupt pending, so that the vCPU's WFI ends, trapped or not,
 * and the scheduler finds it has work. A VM being reset has its vGIC rebuilt on another CPU
 * meanwhile: vm->lock orders this against vmm_request_reset (which sets VM_RESETTING under it),
 * and a VM that is not running is left alone. A timer that a reset found armed (its vCPU was
 * descheduled) fires once more, finds the timer disabled and does nothing. */
static void expire(struct hyp_timer *t)
{
    struct vptimer *p = t->arg;
    struct vm *vm = p->vm;
    spin_lock(&vm->lock);
    if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING)
        update(p);
    spin_unlock(&vm->lock);
}

/* A guest hypervisor with HCR_EL2.E2H = 1 (vdev/nested_vhe.c) reaches its EL2 physical timer
 * (CNTHP_*_EL2) through the CNTP_*_EL0 names (Arm ARM D24.10), which trap to the EL1 physical
 * timer's rows: with on, the EL1 physical timer and the EL2 physical one change places, each
 * with its contents, deadline, interrupt and level (the EL1 one, unreachable but by its
 * CNTP_*_EL02 names, keeps counting). Off puts them back. */
void vptimer_vhe(struct vcpu *v, bool on)
{
    struct vptimer *a = timer_of(v, VPTIMER_EL1_PHYS), *b = timer_of(v, VPTIMER_EL2_PHYS);
    if ((a->virq == VPTIMER_EL2_VIRQ) == on)
        return;
    struct vptimer t = *a;
    a->ctl = b->ctl, a->cval = b->cval, a->virq = b->virq, a->level = b->level;
    b->ctl = t.ctl, b->cval = t.cval, b->virq = t.virq, b->level = t.level;
    update(a);
    update(b);
}

/* ---- the registers (Arm ARM D24.10 CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTP_TVAL_EL0; the EL2 timers'
 * CNTHP_* and CNTHV_* have the same layout) ---- */

/* CTL: ISTATUS is the condition (enabled and CNTPCT >= CVAL), whatever IMASK says. TVAL, the
 * TimerValue view (Arm ARM D11.2.4): a read gives CVAL - CNTPCT as a signed 32-bit value (bits
 * [63:32] RES0), which counts down and goes negative after the deadline; a write sets CVAL to
 * CNTPCT + the value sign-extended. The EL2 virtual timer counts the same physical count: the
 * virtual offset is zero at EL2 (D12.1.3). */
static uint64_t reg_read(const struct vptimer *p, unsigned reg)
{
    switch (reg) {
    case VPTIMER_TVAL:
        return (uint32_t)(p->cval - timer_now());
    case VPTIMER_CTL:
        return p->ctl | ((p->ctl & CNT_CTL_ENABLE) && timer_now() >= p->cval ? CNT_CTL_ISTATUS : 0);
    default:
        return p->cval;
    }
}

static void reg_write(struct vptimer *p, unsigned reg, uint64_t val)
{
    if (reg == VPTIMER_TVAL)
        p->cval = timer_now() + (uint64_t)(int64_t)(int32_t)(uint32_t)val;
    else if (reg == VPTIMER_CTL)
        p->ctl = val & CTL_WRITABLE;
    else
        p->cval = val;
    update(p);
}

uint64_t vptimer_read(struct vcpu *v, unsigned which, unsigned reg) { return reg_read(timer_of(v, which), reg); }

void vptimer_write(struct vcpu *v, unsigned which, unsigned reg, uint64_t val)
{
    reg_write(timer_of(v, which), reg, val);
}

/* CNTP_*_EL0: op2 is the register (0 TVAL, 1 CTL, 2 CVAL). */
static bool el1_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    *val = reg_read(pt_of(v), a->op2);
    return true;
}

static bool el1_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    reg_write(pt_of(v), a->op2, val);
    return true;
}

static const struct sysreg_desc rows[] = {
    { .name = "CNTP_TVAL_EL0",
      .enc = SYSREG(3, 3, 14, 2, 0),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = el1_read,
      .write = el1_write },
    { .name = "CNTP_CTL_EL0",
      .enc = SYSREG(3, 3, 14, 2, 1),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = el1_read,
      .write = el1_write },
    { .name = "CNTP_CVAL_EL0",
      .enc = SYSREG(3, 3, 14, 2, 2),
      .rd = SR_RD_CALL,
      .wr = SR_WR_CALL,
      .read = el1_read,
      .write = el1_write },
};

const struct sysreg_table vptimer_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };

/* ---- as a part of the virtual CPU hardware ---- */

/* At creation and at each reset (the vCPUs not loaded): the timer disabled, CVAL 0, the level
 * low (the vGIC was rebuilt with it low). A hypervisor timer still queued on another CPU is
 * not touched (only its CPU may stop it): see expire. */
static int vptimer_attach(struct vm *vm)
{
    struct vptimer_vm *s = vm->hw[VCPU_HW_VPTIMER].state;
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
        for (unsigned w = 0; w < VPTIMER_NR; w++) {
            struct vptimer *p = &s->cpu[i][w];
            if (p->vm != vm) { /* the first attach: written before any timer can fire */
                p->vm = vm;
                p->v = &vm->vcpu[i];
            }
            p->ctl = 0;
            p->cval = 0;
            p->level = false;
            p->virq = reset_virq[w];
        }
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++) /* no put until its first hypervisor timer */
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VPTIMER, false);
    return 0;
}

/* Nothing moves with the vCPU (no load op: its deadline is watched on its CPU whether it runs
 * or not). Leaving for a reset or a stop of its VM, the vCPU stops its hypervisor timer on its own CPU,
 * where it was queued. Called only for a vCPU that has armed one since its VM's last reset
 * (update switches the part on): the others' switches skip it. */
static void vptimer_put(struct vcpu *v)
{
    if (v->vm->state != VM_RUNNING)
        for (unsigned w = 0; w < VPTIMER_NR; w++)
            timer_stop(&timer_of(v, w)->t);
}

/* The condition holds (enabled, not masked, deadline passed), whether or not the guest can
 * take the interrupt (WFI may complete at any time); loaded or not, the counter says. */
static bool vptimer_has_work(struct vcpu *v)
{
    for (unsigned w = 0; w < VPTIMER_NR; w++) {
        const struct vptimer *p = timer_of(v, w);
        if (watched(p) && timer_now() >= p->cval)
            return true;
    }
    return false;
}

const struct vcpu_hw_ops vptimer_hw_ops = {
    .vm_state_size = sizeof(struct vptimer_vm),
    .attach = vptimer_attach,
    .put = vptimer_put,
    .has_work = vptimer_has_work,
};
