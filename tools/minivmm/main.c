/* minivmm: boots KERNEL (an arm64 Linux Image or a raw binary) in a KVM virtual machine with
 * 1 to MAX_VCPUS vCPUs, one thread each, RAM at 0x40000000, a GICv3 with the architected timer,
 * a PL011 on stdin/stdout and a generated device tree; runs until the guest powers off.
 *
 *   minivmm [-m MiB] [-s vCPUs] [-c cmdline] [-i initrd] KERNEL */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "minivmm.h"

#define DTB_ALIGN          (2ull << 20) /* booting.rst: the DTB must not cross a 2 MiB boundary */
#define DEFAULT_CMDLINE    "console=ttyAMA0 earlycon=pl011,0x9000000"
#define MAX_REPORTED_HOLES 8 /* unmapped accesses reported one by one before going quiet */

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("minivmm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void die_errno(const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    fputs("minivmm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, ": %s\n", strerror(err));
    va_end(ap);
    exit(1);
}

struct options {
    unsigned ram_mib, nr_vcpus;
    const char *cmdline, *initrd, *kernel;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: minivmm [-m MiB] [-s vCPUs] [-c cmdline] [-i initrd] KERNEL\n"
            "  -m MiB      guest RAM, %u to %u (default %u)\n"
            "  -s vCPUs    virtual CPUs, 1 to %d (default 1); vCPU 0 boots, PSCI CPU_ON starts the others\n"
            "  -c cmdline  the guest's bootargs (default \"%s\")\n"
            "  -i initrd   an initramfs for the guest\n",
            RAM_MIN_MIB, RAM_MAX_MIB, RAM_DEFAULT_MIB, MAX_VCPUS, DEFAULT_CMDLINE);
    exit(2);
}

static struct options parse_options(int argc, char **argv)
{
    struct options o = { .ram_mib = RAM_DEFAULT_MIB, .nr_vcpus = 1, .cmdline = DEFAULT_CMDLINE };
    int c;
    while ((c = getopt(argc, argv, "m:s:c:i:h")) != -1) {
        char *end;
        switch (c) {
        case 'm': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < RAM_MIN_MIB || v > RAM_MAX_MIB)
                die("-m %s: give the RAM in MiB, %u to %u", optarg, RAM_MIN_MIB, RAM_MAX_MIB);
            o.ram_mib = (unsigned)v;
            break;
        }
        case 's': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1 || v > MAX_VCPUS)
                die("-s %s: give the number of vCPUs, 1 to %d", optarg, MAX_VCPUS);
            o.nr_vcpus = (unsigned)v;
            break;
        }
        case 'c':
            o.cmdline = optarg;
            break;
        case 'i':
            o.initrd = optarg;
            break;
        default:
            usage();
        }
    }
    if (optind != argc - 1)
        usage();
    o.kernel = argv[optind];
    return o;
}

/* Kernel at the bottom, device tree in the last 2 MiB-aligned 2 MiB, initrd just below it. */
static struct boot_layout load_boot_files(struct vm *vm, const struct options *o)
{
    struct boot_layout layout = { .cmdline = o->cmdline };
    layout.kernel_end = load_kernel(vm, o->kernel, &layout.entry);
    layout.dtb = (RAM_BASE + vm->ram_size - DTB_ALIGN) & ~(DTB_ALIGN - 1);
    if (layout.kernel_end > layout.dtb)
        die("%s leaves no room for the device tree in %u MiB: give more RAM (-m)", o->kernel, o->ram_mib);
    if (o->initrd)
        load_initrd(vm, o->initrd, &layout);
    build_dtb(vm, &layout);
    return layout;
}

/* An MMIO exit: the address and length are the guest's, so both are checked. Outside the
 * UART, reads give zero and writes are dropped (reported, up to MAX_REPORTED_HOLES, counted
 * atomically: every vCPU thread comes here). */
static void handle_mmio(struct kvm_run *run)
{
    static unsigned holes;
    uint64_t addr = run->mmio.phys_addr;
    uint32_t len = run->mmio.len;
    int len_ok = len == 1 || len == 2 || len == 4 || len == 8;
    if (len_ok && addr >= UART_BASE && addr - UART_BASE <= UART_SIZE - len) {
        pl011_mmio(addr - UART_BASE, run->mmio.data, len, run->mmio.is_write);
        return;
    }
    if (!run->mmio.is_write)
        memset(run->mmio.data, 0, sizeof(run->mmio.data));
    unsigned hole = __atomic_add_fetch(&holes, 1, __ATOMIC_RELAXED);
    if (hole <= MAX_REPORTED_HOLES)
        fprintf(stderr, "minivmm: guest %s of %u bytes at 0x%llx: no device there (%s)\n",
                run->mmio.is_write ? "write" : "read", len, (unsigned long long)addr,
                hole == MAX_REPORTED_HOLES ? "reads as zero; further ones not reported" : "reads as zero");
}

/* Stopping the VM: the first vCPU to stop it sets the status, marks every vCPU's kvm_run
 * immediate_exit (a KVM_RUN not yet entered returns at once with EINTR) and signals the other
 * threads (one inside KVM_RUN returns with EINTR, api.rst "KVM_RUN"); each thread then ends
 * and main() joins them. */
static struct {
    pthread_mutex_t lock;
    int stopping, status;
} vm_stop_state = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig) { (void)sig; }

static int vm_stopping(void) { return __atomic_load_n(&vm_stop_state.stopping, __ATOMIC_ACQUIRE); }

static void vm_stop(struct vcpu *self, int status, const char *message)
{
    struct vm *vm = self->vm;
    pthread_mutex_lock(&vm_stop_state.lock);
    if (!vm_stop_state.stopping) {
        printf("%s", message);
        vm_stop_state.status = status;
        __atomic_store_n(&vm_stop_state.stopping, 1, __ATOMIC_RELEASE);
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            __atomic_store_n(&vm->vcpus[i].run->immediate_exit, 1, __ATOMIC_RELEASE);
            if (&vm->vcpus[i] != self)
                pthread_kill(vm->vcpus[i].thread, KICK_SIGNAL);
        }
    }
    pthread_mutex_unlock(&vm_stop_state.lock);
}

/* PSCI SYSTEM_OFF, SYSTEM_RESET and crashes reach user space as system events, on the vCPU
 * that made the call (KVM has put the others to sleep); each stops the VM with one line. */
static void handle_system_event(struct vcpu *vcpu)
{
    switch (vcpu->run->system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        vm_stop(vcpu, 0, "\nminivmm: the guest powered off (PSCI SYSTEM_OFF)\n");
        break;
    case KVM_SYSTEM_EVENT_RESET:
        vm_stop(vcpu, 0,
                "\nminivmm: the guest asked for a reset (PSCI SYSTEM_RESET); minivmm does not reset, exiting\n");
        break;
    case KVM_SYSTEM_EVENT_CRASH:
        die("the guest reported a crash (system event CRASH)");
    default:
        die("unexpected system event %u from the guest", vcpu->run->system_event.type);
    }
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *vcpu = arg;
    struct kvm_run *run = vcpu->run;
    while (!vm_stopping()) {
        if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            die_errno("KVM_RUN on vCPU %u", vcpu->index);
        }
        switch (run->exit_reason) {
        case KVM_EXIT_MMIO:
            handle_mmio(run);
            break;
        case KVM_EXIT_SYSTEM_EVENT:
            handle_system_event(vcpu);
            break;
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_ARM_NISV:
            die("the guest's access at 0x%llx has no syndrome to emulate it from (a load/store pair or "
                "writeback form: ESR_EL2 ISS 0x%llx); stopping it",
                (unsigned long long)run->arm_nisv.fault_ipa, (unsigned long long)run->arm_nisv.esr_iss);
        case KVM_EXIT_FAIL_ENTRY:
            die("KVM could not enter vCPU %u (hardware entry failure 0x%llx)", vcpu->index,
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            die("KVM internal error on vCPU %u (suberror %u)", vcpu->index, run->internal.suberror);
        default:
            die("unexpected KVM exit reason %u on vCPU %u", run->exit_reason, vcpu->index);
        }
    }
    return NULL;
}

/* One thread per vCPU; KICK_SIGNAL interrupts KVM_RUN (no SA_RESTART) and does nothing else.
 * The stop lock is held while the threads start, so that a vCPU stopping the VM at once
 * finds every thread's id written. */
static int run_vm(struct vm *vm)
{
    struct sigaction kick = { .sa_handler = kick_handler };
    sigemptyset(&kick.sa_mask);
    if (sigaction(KICK_SIGNAL, &kick, NULL) < 0)
        die_errno("sigaction");
    pthread_mutex_lock(&vm_stop_state.lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        if (pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]) != 0)
            die("cannot start the thread of vCPU %u", i);
    pthread_mutex_unlock(&vm_stop_state.lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        pthread_join(vm->vcpus[i].thread, NULL);
    return vm_stop_state.status;
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);
    static struct vm vm;
    setvbuf(stdout, NULL, _IONBF, 0);
    vm_create(&vm, (uint64_t)o.ram_mib << 20, o.nr_vcpus);
    vm_create_gic(&vm);
    struct boot_layout layout = load_boot_files(&vm, &o);
    vcpu_set_boot_regs(&vm.vcpus[0], layout.entry, layout.dtb);
    pl011_init(&vm);
    fprintf(stderr, "minivmm: starting %s with %u MiB, %u vCPU%s%s%s\n", o.kernel, o.ram_mib, o.nr_vcpus,
            o.nr_vcpus == 1 ? "" : "s", o.initrd ? ", initrd " : "", o.initrd ? o.initrd : "");
    return run_vm(&vm);
}
