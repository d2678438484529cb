"""Test guests under elvisor: each prints TEST lines and 'GUEST DONE: N failure(s)'."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD

MACHINES = [(3, "max"), (2, "cortex-a72")]


def run_vms(name, config, vms, gic, cpu, smp=4, timeout=120):
    """Boots build/tests/configs/<config>.img and waits until every VM in vms is done;
    returns the console output."""
    img = "%s/tests/configs/%s.img" % (BUILD, config)
    with Qemu(name, machine_args(gic=gic, cpu=cpu, smp=smp), kernel=img) as q:
        for vm in vms:
            m = q.wait_for(r"\[%s\] GUEST DONE: (\d+) failure" % re.escape(vm), timeout=timeout)
            assert int(m.group(1)) == 0, "VM %s reported failures:\n%s" % (
                vm, "\n".join(l for l in q.output().splitlines() if "FAIL" in l))
            q.wait_for(r"VM '%s' stopped: guest called PSCI SYSTEM_OFF" % re.escape(vm))
        out = q.output()
        assert "HYPERVISOR CRASH" not in out
        assert ": FAIL" not in out
        return out


@pytest.mark.parametrize("gic,cpu", MACHINES)
def test_basics(gic, cpu):
    out = run_vms("basics-gic%d-%s" % (gic, cpu), "basics", ["basics"], gic, cpu)
    # Every mechanism ran: the guest prints one PASS line per check.
    for check in ("smccc_version", "hvc_unknown_id", "smc_unknown_id", "pmcr_as_advertised", "id_pmu_as_dt", "id_sve_as_usable",
                  "mmio_8",
                  "mmio_16", "mmio_64", "mmio_signed_loads", "mmio_ldp_stp", "mmio_pre_index_store",
                  "mmio_post_index_load", "mmio_simd_q", "unmapped_ipa_read_aborts", "secondary_ran",
                  "cpu_off_seen", "wfi_returns", "set_way_emulated", "exit_counter_hvc"):
        assert "TEST %s: PASS" % check in out, check
    # FEAT_MOPS: QEMU's max has it (enabled by HCRX_EL2.MSCEn), cortex-a72 does not.
    mops = "mops_copy_and_set" if cpu == "max" else "mops_undefined_when_hidden"
    assert "TEST %s: PASS" % mops in out, mops
    assert "TEST id_pauth_consistent: PASS" in out
    # The hypervisor names the VM and the cause of each injected abort.
    assert re.search(r"VM 'basics' vCPU0: read of 4 bytes at IPA 0x20000000 .* external abort injected", out)


@pytest.mark.parametrize("gic,cpu", MACHINES)
def test_fp_shared_cpu(gic, cpu):
    """Two VMs on one CPU keep their own q0-q31, FPCR and FPSR across many switches; the lazy
    FP/SIMD switch (core/vcpu_fp.c) moves them at each VM's first FP/SIMD instruction after the
    other's use."""
    out = run_vms("fpshare-gic%d-%s" % (gic, cpu), "fpshare", ["fp-a", "fp-b"], gic, cpu)
    for vm in ("fp-a", "fp-b"):
        for check in ("fp_kept_across_switches", "fp_rounds_away", "fp_switched_at_first_use"):
            assert "[%s] TEST %s: PASS" % (vm, check) in out, (vm, check)


@pytest.mark.parametrize("gic,cpu", MACHINES)
def test_isolation(gic, cpu):
    out = run_vms("isolation-gic%d-%s" % (gic, cpu), "isolation", ["victim", "attacker"], gic, cpu)
    assert "TEST attacker_all_probes_aborted: PASS" in out
    assert "TEST victim_memory_intact: PASS" in out


def test_invalid_vms_are_refused_and_others_run():
    out = run_vms("invalid-configs", "invalid", ["good"], 3, "max")
    expected = {
        "overlap": r"devices: 0x40001000\+0x1000 overlaps memory|memory: .* overlaps devices",
        "too-big": r"memory: \d+ MiB requested, \d+ MiB free",
        "unknown-device": r"devices/rtc@9010000: unknown device \(compatible \"arm,pl031\"\)",
        "no-such-cpu": r"cpu-affinity: physical CPU 9 does not exist",
        "image-too-big": r"kernel: images need \d+ KiB but memory is 2048 KiB",
        "passthrough-ram": r"passthrough: 0x60000000\+0x1000 overlaps RAM",
        "gic-overlap": r"overlaps the virtual GIC",
    }
    for vm, why in expected.items():
        assert re.search(r"elvisor: VM '%s' refused: .*(%s)" % (re.escape(vm), why), out), vm
    assert "VM 'good': 1 vCPU(s)" in out


def test_reset_restarts_one_vm_from_clean_images():
    img = "%s/tests/configs/reset.img" % BUILD
    with Qemu("reset", machine_args(gic=3, smp=4), kernel=img) as q:
        for _ in range(3):
            q.expect(r"\[resetter\] TEST resetter_ram_clean: PASS")
            q.expect(r"VM 'resetter' restarting: guest called PSCI SYSTEM_RESET")
            q.expect(r"VM 'resetter' restarted")
        q.wait_for(r"\[victim\] GUEST DONE: 0 failure")
        assert "resetter_ram_clean: FAIL" not in q.output()
