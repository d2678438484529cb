/* The FP/SIMD registers of the vCPUs, switched lazily. A CPU's registers belong to one vCPU
 * placed on it (percpu fp_owner), or to nobody. A vCPU whose registers are not live here is
 * loaded with CPTR_EL2.TFP set (Arm ARM D24.2.38), so that its first FP/SIMD instruction traps
 * (ESR_EL2.EC 0x07, exit_fp); only then are the owner's registers saved and its own restored.
 * A vCPU that does not use FP/SIMD between two switches costs a switch nothing here; one that
 * does pays one exit for it. Nothing is saved at put: the registers stay the owner's until
 * another vCPU claims them, and a vCPU that comes back before that finds them live. Sound
 * because a vCPU runs on one CPU only (vcpu->pcpu, fixed), and EL2's own code uses no FP/SIMD
 * register (built -mgeneral-regs-only) except through vcpu_fp_claim.
 *
 * TZ is checked before TFP (Arm ARM CheckSVEEnabled): the SVE part's first-use trap (EC 0x19,
 * vdev/vsve.c) and its Z registers' restore claim the FP/SIMD registers first. A guest
 * hypervisor's TFP for its guest (vdev/nested_traps.c) shares the CPU's bit: its EC 0x07 comes
 * to vdev/nested_traps.c, which claims first and then forwards it to virtual EL2 when its own
 * control traps it. */
#include "core/vcpu_fp.h"
#include "core/percpu.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/regs/cptr.h"

static inline void set_tfp(bool on)
{
    uint64_t c = sysreg_read(cptr_el2);
    uint64_t want = on ? c | CPTR_EL2_TFP : c & ~CPTR_EL2_TFP;
    if (want != c)
        sysreg_write(cptr_el2, want);
}

/* After a reset (vcpu_init, any CPU, while v was not loaded; issue 13 item 9). */
__attribute__((noinline)) void vcpu_fp_reset(struct percpu *pc, struct vcpu *v)
{
    v->fp = (struct fp_ctx){ 0 };
    __atomic_store_n(&v->fp_reset, false, __ATOMIC_RELAXED);
    if (pc->fp_owner == v)
        pc->fp_owner = 0;
}

static inline void claim(struct vcpu *v, bool z_follows)
{
    uint64_t c = sysreg_read(cptr_el2);
    if (c & CPTR_EL2_TFP) {
        sysreg_write(cptr_el2, c & ~CPTR_EL2_TFP);
        isb(); /* before EL2's own FP/SIMD instructions */
    }
    struct percpu *pc = this_cpu();
    struct vcpu *owner = pc->fp_owner;
    if (owner == v)
        return;
    /* An owner whose VM was reset since keeps the old VM's registers: never saved into it. */
    if (owner && !__atomic_load_n(&owner->fp_reset, __ATOMIC_ACQUIRE))
        fp_ctx_save(&owner->fp);
    if (z_follows) { /* V is the low half of each Z register the caller restores next */
        sysreg_write(fpsr, v->fp.fpsr);
        sysreg_write(fpcr, v->fp.fpcr);
    } else {
        fp_ctx_restore(&v->fp);
    }
    pc->fp_owner = v;
}

void vcpu_fp_claim(struct vcpu *v) { claim(v, false); }
void vcpu_fp_claim_for_z(struct vcpu *v) { claim(v, true); }

void vcpu_fp_guest_trap_again(void) { set_tfp(true); }

void vcpu_fp_guest_trap(struct vcpu *v, bool on)
{
    v->fp_trap_guest = on;
    set_tfp(on || this_cpu()->fp_owner != v);
}

/* The guest's FP/SIMD instruction runs again, now with its registers. */
enum exit_result exit_fp(struct vcpu *v, uint64_t esr)
{
    (void)esr;
    vcpu_fp_claim(v);
    vcpu_fp_el2_done(v);
    return EXIT_RESUME;
}
