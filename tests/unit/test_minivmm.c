/* tools/minivmm on the host: the device tree it writes, read back with the hypervisor's own
 * reader and dtc; the kernel and initrd loader with its refusals; the PL011's registers and
 * interrupt line as a guest drives them. die() and KVM_IRQ_LINE are stand-ins here. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/fdt_read.h"
#include "tools/minivmm/minivmm.h"

#define RAM_MIB 32

static jmp_buf die_jump;
static char die_message[512];
static int spi_level = -1, spi_number = -1;

/* die(): the message is kept and the test resumes at its setjmp. */
void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(die_message, sizeof(die_message), fmt, ap);
    va_end(ap);
    longjmp(die_jump, 1);
}

void die_errno(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(die_message, sizeof(die_message), fmt, ap);
    va_end(ap);
    longjmp(die_jump, 1);
}

void vm_set_spi(struct vm *vm, unsigned spi, int level)
{
    spi_number = (int)spi;
    spi_level = level;
}

static struct vm test_vm(void)
{
    struct vm vm = { .ram_size = (uint64_t)RAM_MIB << 20, .nr_vcpus = 1 };
    vm.ram = calloc(1, vm.ram_size);
    assert_non_null(vm.ram);
    return vm;
}

/* A file holding len bytes of data, its path in path (PATH_MAX-sized). */
static void write_file(char *path, const void *data, size_t len)
{
    strcpy(path, "/tmp/test_minivmm.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* --- guest_ptr ----------------------------------------------------------------------------- */

static void test_guest_ptr_bounds(void **state)
{
    struct vm vm = test_vm();
    uint64_t end = RAM_BASE + vm.ram_size;
    assert_ptr_equal(guest_ptr(&vm, RAM_BASE, vm.ram_size), vm.ram);
    assert_ptr_equal(guest_ptr(&vm, end - 8, 8), vm.ram + vm.ram_size - 8);
    assert_ptr_equal(guest_ptr(&vm, end, 0), vm.ram + vm.ram_size);
    assert_null(guest_ptr(&vm, end - 8, 9));
    assert_null(guest_ptr(&vm, RAM_BASE - 1, 1));
    assert_null(guest_ptr(&vm, end + 1, 0));
    assert_null(guest_ptr(&vm, RAM_BASE + 16, UINT64_MAX)); /* a length that wraps */
    assert_null(guest_ptr(&vm, UINT64_MAX, 2));
    free(vm.ram);
}

/* --- the device tree ----------------------------------------------------------------------- */

static const uint8_t *dtb_of(struct vm *vm, const struct boot_layout *l) { return vm->ram + (l->dtb - RAM_BASE); }

static void test_dtb_describes_the_vm(void **state)
{
    struct vm vm = test_vm();
    struct boot_layout l = {
        .entry = RAM_BASE,
        .kernel_end = RAM_BASE + 0x200000,
        .dtb = RAM_BASE + vm.ram_size - (2u << 20),
        .initrd_start = RAM_BASE + 0x1000000,
        .initrd_end = RAM_BASE + 0x1000123,
        .cmdline = "console=ttyAMA0 quiet",
    };
    size_t size = build_dtb(&vm, &l);
    struct fdt f;
    assert_int_equal(fdt_init(&f, dtb_of(&vm, &l), size), 0);

    int root = fdt_root(&f);
    assert_true(fdt_is_compatible(&f, root, "linux,dummy-virt"));
    int mem = fdt_path_offset(&f, "/memory@40000000");
    uint64_t base, len;
    assert_int_equal(fdt_reg(&f, mem, 0, &base, &len), 0);
    assert_int_equal(base, RAM_BASE);
    assert_int_equal(len, vm.ram_size);
    assert_string_equal(fdt_prop_string(&f, mem, "device_type"), "memory");

    int chosen = fdt_path_offset(&f, "/chosen");
    assert_string_equal(fdt_prop_string(&f, chosen, "bootargs"), "console=ttyAMA0 quiet");
    uint64_t v;
    assert_int_equal(fdt_prop_u64(&f, chosen, "linux,initrd-start", &v), 0);
    assert_int_equal(v, l.initrd_start);
    assert_int_equal(fdt_prop_u64(&f, chosen, "linux,initrd-end", &v), 0);
    assert_int_equal(v, l.initrd_end);

    int uart = fdt_stdout_node(&f);
    assert_true(fdt_is_compatible(&f, uart, "arm,pl011"));
    assert_true(fdt_is_compatible(&f, uart, "arm,primecell"));
    assert_int_equal(fdt_reg(&f, uart, 0, &base, &len), 0);
    assert_int_equal(base, UART_BASE);
    assert_int_equal(len, UART_SIZE);
    int ilen;
    const uint8_t *irq = fdt_getprop(&f, uart, "interrupts", &ilen);
    assert_int_equal(ilen, 12);
    assert_int_equal(irq[7], UART_SPI); /* <0 (SPI) 1 4> */
    const uint8_t *clocks = fdt_getprop(&f, uart, "clocks", &ilen);
    assert_int_equal(ilen, 8);
    int clk = fdt_node_by_phandle(&f, clocks[3]);
    assert_true(fdt_is_compatible(&f, clk, "fixed-clock"));

    uint32_t gic_phandle;
    assert_int_equal(fdt_prop_u32(&f, root, "interrupt-parent", &gic_phandle), 0);
    int gic = fdt_node_by_phandle(&f, gic_phandle);
    assert_true(fdt_is_compatible(&f, gic, "arm,gic-v3"));
    assert_non_null(fdt_getprop(&f, gic, "interrupt-controller", &ilen));
    assert_int_equal(fdt_reg(&f, gic, 0, &base, &len), 0);
    assert_int_equal(base, GIC_DIST_BASE);
    assert_int_equal(fdt_reg(&f, gic, 1, &base, &len), 0);
    assert_int_equal(base, GIC_REDIST_BASE);
    assert_int_equal(len, GIC_REDIST_SIZE);

    int timer = fdt_next_compatible(&f, -1, "arm,armv8-timer");
    irq = fdt_getprop(&f, timer, "interrupts", &ilen);
    assert_int_equal(ilen, 48);
    assert_int_equal(irq[4 * 7 + 3], 11); /* the third triple: the EL1 virtual timer, PPI 11 */

    int cpu = fdt_path_offset(&f, "/cpus/cpu@0");
    assert_string_equal(fdt_prop_string(&f, cpu, "enable-method"), "psci");
    int psci = fdt_path_offset(&f, "/psci");
    assert_true(fdt_is_compatible(&f, psci, "arm,psci-0.2"));
    assert_string_equal(fdt_prop_string(&f, psci, "method"), "hvc");

    /* dtc reads it back without complaint. */
    char path[64], cmd[160];
    write_file(path, dtb_of(&vm, &l), size);
    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts -o /dev/null %s", path);
    assert_int_equal(system(cmd), 0);
    unlink(path);
    free(vm.ram);
}

/* Several vCPUs: a cpu node each with reg = its MPIDR Aff0 (KVM's vcpu_id), started by PSCI,
 * and one redistributor region large enough for all of them. */
static void test_dtb_describes_every_vcpu(void **state)
{
    struct vm vm = test_vm();
    vm.nr_vcpus = MAX_VCPUS;
    struct boot_layout l = { .dtb = RAM_BASE + vm.ram_size - (2u << 20), .cmdline = "" };
    size_t size = build_dtb(&vm, &l);
    struct fdt f;
    assert_int_equal(fdt_init(&f, dtb_of(&vm, &l), size), 0);
    for (unsigned i = 0; i < MAX_VCPUS; i++) {
        char path[32];
        uint32_t reg;
        snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
        int cpu = fdt_path_offset(&f, path);
        assert_true(cpu >= 0);
        assert_int_equal(fdt_prop_u32(&f, cpu, "reg", &reg), 0);
        assert_int_equal(reg, i);
        assert_string_equal(fdt_prop_string(&f, cpu, "enable-method"), "psci");
    }
    assert_true(fdt_path_offset(&f, "/cpus/cpu@8") < 0);
    uint64_t base, len;
    int gic = fdt_next_compatible(&f, -1, "arm,gic-v3");
    assert_int_equal(fdt_reg(&f, gic, 1, &base, &len), 0);
    assert_int_equal(base, GIC_REDIST_BASE);
    assert_int_equal(len, MAX_VCPUS * GIC_REDIST_SIZE);
    assert_true(base + len <= UART_BASE); /* the redistributors end below the UART */
    free(vm.ram);
}

static void test_dtb_without_initrd_has_no_range(void **state)
{
    struct vm vm = test_vm();
    struct boot_layout l = { .dtb = RAM_BASE + vm.ram_size - (2u << 20), .cmdline = "" };
    size_t size = build_dtb(&vm, &l);
    struct fdt f;
    int len;
    assert_int_equal(fdt_init(&f, dtb_of(&vm, &l), size), 0);
    int chosen = fdt_path_offset(&f, "/chosen");
    assert_null(fdt_getprop(&f, chosen, "linux,initrd-start", &len));
    assert_string_equal(fdt_prop_string(&f, chosen, "bootargs"), "");
    free(vm.ram);
}

static void test_dtb_refuses_an_oversized_cmdline(void **state)
{
    struct vm vm = test_vm();
    static char huge[16384];
    memset(huge, 'x', sizeof(huge) - 1);
    struct boot_layout l = { .dtb = RAM_BASE + vm.ram_size - (2u << 20), .cmdline = huge };
    if (setjmp(die_jump) == 0) {
        build_dtb(&vm, &l);
        fail_msg("a 16 KiB command line was accepted");
    }
    assert_non_null(strstr(die_message, "structure block outgrew"));
    free(vm.ram);
}

/* --- loading ------------------------------------------------------------------------------- */

struct image_header {
    uint32_t code0, code1;
    uint64_t text_offset, image_size, flags, res2, res3, res4;
    uint32_t magic, res5;
};

static void image_file(char *path, uint64_t text_offset, uint64_t image_size, uint64_t flags, size_t file_size)
{
    uint8_t *buf = calloc(1, file_size);
    struct image_header h = {
        .text_offset = text_offset, .image_size = image_size, .flags = flags, .magic = 0x644d5241u
    };
    memcpy(buf, &h, sizeof(h));
    buf[file_size - 1] = 0xaa;
    write_file(path, buf, file_size);
    free(buf);
}

static void test_load_image_at_text_offset(void **state)
{
    struct vm vm = test_vm();
    char path[64];
    uint64_t entry;
    image_file(path, 0x80000, 0x300000, 0, 0x1000);
    uint64_t end = load_kernel(&vm, path, &entry);
    assert_int_equal(entry, RAM_BASE + 0x80000);
    assert_int_equal(end, RAM_BASE + 0x80000 + 0x300000); /* image_size, not the file's */
    assert_int_equal(vm.ram[0x80000 + 0xfff], 0xaa);
    unlink(path);

    image_file(path, 0x12345, 0, 0, 0x1000); /* image_size 0: text_offset is 0x80000 */
    end = load_kernel(&vm, path, &entry);
    assert_int_equal(entry, RAM_BASE + 0x80000);
    assert_int_equal(end, RAM_BASE + 0x80000 + 0x1000);
    unlink(path);
    free(vm.ram);
}

static void test_load_raw_binary_at_ram_start(void **state)
{
    struct vm vm = test_vm();
    char path[64];
    uint64_t entry;
    static const uint8_t code[] = { 0x1f, 0x20, 0x03, 0xd5 }; /* nop */
    write_file(path, code, sizeof(code));
    assert_int_equal(load_kernel(&vm, path, &entry), RAM_BASE + 4);
    assert_int_equal(entry, RAM_BASE);
    assert_memory_equal(vm.ram, code, 4);
    unlink(path);
    free(vm.ram);
}

/* Each refused file: one message naming the cause, nothing run. */
static void expect_kernel_refused(struct vm *vm, const char *path, const char *why)
{
    uint64_t entry;
    if (setjmp(die_jump) == 0) {
        load_kernel(vm, path, &entry);
        fail_msg("%s was loaded", path);
    }
    if (!strstr(die_message, why))
        fail_msg("message \"%s\" does not say \"%s\"", die_message, why);
}

static void test_load_refusals(void **state)
{
    struct vm vm = test_vm();
    char path[64];
    image_file(path, 0x80000, (uint64_t)RAM_MIB << 20, 0, 0x1000); /* image_size + offset > RAM */
    expect_kernel_refused(&vm, path, "more than the 32 MiB");
    unlink(path);
    image_file(path, UINT64_MAX - 0xfff, 0x1000, 0, 0x1000); /* text_offset that wraps */
    expect_kernel_refused(&vm, path, "more than the 32 MiB");
    unlink(path);
    image_file(path, 0, UINT64_MAX, 0, 0x1000);
    expect_kernel_refused(&vm, path, "more than the 32 MiB");
    unlink(path);
    image_file(path, 0x80000, 0x100000, 1, 0x1000); /* flags bit 0: big-endian */
    expect_kernel_refused(&vm, path, "big-endian");
    unlink(path);
    expect_kernel_refused(&vm, "/nonexistent/kernel", "cannot open /nonexistent/kernel");
    expect_kernel_refused(&vm, "/tmp", "not a regular file");
    free(vm.ram);
}

static void test_initrd_below_the_dtb(void **state)
{
    struct vm vm = test_vm();
    char path[64];
    static uint8_t data[5000];
    memset(data, 0x5a, sizeof(data));
    write_file(path, data, sizeof(data));
    struct boot_layout l = { .kernel_end = RAM_BASE + 0x100000, .dtb = RAM_BASE + 0x1e00000 };
    load_initrd(&vm, path, &l);
    assert_int_equal(l.initrd_end, l.initrd_start + sizeof(data));
    assert_int_equal(l.initrd_start & 0xfff, 0);
    assert_true(l.initrd_end <= l.dtb && l.initrd_start >= l.kernel_end);
    assert_int_equal(vm.ram[l.initrd_start - RAM_BASE], 0x5a);

    /* No room between the kernel and the device tree. */
    struct boot_layout tight = { .kernel_end = RAM_BASE + 0x1000, .dtb = RAM_BASE + 0x2000 };
    if (setjmp(die_jump) == 0) {
        load_initrd(&vm, path, &tight);
        fail_msg("an initrd larger than the gap was loaded");
    }
    assert_non_null(strstr(die_message, "does not fit"));
    unlink(path);
    free(vm.ram);
}

/* --- the PL011 ----------------------------------------------------------------------------- */

static uint32_t uart_read(uint64_t off, uint32_t len)
{
    uint8_t d[8];
    memset(d, 0xee, sizeof(d));
    pl011_mmio(off, d, len, 0);
    uint64_t v = 0;
    for (uint32_t i = 0; i < len; i++)
        v |= (uint64_t)d[i] << (8 * i);
    if (len == 8)
        assert_int_equal(v >> 32, 0); /* above the 32-bit register: zeros */
    return (uint32_t)v;
}

static void uart_write(uint64_t off, uint32_t v, uint32_t len)
{
    uint8_t d[8] = { 0 };
    for (uint32_t i = 0; i < len && i < 4; i++)
        d[i] = (uint8_t)(v >> (8 * i));
    pl011_mmio(off, d, len, 1);
}

static void test_pl011_registers(void **state)
{
    static struct vm vm;
    /* stdin at EOF: the input thread ends at once, and a terminal the tests run in is left alone */
    assert_non_null(freopen("/dev/null", "r", stdin));
    pl011_init(&vm);
    /* PrimeCell identification, byte per word (DDI 0183G 3.3.14-15) */
    static const uint8_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(uart_read(0xfe0 + 4 * i, 4), id[i]);
    assert_int_equal(uart_read(0x018, 4) & 0x90, 0x90); /* UARTFR: TXFE, RXFE */
    assert_int_equal(uart_read(0x018, 8) & 0x90, 0x90);

    /* IMSC reads back; TX is always raised, so unmasking it raises SPI 1 and masking drops it */
    uart_write(0x038, 1u << 5, 4);
    assert_int_equal(uart_read(0x038, 4), 1u << 5);
    assert_int_equal(spi_number, UART_SPI);
    assert_int_equal(spi_level, 1);
    assert_int_equal(uart_read(0x040, 4), 1u << 5); /* MIS */
    uart_write(0x038, 0, 2);
    assert_int_equal(spi_level, 0);
    uart_write(0x038, 0xffffffffu, 4);
    assert_int_equal(uart_read(0x038, 4), 0x7ff); /* reserved bits stay 0 */
    uart_write(0x038, 0, 4);

    /* Loopback: a transmitted byte is received; RX raises the line while it waits. */
    uart_write(0x030, 0x381, 4); /* UARTEN, LBE, TXE, RXE */
    uart_write(0x038, 1u << 4, 4);
    assert_int_equal(spi_level, 0);
    uart_write(0x000, 'k', 1);
    assert_int_equal(uart_read(0x018, 4) & 0x10, 0); /* RXFE clear */
    assert_int_equal(spi_level, 1);
    assert_int_equal(uart_read(0x000, 4), 'k');
    assert_int_equal(spi_level, 0);
    assert_int_equal(uart_read(0x000, 4), 0); /* empty FIFO */
    /* 33 bytes into the 32-byte FIFO: the last is dropped, the first 32 come out in order */
    for (unsigned i = 0; i < 33; i++)
        uart_write(0x000, 'a' + i % 26, 4);
    for (unsigned i = 0; i < 32; i++)
        assert_int_equal(uart_read(0x000, 1), 'a' + i % 26);
    assert_int_equal(uart_read(0x018, 4) & 0x10, 0x10);
    uart_write(0x038, 0, 4);
    uart_write(0x030, 0x301, 4);

    /* A byte access inside a register reads that register's byte; reserved offsets read 0 */
    uart_write(0x024, 0x1234, 4); /* IBRD */
    assert_int_equal(uart_read(0x025, 1), 0x12);
    assert_int_equal(uart_read(0x800, 4), 0);
    assert_int_equal(uart_read(0xffc, 4), 0xb1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_ptr_bounds),
        cmocka_unit_test(test_dtb_describes_the_vm),
        cmocka_unit_test(test_dtb_describes_every_vcpu),
        cmocka_unit_test(test_dtb_without_initrd_has_no_range),
        cmocka_unit_test(test_dtb_refuses_an_oversized_cmdline),
        cmocka_unit_test(test_load_image_at_text_offset),
        cmocka_unit_test(test_load_raw_binary_at_ram_start),
        cmocka_unit_test(test_load_refusals),
        cmocka_unit_test(test_initrd_below_the_dtb),
        cmocka_unit_test(test_pl011_registers),
    };
    return cmocka_run_group_tests_name("minivmm", tests, NULL, NULL);
}
