/* Exceptions injected into a guest at EL1, the way hardware would take them. The vCPU's EL1
 * system registers must be live on this CPU (they are while its exit is being handled). */
#ifndef ARCH_INJECT_H
#define ARCH_INJECT_H

#include <stdint.h>
#include "arch/aarch64/traps.h"

/* UNDEFINED instruction at the current PC (EC 0x00). */
void inject_undef(struct guest_regs *r);
/* Synchronous external abort on a data access to va (EC 0x24/0x25, DFSC 0x10). */
void inject_dabt(struct guest_regs *r, uint64_t va, int write);
/* Synchronous external abort on an instruction fetch from va (EC 0x20/0x21, IFSC 0x10). */
void inject_iabt(struct guest_regs *r, uint64_t va);

#endif
