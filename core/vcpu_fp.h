/* A vCPU's FP/SIMD registers (V0-V31, FPSR, FPCR), switched lazily (core/vcpu_fp.c). */
#ifndef CORE_VCPU_FP_H
#define CORE_VCPU_FP_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vm.h"
#include "core/exit.h"
#include "core/percpu.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/cptr.h"

/* A reset of v's VM since v last ran (v->fp_reset): its registers start at zero, and what
 * this CPU (pc) may still hold of the old VM's is nobody's. */
void vcpu_fp_reset(struct percpu *pc, struct vcpu *v);

/* At vcpu_load on this CPU (pc), before the parts load: CPTR_EL2.TFP set unless v's registers
 * are still live here (a VM reset since clears that). Inline: on every vCPU switch. */
static inline void vcpu_fp_load(struct percpu *pc, struct vcpu *v)
{
    if (__builtin_expect(__atomic_load_n(&v->fp_reset, __ATOMIC_ACQUIRE), 0))
        vcpu_fp_reset(pc, v);
    uint64_t c = sysreg_read(cptr_el2);
    uint64_t want = pc->fp_owner != v || v->fp_trap_guest ? c | CPTR_EL2_TFP : c & ~CPTR_EL2_TFP;
    if (want != c)
        sysreg_write(cptr_el2, want);
}

/* Makes the FP/SIMD registers of v (loaded on this CPU) live, saving the previous owner's, and
 * leaves CPTR_EL2.TFP clear: EL2 may execute FP/SIMD and SVE instructions on v's behalf (the SVE
 * part's Z registers, the MMIO emulation's SIMD loads and stores) until vcpu_fp_el2_done. */
void vcpu_fp_claim(struct vcpu *v);
/* The same for a caller that restores the whole of every Z register next (vdev/vsve.c's load):
 * V, their low halves, is left to it; FPSR and FPCR are restored. */
void vcpu_fp_claim_for_z(struct vcpu *v);

/* EL2's use is over: CPTR_EL2.TFP as v's guest runs with it (set while a guest hypervisor traps
 * its guest's FP/SIMD, vcpu_fp_guest_trap). */
void vcpu_fp_guest_trap_again(void);
static inline void vcpu_fp_el2_done(struct vcpu *v)
{
    if (__builtin_expect(v->fp_trap_guest, 0))
        vcpu_fp_guest_trap_again();
}

/* A guest hypervisor's CPTR_EL2.TFP for its guest while that guest runs on v (vdev/nested_traps.c):
 * the CPU's TFP is set while it is on or v's registers are not live. The caller's isb (or the
 * ERET) makes it take effect. */
void vcpu_fp_guest_trap(struct vcpu *v, bool on);

/* The exit table's row for ESR_EL2.EC 0x07 (a trapped FP/SIMD instruction). */
enum exit_result exit_fp(struct vcpu *v, uint64_t esr);

#endif
