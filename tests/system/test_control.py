"""The control channel (docs/control.md, tests/configs/control.dts): from the control VM
linux1, `elvisorctl` lists the VMs, pauses and resumes 'beat' (its console stops, then goes
on), stops it and starts it again (it boots afresh: "beat 0"), starts 'later', which
autostart = <0> kept stopped, and is refused what would wedge linux1 itself or names no VM.
linux2, an ordinary VM, has no channel."""
import os
import re
import time

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh, wait_shell, focus_next, focus_to

IMG = os.path.join(BUILD, "tests/configs/control.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def beats(q, vm="beat"):
    return [int(n) for n in re.findall(r"\[%s\] beat (\d+)" % vm, q.output())]


def ctl(q, args):
    """Runs elvisorctl in linux1; returns (exit status, output)."""
    out = sh(q, "linux1", "elvisorctl %s 2>&1; echo rc=$?" % args).replace("\r", "")
    m = re.search(r"rc=(\d+)", out)
    assert m, out
    return int(m.group(1)), out[:m.start()]


def test_control_vm():
    with Qemu("control", machine_args(gic=3, smp=4), kernel=IMG) as q:
        q.expect(r"\[linux1\] elvisor-guest: control channel on hvc0", timeout=300)
        wait_shell(q, "linux1")
        start = time.time()

        rc, out = ctl(q, "list")
        assert rc == 0, out
        assert re.search(r"(?m)^linux1 +running +1 0 +128 ", out), out
        assert re.search(r"(?m)^linux2 +running +1 1 +128 ", out), out
        assert re.search(r"(?m)^beat +running +1 2 +8 ", out), out
        assert re.search(r"(?m)^later +stopped +1 3 +8 +0\.000 +0$", out), out
        assert not beats(q, "later"), "autostart = <0> ran 'later'"

        # Pause: the console stops; resume: it goes on where it was.
        assert ctl(q, "pause beat")[0] == 0
        time.sleep(0.5)
        paused_at = beats(q)[-1]
        time.sleep(1.5)
        assert beats(q)[-1] == paused_at, "beat ran while paused"
        assert re.search(r"(?m)^beat +paused ", ctl(q, "list")[1])
        assert ctl(q, "pause beat") == (0, ctl(q, "pause beat")[1])  # idempotent
        assert ctl(q, "resume beat")[0] == 0
        q.wait_for(r"\[beat\] beat %d\b" % (paused_at + 3), timeout=20)

        # Stats: its exits and interrupts are counted.
        rc, out = ctl(q, "stats beat")
        assert rc == 0 and re.search(r"exits\.wfi \d+", out) and "state running" in out, out

        # Stop: the console stops for good; stop again is a no-op; start boots it afresh.
        rc, out = ctl(q, "stop beat")
        assert rc == 0, out
        q.wait_for(r"VM 'beat' stopped by the control VM", timeout=10)
        time.sleep(0.5)
        stopped_at = len(beats(q))
        time.sleep(1.5)
        assert len(beats(q)) == stopped_at, "beat ran while stopped"
        rc, out = ctl(q, "stop beat")
        assert rc == 0 and "beat unchanged" in out, out
        rc, out = ctl(q, "resume beat")
        assert rc == 1 and "it is stopped; use start" in out, out
        assert ctl(q, "start beat")[0] == 0
        q.wait_for(r"VM 'beat' restarted", timeout=20)
        q.wait_for(r"(?s)VM 'beat' restarted.*\[beat\] beat 0\b.*\[beat\] beat 2\b", timeout=20)

        # autostart = <0>: 'later' runs once started.
        assert ctl(q, "start later")[0] == 0
        q.wait_for(r"\[later\] beat 2\b", timeout=20)
        assert re.search(r"(?m)^later +running ", ctl(q, "list")[1])

        # Refused: wedging the control VM, unknown VMs and requests.
        for args, why in [("stop linux1", "cannot stop, pause or reset itself"),
                          ("pause linux1", "cannot stop, pause or reset itself"),
                          ("stop nosuch", "no VM named 'nosuch'"),
                          ("frob beat", "unknown request")]:
            rc, out = ctl(q, args)
            assert rc == 1 and why in out, (args, out)

        # The hypervisor's log, as the control VM sees it.
        rc, out = ctl(q, "log")
        assert rc == 0 and "VM 'beat' stopped by the control VM" in out, out
        elapsed = time.time() - start

        # linux2 has no control channel.
        focus_next(q, "linux2")
        out = sh(q, "linux2", "cat /sys/bus/virtio/devices/*/vendor; ls /dev/elvisor-control; elvisorctl list; echo rc=$?")
        assert "0x43564c45" not in out, out
        assert "rc=2" in out and "is this the control VM?" in out, out
        print("control requests took %.1f s" % elapsed)

        # No disk data lost: linux2 writes a file and syncs it, then keeps writing to another
        # while the control VM stops it (its virtio queues quiesced first) and starts it again;
        # after the fresh boot the file system mounts and the synced file is intact.
        out = sh(q, "linux2", "mount /dev/vda /mnt && dd if=/dev/urandom of=/mnt/kept bs=1k count=1024 2>/dev/null "
                 "&& sync && md5sum /mnt/kept", timeout=60)
        m = re.search(r"([0-9a-f]{32})  /mnt/kept", out)
        assert m, out
        kept = m.group(1)
        q.send("while :; do dd if=/dev/urandom of=/mnt/busy bs=64k count=64 oflag=direct 2>/dev/null; done &\r")
        time.sleep(1)
        focus_to(q, "linux1")
        assert ctl(q, "stop linux2")[0] == 0
        q.wait_for(r"VM 'linux2' stopped by the control VM", timeout=20)
        assert ctl(q, "start linux2")[0] == 0
        q.wait_for(r"VM 'linux2' restarted", timeout=20)
        focus_to(q, "linux2")  # before its shell's banner, which wait_shell waits for
        wait_shell(q, "linux2")
        out = sh(q, "linux2", "mount /dev/vda /mnt && md5sum /mnt/kept && ls /mnt", timeout=60)
        assert "%s  /mnt/kept" % kept in out, out
        assert "HYPERVISOR CRASH" not in q.output()

