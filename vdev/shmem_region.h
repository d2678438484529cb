/* Memory regions shared between VMs (docs/shmem.md): each one allocated, zeroed and cleaned to
 * the point of coherency when the first of its peers is built, and kept for the life of the
 * hypervisor (a reset of one peer never clears it: the others still map it). The peers' devices
 * (vdev/ivshmem.c) find each other through it. */
#ifndef VDEV_SHMEM_REGION_H
#define VDEV_SHMEM_REGION_H

#include <stdint.h>
#include "core/config.h"

#define SHMEM_MAX_REGIONS 4

struct shmem_region {
    char name[VM_NAME_LEN];
    uint64_t pa, size;
    unsigned nr_peers;
    void *peer[SHMEM_MAX_PEERS]; /* each peer's device state, NULL until it is built */
};

/* The region called name, created on first use; NULL (after one line naming vm) when the
 * table is full or memory is short. Boot CPU, while the VMs are built. */
struct shmem_region *shmem_region_get(const char *vm, const char *name, uint64_t size, unsigned nr_peers);
/* A peer's device joins (each build and reset of its VM) or leaves (its VM refused). */
void shmem_region_join(struct shmem_region *r, unsigned peer, void *dev);
void shmem_region_leave(struct shmem_region *r, unsigned peer, void *dev);
/* Peer i's device, or NULL (not a peer, or its VM was not built). Any CPU. */
void *shmem_region_peer(struct shmem_region *r, unsigned i);

#endif
