/* The registers of elvisor's ivshmem-style PCI function (docs/shmem.md), in BAR0: 32-bit
 * accesses only. Shared by the model (vdev/ivshmem.c) and the programs that drive it (the test
 * guest tests/guests/shmem.c, tools/shmem_ping.c): only definitions here. */
#ifndef VDEV_IVSHMEM_REGS_H
#define VDEV_IVSHMEM_REGS_H

#define IVSHMEM_VENDOR_ID 0x1af4 /* as QEMU's ivshmem: a function Linux binds no driver to */
#define IVSHMEM_DEVICE_ID 0x1110
#define IVSHMEM_SUBSYS_ID 0x1100
#define IVSHMEM_REGS_BAR  0 /* 4 KiB of registers */
#define IVSHMEM_SHMEM_BAR 2 /* the shared region */
#define IVSHMEM_REGS_SIZE 0x1000

#define IVSHMEM_ID         0x00 /* RO: this VM's peer number */
#define IVSHMEM_PEERS      0x04 /* RO: how many peers share the region */
#define IVSHMEM_FLAGS      0x08 /* RO: IVSHMEM_FLAG_* */
#define IVSHMEM_STATE      0x0c /* RW: this peer's state, 0 after its VM is built or reset */
#define IVSHMEM_DOORBELL   0x10 /* WO: [15:0] the peer to interrupt; other values ignored */
#define IVSHMEM_INT_STATUS 0x14 /* R, write 1 to clear: IVSHMEM_INT_* */
#define IVSHMEM_PEER_STATE 0x20 /* RO: + 4 * i, peer i's state (0 if absent), i < PEERS */

#define IVSHMEM_FLAG_READ_ONLY 0x1 /* this VM may only read the region */

#define IVSHMEM_INT_DOORBELL   0x1 /* a peer rang this one */
#define IVSHMEM_INT_PEER_STATE 0x2 /* another peer's state changed (it wrote it, or reset) */

#define IVSHMEM_DOORBELL_PEER_MASK 0xffff

#endif
