"""The host GICv3 ITS (drivers/gicv3_its.c, docs/interrupts.md "The host ITS"): the hypervisor
builds its tables and command queue, gives every host redistributor LPI tables and a collection,
and proves at boot that an event it maps (MAPD, MAPTI, INV, SYNC) and raises (INT) arrives as a
physical LPI it handles. On a GICv3 machine without an ITS nothing of it is printed."""
import re

from qemu import Qemu, machine_args, BUILD


def test_host_its_delivers_its_probe_lpi():
    with Qemu("msi_host_its", machine_args(gic=3, smp=4), kernel="%s/tests/configs/its.img" % BUILD) as q:
        m = q.expect(r"host ITS at 0x([0-9a-f]+): (\d+) LPIs from 8192, DeviceIDs below (\d+), a collection per CPU; "
                     r"probe LPI (\d+) (\w+)", timeout=30)
        assert m.group(5) == "delivered", m.group(0)
        assert int(m.group(4)) >= 8192
        # The guests' own (virtual) ITS still works beside it.
        q.wait_for(r"\[its\] GUEST DONE: \d+ failure", timeout=120)
        out = q.output()
        assert "[its] GUEST DONE: 0 failure" in out
        assert "HYPERVISOR CRASH" not in out and "PANIC" not in out


def test_no_host_its_line_without_an_its():
    args = machine_args(gic=3, smp=4)
    i = args.index("-machine")
    args[i + 1] += ",its=off"
    with Qemu("msi_no_its", args, kernel="%s/tests/configs/its.img" % BUILD) as q:
        q.expect(r"GIC: v3 \(GICD 0x[0-9a-f]+, GICR 0x[0-9a-f]+\)", timeout=30)
        q.expect(r"UART:", timeout=10)
        assert not re.search(r"host ITS", q.output())
        q.passed = True
