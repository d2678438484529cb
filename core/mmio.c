#include "core/mmio.h"
#include "core/console.h"
#include "core/stage2.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/a64_ldst.h"
#include "arch/aarch64/guest_at.h"
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

static void report_abort(struct vcpu *v, uint64_t ipa, int write, unsigned size, const char *why)
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
        report_abort(v, a->ipa, a->write, a->size,
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

/* ISV=0: the instruction itself says what to do. */
struct emul_ctx {
    struct vcpu *v;
    uint64_t far, ipa; /* the access that faulted (ipa: in the VM's IPA space) */
    bool el0;
    const struct mmio_xlate *x; /* NULL: the context's IPAs are the VM's */
};

/* The VM IPA of va for the faulting context: its stage 1 (the CPU's AT), then x's stage. */
static int va_to_vm_ipa(struct vcpu *v, const struct mmio_xlate *x, uint64_t va, bool el0, int kind, uint64_t *ipa)
{
    if (guest_va_to_ipa(va, el0, kind == MMIO_XLATE_WRITE, ipa) < 0)
        return -1;
    if (x && !x->to_vm(v, *ipa, kind, ipa))
        return -1;
    return 0;
}

/* One piece of the access, within one page of va (its translation holds for that page only). */
static int access_page(struct emul_ctx *c, uint64_t va, void *buf, unsigned len, int write)
{
    uint64_t ipa;
    if ((va >> 12) == (c->far >> 12))
        ipa = (c->ipa & ~0xfffUL) | (va & 0xfff);
    else if (va_to_vm_ipa(c->v, c->x, va, c->el0, write ? MMIO_XLATE_WRITE : MMIO_XLATE_READ, &ipa) < 0)
        return -1;
    void *ram = vm_ram_ptr(c->v->vm, ipa, len);
    if (ram) {
        if (write)
            memcpy(ram, buf, len);
        else
            memcpy(buf, ram, len);
        return 0;
    }
    /* Device accesses are split into naturally sized pieces of at most 8 bytes. */
    for (unsigned done = 0; done < len;) {
        unsigned piece = len - done >= 8 ? 8 : len - done;
        uint64_t val = 0;
        if (write)
            memcpy(&val, (char *)buf + done, piece);
        /* MMIO_RETRY counts as done here: an instruction with several accesses (or
         * writeback) cannot simply run again. A device that asked for it (a virtio notify
         * over budget) resumes at the guest's next notification instead. */
        if (mmio_dispatch(c->v, ipa + done, piece, write, &val) < 0)
            return -1;
        if (!write)
            memcpy((char *)buf + done, &val, piece);
        done += piece;
    }
    return 0;
}

/* An access that crosses a page of va is two pieces: the pages need not be adjacent in IPA. */
static int access_at(struct emul_ctx *c, uint64_t va, void *buf, unsigned len, int write)
{
    unsigned first = 0x1000 - (unsigned)(va & 0xfff);
    if (len <= first)
        return access_page(c, va, buf, len, write);
    if (access_page(c, va, buf, first, write) < 0)
        return -1;
    return access_page(c, va + first, (char *)buf + first, len - first, write);
}

static int emul_read(void *ctx, uint64_t addr, void *buf, unsigned len) { return access_at(ctx, addr, buf, len, 0); }
static int emul_write(void *ctx, uint64_t addr, const void *buf, unsigned len)
{
    return access_at(ctx, addr, (void *)buf, len, 1);
}

static const struct a64_mem_ops emul_ops = { .read = emul_read, .write = emul_write };

static int fetch_insn(struct vcpu *v, const struct mmio_xlate *x, bool el0, uint32_t *insn)
{
    uint64_t ipa;
    if (va_to_vm_ipa(v, x, v->regs.pc, el0, MMIO_XLATE_EXEC, &ipa) < 0)
        return -1;
    const uint32_t *p = vm_ram_ptr(v->vm, ipa, 4);
    if (!p)
        p = vm_flash_ptr(v->vm, ipa, 4); /* firmware runs from its flash before it relocates */
    if (!p || (ipa & 3))
        return -1;
    *insn = *p;
    return 0;
}

static void emulate_insn(struct vcpu *v, uint64_t ipa, uint64_t far, bool write, const struct mmio_xlate *x)
{
    bool el0 = (v->regs.pstate & PSR_M_MASK) == PSR_M_EL0t;
    uint32_t insn;
    struct a64_ldst d;
    if (fetch_insn(v, x, el0, &insn) < 0) {
        report_abort(v, ipa, write, 0, "from an instruction elvisor cannot fetch");
        inject_dabt(&v->regs, far, write);
        return;
    }
    if (a64_decode_ldst(insn, &d) != A64_LDST_OK) {
        report_abort(v, ipa, write, 0, "by an instruction elvisor does not emulate");
        inject_dabt(&v->regs, far, write);
        return;
    }
    struct a64_regs regs;
    memcpy(regs.x, v->regs.x, sizeof(regs.x));
    bool sp_el1 = (v->regs.pstate & PSR_M_MASK) == PSR_M_EL1h;
    regs.sp = sp_el1 ? sysreg_read(sp_el1) : sysreg_read(sp_el0);
    if (d.simd) {
        fp_ctx_save(&v->fp);
        memcpy(regs.v, v->fp.v, sizeof(regs.v));
    }
    struct emul_ctx c = { .v = v, .far = far, .ipa = ipa, .el0 = el0, .x = x };
    if (a64_ldst_emulate(&d, &regs, &emul_ops, &c) != A64_LDST_OK) {
        report_abort(v, ipa, write, d.size, "and the emulated access failed");
        inject_dabt(&v->regs, far, write);
        return;
    }
    memcpy(v->regs.x, regs.x, sizeof(regs.x));
    if (sp_el1)
        sysreg_write(sp_el1, regs.sp);
    else
        sysreg_write(sp_el0, regs.sp);
    if (d.simd && d.load) {
        /* Only the registers the load wrote: writing all 32 would clear the upper bits of every
         * Z register of a vCPU that uses SVE (vdev/vsve.c, Arm ARM B1.2.2). */
        memcpy(v->fp.v, regs.v, sizeof(regs.v));
        fp_reg_write(d.rt, v->fp.v[d.rt]);
        if (d.nregs == 2)
            fp_reg_write(d.rt2, v->fp.v[d.rt2]);
    }
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
        emulate_insn(v, ipa, far, write, x);
        return EXIT_RESUME;
    }
    report_abort(v, ipa, write, 0,
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
        report_abort(v, ipa, (esr & ESR_DABT_WNR) != 0, 0, "to read-only memory");
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
    report_abort(v, esr_fault_ipa(sysreg_read(hpfar_el2), far), write,
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
