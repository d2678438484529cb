/* The virtual CPU hardware: the parts of a vCPU beyond its registers that the hypervisor keeps
 * for it (the vGIC's CPU interface, the virtual timer, the EL1 physical timer, the PMU; later
 * debug). Each part is a struct vcpu_hw_ops in vdev/; the list of parts is the table
 * vcpu_hw_parts (vdev/vcpu_hw_table.c), which core runs through without naming any part: at
 * boot and per CPU (core/irq.c), when a VM is built (vcpu_hw_attach fills vm->hw[], indexed
 * like the table, with each part's ops and per-VM state), around running a vCPU and on every
 * exit and entry (core/vcpu.c), and when a vCPU waits (vcpu_has_work). Every VM gets every
 * part. docs/architecture.md "Adding virtual CPU hardware". */
#ifndef CORE_VCPU_HW_H
#define CORE_VCPU_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct vdev_dt;

#define VCPU_HW_MAX    12 /* parts at most (slots in struct vm) */
#define VCPU_HW_MASKED 8  /* the first parts, which may have flush or sync: a byte each below */

/* Per vCPU, which parts want their sync (after an exit) or flush (before an entry): one byte
 * per part, at the part's index in the table, written by that part only. Bytes rather than
 * bits: a part sets or clears its own with a plain store from any CPU, with no
 * read-modify-write against the others; core tests all of them with one load (`any`). */
union vcpu_hw_mask {
    uint8_t part[VCPU_HW_MASKED];
    uint64_t any;
};

struct vcpu_hw_ops {
    /* Per-VM state core allocates for the part (zeroed at the VM's first build and kept, not
     * cleared, across its resets: a part may have timers armed in it); 0: none. The part
     * finds it at vm->hw[its index].state. */
    size_t vm_state_size;
    /* Boot CPU, once, before the secondaries start: e.g. irq_set_handler for its physical
     * interrupts. */
    void (*init)(void);
    /* Every physical CPU, as its interrupt controller comes up: e.g. enable its PPIs. */
    void (*cpu_init)(unsigned cpu);
    /* At VM creation and at each VM reset, vCPUs not loaded: 0, or negative to refuse the VM
     * (having said why). */
    int (*attach)(struct vm *vm);
    /* The VM was refused after attach: give back what attach took (e.g. claimed interrupts).
     * May be NULL. Core frees the per-VM state afterwards. */
    void (*release)(struct vm *vm);
    /* Around running v on this CPU (vcpu_load, vcpu_put): load runs the parts last to first,
     * put first to last (the vGIC empties its list registers before the timer looks at its
     * physical interrupt). put is required; load may be NULL (a part with nothing to restore
     * costs a vCPU switch no call). */
    void (*load)(struct vcpu *v);
    void (*put)(struct vcpu *v);
    /* Before entering the guest, when the part's byte in v->hw_flush is set; after each exit,
     * when its byte in v->hw_sync is set (first to last: the timer sees what the vGIC's sync
     * found). Required of a part that sets the byte; it clears it when it has nothing more to
     * do. Only the first VCPU_HW_MASKED parts have a byte: a later part has neither. */
    void (*flush)(struct vcpu *v);
    void (*sync)(struct vcpu *v);
    /* Its nodes in the VM's device tree (the interrupt controller with dt->intc_phandle as its
     * phandle, a timer). May be NULL. */
    void (*dt_node)(const struct vm *vm, struct vdev_dt *dt);
    /* An interrupt or event is due that should end v's WFI. v->loaded tells whether v's state
     * is live on this CPU (the caller's) or saved. */
    bool (*has_work)(struct vcpu *v);
    /* v was started by PSCI CPU_ON, on its own CPU, not loaded: put its part of the vCPU in
     * its boot state (virtual EL2 starts it there again). May be NULL. */
    void (*vcpu_start)(struct vcpu *v);
};

/* A VM's part: its ops and per-VM state. */
struct vcpu_hw {
    const struct vcpu_hw_ops *ops;
    void *state;
};

/* The parts, defined by vdev/vcpu_hw_table.c. */
extern const struct vcpu_hw_ops *const vcpu_hw_parts[];
extern const unsigned vcpu_hw_nr;

/* core/vcpu_hw.c: */
void vcpu_hw_init(void);                                  /* boot CPU, once: every part's init */
void vcpu_hw_cpu_init(unsigned cpu);                      /* every CPU: every part's cpu_init */
int vcpu_hw_attach(struct vm *vm);                        /* VM build and reset: fills vm->hw[], runs attach */
void vcpu_hw_release(struct vm *vm);                      /* a refused VM: every part's release, its state freed */
void vcpu_hw_dt(const struct vm *vm, struct vdev_dt *dt); /* every part's device-tree nodes */
/* Whether v has an interrupt or event due that should end its WFI, loaded on this CPU or
 * not: the one answer for the WFI trap, the wait in WFI and the scheduler. */
bool vcpu_has_work(struct vcpu *v);
/* Every part's vcpu_start for v (PSCI CPU_ON, core/vcpu_power.c). */
void vcpu_hw_start(struct vcpu *v);
/* vcpu_hw_switched(v, part, on) (core/vm.h): whether part's load and put run at v's switches. */

#endif
