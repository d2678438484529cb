"""Debian's stock kernel at virtual EL2 (issue 17; docs/nested.md): it boots as a hypervisor
would on a machine with EL2 and FEAT_VHE. Left to itself it takes VHE (two vCPUs, each setting
E2H after its own PSCI CPU_ON) (HCR_EL2.E2H = 1: the kernel
runs at virtual EL2, its user space at the EL0 of its EL2&0 regime, vdev/nested_vhe.c) and KVM
reports "VHE mode initialized"; with kvm-arm.mode=nvhe it stays at E2H = 0, the kernel at its
EL1 and KVM's hypervisor code at virtual EL2. Either way KVM initialises its vGIC on the virtual
GICv3 interface (vdev/nested_gic.c), /dev/kvm exists, the kernel's timer ticks, and an ordinary
VM beside it runs to its end with its memory intact."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh, wait_shell

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def timer_interrupts(q):
    """The kernel's arch_timer count in /proc/interrupts (its one CPU)."""
    out = sh(q, "l1", "grep arch_timer /proc/interrupts")
    m = re.search(r"^\s*\d+:\s+(\d+)\s.*arch_timer", out, re.M)
    assert m, out
    return int(m.group(1))


def boot_and_check(config, vhe):
    img = os.path.join(BUILD, "%s.img" % config)
    with Qemu(os.path.basename(config), machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        q.expect(r"\[l1\] .*CPU: All CPU\(s\) started at EL2", timeout=180)
        q.expect(r"\[l1\] .*kvm \[1\]: vgic interrupt IRQ\d+", timeout=60)
        if vhe:
            q.expect(r"\[l1\] .*kvm \[1\]: VHE mode initialized successfully", timeout=60)
        else:
            q.expect(r"\[l1\] .*kvm \[1\]: Hyp mode initialized successfully", timeout=60)
        wait_shell(q, "l1", timeout=120)
        dmesg = sh(q, "l1", "dmesg")
        assert "kvm [1]: GIC system register CPU interface enabled" in dmesg
        assert ("VHE mode initialized" in dmesg) == vhe
        bad = [l for l in dmesg.splitlines()
               if re.search(r"\b(WARNING|BUG|Oops|Call trace|error|failed)\b", l, re.I)
               and "PCIe" not in l]
        assert not bad, "\n".join(bad)
        cpus = 2 if vhe else 1  # configs/nested.dts: the secondary takes E2H = 1 after PSCI CPU_ON
        out = sh(q, "l1", "grep -c ^processor /proc/cpuinfo")
        assert re.search(r"^%d\s*$" % cpus, out, re.M), out
        out = sh(q, "l1", "ls -l /dev/kvm")
        assert re.search(r"^c.* 10, +\d+ .*/dev/kvm", out, re.M), out
        # Its timer ticks (VHE: the EL2 physical timer, PPI 10) and user space sleeps on it.
        before = timer_interrupts(q)
        out = sh(q, "l1", "sleep 1; echo slept")
        assert "slept" in out, out
        assert timer_interrupts(q) > before
        q.wait_for(r"\[plain\] GUEST DONE: 0 failure", timeout=120)
        out = q.output()
        assert "TEST victim_memory_intact: PASS" in out
        assert "HYPERVISOR CRASH" not in out


def test_linux_at_virtual_el2_initialises_kvm_in_vhe_mode():
    """The shipped configuration (configs/nested.dts, `make run CONFIG=configs/nested.dts`)."""
    boot_and_check("configs/nested", vhe=True)


def test_linux_at_virtual_el2_initialises_kvm_in_nvhe_mode():
    boot_and_check("tests/configs/nested-linux", vhe=False)
