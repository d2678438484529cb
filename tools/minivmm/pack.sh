#!/usr/bin/env bash
# The Linux guest's initramfs with minivmm and its L2 guests added (docs/nested.md):
#
#   tools/minivmm/pack.sh OUT BASE_INITRAMFS MINIVMM L2_GUEST IMAGE L2_INITRAMFS
#
# writes OUT = BASE_INITRAMFS followed by a second gzip'd cpio archive holding
#   /bin/minivmm, /bin/elvisor-l2           the VMM and what /init runs for elvisor.l2=...
#                                           (bare, linux, linux-smp: Linux on two vCPUs)
#   /l2/l2_hello.bin                        the bare-metal L2 (tests/guests/l2_hello.c)
#   /l2/Image, /l2/initramfs.cpio.gz        Linux as L2: the same kernel, a busybox initramfs
# Linux unpacks concatenated archives in turn (Documentation/driver-api/early-userspace/
# buffer-format.rst), so the base archive is used as it is.
set -euo pipefail

[ $# -eq 6 ] || { echo "usage: $0 OUT BASE_INITRAMFS MINIVMM L2_GUEST IMAGE L2_INITRAMFS" >&2; exit 2; }
OUT=$1 BASE=$2 MINIVMM=$3 L2_GUEST=$4 IMAGE=$5 L2_INITRD=$6
for f in "$BASE" "$MINIVMM" "$L2_GUEST" "$IMAGE" "$L2_INITRD"; do
    [ -f "$f" ] || { echo "tools/minivmm/pack.sh: error: $f is missing (make linux)" >&2; exit 1; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
WORK=$TMP/root
mkdir -p "$WORK/bin" "$WORK/l2"
cp "$MINIVMM" "$WORK/bin/minivmm"
cp "$L2_GUEST" "$WORK/l2/l2_hello.bin"
cp "$IMAGE" "$WORK/l2/Image"
cp "$L2_INITRD" "$WORK/l2/initramfs.cpio.gz"
cat > "$WORK/bin/elvisor-l2" <<'L2'
#!/bin/sh
# Runs an L2 guest in minivmm on the console (elvisor.l2=bare|linux|linux-smp on the command
# line); linux-smp is Linux on two vCPUs. For linux and linux-smp, further arguments are added
# to the L2 kernel's command line (e.g. quiet).
linux() {
    vcpus=$1; shift
    minivmm -m 256 -s "$vcpus" -i /l2/initramfs.cpio.gz \
        -c "console=ttyAMA0 earlycon=pl011,0x9000000 panic=-1${*:+ $*}" /l2/Image
}
case "$1" in
bare)      minivmm -m 64 /l2/l2_hello.bin ;;
linux)     shift; linux 1 "$@" ;;
linux-smp) shift; linux 2 "$@" ;;
*)         echo "elvisor-l2: unknown L2 guest '$1' (bare, linux or linux-smp)"; exit 1 ;;
esac
echo "elvisor-l2: minivmm exited with status $?"
L2
chmod 755 "$WORK/bin/elvisor-l2"

find "$WORK" -exec touch -h -d @0 {} +
(cd "$WORK" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc -R 0:0 --reproducible --quiet) | gzip -6 -n > "$TMP/overlay.cpio.gz"
cat "$BASE" "$TMP/overlay.cpio.gz" > "$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
echo "tools/minivmm/pack.sh: built $OUT ($(du -k "$OUT" | cut -f1) KiB)"
