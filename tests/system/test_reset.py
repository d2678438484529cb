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
