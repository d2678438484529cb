/* MAIR_ELx memory attribute encodings (Arm ARM DDI 0487K.a, D24.2 MAIR_EL2): Attr<n> is bits
 * [8n+7:8n] and is what a stage 1 descriptor's AttrIndx = n selects. */
#ifndef ARCH_REGS_MAIR_H
#define ARCH_REGS_MAIR_H

#include "arch/aarch64/regs/bits.h"

#define MAIR_ATTR_DEVICE_nGnRnE 0x00 /* Device, no gathering, reordering or early ack */
#define MAIR_ATTR_DEVICE_nGnRE  0x04 /* Device, early write acknowledgement */
#define MAIR_ATTR_NORMAL_NC     0x44 /* Normal, Inner and Outer Non-cacheable */
#define MAIR_ATTR_NORMAL_WB     0xff /* Normal, Inner and Outer Write-Back non-transient RW-allocate */

/* Attribute `attr` in slot `idx` (0..7). */
#define MAIR_ATTR(idx, attr) REG_FIELD(attr, 8 * (idx))

#endif
