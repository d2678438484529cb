/* Virtual EL2 on FEAT_NV2 (docs/nested.md): a VM with `virtual-el2;` runs a guest hypervisor
 * at EL1 that believes it is at EL2, and that hypervisor's own guest at EL1. One part of the
 * virtual CPU hardware (vdev/nested.c: state, the switch between the two contexts, ERET and
 * exception entry), the rows of the exit table it takes over (HVC, SMC, ERET) and the EL2
 * registers that trap (vdev/nested_regs.c). */
#ifndef VDEV_NESTED_H
#define VDEV_NESTED_H

#include <stdbool.h>
#include <stdint.h>
#include "core/exit.h"
#include "core/sysreg_trap.h"
#include "core/vcpu_hw.h"
#include "vdev/nested_s2.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/vncr.h"

/* The guest hypervisor's EL2 registers that NV2 neither puts in the VNCR page nor redirects to
 * an EL1 register, so that their accesses trap (nested_regs.c), and what the CPU holds for it
 * in EL1 registers while its EL1 guest runs. The layouts of its E2H at the time (with E2H = 1
 * they are the CPU's EL1 registers while virtual EL2 runs, nested_vhe.c). */
struct nested_el2 {
    uint64_t sctlr, actlr, tcr, ttbr0, mair, amair, vbar, cptr, mdcr, hacr, cnthctl, afsr0, afsr1, hpfar;
    uint64_t ttbr1, contextidr;       /* FEAT_VHE's: used by its regime only with E2H = 1 */
    uint64_t cntkctl;                 /* E2H = 1: CNTHCTL_EL2[9:0] (CNTKCTL_EL1's layout) while its guest runs */
    uint64_t cnthv_ctl, cnthv_cval;   /* E2H = 1: its EL2 virtual timer while its guest runs */
    uint64_t sp, elr, spsr, esr, far; /* SP_EL2, ELR_EL2, SPSR_EL2, ESR_EL2, FAR_EL2 */
};

struct nested_vcpu {
    uint64_t *vncr;     /* its VNCR page: hypervisor memory, never in the VM's stage 2 */
    bool at_el1;        /* running the guest hypervisor's EL1 guest, not virtual EL2 */
    bool vhe;           /* its EL2 regime is arranged for its HCR_EL2.E2H = 1 (nested_vhe.c) */
    uint8_t l2_vlines;  /* its HCR_EL2.VF/VI/VSE raised for its guest while it runs, >> 6 (nested.c) */
    uint8_t l2_cpu;     /* its controls in the CPU's CPTR/CNTHCTL/MDCR_EL2 while its guest runs (NESTED_L2_*) */
    uint64_t cntkctl12; /* E2H = 1: its guest's CNTKCTL_EL1 (not in the VNCR page) at virtual EL2 */
    bool ptimer_lazy;   /* E2H = 1, its guest runs: its EL1 physical timer not yet in place (nested_vhe.c) */
    struct nested_el2 el2;
    bool on_shadow;    /* its EL1 guest runs on the shadow stage 2 (its HCR_EL2.VM was 1) */
    bool gic_lent;     /* the CPU's GIC virtual interface holds its guest's (nested_gic.c) */
    uint16_t lr_links; /* list registers with HW = 1 (its view) loaded live, not yet ended */
    uint8_t maint;     /* the level last given to the VM's maintenance interrupt (NESTED_MAINT_*) */
    struct nested_shadow s2;
};

/* nested_vcpu.maint: not set since the vCPU's boot, low, high. */
#define NESTED_MAINT_UNKNOWN 0
#define NESTED_MAINT_LOW     1
#define NESTED_MAINT_HIGH    2

/* The part's per-VM state. */
struct nested_vm {
    uint8_t *pages; /* the VNCR pages, one per vCPU, allocated at the VM's first build */
    unsigned nr_pages;
    uint8_t *s2pool; /* the shadows' table pages, NESTED_SHADOW_PAGES per vCPU */
    unsigned s2_gen; /* counts stage 2 TLBIs but those by IPA: a shadow filled under an older count is dropped */
    struct nested_vcpu cpu[VM_MAX_VCPUS];
};

extern const struct vcpu_hw_ops nested_hw_ops;
extern const struct sysreg_table nested_sysreg_table;
extern const struct sysreg_table nested_gic_sysreg_table;
extern const struct sysreg_table nested_vhe_sysreg_table;
extern const struct sysreg_table nested_timer_sysreg_table;
extern const struct sysreg_table nested_at_sysreg_table;

/* Its AT instructions (nested_at.c): which one an encoding is (guest_at_raw's op, with
 * NESTED_AT_S12 for AT S12E* whose stage 1 that op is; *el2 when it walks its EL2 regime; -1 for
 * those not emulated) and PAR_EL1 as it sees the CPU's (a fault of
 * elvisor's stage 2 or an aborted walk turned into an External abort on its walk; own_stage2:
 * the walk ran on the shadow of its own stage 2, whose faults are its). Pure. */
#define NESTED_AT_S12 0x10u
int nested_at_op(const struct sysreg_access *a, bool *el2);
uint64_t nested_at_par(uint64_t par, bool own_stage2);

/* The guest hypervisor's GICv3 virtual interface (nested_gic.c): as many list registers as the
 * CPU has, at most NESTED_GIC_MAX_LRS; ICH_MISR_EL2 computed from its VNCR page. */
#define NESTED_GIC_MAX_LRS 16 /* ICH_MAX_LRS */
unsigned nested_gic_nr_lrs(void);
uint64_t nested_gic_misr(const struct nested_vcpu *n);
/* Its EL1 guest gets the CPU's interface loaded with its list registers (lend; the VM's own
 * interface put), and they go back to the VNCR page (save, at a vCPU put) and the VM's
 * interface is loaded again (give_back). links_done: what that guest ended of the VM's
 * interrupts linked to its list registers. maint_update: the VM's maintenance interrupt level
 * from the VNCR page (the vGIC told only of changes); maint_due: the lent interface asks for
 * maintenance. */
void nested_gic_lend(struct vcpu *v, struct nested_vcpu *n);
void nested_gic_links_done(struct vcpu *v, struct nested_vcpu *n);
void nested_gic_save(struct vcpu *v, struct nested_vcpu *n);
void nested_gic_give_back(struct vcpu *v, struct nested_vcpu *n);
void nested_gic_maint_update(struct vcpu *v, struct nested_vcpu *n);
bool nested_gic_maint_due(void);

/* v's nested state, or NULL when its VM is not at virtual EL2. */
struct nested_vcpu *nested_of(struct vcpu *v);
/* SCTLR_EL1, TCR_EL1, CPACR_EL1 that run the guest hypervisor's EL2 regime at EL1. */
uint64_t nested_sctlr_el1(uint64_t sctlr_el2);
uint64_t nested_tcr_el1(uint64_t tcr_el2);
uint64_t nested_cpacr_el1(uint64_t cptr_el2);

/* Its EL2 registers on the CPU's EL1 registers and back (at virtual EL2): E2H = 0, translated
 * (nested.c), and E2H = 1, as they are (nested_vhe.c). */
void nested_el2_load(const struct nested_el2 *e);
void nested_el2_save(struct nested_el2 *e);
void nested_vhe_el2_load(const struct nested_el2 *e);
void nested_vhe_el2_save(struct nested_el2 *e);
/* At a trap from virtual EL2: the arrangement follows its HCR_EL2.E2H (in the VNCR page, written
 * without a trap); true if it changed. */
bool nested_vhe_sync(struct vcpu *v, struct nested_vcpu *n);
/* With E2H = 1, an EL2 register held in a CPU EL1 register: f (a field of n->el2) read or
 * written there; false for the others and with E2H = 0. */
bool nested_vhe_el2_reg(struct nested_vcpu *n, const uint64_t *f, uint64_t *val, bool write);
/* E2H = 1: its guest's CNTKCTL_EL1 and EL1 virtual timer to the CPU at the switch to that
 * guest, and back (the timer then parked in the VNCR page, vdev/vtimer.h). */
void nested_vhe_guest_load(struct vcpu *v, struct nested_vcpu *n);
void nested_vhe_guest_save(struct vcpu *v, struct nested_vcpu *n);
/* E2H = 1, at virtual EL2 (each of its ERETs): its guest's EL1 physical timer follows
 * CNTP_CTL_EL02/CNTP_CVAL_EL02 as it wrote them in the page. claim: while its guest runs with
 * n->ptimer_lazy, at its first CNTP_* access: that timer put where those accesses reach it. */
void nested_vhe_ptimer_follow(struct vcpu *v, struct nested_vcpu *n);
void nested_vhe_ptimer_claim(struct vcpu *v, struct nested_vcpu *n);
/* Its CNTHCTL_EL2 as the E2H = 0 layout has it (EL1PCTEN bit 0, EL1PCEN bit 1). */
uint64_t nested_cnthctl_nvhe(const struct nested_vcpu *n);
/* ERET to its own EL0 with E2H = TGE = 1 (no switch); false if the ERET is not that. */
bool nested_vhe_eret_host_el0(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr, uint64_t m, uint64_t elr,
                              uint64_t keep);

/* Exit-table rows (vdev/trap_table.c): HVC and SMC go to PSCI/SMCCC (vdev/vpsci.c) for every
 * VM but one at virtual EL2, where the guest hypervisor's HCR_EL2 decides; ERET is only
 * trapped at virtual EL2. */
enum exit_result nested_hvc(struct vcpu *v, uint64_t esr);
enum exit_result nested_smc(struct vcpu *v, uint64_t esr);
enum exit_result nested_eret(struct vcpu *v, uint64_t esr);
/* Stage 2 aborts: those of a guest hypervisor's guest on its shadow stage 2 are filled or go to
 * virtual EL2 (nested_s2.c), every other to core (exit_dabt, exit_iabt). */
enum exit_result nested_dabt(struct vcpu *v, uint64_t esr);
enum exit_result nested_iabt(struct vcpu *v, uint64_t esr);
/* A trapped stage 2 TLBI of v's guest hypervisor other than by IPA (VMALLS12E1, ALLE1, EL2's):
 * every shadow of the VM is dropped (the others' at once, v's at its next entry to L2). */
void nested_s2_tlbi(struct vcpu *v);
/* A trapped TLBI of v's guest hypervisor by L2 IPA (or range): those L2 IPAs dropped from every
 * shadow of the VM before it returns, the rest kept. */
void nested_s2_tlbi_ipa(struct vcpu *v, uint64_t ipa, uint64_t size);

/* An exception of its EL1 guest taken to virtual EL2 (VBAR_EL2 + 0x400, ESR_EL2 = esr,
 * ELR_EL2 the exit's PC): the switch an HVC of that guest makes. */
void nested_take(struct vcpu *v, struct nested_vcpu *n, uint64_t esr);

/* Its vCPUs' exit modes (core/exit.h, rows in vdev/trap_table.c): at virtual EL2 or running its
 * guest without trap controls of its own for that guest, and running its guest with some. */
#define NESTED_EXIT_VEL2 1
#define NESTED_EXIT_L2   2

/* The guest hypervisor's trap controls for its guest (nested_traps.c). is_vel2s: whether an
 * exception of its guest that trapped to elvisor (syndrome esr) is one that its HCR_EL2 (hcr,
 * as hcr_of leaves it: without the controls this CPU lacks) or CNTHCTL_EL2 (cnthctl) traps to
 * virtual EL2 (pure; also its CPTR_EL2 and MDCR_EL2, struct nested_ctls). wanted: whether its
 * controls trap any of them. traps_hcr: the controls
 * of hcr that the CPU's HCR_EL2 gains while its guest runs (NESTED_TRAPS_ADDED, pure). enter,
 * at the ERET into its guest: that guest's exits go through NESTED_EXIT_L2 when wanted; *set
 * gets traps_hcr, and the result is HCR_EL2.API/APK where the CPU must drop them as its are
 * clear; leave, at the switch back (and at a vCPU's boot): NESTED_EXIT_VEL2. guest_trap:
 * NESTED_EXIT_L2's own rows. init: once, what the CPU has (FEAT_EVT). */
#define NESTED_TRAPS_ADDED                                                                                 \
    (HCR_EL2_TWI | HCR_EL2_TID1 | HCR_EL2_TID2 | HCR_EL2_TVM | HCR_EL2_TRVM | HCR_EL2_TPU | HCR_EL2_TPCP | \
     HCR_EL2_TTLB | HCR_EL2_TID4 | HCR_EL2_TICAB | HCR_EL2_TOCU | HCR_EL2_TTLBIS | HCR_EL2_TTLBOS | HCR_EL2_TDZ)
/* Its controls the decision reads: HCR_EL2 (nested_traps_hcr_of), CNTHCTL_EL2 and CPTR_EL2 in
 * their E2H = 0 layouts, MDCR_EL2. */
struct nested_ctls {
    uint64_t hcr, cnthctl, cptr, mdcr;
};
void nested_traps_init(void);
uint64_t nested_traps_hcr_of(uint64_t hcr);
bool nested_trap_is_vel2s(uint64_t esr, const struct nested_ctls *c);
bool nested_traps_wanted(const struct nested_ctls *c);
uint64_t nested_traps_hcr(uint64_t hcr);
uint64_t nested_traps_enter(struct vcpu *v, struct nested_vcpu *n, uint64_t hcr, uint64_t *set);
void nested_traps_leave(struct vcpu *v, struct nested_vcpu *n);
/* Its controls in the CPU's CPTR_EL2 (TFP, TCPAC), CNTHCTL_EL2 (EL1PCTEN clear) and MDCR_EL2
 * (TDE, TDA) (on: its guest runs and the vCPU is loaded) or not; n->l2_cpu says which. */
#define NESTED_L2_TFP   1
#define NESTED_L2_TCPAC 2
#define NESTED_L2_PCT   4 /* its CNTHCTL_EL2.EL1PCTEN is clear: the CPU's is cleared */
#define NESTED_L2_TDE   8
#define NESTED_L2_TDA   16 /* its MDCR_EL2.TDA: the CPU's set (off: left set, see nested_traps.c) */
void nested_traps_cpu(struct vcpu *v, const struct nested_vcpu *n, bool on);
enum exit_result nested_guest_trap(struct vcpu *v, uint64_t esr);

/* The CPU's CNTVOFF_EL2 from its VNCR page (nested_timer.c): at each ERET to its guest and
 * each vCPU load. */
void nested_timer_apply(const struct nested_vcpu *n);

#endif
