#!/usr/bin/env python3
"""The build configuration (docs/build.md): which optional parts of elvisor are linked.

    tools/buildcfg.py CONF OUT_H OUT_MK

CONF (configs/build/NAME.conf) sets every option below, one `CONFIG_NAME=y` or `=n` a line
(`#` starts a comment). The options, what each links and what each needs are the table OPTIONS;
this script checks the file against it (an unknown or missing option, a value other than y or n,
an option on whose needs are off: one line naming the file, the option and the cause, exit 1)
and writes

  OUT_H   `#define CONFIG_NAME 1` or `0` for each option, force-included in every hypervisor
          object (the Makefile's -include): the tables of vdev/ and drivers/ keep or drop their
          rows by it, and a left-out part's header gives its callers the part's absent form.
  OUT_MK  HV_LEFT_OUT (the source files no option that is on links, and those of the absent
          forms in ABSENT whose option is on), HV_CC (LTO's compiler, else empty: the cross GCC),
          HV_OPT and HV_LDFLAGS (OPTIMIZE_SIZE's and LTO's compiler and linker flags) and
          CONFIG_NAME := y|n for the Makefile.

tools/bench.py reads OPTIONS too, to size each part of the default build.
"""
import os
import re
import sys

# name, what it is, the options it needs, the source files it links. A file named by several
# options is linked when any of them is on (the virtio transport, the PCI bridges' common node).
VIRTIO = ["vdev/virtio_mmio.c", "vdev/virtio_mmio_dt.c", "vdev/virtqueue.c"]
OPTIONS = [
    ("GICV2", "host GICv2 driver and the vGICv2 (a GICv2 host is stopped with one line without it)", [],
     ["drivers/gicv2.c", "vdev/vgic_v2.c"]),
    ("GICV3", "host GICv3 driver and the vGICv3 with its trapped ICC_SGI*R registers (a GICv3 host is stopped "
     "with one line without it)", [], ["drivers/gicv3.c", "vdev/vgic_v3.c", "vdev/vgic_sysregs.c"]),
    ("ITS", "host GICv3 ITS and the VMs' virtual ITS (LPIs)", ["GICV3"],
     ["drivers/gicv3_its.c", "vdev/vits.c", "vdev/vits_cmd.c", "vdev/vgic_lpi.c"]),
    ("GICV2M", "the GICv2m MSI frame device, and the host frame that carries assigned functions' MSIs on GICv2",
     [], ["vdev/vgicv2m.c", "drivers/gicv2m.c", "core/config_msi.c"]),
    ("PCI_ASSIGN", "PCIe functions assigned to VMs: SMMUv3, host bridge, virtual bridge, MSI/MSI-X",
     ["ITS"],
     ["core/pci_assign.c", "core/pci_msi.c", "drivers/smmuv3.c", "drivers/pci_host.c", "vdev/vpci.c",
      "vdev/vpci_msi.c", "vdev/vpci_msix.c", "vdev/pci_dt.c", "core/config_pci.c", "core/config_bar.c"]),
    ("GICV4", "GICv4.0 direct injection of assigned functions' MSIs (vPEs on the host ITS)",
     ["PCI_ASSIGN"], ["drivers/gicv4.c", "vdev/vgic_v4.c"]),
    ("SHMEM", "memory shared between VMs (ivshmem-style PCI function, doorbells)", [],
     ["vdev/ivshmem.c", "vdev/ivshmem_doorbell.c", "vdev/shmem_region.c", "vdev/pci_dt.c", "core/config_shmem.c",
      "core/config_bar.c"]),
    ("VIRTIO_BLK", "virtio-blk back end", [], ["vdev/virtio_blk.c", "core/config_virtio.c"] + VIRTIO),
    ("VIRTIO_NET", "virtio-net back end", ["VSWITCH"],
     ["vdev/virtio_net.c", "vdev/net_offload.c", "core/config_virtio.c"] + VIRTIO),
    ("VSWITCH", "the virtual switch between VMs' virtio-net ports", ["VIRTIO_NET"], ["vdev/vswitch.c"]),
    ("VIRTIO_CONSOLE", "virtio-console back end", [], ["vdev/virtio_console.c"] + VIRTIO),
    ("VIRTIO_RNG", "virtio-rng back end", [], ["vdev/virtio_rng.c"] + VIRTIO),
    ("CONTROL", "the control VM's channel (virtio-control, requests)", [],
     ["vdev/virtio_control.c", "core/control.c", "core/control_req.c", "core/config_control.c"] + VIRTIO),
    ("NESTED", "nested virtualization (virtual EL2, shadow stage 2)", [],
     ["vdev/nested.c", "vdev/nested_regs.c", "vdev/nested_s2.c", "vdev/nested_gic.c", "vdev/nested_traps.c",
      "vdev/nested_timer.c", "vdev/nested_vhe.c", "vdev/nested_at.c", "arch/aarch64/s2walk.c",
      "arch/aarch64/s1tables.c", "arch/aarch64/par_s12.c"]),
    ("PMU", "PMUv3 virtualization (else hidden: ID_AA64DFR0_EL1.PMUVer 0, accesses UNDEFINED)", [],
     ["vdev/vpmu.c"]),
    ("SVE", "SVE virtualization (else hidden and trapped, UNDEFINED)", [], ["vdev/vsve.c", "arch/aarch64/sve_ctx.S", "core/config_sve.c"]),
    ("PAUTH", "pointer authentication keys switched (else hidden and trapped, UNDEFINED)", [],
     ["vdev/vpauth.c"]),
    ("MTE", "memory tagging virtualization (else hidden, tags UNDEFINED)", [], ["vdev/vmte.c"]),
    ("SYMBOLS", "the symbol table that names functions in a crash report's backtrace", [],
     ["arch/aarch64/symbols.c"]),
    ("EFI", "booting as an EFI application (the EFI stub, for UEFI or U-Boot's bootefi) with the EFI memory map "
     "it hands over; else UEFI gets EFI_UNSUPPORTED and a boot loader starts the Image (booti, -kernel)", [],
     ["arch/aarch64/efi_stub.c", "arch/aarch64/efi_entry.S", "core/efi_mem.c"]),
    ("CRASH_NAMES", "the names of exception classes and fault status codes in a crash report (else their numbers)", [],
     ["arch/aarch64/esr_names.c"]),
    ("VM_FIRMWARE", "VMs that boot firmware (a boot loader in a read-only flash region, docs/booting.md); else a VM "
     "with `firmware` is refused", [], ["core/config_firmware.c", "core/vm_firmware.c", "core/vm_flash.c"]),
    ("SELFTEST", "the machine owner's self-tests of the hardening asked for by bootargs (stack guard, W^X, BTI, PAC, "
     "the AT walk's abort, a late crash); else those bootargs ask for nothing", [], ["core/selftest.c"]),
    ("UART_CADENCE", "Cadence UART console driver (Xilinx boards)", [], ["drivers/cadence_uart.c"]),
    ("UART_IMX", "i.MX UART console driver", [], ["drivers/imx_uart.c"]),
    ("MMIO_DECODE", "MMIO emulation of data aborts without a syndrome (ISV=0: pairs, writeback, SIMD&FP), decoded "
     "from the guest's instruction; else such an access gets an external abort and one line", [],
     ["core/mmio_decode.c", "arch/aarch64/a64_ldst.c"]),
    ("BANNER", "the boot banner's summary of what was found and chosen (CPUs, memory, GIC, UART, timer, PSCI, "
     "speculation, branch protection, image); else the version line alone", [], ["core/banner.c"]),
    ("CONSOLE_MUX", "the console's filter, line discipline and input focus for several VMs (else each VM's output "
     "as it comes, control characters shown as '.', input to the first VM)", [],
     ["core/console_mux.c", "core/console_stream.c", "core/escape.c"]),
    ("OPTIMIZE_SIZE", "every object built with -Os (the default builds only boot-time code so), each function and "
     "object in a section of its own, and the link drops those nothing references (--gc-sections)", [], []),
    ("LTO", "the C objects compiled by clang and optimized again as one at the link (ld.lld's link-time "
     "optimization): code inlined, outlined and dropped across files; with OPTIMIZE_SIZE at -Oz", [], []),
]
NAMES = [o[0] for o in OPTIONS]
# The source files an option's absent form links: linked only when that option is off.
ABSENT = {"CONSOLE_MUX": ["core/console_plain.c"]}


class ConfigError(Exception):
    pass


def parse(path):
    """{option: bool} from the file at path; ConfigError names the first problem."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"CONFIG_([A-Z0-9_]+)=(\S*)", line)
            if not m:
                raise ConfigError("%s:%d: need CONFIG_NAME=y or CONFIG_NAME=n" % (path, n))
            name, val = m.groups()
            if name not in NAMES:
                raise ConfigError("%s:%d: unknown option CONFIG_%s (known: %s)" % (path, n, name, ", ".join(NAMES)))
            if val not in ("y", "n"):
                raise ConfigError("%s:%d: CONFIG_%s=%s: need y or n" % (path, n, name, val))
            if name in values:
                raise ConfigError("%s:%d: CONFIG_%s set twice" % (path, n, name))
            values[name] = val == "y"
    for name in NAMES:
        if name not in values:
            raise ConfigError("%s: CONFIG_%s not set (y or n)" % (path, name))
    for name, _, needs, _ in OPTIONS:
        for need in needs:
            if values[name] and not values[need]:
                raise ConfigError("%s: CONFIG_%s=y needs CONFIG_%s=y" % (path, name, need))
    if not values["GICV2"] and not values["GICV3"]:
        raise ConfigError("%s: CONFIG_GICV2=n and CONFIG_GICV3=n: a build drives at least one GIC" % path)
    return values


def left_out(values):
    """The source files no option that is on links and the absent forms' of options that are on, sorted."""
    kept = {f for name, _, _, files in OPTIONS if values[name] for f in files}
    kept |= {f for name, files in ABSENT.items() if not values[name] for f in files}
    every = {f for _, _, _, files in OPTIONS for f in files} | {f for files in ABSENT.values() for f in files}
    return sorted(every - kept)


def hv_opt(values):
    """The compiler flags OPTIMIZE_SIZE and LTO add to every hypervisor object (after -O2)."""
    flags = []
    if values["OPTIMIZE_SIZE"]:
        # clang's -Oz is its -Os with size first (it takes about 8% off its -Os with LTO here);
        # GCC's -Os already is that.
        flags += ["-Oz" if values["LTO"] else "-Os", "-ffunction-sections", "-fdata-sections"]
    if values["LTO"]:
        flags += ["-flto"]
    return " ".join(flags)


def hv_ldflags(values):
    """The linker flags OPTIMIZE_SIZE adds: sections nothing references dropped, and with LTO
    functions of identical code folded into one where no one compares their addresses (clang's
    address-significance tables say which; GCC's objects have none, so nothing of theirs folds)."""
    flags = []
    if values["OPTIMIZE_SIZE"]:
        flags += ["--gc-sections"] + (["--icf=safe"] if values["LTO"] else [])
    return " ".join(flags)


def write_if_changed(path, text):
    """Rewritten only when different, so that an unchanged configuration rebuilds nothing."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: buildcfg.py CONF OUT_H OUT_MK")
    conf, out_h, out_mk = sys.argv[1:]
    try:
        values = parse(conf)
    except (ConfigError, OSError) as e:
        sys.exit("build configuration: %s" % e)
    h = ["/* Generated by tools/buildcfg.py from %s: do not edit. */" % conf,
         "#ifndef ELVISOR_BUILD_CONFIG_H", "#define ELVISOR_BUILD_CONFIG_H"]
    h += ["#define CONFIG_%s %d" % (name, values[name]) for name in NAMES]
    h += ["#endif", ""]
    mk = ["# Generated by tools/buildcfg.py from %s: do not edit." % conf,
          "HV_LEFT_OUT := " + " ".join(left_out(values)),
          "HV_CC := " + ("clang --target=aarch64-linux-gnu" if values["LTO"] else ""),
          "HV_OPT := " + hv_opt(values),
          "HV_LDFLAGS := " + hv_ldflags(values)]
    mk += ["CONFIG_%s := %s" % (name, "y" if values[name] else "n") for name in NAMES]
    mk += [""]
    write_if_changed(out_h, "\n".join(h))
    write_if_changed(out_mk, "\n".join(mk))


if __name__ == "__main__":
    main()
