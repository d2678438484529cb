"""The project VMM (tools/minivmm, docs/nested.md) natively on QEMU, without elvisor: Debian's
kernel at EL2 with KVM (QEMU's virt machine with virtualization=on, as test_linux_native boots
it) runs minivmm from its initramfs (build/linux/initramfs-minivmm.cpio.gz, `make linux`),
which boots an L2 guest: the bare-metal tests/guests/l2_hello.c, then Linux on two vCPUs to a
shell (about 25 s of QEMU for both boots, docs/nested.md "The project VMM")."""
import os
import re
import time

import pytest

from qemu import Qemu, machine_args, BUILD

LINUX = os.path.join(BUILD, "linux")
IMAGE = os.path.join(LINUX, "Image")
INITRD = os.path.join(LINUX, "initramfs-minivmm.cpio.gz")

pytestmark = pytest.mark.skipif(
    not (os.path.isfile(IMAGE) and os.path.isfile(INITRD)),
    reason="build/linux/Image or initramfs-minivmm.cpio.gz missing: run `make linux`")


def boot_l1(name, l2, smp=1, icount=False):
    """QEMU with Linux at EL2 (KVM) and /init told to run minivmm with the given L2."""
    args = machine_args(gic=3, smp=smp, mem="1G", virtualization=True, icount=icount)
    args += ["-no-reboot", "-initrd", INITRD,
             "-append", "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1 elvisor.l2=" + l2]
    return Qemu(name, args, kernel=IMAGE)


def l1_up_to_minivmm(q):
    q.expect(r"Booting Linux on physical CPU", timeout=120)
    q.expect(r"kvm \[\d+\]: (VHE|Hyp) mode initialized successfully", timeout=180)
    q.expect(r"elvisor-guest: init started", timeout=180)
    q.expect(r"minivmm: starting /l2/\S+ with \d+ MiB", timeout=120)


def test_minivmm_runs_bare_metal_l2():
    with boot_l1("minivmm-bare", "bare") as q:
        l1_up_to_minivmm(q)
        q.expect(r"l2: hello from EL1, UART at 0x9000000", timeout=60)
        q.expect(r"GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        for name in ("l2_psci_version", "l2_smccc_version", "l2_uart_id", "l2_uart_fr", "l2_uart_imsc",
                     "l2_no_device", "l2_timer_irq"):
            assert "TEST %s: PASS" % name in out, name
        assert "FAIL" not in out and "UNEXPECTED" not in out
        assert "l2: ok" in out
        assert re.search(r"l2: bench hvc \d+ \d+ \d+ ticks", out)
        # The read of an address with no device: reported by minivmm, zero for the guest.
        assert "minivmm: guest read of 4 bytes at 0xa000000: no device there" in out
        q.expect(r"minivmm: the guest powered off \(PSCI SYSTEM_OFF\)", timeout=30)
        q.expect(r"elvisor-l2: minivmm exited with status 0", timeout=30)
        q.expect(r"elvisor-guest: shell ready", timeout=30)


def sh(q, command, timeout=60):
    """A command at the L2's shell, its output returned; the markers are shell arithmetic so
    that the echo of the typed line never matches them."""
    q.send("echo :BEGIN$((1+1)):; %s; echo :END$((1+1)):\n" % command)
    m = q.expect(r":BEGIN2:\r*\n(.*?):END2:", timeout=timeout)
    return m.group(1).replace("\r", "")


def test_minivmm_runs_linux_l2_to_a_shell():
    """Linux as L2 on two vCPUs (elvisor.l2=linux-smp: minivmm -s 2, a thread each), the L1 on
    two CPUs: the second vCPU starts powered off and the L2 starts it by PSCI CPU_ON."""
    with boot_l1("minivmm-linux", "linux-smp", smp=2) as q:
        l1_up_to_minivmm(q)
        started = time.time()
        q.expect(r"Booting Linux on physical CPU 0x0", timeout=120)
        q.expect(r"Machine model: minivmm", timeout=60)
        q.expect(r"smp: Brought up 1 node, 2 CPUs", timeout=300)
        q.expect(r"9000000.pl011: ttyAMA0 at MMIO 0x9000000 .* is a PL011", timeout=300)
        q.expect(r"minivmm-l2: init started on 2 CPU", timeout=300)
        q.expect(r"minivmm-l2: shell ready", timeout=60)
        print("L2 Linux: minivmm start to shell in %.0f s" % (time.time() - started))
        # The shell reads what is typed (UART receive through minivmm's input thread and SPI)
        # and is the L2's: its own hostname, two CPUs online, the timer and GIC minivmm described.
        assert sh(q, "hostname").split() == ["l2"]
        assert sh(q, "cat /sys/devices/system/cpu/online").split() == ["0-1"]
        # The second vCPU runs work: a command pinned to it (its timer ticks there too).
        assert sh(q, "taskset 2 cat /proc/self/stat | cut -d' ' -f39").split() == ["1"]
        assert "GICv3" in sh(q, "dmesg | grep -o GICv3 | sort -u")
        assert "arch_timer" in sh(q, "grep -o arch_timer /proc/interrupts")
        errors = [l for l in sh(q, "dmesg -r").splitlines() if re.match(r"<[0-3]>", l)]
        assert errors == [], "kernel errors in the L2:\n" + "\n".join(errors)
        q.send("poweroff -f\n")
        q.expect(r"minivmm: the guest powered off \(PSCI SYSTEM_OFF\)", timeout=120)
        q.expect(r"elvisor-l2: minivmm exited with status 0", timeout=30)
