/* Boot files into guest RAM: an arm64 Linux Image (its header says where and how much), a raw
 * binary, an initramfs. Documentation/arch/arm64/booting.rst gives the header and the rules. */
#define _DEFAULT_SOURCE /* pread, also under -std=c11 (tests/unit/test_minivmm.c) */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "minivmm.h"

#define IMAGE_MAGIC          0x644d5241u /* "ARM\x64" */
#define IMAGE_FLAG_BE        (1ull << 0) /* flags bit 0: kernel endianness */
#define IMAGE_OLD_TEXTOFFSET 0x80000ull  /* image_size 0 (before Linux 3.17): text_offset is this */
#define PAGE_SIZE            4096ull

struct arm64_image_header {
    uint32_t code0, code1;
    uint64_t text_offset, image_size, flags, res2, res3, res4;
    uint32_t magic, res5;
};

/* The host pointer for [gpa, gpa + len) if all of it is guest RAM, else NULL. */
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
    if (gpa < RAM_BASE)
        return NULL;
    uint64_t off = gpa - RAM_BASE;
    if (off > vm->ram_size || len > vm->ram_size - off)
        return NULL;
    return vm->ram + off;
}

static int open_sized(const char *path, uint64_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die_errno("cannot open %s", path);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        die("%s is not a regular file", path);
    *size = (uint64_t)st.st_size;
    return fd;
}

/* Reads all of fd (size bytes) into guest RAM at gpa, which the caller checked fits. */
static void read_into_guest(struct vm *vm, int fd, const char *path, uint64_t gpa, uint64_t size)
{
    uint8_t *dst = guest_ptr(vm, gpa, size);
    if (!dst)
        die("%s (%llu bytes) does not fit in guest RAM at 0x%llx", path, (unsigned long long)size,
            (unsigned long long)gpa);
    for (uint64_t done = 0; done < size;) {
        ssize_t n = pread(fd, dst + done, size - done, (off_t)done);
        if (n < 0)
            die_errno("cannot read %s", path);
        if (n == 0)
            die("%s shrank while being read", path);
        done += (uint64_t)n;
    }
}

/* Loads KERNEL: an arm64 Image at RAM + text_offset, anything else at the start of RAM. */
uint64_t load_kernel(struct vm *vm, const char *path, uint64_t *entry)
{
    uint64_t size, offset = 0, footprint;
    int fd = open_sized(path, &size);
    struct arm64_image_header h;
    footprint = size;
    if (size >= sizeof(h) && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) && h.magic == IMAGE_MAGIC) {
        if (h.flags & IMAGE_FLAG_BE)
            die("%s is a big-endian kernel; the vCPU runs little-endian", path);
        offset = h.image_size ? h.text_offset : IMAGE_OLD_TEXTOFFSET;
        if (h.image_size > footprint)
            footprint = h.image_size; /* its BSS and early page tables follow the file */
    }
    if (offset >= vm->ram_size || footprint > vm->ram_size - offset)
        die("%s needs %llu bytes at RAM + 0x%llx, more than the %llu MiB of guest RAM", path,
            (unsigned long long)footprint, (unsigned long long)offset, (unsigned long long)(vm->ram_size >> 20));
    read_into_guest(vm, fd, path, RAM_BASE + offset, size);
    close(fd);
    *entry = RAM_BASE + offset;
    return RAM_BASE + offset + footprint;
}

/* The initramfs ends, page aligned, just below the device tree, above the kernel. */
void load_initrd(struct vm *vm, const char *path, struct boot_layout *layout)
{
    uint64_t size;
    int fd = open_sized(path, &size);
    if (size == 0 || size > layout->dtb - layout->kernel_end)
        die("initrd %s (%llu bytes) does not fit between the kernel and the device tree: give more RAM (-m)", path,
            (unsigned long long)size);
    uint64_t start = (layout->dtb - size) & ~(PAGE_SIZE - 1);
    if (start < layout->kernel_end)
        die("initrd %s (%llu bytes) does not fit between the kernel and the device tree: give more RAM (-m)", path,
            (unsigned long long)size);
    read_into_guest(vm, fd, path, start, size);
    close(fd);
    layout->initrd_start = start;
    layout->initrd_end = start + size;
}
