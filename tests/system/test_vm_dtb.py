"""The device tree elvisor generates for a VM, decompiled with dtc and checked node by node."""
import re
import subprocess

import pytest

from qemu import Qemu, machine_args, BUILD


def dump_dtb(gic, cpu, tmp_path):
    img = "%s/tests/configs/dtbdump.img" % BUILD
    args = machine_args(gic=gic, cpu=cpu, smp=4) + ["-serial", "null"]   # UART1 exists
    with Qemu("dtbdump-gic%d" % gic, args, kernel=img) as q:
        size = int(q.wait_for(r"\[dump\] DTB-SIZE (\d+)").group(1))
        q.wait_for(r"\[dump\] GUEST DONE")
        chunks = re.findall(r"\[dump\] DTB ([0-9a-f]{5}) ([0-9a-f]+)", q.output())
    blob = b"".join(bytes.fromhex(h) for _, h in sorted(chunks))
    assert len(blob) == size
    path = tmp_path / "vm.dtb"
    path.write_bytes(blob)
    r = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.parametrize("gic,cpu", [(3, "max"), (2, "cortex-a72")])
def test_generated_dtb(gic, cpu, tmp_path):
    dts, warnings = dump_dtb(gic, cpu, tmp_path)
    assert warnings.strip() == "", warnings
    assert re.search(r'memory@48000000 \{\s*device_type = "memory";\s*reg = <0x00 0x48000000 0x00 0x4000000>;', dts)
    for i in (0, 1):
        assert re.search(r'cpu@%d \{[^}]*device_type = "cpu";[^}]*reg = <0x%02x>;[^}]*enable-method = "psci";' % (i, i), dts)
    assert re.search(r'psci \{\s*compatible = "arm,psci-1.0\\0arm,psci-0.2";\s*method = "hvc";', dts)
    if gic == 3:
        assert re.search(r'compatible = "arm,gic-v3";\s*reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x40000>;', dts)
    else:
        assert re.search(r'compatible = "arm,cortex-a15-gic";\s*reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000>;', dts)
    assert re.search(r'compatible = "arm,armv8-timer";\s*interrupts = <0x01 0x0d 0x[0-9a-f]+ 0x01 0x0e 0x[0-9a-f]+ 0x01 0x0b', dts)
    assert re.search(r'pl011@9000000 \{\s*compatible = "arm,pl011\\0arm,primecell";\s*reg = <0x00 0x9000000 0x00 0x1000>;\s*interrupts = <0x00 0x01 0x04>;', dts)
    assert 'compatible = "elvisor,debug-regs";' in dts
    assert 'bootargs = "console=ttyAMA0 hello=world";' in dts
    assert 'stdout-path = "/pl011@9000000";' in dts
    assert re.search(r"linux,initrd-start = <0x00 0x4[89a-f][0-9a-f]{6}>;", dts)
    # The passthrough UART, described from the host's node, with the VM's SPI.
    assert re.search(r'uart1@9040000 \{\s*compatible = "arm,pl011\\0arm,primecell";\s*clocks = <0x02 0x02>;\s*'
                     r'clock-names = "uartclk\\0apb_pclk";\s*reg = <0x00 0x9040000 0x00 0x1000>;\s*'
                     r'interrupts = <0x00 0x08 0x04>;', dts), dts
