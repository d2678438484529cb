#include "vdev/vtimer.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "drivers/gic.h"
#include "drivers/timer.h"
#include "arch/aarch64/sysreg.h"

/* CNTV_CTL_EL0 (Arm ARM D19.11): ENABLE [0], IMASK [1], ISTATUS [2]. */
#define CTL_ENABLE  (1UL << 0)
#define CTL_IMASK   (1UL << 1)
#define CTL_ISTATUS (1UL << 2)
/* The virtual timer is PPI 11 (INTID 27) in every guest's device tree. */
#define VTIMER_VIRQ 27

struct vtimer {
    struct hyp_timer t;
    volatile bool expired;
    bool phys_active; /* the physical PPI was active (guest had not deactivated it) */
};

static struct vtimer vtimers[CONFIG_MAX_VMS][VM_MAX_VCPUS];

static struct vtimer *vt_of(struct vcpu *v) { return &vtimers[v->vm->id - 1][v->id]; }
static uint32_t phys_ppi(void) { return platform.timer_intid[TIMER_VIRT]; }

bool vtimer_irq(void)
{
    struct vcpu *v = this_cpu()->vcpu;
    if (!v)
        return false;
    v->vtimer_inflight = true;
    int rc = vgic_inject_hw_ppi(v, VTIMER_VIRQ, phys_ppi());
    /* Latched but not deliverable (disabled in the guest's GIC): its physical PPI stays active
     * and cannot wake the CPU, so the vCPU's WFI must trap until the latch is resolved. */
    if (rc == VGIC_HW_LATCHED)
        vcpu_trap_wfi(v, WFI_TRAP_TIMER, true);
    return rc >= 0;
}

static bool fires(uint64_t ctl) { return (ctl & (CTL_ENABLE | CTL_IMASK | CTL_ISTATUS)) == (CTL_ENABLE | CTL_ISTATUS); }

void vtimer_sync_slow(struct vcpu *v)
{
    if (!vgic_irq_is_pending(v, VTIMER_VIRQ)) {
        v->vtimer_inflight = vgic_irq_is_active(v, VTIMER_VIRQ);
        if (!v->vtimer_inflight && (v->wfi_trap & WFI_TRAP_TIMER))
            vcpu_trap_wfi(v, WFI_TRAP_TIMER, false);
        return;
    }
    if (!fires(sysreg_read(cntv_ctl_el0)))
        vgic_retract_hw_ppi(v, VTIMER_VIRQ);
}

static void expire(struct hyp_timer *t)
{
    struct vtimer *vt = t->arg;
    vt->expired = true;
    sev();
}

/* Arms the hypervisor timer for the deadline saved in v->el1 (physical counter =
 * virtual + CNTVOFF); already due counts as expired. */
static void watch(struct vcpu *v)
{
    struct vtimer *vt = vt_of(v);
    uint64_t ctl = v->el1.cntv_ctl, cval = v->el1.cntv_cval, off = v->vm->cntvoff;
    vt->expired = false;
    if ((ctl & (CTL_ENABLE | CTL_IMASK)) != CTL_ENABLE || cval > ~0UL - off)
        return;
    uint64_t deadline = cval + off;
    if (deadline <= timer_now())
        vt->expired = true;
    else
        timer_start(&vt->t, deadline, expire, vt);
}

bool vtimer_due(struct vcpu *v)
{
    (void)v;
    return fires(sysreg_read(cntv_ctl_el0));
}

bool vtimer_expired(struct vcpu *v) { return vt_of(v)->expired; }

void vtimer_put(struct vcpu *v)
{
    struct vtimer *vt = vt_of(v);
    /* An active physical PPI would hold back the next vCPU's timer on this CPU. */
    vt->phys_active = phys_ppi() && gic_irq_is_active(phys_ppi());
    if (vt->phys_active)
        gic_irq_set_active(phys_ppi(), false);
    watch(v);
}

void vtimer_load(struct vcpu *v)
{
    struct vtimer *vt = vt_of(v);
    timer_stop(&vt->t);
    vt->expired = false;
    /* Only while the guest still owes the deactivation (not after a VM reset, say). */
    if (vt->phys_active && vgic_irq_is_active(v, VTIMER_VIRQ))
        gic_irq_set_active(phys_ppi(), true);
    vt->phys_active = false;
}
