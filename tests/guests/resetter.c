/* Checks that its RAM beyond the image is clean (zeroed by the hypervisor), marks it, and
 * asks for PSCI SYSTEM_RESET: each boot must find the mark gone. */
#include "tests/guests/common/guest.h"

#define PSCI_SYSTEM_RESET 0x84000009u

int guest_main(void)
{
    uint64_t base, size;
    int mem = fdt_path_offset(&guest_fdt, "/memory");
    if (mem < 0 || fdt_reg(&guest_fdt, mem, 0, &base, &size) < 0) {
        check(false, "resetter_memory_node", "missing");
        return guest_failures;
    }
    volatile uint64_t *mark = (volatile uint64_t *)(uintptr_t)(base + size - 0x100000);
    check(*mark == 0, "resetter_ram_clean", "found 0x%lx", (unsigned long)*mark);
    *mark = 0xfeedf00d;
    gprintf("resetter: boot done, resetting\n");
    hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
    check(false, "resetter_reset_returned", "SYSTEM_RESET returned");
    return guest_failures;
}
