/* MMIO emulation of a data abort without a syndrome (ESR_EL2.ISV = 0: pairs, writeback, SIMD&FP
 * registers; Arm ARM D24.2 ESR_EL2, ISS encoding for a Data Abort): the instruction fetched
 * through the guest's stage 1 and emulated by the A64 load/store decoder (arch/aarch64/a64_ldst.c).
 * core/mmio.c is its one caller. Option CONFIG_MMIO_DECODE (docs/build.md). */
#ifndef CORE_MMIO_DECODE_H
#define CORE_MMIO_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/mmio.h"
#include "arch/aarch64/inject.h"

/* One line in the VM's log for an access refused with an external abort (size 0: not known). */
void mmio_report_abort(struct vcpu *v, uint64_t ipa, int write, unsigned size, const char *why);

#if CONFIG_MMIO_DECODE
/* The access at ipa (far: its VA) without a syndrome, emulated from the instruction at the
 * guest's PC (x: the faulting context's stage in front of the VM's, or NULL), or refused with
 * an external abort and one line. */
void mmio_emulate_insn(struct vcpu *v, uint64_t ipa, uint64_t far, bool write, const struct mmio_xlate *x);
#else
/* Left out of this build: the guest gets the external abort it would get for an instruction
 * the decoder does not emulate, and the line says why. Linux's device accessors are single
 * loads and stores with a syndrome; a guest needing more needs CONFIG_MMIO_DECODE=y. */
static inline void mmio_emulate_insn(struct vcpu *v, uint64_t ipa, uint64_t far, bool write, const struct mmio_xlate *x)
{
    (void)x;
    mmio_report_abort(v, ipa, write, 0, "without a syndrome (CONFIG_MMIO_DECODE=n, docs/build.md)");
    inject_dabt(&v->regs, far, write);
}
#endif

#endif
