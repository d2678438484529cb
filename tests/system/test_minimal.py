"""The minimal build (configs/build/minimal.conf, docs/build.md): it builds, boots a bare-metal
VM whose checks of the hidden CPU features pass, refuses VMs that ask for a part it leaves out with one line each while the others run, stops on
a GICv2 host with one line, and is refused by UEFI as an EFI application (CONFIG_EFI=n). Its
GICv2 form (configs/build/minimal-gicv2.conf) links no GICv3 code, runs the same VM on a GICv2
host and stops on a GICv3 host with one line. Without CONFIG_MMIO_DECODE a VM's access without a
syndrome gets an external abort and one line."""
import os
import re
import subprocess
import sys

from qemu import Qemu, machine_args, BUILD, ROOT

MIN = os.path.join(BUILD, "minimal")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import buildcfg  # noqa: E402


def size_text(elf):
    out = subprocess.run(["aarch64-linux-gnu-size", elf], check=True, capture_output=True, text=True).stdout
    return int(out.splitlines()[1].split()[0])


def test_minimal_builds_without_the_left_out_parts():
    # `make minimal` is part of `make images`; here it rebuilds whatever changed since.
    subprocess.run(["make", "-s", "--no-print-directory", "minimal"], cwd=ROOT, check=True, timeout=600)
    elf = os.path.join(MIN, "elvisor.elf")
    syms = subprocess.run(["aarch64-linux-gnu-nm", elf], check=True, capture_output=True, text=True).stdout
    for gone in ("virtio_mmio_", "vswitch_", "vpmu_", "vsve_", "nested_", "gicv3_its_", "pci_assign_", "symbol_lookup",
                 "gicv2_", "vgic_v2_"):
        assert not re.search(r" %s" % gone, syms), gone
    assert "vgic_flush" in syms and "vpsci_hvc" in syms and "vgic_v3_backend" in syms
    assert size_text(elf) < size_text(os.path.join(BUILD, "elvisor.elf")) * 0.6


def test_build_configuration_is_checked(tmp_path):
    conf = tmp_path / "bad.conf"
    lines = open(os.path.join(ROOT, "configs/build/default.conf"), encoding="utf-8").read()
    conf.write_text(lines.replace("CONFIG_ITS=y", "CONFIG_ITS=n"))
    r = subprocess.run([sys.executable, "tools/buildcfg.py", str(conf), str(tmp_path / "c.h"), str(tmp_path / "c.mk")],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0
    assert "CONFIG_PCI_ASSIGN=y needs CONFIG_ITS=y" in r.stderr
    assert not (tmp_path / "c.h").exists()
    conf.write_text(lines.replace("CONFIG_PMU=y", "CONFIG_PMU=maybe"))
    try:
        buildcfg.parse(str(conf))
        assert False, "accepted CONFIG_PMU=maybe"
    except buildcfg.ConfigError as e:
        assert "CONFIG_PMU=maybe: need y or n" in str(e)


def test_minimal_boots_a_bare_metal_vm():
    img = os.path.join(MIN, "tests/configs/basics.img")
    with Qemu("minimal-basics", machine_args(gic=3, cpu="max"), kernel=img) as q:
        m = q.wait_for(r"\[basics\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0, "\n".join(l for l in out.splitlines() if "FAIL" in l)
        q.wait_for(r"VM 'basics' stopped: guest called PSCI SYSTEM_OFF")
        out = q.output()
    assert "HYPERVISOR CRASH" not in out
    # PMU, SVE and pointer authentication are left out: hidden in the ID registers, and what the
    # guest then tries of them is UNDEFINED (the guest checks both agree).
    for check in ("pmcr_as_advertised", "id_pmu_as_dt", "id_sve_as_usable", "id_pauth_consistent",
                  "smccc_version", "mmio_ldp_stp", "secondary_ran", "wfi_returns", "exit_counter_hvc"):
        assert "TEST %s: PASS" % check in out, check
    assert "host ITS at 0x8080000 not used: not in this build (CONFIG_ITS=n)" in out


def test_minimal_refuses_vms_that_need_left_out_parts():
    img = os.path.join(MIN, "tests/configs/minimal-refused.img")
    with Qemu("minimal-refused", machine_args(gic=3, cpu="max"), kernel=img) as q:
        q.wait_for(r"\[good\] GUEST DONE: 0 failure", timeout=120)
        out = q.output()
    expected = {
        "wants-net": r"devices/net@a001000: elvisor,virtio-net is not in this build \(CONFIG_VIRTIO_NET=n",
        "wants-its": r"devices/its@8080000: arm,gic-v3-its is not in this build \(CONFIG_ITS=n",
        "wants-el2": r"virtual-el2: nested virtualization is not in this build \(CONFIG_NESTED=n",
        "wants-firmware": r"firmware: booting a VM from firmware is not in this build \(CONFIG_VM_FIRMWARE=n",
    }
    for vm, why in expected.items():
        lines = [l for l in out.splitlines() if "VM '%s' refused" % vm in l]
        assert len(lines) == 1 and re.search(why, lines[0]), (vm, lines)
    assert "HYPERVISOR CRASH" not in out


def test_minimal_stops_on_a_gicv2_host():
    img = os.path.join(MIN, "tests/configs/basics.img")
    with Qemu("minimal-gicv2", machine_args(gic=2, cpu="cortex-a72"), kernel=img) as q:
        q.wait_for(r"elvisor: host GICv2: not in this build \(CONFIG_GICV2=n", timeout=60)


MIN2 = os.path.join(BUILD, "minimal-gicv2")


def pack(tmp_path, config, build):
    """tests/configs/CONFIG.dts packed with build/.../elvisor.bin: the image's path."""
    dtb, img = str(tmp_path / (config + ".dtb")), str(tmp_path / (config + ".img"))
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, "tests/configs/%s.dts" % config], cwd=ROOT,
                   check=True)
    subprocess.run([sys.executable, "tools/pack.py", img, os.path.join(build, "elvisor.bin"), dtb], cwd=ROOT, check=True)
    return img


def test_minimal_gicv2_links_no_gicv3_and_runs_on_gicv2(tmp_path):
    """The minimal build for a GICv2 board: no GICv3 driver or vGICv3; the VM runs on a GICv2
    host, and a GICv3 host stops it with one line."""
    subprocess.run(["make", "-s", "--no-print-directory", "BUILD_CONFIG=configs/build/minimal-gicv2.conf", "all"],
                   cwd=ROOT, check=True, timeout=900)
    elf = os.path.join(MIN2, "elvisor.elf")
    syms = subprocess.run(["aarch64-linux-gnu-nm", elf], check=True, capture_output=True, text=True).stdout
    for gone in ("gicv3_", "vgic_v3_", "vgic_sysreg", "gicr_", "ich_"):
        assert not re.search(r" %s" % gone, syms), gone
    assert "vgic_v2_backend" in syms and "vgic_flush" in syms
    img = pack(tmp_path, "basics", MIN2)
    with Qemu("minimal-gicv2-basics", machine_args(gic=2, cpu="cortex-a72"), kernel=img) as q:
        m = q.wait_for(r"\[basics\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0, "\n".join(l for l in out.splitlines() if "FAIL" in l)
        assert "HYPERVISOR CRASH" not in out
    with Qemu("minimal-gicv2-on-gicv3", machine_args(gic=3, cpu="max"), kernel=img) as q:
        q.expect(r"elvisor: PANIC on CPU0: elvisor: host GICv3: not in this build \(CONFIG_GICV3=n, docs/build.md\)")
        q.expect_exit()
        assert "GUEST" not in q.output()


def test_without_mmio_decode_an_access_without_syndrome_aborts(tmp_path):
    """minimal.conf with CONFIG_MMIO_DECODE=n: no A64 load/store decoder; a guest's STP to an
    emulated device gets a synchronous external abort, the device is unchanged, and one line
    names the VM, the access and the option."""
    conf = os.path.join(str(tmp_path), "minimal-no-mmio-decode.conf")
    lines = open(os.path.join(ROOT, "configs/build/minimal.conf"), encoding="utf-8").read()
    assert "CONFIG_MMIO_DECODE=y" in lines
    with open(conf, "w", encoding="utf-8") as f:
        f.write(lines.replace("CONFIG_MMIO_DECODE=y", "CONFIG_MMIO_DECODE=n"))
    subprocess.run(["make", "-s", "--no-print-directory", "BUILD_CONFIG=" + conf, "all"], cwd=ROOT, check=True,
                   timeout=900)
    build = os.path.join(BUILD, "minimal-no-mmio-decode")
    elf = os.path.join(build, "elvisor.elf")
    syms = subprocess.run(["aarch64-linux-gnu-nm", elf], check=True, capture_output=True, text=True).stdout
    for gone in ("a64_decode_ldst", "a64_ldst_emulate", "mmio_emulate_insn"):
        assert not re.search(r" %s" % gone, syms), gone
    assert "mmio_abort" in syms
    assert size_text(elf) < size_text(os.path.join(MIN, "elvisor.elf")) - 2048
    img = pack(tmp_path, "basics-no-isv0", build)
    with Qemu("minimal-no-mmio-decode", machine_args(gic=3, cpu="max"), kernel=img) as q:
        m = q.wait_for(r"\[basics\] GUEST DONE: (\d+) failure", timeout=120)
        out = q.output()
        assert int(m.group(1)) == 0, "\n".join(l for l in out.splitlines() if "FAIL" in l)
    assert "TEST mmio_isv0_aborts: PASS" in out
    lines = [l for l in out.splitlines() if "CONFIG_MMIO_DECODE=n" in l]
    assert len(lines) == 1, lines
    assert re.search(r"VM 'basics' vCPU\d: write at IPA 0x9010010 .*without a syndrome", lines[0]), lines[0]
    assert "HYPERVISOR CRASH" not in out


def test_minimal_runs_linux():
    """A Linux VM on the minimal build: the features left out are neither advertised nor used."""
    from test_linux import sh, wait_shell
    img = os.path.join(MIN, "tests/configs/linux.img")
    with Qemu("minimal-linux", machine_args(gic=3, cpu="max", smp=4), kernel=img) as q:
        q.expect(r"\[linux\] elvisor-guest: shell ready", timeout=300)
        wait_shell(q, "linux")
        assert sh(q, "linux", "grep -c ^processor /proc/cpuinfo").strip().splitlines()[-1].strip() == "2"
        features = sh(q, "linux", "grep -m1 ^Features /proc/cpuinfo").split()
        for gone in ("paca", "pacg", "sve", "mte"):
            assert gone not in features, features
        dmesg = sh(q, "linux", "dmesg")
        assert "hw perfevents" not in dmesg
        bad = [l for l in dmesg.splitlines() if re.search(r"\b(WARNING|BUG|Oops|Call trace)\b", l)]
        assert not bad, "\n".join(bad)
        assert "HYPERVISOR CRASH" not in q.output()


def test_minimal_crash_report_without_symbols():
    """Without CONFIG_SYMBOLS and CONFIG_CRASH_NAMES the crash report still gives the exception
    (its class by number), the registers and a backtrace, of bare addresses, and powers off."""
    with Qemu("minimal-crash", machine_args(gic=3, smp=2) + ["-append", "elvisor.crash_test"],
              kernel=os.path.join(MIN, "elvisor.bin")) as q:
        q.expect(r"HYPERVISOR CRASH on CPU0: synchronous exception at EL2: \? \*\*\*")
        q.expect(r"ESR_EL2 [0-9a-f]{16} \(EC 0x25 \?, ISS")
        q.expect(r"FAR_EL2 0000000000000008")
        q.expect(r"backtrace:")
        m = q.expect(r"#0 [0-9a-f]{16}([^\n]*)\n")
        assert "<" not in m.group(1)
        q.expect(r"powering off")
        q.expect_exit()


def test_minimal_is_not_an_efi_application():
    """Without CONFIG_EFI the image still carries its PE/COFF header, but its entry point hands
    UEFI EFI_UNSUPPORTED at once: the firmware says so and goes on to its next boot option."""
    disk = os.path.join(MIN, "tests/configs/basics.disk")
    args = ["-machine", "acpi=off", "-bios", "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd",
            "-drive", "if=none,format=raw,readonly=on,file=%s,id=esp" % disk, "-device", "virtio-blk-device,drive=esp"]
    with Qemu("minimal-uefi", machine_args(gic=3, smp=1) + args, kernel=False) as q:
        q.expect(r"failed to start Boot\w+ \"UEFI Misc Device\"[^\n]*: Unsupported", timeout=120)
        assert "elvisor" not in q.output()
