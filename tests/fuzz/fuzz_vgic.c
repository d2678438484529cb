/* libFuzzer harness for the virtual GIC: vdev/vgic.c with its GICv2 (vdev/vgic_v2.c) or GICv3
 * (vdev/vgic_v3.c) back end, driven the way a VM drives it, and vdev/vtimer.c for the one
 * HW-backed private interrupt, both reached as core reaches them: through the virtual CPU
 * hardware table (vdev/vcpu_hw_table.c, core/vcpu_hw.c, and the loops of core/vcpu.c copied
 * here) and the interrupt handlers they register (core/irq.h, recorded by
 * tests/host/stubs.c).
 *
 * Input: a header (GIC version, vCPUs, the physical CPUs they share, list registers, GICv3
 * preemption bits, up to two passthrough SPIs), then operations:
 *   - MMIO accesses by a vCPU (window, offset, size 1/2/4/8, read or write, value) through the
 *     ops the back end registered with vm_add_mmio;
 *   - software edges and levels (vgic_inject_edge, vgic_set_level);
 *   - passthrough device lines, delivered by a stand-in physical GIC to the handler the vGIC
 *     registered when it claimed them (vgic_inject_hw_spi);
 *   - the guest's virtual timer, delivered as the physical PPI to the vtimer's handler and
 *     withdrawn at exits (its sync);
 *   - trapped ICC_SGI1R/ASGI1R/SGI0R writes and other system registers (vgic_sysreg);
 *   - the guest acknowledging and deactivating list registers (ICH_LR<n>_EL2 / GICH_LR<n>,
 *     one bank per physical CPU), and writing its VMCR and active priorities;
 *   - exits and entries (the parts' sync when they ask: vgic_sync, the timer's; then
 *     vgic_maintenance when the underflow or EOI maintenance interrupt would fire; the parts'
 *     flush: vgic_flush), descheduling (the parts' put and load: the vGIC's and the timer's),
 *     and WFI (vgic_vcpu_pending, vcpu_has_work).
 * Hypervisor code runs on a physical CPU only after the vCPU there has exited, as it does.
 *
 * Checked after every operation: each list register in use holds a valid INTID whose state
 * points back at it (and nothing else does), decodes field by field per the architecture's LR
 * layout, and matches what the hypervisor cached; unused list registers are zero; the queue
 * of each vCPU holds exactly the interrupts that want a list register and are not in one
 * (none is lost, none is stale) and implies a pending refill; routing (ITARGETSR, IROUTER)
 * names a vCPU of the VM; a passthrough SPI is active in the physical GIC exactly while the
 * VM still holds it (latched, in a list register, or active), the timer's PPI only while its
 * vCPU does, and neither the hypervisor nor a guest's HW list register ever deactivates a
 * physical interrupt that is not active; a vCPU running in the guest whose state changed was
 * kicked. After each entry, list registers carry the current priority,
 * group and enable state, and whatever is still queued could not displace anything (and asks
 * for the underflow interrupt). Register semantics: reads fit their size, identification
 * registers read their constants, reserved space reads as zero, and each write reads back as
 * the GIC architecture says (IHI 0048B, IHI 0069H). SGIs reach exactly the vCPUs their
 * target list or affinity names. At the end, a guest that takes everything drains every
 * enabled, routed interrupt within a bounded number of rounds. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdev/vgic_priv.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vpsci.h"
#include "arch/aarch64/stage2_hw.h"
#include "core/vm_layout.h"
#include "core/stage2.h"
#include "arch/aarch64/esr.h"
#include "drivers/timer.h"
#include "arch/aarch64/regs/timer.h"
#include "tests/host/stubs.h"
#include "tests/fuzz/fuzz_input.h"

#include "tests/host/check.h"

/* Build with -DFUZZ_DEBUG to see each operation on stderr. */
#ifdef FUZZ_DEBUG
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) \
    do {           \
    } while (0)
#endif

/* The oracle's own branches are no coverage to chase: only the code under test's are. */
#define ORACLE __attribute__((no_sanitize("coverage")))

#define MAX_OPS   400
#define TIMER_PPI 27
#define UIE       2u /* ICH_HCR_EL2 / GICH_HCR underflow interrupt enable */

/* ---- stand-ins for what the vGIC's files call outside it ---- */

int stage2_remap_device(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size)
{
    CHECK(ipa == VGIC_CPU_IPA);
    return 0;
}
/* What the other parts call outside them: tests/host/parts_unreached.c. */

/* ---- the virtual CPU hardware, run as core/vcpu.c runs it ---- */

static void hw_load(struct vcpu *v)
{
    for (unsigned i = v->vm->nr_hw; i-- > 0;)
        if (v->vm->hw[i].ops->load) /* optional (core/vcpu_hw.h) */
            v->vm->hw[i].ops->load(v);
}
static void hw_put(struct vcpu *v)
{
    for (unsigned i = 0; i < v->vm->nr_hw; i++)
        v->vm->hw[i].ops->put(v);
}
static void hw_marked(struct vcpu *v, const volatile union vcpu_hw_mask *mask, bool sync)
{
    for (unsigned i = 0; i < v->vm->nr_hw && i < VCPU_HW_MASKED; i++) /* later parts have no byte */
        if (mask->part[i]) {
            const struct vcpu_hw_ops *ops = v->vm->hw[i].ops;
            (sync ? ops->sync : ops->flush)(v);
        }
}

/* ---- the machine ---- */

enum phase { OFF, HYP, GUEST };

static struct vm vm;
static struct vgic *g;
static unsigned ver, nvcpu, npcpu, nlrs, napr;
static uint32_t pt[2];
static unsigned npt;
static int on_pcpu[MAX_CPUS]; /* vCPU loaded there, -1 none */
static enum phase phase[VM_MAX_VCPUS];
static bool dev_line[VGIC_NR_IRQS]; /* passthrough device lines */
static bool eoi_maint[MAX_CPUS];    /* a level LR was deactivated: EOI maintenance */
static unsigned kicks_at_entry[MAX_CPUS];
static bool work_at_entry[MAX_CPUS];
/* The guest set its timer's PPI pending or active itself (ISPENDR, ISACTIVER): vgic.c
 * presents that with the HW bit although no physical instance is (or is any longer) active,
 * so a deactivation that follows may meet an inactive PPI (no effect on the physical GIC).
 * Known and accepted: for the rest of such an input, that is not a failure. */
static bool soft_hw_ppi;
/* GICv2: the GICH frame of the calling CPU, sized to the list registers (ASan sees any access
 * beyond them), and the other CPUs' copies. */
static uint32_t *gich;
static unsigned gich_words;
static uint32_t gich_bank[MAX_CPUS][0x40 + VGIC_MAX_LRS];

static const char *const lr_name[VGIC_MAX_LRS] = {
    "ich_lr0_el2",  "ich_lr1_el2",  "ich_lr2_el2",  "ich_lr3_el2",  "ich_lr4_el2",  "ich_lr5_el2",
    "ich_lr6_el2",  "ich_lr7_el2",  "ich_lr8_el2",  "ich_lr9_el2",  "ich_lr10_el2", "ich_lr11_el2",
    "ich_lr12_el2", "ich_lr13_el2", "ich_lr14_el2", "ich_lr15_el2",
};
static const char *const apr_name[8] = {
    "ich_ap0r0_el2", "ich_ap0r1_el2", "ich_ap0r2_el2", "ich_ap0r3_el2",
    "ich_ap1r0_el2", "ich_ap1r1_el2", "ich_ap1r2_el2", "ich_ap1r3_el2",
};

static void on_cpu(unsigned p)
{
    unsigned cur = host_current_cpu();
    if (p == cur)
        return;
    if (ver == 2) {
        memcpy(gich_bank[cur], gich, gich_words * 4);
        memcpy(gich, gich_bank[p], gich_words * 4);
    }
    host_set_cpu(p);
}

/* Virtual CPU interface registers of physical CPU p: GICH word w (GICv2) or a named ICH_*. */
static uint64_t *v3reg(unsigned p, const char *name) { return host_sysreg(p, name); }
static uint32_t *v2word(unsigned p, unsigned w) { return p == host_current_cpu() ? &gich[w] : &gich_bank[p][w]; }

static uint64_t lr_peek(unsigned p, unsigned n) { return ver == 3 ? *v3reg(p, lr_name[n]) : *v2word(p, 0x40 + n); }
static void lr_poke(unsigned p, unsigned n, uint64_t v)
{
    if (ver == 3)
        *v3reg(p, lr_name[n]) = v;
    else
        *v2word(p, 0x40 + n) = (uint32_t)v;
}
/* GICH_ELRSR0 (IHI 0048B 5.3.9) as the hardware gives it: bit n set for list register n with
 * neither state (State [29:28]) whose HW bit [31] is set or EOI bit [19] clear. Plain memory
 * here, so it is computed from the LRs right before the one read of it (vgic_sync, the first
 * part synced at an exit, before anything writes an LR), and otherwise holds ELRSR_STALE: all
 * "empty", so that a read of it anywhere the harness does not model takes live list registers
 * for emptied ones and fails the oracle, as a wrong GICH_ELRSR0 would. */
#define GICH_ELRSR0_WORD (0x030 / 4)
#define ELRSR_STALE      0xffffffffu
static void v2_elrsr_compute(unsigned p)
{
    uint32_t out = 0;
    for (unsigned n = 0; n < nlrs; n++) {
        uint32_t lr = *v2word(p, 0x40 + n);
        if (!(lr & (3u << 28)) && ((lr >> 31) || !((lr >> 19) & 1)))
            out |= 1u << n;
    }
    *v2word(p, GICH_ELRSR0_WORD) = out;
}
static uint64_t hcr_peek(unsigned p) { return ver == 3 ? *v3reg(p, "ich_hcr_el2") : *v2word(p, 0); }
static uint32_t *vmcr_v2(unsigned p) { return v2word(p, 2); }
static uint32_t vmcr_peek(unsigned p) { return ver == 3 ? (uint32_t)*v3reg(p, "ich_vmcr_el2") : *vmcr_v2(p); }
/* Active priority register i (0-3 group 0, 4-7 group 1; GICv2 has GICH_APR only, as 0). */
static bool apr_exists(unsigned i) { return ver == 3 ? (i & 3) < napr : i == 0; }
static uint32_t apr_peek(unsigned p, unsigned i)
{
    return ver == 3 ? (uint32_t)*v3reg(p, apr_name[i]) : *v2word(p, 0xf0 / 4);
}

/* One list register, decoded from the architecture's layout (IHI 0069H 12.4.10 ICH_LR<n>_EL2;
 * IHI 0048B 5.3.11 GICH_LR<n>), checking that reserved bits are zero. */
struct lr {
    uint32_t intid, pintid, src;
    unsigned prio;
    bool pending, active, group1, hw, eoi;
};

ORACLE static struct lr lr_decode(uint64_t v)
{
    struct lr l = { 0 };
    if (ver == 3) {
        l.intid = (uint32_t)v;
        l.hw = (v >> 61) & 1;
        l.pintid = l.hw ? (uint32_t)(v >> 32) & 0x1fff : 0;
        l.eoi = !l.hw && ((v >> 41) & 1);
        CHECK(l.hw || ((v >> 32) & 0x1fff & ~(1u << 9)) == 0);
        CHECK(((v >> 45) & 7) == 0 && ((v >> 56) & 0xf) == 0);
        l.prio = (unsigned)(v >> 48) & 0xff;
        l.group1 = (v >> 60) & 1;
        l.pending = (v >> 62) & 1;
        l.active = (v >> 63) & 1;
    } else {
        CHECK((v >> 32) == 0);
        l.intid = (uint32_t)v & 0x3ff;
        l.hw = (v >> 31) & 1;
        if (l.hw) {
            l.pintid = (uint32_t)(v >> 10) & 0x3ff;
        } else {
            l.eoi = (v >> 19) & 1;
            l.src = (uint32_t)(v >> 10) & 7;
            CHECK(((v >> 13) & 0x3f) == 0);
        }
        CHECK(((v >> 20) & 7) == 0);
        l.prio = (unsigned)((v >> 23) & 0x1f) << 3;
        l.pending = (v >> 28) & 1;
        l.active = (v >> 29) & 1;
        l.group1 = (v >> 30) & 1;
    }
    return l;
}

/* ---- what an interrupt wants (IHI 0069H 4.x state machine, as docs/interrupts.md puts it) ---- */

ORACLE static bool v2sgi(uint32_t intid) { return ver == 2 && intid < 16; }
ORACLE static bool is_pt(uint32_t intid) { return (npt > 0 && pt[0] == intid) || (npt > 1 && pt[1] == intid); }
ORACLE static bool group_on(const struct virq *q) { return q->group1 ? g->grp1_en : g->grp0_en; }
ORACLE static bool new_pending(uint32_t intid, const struct virq *q)
{
    if (v2sgi(intid))
        return q->sgi_src != 0;
    if (!q->edge && !q->hw)
        return q->pending || q->level;
    return q->pending;
}
ORACLE static bool wants_lr(uint32_t intid, const struct virq *q)
{
    return q->active || (new_pending(intid, q) && q->enabled && group_on(q));
}
ORACLE static bool queued_on(unsigned c, uint32_t intid) { return (g->cpu[c].queued[intid / 64] >> (intid % 64)) & 1; }
ORACLE static bool any_queued(unsigned c)
{
    for (unsigned w = 0; w < VGIC_NR_IRQS / 64; w++)
        if (g->cpu[c].queued[w])
            return true;
    return false;
}
/* The vCPU an IROUTER value names (IHI 0069H 12.9.22): Interrupt_Routing_Mode 1 picks any
 * (vCPU 0 here); else the one whose MPIDR affinity matches. */
ORACLE static unsigned route_of(uint64_t irouter)
{
    if (irouter & (1UL << 31))
        return 0;
    for (unsigned i = 0; i < nvcpu; i++)
        if ((vm.vcpu[i].vmpidr & 0xff00ffffffUL) == (irouter & 0xff00ffffffUL))
            return i;
    return VGIC_NO_TARGET;
}

/* ---- the physical GIC's side ---- */

static void on_deactivate(uint32_t intid)
{
    /* The hypervisor only deactivates what it acknowledged and has not been deactivated. */
    CHECK(intid >= 16 && intid < HOST_NR_INTIDS);
    CHECK(host_irq(intid)->active || (intid < VGIC_NR_PRIVATE && soft_hw_ppi));
}

/* ---- running vCPUs ---- */

ORACLE static unsigned valid_lrs(unsigned p)
{
    unsigned k = 0;
    for (unsigned n = 0; n < nlrs; n++) {
        struct lr l = lr_decode(lr_peek(p, n));
        k += l.pending || l.active;
    }
    return k;
}

static void check_after_flush(unsigned v);

/* Guest to hypervisor: the exit path of vcpu_run (sync, timer, then the maintenance
 * interrupt if it was asserted). */
static void vexit(unsigned v)
{
    struct vcpu *vc = &vm.vcpu[v];
    TRACE("vCPU%u exits\n", v);
    unsigned p = vc->pcpu;
    CHECK(phase[v] == GUEST);
    on_cpu(p);
    bool maint = eoi_maint[p] || ((hcr_peek(p) & UIE) && valid_lrs(p) <= 1);
    eoi_maint[p] = false;
    if (ver == 2)
        v2_elrsr_compute(p);
    hw_marked(vc, &vc->hw_sync, true);
    if (ver == 2)
        *v2word(p, GICH_ELRSR0_WORD) = ELRSR_STALE;
    if (maint)
        vgic_maintenance();
    phase[v] = HYP;
    /* What the hypervisor cached is what the list registers hold. */
    struct vgic_cpu *c = &g->cpu[v];
    for (uint32_t m = c->lr_used; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        CHECK(c->lr_val[n] == lr_peek(p, n));
    }
}

static void venter(unsigned v)
{
    struct vcpu *vc = &vm.vcpu[v];
    unsigned p = vc->pcpu;
    CHECK(phase[v] == HYP);
    on_cpu(p);
    hw_marked(vc, &vc->hw_flush, false);
    TRACE("vCPU%u enters\n", v);
    phase[v] = GUEST;
    work_at_entry[p] = vc->hw_flush.part[VCPU_HW_VGIC];
    kicks_at_entry[p] = host_kicks[p];
    check_after_flush(v);
}

static void vput(unsigned v)
{
    struct vcpu *vc = &vm.vcpu[v];
    unsigned p = vc->pcpu;
    if (phase[v] == GUEST)
        vexit(v);
    CHECK(phase[v] == HYP);
    on_cpu(p);
    uint32_t vmcr = vmcr_peek(p), apr[8];
    for (unsigned i = 0; i < 8; i++)
        apr[i] = apr_exists(i) ? apr_peek(p, i) : 0;
    vc->el1.cntv_ctl = *host_sysreg(p, "cntv_ctl_el0"); /* el1_ctx_save */
    TRACE("vCPU%u put\n", v);
    hw_put(vc);
    vc->loaded = false;
    /* The timer cannot fire while not loaded (a disabled one is left as it is). */
    CHECK(!(*host_sysreg(p, "cntv_ctl_el0") & CNT_CTL_ENABLE));
    struct vgic_cpu *c = &g->cpu[v];
    CHECK(c->lr_used == 0 && !vc->hw_sync.part[VCPU_HW_VGIC] && !c->loaded);
    for (unsigned n = 0; n < nlrs; n++)
        CHECK(lr_peek(p, n) == 0);
    CHECK(hcr_peek(p) == 0);
    CHECK(c->vmcr == vmcr);
    for (unsigned i = 0; i < 8; i++)
        if (apr_exists(i))
            CHECK(c->apr[i] == apr[i]);
    percpu_data[p].vcpu = NULL;
    on_pcpu[p] = -1;
    phase[v] = OFF;
}

static void vload(unsigned v)
{
    struct vcpu *vc = &vm.vcpu[v];
    unsigned p = vc->pcpu;
    CHECK(phase[v] == OFF && on_pcpu[p] < 0);
    on_cpu(p);
    *host_sysreg(p, "cntv_ctl_el0") = vc->el1.cntv_ctl; /* el1_ctx_restore */
    percpu_data[p].vcpu = vc;
    TRACE("vCPU%u load\n", v);
    vc->loaded = true;
    hw_load(vc);
    struct vgic_cpu *c = &g->cpu[v];
    /* The load asks for a flush only when something waits for a list register (vgic_load). */
    CHECK(c->loaded && c->lr_used == 0 && (vc->hw_flush.part[VCPU_HW_VGIC] || c->nr_queued == 0));
    CHECK(vmcr_peek(p) == c->vmcr);
    for (unsigned i = 0; i < 8; i++)
        if (apr_exists(i))
            CHECK(apr_peek(p, i) == c->apr[i]);
    CHECK(hcr_peek(p) == 1);
    on_pcpu[p] = (int)v;
    phase[v] = HYP;
}

static void make_loaded(unsigned v)
{
    if (phase[v] != OFF)
        return;
    unsigned p = vm.vcpu[v].pcpu;
    if (on_pcpu[p] >= 0)
        vput((unsigned)on_pcpu[p]);
    vload(v);
}
static void make_hyp(unsigned v)
{
    make_loaded(v);
    if (phase[v] == GUEST)
        vexit(v);
    on_cpu(vm.vcpu[v].pcpu);
}
static bool phys_deliver_on(unsigned p);
/* Into the guest: a physical interrupt already due there is taken at once (an exit) before
 * the guest does anything, and the vCPU enters again. */
static void make_guest(unsigned v)
{
    for (unsigned k = 0;; k++) {
        CHECK(k < 8);
        make_loaded(v);
        if (phase[v] == HYP)
            venter(v);
        if (!phys_deliver_on(vm.vcpu[v].pcpu))
            break;
    }
    on_cpu(vm.vcpu[v].pcpu);
}
/* Hypervisor code is about to run on CPU p (an interrupt arrived there): its vCPU exits. */
static void hyp_on(unsigned p)
{
    if (on_pcpu[p] >= 0 && phase[on_pcpu[p]] == GUEST)
        vexit((unsigned)on_pcpu[p]);
    on_cpu(p);
}

/* Physical interrupts that are due on CPU p are taken there: passthrough SPIs routed to it
 * (core/irq.c hands them to the owner), the virtual timer's PPI of the vCPU it runs. Returns
 * whether one was (its vCPU has exited). */
static bool phys_deliver_on(unsigned p)
{
    bool took = false;
    for (unsigned i = 0; i < npt; i++) {
        struct host_irq *h = &host_gic.spi[pt[i]];
        CHECK(h->route < npcpu);
        if (h->route != p || !h->enabled || h->active || !(h->pending || dev_line[pt[i]]))
            continue;
        h->active = true;
        h->pending = false;
        hyp_on(p);
        TRACE("SPI %u taken on CPU %u\n", pt[i], p);
        CHECK(host_dispatch(pt[i])); /* injected: the guest deactivates it */
        took = true;
    }
    uint64_t ctl = *host_sysreg(p, "cntv_ctl_el0");
    struct host_irq *h = &host_gic.priv[p][TIMER_PPI];
    if ((ctl & 7) == 5 && !h->active) { /* ENABLE and ISTATUS, not IMASK */
        CHECK(on_pcpu[p] >= 0);
        hyp_on(p);
        TRACE("timer PPI taken on CPU %u\n", p);
        h->active = true;
        if (!host_dispatch(TIMER_PPI))
            gic_deactivate(TIMER_PPI);
        took = true;
    }
    return took;
}

static void phys_deliver(void)
{
    for (unsigned p = 0; p < npcpu; p++)
        phys_deliver_on(p);
}

/* ---- invariants ---- */

/* The physical interrupt is still owed a deactivation by the VM. */
ORACLE static bool vm_holds(const struct virq *q)
{
    if (q->pending)
        return true;
    if (q->lr < 0)
        return q->active;
    struct lr l = lr_decode(lr_peek(vm.vcpu[q->lr_vcpu].pcpu, (unsigned)q->lr));
    return l.pending || l.active;
}

ORACLE static void check_virq(unsigned c, uint32_t intid, const struct virq *q)
{
    CHECK((q->priority & ~VGIC_PRIO_MASK) == 0);
    CHECK(!q->unpend || q->lr >= 0);
    if (q->lr >= 0) {
        CHECK(q->lr < (int)nlrs && q->lr_vcpu < nvcpu);
        const struct vgic_cpu *lc = &g->cpu[q->lr_vcpu];
        CHECK((lc->lr_used >> q->lr) & 1);
        CHECK(lc->lr_intid[q->lr] == intid);
        CHECK(intid >= VGIC_NR_PRIVATE || q->lr_vcpu == c);
    }
    if (intid < VGIC_NR_PRIVATE) {
        CHECK(q->target == c);
        CHECK(!q->passthru);
        if (ver == 2 && intid < 16)
            CHECK(q->enabled && (q->sgi_src & ~((1u << nvcpu) - 1)) == 0);
        if (intid < 16)
            CHECK(q->edge && !q->hw);
    } else {
        CHECK(q->target < nvcpu || q->target == VGIC_NO_TARGET);
        CHECK(q->passthru == is_pt(intid) && q->hw == q->passthru);
        CHECK(!q->passthru || q->hw_intid == intid);
        if (ver == 2) {
            CHECK((q->targets & ~((1u << nvcpu) - 1)) == 0);
            CHECK(q->target == (q->targets ? (unsigned)__builtin_ctz(q->targets) : VGIC_NO_TARGET));
        } else {
            CHECK((q->irouter & ~0xff80ffffffUL) == 0 && q->targets == 0);
            CHECK(q->target == route_of(q->irouter));
        }
    }
    /* An interrupt is in a list register or, while it wants one, queued on its target. */
    for (unsigned t = 0; t < nvcpu; t++) {
        if (intid < VGIC_NR_PRIVATE && t != c)
            continue;
        bool want = q->lr < 0 && q->target == t && wants_lr(intid, q);
        CHECK(queued_on(t, intid) == want);
    }
    if (q->passthru) {
        /* The physical SPI is active exactly while the VM has yet to finish with it. */
        CHECK(host_gic.spi[intid].active == vm_holds(q));
        CHECK(host_gic.spi[intid].enabled == q->enabled);
    }
}

ORACLE static void check_all(void)
{
    uint32_t all = (1u << nlrs) - 1;
    for (unsigned c = 0; c < nvcpu; c++) {
        struct vcpu *vc = &vm.vcpu[c];
        struct vgic_cpu *cc = &g->cpu[c];
        unsigned p = vc->pcpu;
        CHECK((cc->lr_used & ~all) == 0);
        CHECK((cc->lr_empty & ~cc->lr_used) == 0);
        /* Only list registers the guest can still change are looked at after an exit. */
        CHECK(vc->hw_sync.part[VCPU_HW_VGIC] == ((cc->lr_used & ~cc->lr_empty) != 0));
        CHECK(cc->loaded == (phase[c] != OFF));
        CHECK(phase[c] == OFF ? on_pcpu[p] != (int)c && cc->lr_used == 0 : on_pcpu[p] == (int)c);
        if (any_queued(c))
            CHECK(vc->hw_flush.part[VCPU_HW_VGIC]);
        for (uint32_t m = cc->lr_used; m; m &= m - 1) {
            unsigned n = (unsigned)__builtin_ctz(m);
            uint32_t intid = cc->lr_intid[n];
            CHECK(intid < g->nr_irqs);
            const struct virq *q = vgic_irq(g, c, intid);
            CHECK(q->lr == (int)n && q->lr_vcpu == c);
            struct lr l = lr_decode(cc->lr_val[n]);
            /* One the guest emptied, kept with its interrupt (vgic_sync): never with the EOI
             * bit (its maintenance interrupt would stay asserted). */
            bool emptied = (cc->lr_empty >> n) & 1;
            CHECK(l.intid == intid && (l.pending || l.active) != emptied);
            CHECK(!emptied || !l.eoi);
            CHECK(!l.hw || (q->hw && l.pintid == q->hw_intid && l.pintid >= 16));
            if (!l.hw)
                CHECK(l.src == (v2sgi(intid) ? q->lr_src : 0u) && l.src < nvcpu);
            /* The guest changes only the state bits of what the hypervisor wrote. */
            uint64_t live = lr_peek(p, n), state = ver == 3 ? 3UL << 62 : 3UL << 28;
            CHECK((live & ~state) == (cc->lr_val[n] & ~state));
        }
        if (phase[c] != OFF)
            for (unsigned n = 0; n < nlrs; n++)
                if (!((cc->lr_used >> n) & 1))
                    CHECK(lr_peek(p, n) == 0);
        for (unsigned w = 0; w < VGIC_NR_IRQS / 64; w++)
            for (uint64_t m = cc->queued[w]; m; m &= m - 1)
                CHECK(w * 64 + (unsigned)__builtin_ctzl(m) < g->nr_irqs);
        /* A vCPU in the guest that has new work was made to exit (kicked). */
        if (phase[c] == GUEST && vc->hw_flush.part[VCPU_HW_VGIC] && !work_at_entry[p])
            CHECK(host_kicks[p] > kicks_at_entry[p]);
    }
    /* With the back pointers checked from the list registers' side, an interrupt is in at
     * most one list register, and each one in use belongs to exactly one interrupt. */
    for (unsigned c = 0; c < nvcpu; c++)
        for (uint32_t i = 0; i < VGIC_NR_PRIVATE; i++)
            check_virq(c, i, &g->cpu[c].priv[i]);
    for (uint32_t i = VGIC_NR_PRIVATE; i < g->nr_irqs; i++)
        check_virq(0, i, &g->spi[i - VGIC_NR_PRIVATE]);
    for (unsigned p = 0; p < npcpu; p++) {
        if (on_pcpu[p] < 0)
            continue;
        CHECK(hcr_peek(p) & 1);
        /* The timer's physical PPI is active only while its vCPU owes the deactivation. */
        if (host_gic.priv[p][TIMER_PPI].active)
            CHECK(vm_holds(&g->cpu[on_pcpu[p]].priv[TIMER_PPI]));
    }
}

/* After an entry: the list registers show the current configuration, and nothing still queued
 * could have displaced an interrupt that is only pending. */
ORACLE static void check_after_flush(unsigned v)
{
    struct vgic_cpu *c = &g->cpu[v];
    unsigned p = vm.vcpu[v].pcpu;
    int worst = -1;
    for (uint32_t m = c->lr_used; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        uint32_t intid = c->lr_intid[n];
        const struct virq *q = vgic_irq(g, v, intid);
        CHECK(lr_peek(p, n) == c->lr_val[n]);
        struct lr l = lr_decode(c->lr_val[n]);
        CHECK(l.prio == q->priority && l.group1 == q->group1 && l.hw == q->hw);
        /* EOI maintenance: a level line to sample again, or a GICv2 SGI's next source. */
        CHECK(l.eoi == ((!q->hw && !q->edge && !v2sgi(intid) && q->level) || (v2sgi(intid) && q->sgi_src != 0)));
        CHECK(!l.pending || (q->enabled && group_on(q)));
        CHECK(l.active == q->active);
        if (!l.active && !q->hw && (int)q->priority > worst)
            worst = q->priority;
    }
    bool more = any_queued(v);
    CHECK(((hcr_peek(p) & UIE) != 0) == more);
    CHECK(vm.vcpu[v].hw_flush.part[VCPU_HW_VGIC] == more);
    if (!more)
        return;
    CHECK(c->lr_used == (1u << nlrs) - 1);
    for (unsigned w = 0; w < VGIC_NR_IRQS / 64; w++)
        for (uint64_t m = c->queued[w]; m; m &= m - 1) {
            uint32_t intid = w * 64 + (unsigned)__builtin_ctzl(m);
            const struct virq *q = vgic_irq(g, v, intid);
            unsigned key = (q->active ? 0 : 0x100u) | q->priority;
            CHECK(worst < 0 || key >= 0x100u + (unsigned)worst);
        }
}

/* ---- MMIO ---- */

enum frame { F_GICD, F_RD, F_SGI };
struct where {
    enum frame f;
    unsigned idx; /* redistributor */
    uint32_t off; /* within the 64 KiB frame */
};

static uint64_t mmio(unsigned v, unsigned win, uint64_t off, unsigned size, bool write, uint64_t val)
{
    const struct mmio_region *r = &vm.mmio[win];
    CHECK(off + size <= r->size);
    make_hyp(v);
    int rc;
    if (write) {
        rc = r->ops->write(&vm.vcpu[v], r->dev, off, size, val);
    } else {
        val = 0;
        rc = r->ops->read(&vm.vcpu[v], r->dev, off, size, &val);
        CHECK(size == 8 || (val >> (8 * size)) == 0); /* a read fits its size */
    }
    CHECK(rc == 0);
    TRACE("vCPU%u %s window %u +0x%lx size %u: 0x%lx\n", v, write ? "write" : "read", win, (unsigned long)off, size,
          (unsigned long)val);
    return val;
}

static struct where locate(unsigned win, uint64_t off)
{
    struct where w = { F_GICD, 0, (uint32_t)off };
    if (win == 1) {
        w.idx = (unsigned)(off / VGIC_REDIST_STRIDE);
        w.off = (uint32_t)(off % VGIC_REDIST_STRIDE);
        w.f = w.off >= 0x10000 ? F_SGI : F_RD;
        w.off &= 0xffff;
    }
    return w;
}

/* The register arrays (IGROUPR..ICFGR): element layout of an access, or false when the access
 * is not one the GIC accepts there (wrong size or alignment: RAZ/WI). */
struct arr {
    uint32_t base, first, lo, hi;
    unsigned bits, n;
};

static bool array_of(const struct where *w, unsigned size, struct arr *a)
{
    static const uint32_t bases[] = { 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x800, 0xc00, 0xd00 };
    if (w->f == F_RD || w->off < 0x080 || w->off >= 0xd00 || (w->off & (size - 1)))
        return false;
    unsigned k = 0;
    while (w->off >= bases[k + 1])
        k++;
    a->base = bases[k];
    a->bits = a->base == 0x400 || a->base == 0x800 ? 8 : a->base == 0xc00 ? 2 : 1;
    if (size != 4 && !(a->bits == 8 && size == 1))
        return false;
    if (w->f == F_SGI && size == 1 && a->base != 0x400)
        return false;
    a->first = (w->off - a->base) * 8 / a->bits;
    a->n = size * 8 / a->bits;
    a->lo = w->f == F_SGI ? 0 : ver == 3 ? VGIC_NR_PRIVATE : 0;
    a->hi = w->f == F_SGI ? VGIC_NR_PRIVATE : g->nr_irqs;
    return true;
}

static uint64_t typer_v3(unsigned idx)
{
    uint64_t m = vm.vcpu[idx].vmpidr, aff = (m & 0xffffff) | ((m >> 32) & 0xff) << 24;
    return aff << 32 | (uint64_t)idx << 8 | (idx == nvcpu - 1 ? 1u << 4 : 0);
}

/* What a read must return where the value is fixed, or whether it may be nonzero at all. */
static bool read_expect(const struct where *w, unsigned size, uint64_t *exp)
{
    uint32_t o = w->off;
    if (size == 4 && w->f == F_GICD && (o == 0x004 || o == 0x008)) {
        *exp = o == 0x008 ? (0x45u << 24 | 0x43b)
                          : (g->nr_irqs / 32 - 1) | ((nvcpu - 1) & 7) << 5 | (ver == 3 ? 9u << 19 : 0);
        return true;
    }
    if (size == 4 && w->f != F_SGI && o == (ver == 3 ? 0xffe8u : 0xfe8u) && (ver == 3 || w->f == F_GICD)) {
        *exp = ver == 3 ? 0x3b : 0x2b;
        return true;
    }
    if (w->f == F_RD && size == 4 && o == 0x004) {
        *exp = 0x45u << 24 | 0x43b;
        return true;
    }
    if (w->f == F_RD && ((size == 8 && o == 0x008) || (size == 4 && (o == 0x008 || o == 0x00c)))) {
        uint64_t t = typer_v3(w->idx);
        *exp = size == 8 ? t : o == 0x00c ? t >> 32 : (uint32_t)t;
        return true;
    }
    *exp = 0;
    return false;
}

static bool may_be_nonzero(const struct where *w, unsigned size)
{
    struct arr a;
    uint32_t o = w->off;
    if (array_of(w, size, &a))
        return true;
    if (w->f == F_GICD && o == 0 && size == 4)
        return true; /* GICD_CTLR */
    if (ver == 2 && w->f == F_GICD && o >= 0xf10 && o < 0xf30 && size <= 4 && !(o & (size - 1)))
        return true; /* GICD_[CS]PENDSGIR */
    if (ver == 3 && w->f == F_GICD && o >= 0x6000 + 8 * VGIC_NR_PRIVATE && o < 0x6000 + 8 * g->nr_irqs &&
        (size == 4 || size == 8) && !(o & (size - 1)))
        return true; /* GICD_IROUTER<n> */
    if (w->f == F_RD && o == 0x014 && size == 4)
        return true; /* GICR_WAKER */
    return false;
}

static void check_read(const struct where *w, unsigned size, uint64_t val)
{
    uint64_t exp;
    if (read_expect(w, size, &exp))
        CHECK(val == exp);
    else if (!may_be_nonzero(w, size))
        CHECK(val == 0);
    struct arr a;
    if (!array_of(w, size, &a))
        return;
    for (unsigned i = 0; i < a.n; i++) {
        uint32_t intid = a.first + i;
        uint64_t f = (val >> (i * a.bits)) & ((1u << a.bits) - 1);
        if (intid < a.lo || intid >= a.hi)
            CHECK(f == 0);
        else if (a.base == 0x400)
            CHECK((f & ~VGIC_PRIO_MASK) == 0);
    }
}

/* A write, then what reading the same register must show (IHI 0048B 4.3, IHI 0069H 12.9/12.11). */
static void check_write(unsigned v, unsigned win, uint64_t off, const struct where *w, unsigned size, uint64_t val,
                        uint64_t before)
{
    uint64_t r = mmio(v, win, off, size, false, 0);
    check_read(w, size, r);
    struct arr a;
    if (w->f == F_GICD && w->off == 0 && size == 4) {
        CHECK(r == ((val & 3) | (ver == 3 ? 0x50u : 0)));
        return;
    }
    if (w->f == F_RD && w->off == 0x014 && size == 4) {
        CHECK(r == ((val & 2) ? 6u : 0u));
        return;
    }
    if (ver == 3 && w->f == F_GICD && may_be_nonzero(w, size) && w->off >= 0x6000) {
        uint32_t intid = (w->off - 0x6000) / 8;
        unsigned shift = (w->off & 4) ? 32 : 0;
        uint64_t mask = size == 8 ? ~0UL : 0xffffffffUL << shift;
        uint64_t now = ((before & ~mask) | ((val << shift) & mask)) & 0xff80ffffffUL;
        CHECK(r == (now & mask) >> shift);
        CHECK(vgic_irq(g, 0, intid)->target == route_of(now));
        return;
    }
    if (!array_of(w, size, &a))
        return;
    unsigned owner = w->f == F_SGI ? w->idx : v;
    for (unsigned i = 0; i < a.n; i++) {
        uint32_t intid = a.first + i, mask = (1u << a.bits) - 1;
        if (intid < a.lo || intid >= a.hi)
            continue;
        uint32_t fw = (uint32_t)(val >> (i * a.bits)) & mask, fr = (uint32_t)(r >> (i * a.bits)) & mask;
        uint32_t fb = (uint32_t)(before >> (i * a.bits)) & mask;
        const struct virq *q = vgic_irq(g, owner, intid);
        switch (a.base) {
        case 0x080:
            CHECK(fr == fw);
            break;
        case 0x100:
            if (fw)
                CHECK(fr == 1);
            break;
        case 0x180:
            if (fw)
                CHECK(fr == v2sgi(intid));
            break;
        case 0x200:
            if (fw && !q->passthru && !v2sgi(intid))
                CHECK(fr == 1);
            soft_hw_ppi |= fw && intid == TIMER_PPI;
            break;
        case 0x280:
            /* Not for a level line still asserted: a software one, or the timer's. */
            if (fw && !v2sgi(intid) && !(q->level && !q->edge && !q->hw) && !(q->hw && !q->passthru))
                CHECK(fr == 0);
            break;
        case 0x300:
            if (fw && !q->hw)
                CHECK(fr == 1);
            soft_hw_ppi |= fw && intid == TIMER_PPI;
            break;
        case 0x380:
            if (fw && !q->hw)
                CHECK(fr == 0);
            break;
        case 0x400:
            CHECK(fr == (fw & VGIC_PRIO_MASK));
            break;
        case 0x800:
            if (ver == 3)
                CHECK(fr == 0); /* no ITARGETSR with affinity routing, nor in a GICR */
            else if (intid < VGIC_NR_PRIVATE)
                CHECK(fr == 1u << owner);
            else
                CHECK(fr == (fw & ((1u << nvcpu) - 1)));
            break;
        case 0xc00:
            CHECK(fr == (intid < 16 ? 2 : intid < VGIC_NR_PRIVATE ? fb : (fw & 2)));
            break;
        default:
            break;
        }
    }
}

/* GICv2 GICD_SGIR (IHI 0048B 4.3.15): each vCPU named gets the SGI from this source. */
static void check_sgir(unsigned src, uint32_t val, const uint8_t *before)
{
    unsigned filter = (val >> 24) & 3, sgi = val & 0xf;
    uint32_t list = filter == 0 ? (val >> 16) & 0xff : filter == 1 ? ~(1u << src) : filter == 2 ? 1u << src : 0;
    for (unsigned t = 0; t < nvcpu; t++) {
        uint8_t now = g->cpu[t].priv[sgi].sgi_src;
        if ((list >> t) & 1)
            CHECK(now == (before[t] | (1u << src)));
        else
            CHECK(now == before[t]);
    }
}

static void op_mmio(uint8_t op)
{
    uint8_t a = u8();
    bool write = (op >> 4) & 1;
    unsigned size = 1u << ((op >> 5) & 3);
    unsigned v = (a & 7) % nvcpu, win = 0, sel = (a >> 4) & 0xf;
    uint64_t off = take(2);
    if ((op & 0xf) == 4)
        off &= 0xfff; /* most registers are in the first 4 KiB */
    if (ver == 2) {
        off &= 0xfff;
    } else if (sel) {
        win = 1;
        off += (uint64_t)((sel - 1) % nvcpu) * VGIC_REDIST_STRIDE + ((a >> 3) & 1) * 0x10000;
    }
    if (op & 0x80)
        off &= ~(uint64_t)(size - 1);
    if (off + size > vm.mmio[win].size)
        return;
    uint64_t val = write ? take(size) : 0;
    struct where w = locate(win, off);
    if (!write) {
        check_read(&w, size, mmio(v, win, off, size, false, 0));
        return;
    }
    /* What the register held, where the write only changes part of it. */
    uint64_t before = 0;
    if (w.f != F_RD && w.off >= 0xc00 && w.off < 0xd00)
        before = mmio(v, win, off, size, false, 0);
    if (ver == 3 && w.f == F_GICD && w.off >= 0x6000 && w.off < 0x8000)
        before = mmio(v, win, off & ~7UL, 8, false, 0);
    uint8_t sgi_before[VM_MAX_VCPUS];
    make_hyp(v); /* the exit first: it may fold list registers back */
    for (unsigned t = 0; t < nvcpu; t++)
        sgi_before[t] = g->cpu[t].priv[val & 0xf].sgi_src;
    mmio(v, win, off, size, true, val);
    if (ver == 2 && w.off == 0xf00 && size == 4)
        check_sgir(v, (uint32_t)val, sgi_before);
    check_write(v, win, off, &w, size, val, before);
}

/* ---- other operations ---- */

/* A device model's interrupt: an SPI, or a PPI of one vCPU (never an SGI, nor the timer's
 * PPI, which only vtimer.c drives). */
static uint32_t source_intid(uint8_t b)
{
    uint32_t intid = b < 16 ? b + 16u : b;
    return intid == TIMER_PPI ? 26u : intid;
}

static void op_edge_level(uint8_t op, bool level)
{
    uint8_t a = u8();
    uint32_t intid = source_intid(u8());
    struct vcpu *v = (a & 0x80) ? &vm.vcpu[(a & 7) % nvcpu] : NULL;
    hyp_on(((a >> 3) & 7) % npcpu);
    TRACE("%s INTID %u (vCPU%d)\n", level ? "level" : "edge", intid, v ? (int)v->id : -1);
    if (level)
        vgic_set_level(&vm, v, intid, (op >> 4) & 1);
    else
        vgic_inject_edge(&vm, v, intid);
    if (intid < VGIC_NR_PRIVATE && !v)
        return;
    struct virq *q = vgic_irq(g, v ? v->id : 0, intid);
    if (!q->passthru && !level)
        CHECK(vgic_irq_is_pending(v ? v : &vm.vcpu[0], intid));
    if (!q->passthru && level)
        CHECK(q->level == ((op >> 4) & 1));
}

static void op_device(uint8_t op)
{
    uint8_t a = u8();
    if (!npt)
        return;
    dev_line[pt[a % npt]] = (op >> 4) & 1;
}

static void op_ack(uint8_t op)
{
    uint8_t a = u8();
    unsigned v = (a & 7) % nvcpu, p = vm.vcpu[v].pcpu;
    make_guest(v);
    int n = (int)((a >> 3) % nlrs);
    if ((op >> 4) & 1) { /* the highest-priority pending one, as the GIC would */
        n = -1;
        unsigned best = 0x100;
        for (unsigned k = 0; k < nlrs; k++) {
            struct lr l = lr_decode(lr_peek(p, k));
            if (l.pending && !l.active && l.prio < best) {
                best = l.prio;
                n = (int)k;
            }
        }
        if (n < 0)
            return;
    }
    uint64_t val = lr_peek(p, (unsigned)n);
    struct lr l = lr_decode(val);
    if (!l.pending || l.active)
        return;
    TRACE("vCPU%u acknowledges LR%d: INTID %u%s\n", v, n, l.intid, l.hw ? " HW" : "");
    lr_poke(p, (unsigned)n, ver == 3 ? (val & ~(1UL << 62)) | 1UL << 63 : (val & ~(1UL << 28)) | 1UL << 29);
}

static void op_eoi(uint8_t op)
{
    uint8_t a = u8();
    unsigned v = (a & 7) % nvcpu, p = vm.vcpu[v].pcpu;
    make_guest(v);
    unsigned n = (a >> 3) % nlrs;
    uint64_t val = lr_peek(p, n);
    struct lr l = lr_decode(val);
    if (!l.active)
        return;
    lr_poke(p, n, ver == 3 ? val & ~(1UL << 63) : val & ~(1UL << 29));
    TRACE("vCPU%u deactivates LR%u: INTID %u%s%s\n", v, n, l.intid, l.hw ? " HW" : "",
          l.pending ? " (still pending)" : "");
    if (l.hw) {
        /* The physical interrupt behind it is deactivated with it: it must be active. */
        CHECK(host_irq(l.pintid)->active || (l.pintid < VGIC_NR_PRIVATE && soft_hw_ppi));
        host_irq(l.pintid)->active = false;
    } else if (l.eoi && !l.pending) {
        eoi_maint[p] = true;
    }
}

static void op_run(uint8_t op)
{
    uint8_t a = u8();
    unsigned v = (a & 7) % nvcpu;
    switch ((op >> 4) & 3) {
    case 0:
        make_guest(v);
        vexit(v);
        venter(v);
        break;
    case 1:
        make_hyp(v);
        break;
    case 2:
        make_guest(v);
        break;
    default:
        make_loaded(v); /* descheduled and back: put + load */
        vput(v);
        vload(v);
        break;
    }
}

/* ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 (IHI 0069H 12.2.21-23). */
static void op_sysreg(uint8_t op)
{
    uint8_t a = u8(), b = u8();
    unsigned v = (a & 7) % nvcpu, kind = (op >> 4) & 3;
    static const uint32_t ids[] = { SYSREG(3, 0, 12, 11, 5), SYSREG(3, 0, 12, 11, 6), SYSREG(3, 0, 12, 11, 7) };
    uint64_t val = take(2) | (uint64_t)(b & 0xf) << 24 | (uint64_t)((b >> 4) & 1) << 40;
    if (b & 0x20)
        val ^= take(8) & ~0x0f00ffffUL; /* affinities, RS, reserved bits */
    struct sysreg_access acc = { .id = kind < 3 ? ids[kind] : (uint32_t)take(4), .read = (b >> 6) & 1 };
    /* A read never reaches the handler (the rows have none: UNDEFINED in core/sysreg_trap.c). */
    make_hyp(v);
    bool before[VM_MAX_VCPUS];
    unsigned sgi = (unsigned)(val >> 24) & 0xf;
    for (unsigned t = 0; t < nvcpu; t++)
        before[t] = g->cpu[t].priv[sgi].pending;
    bool known = acc.id == ids[0] || acc.id == ids[1] || acc.id == ids[2];
    bool handled = !acc.read && vgic_sysreg(&vm.vcpu[v], acc.id, val);
    TRACE("vCPU%u ICC 0x%x %s 0x%lx\n", v, acc.id, acc.read ? "read" : "write", (unsigned long)val);
    CHECK(handled == (known && ver == 3 && !acc.read));
    if (!handled) {
        for (unsigned t = 0; t < nvcpu; t++)
            CHECK(g->cpu[t].priv[sgi].pending == before[t]);
        return;
    }
    bool group1 = acc.id != ids[2], irm = (val >> 40) & 1;
    bool aff_zero =
        ((val >> 16) & 0xff) == 0 && ((val >> 32) & 0xff) == 0 && ((val >> 48) & 0xff) == 0 && ((val >> 44) & 0xf) == 0;
    for (unsigned t = 0; t < nvcpu; t++) {
        bool hit = irm ? t != v : aff_zero && ((val >> t) & 1);
        const struct virq *q = &g->cpu[t].priv[sgi];
        CHECK(q->pending == (before[t] || (hit && q->group1 == group1)));
    }
}

/* The guest programs its virtual timer (CNTV_CTL_EL0: ENABLE, IMASK, ISTATUS). */
static void op_timer(uint8_t op)
{
    uint8_t a = u8();
    unsigned v = (a & 7) % nvcpu;
    make_guest(v);
    TRACE("vCPU%u sets CNTV_CTL %u\n", v, (op >> 4) & 7);
    *host_sysreg(vm.vcpu[v].pcpu, "cntv_ctl_el0") = (op >> 4) & 7;
}

/* WFI: vgic_vcpu_pending must see every interrupt the guest could take, and the one answer
 * core asks (vcpu_has_work) includes it. */
static void op_wfi(uint8_t op)
{
    uint8_t a = u8();
    unsigned v = (a & 7) % nvcpu;
    struct vcpu *vc = &vm.vcpu[v];
    if (phase[v] != OFF)
        make_hyp(v);
    on_cpu(vc->pcpu);
    bool r = vgic_vcpu_pending(vc);
    CHECK(!r || vcpu_has_work(vc));
    unsigned pmr = phase[v] == OFF ? 0xff : (vmcr_peek(vc->pcpu) >> (ver == 3 ? 24 : 27)) << (ver == 3 ? 0 : 3);
    pmr &= 0xff;
    const struct vgic_cpu *c = &g->cpu[v];
    for (uint32_t m = c->lr_used; m; m &= m - 1) {
        unsigned n = (unsigned)__builtin_ctz(m);
        struct lr l = lr_decode(c->lr_val[n]);
        if (l.pending && l.prio < pmr)
            CHECK(r);
    }
    for (uint32_t i = 0; i < g->nr_irqs; i++) {
        const struct virq *q = vgic_irq(g, v, i);
        if (q->lr < 0 && q->target == v && wants_lr(i, q))
            CHECK(r);
    }
}

/* The guest's side of the virtual CPU interface: ICC_PMR/BPR/IGRPEN land in the VMCR, and the
 * active priorities move as it takes interrupts. */
static void op_vmcr(uint8_t op)
{
    uint8_t a = u8();
    unsigned v = (a & 7) % nvcpu, p = vm.vcpu[v].pcpu;
    uint32_t val = (uint32_t)take(4);
    make_guest(v);
    if ((op >> 4) & 1) {
        unsigned i = (op >> 5) & 7;
        if (apr_exists(i)) {
            if (ver == 3)
                *v3reg(p, apr_name[i]) = val;
            else
                *v2word(p, 0xf0 / 4) = val;
        }
    } else if (ver == 3) {
        *v3reg(p, "ich_vmcr_el2") = val;
    } else {
        *vmcr_v2(p) = val;
    }
}

static void do_op(void)
{
    uint8_t op = u8();
    TRACE("op 0x%02x\n", op);
    switch (op & 0xf) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
        op_mmio(op);
        break;
    case 5:
        op_edge_level(op, false);
        break;
    case 6:
        op_edge_level(op, true);
        break;
    case 7:
        op_device(op);
        break;
    case 8:
        op_ack(op);
        break;
    case 9:
        op_eoi(op);
        break;
    case 10:
        op_run(op);
        break;
    case 11:
        op_sysreg(op);
        break;
    case 12:
        op_timer(op);
        break;
    case 13:
        op_wfi(op);
        break;
    case 14:
        op_vmcr(op);
        break;
    default:
        op_ack(op);
        op_eoi(op);
        break;
    }
}

/* ---- setup and the final drain ---- */

static void setup(void)
{
    memset(&vm, 0, sizeof(vm));
    memset(dev_line, 0, sizeof(dev_line));
    memset(eoi_maint, 0, sizeof(eoi_maint));
    memset(gich_bank, 0, sizeof(gich_bank));
    soft_hw_ppi = false;
    host_reset();
    host_gic.on_deactivate = on_deactivate;
    uint8_t h0 = u8(), h1 = u8(), h2 = u8();
    ver = (h0 & 1) ? 3 : 2;
    nvcpu = 1 + ((h0 >> 1) & 7);
    npcpu = 1 + ((h0 >> 4) & 7);
    if (npcpu > nvcpu)
        npcpu = nvcpu;
    unsigned hw_lrs = 1 + (h1 & (ver == 3 ? 0x1f : 0x3f)), pre = (h1 >> 5) & 7;
    nlrs = hw_lrs > VGIC_MAX_LRS ? VGIC_MAX_LRS : hw_lrs;
    napr = ver == 3 ? (pre + 1 >= 7 ? 4 : pre + 1 == 6 ? 2 : 1) : 1;
    npt = 0;
    for (unsigned i = 0; i < (h2 & 3) && i < 2; i++) {
        uint32_t intid = VGIC_NR_PRIVATE + u8() % (VGIC_NR_IRQS - VGIC_NR_PRIVATE);
        if (!is_pt(intid))
            pt[npt++] = intid;
    }
    platform.gic_version = ver;
    platform.timer_intid[TIMER_VIRT] = TIMER_PPI;
    vcpu_hw_init(); /* the timer registers its PPI's handler */
    CHECK(host_handlers[TIMER_PPI].fn != NULL);
    vm.id = 1;
    strcpy(vm.cfg.name, "fuzz");
    vm.cfg.nr_vcpus = nvcpu;
    for (unsigned i = 0; i < nvcpu; i++) {
        vm.vcpu[i].vm = &vm;
        vm.vcpu[i].id = i;
        vm.vcpu[i].pcpu = i % npcpu;
        vm.vcpu[i].vmpidr = (1UL << 31) | i; /* as core/vmm.c */
        vm.vcpu[i].state = VCPU_RUNNABLE;
        phase[i] = OFF;
    }
    for (unsigned i = 0; i < npt; i++)
        vm.cfg.passthru_irq[i] = pt[i];
    vm.cfg.nr_passthru_irqs = npt;
    if (ver == 2) {
        gich_words = 0x40 + nlrs;
        gich = calloc(gich_words, 4);
        CHECK(gich != NULL);
        for (unsigned p = 0; p < MAX_CPUS; p++) {
            gich_bank[p][1] = hw_lrs - 1; /* GICH_VTR.ListRegs */
            gich_bank[p][GICH_ELRSR0_WORD] = ELRSR_STALE;
        }
        gich[1] = hw_lrs - 1;
        gich[GICH_ELRSR0_WORD] = ELRSR_STALE;
        platform.gich.base = (uint64_t)(uintptr_t)gich;
    } else {
        for (unsigned p = 0; p < MAX_CPUS; p++)
            *host_sysreg(p, "ich_vtr_el2") = (hw_lrs - 1) | (uint64_t)pre << 26 | 4UL << 29;
    }
    for (unsigned p = 0; p < MAX_CPUS; p++)
        on_pcpu[p] = -1;
    CHECK(vcpu_hw_attach(&vm) == 0);
    CHECK(vm.hw[VCPU_HW_VGIC].ops == &vgic_hw_ops && vm.hw[VCPU_HW_VTIMER].state != NULL);
    g = vgic_of(&vm);
    CHECK(g->nr_lrs == nlrs && g->nr_irqs == VGIC_NR_IRQS);
    /* Its windows: the distributor (GICv2: 4 KiB), and the GICv3 redistributors. */
    CHECK(vm.nr_mmio == (ver == 3 ? 2u : 1u));
    CHECK(vm.mmio[0].base == VGIC_DIST_IPA && vm.mmio[0].size == (ver == 3 ? VGIC_DIST_SIZE : 0x1000));
    if (ver == 3)
        CHECK(vm.mmio[1].base == VGIC_REDIST_IPA && vm.mmio[1].size == VGIC_REDIST_STRIDE * nvcpu);
    for (unsigned i = 0; i < npt; i++) {
        const struct host_irq *h = &host_gic.spi[pt[i]];
        CHECK(!h->enabled && !h->pending && !h->active && !h->edge && h->priority == GIC_PRIO_HYP && h->route == 0);
        CHECK(host_handlers[pt[i]].claimed && host_handlers[pt[i]].arg == &vm);
    }
    for (unsigned p = 0; p < npcpu; p++)
        vload(p);
}

/* A guest that takes and finishes everything, with every line low: within a bound, every
 * enabled interrupt that has a target is delivered and done. */
static void drain(void)
{
    for (unsigned i = 0; i < npt; i++)
        dev_line[pt[i]] = false;
    for (unsigned c = 0; c < nvcpu; c++) {
        make_guest(c); /* each guest stops its timer */
        *host_sysreg(vm.vcpu[c].pcpu, "cntv_ctl_el0") = 0;
    }
    for (unsigned p = 0; p < npcpu; p++)
        hyp_on(p); /* everyone out of the guest */
    for (unsigned c = 0; c < nvcpu; c++) {
        for (uint32_t i = 16; i < VGIC_NR_IRQS; i++)
            if (vgic_irq(g, c, i)->level)
                vgic_set_level(&vm, &vm.vcpu[c], i, false);
    }
    mmio(0, 0, 0, 4, true, 3); /* GICD_CTLR: both groups */
    for (unsigned round = 0;; round++) {
        CHECK(round < 1200);
        bool busy = false;
        for (unsigned v = 0; v < nvcpu; v++) {
            unsigned p = vm.vcpu[v].pcpu;
            make_guest(v);
            for (unsigned n = 0; n < nlrs; n++) {
                uint64_t val = lr_peek(p, n);
                struct lr l = lr_decode(val);
                if (!l.pending && !l.active)
                    continue;
                busy = true;
                if (l.pending && !l.active)
                    lr_poke(p, n,
                            val = (ver == 3 ? (val & ~(1UL << 62)) | 1UL << 63 : (val & ~(1UL << 28)) | 1UL << 29));
                lr_poke(p, n, ver == 3 ? val & ~(1UL << 63) : val & ~(1UL << 29));
                if (l.hw) {
                    CHECK(host_irq(l.pintid)->active || (l.pintid < VGIC_NR_PRIVATE && soft_hw_ppi));
                    host_irq(l.pintid)->active = false;
                } else if (l.eoi) {
                    eoi_maint[p] = true;
                }
            }
            busy |= any_queued(v);
            vexit(v);
            phys_deliver();
            check_all();
        }
        if (!busy)
            break;
    }
    for (unsigned c = 0; c < nvcpu; c++) {
        /* Every list register empty; those the guest emptied may still name their interrupt. */
        CHECK((g->cpu[c].lr_used & ~g->cpu[c].lr_empty) == 0 && !any_queued(c));
        for (uint32_t i = 0; i < g->nr_irqs; i++) {
            if (i >= VGIC_NR_PRIVATE && c > 0)
                break;
            const struct virq *q = vgic_irq(g, c, i);
            if (q->target == VGIC_NO_TARGET || !q->enabled)
                continue;
            CHECK(!q->active);
            /* One of a disabled group keeps its pending state (shown once the group is on),
             * and a passthrough SPI's physical interrupt stays active for it meanwhile. */
            if (!group_on(q))
                continue;
            CHECK(!new_pending(i, q));
            if (q->passthru)
                CHECK(!host_gic.spi[i].active);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_start(data, size);
    gich = NULL;
    setup();
    check_all();
    for (unsigned k = 0; in_n && k < MAX_OPS; k++) {
        do_op();
        phys_deliver();
        check_all();
    }
    drain();
    /* Nothing beyond the implemented list and active priority registers was touched. */
    for (unsigned n = nlrs; ver == 3 && n < VGIC_MAX_LRS; n++)
        CHECK(!host_sysreg_touched(lr_name[n]));
    for (unsigned i = 0; ver == 3 && i < 8; i++)
        if (!apr_exists(i))
            CHECK(!host_sysreg_touched(apr_name[i]));
    free(gich);
    gich = NULL;
    vcpu_hw_release(&vm); /* each part's state back to the host heap (tests/host/stubs.c) */
    return 0;
}
