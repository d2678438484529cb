/* A tiny static arm64 Linux program for the guest initramfs (tools/linux.sh): counts the CPU
 * cycles and the instructions of a fixed loop with perf_event_open(2), the way `perf stat`
 * does, and prints "elvisor-guest: perf cycles N instructions M" (or which counter could not
 * be opened and the error). Under elvisor that exercises the guest's PMU (vdev/vpmu.c) through
 * Linux's armv8_pmuv3 driver: tests/system/test_linux.py. No libc: raw system calls. */
#include <stdint.h>
#include <linux/perf_event.h>

/* arm64 system call numbers (include/uapi/asm-generic/unistd.h). */
#define NR_IOCTL           29
#define NR_CLOSE           57
#define NR_READ            63
#define NR_WRITE           64
#define NR_EXIT            93
#define NR_PERF_EVENT_OPEN 241

static long sys5(long nr, long a, long b, long c, long d, long e)
{
    register long x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c, x3 __asm__("x3") = d,
                     x4 __asm__("x4") = e;
    register long x8 __asm__("x8") = nr;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8) : "memory");
    return x0;
}

static char out[160];
static int len;

static void put(const char *s)
{
    while (*s && len < (int)sizeof(out) - 1)
        out[len++] = *s++;
}

static void put_num(uint64_t v)
{
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && len < (int)sizeof(out) - 1)
        out[len++] = d[--n];
}

static void finish(int code)
{
    out[len++] = '\n';
    sys5(NR_WRITE, 1, (long)out, len, 0, 0);
    sys5(NR_EXIT, code, 0, 0, 0, 0);
    for (;;)
        ;
}

/* One hardware counter of this process, on any CPU, disabled until the ioctl. */
static int open_counter(uint64_t config, int group)
{
    struct perf_event_attr a;
    for (unsigned i = 0; i < sizeof(a); i++)
        ((char *)&a)[i] = 0;
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof(a);
    a.config = config;
    a.disabled = group < 0;
    a.exclude_hv = 1;
    return (int)sys5(NR_PERF_EVENT_OPEN, (long)&a, 0, -1, group, 0);
}

void _start(void)
{
    put("elvisor-guest: perf ");
    int cyc = open_counter(PERF_COUNT_HW_CPU_CYCLES, -1);
    if (cyc < 0) {
        put("cycles: perf_event_open error ");
        put_num((uint64_t)-cyc);
        finish(1);
    }
    int ins = open_counter(PERF_COUNT_HW_INSTRUCTIONS, cyc);
    if (ins < 0) {
        put("instructions: perf_event_open error ");
        put_num((uint64_t)-ins);
        finish(1);
    }
    sys5(NR_IOCTL, cyc, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP, 0, 0);
    uint64_t n = 10000000, x = 0;
    __asm__ volatile("1: add %1, %1, #1\n subs %0, %0, #1\n b.ne 1b" : "+r"(n), "+r"(x));
    sys5(NR_IOCTL, cyc, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP, 0, 0);
    uint64_t c = 0, i = 0;
    if (sys5(NR_READ, cyc, (long)&c, 8, 0, 0) != 8 || sys5(NR_READ, ins, (long)&i, 8, 0, 0) != 8) {
        put("read failed");
        finish(1);
    }
    put("cycles ");
    put_num(c);
    put(" instructions ");
    put_num(i);
    sys5(NR_CLOSE, ins, 0, 0, 0, 0);
    sys5(NR_CLOSE, cyc, 0, 0, 0, 0);
    finish(0);
}
