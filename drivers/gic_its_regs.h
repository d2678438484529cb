/* LPI and ITS register fields (IHI 0069H chapter 5 "Locality-specific Peripheral Interrupts
 * and the ITS", 12.9.38 GICD_TYPER, 12.11 GICR LPI registers, 12.19 GITS registers, 5.3 ITS
 * commands), for the virtual ITS (vdev/vits.c) and the vGIC's LPIs (vdev/vgic_lpi.c). */
#ifndef DRIVERS_GIC_ITS_REGS_H
#define DRIVERS_GIC_ITS_REGS_H

#include "arch/aarch64/regs/bits.h"

/* GICD_TYPER (12.9.38): num_LPIs [15:11] (2^(n+1) LPIs when nonzero), LPIS [17], IDbits
 * [23:19] (INTID bits - 1). */
#define GICD_TYPER_NUM_LPIS_SHIFT 11
#define GICD_TYPER_LPIS           REG_BIT(17)
#define GICD_TYPER_IDBITS_SHIFT   19

/* Redistributor RD_base registers for LPIs. */
#define GICR_CTLR      0x0000
#define GICR_TYPER     0x0008
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
/* GICR_CTLR (12.11.2): EnableLPIs [0]. */
#define GICR_CTLR_ENABLE_LPIS REG_BIT(0)
/* GICR_TYPER (12.11.33): PLPIS [0], physical LPIs supported; VLPIS [1], virtual LPIs (GICv4:
 * the redistributor has a third 64 KiB frame, VLPI_base); RVPEID [7], GICv4.1's vPE
 * residency by ID (0 on a GICv4.0). */
#define GICR_TYPER_PLPIS  REG_BIT(0)
#define GICR_TYPER_VLPIS  REG_BIT(1)
#define GICR_TYPER_RVPEID REG_BIT(7)
/* GICR_TYPER.Processor_Number [23:8]: the RDbase of MAPC when GITS_TYPER.PTA = 0. */
#define GICR_TYPER_PROCNUM_SHIFT 8
#define GICR_TYPER_PROCNUM_MASK  REG_MASK(16, GICR_TYPER_PROCNUM_SHIFT)
/* GICR_PROPBASER (12.11.28): IDbits [4:0], InnerCache [9:7], Shareability [11:10],
 * Physical_Address [51:12], OuterCache [58:56]. */
#define GICR_PROPBASER_IDBITS_SHIFT 0
#define GICR_PROPBASER_IDBITS_MASK  REG_MASK(5, GICR_PROPBASER_IDBITS_SHIFT)
#define GICR_PROPBASER_PA_SHIFT     12
#define GICR_PROPBASER_PA_MASK      REG_MASK(40, GICR_PROPBASER_PA_SHIFT)
#define GICR_BASER_ATTR_MASK        (REG_MASK(3, 7) | REG_MASK(2, 10) | REG_MASK(3, 56))
/* The attributes the host's tables use: InnerCache [9:7] = 7 (write-back, read- and
 * write-allocate), Shareability [11:10] = 1 (inner shareable). */
#define GICR_BASER_INNER_WB REG_FIELD(7, 7)
#define GICR_BASER_INNER_SH REG_FIELD(1, 10)
#define GICR_BASER_SH_MASK  REG_MASK(2, 10)
/* GICR_PENDBASER (12.11.29): Physical_Address [51:16], PTZ [62]; the same attributes. */
#define GICR_PENDBASER_PA_SHIFT 16
#define GICR_PENDBASER_PA_MASK  REG_MASK(36, GICR_PENDBASER_PA_SHIFT)
#define GICR_PENDBASER_PTZ      REG_BIT(62)

/* GICv4.0 VLPI_base frame, 128 KiB above RD_base (12.12): GICR_VPROPBASER (12.12.2, the
 * virtual LPI configuration table: the fields of GICR_PROPBASER) and GICR_VPENDBASER (12.12.1:
 * Physical_Address [51:16] of the vPE's virtual pending table, the attributes of
 * GICR_PENDBASER, Dirty [60], PendingLast [61], IDAI [62], Valid [63]: the vPE is resident). */
#define GICR_VLPI_FRAME              0x20000
#define GICR_VPROPBASER              0x0070
#define GICR_VPENDBASER              0x0078
#define GICR_VPENDBASER_DIRTY        REG_BIT(60)
#define GICR_VPENDBASER_PENDING_LAST REG_BIT(61)
#define GICR_VPENDBASER_IDAI         REG_BIT(62)
#define GICR_VPENDBASER_VALID        REG_BIT(63)

/* An LPI configuration table entry (5.1.1): Priority [7:2], Enable [0]. */
#define LPI_CFG_ENABLE    REG_BIT(0)
#define LPI_CFG_PRIO_MASK 0xfcu

/* ITS control frame offsets (12.19) and the translation frame's GITS_TRANSLATER (12.19.18),
 * 64 KiB further. */
#define GITS_CTLR       0x0000
#define GITS_IIDR       0x0004
#define GITS_TYPER      0x0008
#define GITS_CBASER     0x0080
#define GITS_CWRITER    0x0088
#define GITS_CREADR     0x0090
#define GITS_BASER      0x0100 /* GITS_BASER<n> at 0x100 + 8n, n < 8 */
#define GITS_PIDR2      0xffe8
#define GITS_TRANSLATER 0x10040
#define GITS_FRAME_SIZE 0x20000 /* control and translation frames */

/* GITS_CTLR (12.19.4): Enabled [0], Quiescent [31]. */
#define GITS_CTLR_ENABLED   REG_BIT(0)
#define GITS_CTLR_QUIESCENT REG_BIT(31)
/* GITS_TYPER (12.19.15): Physical [0], ITT_entry_size [7:4], ID_bits [12:8], Devbits [17:13],
 * SEIS [18], PTA [19], HCC [31:24], CIDbits [35:32], CIL [36]; each "bits" field is N - 1. */
#define GITS_TYPER_PHYSICAL       REG_BIT(0)
#define GITS_TYPER_VIRTUAL        REG_BIT(1)  /* GICv4: VMAPP, VMAPTI, ... (5.3) */
#define GITS_TYPER_VMOVP          REG_BIT(37) /* VMOVP needs no ITSList sequence */
#define GITS_TYPER_ITT_SIZE_SHIFT 4
#define GITS_TYPER_IDBITS_SHIFT   8
#define GITS_TYPER_DEVBITS_SHIFT  13
#define GITS_TYPER_CIDBITS_SHIFT  32
#define GITS_TYPER_CIL            REG_BIT(36)
#define GITS_TYPER_PTA            REG_BIT(19)
#define GITS_TYPER_ITT_SIZE_MASK  REG_MASK(4, GITS_TYPER_ITT_SIZE_SHIFT)
#define GITS_TYPER_IDBITS_MASK    REG_MASK(5, GITS_TYPER_IDBITS_SHIFT)
#define GITS_TYPER_DEVBITS_MASK   REG_MASK(5, GITS_TYPER_DEVBITS_SHIFT)
#define GITS_TYPER_HCC_SHIFT      24
#define GITS_TYPER_HCC_MASK       REG_MASK(8, GITS_TYPER_HCC_SHIFT)
/* GITS_CBASER (12.19.3): Size [7:0] (4 KiB pages - 1), Shareability [11:10], Physical_Address
 * [51:12], OuterCache [55:53], InnerCache [61:59], Valid [63]. */
#define GITS_CBASER_SIZE_SHIFT 0
#define GITS_CBASER_SIZE_MASK  REG_MASK(8, GITS_CBASER_SIZE_SHIFT)
#define GITS_CBASER_PA_SHIFT   12
#define GITS_CBASER_PA_MASK    REG_MASK(40, GITS_CBASER_PA_SHIFT)
#define GITS_CBASER_VALID      REG_BIT(63)
#define GITS_CBASER_ATTR_MASK  (REG_MASK(2, 10) | REG_MASK(3, 53) | REG_MASK(3, 59))
/* GITS_CWRITER (12.19.5) / GITS_CREADR (12.19.2): Offset [19:5]; CWRITER.Retry [0],
 * CREADR.Stalled [0]. */
#define GITS_CQ_OFFSET_SHIFT 5
#define GITS_CQ_OFFSET_MASK  REG_MASK(15, GITS_CQ_OFFSET_SHIFT)
#define GITS_CWRITER_RETRY   REG_BIT(0)
#define GITS_CREADR_STALLED  REG_BIT(0)
/* GITS_BASER<n> (12.19.1): Size [7:0] (pages - 1), Page_Size [9:8] (0 = 4 KiB), Shareability
 * [11:10], Physical_Address [47:12], Entry_Size [52:48] (bytes - 1), OuterCache [55:53], Type
 * [58:56], InnerCache [61:59], Indirect [62], Valid [63]. */
#define GITS_BASER_SIZE_SHIFT       0
#define GITS_BASER_SIZE_MASK        REG_MASK(8, GITS_BASER_SIZE_SHIFT)
#define GITS_BASER_PA_SHIFT         12
#define GITS_BASER_PA_MASK          REG_MASK(36, GITS_BASER_PA_SHIFT)
#define GITS_BASER_ENTRY_SIZE_SHIFT 48
#define GITS_BASER_TYPE_SHIFT       56
#define GITS_BASER_VALID            REG_BIT(63)
#define GITS_BASER_ATTR_MASK        (REG_MASK(2, 10) | REG_MASK(3, 53) | REG_MASK(3, 59))
#define GITS_BASER_PAGE_SIZE_SHIFT  8
#define GITS_BASER_PAGE_SIZE_MASK   REG_MASK(2, GITS_BASER_PAGE_SIZE_SHIFT)
#define GITS_BASER_ENTRY_SIZE_MASK  REG_MASK(5, GITS_BASER_ENTRY_SIZE_SHIFT)
#define GITS_BASER_TYPE_MASK        REG_MASK(3, GITS_BASER_TYPE_SHIFT)
#define GITS_BASER_INDIRECT         REG_BIT(62)
/* Inner shareable [11:10] = 1, InnerCache [61:59] = 7 (write-back, allocating): the host's
 * tables and command queue (GITS_CBASER has the same fields). */
#define GITS_BASER_INNER_SH        REG_FIELD(1, 10)
#define GITS_BASER_INNER_WB        REG_FIELD(7, 59)
#define GITS_BASER_TYPE_DEVICE     1
#define GITS_BASER_TYPE_VPE        2 /* GICv4: the vPE table */
#define GITS_BASER_TYPE_COLLECTION 4

/* ITS commands (5.3): 32 bytes, four doublewords. DW0: command [7:0], DeviceID [63:32]; DW1:
 * EventID [31:0], pINTID [63:32] (MAPTI), Size [4:0] (MAPD); DW2: ICID [15:0], RDbase
 * [51:16] (MAPC, SYNC, MOVALL's first), ITT_addr [51:8] (MAPD), Valid [63] (MAPC, MAPD); DW3:
 * MOVALL's second RDbase [51:16]. */
#define ITS_CMD_BYTES        32
#define ITS_CMD_MOVI         0x01
#define ITS_CMD_INT          0x03
#define ITS_CMD_CLEAR        0x04
#define ITS_CMD_SYNC         0x05
#define ITS_CMD_MAPD         0x08
#define ITS_CMD_MAPC         0x09
#define ITS_CMD_MAPTI        0x0a
#define ITS_CMD_MAPI         0x0b
#define ITS_CMD_INV          0x0c
#define ITS_CMD_INVALL       0x0d
#define ITS_CMD_MOVALL       0x0e
#define ITS_CMD_DISCARD      0x0f
#define ITS_CMD_ID_MASK      0xffu
#define ITS_CMD_DEVID_SHIFT  32
#define ITS_CMD_SIZE_MASK    0x1fu
#define ITS_CMD_PINTID_SHIFT 32
#define ITS_CMD_ICID_MASK    0xffffu
#define ITS_CMD_RDBASE_SHIFT 16
#define ITS_CMD_RDBASE_MASK  REG_MASK(36, ITS_CMD_RDBASE_SHIFT)
#define ITS_CMD_ITT_SHIFT    8
#define ITS_CMD_ITT_MASK     REG_MASK(44, ITS_CMD_ITT_SHIFT)
#define ITS_CMD_VALID        REG_BIT(63)
#define ITS_CMD_EVENT_MASK   0xffffffffu
/* GICv4.0 commands (5.3): VMOVI (DW0 DeviceID, DW1 EventID and vPEID [47:32], DW2 D [0] and
 * Doorbell pINTID [63:32]); VMOVP (DW1 vPEID, DW2 RDbase); VSYNC (DW1 vPEID); VMAPP (DW1
 * vPEID, DW2 V [63] and RDbase [51:16], DW3 VPT_addr [51:16] and VPT_size [4:0], ID bits - 1);
 * VMAPTI (DW0 DeviceID, DW1 EventID and vPEID, DW2 vINTID [31:0] and Doorbell pINTID [63:32];
 * 1023 as Doorbell: none); VINVALL (DW1 vPEID). */
#define ITS_CMD_VMOVI           0x21
#define ITS_CMD_VMOVP           0x22
#define ITS_CMD_VSYNC           0x25
#define ITS_CMD_VMAPP           0x29
#define ITS_CMD_VMAPTI          0x2a
#define ITS_CMD_VINVALL         0x2d
#define ITS_CMD_VPEID_SHIFT     32
#define ITS_CMD_VMAPTI_DB_SHIFT 32
#define ITS_CMD_VMOVI_DB_SHIFT  32
#define ITS_CMD_VMOVI_D         REG_BIT(0)
#define ITS_CMD_VPT_MASK        REG_MASK(36, 16)
#define ITS_CMD_NO_DOORBELL     1023u

#endif
