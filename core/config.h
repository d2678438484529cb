/* VM descriptions: parsed from the configuration DTB (configs/ DTS files compiled by dtc) and
 * validated before any VM is built. Bindings: docs/config.md. Pure logic, unit-tested. */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define VM_NAME_LEN     32
#define VM_MAX_VCPUS    8
#define VM_MAX_PASSTHRU 8
#define VM_MAX_IRQS     16
#define VM_MAX_DEVICES  8
#define VM_PATH_LEN     112
#define VM_BOOTARGS_LEN 256
#define CONFIG_MAX_VMS  8
#define VM_MAX_PCI_FNS  4 /* host PCI functions one virtual host bridge shows */
#define SHMEM_MAX_PEERS 8 /* VMs that share one region (docs/shmem.md) */
/* A shared region is a power of two from 4 KiB to this (it is a PCI BAR: docs/shmem.md). */
#define SHMEM_MAX_SIZE (256ULL << 20)

struct vdev_kind;

/* Disk images (VDEV_PROP_DISK) are copied into hypervisor RAM (docs/virtio.md): at most this
 * many bytes each. */
#define VM_MAX_DISK (256ULL << 20)

/* The largest flash region a VM's firmware may have. */
#define VM_MAX_FLASH (256ULL << 20)

struct vm_region {
    uint64_t ipa;
    uint64_t pa;
    uint64_t size;
};

/* One node under passthrough: its regions and SPIs, so that the VM's device tree can describe it. */
struct vm_passthru_dev {
    char name[VM_NAME_LEN];
    uint8_t first_region, nr_regions;
    uint8_t first_irq, nr_irqs;
};

/* One device under a VM's devices { }: its kind (core/vdev.h) and the properties its binding
 * reads. */
struct vm_device {
    const struct vdev_kind *kind;
    uint64_t ipa;
    uint64_t size;
    uint32_t intid; /* the SPI the device raises, 0 = none */
    /* VDEV_PROP_DISK, VDEV_PROP_READ_ONLY: a disk image (a packed file), whether the guest may
     * write it. */
    char disk[VM_PATH_LEN];
    bool read_only;
    /* VDEV_PROP_MAC: a network port's MAC address; with port_security it sends from no other. */
    uint8_t mac[6];
    bool port_security;
    bool no_offloads; /* VDEV_PROP_NO_OFFLOADS */
    /* VDEV_PROP_PCI: host PCI functions (bus << 8 | device << 3 | function) given to the VM,
     * the IPA window where the guest places their BARs, and whether the VM is trusted to do
     * DMA without an SMMU (docs/pci.md). */
    /* VDEV_PROP_MSI_SPIS: the SPIs intid .. intid + msi_spis - 1 are the device's. */
    uint16_t msi_spis;
    uint16_t pci_bdf[VM_MAX_PCI_FNS];
    uint8_t nr_pci;
    bool dma_unsafe;
    uint64_t win_ipa, win_size;
    /* VDEV_PROP_SHMEM: the shared region /shared-memory/<shmem> this device shows (with
     * bar-window and read_only), its size, this VM's peer number (its place in the region's
     * `peers`) and how many peers it has (docs/shmem.md). */
    char shmem[VM_NAME_LEN];
    uint64_t shmem_size;
    uint8_t shmem_peer, shmem_peers;
};

/* CPU features a VM's configuration can turn off (`cpu-features = "no-debug", ...`, docs/config.md).
 * A feature turned off is hidden from the ID registers the guest reads (vdev/id_regs.c) and its
 * registers keep trapping. */
enum cpu_feature {
    CPU_FEAT_DEBUG, /* self-hosted debug: breakpoints, watchpoints, software step */
    CPU_FEAT_PMU,   /* the performance monitors */
    CPU_FEAT_SVE,
    CPU_FEAT_SME,
    CPU_FEAT_PAUTH, /* pointer authentication */
    CPU_FEAT_MTE,   /* memory tagging */
    CPU_FEAT_NR
};

/* The bit of feature f in vm_config.cpu_features_off. */
#define CPU_FEAT_BIT(f) (UINT32_C(1) << (f))

struct vm_config {
    char name[VM_NAME_LEN];
    uint64_t ram_ipa;
    uint64_t ram_size;
    unsigned nr_vcpus;
    unsigned affinity[VM_MAX_VCPUS]; /* physical CPU of each vCPU */
    char kernel[VM_PATH_LEN];        /* "" when the VM boots firmware */
    char initrd[VM_PATH_LEN];        /* "" = none */
    char firmware[VM_PATH_LEN];      /* `firmware`: a boot loader run from flash; "" = none */
    /* `flash`: the read-only region the firmware runs from (docs/booting.md, "VM firmware"). */
    uint64_t flash_ipa, flash_size;
    char bootargs[VM_BOOTARGS_LEN];
    struct vm_region passthru[VM_MAX_PASSTHRU];
    unsigned nr_passthru;
    uint32_t passthru_irq[VM_MAX_IRQS];
    unsigned nr_passthru_irqs;
    struct vm_passthru_dev pt_dev[VM_MAX_PASSTHRU];
    unsigned nr_pt_devs;
    struct vm_device dev[VM_MAX_DEVICES];
    unsigned nr_devs;
    uint32_t cpu_features_off; /* CPU_FEAT_BIT()s of the features turned off */
    unsigned sve_max_vl;       /* sve-max-vl: the longest SVE vector, in bits; 0: the CPUs' */
    bool virtual_el2;          /* `virtual-el2;`: vCPUs start at virtual EL2 (docs/nested.md) */
    bool control;              /* `control;`: the control VM (docs/control.md) */
    bool autostart;            /* autostart = <0>: false, built stopped until the control VM starts it */
};

/* Whether feature f is turned off for the VM. */
static inline bool vm_cpu_feature_off(const struct vm_config *c, enum cpu_feature f)
{
    return (c->cpu_features_off & CPU_FEAT_BIT(f)) != 0;
}

/* What the machine offers, for validation. */
struct config_limits {
    unsigned nr_cpus;
    unsigned ipa_bits;
    /* Size of a packed file, or -1 if the pack lacks it. */
    int (*file_size)(const char *path, uint64_t *size);
    /* Where a kernel image asks to be loaded in RAM (a Linux Image's text_offset); NULL: 0. */
    uint64_t (*load_offset)(const char *path);
    /* IPA windows the hypervisor itself places in every VM (virtual GIC): no overlap allowed. */
    const struct vm_region *reserved;
    unsigned nr_reserved;
};

/* Called once per refused VM (or a whole-config error when vm is NULL) with one line. */
typedef void (*config_report_fn)(const char *vm, const char *reason);

/* Time slice for vCPUs that share a physical CPU: /vms "time-slice-us", 100 us to 1 s,
 * default CONFIG_TIME_SLICE_US. A bad value is reported and the default used. */
#define CONFIG_TIME_SLICE_US 10000
uint32_t config_time_slice_us(const void *blob, size_t size, config_report_fn report);

/* Parses up to CONFIG_MAX_VMS VMs. Returns how many were accepted into out[], or a negative
 * number if the blob itself is unusable. Refused VMs are reported and skipped. */
int config_parse(const void *blob, size_t size, const struct config_limits *lim, struct vm_config *out,
                 config_report_fn report);

#endif
