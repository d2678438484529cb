"""Debian's stock arm64 Linux as a guest of elvisor, reaching its busybox shell."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD

IMG = os.path.join(BUILD, "tests/configs/linux.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def sh(q, vm, command, timeout=60):
    """Runs command in the VM's shell and returns its output (the lines between markers)."""
    q.send("echo :BEGIN$((1+1)):; %s; echo :END$((1+1)):\r" % command)
    m = q.expect(r"\[%s\] :BEGIN2:\r*\n(.*?)\[%s\] :END2:" % (vm, vm), timeout=timeout)
    return re.sub(r"^\[%s\] ?" % vm, "", m.group(1), flags=re.M)


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_linux_vm_boots_to_shell(gic, cpu):
    with Qemu("linux-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=IMG) as q:
        q.expect(r"\[linux\] .*Booting Linux on physical CPU", timeout=120)
        q.expect(r"\[linux\] elvisor-guest: init started on 2 CPUs", timeout=300)
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=60)
        out = sh(q, "linux", "grep -c ^processor /proc/cpuinfo")
        assert out.strip().splitlines()[-1].strip() == "2", out
        dmesg = sh(q, "linux", "dmesg")
        assert re.search(r"GICv%d" % gic if gic == 3 else r"GIC: Using split EOI/Deactivate mode|GIC", dmesg)
        assert re.search(r"arch_timer: cp15 timer\(s\) running at \d+\.\d+MHz \(virt\)", dmesg)
        assert re.search(r"9000000\.pl011: ttyAMA0 at MMIO 0x9000000 \(irq = \d+", dmesg)
        assert "smp: Brought up 1 node, 2 CPUs" in dmesg
        bad = [l for l in dmesg.splitlines()
               if re.search(r"\b(WARNING|BUG|Oops|Call trace|error|failed)\b", l, re.I)
               and "PCIe" not in l]
        assert not bad, "\n".join(bad)
        out = q.output()
        assert "HYPERVISOR CRASH" not in out
