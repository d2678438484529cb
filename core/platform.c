#include <stdbool.h>
#include "core/platform.h"
#include "core/efi_mem.h"
#include "drivers/uart.h"
#include "arch/aarch64/efi.h"
#include "lib/fdt_read.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/regs/mpidr.h"

struct platform platform;
static struct fdt host_fdt;
static char reason[160];

#define FAIL(...)                                         \
    do {                                                  \
        ev_snprintf(reason, sizeof(reason), __VA_ARGS__); \
        return reason;                                    \
    } while (0)

/* Largest DTB we accept; the header's totalsize must fit (DTB spec: at most 2 MiB is the
 * Linux convention). */
#define DTB_MAX_SIZE (2u << 20)

static uint32_t intid_of(const uint8_t *cell)
{
    uint32_t type = fdt_cell(cell, 0), num = fdt_cell(cell, 1);
    return type == 1 ? num + 16 : num + 32;
}

/* The console: the /chosen stdout-path node when a driver knows its kind, else the first UART
 * node that one does (drivers/uart.c lists the kinds by compatible). */
static const char *find_uart(void)
{
    int node = fdt_stdout_node(&host_fdt);
    if (node < 0 || !uart_match(&host_fdt, node))
        node = uart_next_known(&host_fdt, -1);
    if (node < 0)
        FAIL("no UART that elvisor drives (neither /chosen stdout-path nor any node: see docs/boards.md)");
    platform.uart_drv = uart_match(&host_fdt, node);
    if (fdt_reg(&host_fdt, node, 0, &platform.uart.base, &platform.uart.size) < 0)
        FAIL("UART node %s has no usable reg", fdt_node_name(&host_fdt, node));
    /* Console input is interrupt driven when the UART names its SPI; polled otherwise. */
    int len;
    const uint8_t *irq = fdt_getprop(&host_fdt, node, "interrupts", &len);
    if (irq && len == 12)
        platform.uart_intid = intid_of(irq);
    return NULL;
}

const char *platform_discover_console(const void *dtb)
{
    platform.dtb = dtb;
    int err = fdt_init(&host_fdt, dtb, DTB_MAX_SIZE);
    if (err < 0)
        FAIL("host DTB at %p is invalid: %s", dtb, fdt_strerror(err));
    platform.dtb_size = host_fdt.totalsize;
    return find_uart();
}

/* The EFI memory map replaces the memory nodes (docs/booting.md): firmware may list all of RAM
 * there, including what its runtime services keep. */
static const char *find_memory_efi(const struct efi_handoff *h)
{
    if (h->magic != EFI_HANDOFF_MAGIC || h->desc_version != EFI_MEMORY_DESCRIPTOR_VERSION || !h->map)
        FAIL("EFI stub handoff at %p is invalid (magic %lx, descriptor version %u)", (const void *)h,
             (unsigned long)h->magic, h->desc_version);
    struct range_list ram = { platform.mem, 0, PLAT_MAX_MEM };
    struct range_list kept = { platform.reserved, platform.reserved_count, PLAT_MAX_RESERVED };
    const char *err = efi_mem_parse((const void *)(uintptr_t)h->map, h->map_size, h->desc_size, &ram, &kept);
    if (err)
        return err;
    platform.mem_count = ram.count;
    platform.reserved_count = kept.count;
    platform.efi_descs = (unsigned)(h->map_size / h->desc_size);
    for (unsigned i = 0; i < kept.count; i++)
        platform.efi_kept += kept.r[i].size;
    return NULL;
}

static const char *find_memory(void)
{
    /* Memory nodes are children of the root (DT spec 3.4). */
    int root = fdt_root(&host_fdt);
    for (int node = fdt_first_subnode(&host_fdt, root); node >= 0; node = fdt_next_subnode(&host_fdt, node)) {
        const char *type = fdt_prop_string(&host_fdt, node, "device_type");
        if (!type || strcmp(type, "memory") != 0)
            continue;
        for (int i = 0;; i++) {
            struct mem_range r;
            int e = fdt_reg(&host_fdt, node, i, &r.base, &r.size);
            if (e < 0)
                break;
            if (r.size == 0)
                continue;
            if (platform.mem_count == PLAT_MAX_MEM)
                FAIL("more than %d memory ranges", PLAT_MAX_MEM);
            platform.mem[platform.mem_count++] = r;
        }
    }
    if (platform.mem_count == 0)
        FAIL("no memory node with a reg range");
    return NULL;
}

/* /reserved-memory nodes with a reg and the header's /memreserve/ entries (DT spec 3.5.4 and
 * 5.3): the page allocator never hands these out. */
static const char *find_reserved(void)
{
    struct range_list rsv = { platform.reserved, platform.reserved_count, PLAT_MAX_RESERVED };
    int parent = fdt_path_offset(&host_fdt, "/reserved-memory");
    for (int n = parent < 0 ? parent : fdt_first_subnode(&host_fdt, parent); n >= 0;
         n = fdt_next_subnode(&host_fdt, n)) {
        struct mem_range r;
        if (fdt_reg(&host_fdt, n, 0, &r.base, &r.size) < 0)
            continue; /* dynamically placed regions (size/alloc-ranges) do not exist yet */
        if (r.base + r.size < r.base || range_list_add(&rsv, r.base, r.size) < 0)
            FAIL("/reserved-memory: region %s is out of range or one too many (%d)", fdt_node_name(&host_fdt, n),
                 PLAT_MAX_RESERVED);
    }
    uint64_t base, size;
    for (int i = 0; fdt_mem_rsv(&host_fdt, i, &base, &size) == 0; i++)
        if (base + size < base || range_list_add(&rsv, base, size) < 0)
            FAIL("/memreserve/ entry %d is out of range or one too many (%d)", i, PLAT_MAX_RESERVED);
    platform.reserved_count = rsv.count;
    return NULL;
}

/* Makes the boot CPU logical CPU 0 whatever its place in the DTB. */
static void boot_cpu_first(void)
{
    uint64_t me = sysreg_read(mpidr_el1) & MPIDR_AFF_MASK;
    for (unsigned i = 1; i < platform.cpu_count; i++) {
        if (platform.cpu_mpidr[i] == me) {
            uint64_t release = platform.cpu_release[i];
            platform.cpu_mpidr[i] = platform.cpu_mpidr[0];
            platform.cpu_release[i] = platform.cpu_release[0];
            platform.cpu_mpidr[0] = me;
            platform.cpu_release[0] = release;
        }
    }
}

static bool in_ram(uint64_t pa, uint64_t size)
{
    for (unsigned i = 0; i < platform.mem_count; i++)
        if (pa >= platform.mem[i].base && size <= platform.mem[i].size &&
            pa - platform.mem[i].base <= platform.mem[i].size - size)
            return true;
    return false;
}

/* How a CPU is started (DT spec 3.8.1 enable-method): "spin-table" with its cpu-release-addr,
 * which must be a 64-bit aligned location in RAM (elvisor writes it through its RAM mapping)
 * and is then kept from the page allocator; "psci" or none: PSCI CPU_ON. */
static const char *cpu_enable_method(int n, unsigned index)
{
    const char *method = fdt_prop_string(&host_fdt, n, "enable-method");
    if (!method || strcmp(method, "psci") == 0)
        return NULL;
    if (strcmp(method, "spin-table") != 0)
        FAIL("CPU node %s has enable-method \"%s\" (elvisor starts CPUs with psci or spin-table)",
             fdt_node_name(&host_fdt, n), method);
    uint64_t release = 0;
    if (fdt_prop_u64(&host_fdt, n, "cpu-release-addr", &release) < 0 || release == 0 || (release & 7) != 0 ||
        !in_ram(release, sizeof(uint64_t)))
        FAIL("CPU node %s: spin-table needs a cpu-release-addr, 8-byte aligned in RAM (got 0x%lx)",
             fdt_node_name(&host_fdt, n), (unsigned long)release);
    struct range_list rsv = { platform.reserved, platform.reserved_count, PLAT_MAX_RESERVED };
    if (range_list_add(&rsv, release, sizeof(uint64_t)) < 0)
        FAIL("more than %d reserved regions with the CPUs' cpu-release-addr", PLAT_MAX_RESERVED);
    platform.reserved_count = rsv.count;
    platform.cpu_release[index] = release;
    return NULL;
}

static const char *find_cpus(void)
{
    int cpus = fdt_path_offset(&host_fdt, "/cpus");
    if (cpus < 0)
        FAIL("no /cpus node");
    for (int n = fdt_first_subnode(&host_fdt, cpus); n >= 0; n = fdt_next_subnode(&host_fdt, n)) {
        const char *type = fdt_prop_string(&host_fdt, n, "device_type");
        if (!type || strcmp(type, "cpu") != 0)
            continue;
        uint64_t mpidr, unused;
        if (fdt_reg_raw(&host_fdt, n, 0, &mpidr, &unused) < 0)
            FAIL("CPU node %s has no reg (MPIDR)", fdt_node_name(&host_fdt, n));
        if (platform.cpu_count == MAX_CPUS) {
            platform.cpus_ignored++;
            continue;
        }
        const char *err = cpu_enable_method(n, platform.cpu_count);
        if (err)
            return err;
        platform.cpu_mpidr[platform.cpu_count++] = mpidr;
    }
    if (platform.cpu_count == 0)
        FAIL("no CPU under /cpus");
    boot_cpu_first();
    /* Without PSCI every CPU but the boot CPU needs a spin table. */
    for (unsigned i = 1; i < platform.cpu_count && platform.psci_conduit == PSCI_CONDUIT_NONE; i++)
        if (!platform.cpu_release[i])
            FAIL("no PSCI node (arm,psci-1.0 or arm,psci-0.2) to start CPU MPIDR 0x%lx, whose enable-method is "
                 "not spin-table",
                 (unsigned long)platform.cpu_mpidr[i]);
    return NULL;
}

/* A GIC-400 on an SoC that gives each 4 KiB page of its CPU and virtual CPU interfaces a
 * 64 KiB slot aliases every page over its slot (GIC-400 TRM DDI 0471, 3.2 "Memory map"; so on
 * Xilinx ZynqMP, whose device tree gives both interfaces 128 KiB). The 8 KiB interface (GICC_DIR
 * and GICV_DIR sit at 0x1000) is then contiguous only from the last alias of the first page:
 * base + 0xf000, as Linux's gic_check_eoimode() finds. */
static void gicv2_unalias(struct mem_range *r)
{
    if (r->size == 0x20000) {
        r->base += 0xf000;
        r->size = 0x2000;
    }
}

/* GIC "interrupts" triples: type (0 SPI, 1 PPI), number, flags (arm,gic binding). */
static const char *find_gic(void)
{
    static const char *const v2_compat[] = { "arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a7-gic", "arm,gic-v2" };
    int node = fdt_next_compatible(&host_fdt, -1, "arm,gic-v3");
    if (node >= 0) {
        platform.gic_version = 3;
        if (platform_gic_v2())
            return NULL; /* true here only in a build without CONFIG_GICV3: gic_init says so */
        uint32_t nr_gicr = 1;
        fdt_prop_u32(&host_fdt, node, "#redistributor-regions", &nr_gicr);
        if (nr_gicr == 0 || nr_gicr > PLAT_MAX_GICR)
            FAIL("GICv3 node has %u redistributor regions (1..%d supported)", nr_gicr, PLAT_MAX_GICR);
        if (fdt_reg(&host_fdt, node, 0, &platform.gicd.base, &platform.gicd.size) < 0)
            FAIL("GICv3 node has no GICD reg");
        for (uint32_t i = 0; i < nr_gicr; i++)
            if (fdt_reg(&host_fdt, node, 1 + (int)i, &platform.gicr[i].base, &platform.gicr[i].size) < 0)
                FAIL("GICv3 node lacks GICR region %u", i);
        platform.gicr_count = nr_gicr;
        /* GICC, GICH, GICV follow; only GICH/GICV matter to us and they are optional. */
        fdt_reg(&host_fdt, node, 1 + (int)nr_gicr, &platform.gicc.base, &platform.gicc.size);
        fdt_reg(&host_fdt, node, 2 + (int)nr_gicr, &platform.gich.base, &platform.gich.size);
        fdt_reg(&host_fdt, node, 3 + (int)nr_gicr, &platform.gicv.base, &platform.gicv.size);
        int its = fdt_next_compatible(&host_fdt, node, "arm,gic-v3-its");
        if (its >= 0 && fdt_parent(&host_fdt, its) == node)
            fdt_reg(&host_fdt, its, 0, &platform.its.base, &platform.its.size);
    } else {
        for (unsigned i = 0; i < sizeof(v2_compat) / sizeof(v2_compat[0]) && node < 0; i++)
            node = fdt_next_compatible(&host_fdt, -1, v2_compat[i]);
        if (node < 0)
            FAIL("no interrupt controller: neither arm,gic-v3 nor a GICv2-compatible node");
        platform.gic_version = 2;
        if (!platform_gic_v2())
            return NULL; /* not in this build: gic_init says so */
        if (fdt_reg(&host_fdt, node, 0, &platform.gicd.base, &platform.gicd.size) < 0 ||
            fdt_reg(&host_fdt, node, 1, &platform.gicc.base, &platform.gicc.size) < 0)
            FAIL("GICv2 node %s lacks GICD/GICC reg", fdt_node_name(&host_fdt, node));
        if (fdt_reg(&host_fdt, node, 2, &platform.gich.base, &platform.gich.size) < 0 ||
            fdt_reg(&host_fdt, node, 3, &platform.gicv.base, &platform.gicv.size) < 0)
            FAIL("GICv2 node %s lacks GICH/GICV reg: no virtualization extensions", fdt_node_name(&host_fdt, node));
        gicv2_unalias(&platform.gicc);
        gicv2_unalias(&platform.gicv);
        /* The MSI frame (Linux binding interrupt-controller/arm,gic.yaml, "v2m@"): a child of
         * the GIC node; its SPIs are read from the frame itself (drivers/gicv2m.c). */
        int v2m = fdt_next_compatible(&host_fdt, node, "arm,gic-v2m-frame");
        if (v2m >= 0 && fdt_parent(&host_fdt, v2m) == node)
            fdt_reg(&host_fdt, v2m, 0, &platform.v2m.base, &platform.v2m.size);
    }
    int len;
    const uint8_t *irq = fdt_getprop(&host_fdt, node, "interrupts", &len);
    if (irq && len >= 12)
        platform.gic_maint_intid = intid_of(irq);
    return NULL;
}

static const char *find_timer(void)
{
    int node = fdt_next_compatible(&host_fdt, -1, "arm,armv8-timer");
    if (node < 0)
        node = fdt_next_compatible(&host_fdt, -1, "arm,armv7-timer");
    if (node < 0)
        FAIL("no arm,armv8-timer node");
    int len;
    const uint8_t *irq = fdt_getprop(&host_fdt, node, "interrupts", &len);
    if (!irq || len < 4 * 12 || len % 12)
        FAIL("timer node has %d bytes of interrupts (need at least 4 triples)", len);
    for (int i = 0; i < TIMER_NR && i < len / 12; i++)
        platform.timer_intid[i] = intid_of(irq + 12 * i);
    return NULL;
}

/* Optional: the PMU's overflow interrupt, a PPI (Linux binding perf/arm,pmu.yaml). A machine
 * without the node, or with an SPI per CPU instead, gives guests no PMU. */
static void find_pmu(void)
{
    int node = fdt_next_compatible(&host_fdt, -1, "arm,armv8-pmuv3");
    int len;
    const uint8_t *irq = node >= 0 ? fdt_getprop(&host_fdt, node, "interrupts", &len) : 0;
    if (irq && len >= 12 && intid_of(irq) >= 16 && intid_of(irq) < 32)
        platform.pmu_intid = intid_of(irq);
}

static const char *find_psci(void)
{
    int node = fdt_next_compatible(&host_fdt, -1, "arm,psci-1.0");
    if (node < 0)
        node = fdt_next_compatible(&host_fdt, -1, "arm,psci-0.2");
    if (node < 0) {
        /* Supported (docs/boards.md, "Boards without PSCI"): CPUs start by spin-table, power off
         * and reset park the CPUs instead (core/power.c); VMs still get elvisor's PSCI. */
        platform.psci_conduit = PSCI_CONDUIT_NONE;
        platform.psci_absent = true;
        return NULL;
    }
    const char *method = fdt_prop_string(&host_fdt, node, "method");
    if (method && strcmp(method, "smc") == 0)
        platform.psci_conduit = PSCI_CONDUIT_SMC;
    else if (method && strcmp(method, "hvc") == 0)
        platform.psci_conduit = PSCI_CONDUIT_HVC;
    else
        FAIL("PSCI node has method \"%s\" (need smc or hvc)", method ? method : "(none)");
    return NULL;
}

const char *platform_discover(const struct efi_handoff *efi)
{
    const char *err;
    if ((err = find_psci()) || (err = efi && efi_mem_in_build() ? find_memory_efi(efi) : find_memory()) ||
        (err = find_reserved()) || (err = find_cpus()) || (err = find_gic()) || (err = find_timer()))
        return err;
    find_pmu();
    return NULL;
}

void platform_gic_desc(struct gic_desc *d)
{
    *d = (struct gic_desc){
        .version = platform.gic_version,
        .gicd = platform.gicd.base,
        .gicc = platform.gicc.base,
        .gicr_count = platform.gicr_count,
    };
    for (unsigned i = 0; i < platform.gicr_count; i++)
        d->gicr[i] = (struct gic_range){ platform.gicr[i].base, platform.gicr[i].size };
    for (unsigned i = 0; i < platform.cpu_count; i++)
        d->cpu_mpidr[i] = platform.cpu_mpidr[i];
}

bool platform_has_bootarg(const char *word)
{
    int chosen = fdt_path_offset(&host_fdt, "/chosen");
    const char *args = chosen >= 0 ? fdt_prop_string(&host_fdt, chosen, "bootargs") : 0;
    size_t wl = strlen(word);
    for (const char *p = args; p && *p;) {
        while (*p == ' ')
            p++;
        size_t tl = 0;
        while (p[tl] && p[tl] != ' ')
            tl++;
        if (tl == wl && memcmp(p, word, wl) == 0)
            return true;
        p += tl;
    }
    return false;
}

/* The host DTB's description of a device given to a VM: a property of the root-level node
 * whose first reg range starts at pa (NULL when there is none). */
const void *platform_device_prop(uint64_t pa, const char *name, int *len)
{
    int root = fdt_root(&host_fdt);
    for (int n = fdt_first_subnode(&host_fdt, root); n >= 0; n = fdt_next_subnode(&host_fdt, n)) {
        uint64_t base, size;
        if (fdt_reg(&host_fdt, n, 0, &base, &size) == 0 && base == pa)
            return fdt_getprop(&host_fdt, n, name, len);
    }
    return 0;
}

const struct fdt *platform_fdt(void) { return &host_fdt; }
