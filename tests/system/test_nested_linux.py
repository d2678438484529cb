"""Debian's stock kernel at virtual EL2 (issue 17; docs/nested.md): it boots as a hypervisor
would on a machine with EL2 (no VHE shown, so KVM takes its nVHE mode), KVM initialises its
hypervisor and its vGIC on the virtual GICv3 interface (vdev/nested_gic.c), /dev/kvm exists,
and an ordinary VM beside it runs to its end with its memory intact."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh, wait_shell

IMG = os.path.join(BUILD, "tests/configs/nested-linux.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def test_linux_at_virtual_el2_initialises_kvm():
    with Qemu("nested-linux", machine_args(gic=3, cpu="max", smp=4), kernel=IMG) as q:
        q.expect(r"\[l1\] .*CPU: All CPU\(s\) started at EL2", timeout=180)
        q.expect(r"\[l1\] .*kvm \[1\]: vgic interrupt IRQ\d+", timeout=60)
        q.expect(r"\[l1\] .*kvm \[1\]: Hyp mode initialized successfully", timeout=60)
        wait_shell(q, "l1", timeout=120)
        dmesg = sh(q, "l1", "dmesg")
        assert "kvm [1]: GIC system register CPU interface enabled" in dmesg
        assert "VHE mode initialized" not in dmesg  # FEAT_VHE is not shown: nVHE
        bad = [l for l in dmesg.splitlines()
               if re.search(r"\b(WARNING|BUG|Oops|Call trace|error|failed)\b", l, re.I)
               and "PCIe" not in l]
        assert not bad, "\n".join(bad)
        out = sh(q, "l1", "ls -l /dev/kvm")
        assert re.search(r"^c.* 10, +\d+ .*/dev/kvm", out, re.M), out
        q.wait_for(r"\[plain\] GUEST DONE: 0 failure", timeout=120)
        out = q.output()
        assert "TEST victim_memory_intact: PASS" in out
        assert "HYPERVISOR CRASH" not in out
