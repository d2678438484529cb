/* The binding of a VM's firmware (docs/booting.md, "VM firmware"): its firmware image and the
 * flash region it runs from. Part of CONFIG_VM_FIRMWARE (docs/build.md); pure logic, like
 * core/config.c. */
#include "core/config_parse.h"
#include "core/vm_layout.h"
#include "lib/fdt_read.h"

/* firmware = "path" and flash = <ipa size>: the VM starts in a boot loader run from a read-only
 * flash region (by default at IPA 0, the firmware's size rounded up to 2 MiB), with its device
 * tree at the start of its RAM, as QEMU's virt machine does for -bios. */
bool config_firmware(struct config_parse *p, int node, struct vm_config *vm)
{
    uint64_t fsize;
    if (vm->kernel[0] || vm->initrd[0])
        REFUSE(p, "firmware: give either firmware or kernel/initrd, not both");
    if (p->lim->file_size(vm->firmware, &fsize) < 0)
        REFUSE(p, "firmware: \"%s\" is not in the image pack", vm->firmware);
    if (fsize == 0 || fsize > VM_MAX_FLASH)
        REFUSE(p, "firmware: \"%s\" is empty or larger than %lu MiB", vm->firmware,
               (unsigned long)(VM_MAX_FLASH >> 20));
    int len;
    if (fdt_getprop(p->f, node, "flash", &len)) {
        if (len != 16 || !config_read_pair(p, node, "flash", 0, &vm->flash_ipa, &vm->flash_size))
            REFUSE(p, "flash: need <ipa-hi ipa-lo size-hi size-lo>");
    } else {
        vm->flash_ipa = 0;
        vm->flash_size = (fsize + 0x1fffff) & ~UINT64_C(0x1fffff);
    }
    if ((vm->flash_ipa | vm->flash_size) & 0xfff || vm->flash_size > VM_MAX_FLASH)
        REFUSE(p, "flash: base and size must be 4 KiB aligned, size at most %lu MiB",
               (unsigned long)(VM_MAX_FLASH >> 20));
    if (vm->flash_size < fsize)
        REFUSE(p, "flash: %lu KiB is too small for firmware \"%s\" (%lu KiB)", (unsigned long)(vm->flash_size >> 10),
               vm->firmware, (unsigned long)(fsize >> 10));
    if (!config_in_ipa_space(p, vm->flash_ipa, vm->flash_size))
        REFUSE(p, "flash: 0x%lx+0x%lx exceeds the %u-bit IPA space", (unsigned long)vm->flash_ipa,
               (unsigned long)vm->flash_size, p->lim->ipa_bits);
    if (vm->ram_size < VM_DTB_MAX)
        REFUSE(p, "memory: too small for the device tree");
    return true;
}
