#!/usr/bin/env bash
# tools/probes/run.sh MACHINE-ARGS...: build virq.S and run it on a QEMU machine, which QEMU
# starts at EL2 like a Linux kernel; says whether a GICv3 virtual IRQ reaches EL1 (exit status
# 0) or not (1), docs/boards.md. Bounded: the probe exits by itself, QEMU is killed after 30 s.
#   tools/probes/run.sh -M virt,virtualization=on,gic-version=3 -cpu cortex-a53
#   tools/probes/run.sh -M imx8mp-evk
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CROSS=${CROSS:-aarch64-linux-gnu-}
"${CROSS}gcc" -nostdlib -static -Wl,-N,--build-id=none,--no-warn-rwx-segments -Wl,-Ttext=0x40080000 \
    -o "$out/virq.elf" "$here/virq.S"
"${CROSS}objcopy" -O binary "$out/virq.elf" "$out/virq.bin"
rc=0
timeout 30 qemu-system-aarch64 "$@" -display none -net none -serial null -monitor none \
    -semihosting-config enable=on,target=native -kernel "$out/virq.bin" </dev/null || rc=$?
case $rc in
0) echo "virtual IRQ reaches EL1" ;;
1) echo "NO virtual IRQ at EL1"; exit 1 ;;
*) echo "probe did not finish (status $rc)"; exit 2 ;;
esac
