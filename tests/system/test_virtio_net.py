"""virtio-net and the hypervisor's virtual switch (docs/virtio.md): two Linux VMs ping each
other and move 16 MiB over TCP with busybox nc, checksums compared on both sides. On GICv3 both
drivers take the checksum and segmentation offloads (frames of up to 64 KiB); on GICv2 beta's
port has none (tests/configs/virtio-net-mixed.dts), so the switch cuts alpha's frames for it."""
import os
import re
import time

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh

IMG = os.path.join(BUILD, "tests/configs/virtio-net.img")
IMG_MIXED = os.path.join(BUILD, "tests/configs/virtio-net-mixed.img")
SIZE = 16 * 1024 * 1024

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def focus(q, vm):
    """Ctrl-a three times: waits for this press's listing (earlier ones do not count) and
    returns it (the VM list and the switch's port lines)."""
    done = r"elvisor: input now goes to VM '(\w+)'"
    before = len(re.findall(done, q.output()))
    q.send("\x01\x01\x01")
    q.wait_for(r"(?s)(?:%s.*?){%d}" % (done, before + 1), timeout=30)
    out = q.output()
    hits = list(re.finditer(done, out))
    assert hits[-1].group(1) == vm, hits[-1].group(0)
    start = out.rfind("elvisor: VMs (Ctrl-a", 0, hits[-1].start())
    return out[start:hits[-1].end()]


def ports(listing):
    """The switch's port lines: {vm: {rx_pkts, rx_bytes, rx_drops, tx_...}}."""
    res = {}
    for m in re.finditer(r"port \d+ (\w+) +([0-9a-f:]{17}) rx (\d+) pkts (\d+) bytes (\d+) drops, "
                         r"tx (\d+) pkts (\d+) bytes (\d+) drops", listing):
        v = [int(x) for x in m.groups()[2:]]
        res[m.group(1)] = dict(mac=m.group(2), rx_pkts=v[0], rx_bytes=v[1], rx_drops=v[2],
                               tx_pkts=v[3], tx_bytes=v[4], tx_drops=v[5])
    return res


def last_word(out):
    return out.split()[-1] if out.split() else ""


def make_file(q, vm, path):
    """SIZE random bytes in tmpfs (/run: the initramfs root is too small); returns their MD5."""
    out = sh(q, vm, "head -c %d /dev/urandom > %s && ls -l %s && md5sum %s" % (SIZE, path, path, path),
             timeout=300)
    assert re.search(r"\b%d\b" % SIZE, out), out
    return re.search(r"\b([0-9a-f]{32})\s+%s" % path, out).group(1)


# Commands typed while a VM is busy with a transfer must fit its virtual UART's 64-byte
# receive FIFO (with sh()'s markers): a guest that does not read its UART for 100 ms does not
# hold up the console, so the rest of a longer line could be lost. Longer ones are written to
# scripts beforehand.
SCRIPTS = {
    "/run/w": "i=0; while [ ! -s /run/rx.md5 ] && [ $i -lt 300 ]; do sleep 1; i=$((i+1)); done; "
              "cat /run/rx.md5",
    "/run/send": "s=$(date +%s); nc $1 5000 < /run/f; echo rc=$? secs=$(($(date +%s)-s))",
    "/run/ping": "ping -c 3 -W 5 $1",
}


def write_scripts(q, vm):
    for path, text in SCRIPTS.items():
        sh(q, vm, "echo '%s' > %s" % (text, path))


def received_md5(q, vm):
    out = sh(q, vm, "sh /run/w", timeout=360)
    m = re.search(r"\b([0-9a-f]{32})\s+-", out)
    assert m, out
    return m.group(1)


def ping(q, vm, addr):
    out = sh(q, vm, "sh /run/ping %s" % addr, timeout=60)
    assert re.search(r"3 packets transmitted, 3 packets received", out), out


# Debian's busybox nc (the small one: no -q, no -N) half-closes the connection when its stdin
# ends and exits as soon as the network side reaches EOF. So a listener's stdin is a pipe that
# stays open, and the sender's stdin ends with the file: the sender's FIN ends the listener,
# whose close ends the sender.
LISTEN = "sleep 900 | nc -l -p %d | md5sum > /run/rx.md5 & sleep 1"


# /sys/bus/virtio/devices/*/features: one character per feature bit, bit 0 first.
VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_GUEST_TSO4 = 0, 1, 11, 7


def net_features(q, vm):
    out = sh(q, vm, "cat /sys/class/net/eth0/device/features")
    m = re.search(r"\b([01]{32,})\b", out)
    assert m, out
    return m.group(1)


@pytest.mark.parametrize("gic,cpu,offloads", [(3, "max", "both"), (2, "cortex-a72", "alpha only")])
def test_two_vms_ping_and_move_16_mib_each_way_over_tcp(gic, cpu, offloads):
    """16 MiB from alpha to beta (timed), while beta sends 16 MiB to alpha: both VMs transmit
    to each other at once from their own CPUs, through the switch, for the whole transfer."""
    img = IMG if offloads == "both" else IMG_MIXED
    with Qemu("virtio-net-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=img) as q:
        q.wait_for(r"\[alpha\] Enter 'help' for a list", timeout=300)
        q.wait_for(r"\[beta\] Enter 'help' for a list", timeout=300)

        # Input starts with alpha. The configured and the default MAC and the MTU reach the drivers.
        assert last_word(sh(q, "alpha", "cat /sys/class/net/eth0/address")) == "52:54:00:12:34:56"
        assert last_word(sh(q, "alpha", "ip addr add 10.0.0.1/24 dev eth0 && ip link set eth0 up "
                                        "&& cat /sys/class/net/eth0/mtu")) == "1500"
        features = {"alpha": net_features(q, "alpha")}
        write_scripts(q, "alpha")
        sh(q, "alpha", LISTEN % 5001)
        from_alpha = make_file(q, "alpha", "/run/f")

        focus(q, "beta")
        assert last_word(sh(q, "beta", "cat /sys/class/net/eth0/address")) == "02:00:00:00:02:01"
        sh(q, "beta", "ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up")
        features["beta"] = net_features(q, "beta")
        write_scripts(q, "beta")
        ping(q, "beta", "10.0.0.1")
        sh(q, "beta", LISTEN % 5000)
        assert ":5000" in sh(q, "beta", "netstat -ltn")
        from_beta = make_file(q, "beta", "/run/g")
        sh(q, "beta", "(sleep 3; nc 10.0.0.1 5001 < /run/g > /dev/null; echo rc=$? > /run/tx.rc) & true")

        focus(q, "alpha")
        ping(q, "alpha", "10.0.0.2")
        t0 = time.time()
        out = sh(q, "alpha", "sh /run/send 10.0.0.2", timeout=1200)
        wall = time.time() - t0
        m = re.search(r"rc=(\d+) secs=(\d+)", out)
        assert m and m.group(1) == "0", out
        print("\n16 MiB alpha -> beta (beta -> alpha at the same time): %.0f s wall, %s s guest time"
              % (wall, m.group(2)))
        assert received_md5(q, "alpha") == from_beta

        listing = focus(q, "beta")
        assert received_md5(q, "beta") == from_alpha
        assert last_word(sh(q, "beta", "cat /run/tx.rc")) == "rc=0"

        # The switch saw it: 16 MiB of payload (plus headers) each way. A driver with the
        # offloads sends much of it in segmentation frames (up to 64 KiB), so its data and
        # ACKs take fewer frames than the data alone would in 1514-byte ones; one without
        # sends complete frames. Counters are from
        # the VM's side (rx = delivered to it) and count a frame the switch cut for its
        # receiver once.
        p = ports(listing)
        print("switch ports:", p, "features:", features)
        assert set(p) == {"alpha", "beta"}, listing
        assert p["alpha"]["mac"] == "52:54:00:12:34:56" and p["beta"]["mac"] == "02:00:00:00:02:01"
        with_offloads = {"alpha", "beta"} if offloads == "both" else {"alpha"}
        for vm in ("alpha", "beta"):
            f = features[vm]
            bits = [f[b] for b in (VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_HOST_TSO4,
                                   VIRTIO_NET_F_GUEST_TSO4)]
            assert bits == (["1"] * 4 if vm in with_offloads else ["0"] * 4), (vm, f)
            assert p[vm]["tx_bytes"] > SIZE and p[vm]["rx_bytes"] > SIZE, p
            if vm in with_offloads:
                assert p[vm]["tx_pkts"] < SIZE // 1514, p
            else:
                assert p[vm]["tx_pkts"] >= SIZE // 1514, p
            assert p[vm]["tx_drops"] == 0, p

        out = q.output()
        assert "HYPERVISOR CRASH" not in out
        assert "device needs reset" not in out
