/* "elvisor,ivshmem-pci": memory shared between VMs with a doorbell (docs/shmem.md). Each VM that
 * shares a region gets its own virtual PCIe host bridge (an ECAM window, bus 0) with one
 * ivshmem-style function: BAR0 its registers (vdev/ivshmem_regs.h), BAR2 the region, INTA a
 * level-sensitive SPI with the PCI 2.3 INTx disable and interrupt status that Linux's
 * uio_pci_generic needs. vdev/ivshmem.c is the function's configuration space and BARs,
 * vdev/ivshmem_doorbell.c its registers and interrupts between peers. */
#ifndef VDEV_IVSHMEM_H
#define VDEV_IVSHMEM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vdev.h"
#include "lib/spinlock.h"

struct shmem_region;
struct vcpu;

struct ivshmem {
    struct vm *vm;
    const struct vm_device *d;
    struct shmem_region *region;
    spinlock_t lock; /* everything below but state; never held while another device's is taken */
    uint16_t cmd;    /* the guest's command register: memory decoding, INTx disable */
    uint8_t int_line;
    bool line;     /* the level the vGIC has */
    bool quiesced; /* the VM is being reset or stopped: its line is left alone */
    bool shm_mapped;
    uint32_t bar0, bar2;     /* the guest's BAR addresses (32-bit, size-aligned) */
    uint64_t shm_ipa;        /* where the region is mapped while shm_mapped */
    uint32_t int_status;     /* IVSHMEM_INT_* */
    volatile uint32_t state; /* IVSHMEM_STATE; read by the peers without the lock */
};
VDEV_STATE_FITS(struct ivshmem);

extern const struct vdev_ops ivshmem_ops;

/* vdev/ivshmem_doorbell.c. With s->lock held: the level of INTA follows the interrupt status
 * and INTx disable. */
void ivshmem_update_line(struct ivshmem *s);
/* Without any device lock held: raises bits in every other peer's interrupt status. */
void ivshmem_notify_peers(struct ivshmem *s, uint32_t bits);
/* Sets this peer's state; the others are told when it changes. No lock held. */
void ivshmem_set_state(struct ivshmem *s, uint32_t state);
/* BAR0 accesses, off into the 4 KiB of registers. */
int ivshmem_reg_read(struct ivshmem *s, uint64_t off, unsigned size, uint64_t *val);
int ivshmem_reg_write(struct ivshmem *s, uint64_t off, unsigned size, uint64_t val);

#endif
