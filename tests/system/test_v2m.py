"""The virtual GICv2m MSI frame (vdev/vgicv2m.c, docs/interrupts.md): on a GICv2 machine the
bare-metal guest finds the frame under its GIC node and gets the SPIs of its range by writing
MSI_SETSPI_NS, nothing else (tests/guests/v2m.c); a frame whose SPIs overlap a device's
interrupt refuses its VM; Linux probes its frame (irq-gic-v2m). On GICv3 a VM with a frame is
refused with one line."""
import os
import re

import pytest

from qemu import Qemu, machine_args, BUILD
from test_linux import sh, focus_to

IMG = os.path.join(BUILD, "tests/configs/v2m.img")
V2M_CHECKS = ["v2m_in_dt", "v2m_typer", "v2m_other_regs_zero", "v2m_first_spi", "v2m_last_spi", "v2m_again",
              "v2m_rejects"]


@pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "linux/Image")),
                    reason="no Linux guest: run `make linux` (tools/linux.sh)")
def test_v2m_frame_on_gicv2():
    with Qemu("v2m-gic2", machine_args(gic=2, cpu="cortex-a72", smp=4), kernel=IMG) as q:
        m = q.wait_for(r"\[v2m\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0, "\n".join(l for l in out.splitlines() if "FAIL" in l)
        for c in V2M_CHECKS:
            assert "[v2m] TEST %s: PASS" % c in out, c
        assert re.search(r"VM 'v2m-overlap' refused: arm,gic-v2m-frame at 0x8020000: its SPIs include another "
                         r"device's interrupt", out), out
        q.wait_for(r"\[linux\] Enter 'help' for a list of built-in commands", timeout=300)
        focus_to(q, "linux")
        dmesg = sh(q, "linux", "dmesg | grep -i v2m")
        assert re.search(r"GICv2m: range\[mem 0x08020000-0x08020fff\], SPI\[96:159\]", dmesg), dmesg
        assert "HYPERVISOR CRASH" not in q.output()


def test_v2m_frame_refused_on_gicv3():
    with Qemu("v2m-gic3", machine_args(gic=3, smp=4), kernel=IMG) as q:
        q.wait_for(r"VM 'v2m' refused: arm,gic-v2m-frame at 0x8020000: a GICv2m frame needs a GICv2 machine", timeout=60)
        q.wait_for(r"VM 'linux' refused: arm,gic-v2m-frame", timeout=60)
        assert "[v2m] TEST" not in q.output()
