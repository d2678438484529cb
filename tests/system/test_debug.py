"""Self-hosted debug in guests (vdev/vdebug_regs.c, docs/debugging.md): tests/guests/debug.c in
tests/configs/debug.dts. Two 2-vCPU VMs time-share CPUs 1 and 2 and each takes hardware
breakpoints, watchpoints and software steps at EL1 and EL0 in its own EL1, with the OS lock
honoured, then keeps its debug registers and working breakpoints across thousands of vCPU
switches; a third VM, configured with cpu-features = "no-debug", sees the minimum and nothing
fires."""
import pytest

from qemu import Qemu, machine_args, guest_checks_pass, BUILD

MACHINES = [(3, "max"), (2, "cortex-a72")]
PER_VCPU = ["oslock_locked_at_reset", "oslock_blocks_breakpoint", "breakpoint_el1", "watchpoint_el1",
            "single_step_el1", "registers_untrapped_after_use", "breakpoint_el0", "watchpoint_el0",
            "single_step_el0"]
ON = PER_VCPU + ["cpu1_started"] + ["cpu1_" + c for c in PER_VCPU] + ["switched_state_kept",
                                                                      "cpu1_switched_state_kept"]
CHECKS = {
    "debug": ON,
    "debug-b": ON,
    "debug-off": ["off_minimum_advertised", "off_nothing_fires", "off_registers_raz", "off_mdscr_no_enables"],
}


@pytest.mark.parametrize("gic,cpu", MACHINES)
def test_debug(gic, cpu):
    img = "%s/tests/configs/debug.img" % BUILD
    with Qemu("debug-gic%d-%s" % (gic, cpu), machine_args(gic=gic, cpu=cpu, smp=4), kernel=img) as q:
        out = guest_checks_pass(q, CHECKS)
        for line in out.splitlines():
            if "debug:" in line:
                print(line)
