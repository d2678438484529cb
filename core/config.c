#include "core/config.h"
#include "core/config_parse.h"
#include "core/vdev.h"
#include "core/vm_layout.h"
#include "lib/fdt_read.h"
#include "lib/printf.h"
#include "lib/string.h"

#ifdef HOST_TEST
#include <string.h>
#endif

static bool ranges_overlap(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz) { return a < b + bsz && b < a + asz; }

bool config_in_ipa_space(const struct config_parse *p, uint64_t a, uint64_t s)
{
    uint64_t ipa_end = 1ULL << p->lim->ipa_bits;
    return a < ipa_end && s <= ipa_end - a;
}

bool config_copy_string(struct config_parse *p, int node, const char *prop, char *dst, size_t cap, bool required)
{
    int len;
    const char *s = fdt_getprop(p->f, node, prop, &len);
    if (!s) {
        if (required)
            REFUSE(p, "%s: missing", prop);
        dst[0] = 0;
        return true;
    }
    if (len <= 0 || s[len - 1] != 0 || (size_t)len > cap)
        REFUSE(p, "%s: not a string of at most %u bytes", prop, (unsigned)cap - 1);
    memcpy(dst, s, (size_t)len);
    return true;
}

bool config_read_pair(struct config_parse *p, int node, const char *prop, int index, uint64_t *a, uint64_t *s)
{
    int len;
    const uint8_t *v = fdt_getprop(p->f, node, prop, &len);
    if (!v || len < (index + 1) * 16)
        return false;
    v += index * 16;
    *a = (uint64_t)fdt_cell(v, 0) << 32 | fdt_cell(v, 1);
    *s = (uint64_t)fdt_cell(v, 2) << 32 | fdt_cell(v, 3);
    return true;
}

static bool parse_memory(struct config_parse *p, int node, struct vm_config *vm)
{
    int len;
    if (!fdt_getprop(p->f, node, "memory", &len) || len != 16 ||
        !config_read_pair(p, node, "memory", 0, &vm->ram_ipa, &vm->ram_size))
        REFUSE(p, "memory: need <ipa-hi ipa-lo size-hi size-lo>");
    if (vm->ram_size < 0x200000 || (vm->ram_size & 0x1fffff) || (vm->ram_ipa & 0x1fffff))
        REFUSE(p, "memory: base and size must be 2 MiB aligned and size at least 2 MiB");
    uint64_t ipa_end = 1ULL << p->lim->ipa_bits;
    if (vm->ram_ipa >= ipa_end || vm->ram_size > ipa_end - vm->ram_ipa)
        REFUSE(p, "memory: 0x%lx+0x%lx exceeds the %u-bit IPA space", (unsigned long)vm->ram_ipa,
               (unsigned long)vm->ram_size, p->lim->ipa_bits);
    return true;
}

static bool parse_vcpus(struct config_parse *p, int node, struct vm_config *vm)
{
    uint32_t n;
    if (fdt_prop_u32(p->f, node, "vcpus", &n) < 0 || n == 0 || n > VM_MAX_VCPUS)
        REFUSE(p, "vcpus: need 1..%d", VM_MAX_VCPUS);
    vm->nr_vcpus = n;
    int len;
    const uint8_t *aff = fdt_getprop(p->f, node, "cpu-affinity", &len);
    if (!aff)
        REFUSE(p, "cpu-affinity: missing (one physical CPU per vCPU)");
    if (len != (int)(4 * n))
        REFUSE(p, "cpu-affinity: has %d entries for %u vCPUs", len / 4, n);
    for (unsigned i = 0; i < n; i++) {
        uint32_t c = fdt_cell(aff, (int)i);
        if (c >= p->lim->nr_cpus)
            REFUSE(p, "cpu-affinity: physical CPU %u does not exist (this machine has %u)", c, p->lim->nr_cpus);
        vm->affinity[i] = c;
    }
    return true;
}

static bool parse_images(struct config_parse *p, int node, struct vm_config *vm)
{
    if (!config_copy_string(p, node, "kernel", vm->kernel, sizeof(vm->kernel), false) ||
        !config_copy_string(p, node, "initrd", vm->initrd, sizeof(vm->initrd), false) ||
        !config_copy_string(p, node, "firmware", vm->firmware, sizeof(vm->firmware), false) ||
        !config_copy_string(p, node, "bootargs", vm->bootargs, sizeof(vm->bootargs), false))
        return false;
    if (vm->firmware[0])
        return config_firmware(p, node, vm);
    int len;
    if (fdt_getprop(p->f, node, "flash", &len))
        REFUSE(p, "flash: only with firmware");
    if (!vm->kernel[0])
        REFUSE(p, "kernel: missing (or firmware)");
    uint64_t ksize = 0, isize = 0;
    if (p->lim->file_size(vm->kernel, &ksize) < 0)
        REFUSE(p, "kernel: \"%s\" is not in the image pack", vm->kernel);
    if (vm->initrd[0] && p->lim->file_size(vm->initrd, &isize) < 0)
        REFUSE(p, "initrd: \"%s\" is not in the image pack", vm->initrd);
    /* The kernel at its load offset, the initrd and the DTB after it, as the loader places
     * them (core/vm_layout.h). */
    struct vm_image_layout l;
    uint64_t koff = p->lim->load_offset ? p->lim->load_offset(vm->kernel) : 0;
    if (!vm_image_layout(koff, ksize, isize, vm->ram_size, &l))
        REFUSE(p, "kernel: images need %lu KiB but memory is %lu KiB", (unsigned long)(l.end >> 10),
               (unsigned long)(vm->ram_size >> 10));
    return true;
}

static bool parse_irqs(struct config_parse *p, int node, uint32_t *out, unsigned *count, unsigned max)
{
    int len;
    const uint8_t *v = fdt_getprop(p->f, node, "interrupts", &len);
    if (!v)
        return true;
    if (len % 4 || (unsigned)len / 4 > max)
        REFUSE(p, "interrupts: at most %u SPIs as single cells", max);
    for (int i = 0; i < len / 4; i++) {
        uint32_t intid = fdt_cell(v, i);
        if (intid < 32 || intid > 1019)
            REFUSE(p, "interrupts: %u is not an SPI (32..1019)", intid);
        out[(*count)++] = intid;
    }
    return true;
}

static bool parse_passthrough(struct config_parse *p, int vmnode, struct vm_config *vm)
{
    int parent = -1;
    for (int n = fdt_first_subnode(p->f, vmnode); n >= 0; n = fdt_next_subnode(p->f, n))
        if (strcmp(fdt_node_name(p->f, n), "passthrough") == 0)
            parent = n;
    if (parent < 0)
        return true;
    for (int n = fdt_first_subnode(p->f, parent); n >= 0; n = fdt_next_subnode(p->f, n)) {
        struct vm_region r;
        int len;
        const char *name = fdt_node_name(p->f, n);
        if (vm->nr_pt_devs == VM_MAX_PASSTHRU || strlen(name) >= VM_NAME_LEN)
            REFUSE(p, "passthrough/%s: more than %d devices or a name of 32 characters or more", name, VM_MAX_PASSTHRU);
        struct vm_passthru_dev *dev = &vm->pt_dev[vm->nr_pt_devs++];
        memcpy(dev->name, name, strlen(name) + 1);
        dev->first_region = (uint8_t)vm->nr_passthru;
        dev->first_irq = (uint8_t)vm->nr_passthru_irqs;
        /* A reg that is not whole pairs would otherwise be skipped and pass nothing through. */
        if (fdt_getprop(p->f, n, "reg", &len) && (len == 0 || len % 16))
            REFUSE(p, "passthrough/%s: reg must be <addr-hi addr-lo size-hi size-lo> pairs", fdt_node_name(p->f, n));
        for (int i = 0; config_read_pair(p, n, "reg", i, &r.pa, &r.size); i++) {
            if (vm->nr_passthru == VM_MAX_PASSTHRU)
                REFUSE(p, "passthrough: more than %d regions", VM_MAX_PASSTHRU);
            if ((r.pa | r.size) & 0xfff || r.size == 0)
                REFUSE(p, "passthrough/%s: reg must be 4 KiB aligned and non-empty", fdt_node_name(p->f, n));
            if (!config_in_ipa_space(p, r.pa, r.size))
                REFUSE(p, "passthrough/%s: 0x%lx+0x%lx exceeds the %u-bit IPA space", fdt_node_name(p->f, n),
                       (unsigned long)r.pa, (unsigned long)r.size, p->lim->ipa_bits);
            r.ipa = r.pa; /* passthrough devices appear at their physical address */
            vm->passthru[vm->nr_passthru++] = r;
        }
        uint32_t count = vm->nr_passthru_irqs;
        if (!parse_irqs(p, n, vm->passthru_irq, &count, VM_MAX_IRQS - vm->nr_passthru_irqs))
            return false;
        vm->nr_passthru_irqs = count;
        dev->nr_regions = (uint8_t)(vm->nr_passthru - dev->first_region);
        dev->nr_irqs = (uint8_t)(vm->nr_passthru_irqs - dev->first_irq);
    }
    return true;
}

static const struct vdev_kind *device_kind(struct config_parse *p, int node)
{
    for (unsigned i = 0; i < vdev_nr_kinds; i++)
        if (fdt_is_compatible(p->f, node, vdev_kinds[i].compatible))
            return &vdev_kinds[i];
    return 0;
}

/* The option that would bring back what this build left out (vdev/left_out.c), or NULL. */
static const char *left_out_option(const char *what)
{
    for (const struct vdev_left_out *l = vdev_left_out; l->what; l++)
        if (strcmp(l->what, what) == 0)
            return l->option;
    return 0;
}

/* Refuses the VM over device node n, whose compatible has no kind: one this build left out (with
 * the option that brings it back), else unknown. */
static bool refuse_kind(struct config_parse *p, int n, const char *name)
{
    const char *compat = fdt_prop_string(p->f, n, "compatible");
    for (const struct vdev_left_out *l = vdev_left_out; l->what; l++)
        if (fdt_is_compatible(p->f, n, l->what))
            REFUSE(p, "devices/%s: %s is not in this build (CONFIG_%s=n, docs/build.md)", name, l->what, l->option);
    REFUSE(p, "devices/%s: unknown device (compatible \"%s\")", name, compat ? compat : "");
}

/* What every kind's binding has, then the properties of its own (core/vdev.h: the kind's
 * binding, in the file of its part). */
static bool parse_props(struct config_parse *p, int node, const char *name, struct vm_config *vm, struct vm_device *d)
{
    const struct vdev_kind *k = d->kind;
    if (k->needs_irq && !d->intid)
        REFUSE(p, "devices/%s: \"%s\" needs interrupts = <SPI>", name, k->compatible);
    if (d->size < k->min_size)
        REFUSE(p, "devices/%s: a \"%s\" window is at least 0x%lx bytes", name, k->compatible,
               (unsigned long)k->min_size);
    return !k->binding || k->binding(p, node, name, vm, d);
}

static bool parse_devices(struct config_parse *p, int vmnode, struct vm_config *vm)
{
    int parent = -1;
    for (int n = fdt_first_subnode(p->f, vmnode); n >= 0; n = fdt_next_subnode(p->f, n))
        if (strcmp(fdt_node_name(p->f, n), "devices") == 0)
            parent = n;
    if (parent < 0)
        return true;
    for (int n = fdt_first_subnode(p->f, parent); n >= 0; n = fdt_next_subnode(p->f, n)) {
        const char *name = fdt_node_name(p->f, n);
        if (vm->nr_devs == VM_MAX_DEVICES)
            REFUSE(p, "devices: more than %d", VM_MAX_DEVICES);
        struct vm_device *d = &vm->dev[vm->nr_devs];
        memset(d, 0, sizeof(*d));
        if (!(d->kind = device_kind(p, n)))
            return refuse_kind(p, n, name);
        int len;
        if (!fdt_getprop(p->f, n, "reg", &len) || len != 16 || !config_read_pair(p, n, "reg", 0, &d->ipa, &d->size) ||
            d->size == 0 || ((d->ipa | d->size) & 0xfff))
            REFUSE(p, "devices/%s: reg must be one 4 KiB aligned <addr size> pair of 2 cells each", name);
        if (!config_in_ipa_space(p, d->ipa, d->size))
            REFUSE(p, "devices/%s: 0x%lx+0x%lx exceeds the %u-bit IPA space", name, (unsigned long)d->ipa,
                   (unsigned long)d->size, p->lim->ipa_bits);
        uint32_t irq[1];
        unsigned nirq = 0;
        if (!parse_irqs(p, n, irq, &nirq, 1))
            return false;
        d->intid = nirq ? irq[0] : 0;
        if (!parse_props(p, n, name, vm, d))
            return false;
        vm->nr_devs++;
    }
    return true;
}

/* Every IPA window of the VM must be disjoint from the others and from the hypervisor's. */
static bool check_layout(struct config_parse *p, const struct vm_config *vm)
{
    struct {
        const char *what;
        uint64_t a, s;
    } w[2 + VM_MAX_PASSTHRU + 2 * VM_MAX_DEVICES + 8];
    unsigned n = 0;
    w[n].what = "memory";
    w[n].a = vm->ram_ipa;
    w[n++].s = vm->ram_size;
    if (vm->flash_size) {
        w[n].what = "flash";
        w[n].a = vm->flash_ipa;
        w[n++].s = vm->flash_size;
    }
    for (unsigned i = 0; i < vm->nr_passthru; i++) {
        w[n].what = "passthrough";
        w[n].a = vm->passthru[i].ipa;
        w[n++].s = vm->passthru[i].size;
    }
    for (unsigned i = 0; i < vm->nr_devs; i++) {
        w[n].what = "devices";
        w[n].a = vm->dev[i].ipa;
        w[n++].s = vm->dev[i].size;
        if (vm->dev[i].win_size) {
            w[n].what = "a bar-window";
            w[n].a = vm->dev[i].win_ipa;
            w[n++].s = vm->dev[i].win_size;
        }
    }
    for (unsigned i = 0; i < p->lim->nr_reserved && i < 8; i++) {
        w[n].what = "the virtual GIC";
        w[n].a = p->lim->reserved[i].ipa;
        w[n++].s = p->lim->reserved[i].size;
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (ranges_overlap(w[i].a, w[i].s, w[j].a, w[j].s))
                REFUSE(p, "%s: 0x%lx+0x%lx overlaps %s at 0x%lx", w[i].what, (unsigned long)w[i].a,
                       (unsigned long)w[i].s, w[j].what, (unsigned long)w[j].a);
    return true;
}

/* cpu-features = "no-debug", "no-pmu", ...: a string list, each "no-" and a feature's name. */
static bool parse_cpu_features(struct config_parse *p, int node, struct vm_config *vm)
{
    static const char *const names[CPU_FEAT_NR] = {
        [CPU_FEAT_DEBUG] = "no-debug", [CPU_FEAT_PMU] = "no-pmu",     [CPU_FEAT_SVE] = "no-sve",
        [CPU_FEAT_SME] = "no-sme",     [CPU_FEAT_PAUTH] = "no-pauth", [CPU_FEAT_MTE] = "no-mte",
    };
    int len;
    const char *s = fdt_getprop(p->f, node, "cpu-features", &len);
    if (!s)
        return true;
    if (len <= 0 || s[len - 1] != 0)
        REFUSE(p, "cpu-features: need a list of strings such as \"no-debug\", \"no-pmu\"");
    for (const char *end = s + len; s < end; s += strlen(s) + 1) {
        unsigned f = 0;
        while (f < CPU_FEAT_NR && strcmp(s, names[f]) != 0)
            f++;
        if (f == CPU_FEAT_NR)
            REFUSE(p, "cpu-features: unknown \"%.40s\" (known: no-debug, no-pmu, no-sve, no-sme, no-pauth, no-mte)", s);
        vm->cpu_features_off |= CPU_FEAT_BIT(f);
    }
    return true;
}

/* virtual-el2: an empty property (docs/config.md, docs/nested.md); whether the CPU can offer it
 * (FEAT_NV2) is checked when the VM is built (vdev/nested.c). */
static bool parse_virtual_el2(struct config_parse *p, int node, struct vm_config *vm)
{
    int len;
    if (!fdt_getprop(p->f, node, "virtual-el2", &len))
        return true;
    if (len != 0)
        REFUSE(p, "virtual-el2: takes no value (write \"virtual-el2;\")");
    const char *option = left_out_option("virtual-el2");
    if (option)
        REFUSE(p, "virtual-el2: nested virtualization is not in this build (CONFIG_%s=n, docs/build.md)", option);
    vm->virtual_el2 = true;
    /* The guest hypervisor's own SVE controls (CPTR_EL2.ZEN, ZCR_EL2) are not emulated: SVE is
     * hidden from it rather than offered half-switched (docs/nested.md). */
    vm->cpu_features_off |= CPU_FEAT_BIT(CPU_FEAT_SVE);
    /* Nor its tag controls (HCR_EL2.ATA, TFSR_EL2): MTE likewise. */
    vm->cpu_features_off |= CPU_FEAT_BIT(CPU_FEAT_MTE);
    return true;
}

/* autostart: <0> or <1>, default 1; then `control;` (core/config_control.c). */
static bool parse_autostart(struct config_parse *p, int node, struct vm_config *vm)
{
    uint32_t on = 1;
    if (fdt_getprop(p->f, node, "autostart", 0) && (fdt_prop_u32(p->f, node, "autostart", &on) < 0 || on > 1))
        REFUSE(p, "autostart: need one cell, 0 or 1");
    vm->autostart = on;
    return config_control(p, node, vm);
}

static bool parse_vm(struct config_parse *p, int node, struct vm_config *vm)
{
    return parse_memory(p, node, vm) && parse_vcpus(p, node, vm) && parse_images(p, node, vm) &&
           parse_cpu_features(p, node, vm) && config_sve_max_vl(p, node, vm) && parse_virtual_el2(p, node, vm) &&
           parse_passthrough(p, node, vm) && parse_devices(p, node, vm) && parse_autostart(p, node, vm) &&
           check_layout(p, vm);
}

int config_parse(const void *blob, size_t size, const struct config_limits *lim, struct vm_config *out,
                 config_report_fn report)
{
    struct fdt f;
    char why[96];
    int err = fdt_init(&f, blob, size);
    if (err < 0) {
        ev_snprintf(why, sizeof(why), "configuration DTB is invalid: %s", fdt_strerror(err));
        report(0, why);
        return -1;
    }
    int vms = fdt_path_offset(&f, "/vms");
    if (vms < 0) {
        report(0, "configuration has no /vms node");
        return -1;
    }
    struct config_parse p = { .f = &f, .lim = lim, .accepted = out };
    int count = 0;
    for (int n = fdt_first_subnode(&f, vms); n >= 0; n = fdt_next_subnode(&f, n)) {
        const char *name = fdt_node_name(&f, n);
        p.vm_index++;
        if (count == CONFIG_MAX_VMS) {
            report(name, "too many VMs in the configuration");
            continue;
        }
        struct vm_config *vm = &out[count];
        p.nr_accepted = count;
        memset(vm, 0, sizeof(*vm));
        if (strlen(name) >= VM_NAME_LEN) {
            report(name, "name: longer than 31 characters");
            continue;
        }
        memcpy(vm->name, name, strlen(name) + 1);
        bool dup = false;
        for (int i = 0; i < count; i++)
            dup |= strcmp(out[i].name, name) == 0;
        if (dup) {
            report(name, "name: another VM has the same name");
            continue;
        }
        if (!parse_vm(&p, n, vm)) {
            report(name, p.why);
            continue;
        }
        count++;
    }
    return count;
}

uint32_t config_time_slice_us(const void *blob, size_t size, config_report_fn report)
{
    struct fdt f;
    uint32_t us;
    if (fdt_init(&f, blob, size) < 0)
        return CONFIG_TIME_SLICE_US;
    int vms = fdt_path_offset(&f, "/vms");
    if (vms < 0 || !fdt_getprop(&f, vms, "time-slice-us", 0))
        return CONFIG_TIME_SLICE_US;
    if (fdt_prop_u32(&f, vms, "time-slice-us", &us) < 0 || us < 100 || us > 1000000) {
        report(0, "/vms time-slice-us: need one cell from 100 to 1000000; using 10000");
        return CONFIG_TIME_SLICE_US;
    }
    return us;
}
