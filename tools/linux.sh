#!/usr/bin/env bash
# Build the Linux guest from Debian's archive: the stock arm64 kernel and a busybox initramfs.
#
#   tools/linux.sh            produce build/linux/{Image,initramfs.cpio.gz,VERSION} and
#                             initramfs-l2.cpio.gz (the L2 guest's, for tools/minivmm)
#
# Idempotent: the .deb files are kept in cache/debs/, and nothing is rebuilt while the resolved
# package versions, the module list and this script are unchanged. Runs on Debian 12 as root
# the first time (dpkg --add-architecture arm64, apt-get update); later runs need neither.
#
# Environment:
#   LINUX_FLAVOUR        Debian kernel flavour: cloud-arm64 (default: small, has virtio) or arm64
#   LINUX_EXTRA_MODULES  more module names to put in the initramfs, e.g. "vsock virtiofs"
#
# See docs/linux-guest.md for what goes into the initramfs and why.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$ROOT/cache/debs
OUT=$ROOT/build/linux
FLAVOUR=${LINUX_FLAVOUR:-cloud-arm64}
ARCH=arm64

# Modules a VM needs, by module name. Their dependencies are added automatically; names the
# kernel has built in are skipped (the cloud kernel has ext4, crc32c, the PL011 and the GIC
# built in, but virtio and its device drivers as modules).
# uio_pci_generic: user space takes the shared memory doorbell (tools/shmem_ping.c, docs/shmem.md).
MODULES="virtio_mmio virtio_pci virtio_blk virtio_net virtio_console virtio_rng ext4 uio_pci_generic"
read -ra MODLIST <<< "$MODULES ${LINUX_EXTRA_MODULES:-}"

say() { echo "tools/linux.sh: $*"; }
die() { echo "tools/linux.sh: error: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg dpkg-deb cpio gzip flock; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' is missing (run tools/deps.sh as root)"
done

mkdir -p "$CACHE" "$OUT"
# One build at a time (make -j, parallel test runs).
exec 9>"$OUT/.lock"
flock 9

# --- apt: the arm64 architecture and its package lists, only when needed ---

APT_UPDATED=0
apt_update() {
    [ "$APT_UPDATED" = 1 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "apt-get update is needed and must run as root"
    say "apt-get update"
    # An unreachable unrelated source only warns; what matters is whether our packages resolve.
    apt-get update -qq || say "warning: apt-get update reported errors (continuing)"
    APT_UPDATED=1
}

if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
    [ "$(id -u)" -eq 0 ] || die "the $ARCH architecture is not enabled in dpkg; run as root once"
    say "dpkg --add-architecture $ARCH"
    dpkg --add-architecture "$ARCH"
    apt_update
fi

# What the build depends on besides the package versions.
CONF="flavour: $FLAVOUR modules: ${MODLIST[*]} \
script: $(cat "${BASH_SOURCE[0]}" "$(dirname "${BASH_SOURCE[0]}")"/{cntvct,perfcount,mtecheck,elvisorctl,shmem_ping}.c | sha256sum | cut -c1-16)"
outputs_present() {
    [ -f "$OUT/Image" ] && [ -f "$OUT/initramfs.cpio.gz" ] && [ -f "$OUT/initramfs-l2.cpio.gz" ] &&
        [ -f "$OUT/VERSION" ]
}

# Fast path (no apt-cache, which takes a second or more): the last build had this
# configuration, and no package list or apt setting has changed since, so the packages
# would resolve to the same versions.
if outputs_present && [ -f "$OUT/.stamp" ] && [[ $(cat "$OUT/.stamp") == *" $CONF" ]] &&
        [ -z "$(find /var/lib/apt/lists /etc/apt -newer "$OUT/.stamp" -print -quit 2>/dev/null)" ]
then
    say "up to date: $(head -1 "$OUT/VERSION")"
    exit 0
fi

# Candidate version of PKG:arm64 from the local package lists, or nothing.
candidate() {
    apt-cache show --no-all-versions "$1:$ARCH" 2>/dev/null |
        awk '/^Version: / && !v { v = $2 } END { print v }'
}

# One apt-cache call (each costs about a second): the versioned kernel package that the
# metapackage depends on ("Depends: linux-image-6.1.0-NN-cloud-arm64 (= VERSION)") and the
# busybox-static version. Sets KPKG, KVER, BBVER.
resolve() {
    local out
    out=$(apt-cache show --no-all-versions "linux-image-$FLAVOUR:$ARCH" "busybox-static:$ARCH" \
          2>/dev/null || true)
    read -r KPKG KVER BBVER < <(echo "$out" | awk -v meta="linux-image-$FLAVOUR" '
        /^Package: / { pkg = $2 }
        pkg == meta && /^Depends: / && !kp {
            if (match($0, /linux-image-[0-9][^ ,(]*( \(= [^)]*\))?/)) {
                d = substr($0, RSTART, RLENGTH)
                kp = d; sub(/ .*/, "", kp)
                kv = d; if (sub(/.*\(= /, "", kv)) sub(/\)$/, "", kv); else kv = "-"
            }
        }
        pkg == "busybox-static" && /^Version: / && !bv { bv = $2 }
        END { print (kp ? kp : "-"), (kv ? kv : "-"), (bv ? bv : "-") }')
    [ "$KPKG" != - ] || KPKG=
    [ "$BBVER" != - ] || BBVER=
    if [ "$KVER" = - ]; then
        KVER=${KPKG:+$(candidate "$KPKG")}
    fi
    [ -n "$KPKG" ] && [ -n "$KVER" ] && [ -n "$BBVER" ]
}

if ! resolve; then
    apt_update
    resolve || die "cannot resolve linux-image-$FLAVOUR:$ARCH (got '${KPKG:-}' '${KVER:-}') \
or busybox-static:$ARCH ('${BBVER:-}') from Debian's package lists; check /etc/apt/sources.list*"
fi

# --- downloads, cached in cache/debs/ ---

# Path of the cached .deb of PKG at version VER, or nothing.
cached_deb() {
    local f
    for f in "$CACHE/$1"_*_"$ARCH".deb; do
        if [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$2" ]; then
            echo "$f"
            return 0
        fi
    done
}

# Set DEB to the cached .deb of PKG=VER, downloading it first if needed; on failure return 1
# with apt's output in $DLLOG.
DLLOG=$CACHE/.download.log
fetch() {
    local pkg=$1 ver=$2 f tmp
    DEB=$(cached_deb "$pkg" "$ver")
    [ -n "$DEB" ] && return 0
    say "downloading $pkg:$ARCH $ver"
    FAILED="$pkg:$ARCH=$ver"
    tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
    if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg:$ARCH=$ver") \
            >"$DLLOG" 2>&1; then
        rm -rf "$tmp"
        return 1
    fi
    for f in "$tmp"/*.deb; do
        if ! dpkg-deb -f "$f" Version >/dev/null 2>&1; then
            echo "downloaded '$f' is not a valid .deb" >>"$DLLOG"
            rm -rf "$tmp"
            return 1
        fi
        mv "$f" "$CACHE/"
        DEB=$CACHE/${f##*/}
    done
    rm -rf "$tmp"
    [ -n "$DEB" ]
}

download_all() {
    fetch "$KPKG" "$KVER" && KDEB=$DEB && fetch busybox-static "$BBVER" && BBDEB=$DEB
}

download_failed() {
    cat "$DLLOG" >&2
    rm -f "$DLLOG"
    die "could not download $FAILED from Debian's archive (apt's output above); \
check the network and /etc/apt/sources.list*"
}

if ! download_all; then
    # The package lists may be older than the mirror: refresh once, resolve again, retry.
    [ "$APT_UPDATED" = 0 ] || download_failed
    apt_update
    resolve || die "linux-image-$FLAVOUR:$ARCH or busybox-static:$ARCH no longer resolves"
    download_all || download_failed
fi
rm -f "$DLLOG"

# Drop older cached versions of the same packages (other flavours stay).
for f in "$CACHE"/linux-image-*_"$ARCH".deb "$CACHE"/busybox-static_*_"$ARCH".deb; do
    pkg=${f##*/}
    pkg=${pkg%%_*}
    if [ -f "$f" ] && [ "$f" != "$KDEB" ] && [ "$f" != "$BBDEB" ] &&
            [[ $pkg =~ ^(linux-image-[0-9.]+-[0-9]+-$FLAVOUR|busybox-static)$ ]]; then
        rm -f "$f"
    fi
done

# --- up to date? ---

STAMP="$KPKG $KVER busybox-static $BBVER $CONF"
if outputs_present && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP" ]; then
    touch "$OUT/.stamp"
    say "up to date: $(head -1 "$OUT/VERSION")"
    exit 0
fi

# --- unpack ---

WORK=$OUT/work
rm -rf "$WORK"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/kernel" "$WORK/busybox" "$WORK/rootfs"
dpkg-deb -x "$KDEB" "$WORK/kernel"
dpkg-deb -x "$BBDEB" "$WORK/busybox"

MODROOT=
for d in "$WORK"/kernel/lib/modules/* "$WORK"/kernel/usr/lib/modules/*; do
    [ -d "$d" ] && MODROOT=$d
done
[ -n "$MODROOT" ] || die "$KPKG has no lib/modules/<release> directory"
RELEASE=${MODROOT##*/}
VMLINUZ=$WORK/kernel/boot/vmlinuz-$RELEASE
CONFIG=$WORK/kernel/boot/config-$RELEASE
[ -f "$VMLINUZ" ] || die "$KPKG has no boot/vmlinuz-$RELEASE"
[ -f "$CONFIG" ] || die "$KPKG has no boot/config-$RELEASE"

# --- the kernel Image: elvisor and QEMU load the raw arm64 Image (with its Linux header) ---

magic=$(head -c 4 "$VMLINUZ" | od -An -tx1 | tr -d ' \n')
case "$magic" in
    1f8b*) gzip -dc "$VMLINUZ" > "$WORK/Image" ;;
    28b52ffd) command -v zstd >/dev/null || die "vmlinuz is zstd-compressed: install zstd"
              zstd -qdc "$VMLINUZ" > "$WORK/Image" ;;
    fd377a58) command -v xz >/dev/null || die "vmlinuz is xz-compressed: install xz-utils"
              xz -dc "$VMLINUZ" > "$WORK/Image" ;;
    *) cp "$VMLINUZ" "$WORK/Image" ;;   # already a raw Image (Debian's signed arm64 kernels)
esac
# arm64 Image header (Documentation/arch/arm64/booting.rst): magic "ARM\x64" at offset 56.
[ "$(dd if="$WORK/Image" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
    = 41524d64 ] || die "boot/vmlinuz-$RELEASE is not an arm64 Image (no ARM\\x64 magic)"

# --- modules ---

declare -A MODPATH=() BUILTIN=() SEEN=()
ORDER=()

# Module name of a path or name (kernel/drivers/char/hw_random/virtio-rng.ko -> virtio_rng),
# in MN; no subshell, as it runs for every module of the package.
modname() { MN=${1##*/}; MN=${MN%%.ko*}; MN=${MN//-/_}; }

while IFS= read -r -d '' f; do
    modname "$f"
    MODPATH[$MN]=$f
done < <(find "$MODROOT" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' \
         -o -name '*.ko.gz' \) -print0)
if [ -f "$MODROOT/modules.builtin" ]; then
    while IFS= read -r f; do
        modname "$f"
        BUILTIN[$MN]=1
    done < "$MODROOT/modules.builtin"
fi

MODDIR=$WORK/rootfs/lib/modules
mkdir -p "$MODDIR"

# Copy one module into the initramfs, uncompressed, so that loading it never depends on the
# kernel's CONFIG_MODULE_DECOMPRESS or on busybox's decompressors (Debian 12's kernels ship
# plain .ko files, later ones .ko.xz); the initramfs is gzip-compressed as a whole anyway.
copy_module() {
    local src=$1 dst=$2
    case "$src" in
        *.ko) cp "$src" "$dst" ;;
        *.ko.xz) command -v xz >/dev/null || die "modules are xz-compressed: install xz-utils"
                 xz -dc "$src" > "$dst" ;;
        *.ko.zst) command -v zstd >/dev/null || die "modules are zstd-compressed: install zstd"
                  zstd -qdc "$src" > "$dst" ;;
        *.ko.gz) gzip -dc "$src" > "$dst" ;;
    esac
}

# A field of a module's .modinfo section ("depends=a,b"): its strings are NUL-terminated.
modinfo_field() {
    tr '\0' '\n' < "$1" |
        awk -v k="$2=" 'index($0, k) == 1 && !d { print substr($0, length(k) + 1); d = 1 }'
}

# The modules that provide ALIAS (a softdep such as "crypto-crc32c"): "builtin" when the kernel
# has a provider built in, else the names of the modules whose .modinfo has alias=ALIAS.
providers() {
    local alias=$1 info=$MODROOT/modules.builtin.modinfo
    modname "$alias"
    if [ -n "${MODPATH[$MN]:-}" ] || [ -n "${BUILTIN[$MN]:-}" ]; then
        echo "$MN"
        return 0
    fi
    # modules.builtin.modinfo: NUL-separated "module.alias=NAME" strings
    if [ -f "$info" ] && grep -qaP "(^|\\x00)[^\\x00.]+\\.alias=\\Q$alias\\E\\x00" "$info"; then
        echo builtin
        return 0
    fi
    # Compressed modules are not searched: name the provider in MODULES instead.
    grep -rlaP --include='*.ko' "(^|\\x00)alias=\\Q$alias\\E\\x00" "$MODROOT" 2>/dev/null || true
}

# Depth-first: dependencies (and "pre:" soft dependencies) land in ORDER before the modules
# that need them, "post:" soft dependencies after.
add_module() {
    local name dep deps soft word when p found vermagic
    modname "$1"
    name=$MN
    [ -n "${SEEN[$name]:-}" ] && return 0
    SEEN[$name]=1
    if [ -n "${BUILTIN[$name]:-}" ]; then
        BUILTIN_USED+=("$name")
        return 0
    fi
    [ -n "${MODPATH[$name]:-}" ] || die "module '$name' is neither built into $RELEASE nor \
shipped as a module (look under lib/modules/$RELEASE in $KPKG)"
    copy_module "${MODPATH[$name]}" "$MODDIR/$name.ko"
    vermagic=$(modinfo_field "$MODDIR/$name.ko" vermagic)
    [ "${vermagic%% *}" = "$RELEASE" ] || die "module $name has vermagic '$vermagic', not $RELEASE"
    deps=$(modinfo_field "$MODDIR/$name.ko" depends)
    soft=$(modinfo_field "$MODDIR/$name.ko" softdep)
    when=pre
    local -a post=()
    for word in $soft; do
        case "$word" in
            pre:) when=pre; continue ;;
            post:) when=post; continue ;;
        esac
        found=$(providers "$word")
        [ -n "$found" ] || say "warning: soft dependency '$word' of $name not found; \
add its module to MODULES if $name needs it"
        for p in $found; do
            [ "$p" = builtin ] && continue
            if [ "$when" = pre ]; then deps="$deps,$p"; else post+=("$p"); fi
        done
    done
    for dep in ${deps//,/ }; do
        add_module "$dep"
    done
    ORDER+=("$name")
    for dep in "${post[@]}"; do
        add_module "$dep"
    done
}

BUILTIN_USED=()
for m in "${MODLIST[@]}"; do
    add_module "$m"
done
printf '%s\n' "${ORDER[@]}" > "$MODDIR/load-order"

# --- the initramfs ---

R=$WORK/rootfs
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,root,etc,mnt,run}
cp "$WORK/busybox/bin/busybox" "$R/bin/busybox"
# The counter reader make bench uses for linux_boot (tools/cntvct.c), built here: no libc.
aarch64-linux-gnu-gcc -std=c11 -O2 -static -no-pie -nostdlib -ffreestanding -fno-stack-protector \
    -fno-tree-loop-distribute-patterns -mgeneral-regs-only -Wl,--build-id=none \
    -o "$R/bin/cntvct" "$(dirname "${BASH_SOURCE[0]}")/cntvct.c"
# The PMU probe (tools/perfcount.c): cycles and instructions of a loop through perf_event_open.
aarch64-linux-gnu-gcc -std=c11 -O2 -static -no-pie -nostdlib -ffreestanding -fno-stack-protector \
    -fno-tree-loop-distribute-patterns -mgeneral-regs-only -Wl,--build-id=none \
    -o "$R/bin/perfcount" "$(dirname "${BASH_SOURCE[0]}")/perfcount.c"
# The memory tagging probe (tools/mtecheck.c): a PROT_MTE page, a tag check fault from user space.
aarch64-linux-gnu-gcc -std=c11 -O2 -static -no-pie -nostdlib -ffreestanding -fno-stack-protector \
    -fno-tree-loop-distribute-patterns -mgeneral-regs-only -Wl,--build-id=none \
    -o "$R/bin/mtecheck" "$(dirname "${BASH_SOURCE[0]}")/mtecheck.c"
# The control VM's command line (tools/elvisorctl.c, built by the Makefile: make linux).
ELVISORCTL=${ELVISORCTL:-build/tools/elvisorctl}
[ -x "$ELVISORCTL" ] || die "$ELVISORCTL is missing: run make linux"
cp "$ELVISORCTL" "$R/bin/elvisorctl"
# The shared memory peer (tools/shmem_ping.c, built by the Makefile: make linux).
SHMEM_PING=${SHMEM_PING:-build/tools/shmem-ping}
[ -x "$SHMEM_PING" ] || die "$SHMEM_PING is missing: run make linux"
cp "$SHMEM_PING" "$R/bin/shmem-ping"
ln -s busybox "$R/bin/sh"
echo "$RELEASE" > "$R/etc/kernel-release"
# The kernel opens /dev/console for init's stdio before /init can mount devtmpfs.
if [ "$(id -u)" -eq 0 ]; then
    mknod -m 600 "$R/dev/console" c 5 1
fi

cat > "$R/init" <<'INIT'
#!/bin/busybox sh
# First of all: the instruction count at which /init starts (make bench: linux_boot).
/bin/cntvct
# PID 1 of elvisor's Linux guest (written by tools/linux.sh): mount the pseudo file systems,
# load the modules a VM needs, then keep an interactive shell on the console.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin:/sbin HOME=/root TERM=vt100 PS1='guest# '
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
hostname guest

echo "elvisor-guest: init started on $(grep -c ^processor /proc/cpuinfo) CPUs, kernel $(uname -r)"
n=0
for m in $(cat /lib/modules/load-order); do
    if insmod "/lib/modules/$m.ko"; then
        n=$((n + 1))
    else
        echo "elvisor-guest: insmod $m failed"
    fi
done
echo "elvisor-guest: $n modules loaded"

# A second shell on the virtio console, when the VM has one (virtio_console made hvc0). Not
# through cttyhack, which picks the kernel's console (ttyAMA0) whatever stdin is: setsid -c
# makes stdin, hvc0, the controlling terminal of a new session. The loop is not started with
# `&`, which would start it with SIGINT and SIGQUIT ignored, for good (Ctrl-C would do nothing
# in that shell): the first setsid becomes a session leader, so the second one forks, and the
# loop runs in its own session while /init goes on. The loop's children are not process group
# leaders, so its setsid does not fork and the loop waits for the shell.
# The control channel (docs/control.md) is a virtio console too, told apart by its vendor ID
# "ELVC": virtio consoles get hvc0, hvc1, ... in the order of their virtio device numbers. It
# gets no shell but the link /dev/elvisor-control that elvisorctl opens.
hvc=0 console=
for i in $(seq 0 31); do
    d=/sys/bus/virtio/devices/virtio$i
    [ -e $d ] || continue
    [ "$(cat $d/device)" = 0x0003 ] || continue
    if [ "$(cat $d/vendor)" = 0x43564c45 ]; then
        ln -sf hvc$hvc /dev/elvisor-control
        echo "elvisor-guest: control channel on hvc$hvc"
    elif [ -z "$console" ]; then
        console=hvc$hvc
    fi
    hvc=$((hvc + 1))
done
if [ -n "$console" ] && [ -c /dev/$console ]; then
    setsid setsid sh -c "while :; do setsid -c sh </dev/$console >/dev/$console 2>&1; sleep 1; done"
    echo "elvisor-guest: shell ready on $console"
fi

# make bench (tools/bench.py) names a workload on the kernel command line (after the
# control channel's link: the workloads read the exit counters through it); elvisor.l2=bare or
# elvisor.l2=linux runs an L2 guest in minivmm (initramfs-minivmm.cpio.gz, docs/nested.md).
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        elvisor.bench=*) /bin/elvisor-bench "${arg#elvisor.bench=}" ;;
        elvisor.l2=*)
            if [ -x /bin/elvisor-l2 ]; then
                /bin/elvisor-l2 "${arg#elvisor.l2=}"
            else
                echo "elvisor-guest: elvisor.l2 needs the initramfs with minivmm (initramfs-minivmm.cpio.gz)"
            fi ;;
    esac
done

# A subshell is not a session leader, so setsid does not fork and the loop waits for the
# shell; cttyhack makes the console the shell's controlling terminal (job control, Ctrl-C).
while :; do
    echo "elvisor-guest: shell ready"
    (exec setsid cttyhack sh)
    sleep 1
done
INIT
chmod 755 "$R/init"

# The virtio throughput workloads of make bench (tools/bench.py, docs/performance.md). Each
# prints the virtual counter (instructions under -icount shift=0) before and after moving
# 16 MiB: "elvisor-bench: NAME begin N" ... "elvisor-bench: NAME end N". In the control VM
# (docs/control.md) every VM's exit counters are read around that window too (elvisorctl
# stats) into a file, printed only after the second read (each character on the emulated
# PL011 is an exit), one line each: "elvisor-bench: NAME begin|end VM COUNTER N", then
# "NAME counted". `idle` is the same with nothing inside: what the reads themselves add.
cat > "$R/bin/elvisor-bench" <<'BENCH'
#!/bin/sh
mib=16
at() { echo "elvisor-bench: $1 $2 $(cntvct | cut -d' ' -f3)"; }
counters() {
    [ -e /dev/elvisor-control ] || return 0
    [ -s /run/elvisor-vms ] || elvisorctl list | awk 'NR > 1 && NF { print $1 }' > /run/elvisor-vms
    for vm in $(cat /run/elvisor-vms); do
        elvisorctl stats "$vm" |
            awk -v p="elvisor-bench: $1 $2 $vm" '$1 ~ /^(exits\.|virtio\.|irqs$)/ { print p, $1, $2 }'
    done >> /run/elvisor-counters
}
begin() { rm -f /run/elvisor-counters; counters "$1" begin; at "$1" begin; }
end() {
    at "$1" end
    counters "$1" end
    cat /run/elvisor-counters 2>/dev/null
    echo "elvisor-bench: $1 counted"
}
net_up() {
    ip addr add "$1/24" dev eth0 && ip link set eth0 up || echo "elvisor-bench: no eth0"
}
case "$1" in
blk)        # read the whole of /dev/vda (cold page cache), then write it back and fsync
    begin blk-read
    dd if=/dev/vda of=/dev/null bs=1M count=$mib 2>/dev/null
    end blk-read
    begin blk-write
    dd if=/dev/zero of=/dev/vda bs=1M count=$mib conv=fsync 2>/dev/null
    end blk-write
    ;;
net-recv)   # 10.0.0.2: take one TCP stream on port 5000 and count it
    net_up 10.0.0.2
    # busybox nc exits when the network side ends only while its stdin stays open: give it
    # a FIFO opened read-write, which never reaches EOF.
    mkfifo /run/idle && exec 3<>/run/idle
    echo "elvisor-bench: net-recv listening"
    echo "elvisor-bench: net-recv got $(nc -l -p 5000 <&3 | wc -c) bytes"
    at net-recv end
    ;;
net-send)   # 10.0.0.1: once 10.0.0.2 answers, send it 16 MiB
    net_up 10.0.0.1
    n=0
    until ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 || [ $n -ge 30 ]; do n=$((n + 1)); done
    sleep 1     # the receiver prints "listening" before it listens
    begin net-send
    dd if=/dev/zero bs=64k count=$((mib * 16)) 2>/dev/null | nc 10.0.0.2 5000
    end net-send
    ;;
idle)       # the counter reads alone
    begin idle
    end idle
    ;;
*)
    echo "elvisor-bench: unknown workload '$1'"
    ;;
esac
BENCH
chmod 755 "$R/bin/elvisor-bench"

# Reproducible archive of directory $1 into $2: fixed owner, sorted names, fixed timestamps.
pack_initramfs() {
    find "$1" -exec touch -h -d @0 {} +
    (cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n > "$2"
}
pack_initramfs "$R" "$WORK/initramfs.cpio.gz"

# The L2 guest's initramfs (minivmm's Linux guest, docs/nested.md): busybox, the counter reader
# and an /init that says so and keeps a shell on the console; no modules (the L2 has no virtio).
L2=$WORK/rootfs-l2
mkdir -p "$L2"/{bin,dev,proc,sys}
cp "$R/bin/busybox" "$R/bin/cntvct" "$L2/bin/"
ln -s busybox "$L2/bin/sh"
if [ "$(id -u)" -eq 0 ]; then
    mknod -m 600 "$L2/dev/console" c 5 1
fi
cat > "$L2/init" <<'INIT'
#!/bin/busybox sh
# First: the L2's virtual counter, which KVM started at 0 when minivmm created the VM.
/bin/cntvct
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin HOME=/ TERM=vt100 PS1='l2# '
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
hostname l2
echo "minivmm-l2: init started on $(grep -c ^processor /proc/cpuinfo) CPU, kernel $(uname -r)"
while :; do
    echo "minivmm-l2: shell ready"
    (exec setsid cttyhack sh)
    sleep 1
done
INIT
chmod 755 "$L2/init"
pack_initramfs "$L2" "$WORK/initramfs-l2.cpio.gz"

cat > "$WORK/VERSION" <<EOF
$RELEASE
kernel-package: $KPKG $KVER
busybox: busybox-static $BBVER
modules: ${ORDER[*]}
built-in: ${BUILTIN_USED[*]:-}
EOF

mv -f "$WORK/Image" "$OUT/Image"
mv -f "$WORK/initramfs.cpio.gz" "$OUT/initramfs.cpio.gz"
mv -f "$WORK/initramfs-l2.cpio.gz" "$OUT/initramfs-l2.cpio.gz"
mv -f "$WORK/VERSION" "$OUT/VERSION"
cp "$CONFIG" "$OUT/config"
echo "$STAMP" > "$OUT/.stamp"
rm -rf "$WORK"
say "built $RELEASE: Image $(du -k "$OUT/Image" | cut -f1) KiB, initramfs \
$(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB, modules: ${ORDER[*]}"
