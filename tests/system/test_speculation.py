"""Spectre-v2 / Spectre-BHB / Spectre-v4 at the EL2 boundary (issue 13 item 1): each CPU
chooses its mitigation at boot from its MIDR, its ID registers and the firmware (QEMU's PSCI has
no SMCCC 1.1, so no firmware workaround) and the banner says it per CPU."""
import pytest

from qemu import Qemu, machine_args, BUILD

# What each CPU model must choose: (Spectre-v2, Spectre-BHB, Spectre-v4).
EXPECTED = {
    # FEAT_CSV2_3: nothing at the exits; an unlisted core without firmware
    # WORKAROUND_2 is reported vulnerable to v4 (guests use SSBS themselves).
    "max": ("not affected (CSV2)", "not affected (CSV2_3)", "vulnerable (no firmware WORKAROUND_2)"),
    # Arm's table: 8 iterations of the branch history loop; no firmware for v2 and v4.
    "cortex-a72": ("vulnerable (no firmware WORKAROUND_1)", "history loop x8 at each exit",
                   "vulnerable (no firmware WORKAROUND_2)"),
    "cortex-a57": ("vulnerable (no firmware WORKAROUND_1)", "history loop x8 at each exit",
                   "vulnerable (no firmware WORKAROUND_2)"),
    # Not affected by any of the three.
    "cortex-a53": ("not affected (core)", "not affected (core)", "not affected (core)"),
}


@pytest.mark.parametrize("cpu", sorted(EXPECTED))
def test_each_cpu_prints_its_choice_and_guests_run(cpu):
    img = "%s/tests/configs/hiddenregs.img" % BUILD
    v2, bhb, v4 = EXPECTED[cpu]
    line = "Spectre-v2 %s, Spectre-BHB %s, Spectre-v4 %s" % (v2, bhb, v4)
    with Qemu("speculation-%s" % cpu, machine_args(gic=3, cpu=cpu, smp=2), kernel=img) as q:
        # pexpect compiles with DOTALL: a trailing ".*" would swallow every later line already
        # read (the CPU1 line below) whenever the whole boot arrives in one read.
        q.expect(r"speculation, CPU0: [^\r\n]*", timeout=60)
        q.expect(r"CPU1 \(MPIDR 0x[0-9a-f]+\) online; speculation: ", timeout=60)
        # The guest runs on CPU1 with the mitigation in its exit path: every exit passes it.
        m = q.wait_for(r"\[hiddenregs\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0
        cpu0 = [l for l in out.splitlines() if "speculation, CPU0:" in l][0]
        cpu1 = [l for l in out.splitlines() if "CPU1 (MPIDR" in l and "speculation:" in l][0]
        assert line in cpu0, cpu0
        assert line in cpu1, cpu1
