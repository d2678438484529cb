#!/usr/bin/python3
"""Make the disk a VM's firmware boots Linux from (docs/booting.md, "VM firmware").

usage: mkextlinux.py OUT.disk KERNEL INITRD APPEND

OUT.disk is a raw disk with an MBR and one bootable Linux partition (type 0x83) at 1 MiB, an
ext4 file system made with mkfs.ext4 -d (no loop device or root needed) holding
  /boot/Image, /boot/initrd      KERNEL and INITRD;
  /boot/extlinux/extlinux.conf   one entry booting them with APPEND as the command line,
which U-Boot's distro boot (and its standard boot) finds on the first bootable partition."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SECTOR = 512
PART_START = 2048  # 1 MiB, as partitioning tools place the first partition
MIB = 1 << 20


def mbr(part_sectors):
    """A DOS partition table: one bootable entry of type 0x83 at PART_START; the CHS fields say
    'use LBA' (0xfe 0xff 0xff)."""
    chs = b"\xfe\xff\xff"
    entry = struct.pack("<B3sB3sII", 0x80, chs, 0x83, chs, PART_START, part_sectors)
    return bytes(446) + entry + bytes(48) + b"\x55\xaa"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    out, kernel, initrd, append = sys.argv[1:]
    payload = os.path.getsize(kernel) + os.path.getsize(initrd)
    fs_mib = (payload + 8 * MIB) // MIB + 1  # room for ext4's own metadata
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "boot/extlinux"))
        shutil.copy(kernel, os.path.join(root, "boot/Image"))
        shutil.copy(initrd, os.path.join(root, "boot/initrd"))
        with open(os.path.join(root, "boot/extlinux/extlinux.conf"), "w") as f:
            f.write("default linux\ntimeout 0\n\nlabel linux\n    kernel /boot/Image\n"
                    "    initrd /boot/initrd\n    append %s\n" % append)
        tmp = out + ".tmp"
        with open(tmp, "wb") as f:
            f.truncate(PART_START * SECTOR + fs_mib * MIB)
            f.write(mbr(fs_mib * MIB // SECTOR))
        env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/sbin:/usr/sbin")
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "boot", "-d", root,
                        "-E", "offset=%d" % (PART_START * SECTOR), tmp, "%dM" % fs_mib],
                       check=True, env=env)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
