"""Memory tagging in guests (vdev/vmte.c): tests/guests/mte.c in tests/configs/mte.dts. On a
machine with tag storage (QEMU virt,mte=on, -cpu max) 'mte-a' and 'mte-b' time-share CPU 1:
each finds its RAM's tags zero, sets and reads back a tag, takes a synchronous tag check fault
through a mismatched pointer, and keeps its own GCR_EL1 (IRG) and TFSR_EL1 for 3 s without one
wrong value and without a trap; 'mte-off' (cpu-features = "no-mte") sees MTE hidden and its
registers (GCR_EL1, TFSR_EL1, GMID_EL1) UNDEFINED; 'mte-reset' tags every granule of a page
and resets itself, and at each boot finds the tags cleared. Without tag storage (mte=off: the CPU reports FEAT_MTE without tags) and
on cortex-a72 every VM sees it hidden."""
import pytest

from qemu import Qemu, machine_args, guest_checks_pass, BUILD

ON = ["advertised", "tags_start_zero", "stg_ldg", "matching_pointer_loads", "tag_check_fault", "soak_regs_kept",
      "untrapped"]
OFF = ["off_hidden", "off_regs_undefined"]


@pytest.mark.parametrize("cpu,mte", [("max", True), ("max", False), ("cortex-a72", False)],
                         ids=["max-mte", "max-notags", "cortex-a72"])
def test_mte(cpu, mte):
    checks = {"mte-a": ON if mte else OFF, "mte-b": ON if mte else OFF, "mte-off": OFF}
    if not mte:
        checks["mte-reset"] = OFF
    img = "%s/tests/configs/mte.img" % BUILD
    with Qemu("mte-%s-%s" % (cpu, mte), machine_args(gic=3, cpu=cpu, smp=3, mte=mte), kernel=img) as q:
        out = guest_checks_pass(q, checks)
        if mte:
            # Three boots of 'mte-reset', each finding the tags it set before its reset cleared.
            q.wait_for(r"(\[mte-reset\] TEST reset_tags_zero: PASS[\s\S]*){3}", timeout=120)
            out = q.output()
            assert "[mte-reset] mte: 256 granules tagged, resetting" in out
            assert "reset_tags_zero: FAIL" not in out and "reset_returned" not in out
        # GMID_EL1 traps (HCR_EL2.TID5) only where the CPU has tag storage; without FEAT_MTE2 at
        # all (cortex-a72) it does not exist. On -cpu max without tags QEMU lets it be read.
        for vm in checks:
            if (mte and vm == "mte-off") or cpu == "cortex-a72":
                assert "[%s] mte: GMID_EL1 undefined" % vm in out, vm
        for line in out.splitlines():
            if "mte:" in line:
                print(line)
