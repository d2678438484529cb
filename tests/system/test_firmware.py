"""elvisor started by firmware from a disk (docs/booting.md), as on a board: Debian's U-Boot
runs /boot.scr, which loads the packed image and booti's it with U-Boot's device tree; Debian's
EDK2 starts the same file as the EFI application /EFI/BOOT/BOOTAA64.EFI. Either way the default
configuration's VMs come up as they do under QEMU's -kernel."""
import os

from qemu import Qemu, machine_args, BUILD

DISK = os.path.join(BUILD, "configs/default.disk")
UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"
EDK2 = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"


def disk_args():
    assert os.path.isfile(DISK), "%s missing: run make images" % DISK
    return ["-drive", "if=none,format=raw,readonly=on,file=%s,id=esp" % DISK,
            "-device", "virtio-blk-device,drive=esp"]


def default_vms_come_up(q):
    """What the default configuration shows when it runs: the echo VM answers and both Linux
    VMs reach their shell."""
    q.wait_for(r"elvisor [\d.]+: type-1 hypervisor", timeout=120)
    q.wait_for(r"exception level: EL2")
    q.wait_for(r"4 of 4 CPUs online", timeout=60)
    q.wait_for(r"\[echo\] echo: ready", timeout=120)
    q.wait_for(r"\[linux1\] Enter 'help' for a list", timeout=300)
    q.wait_for(r"\[linux2\] Enter 'help' for a list", timeout=300)
    q.send("\x01\x01\x01")
    q.wait_for(r"input now goes to VM 'linux2'")
    q.send("\x01\x01\x01")
    q.wait_for(r"input now goes to VM 'echo'")
    q.send("ping\r")
    q.wait_for(r"\[echo\] echo: ping")
    assert "HYPERVISOR CRASH" not in q.output()


def test_uboot_boots_elvisor_from_disk():
    args = machine_args(gic=3, smp=4) + ["-bios", UBOOT] + disk_args()
    with Qemu("firmware-uboot", args, kernel=False) as q:
        q.expect(r"U-Boot 20\d\d")
        q.expect(r"Found U-Boot script /boot.scr", timeout=60)
        q.expect(r"elvisor: loading /EFI/BOOT/BOOTAA64.EFI from virtio 0:1")
        q.expect(r"Starting kernel", timeout=60)
        default_vms_come_up(q)


def test_uboot_bootefi_starts_elvisor_as_efi_application():
    """U-Boot's own UEFI implementation runs the same file through the EFI stub, typed at the
    U-Boot prompt as docs/booting.md gives it."""
    args = machine_args(gic=3, smp=4) + ["-bios", UBOOT] + disk_args()
    with Qemu("firmware-uboot-bootefi", args, kernel=False) as q:
        q.expect(r"Hit any key to stop autoboot", timeout=60)
        q.send(" ")
        q.expect(r"=> ")
        q.send("virtio scan; load virtio 0:1 ${kernel_addr_r} /EFI/BOOT/BOOTAA64.EFI\r")
        q.expect(r"\d+ bytes read")
        q.expect(r"=> ")
        q.send("bootefi ${kernel_addr_r} ${fdtcontroladdr}\r")
        q.expect(r"elvisor: EFI stub: leaving boot services", timeout=60)
        q.expect(r"firmware: UEFI memory map \(\d+ descriptors\)")
        default_vms_come_up(q)


def uefi_args(acpi=False):
    """EDK2 as QEMU's firmware (-bios: the variable store is then kept in RAM). It hands the OS
    a device tree only when QEMU gives it no ACPI tables."""
    return ["-machine", "acpi=%s" % ("on" if acpi else "off"), "-bios", EDK2] + disk_args()


def test_uefi_starts_elvisor_as_efi_application():
    with Qemu("firmware-uefi", machine_args(gic=3, smp=4) + uefi_args(), kernel=False) as q:
        q.expect(r"UEFI firmware", timeout=60)
        q.expect(r"elvisor: EFI stub: taking the device tree and the memory map from UEFI", timeout=120)
        q.expect(r"elvisor: EFI stub: leaving boot services")
        q.expect(r"exception level: EL2")
        # RAM as UEFI's memory map describes it, with the runtime services' regions kept.
        q.expect(r"memory: 0x40000000-0x7fffffff \(1024 MiB\)")
        m = q.expect(r"firmware: UEFI memory map \((\d+) descriptors\), (\d+) KiB kept for runtime services")
        assert int(m.group(1)) > 4 and int(m.group(2)) > 0
        # UEFI loads the image wherever it likes (4 KiB aligned), not at QEMU's 0x40200000.
        m = q.expect(r"image: \d+ bytes at 0x([0-9a-f]+) \(")  # the whole address, not a first piece
        assert int(m.group(1), 16) % 4096 == 0 and int(m.group(1), 16) != 0x40200000
        default_vms_come_up(q)


def test_uefi_without_device_tree_says_so():
    """With ACPI tables EDK2 installs no device tree: the stub says what to do and returns to
    the firmware instead of booting blind."""
    with Qemu("firmware-uefi-acpi", machine_args(gic=3, smp=1) + uefi_args(acpi=True), kernel=False) as q:
        q.expect(r"elvisor: cannot boot: UEFI provides no device tree \(on QEMU: -machine acpi=off\)",
                 timeout=120)
        assert "type-1 hypervisor" not in q.output()
