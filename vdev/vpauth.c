/* Pointer authentication for guests (Arm ARM DDI 0487K.a, D8.8 "Pointer authentication"): the
 * five keys of a vCPU (APIA, APIB, APDA, APDB: address keys; APGA: the generic key; each a
 * Lo/Hi pair of EL1 registers), switched per vCPU, lazily; a part of the virtual CPU hardware
 * (core/vcpu_hw.h). The guest's SCTLR_EL1.EnIA/EnIB/EnDA/EnDB are part of its EL1 context.
 *
 * Lazily: HCR_EL2.API = 0 traps the PAC instructions (ESR_EL2.EC 0x09; the HINT-space ones,
 * PACIASP and the like, only once the guest enabled their key in SCTLR_EL1, so a guest that
 * never turns pointer authentication on never traps) and HCR_EL2.APK = 0 the key registers
 * (EC 0x18), until a vCPU first uses them. That first use makes the vCPU "active": its keys go
 * into the hardware, API and APK are set for it (vcpu_set_hcr), and a trapped instruction is
 * executed again, now untrapped. From then on the vCPU's keys move with it (put, load); a vCPU
 * that never used them costs one test per switch and per exit, and can never read another's:
 * APK still traps its key accesses and API its PAC instructions.
 *
 * EL2's own key (arch/aarch64/branch_prot.h): the image signs its return addresses with
 * instruction key A, in the same APIAKey registers (HCR_EL2.E2H = 0: EL2 has no key register
 * of its own). So key A is not switched here but at the boundary: struct guest_regs carries
 * the guest's key A, which vcpu_enter installs right before its ERET, and every exit saves it
 * and puts EL2's back before any C code runs (vectors.S). Ordering, written down: (1) a C
 * function's PACIASP and AUTIASP must see the same key, so no C function may be live across a
 * key A change: vcpu_enter and the exit path are assembly, and vcpu_run's frame (signed with
 * EL2's key) is entered and left with EL2's key in place; (2) the exit path writes EL2's key and
 * then an ISB (the SError window's) before returning into C; (3) APIB/APDA/APDB/APGA, which EL2
 * never uses, are switched only when the vCPU is loaded and put. EL2 therefore never
 * authenticates with a key a guest knows, and a guest never runs with EL2's.
 *
 * Not done: FEAT_PAuth_LR and FEAT_CONSTPACFIELD-style options beyond what the host's ID
 * registers report (passed through); the guest gets the host's algorithm.
 *
 * Concurrency: the traps, load and put run on the vCPU's physical CPU with the vCPU loaded;
 * attach (a VM reset) runs while no vCPU of the VM is loaded. */
#include "vdev/vpauth.h"
#include "vdev/vcpu_hw_table.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "arch/aarch64/branch_prot.h"
#include "arch/aarch64/inject.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/hcr.h"
#include "arch/aarch64/regs/id_regs.h"

/* The keys other than APIA (which lives in v->regs.apia), in this order. */
enum { KEY_IB, KEY_DA, KEY_DB, KEY_GA, NR_KEYS };

struct vpauth_cpu {
    uint64_t key[NR_KEYS][2]; /* Lo, Hi; the hardware's while the vCPU is active and loaded */
};

/* Per VM, allocated by core (vm->hw[VCPU_HW_VPAUTH].state). */
struct vpauth_vm {
    uint32_t active; /* bit i: vCPU i used pointer authentication since the VM's reset */
    struct vpauth_cpu cpu[VM_MAX_VCPUS];
};

static struct vpauth_vm *pv_of(const struct vcpu *v) { return v->vm->hw[VCPU_HW_VPAUTH].state; }

/* Whether the CPU has FEAT_PAuth at all: address authentication (QARMA5, IMPLEMENTATION
 * DEFINED or QARMA3) or generic authentication (the same three). */
static bool host_has_pauth(void)
{
    uint64_t isar1 = sysreg_read(id_aa64isar1_el1), isar2 = sysreg_read(id_aa64isar2_el1);
    return branch_prot_has_pac() || ID_FIELD_GET(isar1, ID_AA64ISAR1_EL1_GPA) ||
           ID_FIELD_GET(isar1, ID_AA64ISAR1_EL1_GPI) || ID_FIELD_GET(isar2, ID_AA64ISAR2_EL1_GPA3);
}

static bool pauth_on(const struct vcpu *v)
{
    return !vm_cpu_feature_off(&v->vm->cfg, CPU_FEAT_PAUTH) && host_has_pauth();
}

/* ---- the hardware (encodings: APIBKey C2_C1_2/3, APDAKey C2_C2_0/1, APDBKey C2_C2_2/3,
 * APGAKey C2_C3_0/1; Arm ARM D24.2) ---- */

static void hw_save(struct vpauth_cpu *c)
{
    c->key[KEY_IB][0] = sysreg_read(s3_0_c2_c1_2);
    c->key[KEY_IB][1] = sysreg_read(s3_0_c2_c1_3);
    c->key[KEY_DA][0] = sysreg_read(s3_0_c2_c2_0);
    c->key[KEY_DA][1] = sysreg_read(s3_0_c2_c2_1);
    c->key[KEY_DB][0] = sysreg_read(s3_0_c2_c2_2);
    c->key[KEY_DB][1] = sysreg_read(s3_0_c2_c2_3);
    c->key[KEY_GA][0] = sysreg_read(s3_0_c2_c3_0);
    c->key[KEY_GA][1] = sysreg_read(s3_0_c2_c3_1);
}

/* Effective for the guest at the next ERET (a context synchronization event). */
static void hw_load(const struct vpauth_cpu *c)
{
    sysreg_write(s3_0_c2_c1_2, c->key[KEY_IB][0]);
    sysreg_write(s3_0_c2_c1_3, c->key[KEY_IB][1]);
    sysreg_write(s3_0_c2_c2_0, c->key[KEY_DA][0]);
    sysreg_write(s3_0_c2_c2_1, c->key[KEY_DA][1]);
    sysreg_write(s3_0_c2_c2_2, c->key[KEY_DB][0]);
    sysreg_write(s3_0_c2_c2_3, c->key[KEY_DB][1]);
    sysreg_write(s3_0_c2_c3_0, c->key[KEY_GA][0]);
    sysreg_write(s3_0_c2_c3_1, c->key[KEY_GA][1]);
}

/* v (loaded on this CPU) uses pointer authentication from its next entry on. */
static void activate(struct vcpu *v)
{
    struct vpauth_vm *s = pv_of(v);
    hw_load(&s->cpu[v->id]);
    v->regs.pauth_live = 1; /* key A: installed by vcpu_enter */
    s->active |= 1u << v->id;
    vcpu_hw_switched(v, VCPU_HW_VPAUTH, true);
    vcpu_set_hcr(v, HCR_EL2_API | HCR_EL2_APK, true);
}

/* ---- the traps ---- */

/* A PAC instruction with HCR_EL2.API = 0 (EC 0x09; ELR_EL2 is the instruction itself, Arm ARM
 * D24.2.62 HCR_EL2.API): executed again once the vCPU is active, UNDEFINED in a VM without
 * pointer authentication. */
enum exit_result vpauth_trap(struct vcpu *v, uint64_t esr)
{
    if (!pauth_on(v)) {
        inject_undef(&v->regs);
        return EXIT_RESUME;
    }
    if (!(pv_of(v)->active & (1u << v->id)))
        activate(v);
    return EXIT_RESUME;
}

/* The copy of key register id (Lo or Hi) while the vCPU is not active. */
static uint64_t *key_slot(struct vcpu *v, uint32_t id)
{
    struct vpauth_cpu *c = &pv_of(v)->cpu[v->id];
    unsigned hi = SYSREG_OP2(id) & 1, crm = SYSREG_CRM(id), op2 = SYSREG_OP2(id);
    if (crm == 1 && op2 < 2)
        return &v->regs.apia[hi];
    unsigned k = crm == 1 ? KEY_IB : crm == 2 ? (op2 < 2 ? KEY_DA : KEY_DB) : KEY_GA;
    return &c->key[k][hi];
}

/* A key register with HCR_EL2.APK = 0: performed on the copy, then the vCPU is active (its keys
 * in the hardware, APK set). UNDEFINED in a VM without pointer authentication. */
static bool key_access(struct vcpu *v, uint32_t id, bool read, uint64_t *val)
{
    if (!pauth_on(v))
        return false;
    struct vpauth_vm *s = pv_of(v);
    bool active = s->active & (1u << v->id);
    if (active) /* not expected (APK is set): the hardware is the live copy */
        hw_save(&s->cpu[v->id]);
    uint64_t *k = key_slot(v, id);
    if (read)
        *val = *k;
    else
        *k = *val;
    if (active)
        hw_load(&s->cpu[v->id]);
    else
        activate(v);
    return true;
}

static bool key_read(struct vcpu *v, const struct sysreg_access *a, uint64_t *val)
{
    return key_access(v, a->id, true, val);
}

static bool key_write(struct vcpu *v, const struct sysreg_access *a, uint64_t val)
{
    return key_access(v, a->id, false, &val);
}

#define KEY_ROWS(nm, crm, op2_any)                                                                        \
    {                                                                                                     \
        .name = nm, .enc = SYSREG(3, 0, 2, crm, 0), .any = SYSREG(0, 0, 0, 0, op2_any), .rd = SR_RD_CALL, \
        .wr = SR_WR_CALL, .read = key_read, .write = key_write                                            \
    }

static const struct sysreg_desc rows[] = {
    KEY_ROWS("APIAKey/APIBKey_EL1", 1, 3),
    KEY_ROWS("APDAKey/APDBKey_EL1", 2, 3),
    KEY_ROWS("APGAKey_EL1", 3, 1),
};

const struct sysreg_table vpauth_sysreg_table = { rows, sizeof(rows) / sizeof(rows[0]) };

/* ---- as a part of the virtual CPU hardware ---- */

/* At creation and each reset (no vCPU loaded; vcpu_init cleared regs.apia, pauth_live and the
 * HCR_EL2 bits): every key 0 (their reset values are UNKNOWN), nothing active. */
static int vpauth_attach(struct vm *vm)
{
    struct vpauth_vm *s = vm->hw[VCPU_HW_VPAUTH].state;
    *s = (struct vpauth_vm){ 0 };
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VPAUTH, false);
    return 0;
}

/* An active vCPU brings its keys along (key A comes with its registers at each entry); any
 * other costs this one test. */
static void vpauth_load(struct vcpu *v)
{
    const struct vpauth_vm *s = pv_of(v);
    if (__builtin_expect(s->active & (1u << v->id), 0))
        hw_load(&s->cpu[v->id]);
}

static void vpauth_put(struct vcpu *v)
{
    struct vpauth_vm *s = pv_of(v);
    if (__builtin_expect(s->active & (1u << v->id), 0))
        hw_save(&s->cpu[v->id]);
}

const struct vcpu_hw_ops vpauth_hw_ops = {
    .vm_state_size = sizeof(struct vpauth_vm),
    .attach = vpauth_attach,
    .load = vpauth_load,
    .put = vpauth_put,
};
