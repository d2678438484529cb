"""A hostile guest attacks the hypervisor from a fixed seed while a victim VM checks its memory:
the hypervisor survives, the victim's memory is intact, the attacker's every act ends cleanly.

Its virtio driver (tests/guests/hostile.c) attacks its own virtio devices with valid requests,
malformed rings and register abuse; the guest itself checks that every notification ended in a
clean completion or DEVICE_NEEDS_RESET (TEST virtio_outcomes). Here: the counts are sane,
every device was driven both ways, and nobody else noticed: no hypervisor crash, no other VM
named in a needs-reset or abort line, no VM stopped for any reason but its own SYSTEM_OFF, the
neighbours' memory, checksums and disk intact."""
import hashlib
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh

SUMMARY = (r"(?m)^\[hostile\] hostile: ops=(\d+) faults=(\d+) seed=(\d+) calls=(\d+) mmio=(\d+) "
           r"sysreg=(\d+) misc=(\d+) virtio=(\d+)")
VIRTIO = (r"(?m)^\[hostile\] hostile: virtio ops=(\d+) notifies=(\d+) chains=(\d+) completed=(\d+) "
          r"needs-reset=(\d+) idle=(\d+) features-refused=(\d+) rings-refused=(\d+)")
REGS = r"(?m)^\[hostile\] hostile: virtio registers=(\d+) aborts=(\d+) unexpected=(\d+)"
DEVICE = r"(?m)^\[hostile\] hostile: virtio-(\w+)@(\w+) ops=(\d+) completed=(\d+) needs-reset=(\d+)"
DISK = os.path.join(BUILD, "disks/ext4-16M.img")


def hostile_results(q, timeout=300):
    """Waits for the hostile guest's summary and checks it; returns the numbers."""
    m = q.wait_for(SUMMARY, timeout=timeout)
    ops, faults = int(m.group(1)), int(m.group(2))
    classes = [int(x) for x in m.groups()[3:]]
    assert sum(classes) == ops and 0 < faults < ops, m.group(0)
    q.wait_for(r"(?m)^\[hostile\] GUEST DONE: \d+ failure", timeout=60)
    out = q.output()
    assert re.search(r"(?m)^\[hostile\] GUEST DONE: 0 failure", out), \
        "\n".join(l for l in out.splitlines() if "unexpected" in l or "FAIL" in l)
    assert "TEST virtio_outcomes: PASS" in out
    v = [int(x) for x in re.search(VIRTIO, out).groups()]
    r = [int(x) for x in re.search(REGS, out).groups()]
    res = dict(ops=ops, faults=faults, virtio=classes[4], virtio_ops=v[0], notifies=v[1], chains=v[2],
               completed=v[3], needs_reset=v[4], idle=v[5], features_refused=v[6], rings_refused=v[7],
               registers=r[0], aborts=r[1], unexpected=r[2],
               devices={"%s@%s" % (d[0], d[1]): [int(x) for x in d[2:]] for d in re.findall(DEVICE, out)})
    assert res["virtio_ops"] == res["virtio"] and res["unexpected"] == 0, res
    # Both outcomes, on every device, and the register abuse took its aborts.
    assert res["completed"] > 0 and res["needs_reset"] > 0 and res["chains"] > res["notifies"] / 2, res
    assert 0 < res["aborts"] < res["registers"], res
    for name, (dops, done, resets) in res["devices"].items():
        assert dops > 0 and done > 0 and resets > 0, (name, res["devices"])
    return res


def nobody_else_noticed(out):
    assert "HYPERVISOR CRASH" not in out and "PANIC" not in out
    assert "GUEST UNEXPECTED EXCEPTION" not in out
    # The hostile VM's own rate-limited lines name it alone.
    for m in re.finditer(r"elvisor: VM '([\w-]+)' (?:virtio-\w+@\w+: .*device needs reset|"
                         r"vCPU\d+: .*external abort injected)", out):
        assert m.group(1) == "hostile", m.group(0)
    # No VM stopped but by its own SYSTEM_OFF at the end.
    for m in re.finditer(r"elvisor: VM '([\w-]+)' stopped: (.*)", out):
        assert m.group(2).strip() == "guest called PSCI SYSTEM_OFF", m.group(0)
    assert "restarting" not in out


def report(res):
    print("\nhostile guest: %d operations (%d virtio), %d faults injected, 0 hypervisor crashes; virtio: "
          "%d notifications of %d chains: %d completed, %d needs-reset, %d nothing to do; %d feature "
          "sets and %d rings refused at setup; %d register accesses, %d aborts; per device "
          "(ops, completed, needs-reset): %s"
          % (res["ops"], res["virtio_ops"], res["faults"], res["notifies"], res["chains"], res["completed"],
             res["needs_reset"], res["idle"], res["features_refused"], res["rings_refused"],
             res["registers"], res["aborts"], res["devices"]))


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_hostile_guest_gets_nowhere(gic, cpu):
    img = "%s/tests/configs/hostile.img" % BUILD
    with Qemu("hostile-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=img) as q:
        res = hostile_results(q)
        assert res["ops"] == 20000
        q.wait_for(r"(?m)^\[victim\] GUEST DONE: 0 failure")
        out = q.output()
        assert "TEST victim_memory_intact: PASS" in out
        # Two disks (one read-only), a console, a network card; the entropy source only where
        # the CPU has RNDR.
        kinds = sorted(name.split("@")[0] for name in res["devices"])
        assert kinds == sorted(["blk", "blk", "console", "net"] + (["rng"] if cpu == "max" else [])), kinds
        assert re.search(r"(?m)^\[hostile\] vc\d+", out)        # virtio-console output arrived
        nobody_else_noticed(out)
        report(res)


def ports(listing):
    """The switch's port lines in a VM listing: {vm: (rx_pkts, tx_pkts)}."""
    return {m.group(1): (int(m.group(2)), int(m.group(3)))
            for m in re.finditer(r"port \d+ (\w+) +\S+ rx (\d+) pkts .*?tx (\d+) pkts", listing)}


def number(out):
    """The last line of a command's output that is a number (other VMs' lines come between)."""
    return int([l for l in out.splitlines() if re.fullmatch(r"\s*\d+\s*", l)][-1])


def focus(q, vm):
    """Ctrl-a three times; returns the listing it printed (VMs and switch ports)."""
    done = r"elvisor: input now goes to VM '(\w+)'"
    before = len(re.findall(done, q.output()))
    q.send("\x01\x01\x01")
    q.wait_for(r"(?s)(?:%s.*?){%d}" % (done, before + 1), timeout=30)
    out = q.output()
    hit = list(re.finditer(done, out))[-1]
    assert hit.group(1) == vm, hit.group(0)
    return out[out.rfind("elvisor: VMs (Ctrl-a", 0, hit.start()):hit.end()]


@pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")), reason="no Linux guest (make linux)")
def test_hostile_guest_beside_linux_checksum():
    """The hostile guest runs at least 50,000 operations and goes on (until=33) while a Linux VM
    boots, checksums 16 MiB three times and its own virtio disk once, with eth0 up on the switch
    that the hostile VM floods; then the test stops it with '!'. The focus starts on 'hostile'
    (the first VM), so it is moved to 'linux' before typing."""
    with open(DISK, "rb") as f:
        disk_md5 = hashlib.md5(f.read()).hexdigest()
    img = "%s/tests/configs/hostile-linux.img" % BUILD
    with Qemu("hostile-linux", machine_args(gic=3, smp=4), kernel=img) as q:
        q.wait_for(r"\[linux\] Enter 'help' for a list", timeout=300)
        focus(q, "linux")
        sh(q, "linux", "ip link set eth0 up")
        for _ in range(3):
            out = sh(q, "linux", "dd if=/dev/zero bs=1M count=16 2>/dev/null | md5sum", timeout=120)
            assert "2c7ab85a893283e98c931e9511add182" in out, out
        out = sh(q, "linux", "md5sum /dev/vda", timeout=120)
        assert re.search(r"(?m)^%s\s+/dev/vda" % disk_md5, out), out
        rx = number(sh(q, "linux", "cat /sys/class/net/eth0/statistics/rx_packets"))
        bad = sh(q, "linux", "dmesg | grep -ciE 'bug|oops|call trace|warning|virtio.*(error|fail)'")
        assert number(bad) == 0, sh(q, "linux", "dmesg | grep -iE 'bug|oops|call trace|warning|virtio'")
        # All of that happened while the hostile guest was still at it.
        assert not re.search(SUMMARY, q.output()), "the hostile guest ended before the Linux work"
        assert rx > 0, "no frame from the hostile VM reached eth0"
        focus(q, "hostile")
        for _ in range(120):
            q.send("!")
            try:
                q.wait_for(SUMMARY, timeout=1)
                break
            except AssertionError:
                pass
        res = hostile_results(q)
        assert res["ops"] >= 50000
        listing = focus(q, "linux")
        p = ports(listing)
        assert p["linux"][0] > 0 and p["hostile"][1] > 0, listing
        out = q.output()
        nobody_else_noticed(out)
        report(res)
        print("linux: eth0 received %d frames while checksumming; switch: %s" % (rx, p))


@pytest.mark.skipif(not os.environ.get("ELVISOR_LONG"), reason="long run: make fuzz")
def test_hostile_guest_long_run():
    img = "%s/tests/configs/hostile-long.img" % BUILD
    with Qemu("hostile-long", machine_args(gic=3, smp=4), kernel=img) as q:
        res = hostile_results(q, timeout=3600)
        assert res["ops"] == 2000000
        q.wait_for(r"(?m)^\[victim\] GUEST DONE: 0 failure")
        out = q.output()
        assert "TEST victim_memory_intact: PASS" in out
        nobody_else_noticed(out)
        report(res)
