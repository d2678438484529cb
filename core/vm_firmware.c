/* A VM that boots firmware (core/vm_firmware.h): its flash and where it starts. */
#include "core/vm_firmware.h"
#include "core/image.h"
#include "core/page_alloc.h"
#include "core/vm.h"
#include "core/vm_dtb.h"
#include "core/vm_layout.h"
#include "core/vm_load.h"
#include "lib/log.h"
#include "lib/string.h"

/* The flash: zeroed host pages holding the firmware, written once at creation (the guest
 * cannot write them: stage 2 maps them read-only, so a reset has nothing to restore). */
int vm_firmware_flash(struct vm *vm)
{
    const struct vm_config *cfg = &vm->cfg;
    struct pack_file fw;
    pack_find(cfg->firmware, &fw); /* presence and size checked by config_parse */
    void *flash = page_alloc(cfg->flash_size >> 12, 0x1000);
    if (!flash) {
        printk("elvisor: VM '%s' refused: flash: %lu KiB requested, %lu MiB free\n", cfg->name,
               (unsigned long)(cfg->flash_size >> 10), (unsigned long)(page_free_count() >> 8));
        return -1;
    }
    memcpy(flash, fw.data, fw.size);
    vm->flash_pa = (uint64_t)(uintptr_t)flash;
    vm_load_clean_pa(vm->flash_pa, cfg->flash_size);
    return 0;
}

void vm_firmware_release(struct vm *vm)
{
    if (vm->flash_pa)
        page_free((void *)(uintptr_t)vm->flash_pa, vm->cfg.flash_size >> 12);
    vm->flash_pa = 0;
}

/* The firmware already sits in its flash (vm_firmware_flash), the device tree goes at the
 * start of RAM and vCPU 0 starts at the flash base, as on QEMU's virt machine, whose firmware
 * (U-Boot's qemu_arm64 build) looks for the device tree there. */
int vm_firmware_boot(struct vm *vm)
{
    vm->dtb_ipa = vm->cfg.ram_ipa;
    int dtb_size = vm_dtb_build(vm, (char *)(uintptr_t)vm->ram_pa, VM_DTB_MAX, 0, 0);
    if (dtb_size < 0) {
        printk("elvisor: VM '%s' refused: its device tree does not fit in %lu bytes\n", vm->cfg.name,
               (unsigned long)VM_DTB_MAX);
        return -1;
    }
    vm_load_clean(vm, 0, (uint64_t)dtb_size);
    vm->vcpu[0].regs.pc = vm->cfg.flash_ipa;
    vm->vcpu[0].regs.x[0] = vm->dtb_ipa;
    return 0;
}
