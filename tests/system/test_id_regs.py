"""The ID registers a guest reads match what it gets (issue 14): tests/guests/idregs.c reads the
whole ID space and, for each CPU feature, checks that it works where advertised and is UNDEFINED
(debug: RAZ/WI) where hidden, in a VM with every feature offered and one with `cpu-features`
turning all of them off, on -cpu max (with and without MTE's tag storage) and cortex-a72."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD

# (GIC, CPU, mte=on), and what the VM with every feature offered must report as offered there.
MACHINES = [
    (3, "max", False, {"sve", "sve_zcr", "pauth_keys", "pauth_pacga", "pmu", "debug", "rndr"}),
    (3, "max", True, {"sve", "pauth_keys", "pmu", "mte_gcr", "debug"}),
    (2, "cortex-a72", False, {"pmu", "debug"}),
]
HIDDEN_WHEN_OFF = {"sve", "sve_zcr", "pauth_keys", "pauth_pacga", "pmu", "mte_gcr", "debug", "sme_smcr"}


def offered(out, vm):
    return {m.group(1) for m in re.finditer(r"\[%s\] IDREGS (\w+) offered" % vm, out)}


def hidden(out, vm):
    return {m.group(1) for m in re.finditer(r"\[%s\] IDREGS (\w+) hidden" % vm, out)}


@pytest.mark.parametrize("gic,cpu,mte,expected", MACHINES)
def test_id_registers_match_what_the_guest_gets(gic, cpu, mte, expected):
    img = "%s/tests/configs/idregs.img" % BUILD
    name = "idregs-gic%d-%s%s" % (gic, cpu, "-mte" if mte else "")
    with Qemu(name, machine_args(gic=gic, cpu=cpu, smp=2, mte=mte), kernel=img) as q:
        for vm in ("ids-on", "ids-off"):
            m = q.wait_for(r"\[%s\] GUEST DONE: (\d+) failure" % vm, timeout=120)
            assert int(m.group(1)) == 0, "\n".join(l for l in q.output().splitlines() if "FAIL" in l)
        out = q.output()
    for check in ("id_space_readable", "id_space_stable", "id_other_readable", "id_write_undefined",
                  "sme_hidden", "mte_not_half", "el2_el3_hidden", "debug_regs_exist"):
        for vm in ("ids-on", "ids-off"):
            assert "[%s] TEST %s: PASS" % (vm, check) in out, (vm, check)
    got = offered(out, "ids-on")
    assert expected <= got, "not offered on %s: %s" % (cpu, sorted(expected - got))
    assert "[ids-on] TEST debug_regs_kept: PASS" in out
    assert "[ids-off] TEST debug_off_raz_wi: PASS" in out
    assert HIDDEN_WHEN_OFF <= hidden(out, "ids-off"), sorted(HIDDEN_WHEN_OFF - hidden(out, "ids-off"))
    if cpu == "max":
        assert "[ids-on] TEST lse_atomics: PASS" in out and "[ids-on] TEST pmu_counts: PASS" in out
