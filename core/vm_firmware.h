/* A VM that boots firmware (docs/booting.md, "VM firmware"): the boot loader in a read-only
 * flash region, the device tree at the start of RAM. An optional part (CONFIG_VM_FIRMWARE,
 * docs/build.md); without it the configuration refuses a VM with `firmware`
 * (core/config_parse.h), so core/vmm.c never reaches the absent forms' failures. */
#ifndef CORE_VM_FIRMWARE_H
#define CORE_VM_FIRMWARE_H

struct vm;

#if CONFIG_VM_FIRMWARE
/* At creation: the flash's host pages, holding the firmware (vm->flash_pa); -1 (said) if none. */
int vm_firmware_flash(struct vm *vm);
/* At creation and each reset: the device tree at the start of RAM, vCPU 0 at the flash base. */
int vm_firmware_boot(struct vm *vm);
/* Gives back the flash's pages, if it has any. */
void vm_firmware_release(struct vm *vm);
#else
/* Left out of this build (CONFIG_VM_FIRMWARE=n): no VM boots firmware or has a flash. */
static inline int vm_firmware_flash(struct vm *vm) { return -1; }
static inline int vm_firmware_boot(struct vm *vm) { return -1; }
static inline void vm_firmware_release(struct vm *vm) {}
#endif

#endif
