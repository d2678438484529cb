/* The guest's SVE and SVE2 (Arm ARM B1.2.2 "SVE registers", D1.3 "The Scalable Vector
 * Extension"), a part of the virtual CPU hardware (core/vcpu_hw.h) that extends the FP/SIMD
 * switch of core/vcpu.c to the whole of each Z register, the predicates, FFR and ZCR_EL1.
 *
 * Lazily: core sets CPTR_EL2.TZ for every guest (core/vcpu.c CPTR_GUEST), so that the first SVE
 * instruction or ZCR_EL1 access of a vCPU traps here (ESR_EL2.EC 0x19, vsve_trap). From then
 * on, until its VM resets, the vCPU "uses" SVE: while it is loaded TZ is clear and ZCR_EL2.LEN
 * holds its VM's vector length, its registers are restored at load and saved at put. A vCPU that
 * never used SVE costs a vCPU switch a test at load and at put: its 128-bit V registers and
 * FPSR/FPCR are core's lazy FP/SIMD switch (core/vcpu_fp.c), as before. What SVE state another vCPU
 * left in the CPU is out of its reach (TZ traps every access); its AdvSIMD writes to V
 * registers clear the upper parts of the Z registers (B1.2.2).
 *
 * The order with core's FP/SIMD switch, which is lazy (CPTR_EL2.TFP set at load until the
 * vCPU's first FP/SIMD instruction): every use of SVE here claims the FP/SIMD registers first
 * (core/vcpu_fp.h), because restoring Z overwrites V, because TZ is checked before TFP (Arm ARM
 * CheckSVEEnabled: the first SVE instruction traps here with V perhaps another vCPU's) and
 * because EL2's own SVE instructions trap with TFP set. So a vCPU that uses SVE has its FPSR and
 * FPCR restored eagerly at load and the full Z registers (a superset of V: core's copy of V is
 * not restored, vcpu_fp_claim_for_z); they are saved at put, before any other vCPU can
 * overwrite them, and core saves V of the owner only when another vCPU claims it, so the low
 * 128 bits core keeps are always the same as the ones here. vcpu_fp_el2_done gives TFP back to
 * a guest hypervisor that traps its guest's FP/SIMD.
 *
 * The vector length of a VM (ZCR_EL2.LEN while its vCPUs run): the largest that its
 * configuration allows (sve-max-vl, docs/config.md) and that every CPU its vCPUs may run on
 * implements (each CPU measured at boot with ZCR_EL2.LEN = 15 and RDVL). A guest asks for less
 * with ZCR_EL1 (its own, switched here); it never gets more (D24.2.214).
 *
 * Concurrency: the trap, load and put run on the vCPU's physical CPU with IRQs masked; attach
 * while the VM's vCPUs are not loaded. */
#include "vdev/vsve.h"
#include "vdev/vcpu_hw_table.h"
#include "core/vm.h"
#include "core/percpu.h"
#include "core/vcpu_fp.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/cpu_local.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/el1_ctx.h"
#include "arch/aarch64/sve_ctx.h"
#include "arch/aarch64/regs/cptr.h"
#include "arch/aarch64/regs/id_regs.h"
#include "arch/aarch64/regs/sve.h"
#include "lib/string.h"

/* A vCPU's SVE state while it is not live: ZCR_EL1 and the register file at its VM's length. */
struct vsve {
    bool used; /* an SVE access since the VM's last reset: switched with the vCPU */
    uint64_t zcr;
    _Alignas(16) uint8_t regs[SVE_CTX_BYTES(SVE_VL_MAX)];
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VSVE].state). */
struct vsve_vm {
    unsigned vq; /* quadwords per vector; 0: the VM has no SVE */
    struct vsve cpu[VM_MAX_VCPUS];
};

/* Set at boot by cpu_init on every CPU before any VM is built: which CPUs came up, and the
 * longest vector each implements, in quadwords (0: no SVE). */
static bool cpu_seen[MAX_CPUS];
static uint8_t cpu_vq[MAX_CPUS];

/* Every CPU that came up has SVE: computed when VMs are built (attach), after every CPU's
 * cpu_init, and read by the ID registers' rows while guests run (vsve_active). */
bool vsve_all_cpus;

static void update_active(void)
{
    bool any = false, all = true;
    for (unsigned c = 0; c < MAX_CPUS; c++) {
        if (cpu_seen[c] && !cpu_vq[c])
            all = false;
        any |= cpu_seen[c];
    }
    vsve_all_cpus = any && all;
}

static struct vsve_vm *vm_state(const struct vm *vm) { return vm->hw[VCPU_HW_VSVE].state; }

/* EL2 may execute SVE (CPTR_EL2.TZ clear: it traps EL2 too, D24.2.38) at vq quadwords. Only
 * TZ changes: the other fields are core's. */
static void sve_enable(unsigned vq)
{
    sysreg_write(cptr_el2, sysreg_read(cptr_el2) & ~CPTR_EL2_TZ);
    sysreg_write(s3_4_c1_c2_0, REG_FIELD(vq - 1, ZCR_ELX_LEN_SHIFT)); /* ZCR_EL2 */
    isb();
}

static void sve_disable(void)
{
    sysreg_write(cptr_el2, sysreg_read(cptr_el2) | CPTR_EL2_TZ);
    isb();
}

static void vsve_load(struct vcpu *v)
{
    struct vsve_vm *s = vm_state(v->vm);
    struct vsve *p = &s->cpu[v->id];
    if (!p->used)
        return;
    vcpu_fp_claim_for_z(v);
    sve_enable(s->vq);
    sve_ctx_restore(p->regs);
    sysreg_write(s3_0_c1_c2_0, p->zcr); /* ZCR_EL1 */
    vcpu_fp_el2_done(v);
}

/* Out of line, so that a vCPU that does not use SVE pays put a test and no stack frame. */
static __attribute__((noinline)) void save(struct vcpu *v, struct vsve *p)
{
    if (v->fp_trap_guest) /* live since the load: TFP is set only for a guest hypervisor */
        vcpu_fp_claim(v);
    p->zcr = sysreg_read(s3_0_c1_c2_0) & ZCR_ELX_LEN_MASK;
    sve_ctx_save(p->regs);
    sve_disable();
}

static void vsve_put(struct vcpu *v)
{
    struct vsve *p = &vm_state(v->vm)->cpu[v->id];
    if (p->used)
        save(v, p);
}

/* The first SVE access of a vCPU since its VM's reset (v is loaded; its V registers are made
 * live first: TZ traps before TFP). A VM without SVE gets UNDEFINED, as on a CPU without it. Else the
 * vCPU's SVE starts from its V registers, zero-extended (what an AdvSIMD write leaves in a Z
 * register, B1.2.2), predicates and FFR zero, ZCR_EL1 asking for the VM's whole length; the
 * instruction is executed again, now without a trap. */
enum exit_result vsve_trap(struct vcpu *v, uint64_t esr)
{
    (void)esr;
    struct vsve_vm *s = vm_state(v->vm);
    if (!s || !s->vq) {
        inject_undef(&v->regs);
        return EXIT_RESUME;
    }
    struct vsve *p = &s->cpu[v->id];
    vcpu_fp_claim(v);
    if (p->used) { /* not expected (TZ is clear while it is loaded): its SVE is live, go on */
        sve_enable(s->vq);
        vcpu_fp_el2_done(v);
        return EXIT_RESUME;
    }
    sve_enable(s->vq);
    unsigned long vl = sve_vl_bytes();
    fp_ctx_save(&v->fp);
    memset(p->regs, 0, SVE_CTX_BYTES(vl));
    for (unsigned i = 0; i < 32; i++)
        memcpy(p->regs + i * vl, v->fp.v[i], SVE_VQ_BYTES);
    sve_ctx_restore(p->regs);
    p->zcr = REG_FIELD(s->vq - 1, ZCR_ELX_LEN_SHIFT);
    sysreg_write(s3_0_c1_c2_0, p->zcr);
    p->used = true;
    vcpu_hw_switched(v, VCPU_HW_VSVE, true);
    vcpu_fp_el2_done(v);
    return EXIT_RESUME;
}

/* Every CPU: the longest vector it implements (ZCR_EL2.LEN = 15 asks for 2048 bits; the CPU
 * gives the largest it has up to that, D24.2.215). */
static void vsve_cpu_init(unsigned cpu)
{
    cpu_seen[cpu] = true;
    cpu_vq[cpu] = 0;
    if (!ID_FIELD_GET(sysreg_read(id_aa64pfr0_el1), ID_AA64PFR0_EL1_SVE))
        return;
    uint64_t cptr = sysreg_read(cptr_el2);
    sve_enable(SVE_VQ_MAX);
    cpu_vq[cpu] = (uint8_t)(sve_vl_bytes() / SVE_VQ_BYTES);
    sysreg_write(cptr_el2, cptr);
    isb();
}

/* At creation and at each reset: the VM's length (its configuration's cap, and the shortest
 * longest vector of the CPUs its vCPUs are pinned to); no vCPU uses SVE yet. */
static int vsve_attach(struct vm *vm)
{
    struct vsve_vm *s = vm_state(vm);
    unsigned vq = vm->cfg.sve_max_vl ? vm->cfg.sve_max_vl / (8 * SVE_VQ_BYTES) : SVE_VQ_MAX;
    update_active();
    if (!vsve_active() || vm_cpu_feature_off(&vm->cfg, CPU_FEAT_SVE))
        vq = 0;
    for (unsigned i = 0; i < vm->cfg.nr_vcpus && vq; i++) {
        unsigned c = vm->cfg.affinity[i];
        if (c < MAX_CPUS && cpu_vq[c] < vq)
            vq = cpu_vq[c];
    }
    s->vq = vq;
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
        s->cpu[i].used = false;
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VSVE, false);
    }
    return 0;
}

const struct vcpu_hw_ops vsve_hw_ops = {
    .vm_state_size = sizeof(struct vsve_vm),
    .cpu_init = vsve_cpu_init,
    .attach = vsve_attach,
    .load = vsve_load,
    .put = vsve_put,
};
