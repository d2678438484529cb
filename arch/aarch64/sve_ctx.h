/* The SVE register file (Z0-Z31, P0-P15, FFR) saved and restored at the vector length EL2 has
 * (ZCR_EL2.LEN), with CPTR_EL2.TZ clear; layout and size in regs/sve.h. Assembly: the
 * hypervisor is built without FP or SVE code. */
#ifndef ARCH_SVE_CTX_H
#define ARCH_SVE_CTX_H

void sve_ctx_save(void *buf);
void sve_ctx_restore(const void *buf);
/* The vector length EL2 has now, in bytes (RDVL #1). */
unsigned long sve_vl_bytes(void);

#endif
