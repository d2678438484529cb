"""Kicks reach only a CPU where the vCPU is loaded, or an idle one (issue 13 item 8): an interrupt
storm at a sleeping vCPU does not force exits on another VM sharing its CPU."""
import pytest

from qemu import Qemu, machine_args, BUILD


@pytest.mark.parametrize("gic", [3, 2])
def test_irq_storm_does_not_kick_the_neighbour(gic):
    img = "%s/tests/configs/kick.img" % BUILD
    with Qemu("kick-gic%d" % gic, machine_args(gic=gic, smp=4), kernel=img) as q:
        q.wait_for(r"\[storm\] irqstorm: \d+ interrupts raised", timeout=120)
        m = q.wait_for(r"\[neighbour\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert "TEST neighbour_not_kicked: PASS" in out, "\n".join(
            l for l in out.splitlines() if "neighbour" in l)
        assert int(m.group(1)) == 0
        assert "HYPERVISOR CRASH" not in out
