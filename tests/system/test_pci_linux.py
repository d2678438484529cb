"""Linux VMs using real PCIe functions assigned to them (configs/pci.dts, docs/pci.md): QEMU's
SMMUv3 translates the functions' DMA through each VM's stage 2 (RAM not identity-mapped). 'disk'
mounts the ext4 file system of its virtio-blk-pci disk, writes 16 MiB and reads them back with
the same md5, reboots and finds them again; 'net', at the same time, brings up its
virtio-net-pci NIC and pings QEMU's user-network gateway 10.0.2.2. Both VMs have a virtual ITS:
their functions' interrupts are MSI-X messages routed through the host ITS (docs/pci.md
"MSI-X"), which /proc/interrupts shows as ITS-MSI lines that count, and no INTx line."""
import os
import re
import shutil

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh, focus_next

IMG = os.path.join(BUILD, "configs/pci.img")
DISK = os.path.join(BUILD, "disks/ext4-64M.img")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                                reason="no Linux guest: run `make linux` (tools/linux.sh)")


def pci_args(disk, gic=3, cpu="max"):
    args = machine_args(gic=gic, cpu=cpu, smp=4)
    i = args.index("-machine")
    args[i + 1] += ",iommu=smmuv3"
    return args + ["-global", "arm-smmuv3.stage=2",
                   "-drive", "if=none,id=pcidisk,file=%s,format=raw" % disk,
                   "-device", "virtio-blk-pci,drive=pcidisk,addr=02.0,disable-legacy=on,iommu_platform=on",
                   "-netdev", "user,id=pcinet",
                   "-device", "virtio-net-pci,netdev=pcinet,addr=03.0,disable-legacy=on,iommu_platform=on,romfile="]


def msix_counts(q, vm, name, chip="ITS-MSI"):
    """{interrupt name: count over all CPUs} of vm's MSI lines (chip) whose name contains name;
    asserts that no other (INTx) line names it."""
    counts = {}
    lines = sh(q, vm, "cat /proc/interrupts").splitlines()
    header = next((l for l in lines if "CPU0" in l), "CPU0")
    cpus = len([c for c in header.split() if c.startswith("CPU")])
    for line in lines:
        if name not in line:
            continue
        assert chip in line, (vm, line)
        f = line.split()
        counts[f[-1]] = sum(int(x) for x in f[1:1 + cpus])
    return counts


def test_linux_uses_assigned_pci_functions(tmp_path):
    disk = str(tmp_path / "disk.img")
    shutil.copy(DISK, disk)
    with Qemu("pci-linux", pci_args(disk), kernel=IMG) as q:
        q.wait_for(r"\[disk\] Enter 'help' for a list", timeout=400)
        q.wait_for(r"\[net\] Enter 'help' for a list", timeout=400)
        out = q.output()
        assert re.search(r"\[disk\] .*pci 0000:00:00.0: \[1af4:1042\]", out), "the disk VM does not see its function"
        assert re.search(r"\[net\] .*pci 0000:00:00.0: \[1af4:1041\]", out), "the net VM does not see its function"
        assert not re.search(r"\[(disk|net)\] .*pci 0000:00:01.0", out), "a VM sees more than its function"

        # The disk: ext4 on the assigned virtio-blk-pci function (vda), 16 MiB written and read.
        assert "vda" in sh(q, "disk", "cat /proc/partitions")
        sh(q, "disk", "mkdir -p /mnt && mount -t ext4 /dev/vda /mnt")
        sh(q, "disk", "dd if=/dev/urandom of=/mnt/data bs=1M count=16 2>/dev/null; sync", timeout=120)
        want = sh(q, "disk", "md5sum /mnt/data", timeout=120).split()[0]
        sh(q, "disk", "echo 3 > /proc/sys/vm/drop_caches")
        assert sh(q, "disk", "md5sum /mnt/data", timeout=120).split()[0] == want
        sh(q, "disk", "umount /mnt")
        disk_irqs = msix_counts(q, "disk", "virtio0")
        assert any(n > 0 for k, n in disk_irqs.items() if "req" in k), disk_irqs
        print("disk VM, MSI-X interrupts:", disk_irqs)

        # The NIC, meanwhile in the other VM: a ping of the user network's gateway.
        focus_next(q, "net")
        sh(q, "net", "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0")
        ping = sh(q, "net", "ping -c 3 -W 5 10.0.2.2", timeout=60)
        assert re.search(r"3 packets transmitted, 3 (packets )?received", ping), ping
        net_irqs = msix_counts(q, "net", "virtio0")
        assert any(n > 0 for k, n in net_irqs.items() if "input" in k), net_irqs
        print("net VM, MSI-X interrupts:", net_irqs)

        # The disk VM reboots (its function's bus mastering off while its RAM is cleared) and
        # finds its data.
        focus_next(q, "disk")
        q.send("reboot -f\r")
        q.wait_for(r"(?s)VM 'disk' restarted.*\[disk\] Enter 'help' for a list", timeout=400)
        sh(q, "disk", "mkdir -p /mnt && mount -t ext4 /dev/vda /mnt")
        assert sh(q, "disk", "md5sum /mnt/data", timeout=120).split()[0] == want
        focus_next(q, "net")
        assert re.search(r"1 packets transmitted, 1 (packets )?received", sh(q, "net", "ping -c 1 -W 5 10.0.2.2"))
        out = q.output()
        assert "HYPERVISOR CRASH" not in out and "DMA blocked" not in out


IMG_V2M = os.path.join(BUILD, "tests/configs/pci-v2m.img")


def test_linux_msix_through_gicv2m(tmp_path):
    """GICv2 host: the VM's virtual bridge names its GICv2m frame as msi-parent; Linux programs
    the virtio-blk-pci function's MSI-X entries with that frame and SPIs of its range, and the
    host GICv2m frame carries them (docs/interrupts.md "Assigned functions' MSIs through the
    frame"): /proc/interrupts shows the queues' MSI lines counting, no INTx line, and ext4 on
    the disk works, also after the VM reboots."""
    disk = str(tmp_path / "disk.img")
    shutil.copy(DISK, disk)
    args = pci_args(disk, gic=2, cpu="cortex-a72")
    i = args.index("virtio-net-pci,netdev=pcinet,addr=03.0,disable-legacy=on,iommu_platform=on,romfile=")
    del args[i - 3:i + 1]  # one function: the disk
    with Qemu("pci-linux-v2m", args, kernel=IMG_V2M) as q:
        q.wait_for(r"host GICv2m frame at 0x8020000: SPIs \d+\.\.\d+", timeout=30)
        q.wait_for(r"\[disk\] Enter 'help' for a list", timeout=400)
        out = q.output()
        assert re.search(r"\[disk\] .*GICv2m: range\[mem 0x08020000-0x08020fff\], SPI\[96:159\]", out), out
        assert re.search(r"\[disk\] .*pci 0000:00:00.0: \[1af4:1042\]", out), "the VM does not see its function"
        assert "has no MSI" not in out
        sh(q, "disk", "mkdir -p /mnt && mount -t ext4 /dev/vda /mnt")
        sh(q, "disk", "dd if=/dev/urandom of=/mnt/data bs=1M count=4 2>/dev/null; sync", timeout=120)
        want = sh(q, "disk", "md5sum /mnt/data", timeout=120).split()[0]
        sh(q, "disk", "echo 3 > /proc/sys/vm/drop_caches")
        assert sh(q, "disk", "md5sum /mnt/data", timeout=120).split()[0] == want
        irqs = msix_counts(q, "disk", "virtio0", chip="MSI")
        assert any(n > 0 for k, n in irqs.items() if "req" in k), irqs
        print("disk VM, MSI-X interrupts through GICv2m:", irqs)
        # A reset keeps the host side (the frame stays this VM's): after a reboot the messages
        # arrive again and the data is there.
        sh(q, "disk", "umount /mnt")
        q.send("reboot -f\r")
        q.wait_for(r"(?s)VM 'disk' restarted.*\[disk\] Enter 'help' for a list", timeout=400)
        sh(q, "disk", "mkdir -p /mnt && mount -t ext4 /dev/vda /mnt")
        assert sh(q, "disk", "md5sum /mnt/data", timeout=120).split()[0] == want
        irqs = msix_counts(q, "disk", "virtio0", chip="MSI")
        assert any(n > 0 for k, n in irqs.items() if "req" in k), irqs
        out = q.output()
        assert "has no MSI" not in out
        assert "HYPERVISOR CRASH" not in out and "DMA blocked" not in out
