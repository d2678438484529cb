"""L2 guests under Linux+KVM at virtual EL2 (issue 17; docs/nested.md "The L2 under Linux KVM"):
Debian's kernel boots at virtual EL2 with KVM in its nVHE mode (kvm-arm.mode=nvhe), and the
project VMM (tools/minivmm) in its initramfs runs an L2 guest on that KVM: the bare-metal
tests/guests/l2_hello.c (hypercalls answered by the L1's KVM, UART accesses that exit to
minivmm, the EL1 virtual timer's interrupt), then Linux to a shell. Both L2s also run under
KVM in its VHE mode (E2H = 1: the L1 kernel at virtual EL2, its guest's registers and timer
through the EL12/EL02 names, vdev/nested_vhe.c)."""
import os

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh, wait_shell

IMG = os.path.join(BUILD, "tests/configs/nested-minivmm.img")
IMG_VHE = os.path.join(BUILD, "tests/configs/nested-minivmm-vhe.img")

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(BUILD, "linux/initramfs-minivmm.cpio.gz")),
    reason="no Linux guest with minivmm: run `make linux` (tools/linux.sh)")


def boot_l1(name, vhe=False):
    q = Qemu(name, machine_args(gic=3, cpu="max", smp=2, mem="2G"), kernel=IMG_VHE if vhe else IMG)
    mode = "VHE mode" if vhe else "Hyp mode"
    q.expect(r"\[l1\] .*kvm \[1\]: %s initialized successfully" % mode, timeout=240)
    wait_shell(q, "l1", timeout=180)
    return q


def run_bare_metal_l2(name, vhe):
    with boot_l1(name, vhe) as q:
        q.send("/bin/elvisor-l2 bare\r")
        q.expect(r"\[l1\] minivmm: starting /l2/l2_hello.bin with 64 MiB", timeout=60)
        q.expect(r"\[l1\] l2: hello from EL1, UART at 0x9000000", timeout=120)
        q.expect(r"\[l1\] GUEST DONE: (\d+) failure", timeout=180)
        out = q.output()
        for name in ("l2_psci_version", "l2_smccc_version", "l2_uart_id", "l2_uart_fr", "l2_uart_imsc",
                     "l2_no_device", "l2_timer_irq"):
            assert "TEST %s: PASS" % name in out, name
        assert "FAIL" not in out and "UNEXPECTED" not in out
        assert "[l1] l2: ok" in out
        assert "minivmm: guest read of 4 bytes at 0xa000000: no device there" in out
        q.expect(r"\[l1\] minivmm: the guest powered off \(PSCI SYSTEM_OFF\)", timeout=60)
        q.expect(r"\[l1\] elvisor-l2: minivmm exited with status 0", timeout=30)
        assert "HYPERVISOR CRASH" not in q.output()


def test_minivmm_runs_bare_metal_l2_under_nested_kvm():
    run_bare_metal_l2("nested-minivmm-bare", vhe=False)


def test_minivmm_runs_bare_metal_l2_under_nested_kvm_vhe():
    run_bare_metal_l2("nested-minivmm-bare-vhe", vhe=True)


def run_linux_l2(name, vhe):
    """`quiet`: each character on the L2's console is an MMIO exit through elvisor, the L1's KVM
    and minivmm (4x a native one, nested_kvm_mmio_read_user); printing the whole boot log takes
    long enough on a loaded TCG host for its soft-lockup watchdog to report it (docs/nested.md
    "The L2 under Linux KVM")."""
    with boot_l1(name, vhe) as q:
        q.send("/bin/elvisor-l2 linux quiet\r")
        q.expect(r"\[l1\] minivmm: starting /l2/Image with 256 MiB", timeout=60)
        q.expect(r"\[l1\] minivmm-l2: init started on 1 CPU", timeout=600)
        q.expect(r"\[l1\] minivmm-l2: shell ready", timeout=120)
        # The shell is the L2's (typed input reaches it through the L1's console, minivmm's
        # stdin and the L2's UART): its hostname, one CPU, minivmm's machine.
        assert sh(q, "l1", "hostname").split() == ["l2"]
        assert sh(q, "l1", "grep -c ^processor /proc/cpuinfo").split() == ["1"]
        assert "Machine model: minivmm" in sh(q, "l1", "dmesg | grep 'Machine model'")
        # Its timer: sleeps end, and its virtual timer's interrupts (PPI 11, through the L1's
        # KVM and elvisor's GIC lent to it) keep coming.
        def timer_irqs():
            line = sh(q, "l1", "grep arch_timer /proc/interrupts")
            return int(line.split()[1])
        before = timer_irqs()
        assert sh(q, "l1", "sleep 2; echo slept").split() == ["slept"]
        assert timer_irqs() > before
        # Filtered in the L2: its console is slow enough that printing all of dmesg takes
        # minutes. Levels 0-3 include a soft lockup's and an RCU stall's reports.
        errors = sh(q, "l1", "dmesg -r | grep '^<[0-3]>'", timeout=120).strip()
        assert errors == "", "kernel errors in the L2:\n" + errors
        assert sh(q, "l1", "dmesg | grep -c -e 'soft lockup' -e 'self-detected stall'").split() == ["0"]
        out = q.output()
        assert "HYPERVISOR CRASH" not in out
        q.send("poweroff -f\r")
        q.expect(r"\[l1\] minivmm: the guest powered off \(PSCI SYSTEM_OFF\)", timeout=120)
        q.expect(r"\[l1\] elvisor-l2: minivmm exited with status 0", timeout=30)


def test_minivmm_runs_linux_l2_under_nested_kvm():
    run_linux_l2("nested-minivmm-linux", vhe=False)


def test_minivmm_runs_linux_l2_under_nested_kvm_vhe():
    """KVM in VHE mode switches its guest's EL1 virtual timer through CNTV_*_EL02: while the
    L1 kernel runs at virtual EL2 that timer is kept in its VNCR page, and the L2's timer
    interrupt, taken there, stays pending as long as that timer fires (vdev/vtimer.c
    vtimer_park). Before, it was withdrawn on the CPU's timer, then the L1's EL2 virtual timer,
    and the L2 got its ticks only when KVM next loaded its vCPU: it stalled after its early
    console (docs/nested.md "E2H = 1")."""
    run_linux_l2("nested-minivmm-linux-vhe", vhe=True)


def l2_without_errors_powers_off(q, what):
    """The L2 at its shell logged nothing at error level or above; `poweroff -f` ends minivmm
    cleanly (from whichever vCPU runs it); elvisor did not crash."""
    errors = sh(q, "l1", "dmesg -r | grep '^<[0-3]>'", timeout=120).strip()
    assert errors == "", "kernel errors in %s:\n%s" % (what, errors)
    q.send("poweroff -f\r")
    q.expect(r"\[l1\] minivmm: the guest powered off \(PSCI SYSTEM_OFF\)", timeout=120)
    q.expect(r"\[l1\] elvisor-l2: minivmm exited with status 0", timeout=30)
    assert "HYPERVISOR CRASH" not in q.output()


def test_minivmm_runs_linux_l2_on_the_second_vcpu():
    """The shipped configuration (configs/nested.dts: two L1 vCPUs, KVM in VHE mode) with
    minivmm pinned to the L1's second vCPU, whose MPIDR has Aff0 = 1: KVM gives its L2 vCPU
    MPIDR 0 through VMPIDR_EL2, which the L2 finds in minivmm's device tree. Before elvisor
    loaded the guest hypervisor's VMPIDR_EL2 for its guest, the L2 read 1 ("Failed to find
    device node for boot cpu") and oopsed in its GIC driver.

    Then, in the same L1, Linux as L2 on two vCPUs (elvisor-l2 linux-smp: minivmm -s 2, a
    thread each, free to run on either L1 vCPU): the L2 starts its second vCPU by PSCI CPU_ON
    through KVM at virtual EL2, brings both up, and each runs its work."""
    img = os.path.join(BUILD, "configs/nested.img")
    with Qemu("nested-minivmm-linux-cpu1", machine_args(gic=3, cpu="max", smp=4, mem="2G"), kernel=img) as q:
        q.expect(r"\[l1\] .*kvm \[1\]: VHE mode initialized successfully", timeout=240)
        wait_shell(q, "l1", timeout=180)
        assert sh(q, "l1", "taskset 2 true && echo pinned").split() == ["pinned"]
        q.send("taskset 2 /bin/elvisor-l2 linux quiet\r")
        q.expect(r"\[l1\] minivmm: starting /l2/Image with 256 MiB", timeout=60)
        q.expect(r"\[l1\] minivmm-l2: init started on 1 CPU", timeout=600)
        q.expect(r"\[l1\] minivmm-l2: shell ready", timeout=120)
        assert sh(q, "l1", "hostname").split() == ["l2"]
        booted = sh(q, "l1", "dmesg | grep -e 'Booting Linux' -e 'boot cpu'")
        assert "Booting Linux on physical CPU 0x0000000000 " in booted and "boot cpu" not in booted, booted
        l2_without_errors_powers_off(q, "the L2")

        assert sh(q, "l1", "echo back").split() == ["back"]  # the L1's shell again
        q.send("/bin/elvisor-l2 linux-smp quiet\r")
        q.expect(r"\[l1\] minivmm: starting /l2/Image with 256 MiB, 2 vCPUs", timeout=60)
        q.expect(r"\[l1\] minivmm-l2: init started on 2 CPU", timeout=600)
        q.expect(r"\[l1\] minivmm-l2: shell ready", timeout=120)
        assert "smp: Brought up 1 node, 2 CPUs" in sh(q, "l1", "dmesg | grep 'smp: Brought up'")
        assert sh(q, "l1", "cat /sys/devices/system/cpu/online").split() == ["0-1"]
        # Field 39 of /proc/PID/stat: the CPU the task last ran on.
        assert sh(q, "l1", "taskset 2 cat /proc/self/stat | cut -d' ' -f39").split() == ["1"]
        l2_without_errors_powers_off(q, "the two-vCPU L2")
