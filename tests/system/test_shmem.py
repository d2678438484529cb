"""Memory shared between VMs with a doorbell (docs/shmem.md, tests/configs/shmem.dts): a
bare-metal VM (tests/guests/shmem.c) and a Linux VM (tools/shmem_ping.c over uio_pci_generic)
pass messages both ways through rings in the region, each side sleeping until the doorbell
interrupt; the region starts zeroed, a read-only peer's write faults and changes nothing, a VM
the region does not name neither has the device nor reaches the memory, and a reset of one peer
keeps the region and shows the other its state going to 0 and back."""
import os
import re

import pytest

from qemu import Qemu, machine_args, guest_checks_pass, BUILD
from test_linux import sh, wait_shell

IMG = os.path.join(BUILD, "tests/configs/shmem.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


@pytest.mark.parametrize("gic", [3, 2])
def test_shmem_bare_metal_and_linux_both_ways(gic):
    with Qemu("shmem-gic%d" % gic, machine_args(gic=gic, smp=4), kernel=IMG) as q:
        q.expect(r"\[bare\] shmem: peer 0 of 3, region 64 KiB", timeout=60)
        q.expect(r"\[bare\] shmem: waiting for the peers", timeout=30)
        wait_shell(q, "linux")
        # The function is on its own host bridge, bound to no driver until shmem-ping asks. One
        # command line: sh() may type a line twice when busybox eats it, and a second line's
        # output would be taken for the next command's.
        out = sh(q, "linux", "cat /sys/bus/pci/devices/*/vendor /sys/bus/pci/devices/*/device; shmem-ping; echo rc=$?",
                 timeout=300)
        assert "0x1af4" in out and "0x1110" in out, out
        m = re.search(r"(\d+) messages answered, (\d+) wrong, (\d+) interrupts, (\d+) sleeps", out)
        assert m, out
        answered, wrong, irqs, sleeps = (int(x) for x in m.groups())
        assert answered == 64 and wrong == 0, out
        # It never polls: each time it found no message it slept in poll()/read() on /dev/uioN,
        # and every such sleep ended with the doorbell interrupt (a message that was already
        # there when it looked needs no sleep).
        assert irqs == sleeps and sleeps >= answered // 2, out
        assert "peer 0 reset and came back (state 3)" in out, out
        assert "rc=0" in out, out
        checks = guest_checks_pass(q, {
            "bare": ["dt_describes_region", "peer_numbers", "region_zeroed", "bad_doorbells_ignored", "self_doorbell",
                     "register_sizes_checked", "only_function_0", "bar2_only_inside_window", "ping_pong", "replies_by_doorbell",
                     "readonly_peer_harmless", "region_kept_across_reset", "own_state_zero_after_reset",
                     "peer_saw_reset"],
            "reader": ["reader_flag", "readonly_write_faults", "readonly_write_changed_nothing", "reader_sees_ring",
                       "reader_woken_by_state_change"],
            "outsider": ["outsider_no_node", "outsider_access_faults"],
        }, timeout=120)
        # Linux reads the region peer 0 wrote (ring 0's head: 64 messages); both bare-metal
        # peers have powered themselves off by now and read as state 0.
        info = sh(q, "linux", "shmem-ping info")
        assert re.search(r"peer 1 of 3, flags 0x0, state 4, peer states 0 4 0; region words 0x00000040",
                         info), info
        # The refused write is the reader's alone: logged against it, and nothing crashed.
        assert re.search(r"VM 'reader' .*to read-only memory", checks), checks
        assert "VM 'bare' shared memory 'ring0': doorbell for peer 3 ignored" in checks, checks
        rtt = re.search(r"\[bare\] shmem: 64 round trips, (\d+) doorbell interrupts, (\d+) sleeps, "
                        r"mean (\d+) us, worst (\d+) us", checks)
        assert rtt, checks
        print("shmem round trip bare<->linux (GICv%d): mean %s us, worst %s us, %s doorbells, %s sleeps"
              % (gic, rtt.group(3), rtt.group(4), rtt.group(1), rtt.group(2)))
