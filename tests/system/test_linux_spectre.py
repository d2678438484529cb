"""What a Linux guest says of its own Spectre mitigations (issue 13 item 2) is what is true for
the CPU: the same as Linux booted on that QEMU CPU without the hypervisor. elvisor answers
SMCCC_ARCH_FEATURES for WORKAROUND_1/2/3 from what each CPU chose at boot (vdev/vpsci.c);
QEMU has no SMCCC 1.1 firmware, so nothing is forwarded and the answers follow the ID registers
and the core: -cpu max (CSV2_3, SSBS) is not affected by Spectre-v2 and uses SSBS for v4;
a Cortex-A72 is vulnerable to both (no firmware workaround exists on this machine)."""
import os

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import IMG, sh, wait_shell

LINUX = os.path.join(BUILD, "linux")
IMAGE = os.path.join(LINUX, "Image")
INITRD = os.path.join(LINUX, "initramfs.cpio.gz")
VULN = "/sys/devices/system/cpu/vulnerabilities"
FILES = ("spectre_v1", "spectre_v2", "spec_store_bypass", "meltdown")

pytestmark = pytest.mark.skipif(not os.path.exists(IMAGE), reason="no Linux guest: run `make linux`")

# What is true for each CPU model (Linux's wording, arch/arm64/kernel/proton-pack.c).
TRUTH = {
    "max": {"spectre_v2": "Not affected",
            "spec_store_bypass": "Mitigation: Speculative Store Bypass disabled via prctl"},
    "cortex-a72": {"spectre_v2": "Vulnerable", "spec_store_bypass": "Vulnerable"},
}


def parse(text):
    out = {}
    for line in text.splitlines():
        if line.startswith(VULN + "/"):
            name, _, value = line[len(VULN) + 1:].partition(":")
            out[name] = value.strip()
    return out


def native(cpu):
    args = machine_args(gic=3, cpu=cpu, smp=1, mem="256M", virtualization=False)
    args += ["-no-reboot", "-initrd", INITRD, "-append", "console=ttyAMA0 panic=-1"]
    with Qemu("linux-spectre-native-%s" % cpu, args, kernel=IMAGE) as q:
        q.expect(r"elvisor-guest: shell ready", timeout=240)
        q.send("echo :BEGIN$((1+1)):; grep . %s/*; echo :END$((1+1)):\n" % VULN)
        m = q.expect(r":BEGIN2:\r*\n(.*?):END2:", timeout=30)
        return parse(m.group(1).replace("\r", ""))


def under_elvisor(cpu):
    with Qemu("linux-spectre-%s" % cpu, machine_args(gic=3, cpu=cpu, smp=3), kernel=IMG) as q:
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=300)
        wait_shell(q, "linux")
        return parse(sh(q, "linux", "grep . %s/*" % VULN))


@pytest.mark.parametrize("cpu", sorted(TRUTH))
def test_linux_guest_reports_the_truth_for_its_cpu(cpu):
    vm = under_elvisor(cpu)
    for name, value in TRUTH[cpu].items():
        assert vm.get(name) == value, (name, vm)
    bare = native(cpu)
    for name in FILES:
        assert vm.get(name) == bare.get(name), (name, vm.get(name), bare.get(name))
