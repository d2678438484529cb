"""Registers no VM may reach or share (issue 13 item 13): RAS error records UNDEFINED and
trapped, LORegion registers emulated RAZ/WI (where the CPU has them) and trapped; what is not
provided is not advertised (MOPS, WFxT, AArch32 and its ID registers)."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD


@pytest.mark.parametrize("cpu", ["max", "cortex-a72"])
def test_error_records_and_loregions_are_the_hypervisors(cpu):
    img = "%s/tests/configs/hiddenregs.img" % BUILD
    with Qemu("hiddenregs-%s" % cpu, machine_args(gic=3, cpu=cpu, smp=2), kernel=img) as q:
        m = q.wait_for(r"\[hiddenregs\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0, "\n".join(l for l in out.splitlines() if "FAIL" in l)
        for name in ("ras_hidden", "erridr_undefined", "errselr_undefined", "errselr_write_undefined",
                     "erxfr_undefined", "lor_trapped", "aarch64_only", "wfxt_hidden",
                     "aarch32_ids_zero"):
            assert "TEST %s: PASS" % name in out, name
        if cpu == "max":  # QEMU's max CPU has FEAT_LOR and FEAT_RAS
            assert "LO = 1" in out and "TEST lor_raz_wi: PASS" in out
            assert not re.search(r"\b0 of 4 error record accesses trapped", out)
