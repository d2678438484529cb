/* libFuzzer harness for core/config.c.
 *
 * An input that starts with the FDT magic is handed to config_parse as it is (the seed corpus
 * holds the repository's compiled configurations, which libFuzzer mutates). Any other input is
 * a recipe: its bytes choose the machine (CPUs, IPA size, reserved windows) and the VMs, whose
 * properties are written with the FDT writer using values near the edges that validation
 * cares about, so that every refusal path and the overlap checks are reached quickly.
 *
 * Either way the outcome is checked against the rules of docs/config.md: every VM node is
 * either accepted or reported exactly once, and every accepted VM satisfies every check. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/vdev.h"
#include "core/vm_layout.h"
#include "lib/fdt_read.h"
#include "lib/fdt_write.h"

#include "tests/host/check.h"

/* ---- the machine ------------------------------------------------------------------------ */

static int file_size(const char *path, uint64_t *size)
{
    static const struct {
        const char *path;
        uint64_t size;
    } pack[] = {
        { "k.bin", 0x1000 },
        { "k2m.bin", 0x200000 },
        { "big.bin", 0x300000 },
        { "rd.img", 0x80000 },
        { "huge.bin", UINT64_MAX - 0x1000 },
        { "", 0x1000 },
    };
    for (size_t i = 0; i < sizeof(pack) / sizeof(pack[0]); i++) {
        if (strcmp(path, pack[i].path) == 0) {
            *size = pack[i].size;
            return 0;
        }
    }
    if (strncmp(path, "build/guests/", 13) == 0) {
        *size = 0x3000;
        return 0;
    }
    return -1;
}

static struct vm_region reserved[8];
static struct config_limits lim;

/* ---- reports ---------------------------------------------------------------------------- */

#define MAX_REPORTS 256

static struct {
    bool whole;
    char vm[256];
} reports[MAX_REPORTS];
static unsigned nreports, nwhole;

static void record(const char *vm, const char *reason)
{
    CHECK(reason != NULL);
    size_t n = strlen(reason);
    CHECK(n > 0 && n < 200);
#ifdef FUZZ_DEBUG
    fprintf(stderr, "refused %s: %s\n", vm ? vm : "(configuration)", reason);
#endif
    if (vm == NULL) {
        nwhole++;
        return;
    }
    CHECK(nreports < MAX_REPORTS);
    reports[nreports].whole = false;
    snprintf(reports[nreports].vm, sizeof(reports[0].vm), "%s", vm);
    nreports++;
}

/* ---- the oracle ------------------------------------------------------------------------- */

static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs) { return a < b + bs && b < a + as; }

static bool in_ipa(uint64_t a, uint64_t s)
{
    uint64_t end = UINT64_C(1) << lim.ipa_bits;
    return a < end && s <= end - a;
}

static bool terminated(const char *s, size_t cap) { return memchr(s, 0, cap) != NULL; }

static void check_vm(const struct vm_config *vm)
{
    CHECK(terminated(vm->name, sizeof(vm->name)) && vm->name[0] != '\0');
    CHECK(vm->ram_size >= 0x200000 && !(vm->ram_size & 0x1fffff) && !(vm->ram_ipa & 0x1fffff));
    CHECK(in_ipa(vm->ram_ipa, vm->ram_size));
    CHECK(vm->nr_vcpus >= 1 && vm->nr_vcpus <= VM_MAX_VCPUS);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        CHECK(vm->affinity[i] < lim.nr_cpus);

    CHECK(terminated(vm->kernel, sizeof(vm->kernel)));
    CHECK(terminated(vm->initrd, sizeof(vm->initrd)));
    CHECK(terminated(vm->bootargs, sizeof(vm->bootargs)));
    uint64_t ks = 0, is = 0;
    CHECK(file_size(vm->kernel, &ks) == 0);
    if (vm->initrd[0])
        CHECK(file_size(vm->initrd, &is) == 0);
    CHECK(ks <= vm->ram_size && is <= vm->ram_size);
    struct vm_image_layout l; /* where core/vmm.c will copy them: inside the VM's RAM */
    CHECK(vm_image_layout(0, ks, is, vm->ram_size, &l) && l.end <= vm->ram_size);

    struct {
        uint64_t a, s;
    } w[1 + VM_MAX_PASSTHRU + VM_MAX_DEVICES + 8];
    unsigned n = 0;
    w[n].a = vm->ram_ipa;
    w[n++].s = vm->ram_size;
    CHECK(vm->nr_passthru <= VM_MAX_PASSTHRU);
    for (unsigned i = 0; i < vm->nr_passthru; i++) {
        const struct vm_region *r = &vm->passthru[i];
        CHECK(r->ipa == r->pa && r->size != 0 && !((r->pa | r->size) & 0xfff));
        CHECK(in_ipa(r->ipa, r->size));
        w[n].a = r->ipa;
        w[n++].s = r->size;
    }
    CHECK(vm->nr_passthru_irqs <= VM_MAX_IRQS);
    for (unsigned i = 0; i < vm->nr_passthru_irqs; i++)
        CHECK(vm->passthru_irq[i] >= 32 && vm->passthru_irq[i] <= 1019);
    CHECK(vm->nr_devs <= VM_MAX_DEVICES);
    for (unsigned i = 0; i < vm->nr_devs; i++) {
        const struct vm_device *d = &vm->dev[i];
        CHECK(d->kind >= vdev_kinds && d->kind < vdev_kinds + vdev_nr_kinds);
        if (d->kind->needs_irq)
            CHECK(d->intid != 0);
        CHECK(d->size >= d->kind->min_size);
        if (d->kind->binding == config_bind_blk)
            CHECK(d->disk[0] && memchr(d->disk, 0, sizeof(d->disk)));
        if (d->kind->binding == config_bind_net)
            CHECK(!(d->mac[0] & 1));
        CHECK(d->size != 0 && !((d->ipa | d->size) & 0xfff));
        CHECK(in_ipa(d->ipa, d->size));
        CHECK(d->intid == 0 || (d->intid >= 32 && d->intid <= 1019));
        w[n].a = d->ipa;
        w[n++].s = d->size;
    }
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = i + 1; j < n; j++)
            CHECK(!overlap(w[i].a, w[i].s, w[j].a, w[j].s));
        for (unsigned r = 0; r < lim.nr_reserved; r++)
            CHECK(!overlap(w[i].a, w[i].s, reserved[r].ipa, reserved[r].size));
    }
}

#define MAX_KIDS 64

/* Children of /vms, in order, must be an interleaving of the accepted VMs and the reports. */
static bool interleaves(char (*kids)[256], unsigned nk, const struct vm_config *out, unsigned na)
{
    static bool can[MAX_KIDS + 1][MAX_KIDS + 1];
    unsigned nr = nreports;

    if (na + nr != nk || nk > MAX_KIDS)
        return na + nr == nk;
    for (unsigned i = 0; i <= na; i++) {
        for (unsigned j = 0; j <= nr; j++) {
            if (i == 0 && j == 0) {
                can[0][0] = true;
                continue;
            }
            const char *kid = kids[i + j - 1];
            can[i][j] = (i > 0 && can[i - 1][j] && strcmp(out[i - 1].name, kid) == 0) ||
                        (j > 0 && can[i][j - 1] && strcmp(reports[j - 1].vm, kid) == 0);
        }
    }
    return can[na][nr];
}

static void run(const uint8_t *blob, size_t size)
{
    static struct vm_config out[CONFIG_MAX_VMS + 1];

    nreports = 0;
    nwhole = 0;
    memset(out, 0x5a, sizeof(out));
    int r = config_parse(blob, size, &lim, out, record);
    /* out[CONFIG_MAX_VMS] is a guard: never written */
    const uint8_t *guard = (const uint8_t *)&out[CONFIG_MAX_VMS];
    for (size_t i = 0; i < sizeof(out[0]); i++)
        CHECK(guard[i] == 0x5a);

    struct fdt f;
    int vms = -1;
    if (fdt_init(&f, blob, size) == 0)
        vms = fdt_path_offset(&f, "/vms");
    if (vms < 0) {
        CHECK(r == -1);
        CHECK(nwhole == 1 && nreports == 0);
        return;
    }
    CHECK(r >= 0 && r <= CONFIG_MAX_VMS);
    CHECK(nwhole == 0);

    static char kids[MAX_KIDS][256];
    unsigned nk = 0;
    for (int c = fdt_first_subnode(&f, vms); c >= 0; c = fdt_next_subnode(&f, c)) {
        if (nk < MAX_KIDS)
            snprintf(kids[nk], sizeof(kids[0]), "%s", fdt_node_name(&f, c));
        nk++;
    }
    CHECK(interleaves(kids, nk, out, (unsigned)r));
#ifdef FUZZ_DEBUG
    for (int i = 0; i < r; i++)
        fprintf(stderr, "accepted %s: %u vCPUs, %u passthrough, %u devices\n", out[i].name, out[i].nr_vcpus,
                out[i].nr_passthru, out[i].nr_devs);
#endif
    for (int i = 0; i < r; i++) {
        check_vm(&out[i]);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(out[i].name, out[j].name) != 0);
    }
}

/* ---- structured inputs ------------------------------------------------------------------ */

struct cursor {
    const uint8_t *p;
    size_t n;
};

static uint8_t take8(struct cursor *c)
{
    if (c->n == 0)
        return 0;
    c->n--;
    return *c->p++;
}

static uint64_t take64(struct cursor *c)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | take8(c);
    return v;
}

/* An address or size near what validation distinguishes. */
static uint64_t pick_addr(struct cursor *c, uint64_t gran)
{
    uint8_t k = take8(c);
    uint64_t top = UINT64_C(1) << lim.ipa_bits;
    uint64_t m = take8(c);
    switch (k % 8) {
    case 0:
        return 0x40000000 + m * gran;
    case 1:
        return 0x08000000 + m * 0x1000; /* the GIC and device area */
    case 2:
        return 0x09000000 + m * 0x1000;
    case 3:
        return top - (m + 1) * gran;
    case 4:
        return top + m * gran;
    case 5:
        return m * gran;
    case 6:
        return (0x40000000 + m * gran) | (take8(c) & 0x3) << 11; /* misaligned */
    default:
        return take64(c);
    }
}

static uint64_t pick_size(struct cursor *c, uint64_t gran)
{
    uint8_t k = take8(c);
    uint64_t m = take8(c);
    switch (k % 6) {
    case 0:
        return gran * (1 + m % 4);
    case 1:
        return gran * m; /* including 0 */
    case 2:
        return (gran >> 1) * (1 + m); /* half steps: misaligned */
    case 3:
        return UINT64_C(1) << (m % 64);
    case 4:
        return 0x2000000;
    default:
        return take64(c);
    }
}

static void put_pairs(struct fdt_writer *w, const char *name, struct cursor *c, uint64_t gran, unsigned npairs,
                      unsigned extra_cells)
{
    uint32_t cells[4 * 10 + 3];
    unsigned n = 0;
    for (unsigned i = 0; i < npairs && i < 10; i++) {
        uint64_t a = pick_addr(c, gran), s = pick_size(c, gran);
        cells[n++] = (uint32_t)(a >> 32);
        cells[n++] = (uint32_t)a;
        cells[n++] = (uint32_t)(s >> 32);
        cells[n++] = (uint32_t)s;
    }
    for (unsigned i = 0; i < extra_cells && i < 3; i++)
        cells[n++] = take8(c);
    fdtw_prop_cells(w, name, cells, (int)n);
}

static void put_irqs(struct fdt_writer *w, struct cursor *c, unsigned max)
{
    uint32_t cells[20];
    unsigned n = take8(c) % (max + 1);
    for (unsigned i = 0; i < n; i++) {
        uint8_t k = take8(c);
        cells[i] = k < 200 ? 32 + k : k < 230 ? k - 200 : 1000 + (k - 230); /* SPIs, PPIs, edges */
    }
    if (take8(c) & 1)
        fdtw_prop_cells(w, "interrupts", cells, (int)n);
    else
        fdtw_prop(w, "interrupts", cells, (int)(4 * n - (n ? 1 : 0))); /* odd length */
}

static void put_file(struct fdt_writer *w, const char *prop, struct cursor *c)
{
    static const char *const names[] = {
        "k.bin", "k2m.bin", "big.bin", "rd.img", "huge.bin", "missing.bin", "build/guests/basics.bin", ""
    };
    uint8_t k = take8(c);
    if (k < 200) {
        fdtw_prop_string(w, prop, names[k % 8]);
    } else if (k < 230) {
        char path[200];
        size_t len = 90 + (size_t)(k - 200); /* around the 111-byte limit */
        memcpy(path, "build/guests/", 13);
        memset(path + 13, 'p', len - 13);
        path[len] = '\0';
        fdtw_prop_string(w, prop, path);
    } else {
        uint8_t raw[8];
        int n = k % 9;
        for (int i = 0; i < n; i++)
            raw[i] = take8(c);
        fdtw_prop(w, prop, raw, n); /* maybe not a string */
    }
}

static void make_name(struct cursor *c, char *name, unsigned index)
{
    uint8_t k = take8(c);
    if (k < 128) {
        snprintf(name, 64, "vm%u", k % 12); /* duplicates likely */
    } else if (k < 192) {
        size_t len = 28 + (k % 8); /* around the 31-character limit */
        memset(name, 'n', len);
        name[len] = '\0';
    } else {
        snprintf(name, 64, "v%u@%x", index, k);
    }
}

static void build_vm(struct fdt_writer *w, struct cursor *c, unsigned index)
{
    char name[64];
    make_name(c, name, index);
    fdtw_begin_node(w, name);
    uint8_t has = take8(c);
    uint8_t has2 = take8(c);

    if (has & 0x01) {
        if (has2 & 0x01) {
            put_pairs(w, "memory", c, 0x200000, 1, 0);
        } else {
            put_pairs(w, "memory", c, 0x200000, take8(c) % 3, take8(c) % 3);
        }
    }
    unsigned vcpus = 1;
    if (has & 0x02) {
        uint8_t k = take8(c);
        vcpus = k < 240 ? k % 10 : 0xffffffffu - (k - 240);
        if (has2 & 0x02)
            fdtw_prop_u32(w, "vcpus", vcpus);
        else
            fdtw_prop_u64(w, "vcpus", vcpus);
    }
    if (has & 0x04) {
        uint32_t aff[12];
        unsigned n = vcpus <= 10 ? vcpus : 1;
        if (has2 & 0x04)
            n = take8(c) % 12;
        for (unsigned i = 0; i < n; i++)
            aff[i] = take8(c) % 10;
        fdtw_prop_cells(w, "cpu-affinity", aff, (int)n);
    }
    if (has & 0x08)
        put_file(w, "kernel", c);
    if (has & 0x10)
        put_file(w, "initrd", c);
    if (has & 0x20) {
        char args[320];
        size_t len = (size_t)take8(c) + (has2 & 0x08 ? 50 : 0);
        memset(args, 'a', len);
        args[len] = '\0';
        fdtw_prop_string(w, "bootargs", args);
    }
    if (has & 0x40) {
        fdtw_begin_node(w, (has2 & 0x10) ? "passthrough" : "passthrough@0");
        unsigned n = take8(c) % 5;
        for (unsigned i = 0; i < n; i++) {
            char nn[16];
            snprintf(nn, sizeof(nn), "p%u", i);
            fdtw_begin_node(w, nn);
            uint8_t k = take8(c);
            if (k & 1)
                put_pairs(w, "reg", c, 0x1000, 1 + (k >> 1) % 4, (k & 0x80) ? 1 : 0);
            if (k & 2)
                fdtw_prop_empty(w, "reg");
            if (k & 4)
                put_irqs(w, c, 18);
            fdtw_end_node(w);
        }
        fdtw_end_node(w);
    }
    if (has & 0x80) {
        static const char *const compat[] = { "arm,pl011", "elvisor,debug-regs", "arm,pl031", "" };
        fdtw_begin_node(w, "devices");
        unsigned n = take8(c) % 11;
        for (unsigned i = 0; i < n; i++) {
            char nn[16];
            snprintf(nn, sizeof(nn), "d%u", i);
            fdtw_begin_node(w, nn);
            uint8_t k = take8(c);
            if (k & 3) {
                if (k & 0x40)
                    fdtw_prop_strings(w, "compatible", (const char *const[]){ "x,y", compat[k & 3] }, 2);
                else
                    fdtw_prop_string(w, "compatible", compat[k & 3]);
            }
            if (k & 4)
                put_pairs(w, "reg", c, 0x1000, (k & 0x20) ? 2 : 1, (k & 0x80) ? 1 : 0);
            if (k & 8)
                put_irqs(w, c, 2);
            fdtw_end_node(w);
        }
        fdtw_end_node(w);
    }
    fdtw_end_node(w);
}

static void structured(const uint8_t *data, size_t size)
{
    struct cursor c = { data, size };
    static uint8_t buf[256 * 1024];
    struct fdt_writer w;

    lim.nr_cpus = 1 + take8(&c) % 8;
    lim.ipa_bits = 32 + take8(&c) % 17;
    unsigned nres = take8(&c) % 4;
    for (unsigned i = 0; i < nres; i++) {
        reserved[i].ipa = 0x08000000 + (uint64_t)i * 0x10000;
        reserved[i].pa = 0;
        reserved[i].size = 0x10000;
    }
    lim.nr_reserved = nres;

    fdtw_init(&w, buf, sizeof(buf));
    fdtw_begin_node(&w, "");
    uint8_t top = take8(&c);
    if (top % 8 != 0) { /* 1 in 8 configurations lacks /vms */
        fdtw_begin_node(&w, (top & 0x80) ? "vms@0" : "vms");
        unsigned nvms = take8(&c) % 12;
        for (unsigned i = 0; i < nvms; i++)
            build_vm(&w, &c, i);
        fdtw_end_node(&w);
    }
    fdtw_end_node(&w);
    size_t total = 0;
    if (fdtw_finish(&w, &total) != 0)
        return; /* a name the writer refused */
    run(buf, total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lim.file_size = file_size;
    lim.reserved = reserved;
    if (size >= 4 && data[0] == 0xd0 && data[1] == 0x0d && data[2] == 0xfe && data[3] == 0xed) {
        /* A blob: the QEMU-virt-like machine the system tests use, GICv2 windows. */
        lim.nr_cpus = 4;
        lim.ipa_bits = 40;
        reserved[0] = (struct vm_region){ 0x08000000, 0, 0x10000 };
        reserved[1] = (struct vm_region){ 0x08010000, 0, 0x10000 };
        lim.nr_reserved = 2;
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        run(copy, size);
        free(copy);
    } else {
        structured(data, size);
    }
    return 0;
}
