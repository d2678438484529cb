"""Pointer authentication in guests (vdev/vpauth.c): tests/guests/pauth.c in
tests/configs/pauth.dts. Two VMs time-share CPU 1 with their own five keys and sign and
authenticate in a loop for 3 s without one wrong result; the keys start at zero (never the
hypervisor's key A, which lives in the same register) and stop trapping after the first use; a
third VM, configured with cpu-features = "no-pauth", sees it hidden and UNDEFINED. On
cortex-a72 (no pointer authentication) every VM sees it hidden."""
import pytest

from qemu import Qemu, machine_args, guest_checks_pass, BUILD

ON = ["advertised", "keys_start_zero", "sign_authenticate", "signature_depends_on_key", "soak_keys_kept",
      "untrapped_after_first_use"]
OFF = ["off_hidden", "off_keys_undefined", "off_pacga_undefined"]


@pytest.mark.parametrize("cpu", ["max", "cortex-a72"])
def test_pauth(cpu):
    checks = {"pauth-a": ON if cpu == "max" else OFF, "pauth-b": ON if cpu == "max" else OFF, "pauth-off": OFF}
    img = "%s/tests/configs/pauth.img" % BUILD
    with Qemu("pauth-%s" % cpu, machine_args(gic=3, cpu=cpu, smp=3), kernel=img) as q:
        out = guest_checks_pass(q, checks)
        for line in out.splitlines():
            if "pauth:" in line:
                print(line)
