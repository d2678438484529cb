/* The virtual Ethernet switch inside the hypervisor: virtio-net ports (vdev/virtio_net.c) of
 * all VMs joined by a MAC-learning switch. Frames are moved synchronously, on the physical
 * CPU of the vCPU that transmitted them, from a bounce buffer straight into the destination
 * port's receive buffers. Design: docs/virtio.md ("virtio-net and the switch").
 *
 * Locking: the MAC table has its own spinlock, a leaf lock: it is never held while anything
 * else is taken (in particular not while a port delivers a frame, which takes that port's
 * device lock), and callers of vswitch_forward hold no lock at all. Counters are updated
 * with atomic adds; the port table only grows and is published with release/acquire. */
#ifndef VDEV_VSWITCH_H
#define VDEV_VSWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vm.h"
#include "vdev/net_offload.h"

#define ETH_ALEN          6
#define ETH_HLEN          14   /* destination, source, EtherType */
#define VSWITCH_MAX_FRAME 1514 /* MTU 1500 plus the Ethernet header; no FCS */
#define VSWITCH_MAX_PORTS (CONFIG_MAX_VMS * VM_MAX_DEVICES)

/* What a port's deliver callback did with a frame. */
enum vswitch_delivery {
    VSWITCH_DELIVERED,
    VSWITCH_NO_ROOM,   /* the port is up but its driver left no buffer that fits: a drop */
    VSWITCH_NOT_READY, /* driver not ready, VM not running or resetting: not a receiver */
};

/* Puts a frame into the port's VM, with what its sender left to do (off: a checksum to finish
 * or TCP segmentation, checked by net_offload_check), which the port hands to its driver if it
 * took that offload and does itself otherwise. Called with no lock held; takes the port's own
 * lock. */
typedef enum vswitch_delivery (*vswitch_deliver_fn)(void *ctx, const uint8_t *frame, unsigned len,
                                                    const struct net_offload *off);

/* At every attach of a port (VM creation and each VM reset): registers the port identified by
 * ctx (static storage, the same pointer at every reset), or finds it again and forgets the
 * MAC addresses learned on it. `mac` is the port's own address: frames to it reach this port
 * only, other ports may not send from it, and with port_security this port sends from no
 * other. Returns the port number, VSWITCH_FULL, or VSWITCH_MAC_TAKEN if another attached port
 * has this address. */
#define VSWITCH_FULL      (-1)
#define VSWITCH_MAC_TAKEN (-2)
int vswitch_attach(struct vm *vm, const uint8_t mac[ETH_ALEN], bool port_security, vswitch_deliver_fn deliver,
                   void *ctx);

/* The port's VM was refused after the port attached: it leaves the switch (listing, learned
 * addresses); the slot is found again if the same device attaches later. */
void vswitch_detach(int port);

/* A frame that port `src`'s VM transmitted (ETH_HLEN to VSWITCH_MAX_FRAME bytes, or to
 * NET_GSO_MAX_FRAME for TCP segmentation, in hypervisor memory) with its checked offloads:
 * learns its source address and delivers it to the port that owns its
 * destination, or to every other port for broadcast, multicast and unknown destinations.
 * Never back to src. A frame from a source address src may not use is dropped (counted).
 * Call with no lock held. */
void vswitch_forward(int src, const uint8_t *frame, unsigned len, const struct net_offload *off);

/* A frame from port's VM that was not forwarded (bad length): counted as a transmit drop. */
void vswitch_tx_drop(int port);

/* One line per port: VM, MAC, counters (from the VM's side: rx = delivered to it). */
void vswitch_print(void);

#endif
