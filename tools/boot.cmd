# elvisor's U-Boot boot script (docs/booting.md); tools/mkdisk.py wraps it as /boot.scr.
# U-Boot's default boot command runs it with devtype, devnum and distro_bootpart naming the
# partition it was found on; sourced by hand it loads from the first virtio disk's partition 1.
if test -z "${devtype}"; then setenv devtype virtio; setenv devnum 0; setenv distro_bootpart 1; fi
echo "elvisor: loading /EFI/BOOT/BOOTAA64.EFI from ${devtype} ${devnum}:${distro_bootpart}"
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} /EFI/BOOT/BOOTAA64.EFI
# No initrd ("-"); the device tree is U-Boot's own, the one QEMU gave it.
booti ${kernel_addr_r} - ${fdtcontroladdr}
