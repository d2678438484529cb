#!/usr/bin/python3
"""Append a VM pack to the hypervisor image: the compiled configuration and every file it names.

usage: pack.py OUT.img elvisor.bin config.dtb

The configuration's `kernel`, `initrd`, `firmware` and `disk` properties name files relative to the
repository root; each one is embedded under that name. The Image header's image_size is
rewritten to cover the pack, so boot loaders reserve it and the hypervisor's page allocator
leaves it alone; so are the PE/COFF header's image size and its last section (head.S), so
that UEFI loads the pack with the EFI application. Layout: see core/image.c."""
import os
import struct
import subprocess
import sys

NAME_LEN = 112
ENTRY = struct.Struct("<%dsQQ" % NAME_LEN)
HEADER = struct.Struct("<8sIIQ")
FILE_PROPS = ("kernel", "initrd", "disk", "firmware")


def align(n, a=4096):
    return (n + a - 1) // a * a


def referenced_files(config_dtb):
    """Paths the VM nodes reference, read back from the compiled DTB with dtc."""
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", config_dtb], check=True,
                         capture_output=True, text=True).stdout
    files = []
    for line in dts.splitlines():
        line = line.strip()
        for prop in FILE_PROPS:
            prefix = prop + " = \""
            if line.startswith(prefix) and line.endswith("\";"):
                path = line[len(prefix):-2]
                if path not in files:
                    files.append(path)
    return files


def grow_pe(image, added):
    """The PE/COFF header head.S writes: SizeOfImage, SizeOfInitializedData and the last
    section (.data), whose raw data and memory size both end where the file ends."""
    pe = struct.unpack_from("<I", image, 0x3c)[0]
    if image[0:2] != b"MZ" or image[pe:pe + 4] != b"PE\0\0":
        sys.exit("pack.py: the image has no PE/COFF header")
    nsections, opt_size = struct.unpack_from("<H12xH", image, pe + 6)
    opt = pe + 24
    if struct.unpack_from("<H", image, opt)[0] != 0x20b:
        sys.exit("pack.py: the PE header is not PE32+")
    struct.pack_into("<I", image, opt + 56, len(image))
    init = struct.unpack_from("<I", image, opt + 8)[0]
    struct.pack_into("<I", image, opt + 8, init + added)
    last = opt + opt_size + 40 * (nsections - 1)
    vaddr = struct.unpack_from("<I", image, last + 12)[0]
    struct.pack_into("<IIII", image, last + 8, len(image) - vaddr, vaddr, len(image) - vaddr, vaddr)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out, hv, config = sys.argv[1:]
    image = bytearray(open(hv, "rb").read())
    if image[56:60] != b"ARM\x64":
        sys.exit("pack.py: %s is not an arm64 Image" % hv)
    own_size = struct.unpack_from("<Q", image, 16)[0]
    image += bytes(own_size - len(image))

    entries = [("config.dtb", open(config, "rb").read())]
    for path in referenced_files(config):
        if not os.path.isfile(path):
            sys.exit("pack.py: %s names %s, which does not exist (build it first)" % (config, path))
        if len(path.encode()) >= NAME_LEN:
            sys.exit("pack.py: path too long for the pack: %s" % path)
        entries.append((path, open(path, "rb").read()))

    offset = align(HEADER.size + ENTRY.size * len(entries))
    table, blobs = b"", b""
    for name, data in entries:
        table += ENTRY.pack(name.encode(), offset + len(blobs), len(data))
        blobs += data + bytes(align(len(data)) - len(data))
    total = offset + len(blobs)
    pack = HEADER.pack(b"ELVPACK\0", 1, len(entries), total) + table
    pack += bytes(offset - len(pack)) + blobs
    image += pack
    struct.pack_into("<Q", image, 16, len(image))
    grow_pe(image, len(pack))
    with open(out, "wb") as f:
        f.write(image)


if __name__ == "__main__":
    main()
