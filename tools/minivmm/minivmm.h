/* minivmm: a small VMM on the Linux KVM API, for running an L2 guest inside a Linux VM
 * (docs/nested.md, "The project VMM"). One VM, 1 to MAX_VCPUS vCPUs (a thread each), an
 * in-kernel GICv3 and timer, guest RAM, a PL011 emulated from MMIO exits. The guest's memory map follows QEMU's virt
 * machine, so the same kernels and test guests run unchanged. */
#ifndef MINIVMM_H
#define MINIVMM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Guest physical memory map (as QEMU's virt machine: Linux and the test guests know it). */
#define GIC_DIST_BASE   0x08000000ULL
#define GIC_DIST_SIZE   0x10000ULL
#define GIC_REDIST_BASE 0x080a0000ULL
#define GIC_REDIST_SIZE 0x20000ULL /* per vCPU: RD_base + SGI_base frames (IHI 0069H 12.10) */
#define UART_BASE       0x09000000ULL
#define UART_SIZE       0x1000ULL
#define UART_SPI        1 /* SPI number: INTID 33 */
#define RAM_BASE        0x40000000ULL
#define RAM_MIN_MIB     16
#define RAM_MAX_MIB     2048
#define RAM_DEFAULT_MIB 256
#define UART_CLOCK_HZ   24000000u
/* KVM gives vCPU i the MPIDR Aff0 = i while i < 16 (reset_mpidr, arch/arm64/kvm/sys_regs.c):
 * up to 8, the device tree's cpu@i has reg = i, and the redistributors (128 KiB each) end
 * well below the UART. */
#define MAX_VCPUS 8

struct vm;

struct vcpu {
    struct vm *vm;
    unsigned index; /* KVM's vcpu_id, and the MPIDR's Aff0 */
    int fd;
    struct kvm_run *run;
    pthread_t thread;
};

struct vm {
    int kvm_fd, vm_fd, gic_fd;
    size_t run_size;
    uint8_t *ram;
    uint64_t ram_size;
    unsigned nr_vcpus;
    struct vcpu vcpus[MAX_VCPUS];
};

/* Where the boot files landed, for the device tree and the first registers. */
struct boot_layout {
    uint64_t entry, kernel_end;
    uint64_t initrd_start, initrd_end; /* both 0 without an initrd */
    uint64_t dtb;
    const char *cmdline;
};

/* Reports "minivmm: <message>" on stderr and exits with status 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* die() with the text of errno appended: "minivmm: <message>: <strerror>". */
void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* kvm.c */
/* The VM with its RAM and nr_vcpus vCPUs: vCPU 0 runnable, the others powered off until the
 * guest starts them with PSCI CPU_ON (answered by KVM). */
void vm_create(struct vm *vm, uint64_t ram_size, unsigned nr_vcpus);
void vm_create_gic(struct vm *vm);
void vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t value);
void vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0);
void vm_set_spi(struct vm *vm, unsigned spi, int level);

/* load.c: both return the first byte past what they loaded. */
uint64_t load_kernel(struct vm *vm, const char *path, uint64_t *entry);
void load_initrd(struct vm *vm, const char *path, struct boot_layout *layout);
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);

/* fdt.c: the device tree of the VM, written at layout->dtb. */
size_t build_dtb(struct vm *vm, const struct boot_layout *layout);

/* pl011.c */
void pl011_init(struct vm *vm);
/* One MMIO access in the UART's window; offset < UART_SIZE, len in {1, 2, 4, 8}. Any vCPU
 * thread may call it: the UART's state is under its lock. */
void pl011_mmio(uint64_t offset, uint8_t *data, uint32_t len, int is_write);
void pl011_restore_terminal(void);

#endif
