/* The virtual GICv3 ITS (IHI 0069H chapter 5 and 12.19), one per VM that configures one
 * (docs/config.md, "arm,gic-v3-its"; docs/interrupts.md): its registers and the window
 * (vdev/vits.c) and its command queue and translation tables (vdev/vits_cmd.c). */
#ifndef VDEV_VITS_H
#define VDEV_VITS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vdev.h"
#include "lib/spinlock.h"

struct vm;

/* Sizes the guest sees and the hypervisor keeps: DeviceIDs below 2^VITS_DEVBITS, EventIDs
 * below 2^VITS_ID_BITS per device (as many as its MAPD Size asks), ICIDs below
 * VITS_NR_COLLECTIONS, and at most VITS_NR_ITES mapped events for all devices together (the
 * VM's budget: a MAPTI beyond it is an error), kept in a hash table of VITS_HASH_SLOTS. */
#define VITS_DEVBITS        8
#define VITS_NR_DEVICES     (1u << VITS_DEVBITS)
#define VITS_ID_BITS        16
#define VITS_NR_COLLECTIONS 64
#define VITS_NR_ITES        2048
#define VITS_HASH_SLOTS     4096
#define VITS_ITT_ENTRY      8 /* GITS_TYPER.ITT_entry_size: bytes of guest ITT per event */
#define VITS_BASER_ENTRY    8 /* Entry_Size of the device and collection tables */
#define VITS_NR_BASER       2 /* GITS_BASER0: devices, GITS_BASER1: collections */
/* Commands executed per trapped access of the ITS at most (CWRITER write, CREADR read, or
 * enabling it); a longer queue is worked through as the guest polls CREADR. */
#define VITS_CMDS_PER_EXIT 16
/* The DeviceID of a write to GITS_TRANSLATER by a vCPU (IMPLEMENTATION DEFINED, 5.2). */
#define VITS_CPU_DEVICE_ID 0

/* Why a command was ignored (its error, IHI 0069H 6.3; this ITS has no SEI, GITS_TYPER.SEIS
 * = 0, and goes on with the next command). */
enum vits_err {
    VITS_OK,
    VITS_E_UNKNOWN,         /* not a command this ITS implements */
    VITS_E_DEVICE_OOR,      /* DeviceID beyond the device table */
    VITS_E_SIZE_OOR,        /* MAPD Size beyond GITS_TYPER.ID_bits */
    VITS_E_ITT_OOR,         /* MAPD ITT outside the VM's RAM */
    VITS_E_NO_ITES,         /* the VM's budget of mapped events is used up */
    VITS_E_COLLECTION_OOR,  /* ICID beyond the collection table */
    VITS_E_RDBASE_OOR,      /* no such redistributor */
    VITS_E_UNMAPPED_DEVICE, /* DeviceID not mapped */
    VITS_E_ID_OOR,          /* EventID beyond the device's ITT */
    VITS_E_PHYSICALID_OOR,  /* pINTID not an LPI of this VM */
    VITS_E_UNMAPPED_EVENT,  /* EventID not mapped */
    VITS_E_UNMAPPED_COLL,   /* its collection is not mapped */
    VITS_E_LPIS_DISABLED,   /* INT to a redistributor with GICR_CTLR.EnableLPIs = 0 */
    VITS_E_NR
};

/* A mapped event: DeviceID, EventID, its LPI (0: the slot is free) and collection. */
struct vits_ite {
    uint32_t ev;
    uint16_t dev;
    uint16_t lpi;
    uint16_t icid;
};

/* The translation state, kept by the hypervisor (the guest's tables are checked, not used). */
struct vits_tables {
    uint8_t dev_bits[VITS_NR_DEVICES];    /* EventID bits (MAPD Size + 1), 0 = unmapped */
    uint8_t coll[VITS_NR_COLLECTIONS];    /* redistributor (vCPU index) + 1, 0 = unmapped */
    struct vits_ite ite[VITS_HASH_SLOTS]; /* open addressing, linear probing */
    unsigned nr_ites;
};

/* A VM's ITS: in its device slot (core/vdev.h), with the tables beside it. */
struct vits {
    spinlock_t lock;
    struct vm *vm;
    uint64_t ipa;
    struct vits_tables *t;
    bool enabled;                       /* GITS_CTLR.Enabled */
    bool stalled;                       /* GITS_CREADR.Stalled: the queue is not in RAM */
    bool ran;                           /* vits_process executed a command since last asked */
    uint64_t cbaser, cwriter, creadr;   /* CWRITER/CREADR: byte offsets into the queue */
    uint64_t baser[VITS_NR_BASER];      /* as the guest wrote them */
    unsigned dev_entries, coll_entries; /* usable entries of the tables the BASERs describe */
    uint64_t errors[VITS_E_NR];         /* commands ignored, by error */
};
VDEV_STATE_FITS(struct vits);

/* vdev/vits_cmd.c. The caller holds its->lock (which is taken before the vGIC's). */
void vits_reset(struct vits *its); /* registers and tables at reset */
/* A GITS_BASER<n> write (n < VITS_NR_BASER; GITS_CTLR.Enabled = 0). */
void vits_set_baser(struct vits *its, unsigned n, uint64_t val);
/* One command (four doublewords): VITS_OK, or why it was ignored. */
enum vits_err vits_cmd(struct vits *its, const uint64_t cmd[4]);
/* Up to VITS_CMDS_PER_EXIT commands from CREADR towards CWRITER. */
void vits_process(struct vits *its);
/* A write of GITS_TRANSLATER: EventID ev of DeviceID dev. vits_translate_to also says which
 * vCPU the LPI was made pending on (*to, VITS_NO_TARGET if none). */
enum vits_err vits_translate(struct vits *its, uint32_t dev, uint32_t ev);
enum vits_err vits_translate_to(struct vits *its, uint32_t dev, uint32_t ev, unsigned *to);
#define VITS_NO_TARGET (~0u)
/* What a write of (dev, ev) would raise, with no effect: its LPI and redistributor (vCPU). */
enum vits_err vits_lookup(struct vits *its, uint32_t dev, uint32_t ev, unsigned *rd, uint32_t *lpi);

extern const struct vdev_ops vits_ops;

/* For other models of the VM (vdev/vpci_msi.c): the index of its ITS among its configured
 * devices (the first arm,gic-v3-its), -1 if it has none; known from the configuration, before
 * any attach. */
int vits_index(const struct vm *vm);
/* A device's MSI: a write of EventID ev to the VM's GITS_TRANSLATER with DeviceID dev on the
 * bus. Takes the ITS's lock; VITS_OK or why nothing was raised (counted in its->errors); *to:
 * the vCPU the LPI went to (VITS_NO_TARGET if none). */
enum vits_err vits_msi(struct vm *vm, uint32_t dev, uint32_t ev, unsigned *to);
/* For GICv4 direct injection (vdev/vpci_msi.c): the LPI and vCPU a device's (dev, ev) would
 * raise now (the ITS enabled, the event and its collection mapped, LPIs enabled on the
 * vCPU's redistributor), without raising it. */
bool vits_msi_target(struct vm *vm, uint32_t dev, uint32_t ev, unsigned *vcpu, uint32_t *lpi);
/* fn(arg) is called (with no lock held) after the VM's ITS has executed commands, which may
 * have changed any translation; registered again by the same arg, it is replaced. At most
 * VITS_WATCHERS per VM; false if full. */
#define VITS_WATCHERS 8
bool vits_watch(struct vm *vm, void (*fn)(void *arg), void *arg);

#endif
