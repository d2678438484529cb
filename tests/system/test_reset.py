"""VM resets on shared CPUs (issue 13): what one VM's reset must not leave to itself or do to
another VM."""
import re

from qemu import Qemu, machine_args, BUILD


def test_fp_registers_are_zero_after_a_reset_on_a_shared_cpu():
    """Item 9: two VMs on one CPU fill q0-q31, FPCR and FPSR and reset themselves; each boot
    reads them first thing: all zero, never the values from before the reset."""
    img = "%s/tests/configs/fpreset.img" % BUILD
    with Qemu("fpreset", machine_args(gic=3, smp=4), kernel=img) as q:
        for vm in ("fp1", "fp2"):
            q.wait_for(r"(\[%s\] TEST fp_zero_after_reset: PASS[\s\S]*){6}" % vm, timeout=120)
        out = q.output()
        assert len(re.findall(r"\[fp[12]\] TEST fp_zero_after_reset: PASS", out)) >= 10
        assert "fp_zero_after_reset: FAIL" not in out, "\n".join(
            l for l in out.splitlines() if "FAIL" in l)
        assert "HYPERVISOR CRASH" not in out


def test_a_vm_resetting_in_a_loop_does_not_delay_its_cpu_neighbour():
    """Item 5: 'resetter' (512 MiB of RAM) resets itself over and over on the CPU 'ticker'
    runs on; its RAM is zeroed 2 MiB per step between scheduling points, so the ticker is
    never kept from running longer than a 2 ms slice plus a step (235 ms before: the whole
    RAM in one go). Instruction-counted time (-icount), so host load does not count."""
    img = "%s/tests/configs/resetlat.img" % BUILD
    with Qemu("resetlat", machine_args(gic=3, smp=4, icount=True), kernel=img) as q:
        m = q.wait_for(r"\[ticker\] GUEST DONE: (\d+) failure", timeout=240)
        out = q.output()
        assert len(re.findall(r"VM 'resetter' restarted", out)) >= 3
        assert "TEST ticker_gap_bounded: PASS" in out, "\n".join(
            l for l in out.splitlines() if "ticker" in l)
        assert int(m.group(1)) == 0
        assert "HYPERVISOR CRASH" not in out
