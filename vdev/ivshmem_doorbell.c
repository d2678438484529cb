/* The registers of an ivshmem function and the interrupts between the peers of a region
 * (vdev/ivshmem.h, docs/shmem.md). A peer number, a state and a doorbell are all a guest can
 * write: any value is checked against the region's peers, and a doorbell to a peer that is not
 * built or is being reset only sets nothing. Locks: a device's own lock, never two at once
 * (ringing a peer takes the peer's lock alone), then the vGIC's inside it. */
#include "vdev/ivshmem.h"
#include "vdev/ivshmem_regs.h"
#include "vdev/shmem_region.h"
#include "vdev/vgic.h"
#include "core/vm.h"
#include "drivers/pci_regs.h"

void ivshmem_update_line(struct ivshmem *s)
{
    bool want = s->int_status && !(s->cmd & PCI_COMMAND_INTX_DISABLE) && !s->quiesced;
    /* A VM being reset rebuilds its vGIC: it is not touched until the device is attached again. */
    enum vm_state st = s->vm->state;
    if (want == s->line || (st != VM_RUNNING && st != VM_PAUSED))
        return;
    s->line = want;
    vgic_set_level(s->vm, 0, s->d->intid, want);
}

static void raise(struct ivshmem *p, uint32_t bits)
{
    spin_lock(&p->lock);
    if (!p->quiesced) {
        p->int_status |= bits;
        ivshmem_update_line(p);
    }
    spin_unlock(&p->lock);
}

void ivshmem_notify_peers(struct ivshmem *s, uint32_t bits)
{
    for (unsigned i = 0; i < s->d->shmem_peers; i++) {
        struct ivshmem *p = shmem_region_peer(s->region, i);
        if (p && p != s)
            raise(p, bits);
    }
}

void ivshmem_set_state(struct ivshmem *s, uint32_t state)
{
    if (__atomic_exchange_n(&s->state, state, __ATOMIC_ACQ_REL) != state)
        ivshmem_notify_peers(s, IVSHMEM_INT_PEER_STATE);
}

/* Peer i's state: 0 while its VM is stopped or resetting. A VM that stops itself (PSCI
 * SYSTEM_OFF, or a fault) is not quiesced, so its STATE register keeps its last value; the
 * others see it as absent all the same (but get no interrupt for it: docs/shmem.md). */
static uint32_t peer_state(struct ivshmem *s, unsigned i)
{
    struct ivshmem *p = i < s->d->shmem_peers ? shmem_region_peer(s->region, i) : 0;
    if (!p)
        return 0;
    enum vm_state st = p->vm->state;
    return st == VM_STOPPED || st == VM_RESETTING ? 0 : __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
}

int ivshmem_reg_read(struct ivshmem *s, uint64_t off, unsigned size, uint64_t *val)
{
    if (size != 4 || (off & 3))
        return -1;
    switch (off) {
    case IVSHMEM_ID:
        *val = s->d->shmem_peer;
        break;
    case IVSHMEM_PEERS:
        *val = s->d->shmem_peers;
        break;
    case IVSHMEM_FLAGS:
        *val = s->d->read_only ? IVSHMEM_FLAG_READ_ONLY : 0;
        break;
    case IVSHMEM_STATE:
        *val = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        break;
    case IVSHMEM_INT_STATUS:
        spin_lock(&s->lock);
        *val = s->int_status;
        spin_unlock(&s->lock);
        break;
    default:
        if (off >= IVSHMEM_PEER_STATE && off < IVSHMEM_PEER_STATE + 4 * SHMEM_MAX_PEERS)
            *val = peer_state(s, (unsigned)(off - IVSHMEM_PEER_STATE) / 4);
        else
            *val = 0; /* reserved: reads as zero */
    }
    return 0;
}

int ivshmem_reg_write(struct ivshmem *s, uint64_t off, unsigned size, uint64_t val)
{
    if (size != 4 || (off & 3))
        return -1;
    switch (off) {
    case IVSHMEM_STATE:
        ivshmem_set_state(s, (uint32_t)val);
        break;
    case IVSHMEM_DOORBELL: {
        unsigned peer = (unsigned)val & IVSHMEM_DOORBELL_PEER_MASK;
        struct ivshmem *p = peer < s->d->shmem_peers ? shmem_region_peer(s->region, peer) : 0;
        if (p)
            raise(p, IVSHMEM_INT_DOORBELL);
        else
            vm_log(s->vm, "shared memory '%s': doorbell for peer %u ignored (%u peers, or not built)", s->d->shmem,
                   peer, s->d->shmem_peers);
        break;
    }
    case IVSHMEM_INT_STATUS: /* write 1 to clear */
        spin_lock(&s->lock);
        s->int_status &= ~(uint32_t)val;
        ivshmem_update_line(s);
        spin_unlock(&s->lock);
        break;
    default:
        break; /* read-only and reserved registers ignore writes */
    }
    return 0;
}
