"""The guest's SVE and SVE2 (vdev/vsve.c): tests/guests/sve.c in tests/configs/sve.dts on
-cpu max (SVE, SVE2 and SME present; QEMU's default lengths up to 2048 bits): 'sve-a' and 'sve-b'
time-share one CPU and each keeps its own Z/P/FFR pattern and ZCR_EL1 across being descheduled;
'sve-cap' (sve-max-vl = <256>) sees 256 bits; 'sve-off' (cpu-features = "no-sve") reads SVE
hidden and gets UNDEFINED. On -cpu cortex-a72 (no SVE) every VM reads it hidden and UNDEFINED.
SME is hidden and UNDEFINED in every VM."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD

VMS = ["sve-a", "sve-b", "sve-cap", "sve-off"]
SME = ["sme_hidden", "sme_smcr_undefined", "sme_smcr_write_undefined", "sme_smpri_undefined",
       "sme_smstart_undefined"]
USED = ["sve_advertised", "sve_usable", "sve_zcr_readback", "sve_zcr_shortens", "sve2_eor3",
        "sve_patterns_kept", "sve_zcr_kept"]


def stream(out, vm):
    """What vm printed, the pieces of its lines joined (see test_pmu.py)."""
    prefix = "[%s] " % vm
    return "".join(l[len(prefix):] for l in out.splitlines() if l.startswith(prefix))


def passed(out, vm, checks):
    s = stream(out, vm)
    return [c for c in checks if "TEST %s: PASS" % c in s]


def run(name, cpu):
    with Qemu(name, machine_args(gic=3, cpu=cpu, smp=4), kernel="%s/tests/configs/sve.img" % BUILD) as q:
        for vm in VMS:
            q.wait_for(r"elvisor: VM '%s' stopped" % re.escape(vm), timeout=300)
        out = q.output()
    for vm in VMS:
        s = stream(out, vm)
        assert re.search(r"GUEST DONE: 0 failure", s), (vm, s[-2000:])
        assert "FAIL" not in s and "UNEXPECTED" not in s, (vm, s)
        assert passed(out, vm, SME) == SME, vm
    assert "HYPERVISOR CRASH" not in out
    for line in out.splitlines():
        if "] sve: " in line:
            print(line)
    return out


def vl_bits(out, vm):
    m = re.search(r"sve: vector length (\d+) bits", stream(out, vm))
    return int(m.group(1))


def test_sve_max():
    out = run("sve-max", "max")
    for vm in ["sve-a", "sve-b", "sve-cap"]:
        assert passed(out, vm, USED) == USED, vm
    for vm in ["sve-a", "sve-b"]:
        assert passed(out, vm, ["sve_descheduled"]) == ["sve_descheduled"], vm
    assert passed(out, "sve-cap", ["sve_vl_capped"]) == ["sve_vl_capped"]
    assert vl_bits(out, "sve-cap") == 256
    # Uncapped: the longest QEMU's max CPU has, longer than the cap.
    assert vl_bits(out, "sve-a") == vl_bits(out, "sve-b") > 256
    assert passed(out, "sve-off", ["sve_off_ids", "sve_off_undefined"]) == ["sve_off_ids", "sve_off_undefined"]


def test_sve_absent():
    out = run("sve-a72", "cortex-a72")
    for vm in ["sve-a", "sve-b", "sve-cap"]:
        assert passed(out, vm, ["sve_absent_ids", "sve_absent_undefined"]) == ["sve_absent_ids",
                                                                              "sve_absent_undefined"], vm
    assert passed(out, "sve-off", ["sve_off_ids", "sve_off_undefined"]) == ["sve_off_ids", "sve_off_undefined"]
