"""Foundation: elvisor boots at EL2 on every supported machine shape and reports what it found."""
import os
import re
import struct
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
        q.expect(r"<selftest_boot\+0x[0-9a-f]+>")
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


def _pe(img):
    """The PE/COFF header fields a UEFI loader reads: COFF header, PE32+ optional header and
    section table (PE format specification)."""
    pe = struct.unpack_from("<I", img, 0x3c)[0]
    assert img[pe:pe + 4] == b"PE\0\0"
    machine, nsec, opt_size, chars = struct.unpack_from("<HH12xHH", img, pe + 4)
    opt = pe + 24
    (magic, entry, image_size, headers, subsystem) = (
        struct.unpack_from("<H", img, opt)[0], struct.unpack_from("<I", img, opt + 16)[0],
        struct.unpack_from("<I", img, opt + 56)[0], struct.unpack_from("<I", img, opt + 60)[0],
        struct.unpack_from("<H", img, opt + 68)[0])
    sections = []
    for i in range(nsec):
        off = opt + opt_size + 40 * i
        name, vsize, vaddr, rsize, raddr = struct.unpack_from("<8sIIII", img, off)
        sections.append((name.rstrip(b"\0"), vsize, vaddr, rsize, raddr,
                         struct.unpack_from("<I", img, off + 36)[0]))
    return dict(machine=machine, chars=chars, magic=magic, entry=entry, image_size=image_size,
                headers=headers, subsystem=subsystem, sections=sections)


@pytest.mark.parametrize("name", ["elvisor.bin", "configs/default.img"])
def test_image_header(name):
    """The arm64 Image header (Linux booting.rst) that QEMU -kernel and U-Boot booti read, and the
    PE/COFF header beside it that makes the same file an EFI application (docs/booting.md); in
    the packed image both sizes cover the VM pack."""
    path = os.path.join(BUILD, name)
    with open(path, "rb") as f:
        img = f.read()
    hdr = img[:64]
    assert hdr[56:60] == b"ARM\x64"
    assert hdr[0:2] == b"MZ"                                        # DOS/PE magic in code0
    assert int.from_bytes(hdr[0:4], "little") == 0xfa405a4d         # ccmp x18, #0, #0xd, pl
    assert int.from_bytes(hdr[4:8], "little") >> 26 == 0b000101     # code1 is a B instruction
    assert int.from_bytes(hdr[8:16], "little") == 0                 # text_offset
    size = int.from_bytes(hdr[16:24], "little")
    assert size >= len(img) and size % 4096 == 0
    assert int.from_bytes(hdr[24:32], "little") & 0b1111 == 0b1010  # LE, 4K, anywhere
    pe = _pe(img)
    assert pe["machine"] == 0xaa64 and pe["magic"] == 0x20b and pe["subsystem"] == 10
    assert pe["chars"] & 0x2                                        # executable
    assert pe["headers"] == 4096
    assert pe["image_size"] == size                                 # the pack is loaded too
    (t_name, t_vsize, t_vaddr, t_rsize, t_raddr, t_flags), (d_name, d_vsize, d_vaddr, d_rsize, d_raddr, d_flags) = \
        pe["sections"]
    assert (t_name, d_name) == (b".text", b".data")
    # File layout is memory layout: each section at the same offset in both, back to back,
    # the last one ending where the image ends.
    assert (t_vaddr, t_raddr) == (4096, 4096) and t_vsize == t_rsize
    assert d_vaddr == d_raddr == t_vaddr + t_vsize and d_vsize == d_rsize
    assert d_vaddr + d_vsize == size
    assert t_flags & 0x20000000 and not t_flags & 0x80000000        # text: execute, not write
    assert d_flags & 0x80000000 and not d_flags & 0x20000000        # data: write, not execute
    assert t_vaddr <= pe["entry"] < t_vaddr + t_vsize
    # The entry point is efi_pe_entry.
    nm = subprocess.run(["aarch64-linux-gnu-nm", os.path.join(BUILD, "elvisor.elf")], check=True,
                        capture_output=True, text=True).stdout
    assert re.search(r"^0*%x [tT] efi_pe_entry$" % pe["entry"], nm, re.M)


def test_reserved_memory_is_left_alone(tmp_path):
    """A /memreserve/ entry and a /reserved-memory region in the host DTB (as firmware writes
    them) are never handed to VMs: the free memory shrinks by exactly their size."""
    def free_mib(name, dtb):
        with Qemu("reserved-" + name, machine_args(gic=3, smp=1) + ["-dtb", dtb]) as q:
            return int(q.expect(r"free for VMs: (\d+) MiB of 1024 MiB").group(1))
    (tmp_path / "plain").mkdir()
    (tmp_path / "reserved").mkdir()
    plain = _dtb_without(tmp_path / "plain", 3, r"(/dts-v1/;)", r"\1")
    reserved = _dtb_without(tmp_path / "reserved", 3, r"(/dts-v1/;\n)(.*)\Z",
                            r"\1/memreserve/ 0x60000000 0x4000000;\n\2\n"
                            r"/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;"
                            r" fw@70000000 { reg = <0x0 0x70000000 0x0 0x2000000>; no-map; }; }; };")
    assert free_mib("plain", plain) - free_mib("both", reserved) == 64 + 32
