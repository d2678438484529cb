/* A tiny static arm64 Linux program for the guest initramfs (tools/linux.sh): memory tagging
 * from user space, the way an MTE-enabled allocator uses it. It asks for synchronous tag checks
 * (prctl PR_SET_TAGGED_ADDR_CTRL), maps a page with PROT_MTE, tags a granule, stores and loads
 * through the matching pointer, then loads through a pointer with another tag, which must raise
 * SIGSEGV with si_code SEGV_MTESERR. Prints "elvisor-guest: mte ..." lines; under elvisor that
 * exercises the guest's MTE (vdev/vmte.c) through Linux: tests/system/test_linux.py. No libc:
 * raw system calls (include/uapi/asm-generic/unistd.h, linux/prctl.h, asm/mman.h). */
#include <stdint.h>

#define NR_WRITE        64
#define NR_EXIT         93
#define NR_RT_SIGACTION 134
#define NR_PRCTL        167
#define NR_MMAP         222

#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_TAGGED_ADDR_ENABLE   (1UL << 0)
#define PR_MTE_TCF_SYNC         (1UL << 1)
#define PR_MTE_TAG_SHIFT        3 /* the tags IRG may generate: all but 0 */
#define PROT_READ               1
#define PROT_WRITE              2
#define PROT_MTE                0x20
#define MAP_PRIVATE             0x02
#define MAP_ANONYMOUS           0x20
#define SIGSEGV                 11
#define SA_SIGINFO              4
#define SEGV_MTESERR            9 /* synchronous tag check fault */

#define TAGGED(p, tag) ((uint64_t)(p) | (uint64_t)(tag) << 56)

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c, x3 __asm__("x3") = d,
                     x4 __asm__("x4") = e, x5 __asm__("x5") = f;
    register long x8 __asm__("x8") = nr;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x8) : "memory");
    return x0;
}

static void put(const char *s)
{
    unsigned n = 0;
    while (s[n])
        n++;
    sys6(NR_WRITE, 1, (long)s, n, 0, 0, 0);
}

static void put_num(long v)
{
    char b[24];
    int i = sizeof(b) - 1;
    int neg = v < 0;
    unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
    b[i] = 0;
    do
        b[--i] = (char)('0' + u % 10);
    while ((u /= 10) && i > 1);
    if (neg)
        b[--i] = '-';
    put(&b[i]);
}

static void finish(const char *what, long v, int code)
{
    put("elvisor-guest: mte ");
    put(what);
    put_num(v);
    put("\n");
    sys6(NR_EXIT, code, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* siginfo_t: si_signo, si_errno, si_code (ints), then the fault address. Never returns. */
static void on_segv(int sig, void *info, void *uctx)
{
    (void)sig;
    (void)uctx;
    int code = ((int *)info)[2];
    finish(code == SEGV_MTESERR ? "tag check fault si_code " : "wrong fault si_code ", code,
           code == SEGV_MTESERR ? 0 : 1);
}

/* struct sigaction of the rt_sigaction system call on arm64. */
struct k_sigaction {
    void (*handler)(int, void *, void *);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static uint64_t ldg(uint64_t p)
{
    __asm__ volatile(".arch armv8.5-a+memtag\n\tldg %0, [%0]" : "+r"(p));
    return p >> 56 & 0xf;
}

static void stg(uint64_t p) { __asm__ volatile(".arch armv8.5-a+memtag\n\tstg %0, [%0]" ::"r"(p) : "memory"); }

void _start(void)
{
    long rc = sys6(NR_PRCTL, PR_SET_TAGGED_ADDR_CTRL,
                   PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | 0xfffeUL << PR_MTE_TAG_SHIFT, 0, 0, 0, 0);
    if (rc)
        finish("prctl failed: ", rc, 1);
    long page = sys6(NR_MMAP, 0, 4096, PROT_READ | PROT_WRITE | PROT_MTE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page < 0 && page > -4096)
        finish("mmap PROT_MTE failed: ", page, 1);
    uint64_t good = TAGGED(page, 5), bad = TAGGED(page, 6);
    stg(good);
    *(volatile uint64_t *)good = 42;
    if (*(volatile uint64_t *)good != 42 || ldg((uint64_t)page) != 5)
        finish("tag not kept: ", (long)ldg((uint64_t)page), 1);
    put("elvisor-guest: mte tagged granule kept tag 5\n");
    struct k_sigaction sa = { .handler = on_segv, .flags = SA_SIGINFO };
    rc = sys6(NR_RT_SIGACTION, SIGSEGV, (long)&sa, 0, sizeof(sa.mask), 0, 0);
    if (rc)
        finish("rt_sigaction failed: ", rc, 1);
    (void)*(volatile uint64_t *)bad;
    finish("no fault through a mismatched tag: ", 0, 1);
}
