/* shmem-ping: the Linux side of elvisor's shared memory test (docs/shmem.md,
 * tests/system/test_shmem.py), and an example of driving the ivshmem function from user space
 * with the stock kernel: uio_pci_generic takes its INTx (it masks INTx in the interrupt and
 * user space unmasks it through the configuration space, PCI 2.3), the registers and the
 * region are mapped through sysfs (resource0, resource2). It never polls: between messages it
 * sleeps in read() on /dev/uioN until the doorbell interrupt.
 *
 *   shmem-ping            answer peer 0's messages (ring 0) on ring 1, then wait for peer 0 to
 *                         reset and come back, and tell it so (state 4); once per life of
 *                         the VM: it refuses to start when this peer's state is not 0
 *   shmem-ping info       print the function's registers and the region's first words
 *
 * Exit status 0 on success, 1 on a protocol error or a timeout, 2 when the device is missing.
 * Built static for aarch64 Linux (Makefile: build/tools/shmem-ping). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vdev/ivshmem_regs.h"

/* The protocol of tests/guests/shmem.c. */
#define SHM_ROUNDS  64
#define SHM_SLOTS   16
#define SHM_RING(r) ((r)*0x100)
#define SHM_HEAD    0
#define SHM_TAIL    4
#define SHM_SLOT(i) (8 + 4 * ((i) % SHM_SLOTS))
#define SHM_MSG(k)  (0x5a000000u | (k))
#define ST_READY    1
#define ST_BACK     3
#define ST_SAW      4
#define TIMEOUT_MS  120000

#define PCI_COMMAND_HI           5    /* the command register's upper byte in configuration space */
#define PCI_COMMAND_INTX_DISABLE 0x04 /* bit 10 of the command register, bit 2 of that byte */

static volatile uint32_t *regs, *shm;
static int uio_fd, cfg_fd;
static unsigned irqs, sleeps;

static void barrier(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static uint32_t rd(volatile uint32_t *b, unsigned off) { return b[off / 4]; }
static void wr(volatile uint32_t *b, unsigned off, uint32_t v) { b[off / 4] = v; }

static int die(const char *what)
{
    fprintf(stderr, "shmem-ping: %s: %s\n", what, errno ? strerror(errno) : "failed");
    return 2;
}

static int read_hex(const char *dir, const char *file, unsigned *v)
{
    char p[400], buf[32];
    snprintf(p, sizeof(p), "%s/%s", dir, file);
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    *v = (unsigned)strtoul(buf, 0, 16);
    return 0;
}

/* The function's sysfs directory. */
static int find_device(char *dir, size_t cap)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        unsigned ven, dev;
        snprintf(dir, cap, "/sys/bus/pci/devices/%.64s", e->d_name);
        if (read_hex(dir, "vendor", &ven) == 0 && read_hex(dir, "device", &dev) == 0 && ven == IVSHMEM_VENDOR_ID &&
            dev == IVSHMEM_DEVICE_ID) {
            closedir(d);
            return 0;
        }
    }
    if (d)
        closedir(d);
    return -1;
}

/* Binds uio_pci_generic to the function (it declares no IDs) and opens its /dev/uioN. */
static int open_uio(const char *dir)
{
    char p[400], name[64];
    int fd = open("/sys/bus/pci/drivers/uio_pci_generic/new_id", O_WRONLY);
    if (fd < 0)
        return -1;
    snprintf(name, sizeof(name), "%04x %04x", IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID);
    if (write(fd, name, strlen(name)) < 0 && errno != EEXIST)
        fprintf(stderr, "shmem-ping: new_id: %s\n", strerror(errno));
    close(fd);
    for (int i = 0; i < 50; i++) {
        snprintf(p, sizeof(p), "%s/uio", dir);
        DIR *d = opendir(p);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strncmp(e->d_name, "uio", 3) == 0) {
                snprintf(p, sizeof(p), "/dev/%s", e->d_name);
                closedir(d);
                return open(p, O_RDWR);
            }
        if (d)
            closedir(d);
        usleep(100000);
    }
    errno = ENODEV;
    return -1;
}

static volatile uint32_t *map_bar(const char *dir, unsigned bar, int prot)
{
    char p[400];
    struct stat st;
    snprintf(p, sizeof(p), "%s/resource%u", dir, bar);
    int fd = open(p, prot & PROT_WRITE ? O_RDWR : O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0)
        return 0;
    void *m = mmap(0, (size_t)st.st_size, prot, MAP_SHARED, fd, 0);
    close(fd);
    return m == MAP_FAILED ? 0 : m;
}

/* Lets the function interrupt again: uio_pci_generic masked INTx when it took the interrupt. */
static void unmask_intx(void)
{
    uint8_t hi;
    if (pread(cfg_fd, &hi, 1, PCI_COMMAND_HI) == 1) {
        hi &= (uint8_t)~PCI_COMMAND_INTX_DISABLE;
        if (pwrite(cfg_fd, &hi, 1, PCI_COMMAND_HI) != 1)
            perror("shmem-ping: config");
    }
}

/* Returns once cond() holds, sleeping for the interrupt in between; -1 after TIMEOUT_MS. */
static int wait_for(int (*cond)(void))
{
    for (;;) {
        wr(regs, IVSHMEM_INT_STATUS, IVSHMEM_INT_DOORBELL | IVSHMEM_INT_PEER_STATE);
        barrier();
        if (cond())
            return 0;
        unmask_intx();
        struct pollfd pfd = { .fd = uio_fd, .events = POLLIN };
        sleeps++;
        if (poll(&pfd, 1, TIMEOUT_MS) != 1)
            return -1;
        uint32_t count;
        if (read(uio_fd, &count, 4) != 4)
            return -1;
        irqs++;
    }
}

static uint32_t round_k;
static int message_in(void) { return rd(shm, SHM_RING(0) + SHM_HEAD) != round_k; }
static int peer0_back(void) { return rd(regs, IVSHMEM_PEER_STATE) == ST_BACK; }

static int info(void)
{
    printf("shmem-ping: peer %u of %u, flags 0x%x, state %u, peer states", rd(regs, IVSHMEM_ID),
           rd(regs, IVSHMEM_PEERS), rd(regs, IVSHMEM_FLAGS), rd(regs, IVSHMEM_STATE));
    for (unsigned i = 0; i < rd(regs, IVSHMEM_PEERS) && i < 8; i++)
        printf(" %u", rd(regs, IVSHMEM_PEER_STATE + 4 * i));
    printf("; region words 0x%08x 0x%08x\n", rd(shm, 0), rd(shm, 4));
    return 0;
}

int main(int argc, char **argv)
{
    char dir[256];
    if (find_device(dir, sizeof(dir)) < 0)
        return die("no ivshmem function (1af4:1110) on any PCI bus");
    char p[400];
    snprintf(p, sizeof(p), "%s/config", dir);
    if ((cfg_fd = open(p, O_RDWR)) < 0)
        return die(p);
    if ((uio_fd = open_uio(dir)) < 0)
        return die("uio_pci_generic (is the module loaded?)");
    regs = map_bar(dir, IVSHMEM_REGS_BAR, PROT_READ | PROT_WRITE);
    if (!regs)
        return die("resource0");
    bool ro = rd(regs, IVSHMEM_FLAGS) & IVSHMEM_FLAG_READ_ONLY;
    shm = map_bar(dir, IVSHMEM_SHMEM_BAR, ro ? PROT_READ : PROT_READ | PROT_WRITE);
    if (!shm)
        return die("resource2");
    if (argc > 1 && strcmp(argv[1], "info") == 0)
        return info();
    /* The protocol starts from state 0 (the VM's build or reset): not twice in one life. */
    if (rd(regs, IVSHMEM_STATE) != 0) {
        printf("shmem-ping: this peer's state is %u, not 0: it ran already (reset the VM to run it again)\n",
               rd(regs, IVSHMEM_STATE));
        return 1;
    }
    printf("shmem-ping: %s is peer %u of %u\n", dir, rd(regs, IVSHMEM_ID), rd(regs, IVSHMEM_PEERS));
    fflush(stdout);
    wr(regs, IVSHMEM_STATE, ST_READY);
    unsigned bad = 0;
    for (round_k = 0; round_k < SHM_ROUNDS; round_k++) {
        if (wait_for(message_in) < 0) {
            printf("shmem-ping: timeout waiting for message %u\n", round_k);
            return 1;
        }
        barrier();
        uint32_t m = rd(shm, SHM_RING(0) + SHM_SLOT(round_k));
        bad += m != SHM_MSG(round_k);
        wr(shm, SHM_RING(0) + SHM_TAIL, round_k + 1);
        wr(shm, SHM_RING(1) + SHM_SLOT(round_k), ~m);
        barrier();
        wr(shm, SHM_RING(1) + SHM_HEAD, round_k + 1);
        barrier();
        wr(regs, IVSHMEM_DOORBELL, 0);
    }
    printf("shmem-ping: %u messages answered, %u wrong, %u interrupts, %u sleeps\n", SHM_ROUNDS, bad, irqs, sleeps);
    fflush(stdout);
    unsigned before = irqs;
    if (wait_for(peer0_back) < 0) {
        printf("shmem-ping: timeout waiting for peer 0 to come back\n");
        return 1;
    }
    printf("shmem-ping: peer 0 reset and came back (state %u) after %u interrupts\n", rd(regs, IVSHMEM_PEER_STATE),
           irqs - before);
    wr(regs, IVSHMEM_STATE, ST_SAW);
    return bad ? 1 : 0;
}
