"""The virtual GICv3 ITS and LPIs (vdev/vits.c, vdev/vgic_lpi.c, docs/interrupts.md):
tests/guests/its.c in tests/configs/its.dts. 'its' sets up the LPI tables and its ITS as an OS
does, raises LPIs with INT and through GITS_TRANSLATER, changes priority and enable in the
configuration table (INV, INVALL), moves LPIs between vCPUs and to an offline one, then points
its tables, ITTs and command queue outside its RAM and sends every kind of bad command: each
must be ignored or stall the ITS as the architecture says, and the ITS must work afterwards.
'its-peer' raises LPIs through its own ITS all the while and must get each exactly once. The
same configuration on a GICv2 machine refuses both VMs with one line each."""
import re

from qemu import Qemu, machine_args, BUILD

CHECKS = {
    "its": [
        "its_dt_node", "gicd_typer_lpis", "gicr_typer_plpis", "gits_typer", "gits_baser_types", "its_enabled",
        "lpi_pending_table_read_at_enable", "gicr_enable_lpis", "its_commands_consumed",
        "lpi_int_delivered", "lpi_translater_delivered", "lpi_each_write_once", "lpi_mapi_delivered",
        "lpi_nothing_else", "lpi_priority_order", "lpi_pmr_masks", "lpi_disabled_by_table",
        "lpi_enable_takes_effect_at_inv", "lpi_invall_rereads_table", "lpi_clear_withdraws",
        "lpi_discard_unmaps", "lpi_remap_after_discard", "vcpu1_started", "lpi_movi_to_vcpu1",
        "lpi_movall_to_vcpu0", "lpi_to_offline_vcpu_kept",
        "its_bad_commands_ignored", "its_works_after_bad_commands", "its_itt_outside_ram_refused",
        "its_tables_outside_ram_refused", "its_tables_restored", "its_queue_outside_ram_stalls",
        "its_queue_past_ram_end_stalls", "its_cwriter_beyond_queue_stalls", "its_retry_after_stall",
        "gicr_bad_tables_no_crash", "lpi_bad_prop_table_reads_disabled", "gicr_propbaser_locked",
        "no_stray_interrupts",
    ],
    "its-peer": [
        "its_dt_node", "gicd_typer_lpis", "gits_typer", "its_enabled", "lpi_pending_table_read_at_enable",
        "peer_lpis_exactly_once",
    ],
}


def stream(out, vm):
    """What vm printed, pieces of lines the console split (a VM without the focus) joined."""
    prefix = "[%s] " % vm
    return "".join(l[len(prefix):] for l in out.splitlines() if l.startswith(prefix))


def test_its():
    with Qemu("its-gic3", machine_args(gic=3, cpu="max", smp=4), kernel="%s/tests/configs/its.img" % BUILD) as q:
        for vm in CHECKS:
            q.wait_for(r"elvisor: VM '%s' stopped" % re.escape(vm), timeout=180)
        out = q.output()
        assert "HYPERVISOR CRASH" not in out
        for vm, checks in CHECKS.items():
            s = stream(out, vm)
            assert "GUEST DONE: 0 failure" in s, (vm, s[-3000:])
            assert "FAIL" not in s, (vm, s)
            for c in checks:
                assert "TEST %s: PASS" % c in s, (vm, c)
        # The hostile VM's bad commands are logged under its name (10 lines a second at most,
        # docs/debugging.md), the peer's never.
        assert re.search(r"VM 'its' vITS: command 0x0a at 0x\w+ ignored: pINTID not an LPI of the VM", out)
        assert "VM 'its-peer' vITS" not in out
        m = re.search(r"\[its-peer\] its: peer raised (\d+) LPIs", out)
        assert m and int(m.group(1)) > 0
        print(m.group(0))


def test_its_needs_gicv3():
    with Qemu("its-gic2", machine_args(gic=2, cpu="cortex-a72", smp=4),
              kernel="%s/tests/configs/its.img" % BUILD) as q:
        for vm in CHECKS:
            q.expect(r"VM '%s' refused: devices: arm,gic-v3-its needs a GICv3 machine" % re.escape(vm), timeout=60)
        out = q.output()
        assert "HYPERVISOR CRASH" not in out
