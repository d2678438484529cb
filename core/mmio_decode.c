/* A data abort without a syndrome, emulated from the guest's instruction (core/mmio_decode.h).
 * Option CONFIG_MMIO_DECODE (docs/build.md). */
#include "core/mmio_decode.h"
#include "core/vcpu_fp.h"
#include "arch/aarch64/a64_ldst.h"
#include "arch/aarch64/guest_at.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/psr.h"
#include "lib/string.h"

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

void mmio_emulate_insn(struct vcpu *v, uint64_t ipa, uint64_t far, bool write, const struct mmio_xlate *x)
{
    bool el0 = (v->regs.pstate & PSR_M_MASK) == PSR_M_EL0t;
    uint32_t insn;
    struct a64_ldst d;
    if (fetch_insn(v, x, el0, &insn) < 0) {
        mmio_report_abort(v, ipa, write, 0, "from an instruction elvisor cannot fetch");
        inject_dabt(&v->regs, far, write);
        return;
    }
    if (a64_decode_ldst(insn, &d) != A64_LDST_OK) {
        mmio_report_abort(v, ipa, write, 0, "by an instruction elvisor does not emulate");
        inject_dabt(&v->regs, far, write);
        return;
    }
    struct a64_regs regs;
    memcpy(regs.x, v->regs.x, sizeof(regs.x));
    bool sp_el1 = (v->regs.pstate & PSR_M_MASK) == PSR_M_EL1h;
    regs.sp = sp_el1 ? sysreg_read(sp_el1) : sysreg_read(sp_el0);
    if (d.simd) {
        /* The instruction passed the FP/SIMD trap, so its registers are live, unless the guest
         * rewrote it since (another vCPU): claimed either way, never another vCPU's. */
        vcpu_fp_claim(v);
        fp_ctx_save(&v->fp);
        memcpy(regs.v, v->fp.v, sizeof(regs.v));
    }
    struct emul_ctx c = { .v = v, .far = far, .ipa = ipa, .el0 = el0, .x = x };
    if (a64_ldst_emulate(&d, &regs, &emul_ops, &c) != A64_LDST_OK) {
        if (d.simd)
            vcpu_fp_el2_done(v);
        mmio_report_abort(v, ipa, write, d.size, "and the emulated access failed");
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
    if (d.simd)
        vcpu_fp_el2_done(v);
    guest_skip_insn(&v->regs, 4);
}
