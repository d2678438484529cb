/* PCI configuration space, type 0 header (PCI Local Bus Specification 3.0, 6.1 "Configuration
 * Space Organization", 6.2.5 "Base Addresses"; PCI Express Base Specification 7.5 "PCI-Compatible
 * Configuration Registers") and ECAM addressing (PCIe Base 7.2.2). Only what elvisor uses. */
#ifndef DRIVERS_PCI_REGS_H
#define DRIVERS_PCI_REGS_H

#define PCI_VENDOR_ID      0x00 /* 16 bits; 0xffff: no function here */
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_CLASS_REVISION 0x08 /* class code [31:8], revision [7:0] */
#define PCI_HEADER_TYPE    0x0e /* layout [6:0], multi-function bit 7 */
#define PCI_BAR0           0x10 /* six 32-bit BARs, 0x10..0x27 */
#define PCI_SUBSYSTEM      0x2c
#define PCI_ROM_ADDRESS    0x30
#define PCI_CAP_PTR        0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d   /* 1..4 = INTA..INTD, 0 = none */
#define PCI_HEADER_END     0x40   /* capabilities start here */
#define PCI_CFG_SIZE       0x1000 /* PCIe: extended configuration space up to 4 KiB */

#define PCI_NR_BARS 6

#define PCI_COMMAND_IO           0x0001
#define PCI_COMMAND_MEMORY       0x0002
#define PCI_COMMAND_MASTER       0x0004 /* bus master: the function may issue DMA */
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT 0x0008 /* INTx asserted, whatever INTx disable says (PCI 2.3) */
#define PCI_STATUS_CAP_LIST  0x0010
#define PCI_STATUS_W1C_MASK  0xf900 /* error bits the driver clears by writing 1 */

#define PCI_HEADER_TYPE_MASK   0x7f
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_MULTI_FN    0x80

/* BAR low bits (6.2.5.1). */
#define PCI_BAR_IO            0x1
#define PCI_BAR_MEM_TYPE_MASK 0x6
#define PCI_BAR_MEM_TYPE_64   0x4
#define PCI_BAR_PREFETCH      0x8
#define PCI_BAR_MEM_FLAGS     0xf
#define PCI_BAR_IO_FLAGS      0x3

/* Capabilities: ID at +0, next pointer at +1. */
#define PCI_CAP_ID_PM     0x01
#define PCI_CAP_ID_MSI    0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_EXP    0x10
#define PCI_CAP_ID_MSIX   0x11

/* The MSI capability (PCI Local Bus 3.0 6.8.1): Message Control at +2, Message Address at +4;
 * with 64-bit addresses the upper half at +8 and Message Data at +0xc, else Message Data at +8;
 * with per-vector masking the Mask and Pending Bits follow the data. */
#define PCI_MSI_FLAGS         0x02
#define PCI_MSI_ADDRESS_LO    0x04
#define PCI_MSI_ADDRESS_HI    0x08
#define PCI_MSI_DATA_32       0x08
#define PCI_MSI_DATA_64       0x0c
#define PCI_MSI_FLAGS_ENABLE  0x0001      /* MSI Enable */
#define PCI_MSI_FLAGS_QMASK   0x000e      /* Multiple Message Capable */
#define PCI_MSI_FLAGS_QSIZE   0x0070      /* Multiple Message Enable */
#define PCI_MSI_FLAGS_64BIT   0x0080      /* 64 bit address capable */
#define PCI_MSI_FLAGS_MASKBIT 0x0100      /* per-vector masking capable */
#define PCI_MSI_ADDRESS_MASK  0xfffffffcu /* bits 1:0 of the address are zero (dword aligned) */
#define PCI_MSI_DATA_MASK     0xffffu     /* Message Data: 16 bits */
#define PCI_MSI_CAP_32        0x0c        /* bytes of a 32-bit capability without masking */
#define PCI_MSI_CAP_64        0x10        /* ... of a 64-bit one */
#define PCI_MSI_CAP_MAX       0x18        /* the largest: 64-bit with mask and pending bits */

/* The MSI-X capability (PCI Local Bus 3.0 6.8.2): Message Control at +2, Table Offset/BIR at
 * +4, PBA Offset/BIR at +8; the table in a BAR, 16 bytes an entry (address low, high, data,
 * vector control). */
#define PCI_MSIX_FLAGS           0x02
#define PCI_MSIX_TABLE           0x04
#define PCI_MSIX_PBA             0x08
#define PCI_MSIX_CAP_SIZE        0x0c
#define PCI_MSIX_FLAGS_QSIZE     0x07ff /* Table Size - 1 */
#define PCI_MSIX_FLAGS_MASKALL   0x4000 /* Function Mask */
#define PCI_MSIX_FLAGS_ENABLE    0x8000 /* MSI-X Enable */
#define PCI_MSIX_BIR_MASK        0x7u   /* which BAR */
#define PCI_MSIX_OFFSET_MASK     0xfffffff8u
#define PCI_MSIX_ENTRY_SIZE      16
#define PCI_MSIX_ENTRY_ADDR_LO   0x0
#define PCI_MSIX_ENTRY_ADDR_HI   0x4
#define PCI_MSIX_ENTRY_DATA      0x8
#define PCI_MSIX_ENTRY_CTRL      0xc
#define PCI_MSIX_ENTRY_CTRL_MASK 0x1u /* Mask Bit */

#define PCI_CLASS_MEMORY_RAM 0x0500 /* base class and subclass: a RAM memory controller */
#define PCI_CLASS_BRIDGE     0x06   /* base class of host, PCI-to-PCI and other bridges */

/* Bus/device/function: the 16-bit requester ID (PCIe Base 2.2.6.2). */
#define PCI_BDF(bus, dev, fn) ((uint16_t)(((bus) << 8) | ((dev) << 3) | (fn)))
#define PCI_BDF_BUS(bdf)      (((bdf) >> 8) & 0xff)
#define PCI_BDF_DEV(bdf)      (((bdf) >> 3) & 0x1f)
#define PCI_BDF_FN(bdf)       ((bdf)&0x7)
/* ECAM (PCIe Base 7.2.2): bus [27:20], device [19:15], function [14:12], register [11:0]. */
#define PCI_ECAM_OFFSET(bdf, reg) (((uint64_t)(bdf) << 12) | (reg))

/* The unit address of a function in a host bridge's interrupt-map (IEEE 1275 PCI binding):
 * phys.hi = bus [23:16], device [15:11], function [10:8]. */
#define PCI_DT_PHYS_HI(bdf) ((uint32_t)(bdf) << 8)
/* ranges phys.hi space code [25:24]. */
#define PCI_DT_SPACE_SHIFT 24
#define PCI_DT_SPACE_MASK  0x3
#define PCI_DT_SPACE_IO    1
#define PCI_DT_SPACE_MEM32 2
#define PCI_DT_SPACE_MEM64 3
#define PCI_DT_PREFETCH    0x40000000u

#endif
