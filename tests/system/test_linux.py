"""Debian's stock arm64 Linux as a guest of elvisor, reaching its busybox shell."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD

IMG = os.path.join(BUILD, "tests/configs/linux.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def wait_shell(q, vm, timeout=300):
    """Waits for the VM's shell to print its banner: input typed before that is flushed."""
    q.expect(r"\[%s\] Enter 'help' for a list of built-in commands" % vm, timeout=timeout)


def sh(q, vm, command, timeout=60):
    """Runs command in the VM's shell and returns its output (its own lines between markers).
    busybox's line editor asks the terminal for the cursor position (ESC[6n) after each prompt
    and reads the answer from the input, so a command typed at that moment can be eaten: the
    command is typed again if its start marker does not come back. Before that, an empty line:
    a guest that was only slow to start the command (a loaded host) then runs it once, where
    typing it again would have run it twice (a command with effects, such as shmem-ping, then
    fails the second time)."""
    pattern = r"\[%s\] :BEGIN2:\r*\n(.*?)\[%s\] :END2:" % (vm, vm)
    begin = r"\[%s\] :BEGIN2:" % vm
    for attempt in range(4):
        q.send("echo :BEGIN$((1+1)):; %s; echo :END$((1+1)):\r" % command)
        try:
            q.expect(begin, timeout=15 if attempt < 3 else timeout)
            break
        except AssertionError:
            if attempt == 3:
                raise
        q.send("\r")
        try:
            q.expect(begin, timeout=15)
            break
        except AssertionError:
            pass
    m = q.expect(r"(.*?)\[%s\] :END2:" % vm, timeout=timeout)
    # Other VMs' consoles interleave whole lines of their own ("[linux2] guest# "): not ours.
    own = re.sub(r"(?m)^\[(?!%s\])[\w.-]+\] [^\n]*\n?" % re.escape(vm), "", m.group(1))
    return re.sub(r"^\[%s\] ?" % vm, "", own, flags=re.M)


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_linux_vm_boots_to_shell(gic, cpu):
    with Qemu("linux-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=IMG) as q:
        q.expect(r"\[linux\] .*Booting Linux on physical CPU", timeout=120)
        q.expect(r"\[linux\] elvisor-guest: init started on 2 CPUs", timeout=300)
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=60)
        wait_shell(q, "linux")
        out = sh(q, "linux", "grep -c ^processor /proc/cpuinfo")
        assert out.strip().splitlines()[-1].strip() == "2", out
        dmesg = sh(q, "linux", "dmesg")
        assert "Root IRQ handler: gic_handle_irq" in dmesg
        if gic == 3:
            assert "GICv3: CPU1: found redistributor 1" in dmesg
        assert re.search(r"arch_timer: cp15 timer\(s\) running at \d+\.\d+MHz \(virt\)", dmesg)
        assert re.search(r"9000000\.pl011: ttyAMA0 at MMIO 0x9000000 \(irq = \d+", dmesg)
        assert "smp: Brought up 1 node, 2 CPUs" in dmesg
        # The guest's PMU (vdev/vpmu.c): Linux's PMUv3 driver probes it from the device tree.
        assert re.search(r"hw perfevents: enabled with armv8_pmuv3\w* PMU driver, \d+ counters available", dmesg)
        # Pointer authentication (vdev/vpauth.c): advertised on max and used by the kernel;
        # cortex-a72 has none.
        features = sh(q, "linux", "grep -m1 ^Features /proc/cpuinfo").split()
        # SVE and SVE2 (vdev/vsve.c) on max, at the VM's vector length; none on cortex-a72.
        if cpu == "max":
            assert "paca" in features and "pacg" in features, features
            assert "CPU features: detected: Address authentication" in dmesg
            assert "sve" in features and "sve2" in features, features
            assert re.search(r"SVE: maximum available vector length \d+ bytes per vector", dmesg)
        else:
            assert "paca" not in features and "pacg" not in features, features
            assert "sve" not in features, features
        bad = [l for l in dmesg.splitlines()
               if re.search(r"\b(WARNING|BUG|Oops|Call trace|error|failed)\b", l, re.I)
               and "PCIe" not in l]
        assert not bad, "\n".join(bad)
        out = q.output()
        assert "HYPERVISOR CRASH" not in out


def test_linux_probes_the_its():
    """Linux's GICv3 ITS driver on the VM's virtual ITS (tests/configs/linux-its.dts, vdev/vits.c):
    it sizes the device and collection tables, takes LPIs on both CPUs and runs its commands
    (MAPC and SYNC per CPU, INVALL) with no error, the hypervisor ignoring none of them."""
    img = os.path.join(BUILD, "tests/configs/linux-its.img")
    with Qemu("linux-its", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=300)
        wait_shell(q, "linux")
        dmesg = sh(q, "linux", "dmesg")
        assert "ITS [mem 0x08080000-0x0809ffff]" in dmesg, dmesg
        assert re.search(r"ITS@0x0000000008080000: allocated \d+ Devices @\w+ \(flat", dmesg)
        assert re.search(r"ITS@0x0000000008080000: allocated \d+ Interrupt Collections @\w+ \(flat", dmesg)
        assert "ITS: Using hypervisor restricted LPI range [1024]" in dmesg
        assert re.search(r"GICv3: CPU0: using allocated LPI pending table", dmesg)
        assert re.search(r"GICv3: CPU1: using allocated LPI pending table", dmesg)
        assert "PCI/MSI: /intc@8000000/msi-controller@8080000 domain created" in dmesg
        bad = [l for l in dmesg.splitlines()
               if re.search(r"\b(ITS|LPI|GIC|MSI)\b", l) and re.search(r"\b(error|fail|timeout|unable|WARN)", l, re.I)]
        assert not bad, "\n".join(bad)
        assert "smp: Brought up 1 node, 2 CPUs" in dmesg
        out = q.output()
        assert "vITS:" not in out
        assert "HYPERVISOR CRASH" not in out


def focus_next(q, vm):
    q.send("\x01\x01\x01")
    q.wait_for(r"input now goes to VM '%s'" % vm)


def focus_to(q, vm):
    """Moves the console's input focus (Ctrl-a three times) until it reaches vm."""
    for _ in range(8):
        q.send("\x01\x01\x01")
        if q.expect(r"input now goes to VM '([^']+)'", timeout=10).group(1) == vm:
            return
    raise AssertionError("input focus never reached VM '%s'" % vm)


def test_linux_perf_counts():
    """Linux counts cycles and instructions with perf_event_open (tools/perfcount.c, in the
    initramfs) on the guest's PMU. Under -icount, the only mode in which QEMU counts
    instructions: the loop alone is 30 million of them."""
    with Qemu("linux-perf", machine_args(gic=3, cpu="max", smp=4, icount=True), kernel=IMG) as q:
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=600)
        wait_shell(q, "linux")
        out = sh(q, "linux", "perfcount", timeout=120)
        m = re.search(r"elvisor-guest: perf cycles (\d+) instructions (\d+)", out)
        assert m, out
        cycles, instructions = int(m.group(1)), int(m.group(2))
        print("perfcount: %d cycles, %d instructions" % (cycles, instructions))
        assert cycles > 0
        assert 30000000 <= instructions < 40000000
        assert "HYPERVISOR CRASH" not in q.output()


def test_linux_mte():
    """Memory tagging from Linux user space on a machine with tag storage (QEMU virt,mte=on):
    the kernel finds MTE, and tools/mtecheck.c (in the initramfs) maps a PROT_MTE page, keeps a
    tag on a granule and gets SIGSEGV with SEGV_MTESERR through a pointer with another tag."""
    with Qemu("linux-mte", machine_args(gic=3, cpu="max", smp=4, mte=True), kernel=IMG) as q:
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=600)
        wait_shell(q, "linux")
        assert sh(q, "linux", "grep -c ' mte' /proc/cpuinfo").split()[-1] != "0"
        out = sh(q, "linux", "mtecheck", timeout=60)
        assert "elvisor-guest: mte tagged granule kept tag 5" in out, out
        assert "elvisor-guest: mte tag check fault si_code 9" in out, out
        assert "HYPERVISOR CRASH" not in q.output()


def test_two_linux_vms():
    img = os.path.join(BUILD, "tests/configs/linux2.img")
    with Qemu("linux-two-vms", machine_args(gic=3, smp=4), kernel=img) as q:
        q.wait_for(r"\[alpha\] Enter 'help' for a list", timeout=300)
        q.wait_for(r"\[beta\] Enter 'help' for a list", timeout=300)
        assert sh(q, "alpha", "grep -c ^processor /proc/cpuinfo").split()[-1] == "2"
        focus_next(q, "beta")
        assert sh(q, "beta", "grep -c ^processor /proc/cpuinfo").split()[-1] == "1"
        focus_next(q, "alpha")
        assert sh(q, "alpha", "echo alive-$((6*7))").split()[-1] == "alive-42"
        assert "HYPERVISOR CRASH" not in q.output()


def test_reboot_of_one_linux_vm_leaves_the_other_responsive():
    img = os.path.join(BUILD, "tests/configs/linux2.img")
    with Qemu("linux-reboot-one", machine_args(gic=3, smp=4), kernel=img) as q:
        q.wait_for(r"\[alpha\] Enter 'help' for a list", timeout=300)
        q.wait_for(r"\[beta\] Enter 'help' for a list", timeout=300)
        focus_next(q, "beta")
        sh(q, "beta", "echo ready")
        q.send("reboot -f\r")
        q.wait_for(r"VM 'beta' restarting: guest called PSCI SYSTEM_RESET")
        focus_next(q, "alpha")
        assert sh(q, "alpha", "echo alive-$((6*7))").split()[-1] == "alive-42"
        q.wait_for(r"(?s)VM 'beta' restarted.*\[beta\] Enter 'help' for a list", timeout=300)
        focus_next(q, "beta")
        assert sh(q, "beta", "cat /proc/uptime").split()[0]
        assert "HYPERVISOR CRASH" not in q.output()


def test_time_shared_linux_boots():
    img = os.path.join(BUILD, "tests/configs/timeshare.img")
    with Qemu("linux-timeshare", machine_args(gic=3, smp=3), kernel=img) as q:
        q.wait_for(r"\[linux\] elvisor-guest: init started on 4 CPUs", timeout=400)
        q.wait_for(r"\[linux\] Enter 'help' for a list", timeout=120)
        q.wait_for(r"\[victim\] GUEST DONE: 0 failure")
        assert sh(q, "linux", "grep -c ^processor /proc/cpuinfo").split()[-1] == "4"


def test_default_configuration_runs_all_three_vms():
    """What `make run` boots: two Linux VMs joined by virtio-net, linux1 with its virtio disk,
    and the bare-metal echo VM."""
    img = os.path.join(BUILD, "configs/default.img")
    with Qemu("default-config", machine_args(gic=3, smp=4), kernel=img) as q:
        q.wait_for(r"\[echo\] echo: ready", timeout=120)
        q.wait_for(r"\[linux1\] Enter 'help' for a list", timeout=300)
        q.wait_for(r"\[linux2\] Enter 'help' for a list", timeout=300)
        assert sh(q, "linux1", "grep -c ^processor /proc/cpuinfo").split()[-1] == "2"
        assert sh(q, "linux1", "cat /sys/block/vda/size").split()[-1] == str(16 << 11)
        sh(q, "linux1", "ip addr add 10.0.0.1/24 dev eth0; ip link set eth0 up")
        focus_next(q, "linux2")
        sh(q, "linux2", "ip addr add 10.0.0.2/24 dev eth0; ip link set eth0 up")
        out = sh(q, "linux2", "ping -c 2 -W 5 10.0.0.1", timeout=60)
        assert "2 packets transmitted, 2 packets received" in out, out
        focus_next(q, "echo")
        q.send("ping\r")
        q.wait_for(r"\[echo\] echo: ping")
