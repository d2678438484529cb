#!/usr/bin/env bash
# Install everything elvisor needs to build, run and test, from Debian's archive.
# Idempotent; runs as root on Debian 12 (bookworm). QEMU 10 comes from bookworm-backports
# because bookworm's 7.2 lacks FEAT_NV2 and SMMUv3 stage 2.
set -euo pipefail

need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "tools/deps.sh: must run as root (apt-get install)" >&2
        exit 1
    fi
}

qemu_ok() {
    command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
    local major
    major=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1)
    [ "${major:-0}" -ge 9 ]
}

all_ok() {
    for t in aarch64-linux-gnu-gcc ld.lld dtc cppcheck clang clang-tidy clang-format cpio; do
        command -v "$t" >/dev/null 2>&1 || return 1
    done
    qemu_ok || return 1
    /usr/bin/python3 -c 'import pytest, pexpect' 2>/dev/null || return 1
    [ -f /usr/include/cmocka.h ] || return 1
    compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a' >/dev/null || return 1
    command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /sbin/mkfs.ext4 ] || return 1
    # Firmware boots (docs/booting.md): U-Boot and EDK2 for QEMU's virt machine, and the tools
    # that make the FAT disk they load elvisor from.
    [ -f /usr/lib/u-boot/qemu_arm64/u-boot.bin ] || return 1
    [ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || return 1
    command -v mcopy >/dev/null 2>&1 || return 1
    command -v mkfs.vfat >/dev/null 2>&1 || [ -x /sbin/mkfs.vfat ] || return 1
    return 0
}

if all_ok; then
    exit 0
fi
need_root
export DEBIAN_FRONTEND=noninteractive

bp=/etc/apt/sources.list.d/bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat > "$bp" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
    device-tree-compiler cppcheck clang clang-tidy clang-format libclang-rt-14-dev lld make \
    python3-pytest python3-pexpect libcmocka-dev e2fsprogs cpio \
    u-boot-qemu qemu-efi-aarch64 mtools dosfstools >/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-arm >/dev/null

if ! all_ok; then
    echo "tools/deps.sh: some tools are still missing after install" >&2
    exit 1
fi
echo "tools/deps.sh: all dependencies present"
