/* The guest's flattened device tree (Devicetree Specification v0.4, chapter 5), written by a
 * tiny writer: a structure block of tokens, a strings block, a header in front. */
#include <stdio.h>
#include <string.h>
#include "minivmm.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_VERSION    17
#define FDT_LAST_COMP  16
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_END        9u
#define FDT_HEADER     40u /* ten 32-bit fields */
#define FDT_RSVMAP     16u /* just the terminating (0, 0) entry */

#define STRUCT_CAP  8192
#define STRINGS_CAP 1024

/* interrupts = <type number flags> (bindings/interrupt-controller/arm,gic-v3.yaml) */
#define GIC_SPI       0u
#define GIC_PPI       1u
#define IRQ_LEVEL_HI  4u
#define PHANDLE_GIC   1u
#define PHANDLE_CLOCK 2u
/* The architected timer's PPIs (INTID - 16): secure and non-secure EL1 physical, EL1 virtual,
 * EL2 physical, the numbers KVM gives them by default. */
#define PPI_TIMER_SEC  13u
#define PPI_TIMER_PHYS 14u
#define PPI_TIMER_VIRT 11u
#define PPI_TIMER_HYP  10u

struct fdt_writer {
    uint8_t structure[STRUCT_CAP];
    char strings[STRINGS_CAP];
    size_t struct_len, strings_len;
};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends len bytes, then zeros up to the next 4-byte boundary (every token is aligned). */
static void put_bytes(struct fdt_writer *w, const void *data, size_t len)
{
    size_t padded = (len + 3) & ~(size_t)3;
    if (padded > STRUCT_CAP - w->struct_len)
        die("device tree: the structure block outgrew its %d bytes", STRUCT_CAP);
    if (len)
        memcpy(w->structure + w->struct_len, data, len); /* data is NULL for an empty property */
    memset(w->structure + w->struct_len + len, 0, padded - len);
    w->struct_len += padded;
}

static void put_token(struct fdt_writer *w, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    put_bytes(w, b, sizeof(b));
}

/* The offset of name in the strings block, added if it is not there yet. */
static uint32_t string_offset(struct fdt_writer *w, const char *name)
{
    size_t len = strlen(name) + 1;
    for (size_t off = 0; off < w->strings_len; off += strlen(w->strings + off) + 1)
        if (strcmp(w->strings + off, name) == 0)
            return (uint32_t)off;
    if (len > STRINGS_CAP - w->strings_len)
        die("device tree: the strings block outgrew its %d bytes", STRINGS_CAP);
    memcpy(w->strings + w->strings_len, name, len);
    w->strings_len += len;
    return (uint32_t)(w->strings_len - len);
}

static void begin_node(struct fdt_writer *w, const char *name)
{
    put_token(w, FDT_BEGIN_NODE);
    put_bytes(w, name, strlen(name) + 1);
}

static void end_node(struct fdt_writer *w) { put_token(w, FDT_END_NODE); }

static void prop(struct fdt_writer *w, const char *name, const void *value, size_t len)
{
    put_token(w, FDT_PROP);
    put_token(w, (uint32_t)len);
    put_token(w, string_offset(w, name));
    put_bytes(w, value, len);
}

static void prop_str(struct fdt_writer *w, const char *name, const char *s) { prop(w, name, s, strlen(s) + 1); }

/* A property of n 32-bit cells, stored big-endian. */
static void prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, size_t n)
{
    uint8_t be[64];
    if (n * 4 > sizeof(be))
        die("device tree: property %s has too many cells", name);
    for (size_t i = 0; i < n; i++)
        put_be32(be + 4 * i, cells[i]);
    prop(w, name, be, n * 4);
}

static void prop_u32(struct fdt_writer *w, const char *name, uint32_t v) { prop_cells(w, name, &v, 1); }

static void prop_u64(struct fdt_writer *w, const char *name, uint64_t v)
{
    uint32_t cells[2] = { (uint32_t)(v >> 32), (uint32_t)v };
    prop_cells(w, name, cells, 2);
}

/* reg = <address size> with #address-cells = #size-cells = 2. */
static void prop_reg(struct fdt_writer *w, uint64_t base, uint64_t size)
{
    uint32_t cells[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32), (uint32_t)size };
    prop_cells(w, "reg", cells, 4);
}

/* Header, empty reservation map, structure block, strings block: the blob, in out. */
static size_t fdt_finish(struct fdt_writer *w, uint8_t *out, size_t cap)
{
    put_token(w, FDT_END);
    size_t off_struct = FDT_HEADER + FDT_RSVMAP;
    size_t off_strings = off_struct + w->struct_len;
    size_t total = off_strings + w->strings_len;
    if (total > cap)
        die("device tree: %zu bytes do not fit in %zu", total, cap);
    uint32_t header[10] = { FDT_MAGIC,
                            (uint32_t)total,
                            (uint32_t)off_struct,
                            (uint32_t)off_strings,
                            FDT_HEADER,
                            FDT_VERSION,
                            FDT_LAST_COMP,
                            0, /* boot_cpuid_phys */
                            (uint32_t)w->strings_len,
                            (uint32_t)w->struct_len };
    for (int i = 0; i < 10; i++)
        put_be32(out + 4 * i, header[i]);
    memset(out + FDT_HEADER, 0, FDT_RSVMAP);
    memcpy(out + off_struct, w->structure, w->struct_len);
    memcpy(out + off_strings, w->strings, w->strings_len);
    return total;
}

static void add_chosen(struct fdt_writer *w, const struct boot_layout *layout)
{
    begin_node(w, "chosen");
    prop_str(w, "bootargs", layout->cmdline);
    prop_str(w, "stdout-path", "/pl011@9000000");
    if (layout->initrd_end) {
        prop_u64(w, "linux,initrd-start", layout->initrd_start);
        prop_u64(w, "linux,initrd-end", layout->initrd_end);
    }
    end_node(w);
}

/* One cpu node per vCPU, reg = its MPIDR's Aff0 (MAX_VCPUS); the secondaries are started by
 * PSCI CPU_ON, which KVM answers. */
static void add_cpus(struct fdt_writer *w, unsigned nr_vcpus)
{
    begin_node(w, "cpus");
    prop_u32(w, "#address-cells", 1);
    prop_u32(w, "#size-cells", 0);
    for (unsigned i = 0; i < nr_vcpus; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu@%x", i); /* the unit address is reg, in hex */
        begin_node(w, name);
        prop_str(w, "device_type", "cpu");
        prop_str(w, "compatible", "arm,armv8");
        prop_u32(w, "reg", i);
        prop_str(w, "enable-method", "psci");
        end_node(w);
    }
    end_node(w);

    static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
    begin_node(w, "psci");
    prop(w, "compatible", psci_compat, sizeof(psci_compat));
    prop_str(w, "method", "hvc"); /* KVM takes PSCI calls by HVC */
    end_node(w);
}

/* One redistributor region holding every vCPU's redistributor, as KVM lays them out. */
static void add_gic_and_timer(struct fdt_writer *w, unsigned nr_vcpus)
{
    uint32_t reg[8] = { 0, (uint32_t)GIC_DIST_BASE,   0, (uint32_t)GIC_DIST_SIZE,
                        0, (uint32_t)GIC_REDIST_BASE, 0, (uint32_t)(GIC_REDIST_SIZE * nr_vcpus) };
    begin_node(w, "intc@8000000");
    prop_str(w, "compatible", "arm,gic-v3");
    prop(w, "interrupt-controller", NULL, 0);
    prop_u32(w, "#interrupt-cells", 3);
    prop_u32(w, "#redistributor-regions", 1);
    prop_cells(w, "reg", reg, 8);
    prop_u32(w, "phandle", PHANDLE_GIC);
    end_node(w);

    uint32_t timer_irqs[12] = { GIC_PPI, PPI_TIMER_SEC,  IRQ_LEVEL_HI, GIC_PPI, PPI_TIMER_PHYS, IRQ_LEVEL_HI,
                                GIC_PPI, PPI_TIMER_VIRT, IRQ_LEVEL_HI, GIC_PPI, PPI_TIMER_HYP,  IRQ_LEVEL_HI };
    begin_node(w, "timer");
    prop_str(w, "compatible", "arm,armv8-timer");
    prop_cells(w, "interrupts", timer_irqs, 12);
    prop(w, "always-on", NULL, 0);
    end_node(w);
}

/* The PL011 is an AMBA PrimeCell: Linux's bus needs its apb_pclk clock to probe it. */
static void add_uart(struct fdt_writer *w)
{
    begin_node(w, "apb-pclk");
    prop_str(w, "compatible", "fixed-clock");
    prop_u32(w, "#clock-cells", 0);
    prop_u32(w, "clock-frequency", UART_CLOCK_HZ);
    prop_str(w, "clock-output-names", "clk24mhz");
    prop_u32(w, "phandle", PHANDLE_CLOCK);
    end_node(w);

    static const char compat[] = "arm,pl011\0arm,primecell";
    static const char clock_names[] = "uartclk\0apb_pclk";
    uint32_t irq[3] = { GIC_SPI, UART_SPI, IRQ_LEVEL_HI };
    uint32_t clocks[2] = { PHANDLE_CLOCK, PHANDLE_CLOCK };
    begin_node(w, "pl011@9000000");
    prop(w, "compatible", compat, sizeof(compat));
    prop_reg(w, UART_BASE, UART_SIZE);
    prop_cells(w, "interrupts", irq, 3);
    prop_cells(w, "clocks", clocks, 2);
    prop(w, "clock-names", clock_names, sizeof(clock_names));
    end_node(w);
}

size_t build_dtb(struct vm *vm, const struct boot_layout *layout)
{
    static struct fdt_writer w;
    memset(&w, 0, sizeof(w));
    begin_node(&w, "");
    prop_str(&w, "compatible", "linux,dummy-virt");
    prop_str(&w, "model", "minivmm");
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    prop_u32(&w, "interrupt-parent", PHANDLE_GIC);
    add_chosen(&w, layout);
    begin_node(&w, "memory@40000000");
    prop_str(&w, "device_type", "memory");
    prop_reg(&w, RAM_BASE, vm->ram_size);
    end_node(&w);
    add_cpus(&w, vm->nr_vcpus);
    add_gic_and_timer(&w, vm->nr_vcpus);
    add_uart(&w);
    end_node(&w);

    uint64_t room = vm->ram_size - (layout->dtb - RAM_BASE);
    uint8_t *out = guest_ptr(vm, layout->dtb, room);
    if (!out)
        die("device tree address 0x%llx is outside guest RAM", (unsigned long long)layout->dtb);
    return fdt_finish(&w, out, room);
}
