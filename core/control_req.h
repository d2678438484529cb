/* The control channel's requests (docs/control.md), pure: one request line in, one reply out.
 * The caller supplies what the machine holds (struct control_ops) and applies the actions; this
 * file only parses and validates, so that every request a hostile control VM can send is
 * checked here, on the host, by unit tests and a fuzzer (tests/unit/test_control_req.c,
 * tests/fuzz/fuzz_control.c). */
#ifndef CORE_CONTROL_REQ_H
#define CORE_CONTROL_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_REQ_MAX   128  /* longest request line, '\n' excluded */
#define CONTROL_REPLY_MAX 4096 /* longest reply, the final empty line included */
#define CONTROL_MAX_VCPUS 8
#define CONTROL_NR_EXITS  10

/* A VM as the channel shows it. */
enum control_state { CTL_RUNNING, CTL_PAUSED, CTL_STOPPED, CTL_RESETTING };

enum control_action { CTL_START, CTL_STOP, CTL_RESET, CTL_PAUSE, CTL_RESUME };

struct control_vm_info {
    const char *name;
    enum control_state state;
    unsigned nr_vcpus;
    unsigned cpu[CONTROL_MAX_VCPUS]; /* physical CPU of each vCPU */
    uint64_t mem_bytes;
    uint64_t uptime_ms;               /* since it last started; 0 when stopped */
    uint64_t exits[CONTROL_NR_EXITS]; /* summed over its vCPUs, by class */
    uint64_t irqs;                    /* interrupts injected */
    uint64_t virtio_notifies, virtio_irqs;
};

struct control_ops {
    unsigned nr_vms;
    /* Fills *out for VM i (< nr_vms). */
    void (*info)(void *ctx, unsigned i, struct control_vm_info *out);
    /* Applies a validated action to VM i; returns 0 or a negative number (then the reply is
     * an error naming the VM). */
    int (*act)(void *ctx, unsigned i, enum control_action a);
    /* Copies the hypervisor's recent log, oldest first, into buf; returns the bytes written. */
    size_t (*log)(void *ctx, char *buf, size_t size);
};

/* Names of the exit classes, in the order of control_vm_info.exits. */
extern const char *const control_exit_names[CONTROL_NR_EXITS];

/* Handles one request of len bytes (no '\n') from VM self; writes the reply, "ok" or
 * "error: ..." then data lines then an empty line, into out (size >= CONTROL_REPLY_MAX).
 * Returns the reply's length. */
size_t control_handle(const struct control_ops *ops, void *ctx, unsigned self, const char *req, size_t len, char *out,
                      size_t size);

#endif
