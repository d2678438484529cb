"""A hostile guest attacks the hypervisor from a fixed seed while a victim VM checks its memory:
the hypervisor survives, the victim's memory is intact, the attacker's every act ends cleanly."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_hostile_guest_gets_nowhere(gic, cpu):
    img = "%s/tests/configs/hostile.img" % BUILD
    with Qemu("hostile-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=img) as q:
        m = q.wait_for(r"\[hostile\] hostile: ops=(\d+) faults=(\d+) seed=(\d+)", timeout=300)
        ops, faults = int(m.group(1)), int(m.group(2))
        assert ops == 20000 and 0 < faults < ops
        q.wait_for(r"\[hostile\] GUEST DONE: 0 failure")
        q.wait_for(r"\[victim\] GUEST DONE: 0 failure")
        out = q.output()
        assert "TEST victim_memory_intact: PASS" in out
        assert "HYPERVISOR CRASH" not in out and "PANIC" not in out
        assert "GUEST UNEXPECTED EXCEPTION" not in out
        print("hostile guest: %d operations, %d faults injected, 0 hypervisor crashes" % (ops, faults))
