"""Foundation: elvisor boots at EL2 on every supported machine shape and reports what it found."""
import os
import re
import subprocess

import pytest

from qemu import Qemu, machine_args, BUILD

MATRIX = [(gic, smp, cpu) for gic in (2, 3) for smp in (1, 4) for cpu in ("max", "cortex-a72")]


@pytest.mark.parametrize("gic,smp,cpu", MATRIX + [(3, 2, "max"), (2, 8, "max"), (3, 8, "cortex-a72")])
def test_boot_banner_and_smp(gic, smp, cpu):
    with Qemu("boot-gic%d-smp%d-%s" % (gic, smp, cpu), machine_args(gic=gic, smp=smp, cpu=cpu)) as q:
        q.expect(r"elvisor [\d.]+: type-1 hypervisor")
        q.expect(r"exception level: EL2 \(VHE (available|not available)")
        vhe = q.p.match.group(1)
        assert vhe == ("available" if cpu == "max" else "not available")
        m = q.expect(r"CPUs: (\d+) \(MPIDR([^)]*)\)")
        assert int(m.group(1)) == smp
        assert len(m.group(2).split()) == smp
        q.expect(r"memory: 0x40000000-0x7fffffff \(1024 MiB\)")
        q.expect(r"GIC: v%d " % gic)
        q.expect(r"UART: PL011 at 0x9000000")
        q.expect(r"PSCI: 1\.\d via smc")
        m = q.expect(r"image: (\d+) bytes")
        assert 0 < int(m.group(1)) < 1 << 20
        for i in range(1, smp):
            q.expect(r"CPU\d \(MPIDR 0x[0-9a-f]+\) online")
        q.expect(r"%d of %d CPUs online" % (smp, smp))


def test_el1_entry_explains_and_powers_off():
    with Qemu("el1-entry", machine_args(virtualization=False)) as q:
        q.expect(r"entered at EL1, but elvisor runs at EL2: start QEMU with -machine virt,virtualization=on")
        q.expect_exit()


def test_crash_report_is_symbolized_and_powers_off():
    with Qemu("crash-report", machine_args(gic=3, smp=2) + ["-append", "elvisor.crash_test"]) as q:
        q.expect(r"HYPERVISOR CRASH on CPU0: synchronous exception at EL2: DABT_CUR")
        q.expect(r"ESR_EL2 [0-9a-f]{16} \(EC 0x25")
        q.expect(r"FAR_EL2 0000000000000008")
        q.expect(r"x0  [0-9a-f]{16}")
        q.expect(r"x30 [0-9a-f]{16}")
        q.expect(r"backtrace:")
        q.expect(r"#0 [0-9a-f]{16} <maybe_crash_test\+0x[0-9a-f]+>")
        q.expect(r"<boot_primary\+0x[0-9a-f]+>")
        q.expect(r"powering off")
        q.expect_exit()


def test_stack_overflow_hits_the_guard_page():
    """Issue 13 item 15: an overflowing EL2 stack faults on its guard page and is reported from
    the crash stack (before the guard page, it ran into the data below it unnoticed)."""
    with Qemu("stack-overflow", machine_args(gic=3, smp=2) + ["-append", "elvisor.stack_test"]) as q:
        q.expect(r"HYPERVISOR CRASH on CPU0: synchronous exception at EL2: DABT_CUR")
        q.expect(r"stack overflow: CPU0's stack \(16 KiB\) ran into its guard page")
        q.expect(r"<overflow_stack\+0x[0-9a-f]+>")
        q.expect(r"powering off")
        q.expect_exit()


def test_branch_protection_stops_a_bad_call_and_a_forged_return():
    """Issue 13 item 15: on a CPU with BTI and PAuth (-cpu max) the hypervisor runs with both: an
    indirect call past a landing pad and a return through a forged address end in the crash
    report (before, the call ran and the return went to the forged address)."""
    with Qemu("bti", machine_args(gic=3, smp=1) + ["-append", "elvisor.bti_test"]) as q:
        q.expect(r"branch protection at EL2: BTI, PAC \(return addresses, key A\)")
        q.expect(r"HYPERVISOR CRASH on CPU0: synchronous exception at EL2: BTI")
        q.expect(r"#0 [0-9a-f]{16} <bti_target\+0x4>")
        q.expect_exit()
    with Qemu("pac", machine_args(gic=3, smp=1) + ["-append", "elvisor.pac_test"]) as q:
        q.expect(r"HYPERVISOR CRASH on CPU0: synchronous exception at EL2: FPAC")
        q.expect(r"#0 [0-9a-f]{16} <forge_return_address\+0x[0-9a-f]+>")
        q.expect_exit()
        assert "PAC did not stop the return" not in q.output()


def test_no_branch_protection_without_the_features():
    with Qemu("no-bti", machine_args(gic=2, cpu="cortex-a72", smp=1)) as q:
        q.expect(r"branch protection at EL2: none \(the CPU has neither BTI nor PAuth\)")


def test_text_is_not_writable():
    with Qemu("wx-text", machine_args(gic=2, smp=1) + ["-append", "elvisor.wx_test"]) as q:
        q.expect(r"HYPERVISOR CRASH on CPU0: synchronous exception at EL2: DABT_CUR")
        q.expect(r"<maybe_crash_test\+0x[0-9a-f]+>")
        q.expect_exit()


def _dtb_without(tmp_path, gic, pattern, replacement=""):
    """QEMU's own DTB for this machine with one part edited, to feed back with -dtb. (QEMU
    rewrites /psci and /memory of a -dtb, so those cannot be broken this way.)"""
    dtb = tmp_path / "orig.dtb"
    subprocess.run(["qemu-system-aarch64"] + machine_args(gic=gic, smp=2)[:8] +
                   ["-machine", "dumpdtb=%s" % dtb, "-nographic", "-net", "none"],
                   check=True, capture_output=True)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(dtb)], check=True,
                         capture_output=True, text=True).stdout
    edited, n = re.subn(pattern, replacement, dts, flags=re.S)
    assert n > 0, "pattern %r not found in QEMU's DTB" % pattern
    out = tmp_path / "edited.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(out), "-"], input=edited,
                   check=True, capture_output=True, text=True)
    return str(out)


@pytest.mark.parametrize("what,gic,pattern,replacement,message", [
    ("no-gic", 2, r"\bintc@8000000 \{.*?\n\t\};\n", "", r"no interrupt controller"),
    ("no-cpus", 3, r"\bcpus \{.*?\n\t\};\n", "", r"no /cpus node"),
    ("cpu-without-reg", 3, r"(cpu@1 \{.*?)reg = <0x01>;", r"\1", r"CPU node cpu@1 has no reg \(MPIDR\)"),
    ("gicv2-without-virt-frames", 2,
     r"(intc@8000000 \{.*?reg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000)[^>]*>",
     r"\1>", r"GICv2 node intc@8000000 lacks GICH/GICV reg: no virtualization extensions"),
    ("no-timer", 2, r"\btimer \{.*?\n\t\};\n", "", r"no arm,armv8-timer node"),
])
def test_bad_host_dtb_is_named(tmp_path, what, gic, pattern, replacement, message):
    dtb = _dtb_without(tmp_path, gic, pattern, replacement)
    with Qemu("bad-dtb-" + what, machine_args(gic=gic, smp=2) + ["-dtb", dtb]) as q:
        q.expect(r"elvisor: cannot boot: " + message)
        q.expect_exit()


def test_image_header():
    with open(os.path.join(BUILD, "elvisor.bin"), "rb") as f:
        hdr = f.read(64)
    assert hdr[56:60] == b"ARM\x64"
    assert int.from_bytes(hdr[0:4], "little") >> 26 == 0b000101  # code0 is a B instruction
    assert int.from_bytes(hdr[8:16], "little") == 0               # text_offset
    size = int.from_bytes(hdr[16:24], "little")
    assert size >= os.path.getsize(os.path.join(BUILD, "elvisor.bin")) and size % 4096 == 0
    assert int.from_bytes(hdr[24:32], "little") & 0b1111 == 0b1010  # LE, 4K, anywhere
