"""virtio-blk (vdev/virtio_blk.c) under a Linux VM: an ext4 file system made at build time with
mkfs.ext4 (build/disks/ext4-16M.img) is mounted over virtio-blk, a file written to it survives a
guest `reboot -f` (the disk copy lives in hypervisor RAM across VM resets), and a second,
read-only device serves the pristine image and refuses writes (tests/configs/virtio-blk.dts)."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import wait_shell, sh

IMG = os.path.join(BUILD, "tests/configs/virtio-blk.img")
VM = "blk"
SECTORS = (16 << 20) // 512

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def disks(q):
    """{name: (sectors, read_only, serial)} for every virtio disk the guest sees."""
    out = sh(q, VM, "for d in /sys/block/vd*; do echo disk ${d##*/} $(cat $d/size) "
                    "$(cat $d/ro) $(cat $d/serial); done")
    found = {}
    for m in re.finditer(r"^disk (vd\w+) (\d+) ([01]) (\S+)", out, re.M):
        found[m.group(1)] = (int(m.group(2)), m.group(3) == "1", m.group(4))
    return found


def md5_of(out, path):
    m = re.search(r"^([0-9a-f]{32})  %s\s*$" % re.escape(path), out, re.M)
    assert m, "no md5sum of %s in:\n%s" % (path, out)
    return m.group(1)


def virtio_trouble(q):
    """Kernel messages about the disks that would mean trouble."""
    out = sh(q, VM, "dmesg | grep -i -E 'virtio|vd[ab]|ext4|blk|i/o error'")
    return [l for l in out.splitlines()
            if re.search(r"error|fail|warn|bug|oops|timeout|abort|corrupt", l, re.I)]


def test_ext4_on_virtio_blk_survives_reboot():
    with Qemu("virtio-blk", machine_args(gic=3, smp=2), kernel=IMG) as q:
        wait_shell(q, VM, timeout=180)
        found = disks(q)
        rw = [n for n, (_, ro, _) in found.items() if not ro]
        ro = [n for n, (_, r, _) in found.items() if r]
        assert len(rw) == 1 and len(ro) == 1, found
        rw, ro = rw[0], ro[0]
        assert found[rw][0] == SECTORS and found[ro][0] == SECTORS, found
        # The device ID (VIRTIO_BLK_T_GET_ID): "elvisor-<vm>-<index in the configuration>".
        assert sorted(s for _, _, s in found.values()) == ["elvisor-blk-1", "elvisor-blk-2"], found
        # Negotiated features: VIRTIO_BLK_F_FLUSH (a write cache to flush), SEG_MAX, BLK_SIZE.
        out = sh(q, VM, "cd /sys/block/%s/queue && echo q $(cat write_cache) $(cat max_segments) "
                        "$(cat logical_block_size); cd /" % rw)
        assert re.search(r"^q write back 62 512\s*$", out, re.M), out

        # Write 1 MiB of random data through ext4, flush it to the device and unmount.
        out = sh(q, VM, "mount -t ext4 /dev/%s /mnt && dd if=/dev/urandom of=/mnt/data bs=64k count=16 "
                        "2>/dev/null && md5sum /mnt/data && sync && umount /mnt && echo written-ok" % rw,
                 timeout=60)
        assert "written-ok" in out, out
        written = md5_of(out, "/mnt/data")

        # The read-only disk: the pristine image (no data file), and the kernel refuses writes.
        assert sh(q, VM, "blockdev --getro /dev/%s" % ro).split()[-1] == "1"
        out = sh(q, VM, "mount -o ro -t ext4 /dev/%s /mnt && ls /mnt | sed 's/^/entry:/' && umount /mnt "
                        "&& echo ro-ok" % ro)
        assert "ro-ok" in out, out
        assert re.findall(r"^entry:(\S+)", out, re.M) == ["lost+found"], out
        assert virtio_trouble(q) == []
        out = sh(q, VM, "dd if=/dev/zero of=/dev/%s bs=512 count=1 2>/dev/null; echo rc=$?" % ro)
        assert not re.search(r"rc=0\b", out), out

        # Reboot the VM: its RAM is cleared, the disk keeps what was written.
        for attempt in range(2):
            q.send("reboot -f\r")
            try:
                q.wait_for(r"VM '%s' restarting: guest called PSCI SYSTEM_RESET" % VM, timeout=20)
                break
            except AssertionError:
                if attempt:
                    raise
                q.send("\r")
        q.expect(r"VM '%s' restarted" % VM, timeout=30)
        wait_shell(q, VM, timeout=180)
        out = sh(q, VM, "mount -t ext4 /dev/%s /mnt && md5sum /mnt/data && umount /mnt" % rw, timeout=60)
        assert md5_of(out, "/mnt/data") == written
        assert virtio_trouble(q) == []

        log = q.output()
        assert "device needs reset" not in log
        assert "HYPERVISOR CRASH" not in log
