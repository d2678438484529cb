#!/usr/bin/env bash
# The device trees of the real boards elvisor runs on in QEMU (docs/boards.md), as Linux ships
# them: Debian's arm64 kernel package (linux-image-*-arm64, not the cloud flavour the guests
# use) carries every board's DTB under /usr/lib/linux-image-*/.
#
#   tools/boards.sh      produce build/boards/<board>.dtb for every board below
#
# The .deb is kept in cache/debs/; once it is there nothing is downloaded again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$ROOT/cache/debs
OUT=$ROOT/build/boards

# board name (BOARD=, configs/<board>.dts) -> DTB path in the kernel package
declare -A DTB=(
    [xlnx-zcu102]=xilinx/zynqmp-zcu102-rev1.0.dtb
    [imx8mp-evk]=freescale/imx8mp-evk.dtb
    [raspi4b]=broadcom/bcm2711-rpi-4-b.dtb
)

say() { echo "tools/boards.sh: $*"; }
die() { echo "tools/boards.sh: error: $*" >&2; exit 1; }

mkdir -p "$CACHE" "$OUT"
exec 9>"$OUT/.lock"
flock 9

all_present() {
    for b in "${!DTB[@]}"; do [ -f "$OUT/$b.dtb" ] || return 1; done
}
all_present && { say "up to date"; exit 0; }

# Any cached full-flavour kernel package will do: the board DTBs change little between them.
deb=$(ls "$CACHE"/linux-image-*-arm64_*_arm64.deb 2>/dev/null | grep -v -e '-cloud-' -e '-rt-' -e '-16k' | sort -V | tail -1 || true)
if [ -z "$deb" ]; then
    # The package the metapackage linux-image-arm64 names, e.g. linux-image-6.1.0-57-arm64.
    pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { sub(":arm64", "", $2); print $2; exit }')
    if [ -z "$pkg" ]; then
        [ "$(id -u)" -eq 0 ] || die "apt-get update is needed and must run as root"
        apt-get update -qq || say "warning: apt-get update reported errors (continuing)"
        pkg=$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-[0-9]/ { sub(":arm64", "", $2); print $2; exit }')
    fi
    [ -n "$pkg" ] || die "linux-image-arm64:arm64 names no kernel package (is the arm64 architecture enabled? run tools/linux.sh first)"
    say "downloading $pkg:arm64 (for its board device trees)"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg:arm64") || die "could not download $pkg:arm64"
    mv "$tmp"/*.deb "$CACHE"/
    deb=$(ls "$CACHE"/"$pkg"_*_arm64.deb | tail -1)
fi

x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
for b in "${!DTB[@]}"; do
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x" --wildcards "./usr/lib/linux-image-*/${DTB[$b]}" ||
        die "$(basename "$deb") has no ${DTB[$b]}"
    cp "$x"/usr/lib/linux-image-*/"${DTB[$b]}" "$OUT/$b.dtb"
    say "$b: ${DTB[$b]} from $(basename "$deb")"
done
