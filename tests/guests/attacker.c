/* Reads and writes every 16 MiB of host RAM's physical range, page 0, device space and the
 * top of the IPA space: all outside this VM's RAM (IPA 0x80000000), so every access must end
 * in an external abort injected by the hypervisor, and nothing may change anywhere else. */
#include "tests/guests/common/guest.h"

static unsigned probe(uint64_t ipa, bool write)
{
    uint64_t esr = 0, far = 0;
    fault_expect();
    if (write)
        *(volatile uint64_t *)(uintptr_t)ipa = 0xbadbadbadbadbadULL;
    else
        (void)*(volatile uint64_t *)(uintptr_t)ipa;
    bool taken = fault_taken(&esr, &far);
    /* EC 0x25 (data abort, same EL), DFSC 0x10 (synchronous external abort). */
    if (!taken || (esr >> 26) != 0x25 || (esr & 0x3f) != 0x10 || far != ipa) {
        gprintf("attacker: %s 0x%lx: taken %d esr 0x%lx far 0x%lx\n", write ? "write" : "read", (unsigned long)ipa,
                taken, (unsigned long)esr, (unsigned long)far);
        return 1;
    }
    return 0;
}

int guest_main(void)
{
    unsigned bad = 0, n = 0;
    /* Host RAM on QEMU virt: the hypervisor image sits at 0x40200000, the victim VM above. */
    for (uint64_t a = 0x40000000; a < 0x80000000; a += 0x1000000, n += 2)
        bad += probe(a, false) + probe(a + 0x200000, true);
    /* 0x08000000 is the VM's own virtual GIC distributor; 0x08020000 lies past its windows. */
    uint64_t others[] = { 0x0,        0x1000,     0x08020000, 0x09000000 + 0x2000, 0x0a000000,
                          0x0c000000, 0x82000000, 0xffff0000, 0x100000000ULL,      0x4000000000ULL };
    for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++, n += 2)
        bad += probe(others[i], false) + probe(others[i], true);
    check(bad == 0, "attacker_all_probes_aborted", "%u of %u probes did not abort cleanly", bad, n);
    gprintf("attacker: %u probes\n", n);
    return guest_failures;
}
