"""The guest's EL1 physical timer (vdev/vptimer.c, docs/interrupts.md) on GICv3 and GICv2:
tests/guests/ptimer.c in tests/configs/ptimer.dts, once alone on its CPU (WFI not trapped) and
once on a CPU that two vCPUs share (descheduled in WFI and by time slicing), which then resets
its VM with both timers armed and must boot clean again."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD

MACHINES = [(3, "max"), (2, "cortex-a72")]
# Every check each VM makes; a missing one means the guest stopped early.
COMMON = [
    "ptimer_accessible", "ptimer_clean_at_boot", "ptimer_not_pending_at_boot",
    "ptimer_counters_consistent", "ptimer_cval_readback", "ptimer_ctl_readback",
    "ptimer_tval_write_sets_cval", "ptimer_tval_counts_down", "ptimer_no_istatus_before_deadline",
    "ptimer_istatus_after_deadline", "ptimer_tval_negative_after_deadline", "ptimer_negative_tval_due",
    "ptimer_istatus_needs_enable", "ptimer_running_on_time", "ptimer_wfi_on_time", "ptimer_wfi_polling_woken",
    "ptimer_pending_after_deadline", "ptimer_imask_withdraws", "ptimer_unmask_pends_again",
    "ptimer_disable_withdraws", "ptimer_later_cval_withdraws", "ptimer_later_tval_withdraws",
    "ptimer_withdrawn_not_taken", "ptimer_past_deadline_taken", "ptimer_no_other_interrupts",
]
CHECKS = {
    "ptimer": COMMON + ["ptimer_wfi_not_trapped_when_alone"],
    "ptimer-shared": COMMON + ["ptimer_vcpu1_clean_at_boot", "ptimer_wfi_trapped_when_shared",
                               "ptimer_descheduled_in_wfi", "ptimer_descheduled_on_time",
                               "ptimer_deadline_while_descheduled"],
}
BOOT_DONE = "[ptimer-shared] ptimer: boot done, resetting with both timers armed"
RESTARTED = "elvisor: VM 'ptimer-shared' restarted"


def passed(out, vm):
    return [c for c in CHECKS[vm] if "[%s] TEST %s: PASS" % (vm, c) in out]


@pytest.mark.parametrize("gic,cpu", MACHINES)
def test_ptimer(gic, cpu):
    img = "%s/tests/configs/ptimer.img" % BUILD
    with Qemu("ptimer-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=img) as q:
        q.wait_for(r"\[ptimer\] GUEST DONE: \d+ failure", timeout=120)
        # The shared VM resets itself at the end of each boot that passed (one that failed
        # returns, and says GUEST DONE); the boot after the first reset must pass everything
        # again (a timer armed before the reset left nothing behind).
        q.wait_for(r"(?s)\[ptimer-shared\] GUEST DONE|%s.*%s" % (re.escape(RESTARTED), re.escape(BOOT_DONE)),
                   timeout=120)
        out = q.output()
        fails = [l for l in out.splitlines()
                 if "FAIL" in l or "UNEXPECTED" in l or ("GUEST DONE" in l and "GUEST DONE: 0 " not in l)]
        assert not fails, "\n".join(fails)
        assert "HYPERVISOR CRASH" not in out
        first, second = out.split(RESTARTED, 1)
        assert BOOT_DONE in first
        assert passed(out, "ptimer") == CHECKS["ptimer"]
        assert passed(first, "ptimer-shared") == CHECKS["ptimer-shared"]
        assert passed(second, "ptimer-shared") == CHECKS["ptimer-shared"]
        assert "[ptimer] ptimer: GICv%d, alone on a CPU" % gic in out
        assert "[ptimer-shared] ptimer: GICv%d, two vCPUs sharing a CPU" % gic in out
        for line in out.splitlines():
            if "ptimer: interrupt" in line or "ptimer: deadline" in line:
                print(line)
