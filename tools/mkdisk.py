#!/usr/bin/python3
"""Make the disk that firmware boots elvisor from (docs/booting.md).

usage: mkdisk.py OUT.disk IMAGE BOOT.CMD

OUT.disk is a raw disk with an MBR and one FAT partition, type 0xEF (EFI system partition) and
marked bootable, holding
  /EFI/BOOT/BOOTAA64.EFI  IMAGE, the packed elvisor image: UEFI's default path for a removable
                          disk on AArch64, and the file U-Boot's boot script loads;
  /boot.scr               BOOT.CMD wrapped as a U-Boot script image, which U-Boot's default
                          boot command runs from the first bootable partition it finds.
The file system is made with mkfs.vfat (dosfstools) and filled with mtools, so no loop device
or root is needed."""
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib

SECTOR = 512
PART_START = 2048  # first partition at 1 MiB, as partitioning tools do
MIB = 1 << 20

# U-Boot's legacy image header (include/image.h): big-endian, 64 bytes.
UIMAGE_MAGIC = 0x27051956
IH_OS_LINUX, IH_ARCH_ARM64, IH_TYPE_SCRIPT, IH_COMP_NONE = 5, 22, 6, 0
UIMAGE_HEADER = struct.Struct(">IIIIIIIBBBB32s")


def script_image(text, name=b"elvisor boot script"):
    """The same bytes as `mkimage -A arm64 -O linux -T script -C none -d boot.cmd boot.scr`
    (but for the time stamp): a script image's payload is a list of big-endian part sizes ended
    by 0, then the parts; a script has one part."""
    payload = struct.pack(">II", len(text), 0) + text
    header = [UIMAGE_MAGIC, 0, int(os.environ.get("SOURCE_DATE_EPOCH", time.time())),
              len(payload), 0, 0, zlib.crc32(payload), IH_OS_LINUX, IH_ARCH_ARM64,
              IH_TYPE_SCRIPT, IH_COMP_NONE, name]
    header[1] = zlib.crc32(UIMAGE_HEADER.pack(*header))
    return UIMAGE_HEADER.pack(*header) + payload


def mbr(part_sectors):
    """A DOS partition table with one bootable partition of type 0xEF at PART_START. CHS fields
    hold the 'use LBA' marker (0xfe 0xff 0xff), as for any disk past 8 GiB."""
    chs = b"\xfe\xff\xff"
    entry = struct.pack("<B3sB3sII", 0x80, chs, 0xEF, chs, PART_START, part_sectors)
    table = entry + bytes(16 * 3)
    return bytes(446) + table + b"\x55\xaa"


def tool(name):
    found = shutil.which(name) or shutil.which(name, path="/sbin:/usr/sbin")
    if not found:
        sys.exit("mkdisk.py: %s is missing (run tools/deps.sh as root)" % name)
    return found


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out, image, cmd = sys.argv[1:]
    scr = script_image(open(cmd, "rb").read())
    # Room for the image, the script and the FAT itself; at least 64 MiB keeps it FAT16 or
    # FAT32 (FAT12 volumes are legal ESPs but some firmware refuses them).
    part_bytes = max(64 * MIB, (os.path.getsize(image) + len(scr) + 8 * MIB + MIB - 1) // MIB * MIB)
    part_sectors = part_bytes // SECTOR
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(mbr(part_sectors))
        f.truncate((PART_START + part_sectors) * SECTOR)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run([tool("mkfs.vfat"), "-n", "ELVISOR", "--offset=%d" % PART_START, "-h", str(PART_START),
                    tmp, str(part_bytes // 1024)], check=True, stdout=subprocess.DEVNULL)
    fs = "%s@@%d" % (tmp, PART_START * SECTOR)
    scr_path = out + ".scr"
    with open(scr_path, "wb") as f:
        f.write(scr)
    try:
        subprocess.run([tool("mmd"), "-i", fs, "::/EFI", "::/EFI/BOOT"], check=True, env=env)
        subprocess.run([tool("mcopy"), "-i", fs, image, "::/EFI/BOOT/BOOTAA64.EFI"], check=True, env=env)
        subprocess.run([tool("mcopy"), "-i", fs, scr_path, "::/boot.scr"], check=True, env=env)
    finally:
        os.unlink(scr_path)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
