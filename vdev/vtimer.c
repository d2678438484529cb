/* The guest's generic timers, a part of the virtual CPU hardware (core/vcpu_hw.h). The EL1
 * virtual timer (CNTV_*, PPI 27) is the guest's own: it runs in hardware with CNTVOFF_EL2 per
 * VM, and its interrupt, which reaches EL2 because of HCR_EL2.IMO, is handed to the guest as a
 * virtual PPI with the list-register HW bit, also while the vCPU waits in WFI. While the vCPU
 * is not loaded, the hypervisor timer watches its deadline. The EL1 physical timer (CNTP_*, PPI
 * 30) is emulated by vdev/vptimer.c; this node names both (docs/interrupts.md). */
#include "vdev/vcpu_hw_table.h"
#include "vdev/vgic.h"
#include "vdev/vtimer.h"
#include "core/vm.h"
#include "core/vcpu.h"
#include "core/irq.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "drivers/gic.h"
#include "drivers/timer.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/timer.h"
#include "core/vdev.h"
#include "lib/fdt_write.h"

/* The virtual timer is PPI 11 (INTID 27) in every guest's device tree. */
#define VTIMER_VIRQ 27

struct vtimer {
    struct hyp_timer t; /* watches the deadline while the vCPU is not loaded */
    volatile bool expired;
    bool phys_active; /* the physical PPI was active (guest had not deactivated it) */
    /* vtimer_park: the VM's EL1 virtual timer while the CPU's is another of its timers */
    const uint64_t *park_ctl, *park_cval, *park_off;
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VTIMER].state): one per vCPU. */
struct vtimer_vm {
    struct vtimer cpu[VM_MAX_VCPUS];
};

static struct vtimer *vt_of(struct vcpu *v)
{
    return &((struct vtimer_vm *)v->vm->hw[VCPU_HW_VTIMER].state)->cpu[v->id];
}
static uint32_t phys_ppi(void) { return platform.timer_intid[TIMER_VIRT]; }

/* A timer interrupt was given to the guest and is not finished: each exit looks at it. */
static void set_inflight(struct vcpu *v, bool on) { v->hw_sync.part[VCPU_HW_VTIMER] = on; }

/* The physical virtual-timer PPI fired on this CPU: handed to the loaded vCPU (which
 * deactivates it) or, with none, deactivated by the caller. */
static bool vtimer_irq(uint32_t intid, void *arg)
{
    (void)arg;
    struct vcpu *v = this_cpu()->vcpu;
    if (!v)
        return false;
    set_inflight(v, true);
    int rc = vgic_inject_hw_ppi(v, VTIMER_VIRQ, intid);
    /* Latched but not deliverable (disabled in the guest's GIC): its physical PPI stays active
     * and cannot wake the CPU, so the vCPU's WFI must trap until the latch is resolved. */
    if (rc == VGIC_HW_LATCHED)
        vcpu_trap_wfi(v, WFI_TRAP_TIMER, true);
    return rc >= 0;
}

static bool fires(uint64_t ctl)
{
    return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) == (CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

void vtimer_park(struct vcpu *v, const uint64_t *ctl, const uint64_t *cval, const uint64_t *off)
{
    struct vtimer *vt = vt_of(v);
    vt->park_ctl = ctl;
    vt->park_cval = cval;
    vt->park_off = off;
}

/* The level of PPI 27 while the vCPU is loaded (Arm ARM D12, a timer's condition):
 * the CPU's timer condition, and while the VM's EL1 virtual timer is parked, also that timer's,
 * computed from its kept registers (enabled, not masked, CNTPCT_EL0 - CNTVOFF_EL2 >= CVAL). The
 * CPU's timer is then the guest hypervisor's EL2 virtual timer, whose interrupt the VM gets on
 * the same PPI (its device tree has no PPI 12). The kept values are the guest's (its VNCR page):
 * they decide only this VM's PPI. */
static bool ppi_level(struct vcpu *v)
{
    const struct vtimer *vt = vt_of(v);
    if (fires(sysreg_read(cntv_ctl_el0)))
        return true;
    if (!vt->park_ctl)
        return false;
    uint64_t ctl = __atomic_load_n(vt->park_ctl, __ATOMIC_RELAXED);
    uint64_t cval = __atomic_load_n(vt->park_cval, __ATOMIC_RELAXED);
    uint64_t off = __atomic_load_n(vt->park_off, __ATOMIC_RELAXED);
    return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE && timer_now() - off >= cval;
}

/* vtimer_sync once the CPU's timer condition is false: a parked timer's may still hold (out of
 * line, so that the usual exit's test needs no frame). */
static __attribute__((noinline)) void sync_level_low(struct vcpu *v)
{
    if (ppi_level(v))
        return;
    unsigned state = vgic_ppi_state(v, VTIMER_VIRQ);
    if (!(state & VGIC_IRQ_PENDING)) {
        bool inflight = state & VGIC_IRQ_ACTIVE;
        set_inflight(v, inflight);
        if (!inflight && (v->wfi_trap & WFI_TRAP_TIMER))
            vcpu_trap_wfi(v, WFI_TRAP_TIMER, false);
        return;
    }
    vgic_retract_hw_ppi(v, VTIMER_VIRQ);
}

/* After an exit with a timer interrupt in flight: withdraws it if its condition went false
 * before the guest took it (the guest masked, stopped or moved its timer). While the condition
 * holds (the usual case at the timer's own interrupt's exit: it has just fired) nothing is
 * withdrawn and the interrupt stays in flight, so the vGIC's state is not looked at: if the
 * guest has ended it, its HW-linked end deactivated the physical PPI, which, still asserted,
 * fires again at once (Arm ARM D12: the timer's interrupt follows its condition). */
static void vtimer_sync(struct vcpu *v)
{
    if (!fires(sysreg_read(cntv_ctl_el0)))
        sync_level_low(v);
}

static void expire(struct hyp_timer *t)
{
    struct vtimer *vt = t->arg;
    vt->expired = true;
    sev();
}

/* Arms the hypervisor timer for the deadline saved in v->el1 (physical counter =
 * virtual + CNTVOFF); already due counts as expired. The offset is the one v ran with: the
 * VM's, or its guest hypervisor's (vdev/nested_timer.c). */
static void watch(struct vcpu *v)
{
    struct vtimer *vt = vt_of(v);
    uint64_t ctl = v->el1.cntv_ctl, cval = v->el1.cntv_cval, off = sysreg_read(cntvoff_el2);
    vt->expired = false;
    if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE || cval > ~0UL - off)
        return;
    uint64_t deadline = cval + off;
    if (deadline <= timer_now())
        vt->expired = true;
    else
        timer_start(&vt->t, deadline, expire, vt);
}

/* Loaded: the timer condition holds now (enabled, not masked, deadline reached), whether or
 * not the guest can take its interrupt; not loaded: the watched deadline has passed. */
static bool vtimer_has_work(struct vcpu *v)
{
    if (v->loaded)
        return fires(sysreg_read(cntv_ctl_el0));
    return vt_of(v)->expired;
}

/* While not loaded, the deadline is watched by the hypervisor timer and the physical PPI's
 * active state is kept. */
static void vtimer_put(struct vcpu *v)
{
    struct vtimer *vt = vt_of(v);
    /* An active physical PPI would hold back the next vCPU's timer on this CPU. It is active
     * only between vtimer_irq, which sets the in-flight byte, and the guest's deactivation of
     * the HW-linked interrupt, before which vtimer_sync does not clear the byte (the vGIC
     * still shows the interrupt pending or active): without it, no GIC read (a redistributor
     * access, 17 instructions and the call, on every vCPU switch). */
    vt->phys_active = v->hw_sync.part[VCPU_HW_VTIMER] && phys_ppi() && gic_irq_is_active(phys_ppi());
    if (vt->phys_active)
        gic_irq_set_active(phys_ppi(), false);
    vt->expired = false;
    if (!(v->el1.cntv_ctl & CNT_CTL_ENABLE))
        return; /* disabled: nothing to watch, nothing can fire */
    watch(v);
    /* Stop the guest's virtual timer from firing while it is not loaded. */
    sysreg_write(cntv_ctl_el0, 0);
}

static void vtimer_load(struct vcpu *v)
{
    struct vtimer *vt = vt_of(v);
    if (vt->t.armed) /* this CPU's timer queue: only this CPU arms it (watch) */
        timer_stop(&vt->t);
    vt->expired = false;
    /* Only while the guest still owes the deactivation (not after a VM reset, say). */
    if (vt->phys_active && vgic_irq_is_active(v, VTIMER_VIRQ))
        gic_irq_set_active(phys_ppi(), true);
    vt->phys_active = false;
}

static void vtimer_init(void)
{
    if (phys_ppi())
        irq_set_handler(phys_ppi(), vtimer_irq, 0);
}

static void vtimer_cpu_init(unsigned cpu)
{
    (void)cpu;
    if (phys_ppi()) {
        gic_irq_set_priority(phys_ppi(), GIC_PRIO_HYP);
        gic_irq_enable(phys_ppi());
    }
}

/* Linux binding timer/arm,arch_timer.yaml: the secure and non-secure EL1 physical, the virtual
 * and the EL2 physical timer's PPIs (13, 14, 11, 10: INTIDs 29, 30, 27, 26), level-high, to
 * every CPU (GICv2: the CPU mask in flags [15:8]). The guest gets the virtual timer (this part)
 * and the EL1 physical one (vdev/vptimer.c); the secure and EL2 ones are listed as the binding
 * requires and never fire. */
static void vtimer_dt_node(const struct vm *vm, struct vdev_dt *dt)
{
    uint32_t flags = 4;
    if (platform_gic_v2())
        flags |= ((1u << vm->cfg.nr_vcpus) - 1) << 8;
    const uint32_t ppis[4] = { 13, 14, VTIMER_VIRQ - 16, 10 };
    uint32_t cells[12];
    for (int i = 0; i < 4; i++) {
        cells[3 * i] = 1; /* PPI */
        cells[3 * i + 1] = ppis[i];
        cells[3 * i + 2] = flags;
    }
    fdtw_begin_node(dt->w, "timer");
    fdtw_prop_string(dt->w, "compatible", "arm,armv8-timer");
    fdtw_prop_cells(dt->w, "interrupts", cells, 12);
    fdtw_prop_empty(dt->w, "always-on");
    fdtw_end_node(dt->w);
}

const struct vcpu_hw_ops vtimer_hw_ops = {
    .dt_node = vtimer_dt_node,
    .vm_state_size = sizeof(struct vtimer_vm),
    .init = vtimer_init,
    .cpu_init = vtimer_cpu_init,
    .load = vtimer_load,
    .put = vtimer_put,
    .sync = vtimer_sync,
    .has_work = vtimer_has_work,
};
