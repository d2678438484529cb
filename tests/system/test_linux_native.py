"""The Linux guest's kernel and initramfs (tools/linux.sh) booted directly on QEMU, without the
hypervisor: this validates the artifacts and is the native baseline that the Linux-VM tests are
compared with. Every virtio device the initramfs has a module for is attached and used."""
import os
import re
import shutil
import subprocess

import pytest

from qemu import Qemu, machine_args, BUILD

LINUX = os.path.join(BUILD, "linux")
IMAGE = os.path.join(LINUX, "Image")
INITRD = os.path.join(LINUX, "initramfs.cpio.gz")

pytestmark = pytest.mark.skipif(
    not (os.path.isfile(IMAGE) and os.path.isfile(INITRD)),
    reason="build/linux/Image or initramfs.cpio.gz missing: run `make linux` (tools/linux.sh)")


def mkfs_ext4():
    return shutil.which("mkfs.ext4") or next(
        (p for p in ("/sbin/mkfs.ext4", "/usr/sbin/mkfs.ext4") if os.path.exists(p)), None)


@pytest.fixture
def disk(tmp_path):
    """A small ext4 image holding one known file, for virtio-blk."""
    mkfs = mkfs_ext4()
    if not mkfs:
        pytest.skip("mkfs.ext4 missing (e2fsprogs; tools/deps.sh installs it)")
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello.txt").write_text("hello from the host\n")
    img = tmp_path / "disk.img"
    with open(img, "wb") as f:
        f.truncate(8 << 20)
    subprocess.run([mkfs, "-q", "-F", "-d", str(content), str(img)], check=True)
    return str(img)


def virtio_devices(disk):
    return ["-drive", "if=none,id=d0,format=raw,file=" + disk,
            "-device", "virtio-blk-device,drive=d0",
            "-device", "virtio-net-device",
            "-device", "virtio-rng-device",
            "-chardev", "null,id=c0",
            "-device", "virtio-serial-device", "-device", "virtconsole,chardev=c0"]


def sh(q, command, timeout=30):
    """Run a command at the guest's shell and return its output. The markers are typed as
    shell arithmetic so that the terminal's echo of the command line never matches them."""
    q.send("echo :BEGIN$((1+1)):; %s; echo :END$((1+1)):\n" % command)
    m = q.expect(r":BEGIN2:\r*\n(.*?):END2:", timeout=timeout)
    return m.group(1).replace("\r", "")


@pytest.mark.parametrize("gic,icount", [(3, False), (2, False), (3, True)],
                         ids=["gic3", "gic2", "gic3-icount"])
def test_linux_native_boots_to_shell(disk, gic, icount):
    args = machine_args(gic=gic, smp=2, mem="512M", virtualization=False, icount=icount)
    args += ["-no-reboot", "-initrd", INITRD,
             "-append", "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1"]
    args += virtio_devices(disk)
    name = "linux-native-gic%d%s" % (gic, "-icount" if icount else "")
    with Qemu(name, args, kernel=IMAGE) as q:
        q.expect(r"Booting Linux on physical CPU", timeout=120)
        q.expect(r"elvisor-guest: init started on 2 CPUs", timeout=180)
        m = q.expect(r"elvisor-guest: (\d+) modules loaded", timeout=60)
        assert "insmod" not in q.output().split("init started")[-1], "a module failed to load"
        assert int(m.group(1)) >= 5
        q.expect(r"elvisor-guest: shell ready", timeout=30)

        assert sh(q, "grep -c ^processor /proc/cpuinfo").split() == ["2"]
        assert "GICv%d" % gic in sh(q, "dmesg | grep -o 'GICv[23]' | sort -u")

        drivers = sh(q, "ls /sys/bus/virtio/drivers").split()
        for d in ("virtio_blk", "virtio_net", "virtio_console", "virtio_rng"):
            assert d in drivers

        # virtio-blk + ext4 (built in): read a file the host wrote
        out = sh(q, "mount -t ext4 /dev/vda /mnt && cat /mnt/hello.txt && umount /mnt")
        assert "hello from the host" in out
        assert "eth0" in sh(q, "ls /sys/class/net").split()
        assert "virtio_rng" in sh(q, "cat /sys/class/misc/hw_random/rng_current")
        assert "/dev/hvc0" in sh(q, "ls /dev/hvc0")

        # No kernel error (log level 0-3) in a native boot: the baseline for the VM tests.
        errors = [l for l in sh(q, "dmesg -r").splitlines() if re.match(r"<[0-3]>", l)]
        assert errors == [], "kernel errors in a native boot:\n" + "\n".join(errors)
