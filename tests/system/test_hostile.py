"""A hostile guest attacks the hypervisor from a fixed seed while a victim VM checks its memory:
the hypervisor survives, the victim's memory is intact, the attacker's every act ends cleanly."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_hostile_guest_gets_nowhere(gic, cpu):
    img = "%s/tests/configs/hostile.img" % BUILD
    with Qemu("hostile-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=img) as q:
        m = q.wait_for(r"\[hostile\] .*hostile: ops=(\d+) faults=(\d+) seed=(\d+)", timeout=300)
        ops, faults = int(m.group(1)), int(m.group(2))
        assert ops == 20000 and 0 < faults < ops
        q.wait_for(r"\[hostile\] GUEST DONE: 0 failure")
        q.wait_for(r"\[victim\] GUEST DONE: 0 failure")
        out = q.output()
        assert "TEST victim_memory_intact: PASS" in out
        assert "HYPERVISOR CRASH" not in out and "PANIC" not in out
        assert "GUEST UNEXPECTED EXCEPTION" not in out
        print("hostile guest: %d operations, %d faults injected, 0 hypervisor crashes" % (ops, faults))


@pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")), reason="no Linux guest (make linux)")
def test_hostile_guest_beside_linux_checksum():
    """The hostile guest runs 50,000 operations while a Linux VM checksums 16 MiB; the focus
    starts on 'hostile' (the first VM), so it is moved to 'linux' before typing."""
    img = "%s/tests/configs/hostile-linux.img" % BUILD
    with Qemu("hostile-linux", machine_args(gic=3, smp=4), kernel=img) as q:
        q.wait_for(r"\[linux\] Enter 'help' for a list", timeout=300)
        q.send("\x01\x01\x01")
        q.wait_for(r"input now goes to VM 'linux'")
        for _ in range(3):
            out = sh(q, "linux", "dd if=/dev/zero bs=1M count=16 2>/dev/null | md5sum", timeout=120)
            assert "2c7ab85a893283e98c931e9511add182" in out, out
        m = q.wait_for(r"\[hostile\] .*hostile: ops=(\d+) faults=(\d+)", timeout=300)
        assert int(m.group(1)) == 50000
        out = q.output()
        assert "HYPERVISOR CRASH" not in out and "GUEST UNEXPECTED EXCEPTION" not in out


@pytest.mark.skipif(not os.environ.get("ELVISOR_LONG"), reason="long run: make fuzz")
def test_hostile_guest_long_run():
    img = "%s/tests/configs/hostile-long.img" % BUILD
    with Qemu("hostile-long", machine_args(gic=3, smp=4), kernel=img) as q:
        m = q.wait_for(r"\[hostile\] .*hostile: ops=(\d+) faults=(\d+) seed=(\d+)", timeout=3600)
        assert int(m.group(1)) == 2000000
        q.wait_for(r"\[victim\] GUEST DONE: 0 failure")
        out = q.output()
        assert "HYPERVISOR CRASH" not in out and "GUEST UNEXPECTED EXCEPTION" not in out
        print("hostile guest: %s operations, %s faults injected, 0 hypervisor crashes" % (m.group(1), m.group(2)))
