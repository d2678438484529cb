/* GICv4.0 direct injection of a VM's vLPIs (vdev/vgic_v4.h; IHI 0069H 5.3 and 12.12): a part
 * of the virtual CPU hardware (core/vcpu_hw.h). For a VM with a vITS on a host whose ITS and
 * redistributors have virtual LPIs (drivers/gicv4.c), each vCPU gets a vPE (vPEID = (VMID - 1) *
 * VM_MAX_VCPUS + vCPU index) mapped by VMAPP to its physical CPU's redistributor, with a
 * virtual pending table (VPT) of its own and the VM's one virtual LPI configuration table, both
 * in hypervisor memory that no stage 2 maps: the guest reaches them only through the emulated
 * vITS and vGIC, whose INV/INVALL and MAPTI copy what it wrote in its own table into ours
 * (vgic_v4_set_config). The vPE is resident (GICR_VPENDBASER.Valid) while its vCPU is loaded;
 * assigned functions' events the guest mapped to it are then signalled by the GIC straight to
 * the vCPU interface (core/pci_msi.c, vdev/vpci_msi.c decide which). A vCPU that is not loaded
 * is woken by the vLPI's doorbell (core/pci_msi.c kicks it) and asks has_work, which reads its
 * VPT. */
#include "vdev/vgic_v4.h"
#include "vdev/vcpu_hw_table.h"
#include "vdev/vits.h"
#include "core/page_alloc.h"
#include "core/vm.h"
#include "drivers/gicv4.h"
#include "drivers/gic_its_regs.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/sysreg.h"
#include "lib/log.h"
#include "lib/string.h"

#define PAGE_BYTES 4096u
#define PROP_PAGES (GICV4_PROP_BYTES / PAGE_BYTES)
#define VPT_PAGES  (GICV4_VPT_ALIGN / PAGE_BYTES) /* one 64 KiB aligned block: the VPT and room */
/* The vLPIs a guest has (vdev/vgic.h: 1024 from 8192), the bytes of the VPT that hold them. */
#define VLPI_FIRST_BYTE  (GICV4_LPI_BASE / 8)
#define VLPI_BYTES       (VGIC_V4_NR_VLPIS / 8)
#define VGIC_V4_NR_VLPIS 1024u

struct vgic_v4_vm {
    bool on;
    uint8_t *prop;              /* configuration table: a byte per LPI from 8192 */
    uint8_t *vpt[VM_MAX_VCPUS]; /* each vCPU's pending table, 64 KiB aligned */
    bool mapped[VM_MAX_VCPUS];  /* VMAPP done (kept across resets: the vCPU's CPU is fixed) */
    volatile bool resident[VM_MAX_VCPUS];
};

static struct vgic_v4_vm *v4_of(const struct vm *vm) { return vm->hw[VCPU_HW_VGICV4].state; }
/* VMIDs are the VM's slot + 1 (docs/architecture.md "Running a guest"). */
static uint32_t vpeid_of(const struct vm *vm, unsigned vcpu) { return (vm->id - 1) * VM_MAX_VCPUS + vcpu; }

static void clean(const void *p, size_t len)
{
    for (uint64_t a = (uint64_t)(uintptr_t)p & ~63UL; a < (uint64_t)(uintptr_t)p + len; a += 64)
        dc_civac(a);
    dsb_sy();
}

static void give_back(struct vm *vm, struct vgic_v4_vm *s)
{
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
        if (s->mapped[i])
            gicv4_vpe_map(vpeid_of(vm, i), vm->vcpu[i].pcpu, s->vpt[i], false);
        if (s->vpt[i])
            page_free(s->vpt[i], VPT_PAGES);
        s->mapped[i] = false;
        s->vpt[i] = 0;
    }
    if (s->prop)
        page_free(s->prop, PROP_PAGES);
    s->prop = 0;
    s->on = false;
}

/* Tables once (kept across resets, cleared at each), a vPE per vCPU once. Without GICv4 or a
 * vITS the part is off and costs nothing (not switched). */
static int v4_attach(struct vm *vm)
{
    struct vgic_v4_vm *s = v4_of(vm);
    unsigned n = vm->cfg.nr_vcpus;
    bool want = gicv4_nr_vpes() > vpeid_of(vm, n - 1) && vits_index(vm) >= 0;
    for (unsigned i = 0; want && i < n; i++)
        want = gicv4_cpu_ok(vm->vcpu[i].pcpu);
    s->on = false;
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VGICV4, false);
    if (!want)
        return 0;
    if (!s->prop)
        s->prop = page_alloc(PROP_PAGES, PAGE_BYTES);
    for (unsigned i = 0; i < n && s->prop; i++)
        if (!s->vpt[i] && !(s->vpt[i] = page_alloc(VPT_PAGES, GICV4_VPT_ALIGN)))
            break;
    if (!s->prop || !s->vpt[n - 1]) {
        printk("elvisor: VM '%s': no memory for GICv4 vPE tables: its vLPIs stay emulated\n", vm->cfg.name);
        give_back(vm, s);
        return 0;
    }
    memset(s->prop, 0, GICV4_PROP_BYTES);
    clean(s->prop, GICV4_PROP_BYTES);
    for (unsigned i = 0; i < n; i++) {
        memset(s->vpt[i], 0, GICV4_VPT_BYTES);
        clean(s->vpt[i], GICV4_VPT_BYTES);
        if (!s->mapped[i] && gicv4_vpe_map(vpeid_of(vm, i), vm->vcpu[i].pcpu, s->vpt[i], true) < 0) {
            printk("elvisor: VM '%s': the host ITS refused vCPU %u's vPE: its vLPIs stay emulated\n", vm->cfg.name, i);
            give_back(vm, s);
            return 0;
        }
        s->mapped[i] = true;
        vcpu_hw_switched(&vm->vcpu[i], VCPU_HW_VGICV4, true);
    }
    s->on = true;
    return 0;
}

static void v4_release(struct vm *vm) { give_back(vm, v4_of(vm)); }

static void v4_load(struct vcpu *v)
{
    struct vgic_v4_vm *s = v4_of(v->vm);
    if (!s->on) /* switched only for the VMs it serves; a harness may call every part */
        return;
    gicv4_vpe_load(v->pcpu, s->prop, s->vpt[v->id]);
    s->resident[v->id] = true;
}

static void v4_put(struct vcpu *v)
{
    struct vgic_v4_vm *s = v4_of(v->vm);
    if (!s->resident[v->id])
        return;
    gicv4_vpe_put(v->pcpu);
    s->resident[v->id] = false;
}

/* A vLPI pending in v's VPT and enabled in the configuration table (its priority is the
 * guest's business: WFI may complete early). The GIC writes the VPT of a vPE that is not
 * resident before its doorbell; QEMU's also while it is. */
static bool v4_has_work(struct vcpu *v)
{
    const struct vgic_v4_vm *s = v4_of(v->vm);
    if (!s->on || !s->vpt[v->id])
        return false;
    const volatile uint8_t *bits = s->vpt[v->id] + VLPI_FIRST_BYTE;
    for (unsigned b = 0; b < VLPI_BYTES; b++) {
        if (b % 64 == 0)
            dc_civac((uint64_t)(uintptr_t)&bits[b]);
        for (uint8_t m = bits[b]; m; m &= (uint8_t)(m - 1))
            if (s->prop[b * 8 + (unsigned)__builtin_ctz(m)] & LPI_CFG_ENABLE)
                return true;
    }
    return false;
}

bool vgic_v4_on(const struct vm *vm) { return v4_of(vm) && v4_of(vm)->on; }

bool vgic_v4_target(const struct vm *vm, unsigned vcpu, uint32_t intid, struct pci_msi_vlpi *out)
{
    const struct vgic_v4_vm *s = v4_of(vm);
    if (!s || !s->on || vcpu >= vm->cfg.nr_vcpus || !s->mapped[vcpu] || intid < GICV4_LPI_BASE ||
        intid >= GICV4_LPI_BASE + VGIC_V4_NR_VLPIS)
        return false;
    *out = (struct pci_msi_vlpi){
        .vcpu = vcpu, .vpeid = vpeid_of(vm, vcpu), .vintid = intid, .cfg = s->prop[intid - GICV4_LPI_BASE]
    };
    return true;
}

void vgic_v4_set_config(struct vm *vm, uint32_t intid, uint8_t cfg)
{
    struct vgic_v4_vm *s = v4_of(vm);
    if (!s || !s->on || intid < GICV4_LPI_BASE || intid >= GICV4_LPI_BASE + VGIC_V4_NR_VLPIS)
        return;
    uint8_t *p = &s->prop[intid - GICV4_LPI_BASE];
    if (*p == cfg)
        return;
    *p = cfg;
    clean(p, 1);
}

bool vgic_v4_pending(struct vm *vm, unsigned vcpu, uint32_t intid)
{
    struct vgic_v4_vm *s = v4_of(vm);
    if (!s || !s->on || vcpu >= vm->cfg.nr_vcpus || intid < GICV4_LPI_BASE ||
        intid >= GICV4_LPI_BASE + VGIC_V4_NR_VLPIS)
        return false;
    volatile uint8_t *b = s->vpt[vcpu] + intid / 8;
    dc_civac((uint64_t)(uintptr_t)b);
    return (*b >> (intid % 8)) & 1;
}

const struct vcpu_hw_ops vgic_v4_hw_ops = {
    .vm_state_size = sizeof(struct vgic_v4_vm),
    .attach = v4_attach,
    .release = v4_release,
    .load = v4_load,
    .put = v4_put,
    .has_work = v4_has_work,
};
