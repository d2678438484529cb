"""virtio-rng (vdev/virtio_rng.c) under a Linux VM: the kernel's virtio_rng driver becomes the
current hardware RNG and /dev/hwrng delivers bytes that RNDR produced; on a CPU without
FEAT_RNG the device is not offered and the VM boots without it (tests/configs/virtio-rng.dts)."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import wait_shell, sh

IMG = os.path.join(BUILD, "tests/configs/virtio-rng.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def test_linux_reads_hwrng_from_rndr():
    with Qemu("virtio-rng", machine_args(gic=3, cpu="max", smp=2), kernel=IMG) as q:
        wait_shell(q, "linux", timeout=180)
        out = sh(q, "linux", "cat /sys/class/misc/hw_random/rng_current")
        assert out.split()[-1] == "virtio_rng.0", out
        # 64 KiB through the device; two 32-byte samples must differ and not be all zero.
        out = sh(q, "linux", "dd if=/dev/hwrng of=/tmp/r bs=4096 count=16 2>/dev/null; wc -c </tmp/r; "
                             "head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \\n'; echo; "
                             "head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \\n'; echo")
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        assert lines[-3] == "65536", out
        a, b = lines[-2], lines[-1]
        assert re.fullmatch(r"[0-9a-f]{64}", a) and re.fullmatch(r"[0-9a-f]{64}", b), out
        assert a != b and a != "0" * 64, out
        assert "needs reset" not in q.output()
        assert "HYPERVISOR CRASH" not in q.output()


def test_no_rng_on_a_cpu_without_rndr():
    with Qemu("virtio-rng-a72", machine_args(gic=3, cpu="cortex-a72", smp=2), kernel=IMG) as q:
        q.expect(r"elvisor: VM 'linux': virtio-rng at 0xa000000 not offered: this CPU has no RNDR")
        wait_shell(q, "linux", timeout=180)
        out = sh(q, "linux", "ls /sys/bus/virtio/devices | wc -l; cat /sys/class/misc/hw_random/rng_current")
        assert out.split()[0] == "0", out
        assert "virtio_rng" not in out
