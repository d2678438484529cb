"""MSIs of an assigned PCI function through the host ITS (docs/pci.md "MSI", vdev/vpci_msi.c,
core/pci_msi.c): 'msi' owns QEMU's edu device behind the SMMU and has a virtual ITS; it finds its
DeviceID in its device tree's msi-map, maps two events to LPIs, programs edu's MSI capability
with its ITS's GITS_TRANSLATER and takes edu's raised interrupt and a DMA completion interrupt as
those LPIs, each exactly once. An unmapped EventID, one beyond the ITT, an address that is not
its ITS, MSI disabled, a DISCARDed event, and a vCPU's own store to the host doorbell raise
nothing. The same for MSI-X with an e1000e (00:02.0) whose "other" cause it raises through ICS:
its shadow table, Function Mask holding a message back, hostile entries; 'its-peer' raises LPIs through its own ITS all the while and gets each exactly once.
Without an ITS in the VM (tests/configs/dma.dts) the capability stays hidden (test_dma.py).

On gic-version=2 (test_msi_of_assigned_function_gicv2, tests/configs/msi-v2m.dts) the host's
GICv2m frame carries the messages (drivers/gicv2m.c): 'msi-v2m' aims edu's MSI and the e1000e's
MSI-X entries at its own GICv2m frame with SPIs of the frame's range and takes each as that SPI;
another address, an SPI outside the range, the host frame's page, and its vCPU's own stores of
every SPI number to that page raise nothing (tests/guests/msi_v2m.c). 'v2m-peer' is given a
second edu, which has no MSI since the host frame is 'msi-v2m''s, and its own frame still works.

Run on gic-version=3 (every message a host LPI the hypervisor takes and injects: one exit each)
and on gic-version=4, where QEMU's GICv4.0 injects them directly (docs/interrupts.md "GICv4
direct injection"): the same checks pass, the edu raises cost vCPU 0 no exit at all, and
vCPU 1, waiting in a trapped WFI on a CPU shared with 'sleeper', is woken by each vLPI's
doorbell (msi_wakes_vcpu_in_wfi)."""
import re

import pytest

from qemu import Qemu, machine_args, BUILD, guest_checks_pass

EDU = ["-device", "edu,addr=01.0,dma_mask=0xffffffffffffffff", "-device", "e1000e,addr=02.0,romfile="]

CHECKS = {
    "msi": [
        "msi_map_points_at_its", "msi_cap_shown", "its_mapped", "msi_shadow_reads_back", "msi_edu_raise_lpi",
        "msi_edu_dma_completion_lpi", "msi_every_raise_delivered", "msi_follows_movi_to_vcpu1", "msi_wakes_vcpu_in_wfi", "msi_unmapped_event_nothing", "msi_event_beyond_itt_nothing",
        "msi_address_not_its_nothing", "msi_bad_address_not_written", "msi_doorbell_page_address_nothing",
        "msi_disabled_nothing", "doorbell_cpu_write_nothing", "msi_after_discard_nothing", "msix_cap_shown", "its_nic_mapped",
        "msix_table_reads_back", "msix_function_mask_holds_then_sends", "msix_nic_lpi", "msix_address_not_its_nothing",
        "msix_bad_address_not_written", "msix_unmapped_event_nothing", "msix_masked_entry_nothing",
        "msix_disabled_nothing", "msix_writes_past_table_harmless", "msix_after_discard_nothing", "no_stray_interrupts",
    ],
    "its-peer": ["its_enabled", "peer_lpis_exactly_once"],
}


def smmu_args(gic=3, cpu="max"):
    args = machine_args(gic=gic, cpu=cpu, smp=4)
    i = args.index("-machine")
    args[i + 1] += ",iommu=smmuv3"
    return args + ["-global", "arm-smmuv3.stage=2"] + EDU


@pytest.mark.parametrize("gic", [3, 4])
def test_msi_of_assigned_function(gic):
    with Qemu("msi_assign_gic%d" % gic, smmu_args(gic), kernel="%s/tests/configs/msi-assign.img" % BUILD) as q:
        q.expect(r"host ITS at 0x[0-9a-f]+: .*probe LPI \d+ delivered", timeout=30)
        out = guest_checks_pass(q, CHECKS, timeout=120)
        assert "PANIC" not in out
        assert "has no MSI" not in out
        # The guest's bad messages are dropped quietly; the SMMU saw no fault of the function
        # (its MSI writes go through the doorbell page the hypervisor mapped).
        assert "DMA blocked" not in out, [l for l in out.splitlines() if "DMA blocked" in l][:3]
        m = re.search(r"\[its-peer\] its: peer raised (\d+) LPIs", out)
        assert m and int(m.group(1)) > 0
        print(re.search(r"msi: edu raise to LPI handler: .*", out).group(0))
        m = re.search(r"msi: exits during (\d+) edu raises: irq (\d+), all (\d+)", out)
        rounds, irq, every = (int(x) for x in m.groups())
        print(m.group(0))
        if gic == 4:
            assert irq == 0 and every == 0, m.group(0)  # direct injection: no exit at all
        else:
            assert irq >= rounds, m.group(0)  # emulated: the host LPI's exit, each time



V2M_CHECKS = {
    "msi-v2m": [
        "v2m_frame_in_dt", "msi_cap_shown", "msi_shadow_reads_back", "msi_v2m_edu_raise_spi", "msi_v2m_every_raise_once",
        "msi_v2m_last_spi_dma_completion", "msi_v2m_address_not_frame_nothing", "msi_v2m_bad_address_not_written",
        "msi_v2m_typer_address_nothing", "msi_v2m_spi_below_range_nothing", "msi_v2m_spi_above_range_nothing",
        "msi_v2m_host_page_address_nothing", "msi_v2m_disabled_nothing", "v2m_host_page_cpu_writes_nothing",
        "msix_v2m_cap_shown", "msix_v2m_spi", "msix_v2m_spi_out_of_range_nothing", "msix_v2m_address_not_frame_nothing",
        "msix_v2m_host_page_address_nothing", "msix_v2m_masked_entry_nothing", "no_stray_interrupts",
    ],
    "v2m-peer": ["v2m_in_dt", "v2m_typer", "v2m_first_spi", "v2m_last_spi", "v2m_again", "v2m_rejects"],
}


def test_msi_of_assigned_function_gicv2():
    args = smmu_args(gic=2, cpu="cortex-a72") + ["-device", "edu,addr=03.0,dma_mask=0xffffffffffffffff"]
    with Qemu("msi_assign_gic2", args, kernel="%s/tests/configs/msi-v2m.img" % BUILD) as q:
        q.expect(r"host GICv2m frame at 0x8020000: SPIs (\d+)\.\.(\d+) for assigned functions' MSIs", timeout=30)
        out = guest_checks_pass(q, V2M_CHECKS, timeout=180)
        assert "PANIC" not in out and "HYPERVISOR CRASH" not in out
        assert not re.search(r"VM 'msi-v2m': .* has no MSI", out), out
        # One VM per host frame: the peer's function gets no MSI, said in one line.
        assert re.search(r"VM 'v2m-peer': 00:03\.0 has no MSI: the host GICv2m frame carries VM 'msi-v2m''s MSIs",
                         out), out
        assert "DMA blocked" not in out, [l for l in out.splitlines() if "DMA blocked" in l][:3]
