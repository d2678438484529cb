"""DMA isolation with the SMMUv3 (docs/pci.md, docs/security.md): a guest owns QEMU's edu DMA
engine through its virtual host bridge and aims it at its own RAM (works, data checked), at the
hypervisor's image and at all of host RAM (every access blocked and logged, nothing read back,
the victim VM's memory intact, the hypervisor unharmed, the device still usable afterwards).
The negative control runs the same guest without an SMMU under dma-unsafe: its DMA then misses
its own RAM and reads the hypervisor's image, which shows what the SMMU is stopping."""
import re

from qemu import Qemu, machine_args, BUILD

EDU = ["-device", "edu,addr=01.0,dma_mask=0xffffffffffffffff"]


def smmu_args(smmu=True):
    args = machine_args(gic=3, smp=4)
    if smmu:
        i = args.index("-machine")
        args[i + 1] += ",iommu=smmuv3"
        args += ["-global", "arm-smmuv3.stage=2"]
    return args


def test_dma_isolation():
    with Qemu("dma", smmu_args() + EDU, kernel="%s/tests/configs/dma.img" % BUILD) as q:
        q.expect(r"SMMUv3 at 0x[0-9a-f]+: stage 2, 2-level stream table", timeout=30)
        q.expect(r"00:01.0 1234:11e8", timeout=10)
        q.wait_for(r"\[dma\] GUEST DONE: \d+ failure", timeout=120)
        q.wait_for(r"\[victim\] GUEST DONE: \d+ failure", timeout=120)
        out = q.output()
        for name in ("vpci_sees_edu", "vpci_only_its_function", "vpci_msi_hidden", "vpci_bar_sizing",
                     "vpci_bar_outside_window_unmapped", "vpci_bar_mapped", "dma_own_ram", "dma_read_control_own_header",
                     "dma_read_hypervisor_blocked", "dma_read_host_ram_blocked", "dma_write_attempts",
                     "dma_own_ram_after_attack"):
            assert "[dma] TEST %s: PASS" % name in out, name
        assert "[dma] GUEST DONE: 0 failure" in out
        assert "[victim] TEST dma_victim_memory_intact: PASS" in out
        assert "[victim] GUEST DONE: 0 failure" in out
        # The SMMU saw the reads and writes, and the lines name the attacker and its stream.
        blocked = re.findall(r"elvisor: VM '(\w+)' DMA blocked: 00:01.0 \(stream 0x8\) (read|write) (0x[0-9a-f]+)", out)
        assert blocked and all(vm == "dma" for vm, _, _ in blocked), blocked[:5]
        assert ("dma", "read", "0x40200000") in blocked
        assert ("dma", "write", "0x40200000") in blocked
        assert len({a for _, rw, a in blocked if rw == "write"}) >= 10, blocked
        assert "HYPERVISOR CRASH" not in out and "PANIC" not in out
        assert re.search(r"VM 'victim' stopped: guest called PSCI SYSTEM_OFF", out)
        victim_lines = [l for l in out.splitlines() if "VM 'victim'" in l]
        assert len(victim_lines) == 2 and "1 vCPU(s)" in victim_lines[0], victim_lines


def test_dma_negative_control_without_smmu():
    """Same guest, no SMMU, dma-unsafe: the hypervisor warns, and the DMA goes to host physical
    addresses: the guest's own-RAM round trip (the check test_dma_isolation passes) fails."""
    with Qemu("dma_negative", smmu_args(False) + EDU, kernel="%s/tests/configs/dma-unsafe.img" % BUILD) as q:
        q.expect(r"VM 'dma': WARNING: 00:01.0 assigned without DMA isolation \(dma-unsafe\)", timeout=30)
        m = q.wait_for(r"\[dma\] dma: NEGATIVE own_ram_ok=(\d)", timeout=60)
        assert m.group(1) == "0", m.group(0)
        q.passed = True


def test_dma_refused_without_smmu():
    """Without an SMMU and without dma-unsafe the VM is refused with one line; the other runs."""
    with Qemu("dma_refused", smmu_args(False) + EDU, kernel="%s/tests/configs/dma.img" % BUILD) as q:
        q.expect(r"elvisor: VM 'dma' refused: pci-devices: 00:01.0: no SMMU translates its DMA on this machine "
                 r"\(dma-unsafe; allows it for a trusted VM\)", timeout=30)
        q.expect(r"\[victim\] dma_victim: \d+ MiB filled", timeout=30)


def test_dma_refused_missing_function():
    with Qemu("dma_missing", smmu_args(), kernel="%s/tests/configs/dma.img" % BUILD) as q:
        q.expect(r"elvisor: VM 'dma' refused: pci-devices: 00:01.0: no such function on the host bridge", timeout=30)
        q.expect(r"\[victim\] dma_victim: \d+ MiB filled", timeout=30)
