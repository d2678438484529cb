"""Interrupt and timer virtualization (tests/configs/irq.dts, docs/interrupts.md) on GICv2 and
GICv3: the vGIC seen by a 2-vCPU guest, a passthrough level-triggered SPI, and a third VM that
tries to reach the others' interrupts."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD

MACHINES = [(3, "max"), (2, "cortex-a72")]
VMS = ["irq-gic", "irq-pt", "irq-other"]
# Every check each guest makes; a missing one means a guest stopped early.
CHECKS = {
    "irq-gic": [
        "gicd_typer_itlines", "gicd_iidr_implementer", "gicd_pidr2_archrev", "gicd_out_of_range_raz",
        "cpu_on", "sgi_to_self", "sgi_between_vcpus", "sgi_all_but_self", "sgi_to_absent_vcpus_dropped",
        "pmr_masks_lower_priority", "pmr_unmask_delivers", "rpr_in_handler", "rpr_idle",
        "preemption_by_priority", "rpr_nested", "pending_32_all_delivered", "pending_32_priority_order",
        "pending_32_refilled_on_underflow",
        "eoimode0_eoi_deactivates", "eoimode1_eoi_drops_priority", "eoimode1_active_blocks",
        "eoimode1_dir_deactivates", "eoimode1_dir_clears_active", "level_line_reasserts_until_cleared",
        "vtimer_running_on_time", "vtimer_wfi_on_time", "vtimer_imask_holds",
        "vtimer_unmask_delivers", "vtimer_stopped_is_withdrawn", "el1_phys_timer_accessible",
        "cntfrq_visible", "vline_virtual_irq", "vline_virtual_fiq", "vline_virtual_serror",
        "vline_serror_one_shot", "no_sgi_from_other_vm",
    ],
    "irq-pt": ["pt_spi_level", "pt_level_spi_until_cleared", "pt_device_raised_it", "pt_untouched_by_other_vm"],
    "irq-other": ["other_own_sgi", "other_sgi_spray_goes_nowhere", "other_spi_stays_virtual",
                  "other_no_foreign_sgi"],
}
VERSION_CHECKS = {
    3: ["gicd_typer_idbits_nolpis", "gicd_ctlr_are_ds", "gicr_typer_pidr2"],
    2: ["gicd_typer_cpunumber", "gicd_itargetsr_banked", "sgi_source_cpuid"],
}


@pytest.mark.parametrize("gic,cpu", MACHINES)
def test_irq(gic, cpu):
    img = "%s/tests/configs/irq.img" % BUILD
    # UART1 (the passthrough device) exists only with a second serial port.
    args = machine_args(gic=gic, cpu=cpu, smp=4) + ["-serial", "null"]
    with Qemu("irq-gic%d-%s" % (gic, cpu), args, kernel=img) as q:
        pending = set(VMS)
        while pending:
            m = q.expect(r"\[([\w-]+)\] GUEST DONE: (\d+) failure", timeout=120)
            vm, failures = m.group(1), int(m.group(2))
            assert failures == 0, "VM %s reported failures:\n%s" % (
                vm, "\n".join(l for l in q.output().splitlines() if "FAIL" in l))
            pending.discard(vm)
        out = q.output()
        assert "HYPERVISOR CRASH" not in out
        assert ": FAIL" not in out
        for vm, checks in CHECKS.items():
            for c in checks + (VERSION_CHECKS[gic] if vm == "irq-gic" else []):
                assert "[%s] TEST %s: PASS" % (vm, c) in out, (vm, c)
        assert "[irq-gic] irq: GICv%d" % gic in out
        assert re.search(r"VM 'irq-bad-spi' refused: interrupts: SPI 300 is not available", out)
        assert re.search(r"VM 'irq-taken-spi' refused: interrupts: SPI 40 is not available", out)
        # The measured timer latencies, for the log (the guest enforces the stated slack).
        for line in re.findall(r"\[irq-gic\] irq: virtual timer.*", out):
            print(line)
