"""VM firmware (docs/booting.md, "VM firmware"): Debian's U-Boot (u-boot-qemu, qemu_arm64 build)
runs as a VM's firmware from a read-only flash at IPA 0 with the VM's device tree at the start of
RAM, finds extlinux.conf on the VM's virtio disk (build/disks/extlinux.img, tools/mkextlinux.py)
through its distro boot and boots Linux from it to a shell (tests/configs/vm-firmware.dts).
Then the guest tries to write its flash (refused: an external abort kills the writer, the flash
keeps the firmware) and resets the VM, which boots through U-Boot again."""
import os
import re
import time

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import wait_shell, sh

IMG = os.path.join(BUILD, "tests/configs/vm-firmware.img")
VM = "fw"
UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def boot_through_uboot(q, timeout):
    start = time.time()
    q.expect(r"\[%s\] U-Boot 20\d\d\.\d\d" % VM, timeout=60)
    q.expect(r"\[%s\] DRAM:\s+256 MiB" % VM, timeout=30)
    q.expect(r"\[%s\] Scanning virtio 0:1\.\.\." % VM, timeout=60)
    q.expect(r"\[%s\] Found /boot/extlinux/extlinux\.conf" % VM, timeout=30)
    q.expect(r"\[%s\] Retrieving file: /boot/Image" % VM, timeout=30)
    q.expect(r"\[%s\] Starting kernel \.\.\." % VM, timeout=120)
    q.expect(r"\[%s\] \[\s*[\d.]+\] Kernel command line: console=ttyAMA0" % VM, timeout=60)
    wait_shell(q, VM, timeout=timeout)
    return time.time() - start


def test_uboot_boots_linux_from_virtio_disk():
    with Qemu("vm-firmware", machine_args(gic=3, smp=4), kernel=IMG) as q:
        q.expect(r"elvisor: VM 'fw': 2 vCPU\(s\) on CPU 1,2, 256 MiB at IPA 0x40000000, firmware "
                 r"build/firmware/u-boot-qemu_arm64\.bin", timeout=30)
        took = boot_through_uboot(q, timeout=240)
        print("U-Boot banner to Linux shell: %.1f s" % took)
        # Linux came up with what U-Boot handed over: both vCPUs through PSCI, the disk.
        out = sh(q, VM, "grep -c ^processor /proc/cpuinfo; cat /sys/block/vda/size; cat /proc/cmdline")
        lines = out.split()
        assert lines[0] == "2" and lines[1] == str(os.path.getsize(
            os.path.join(BUILD, "disks/extlinux.img")) // 512), out
        assert "console=ttyAMA0" in out

        # The flash at IPA 0 holds U-Boot, read-only: a write is refused (an external abort
        # kills the writer) and changes nothing.
        first = int.from_bytes(open(UBOOT, "rb").read(4), "little")
        out = sh(q, VM, "devmem 0x0 32")
        assert int(out.split()[-1], 16) == first, out
        out = sh(q, VM, "devmem 0x0 32 0x12345678; echo rc=$?; devmem 0x0 32")
        assert not re.search(r"rc=0\b", out), out
        assert int(out.split()[-1], 16) == first, out
        q.wait_for(r"elvisor: VM 'fw' vCPU\d: write at IPA 0x0 \(pc 0x[0-9a-f]+\) to read-only "
                   r"memory: external abort injected", timeout=5)

        # A VM reset starts the firmware again from its (unchanged) flash.
        q.send("reboot -f\r")
        took = boot_through_uboot(q, timeout=240)
        print("after reset, U-Boot banner to Linux shell: %.1f s" % took)
        q.passed = True
