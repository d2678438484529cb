/* Virtual machines and their vCPUs. */
#ifndef CORE_VM_H
#define CORE_VM_H

#include <stdint.h>
#include <stdbool.h>
#include "arch/aarch64/traps.h"
#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/pgtable.h"
#include "core/config.h"
#include "core/vdev.h"
#include "core/vcpu_hw.h"
#include "core/percpu.h"
#include "lib/spinlock.h"

struct vm;
struct vcpu;
struct exit_hook;

/* Exit classes counted per vCPU (docs/performance.md; readable by the guest through the
 * ELVISOR_EXIT_COUNTERS hypercall). */
enum exit_class {
    EXITC_HVC,
    EXITC_SMC,
    EXITC_WFI,
    EXITC_WFE,
    EXITC_SYSREG,
    EXITC_MMIO,
    EXITC_IABT,
    EXITC_IRQ,
    EXITC_FP,
    EXITC_OTHER,
    EXITC_NR
};

enum vcpu_state { VCPU_OFF, VCPU_ON_PENDING, VCPU_RUNNABLE, VCPU_STOPPED };
/* PAUSED: held by the control VM (core/control.c), its vCPUs off their CPUs, its memory and
 * devices as they were. */
enum vm_state { VM_RUNNING, VM_RESETTING, VM_STOPPED, VM_PAUSED };

/* One emulated MMIO window. The handler sees the offset into its window. */
struct mmio_ops {
    /* Return 0 on success, MMIO_OPS_RETRY to have the guest execute the access again (the
     * device did part of the work and wants the CPU back in between), anything else makes
     * the access an external abort in the guest. */
    int (*read)(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t *val);
    int (*write)(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val);
    /* Parts of the window may be mapped in the VM's stage 2 (ivshmem's BAR2): there the VM's
     * accesses never trap, so they reach no device (mmio_is_device). */
    bool stage2_inside;
};

#define MMIO_OPS_RETRY 1

/* Reasons for a vCPU alone on its CPU to trap WFI (core/vcpu.c guest_hcr). */
#define WFI_TRAP_TIMER 1u /* a timer interrupt latched that could not wake the CPU */
#define WFI_TRAP_KICK  2u /* vcpu_poll_kick while it ran: its next WFI completes at once */

struct mmio_region {
    uint64_t base, size;
    const struct mmio_ops *ops;
    void *dev;
};

#define VM_MAX_MMIO 16

struct vcpu {
    struct guest_regs regs; /* first: its address is what vcpu_enter() takes */
    /* Next, what the exit path reads on every synchronous exit (arch/aarch64/traps.h
     * VCPU_HCR_LIVE and after; checked below). */
    uint64_t hcr_live; /* HCR_EL2 as last written for it, while loaded (core/vcpu.c) */
    /* Virtual CPU hardware parts (core/vcpu_hw.h) that want their sync after each exit and
     * their flush before each entry; one load each on every exit and entry. Only v's CPU
     * writes hw_sync; hw_flush is also set from other CPUs (an interrupt injected). */
    union vcpu_hw_mask hw_sync;
    volatile union vcpu_hw_mask hw_flush;
    /* The exit table its synchronous exits go through: the main one or a mode's (core/exit.h
     * exit_set_mode). */
    const struct exit_hook *exit_table;
    uint64_t exits[EXITC_NR + 1]; /* by class; the last counts nothing (core/exit.h exit_sync) */
    struct el1_ctx el1;
    struct fp_ctx fp;
    struct vm *vm;
    unsigned id;   /* index within the VM */
    unsigned pcpu; /* physical CPU it runs on */
    uint64_t vmpidr;
    volatile enum vcpu_state state;
    volatile bool loaded;    /* its state is live on its physical CPU */
    volatile bool waiting;   /* in WFI off its shared CPU, until an interrupt (sched.c) */
    uint64_t vlines;         /* HCR_EL2.VF/VI/VSE requested by vcpu_set_vline() */
    uint64_t hcr;            /* HCR_EL2 for the guest without vlines (set by vcpu_load) */
    uint64_t hcr_parts;      /* HCR_EL2 bits the virtual CPU hardware sets for it (vcpu_set_hcr) */
    uint64_t hcr_off;        /* HCR_EL2 bits it runs without, whoever sets them (vcpu_hcr_off) */
    uint8_t wfi_trap;        /* why WFI traps even alone on its CPU: WFI_TRAP_* (vcpu_trap_wfi) */
    volatile bool poll_kick; /* vcpu_poll_kick: news for a guest that polls between WFIs */
    uint32_t vsesr;          /* VSESR_EL2[24:0] for a virtual SError (FEAT_RAS): 0, but vcpu_set_vsesr */
    /* The parts whose load and put run when v is switched, one bit per part (core/vcpu_hw.h,
     * vcpu_hw_switched): written on v's CPU, or while v is not loaded. */
    uint16_t hw_switched;
    /* Set by a reset (vcpu_init, any CPU): v's FP/SIMD registers start at zero. The CPU that
     * runs v zeroes v->fp at its next load, and never saves the pre-reset registers it may
     * still hold live into v->fp (issue 13 item 9). */
    volatile bool fp_reset;
    /* A guest hypervisor traps its guest's FP/SIMD (CPTR_EL2.TFP) while that guest runs here
     * (core/vcpu_fp.h vcpu_fp_guest_trap): v's CPU, while it is loaded. */
    bool fp_trap_guest;
    unsigned mmio_hint; /* index of the MMIO window this vCPU accessed last */
    /* PSCI CPU_ON recorded for its own CPU to apply (core/vcpu_power.c), under vm->lock. */
    uint64_t on_entry, on_ctx;
};
_Static_assert(__builtin_offsetof(struct vcpu, regs) == 0, "struct vcpu: regs first (vectors.S)");
_Static_assert(__builtin_offsetof(struct vcpu, hcr_live) == VCPU_HCR_LIVE, "struct vcpu: vectors.S layout");
_Static_assert(__builtin_offsetof(struct vcpu, hw_sync) == VCPU_HW_SYNC, "struct vcpu: vectors.S layout");
_Static_assert(__builtin_offsetof(struct vcpu, hw_flush) == VCPU_HW_FLUSH, "struct vcpu: vectors.S layout");
_Static_assert(__builtin_offsetof(struct vcpu, exit_table) == VCPU_EXIT_TABLE, "struct vcpu: vectors.S layout");
_Static_assert(__builtin_offsetof(struct vcpu, exits) == VCPU_EXITS, "struct vcpu: vectors.S layout");

/* Whether part's load and put run at v's switches (v->hw_switched, core/vcpu_hw.h). Every
 * part's are on after each VM build and reset, before the parts' attach; a part whose state is
 * switched lazily turns them off in its attach and on when v starts using it (on v's CPU, v
 * loaded), so that a vCPU that does not use it costs a switch not even a call. A part turns
 * them off only when its load and put would do nothing for v. */
static inline void vcpu_hw_switched(struct vcpu *v, unsigned part, bool on)
{
    uint16_t bit = (uint16_t)(1u << part);
    v->hw_switched = on ? v->hw_switched | bit : v->hw_switched & (uint16_t)~bit;
}

struct stage2_watch;

struct vm {
    struct vm_config cfg;
    unsigned id; /* VMID (1-based; 0 is never used for a guest) */
    volatile enum vm_state state;
    uint64_t ram_pa;   /* host physical base of the VM's contiguous RAM */
    uint64_t flash_pa; /* host physical base of its flash (cfg.flash_size bytes), 0 = none */
    struct pgtable s2;
    /* core/stage2.c: the SMMU's invalidation waits for the end of an unmap. Callers serialise
     * a VM's stage 2 changes (vdev/vpci.c's lock). */
    bool s2_unmapping;
    bool s2_smmu_stale;
    /* Held by every change of s2 and by stage2_lookup (another CPU's read of it). */
    spinlock_t s2_lock;
    /* Told of each unmap before it is done (a guest hypervisor's shadows, vdev/nested.c). */
    const struct stage2_watch *s2_watch;
    uint64_t vttbr;
    uint64_t cntvoff;
    struct vcpu vcpu[VM_MAX_VCPUS];
    struct mmio_region mmio[VM_MAX_MMIO];
    unsigned nr_mmio;
    uint64_t dtb_ipa;
    spinlock_t lock;
    struct vcpu *reset_by; /* the vCPU whose SYSTEM_RESET is in progress */
    /* That reset, done in steps by reset_by's CPU between its scheduling points
     * (core/vm_reset.c): started when reset_deadline is set (by then every vCPU must have
     * left its CPU), devices quiesced, bytes of RAM zeroed so far. */
    uint64_t reset_deadline, reset_zeroed;
    bool reset_quiesced;
    /* A stop asked by the control VM: the reset's steps end once the devices are quiesced and
     * leave the VM stopped (core/vm_reset.c vm_reset_request). */
    bool reset_stop;
    uint64_t started; /* CNTPCT when it last started running; 0 while stopped */
    /* Counted by the device models, read by the control channel's stats (relaxed atomics). */
    uint64_t irqs_injected, virtio_notifies, virtio_irqs;
    unsigned log_credit, log_dropped; /* vm_log rate limit */
    uint64_t log_last;
    /* Its devices, in configuration order: cfg.dev[i] holds the i-th one's kind and
     * configuration, dev_state[i] its state (core/vdev.h, core/vm_devices.c). */
    _Alignas(16) uint8_t dev_state[VM_MAX_DEVICES][VDEV_STATE_BYTES];
    /* Its virtual CPU hardware, indexed like vcpu_hw_parts (core/vcpu_hw.h). */
    struct vcpu_hw hw[VCPU_HW_MAX];
    unsigned nr_hw;
    void *hw_state; /* the block that holds every part's per-VM state (core/vcpu_hw.c) */
};

extern struct vm vms[CONFIG_MAX_VMS];
extern unsigned nr_vms;

/* Registers an emulated window on a VM (at VM creation only). */
int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev);
/* Stops the whole VM with a reason; its vCPUs leave their pCPUs at their next exit. */
void vm_stop(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After vm->state or its vCPUs' states changed: each vCPU's CPU looks before entering it again
 * (cpu_attention). */
static inline void vm_attention(const struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.nr_vcpus; i++)
        cpu_attention(vm->vcpu[i].pcpu);
}
/* One rate-limited console line about something the VM did: "elvisor: VM 'name' <text>". */
void vm_log(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Translates a guest IPA range inside the VM's RAM to a hypervisor pointer, or NULL. */
void *vm_ram_ptr(struct vm *vm, uint64_t ipa, uint64_t len);
/* Like vm_ram_ptr for the VM's read-only flash (instruction fetches for emulation only:
 * nothing may write through it); core/vm_firmware.c. */
#if CONFIG_VM_FIRMWARE
const void *vm_flash_ptr(struct vm *vm, uint64_t ipa, uint64_t len);
#else
/* Left out of this build (CONFIG_VM_FIRMWARE=n): no VM has a flash. */
static inline const void *vm_flash_ptr(struct vm *vm, uint64_t ipa, uint64_t len) { return 0; }
#endif
struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);

#endif
