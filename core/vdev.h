/* The seam between the core and the device models of what a VM sees (vdev/): the core parses,
 * builds, describes, quiesces and releases a VM's devices only through these descriptors and
 * names no model. vdev/device_table.c holds the one table of kinds (docs/architecture.md, "Adding a
 * device"). */
#ifndef CORE_VDEV_H
#define CORE_VDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vm_device;
struct fdt_writer;

/* Each device of a VM gets this much state, 16-byte aligned, zeroed when the VM is created and
 * kept across its resets (a disk's contents, a switch port); a kind checks its size with
 * VDEV_STATE_FITS. */
#define VDEV_STATE_BYTES      1024
#define VDEV_STATE_FITS(type) _Static_assert(sizeof(type) <= VDEV_STATE_BYTES, #type " fits a device slot")

/* Configuration properties a kind's node may carry besides reg and interrupts (docs/config.md);
 * core/config.c reads them into struct vm_device. */
#define VDEV_PROP_DISK      (1u << 0) /* "disk": a packed disk image, whole 512-byte sectors (d->file) */
#define VDEV_PROP_READ_ONLY (1u << 1) /* "read-only": the guest may not write it (d->read_only) */
#define VDEV_PROP_MAC       (1u << 2) /* "mac": 6 bytes, unicast; default 02:00:00:00:<vm>:<dev> */
#define VDEV_PROP_PORT_SEC  (1u << 3) /* "port-security": sends only from its mac (d->port_security) */
/* "pci-devices" (host functions "BB:DD.F", each given to one VM), "bar-window" (the IPA window
 * of their BARs) and "dma-unsafe" (allow them without an SMMU); docs/pci.md. */
#define VDEV_PROP_PCI (1u << 4)
/* "msi-spis": how many SPIs, from the one interrupts names, an MSI frame owns (d->msi_spis). */
#define VDEV_PROP_MSI_SPIS (1u << 5)
#define VDEV_MAX_MSI_SPIS  64
/* "shmem" (a region under /shared-memory that names this VM among its peers) and "bar-window"
 * (where the guest places the registers and the region); docs/shmem.md. */
#define VDEV_PROP_SHMEM (1u << 6)
/* "no-offloads": a network port offers its driver no checksum or segmentation offload. */
#define VDEV_PROP_NO_OFFLOADS (1u << 7)

/* Where a kind writes its node in the VM's device tree (core/vm_dtb.c). */
struct vdev_dt {
    struct fdt_writer *w;
    uint32_t intc_phandle;  /* the VM's interrupt controller, which writes it as its phandle */
    uint32_t clock_phandle; /* a fixed 24 MHz clock for devices that name one */
    /* The VM's MSI controller: its ITS (msi-map of a host bridge), or on GICv2 its first GICv2m
     * frame (msi-parent of a host bridge). */
    uint32_t msi_phandle;
    /* /chosen stdout-path: a console kind fills it if still empty. */
    char *stdout_path;
    size_t stdout_cap;
};

/* Operator console input for kinds that take it (core/console_input.c, on the boot CPU). Of a
 * VM's devices that take input, the first one that is ready with the highest rank gets it. */
struct vdev_console {
    unsigned rank;
    bool (*ready)(void *state);
    unsigned (*room)(void *state); /* characters it can still take */
    void (*input)(void *state, char c);
};

/* The model of a kind. `state` is the device's VDEV_STATE_BYTES. */
struct vdev_ops {
    /* At VM creation and again at each VM reset, in configuration order: set up the device and
     * register its MMIO window (vm_add_mmio). Returns 0, or -1 after printing why. */
    int (*attach)(struct vm *vm, const struct vm_device *d, unsigned index, void *state);
    /* Its node in the VM's device tree; NULL: none. */
    void (*dt_node)(const struct vm_device *d, void *state, struct vdev_dt *dt);
    /* Before the VM's RAM is cleared for a reset: the device stops touching it. May be NULL. */
    void (*quiesce)(void *state);
    /* The VM was refused after attach: give back what attach took. May be NULL. */
    void (*release)(void *state);
    const struct vdev_console *console; /* NULL: takes no console input */
    /* Printed once after the VM list of the console (e.g. the virtual switch). May be NULL. */
    void (*list_status)(void);
};

/* A device kind: its configuration binding (pure data, also used by the host tests of the
 * configuration parser) and its model. */
struct vdev_kind {
    const char *compatible; /* of its node under a VM's devices { } */
    unsigned props;         /* VDEV_PROP_* */
    bool needs_irq;         /* interrupts = <SPI> is required */
    uint64_t min_size;      /* smallest reg window, 0 = any */
    bool control;           /* the control channel: only in the VM marked `control;` */
    const struct vdev_ops *ops;
};

/* The table of kinds (vdev/device_table.c). */
extern const struct vdev_kind vdev_kinds[];
extern const unsigned vdev_nr_kinds;

/* What the build configuration left out (docs/build.md) that a VM's configuration can name: a
 * device kind's compatible, or a property such as "virtual-el2", with the option (CONFIG_ and
 * this) that brings it back. vdev/left_out.c; the last row's `what` is NULL. */
struct vdev_left_out {
    const char *what;
    const char *option;
};
extern const struct vdev_left_out vdev_left_out[];

#endif
