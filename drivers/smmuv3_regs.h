/* SMMUv3 registers, commands, stream table entries and event records (Arm IHI 0070 "Arm System
 * Memory Management Unit Architecture Specification, SMMU architecture version 3", chapter 6
 * "Memory map and registers", chapter 4 "Commands", 5.2 "Stream Table Entry", chapter 7
 * "Events and faults"). Only what drivers/smmuv3.c uses. */
#ifndef DRIVERS_SMMUV3_REGS_H
#define DRIVERS_SMMUV3_REGS_H

#include "arch/aarch64/regs/bits.h"

/* Register offsets (6.2, "Register overview"): page 0, and page 1 for the event queue indexes. */
#define SMMU_IDR0            0x00
#define SMMU_IDR1            0x04
#define SMMU_IDR5            0x14
#define SMMU_CR0             0x20
#define SMMU_CR0ACK          0x24
#define SMMU_CR1             0x28
#define SMMU_CR2             0x2c
#define SMMU_GBPA            0x44
#define SMMU_IRQ_CTRL        0x50
#define SMMU_IRQ_CTRLACK     0x54
#define SMMU_GERROR          0x60
#define SMMU_GERRORN         0x64
#define SMMU_STRTAB_BASE     0x80
#define SMMU_STRTAB_BASE_CFG 0x88
#define SMMU_CMDQ_BASE       0x90
#define SMMU_CMDQ_PROD       0x98
#define SMMU_CMDQ_CONS       0x9c
#define SMMU_EVENTQ_BASE     0xa0
#define SMMU_EVENTQ_PROD     0x100a8
#define SMMU_EVENTQ_CONS     0x100ac
#define SMMU_REG_SPAN        0x20000 /* two 64 KiB pages */

/* SMMU_IDR0 (6.3.1). */
#define SMMU_IDR0_S2P            REG_BIT(0) /* stage 2 translation */
#define SMMU_IDR0_TTF_SHIFT      2          /* translation table formats: bit 1 of the field = AArch64 */
#define SMMU_IDR0_TTF_MASK       REG_MASK(2, SMMU_IDR0_TTF_SHIFT)
#define SMMU_IDR0_TTF_AARCH64    2
#define SMMU_IDR0_COHACC         REG_BIT(4)
#define SMMU_IDR0_VMID16         REG_BIT(18)
#define SMMU_IDR0_ST_LEVEL_SHIFT 27 /* 0: linear stream table only, 1: 2-level supported */
#define SMMU_IDR0_ST_LEVEL_MASK  REG_MASK(2, SMMU_IDR0_ST_LEVEL_SHIFT)

/* SMMU_IDR1 (6.3.2): log2 of the largest queues and the StreamID width. */
#define SMMU_IDR1_SIDSIZE_SHIFT 0
#define SMMU_IDR1_SIDSIZE_MASK  REG_MASK(6, SMMU_IDR1_SIDSIZE_SHIFT)
#define SMMU_IDR1_EVENTQS_SHIFT 16
#define SMMU_IDR1_EVENTQS_MASK  REG_MASK(5, SMMU_IDR1_EVENTQS_SHIFT)
#define SMMU_IDR1_CMDQS_SHIFT   21
#define SMMU_IDR1_CMDQS_MASK    REG_MASK(5, SMMU_IDR1_CMDQS_SHIFT)

/* SMMU_IDR5 (6.3.6): output address size (the same encoding as ID_AA64MMFR0_EL1.PARange). */
#define SMMU_IDR5_OAS_SHIFT 0
#define SMMU_IDR5_OAS_MASK  REG_MASK(3, SMMU_IDR5_OAS_SHIFT)
#define SMMU_IDR5_GRAN4K    REG_BIT(4)

/* SMMU_CR0 / CR0ACK (6.3.9). */
#define SMMU_CR0_SMMUEN   REG_BIT(0)
#define SMMU_CR0_EVENTQEN REG_BIT(2)
#define SMMU_CR0_CMDQEN   REG_BIT(3)

/* SMMU_CR1 (6.3.11): cacheability and shareability of queue and table accesses. */
#define SMMU_CR1_QUEUE_IC_SHIFT 0
#define SMMU_CR1_QUEUE_OC_SHIFT 2
#define SMMU_CR1_QUEUE_SH_SHIFT 4
#define SMMU_CR1_TABLE_IC_SHIFT 6
#define SMMU_CR1_TABLE_OC_SHIFT 8
#define SMMU_CR1_TABLE_SH_SHIFT 10
#define SMMU_CR1_WBWA           1 /* IC/OC: Write-Back cacheable, read/write-allocate */
#define SMMU_CR1_ISH            3 /* SH: Inner Shareable */

/* SMMU_CR2 (6.3.12). */
#define SMMU_CR2_RECINVSID REG_BIT(1) /* record C_BAD_STREAMID for out-of-range streams */
#define SMMU_CR2_PTM       REG_BIT(2) /* private TLB maintenance: only commands invalidate */

/* SMMU_GBPA (6.3.14): what incoming transactions get while SMMUEN = 0. */
#define SMMU_GBPA_ABORT  REG_BIT(20)
#define SMMU_GBPA_UPDATE REG_BIT(31)

/* SMMU_IRQ_CTRL (6.3.21). */
#define SMMU_IRQ_CTRL_GERROR_IRQEN REG_BIT(0)
#define SMMU_IRQ_CTRL_EVENTQ_IRQEN REG_BIT(2)

/* SMMU_GERROR (6.3.23): a bit toggles when an error is raised, acknowledged by making
 * SMMU_GERRORN equal. */
#define SMMU_GERROR_CMDQ_ERR    REG_BIT(0)
#define SMMU_GERROR_EVENTQ_ABT  REG_BIT(2)
#define SMMU_GERROR_SFM_ERR     REG_BIT(8)
#define SMMU_GERROR_ACTIVE_MASK 0x1fd

/* SMMU_STRTAB_BASE (6.3.24) and _CFG (6.3.25). */
#define SMMU_STRTAB_BASE_RA            REG_BIT(62)
#define SMMU_STRTAB_BASE_ADDR_MASK     REG_MASK(46, 6) /* ADDR[51:6] */
#define SMMU_STRTAB_CFG_LOG2SIZE_SHIFT 0
#define SMMU_STRTAB_CFG_SPLIT_SHIFT    6
#define SMMU_STRTAB_CFG_FMT_SHIFT      16
#define SMMU_STRTAB_CFG_FMT_LINEAR     0
#define SMMU_STRTAB_CFG_FMT_2LVL       1

/* SMMU_CMDQ_BASE / SMMU_EVENTQ_BASE (6.3.26, 6.3.29): RA/WA, ADDR[51:5], LOG2SIZE[4:0]. */
#define SMMU_Q_BASE_ALLOC          REG_BIT(62)
#define SMMU_Q_BASE_ADDR_MASK      REG_MASK(47, 5)
#define SMMU_Q_BASE_LOG2SIZE_SHIFT 0
/* Queue PROD/CONS: an index of LOG2SIZE bits, the wrap bit above it; CMDQ_CONS.ERR [30:24]. */
#define SMMU_Q_OVFLG             REG_BIT(31) /* EVENTQ_PROD.OVFLG / EVENTQ_CONS.OVACKFLG */
#define SMMU_CMDQ_CONS_ERR_SHIFT 24
#define SMMU_CMDQ_CONS_ERR_MASK  REG_MASK(7, SMMU_CMDQ_CONS_ERR_SHIFT)

/* Commands (4.1-4.7): two 64-bit words, the opcode in bits [7:0] of the first. */
#define SMMU_CMD_DWORDS         2
#define SMMU_CMD_CFGI_STE       0x03 /* StreamID [63:32]; word 1: Leaf bit 0 */
#define SMMU_CMD_CFGI_ALL       0x04 /* word 1: Range [4:0] = 31 */
#define SMMU_CMD_TLBI_S12_VMALL 0x28 /* VMID [47:32] */
#define SMMU_CMD_TLBI_NSNH_ALL  0x30
#define SMMU_CMD_SYNC           0x46 /* CS [13:12] = 0: no signal, completion seen by CONS */
#define SMMU_CMD_SID_SHIFT      32
#define SMMU_CMD_VMID_SHIFT     32
#define SMMU_CMD_LEAF           REG_BIT(0)
#define SMMU_CMD_RANGE_ALL      31

/* Stream Table Entry (5.2): eight 64-bit words. */
#define SMMU_STE_DWORDS          8
#define SMMU_STE_V               REG_BIT(0)
#define SMMU_STE_CONFIG_SHIFT    1
#define SMMU_STE_CONFIG_ABORT    0  /* V = 1, Config = 0b000: every transaction aborted */
#define SMMU_STE_CONFIG_S2       6  /* 0b110: stage 1 bypass, stage 2 translate */
#define SMMU_STE1_SHCFG_SHIFT    44 /* word 1 */
#define SMMU_STE1_SHCFG_INCOMING 1
#define SMMU_STE2_S2VMID_SHIFT   0 /* word 2 */
#define SMMU_STE2_S2T0SZ_SHIFT   32
#define SMMU_STE2_S2SL0_SHIFT    38
#define SMMU_STE2_S2IR0_SHIFT    40
#define SMMU_STE2_S2OR0_SHIFT    42
#define SMMU_STE2_S2SH0_SHIFT    44
#define SMMU_STE2_S2TG_SHIFT     46 /* 0: 4 KiB granule */
#define SMMU_STE2_S2PS_SHIFT     48
#define SMMU_STE2_S2AA64         REG_BIT(51)
#define SMMU_STE2_S2R            REG_BIT(58)     /* record stage 2 faults as events */
#define SMMU_STE3_S2TTB_MASK     REG_MASK(48, 4) /* word 3: S2TTB[51:4] */

/* Level 1 stream table descriptor (5.1): L2Ptr [51:6], Span [4:0] (0 = invalid, else
 * log2(STEs) + 1 of its level 2 table). */
#define SMMU_L1STD_SPAN_SHIFT 0
#define SMMU_L1STD_L2PTR_MASK REG_MASK(46, 6)

/* Event records (7.2, 7.3): four 64-bit words; type [7:0] and StreamID [63:32] of word 0,
 * for translation faults InputAddr in word 2 and RnW (bit 35) in word 1. */
#define SMMU_EVT_DWORDS         4
#define SMMU_EVT_TYPE_MASK      0xff
#define SMMU_EVT_SID_SHIFT      32
#define SMMU_EVT1_RNW           REG_BIT(35)
#define SMMU_EVT_C_BAD_STREAMID 0x02
#define SMMU_EVT_C_BAD_STE      0x04
#define SMMU_EVT_F_TRANSLATION  0x10
#define SMMU_EVT_F_ADDR_SIZE    0x11
#define SMMU_EVT_F_ACCESS       0x12
#define SMMU_EVT_F_PERMISSION   0x13

#endif
