/* A VM's flash seen by the hypervisor (core/vm.h): part of CONFIG_VM_FIRMWARE, in a file of its
 * own because MMIO emulation (core/mmio.c) and its unit test reach it without the rest of
 * core/vm_firmware.c. */
#include "core/vm.h"

const void *vm_flash_ptr(struct vm *vm, uint64_t ipa, uint64_t len)
{
    uint64_t off = ipa - vm->cfg.flash_ipa;
    if (!vm->flash_pa || ipa < vm->cfg.flash_ipa || off >= vm->cfg.flash_size || len > vm->cfg.flash_size - off)
        return 0;
    return (const void *)(uintptr_t)(vm->flash_pa + off);
}
