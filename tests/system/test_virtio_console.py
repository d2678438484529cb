"""virtio-console (vdev/virtio_console.c): a Linux VM with a PL011 and a virtio console. Once the
guest's virtio_console driver is ready, the console input goes to hvc0, where /init runs a
shell; its output reaches the hypervisor console with the VM's "[name] " prefix, like the
PL011's. Unbinding the driver sends the input back to the PL011 (and emerg_wr still prints);
binding it again brings it back to hvc0."""
import os
import re
import time

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh

IMG = os.path.join(BUILD, "tests/configs/virtio-console.img")
VM = "linux"
BANNER = r"\[%s\] Enter 'help' for a list of built-in commands" % VM
MMIO_DRIVER = "/sys/bus/platform/drivers/virtio-mmio"
HVC0_TTY_NR = 229 << 8      # tty_nr in /proc/PID/stat of hvc0: major 229, minor 0

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def wait_count(q, pattern, n, timeout):
    """Waits until pattern has matched n times in the whole output."""
    q.wait_for(r"(?s)(?:%s.*?){%d}" % (pattern, n), timeout=timeout)


def last_line(out):
    lines = [l.strip() for l in out.replace("\r", "").splitlines() if l.strip()]
    return lines[-1] if lines else ""


def kernel_errors(dmesg):
    return [l for l in dmesg.splitlines()
            if re.search(r"\b(WARNING|BUG|Oops|Call trace|error|failed)\b", l, re.I)
            and "PCIe" not in l]


def machine():
    """machine_args, with Ctrl-C passed to the guest instead of ending QEMU."""
    args = machine_args(gic=3, smp=2)
    i = args.index("-serial")
    args[i:i + 2] = ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"]
    return args


def test_virtio_console_shell_on_hvc0():
    with Qemu("virtio-console", machine(), kernel=IMG) as q:
        q.expect(r"\[%s\] elvisor-guest: shell ready on hvc0" % VM, timeout=300)
        # Two shells: hvc0's (started first) and ttyAMA0's.
        wait_count(q, BANNER, 2, timeout=120)

        # The input goes to hvc0, whose shell has it as controlling terminal.
        assert last_line(sh(q, VM, "tty")) == "/dev/hvc0"
        assert last_line(sh(q, VM, "awk '{print $7}' /proc/$$/stat")) == str(HVC0_TTY_NR)
        assert last_line(sh(q, VM, "echo hvc-marker-$((6*7))")) == "hvc-marker-42"
        assert re.search(r"(?m)^\[%s\] hvc-marker-42\r?$" % VM, q.output())

        # Ctrl-C reaches the foreground job through the controlling terminal.
        for attempt in range(3):     # retyped if the shell's cursor query ate it (see sh())
            q.send("sleep 40; echo slept-$((2*3))\r")
            try:
                q.expect(r"\[%s\] .*sleep 40; echo slept-" % VM, timeout=15)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        time.sleep(2)
        q.send("\x03")
        assert last_line(sh(q, VM, "echo after-$((3*3))")) == "after-9"
        assert "slept-6" not in q.output()

        # The driver probed the device, with no kernel error.
        assert "virtio" in sh(q, VM, "ls /sys/bus/virtio/drivers/virtio_console")
        dmesg = sh(q, VM, "dmesg")
        assert not kernel_errors(dmesg), "\n".join(kernel_errors(dmesg))

        # A large write (more than a page) arrives whole, line by line.
        sh(q, VM, "for i in $(seq 200); do echo line-$i-%s; done >/tmp/lines" % ("x" * 50))
        out = sh(q, VM, "cat /tmp/lines")
        got = [l.strip() for l in out.splitlines() if l.strip().startswith("line-")]
        assert got == ["line-%d-%s" % (i, "x" * 50) for i in range(1, 201)], out[-500:]

        # Without the driver the input goes to the PL011 again; emerg_wr prints one character.
        dev = last_line(sh(q, VM, "ls %s | grep a002000" % MMIO_DRIVER))
        assert dev.startswith("a002000."), dev
        q.send("echo %s > %s/unbind\r" % (dev, MMIO_DRIVER))
        q.wait_for(r"\[%s\] .*(can't|cannot) open.*hvc0" % VM, timeout=60)
        assert last_line(sh(q, VM, "tty")) == "/dev/ttyAMA0"
        sh(q, VM, "for c in 0x45 0x4d 0x45 0x52 0x47 0x0a; do devmem 0x0a002108 8 $c; done")
        q.wait_for(r"(?m)^\[%s\] EMERG\r?$" % VM, timeout=30)

        # Bound again: a new hvc0 shell, which the input reaches.
        banners = len(re.findall(BANNER, q.output()))
        sh(q, VM, "echo %s > %s/bind" % (dev, MMIO_DRIVER))
        wait_count(q, BANNER, banners + 1, timeout=60)
        assert last_line(sh(q, VM, "tty")) == "/dev/hvc0"

        out = q.output()
        assert "HYPERVISOR CRASH" not in out
        assert "needs reset" not in out
        assert "output dropped" not in out
