/* The layout of an exception vector table, at VBAR_EL1 or VBAR_EL2 (Arm ARM DDI 0487K.a,
 * D1.10.2 "Exception vectors"): four groups of four 0x80-byte entries. */
#ifndef ARCH_REGS_VBAR_H
#define ARCH_REGS_VBAR_H

#define VBAR_TABLE_ALIGN 0x800 /* VBAR_ELx[10:0] are RES0 */
#define VBAR_ENTRY_SIZE  0x80

/* Where the exception comes from. */
#define VBAR_CUR_SP0   0x000 /* current EL, SP_EL0 (PSTATE.M = ELxt) */
#define VBAR_CUR_SPX   0x200 /* current EL, SP_ELx (ELxh) */
#define VBAR_LOWER_A64 0x400 /* lower EL, AArch64 */
#define VBAR_LOWER_A32 0x600 /* lower EL, AArch32 */

/* Which kind it is, added to the above. */
#define VBAR_SYNC   0x000
#define VBAR_IRQ    0x080
#define VBAR_FIQ    0x100
#define VBAR_SERROR 0x180

#endif
