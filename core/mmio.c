#include "core/mmio.h"
#include "core/mmio_decode.h"
#include "core/console.h"
#include "core/stage2.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/psr.h"
#include "lib/printf.h"
#include "lib/string.h"

static bool region_holds(const struct mmio_region *r, uint64_t ipa, unsigned size)
{
    return ipa >= r->base && ipa - r->base < r->size && size <= r->size - (ipa - r->base);
}

/* Inline in the syndrome path (every MMIO exit); mmio_dispatch for the instruction emulator. */
static inline __attribute__((always_inline)) int dispatch(struct vcpu *v, uint64_t ipa, unsigned size, int write,
                                                          uint64_t *val)
{
    struct vm *vm = v->vm;
    /* A vCPU tends to hit the window it hit last (a driver polling or filling one device):
     * try that one before searching. */
    unsigned i = v->mmio_hint;
    if (i >= vm->nr_mmio || !region_holds(&vm->mmio[i], ipa, size)) {
        for (i = 0; i < vm->nr_mmio && !region_holds(&vm->mmio[i], ipa, size); i++)
            ;
        if (i == vm->nr_mmio)
            return MMIO_NO_DEVICE;
        v->mmio_hint = i;
    }
    const struct mmio_region *r = &vm->mmio[i];
    int rc;
    if (write) {
        rc = r->ops->write(v, r->dev, ipa - r->base, size, *val);
    } else {
        *val = 0;
        rc = r->ops->read(v, r->dev, ipa - r->base, size, val);
    }
    if (rc == MMIO_OPS_RETRY)
        return MMIO_RETRY;
    return rc ? MMIO_REFUSED : 0;
}

int mmio_dispatch(struct vcpu *v, uint64_t ipa, unsigned size, int write, uint64_t *val)
{
    return dispatch(v, ipa, size, write, val);
}

#if CONFIG_NESTED
bool mmio_is_device(struct vm *vm, uint64_t ipa)
{
    struct stage2_leaf leaf;
    for (unsigned i = 0; i < vm->nr_mmio; i++)
        if (region_holds(&vm->mmio[i], ipa, 1))
            return !vm->mmio[i].ops->stage2_inside || !stage2_lookup(vm, ipa, &leaf);
    return false;
}
#endif

/* The guest register value as the access sees it: register 31 is XZR. */
static uint64_t reg_value(const struct vcpu *v, unsigned reg) { return reg == 31 ? 0 : v->regs.x[reg]; }

static uint64_t extend_load(uint64_t val, const struct mmio_access *a)
{
    unsigned bits = a->size * 8;
    if (a->sign_extend && bits < 64 && (val >> (bits - 1)) & 1)
        val |= ~0UL << bits;
    if (!a->sf)
        val &= 0xffffffffUL;
    return val;
}

void mmio_report_abort(struct vcpu *v, uint64_t ipa, int write, unsigned size, const char *why)
{
    char what[24] = "";
    if (size) /* 0: not known (no syndrome, or no instruction decoded) */
        ev_snprintf(what, sizeof(what), " of %u bytes", size);
    vm_log(v->vm, "vCPU%u: %s%s at IPA 0x%lx (pc 0x%lx) %s: external abort injected", v->id, write ? "write" : "read",
           what, (unsigned long)ipa, (unsigned long)v->regs.pc, why);
}

static inline __attribute__((always_inline)) void emulate_syndrome(struct vcpu *v, const struct mmio_access *a,
                                                                   uint64_t far)
{
    uint64_t val = a->write ? reg_value(v, a->reg) : 0;
    int rc = dispatch(v, a->ipa, a->size, a->write, &val);
    if (rc < 0) {
        mmio_report_abort(v, a->ipa, a->write, a->size,
                          rc == MMIO_NO_DEVICE ? "with no device there" : "refused by the device");
        inject_dabt(&v->regs, far, a->write);
        return;
    }
    if (rc == MMIO_RETRY)
        return; /* the guest executes the access again after this exit */
    if (!a->write && a->reg != 31)
        v->regs.x[a->reg] = extend_load(val, a);
    guest_skip_insn(&v->regs, 4);
}

/* The access at ipa (the VM's IPA space) that a data abort with syndrome esr reports. */
static inline __attribute__((always_inline)) enum exit_result abort_at(struct vcpu *v, uint64_t esr, uint64_t ipa,
                                                                       uint64_t far, const struct mmio_xlate *x)
{
    bool write = (esr & ESR_DABT_WNR) != 0;
    struct mmio_access a;
    int rc = esr_decode_dabt(esr, ipa, &a);
    if (__builtin_expect(rc == ESR_DABT_OK && !a.cm, 1)) {
        emulate_syndrome(v, &a, far);
        return EXIT_RESUME;
    }
    if (rc == ESR_DABT_OK) {
        guest_skip_insn(&v->regs, 4); /* cache maintenance on a device window: nothing to do */
        return EXIT_RESUME;
    }
    if (rc == ESR_DABT_NO_ISV) {
        mmio_emulate_insn(v, ipa, far, write, x);
        return EXIT_RESUME;
    }
    mmio_report_abort(v, ipa, write, 0,
                      rc == ESR_DABT_S1PTW_ERR ? "during its page-table walk" : "of a kind that is not an MMIO access");
    inject_dabt(&v->regs, far, write);
    return EXIT_RESUME;
}

/* Every other stage 2 data abort: a permission fault, an access outside the window the vCPU
 * hit last (searched here), cache maintenance, no syndrome (the instruction emulated), a fault
 * on the guest's own walk. */
static __attribute__((noinline)) enum exit_result abort_slow(struct vcpu *v, uint64_t esr)
{
    uint64_t far = sysreg_read(far_el2);
    uint64_t ipa = esr_fault_ipa(sysreg_read(hpfar_el2), far);
    /* A Permission fault: a write to memory stage 2 maps read-only (a VM's flash). It is no
     * device access: the write is refused with an external abort. HPFAR_EL2 may be UNKNOWN
     * for it (Arm ARM D24.2.75), so the IPA is not used to find a device, only logged. */
    uint32_t fsc = (uint32_t)esr & ESR_DABT_DFSC_MASK;
    if (!(esr & ESR_DABT_S1PTW) && fsc >= ESR_FSC_PERM_L0 && fsc <= ESR_FSC_PERM_L0 + 3) {
        mmio_report_abort(v, ipa, (esr & ESR_DABT_WNR) != 0, 0, "to read-only memory");
        inject_dabt(&v->regs, far, (esr & ESR_DABT_WNR) != 0);
        return EXIT_RESUME;
    }
    return abort_at(v, esr, ipa, far, 0);
}

/* The syndrome bits that, with only ISV of them set, make a data abort a plain load or store
 * whose syndrome says it all (Arm ARM D24.2 ESR_EL2, ISS encoding for a Data Abort): no fault on the
 * guest's own walk (S1PTW), no cache maintenance (CM), no NV2 access (VNCR), FAR valid (FnV). */
#define DABT_PLAIN_MASK (ESR_DABT_ISV | ESR_DABT_S1PTW | ESR_DABT_CM | ESR_DABT_VNCR | ESR_DABT_FNV)

/* A load's value as the syndrome says it goes into its register: sign-extended from its size
 * (SSE), then 32 bits for a Wt (SF = 0). */
static inline uint64_t extend_syndrome(uint64_t val, uint32_t iss)
{
    if (__builtin_expect(iss & ESR_DABT_SSE, 0)) {
        unsigned bits = 8u << ((iss >> ESR_DABT_SAS_SHIFT) & ESR_DABT_SAS_MASK);
        if (bits < 64 && (val >> (bits - 1)) & 1)
            val |= ~0UL << bits;
    }
    return (iss & ESR_DABT_SF) ? val : (uint32_t)val;
}

/* A refused access, or one done in part (MMIO_OPS_RETRY): out of line. FAR_EL2 and HPFAR_EL2
 * still hold this abort's: only an exception taken to EL2 with a syndrome writes them (Arm ARM
 * D24.2 FAR_EL2, HPFAR_EL2; an IRQ writes neither), and EL2 takes none while a device model
 * runs (the one that returns, an AT walk's abort, is taken only by the instruction emulator
 * in abort_slow), so the fast path keeps neither across the device's call. */
static __attribute__((noinline)) enum exit_result device_refused(struct vcpu *v, int rc, uint32_t iss)
{
    if (rc == MMIO_OPS_RETRY)
        return EXIT_RESUME; /* the guest executes the access again after this exit */
    uint64_t far = sysreg_read(far_el2);
    bool write = (iss & ESR_DABT_WNR) != 0;
    mmio_report_abort(v, esr_fault_ipa(sysreg_read(hpfar_el2), far), write,
                      1u << ((iss >> ESR_DABT_SAS_SHIFT) & ESR_DABT_SAS_MASK), "refused by the device");
    inject_dabt(&v->regs, far, write);
    return EXIT_RESUME;
}

/* A stage 2 data abort, the exit table's row (exit_dabt). The common one, a translation or
 * access flag fault with a full syndrome in the window the vCPU accessed last, is done here
 * with the fields kept in registers; everything else in abort_slow. */
enum exit_result mmio_abort(struct vcpu *v, uint64_t esr)
{
    /* The ISS fields are read from esr itself (bits [24:0]), so that one register holds them. */
    uint32_t fsc = (uint32_t)esr & ESR_DABT_DFSC_MASK;
    if (__builtin_expect((esr & DABT_PLAIN_MASK) != ESR_DABT_ISV ||
                             fsc - ESR_FSC_TRANS_L0 > ESR_FSC_ACCESS_L0 + 3 - ESR_FSC_TRANS_L0,
                         0))
        return abort_slow(v, esr);
    uint64_t far = sysreg_read(far_el2);
    uint64_t ipa = esr_fault_ipa(sysreg_read(hpfar_el2), far);
    unsigned size = 1u << ((esr >> ESR_DABT_SAS_SHIFT) & ESR_DABT_SAS_MASK);
    unsigned reg = (esr >> ESR_DABT_SRT_SHIFT) & ESR_DABT_SRT_MASK;
    const struct vm *vm = v->vm;
    unsigned i = v->mmio_hint;
    if (__builtin_expect(i >= vm->nr_mmio, 0))
        return abort_slow(v, esr);
    /* region_holds, with the offset computed once (below the base it wraps to beyond size). */
    const struct mmio_region *r = &vm->mmio[i];
    uint64_t off = ipa - r->base;
    if (__builtin_expect(off >= r->size || r->size - off < size, 0))
        return abort_slow(v, esr);
    int rc;
    if (esr & ESR_DABT_WNR) {
        rc = r->ops->write(v, r->dev, off, size, reg_value(v, reg));
        if (__builtin_expect(rc != 0, 0))
            return device_refused(v, rc, (uint32_t)esr);
    } else {
        uint64_t val = 0;
        rc = r->ops->read(v, r->dev, off, size, &val);
        if (__builtin_expect(rc != 0, 0))
            return device_refused(v, rc, (uint32_t)esr);
        if (reg != 31)
            v->regs.x[reg] = extend_syndrome(val, (uint32_t)esr);
    }
    guest_skip_insn(&v->regs, 4);
    return EXIT_RESUME;
}

#if CONFIG_NESTED
enum exit_result mmio_abort_via(struct vcpu *v, uint64_t esr, uint64_t vm_ipa, const struct mmio_xlate *x)
{
    return abort_at(v, esr, vm_ipa, sysreg_read(far_el2), x);
}
#endif

/* The exit table's row for a stage 2 data abort (core/exit.h) is mmio_abort itself. */
enum exit_result exit_dabt(struct vcpu *v, uint64_t esr) __attribute__((alias("mmio_abort")));
