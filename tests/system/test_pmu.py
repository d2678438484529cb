"""The guest's PMUv3 (vdev/vpmu.c, docs/interrupts.md): tests/guests/pmu.c in
tests/configs/pmu.dts ('pmu' alone on its CPU, 'pmu-a' and 'pmu-b' time-sharing one, 'pmu-off'
with cpu-features = "no-pmu") on GICv3 with -cpu max and GICv2 with -cpu cortex-a72, and in tests/configs/pmu-icount.dts (the shared
pair) under -icount, where QEMU counts instructions and time is instructions: there the cycles
a VM counts must be those of the time it ran, not of the time the other VM had the CPU."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD

COMMON = [
    "pmu_accessible", "pmu_pmuver_advertised", "pmu_dt_node", "pmu_counters", "pmu_counter_range",
    "pmu_cycles_plausible", "pmu_cycle_event_agrees", "pmu_stopped_no_count", "pmu_exclude_el1",
    "pmu_no_el2_filter", "pmu_xevcntr", "pmu_counts_while_running", "pmu_overflow_irq",
    "pmu_overflow_cleared", "pmu_cycle_overflow_irq", "pmu_irq_follows_flags", "pmu_no_other_interrupts",
]
# The VM whose configuration turns the PMU off.
OFF = ["pmu_off_pmuver", "pmu_off_no_dt_node", "pmu_off_undefined"]
# Only where QEMU counts instructions (-icount) and time away is judged (bootargs pmu-timing).
ICOUNT = ["pmu_instructions_plausible", "pmu_not_counted_away"]


def stream(out, vm):
    """What vm printed, the pieces of its lines joined. The console prints a VM that does not have
    the focus a line at a time, but an unfinished line after 100 ms without output
    (docs/debugging.md), and on a loaded host a guest can be held up that long in the middle of a
    line: one line then comes in pieces, each with the prefix. Lines are joined with no separator
    (searches look for whole phrases)."""
    prefix = "[%s] " % vm
    return "".join(l[len(prefix):] for l in out.splitlines() if l.startswith(prefix))


def passed(out, vm, checks):
    s = stream(out, vm)
    return [c for c in checks if "TEST %s: PASS" % c in s]


def run(name, args, img, vms):
    with Qemu(name, args, kernel="%s/tests/configs/%s.img" % (BUILD, img)) as q:
        # The hypervisor's own line (never split), after the guest's output is flushed.
        for vm in vms:
            q.wait_for(r"elvisor: VM '%s' stopped" % re.escape(vm), timeout=180)
        out = q.output()
    for vm in vms:
        s = stream(out, vm)
        assert re.search(r"GUEST DONE: 0 failure", s), (vm, s[-2000:])
        assert "FAIL" not in s and "UNEXPECTED" not in s, (vm, s)
    assert "HYPERVISOR CRASH" not in out
    for line in out.splitlines():
        if "] pmu: " in line:
            print(line)
    return out


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_pmu(gic, cpu):
    vms = ["pmu", "pmu-a", "pmu-b"]
    out = run("pmu-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), "pmu", vms + ["pmu-off"])
    for vm in vms:
        assert passed(out, vm, COMMON) == COMMON, vm
    # cpu-features = "no-pmu": PMUVer 0, no arm,armv8-pmuv3 node, the registers UNDEFINED.
    assert passed(out, "pmu-off", OFF) == OFF


def test_pmu_icount():
    vms = ["pmu-a", "pmu-b"]
    out = run("pmu-icount", machine_args(gic=3, cpu="max", smp=4, icount=True), "pmu-icount", vms)
    for vm in vms:
        assert passed(out, vm, COMMON + ICOUNT) == COMMON + ICOUNT, vm
        # Each had the CPU about half the time, and counted only its half.
        m = re.search(r"pmu: 200 ms spin: ran (\d+) us, away (\d+) us, (\d+) cycles", stream(out, vm))
        ran, away, _ = (int(x) for x in m.groups())
        assert away > ran / 2, (ran, away)
