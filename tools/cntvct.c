/* A tiny static arm64 Linux program for the guest initramfs: prints the virtual counter as
 * "elvisor-guest: cntvct N". Under QEMU -icount shift=0 with a 1 GHz counter that is the
 * number of instructions executed since the VM's counter started (at VM creation under
 * elvisor, CNTVOFF_EL2; at power-on natively): make bench's linux_boot. No libc. */
#include <stdint.h>

static long sys_call3(long nr, long a, long b, long c)
{
    register long x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c;
    register long x8 __asm__("x8") = nr;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x8) : "memory");
    return x0;
}

void _start(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    static const char prefix[] = "elvisor-guest: cntvct ";
    char buf[64], digits[24];
    int n = 0, len = 0;
    while (prefix[len]) {
        buf[len] = prefix[len];
        len++;
    }
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        buf[len++] = digits[--n];
    buf[len++] = '\n';
    sys_call3(64, 1, (long)buf, len); /* write(1, buf, len) */
    sys_call3(93, 0, 0, 0);           /* exit(0) */
    for (;;)
        ;
}
