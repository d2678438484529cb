#!/usr/bin/env python3
"""Regenerates the seed corpora in tests/fuzz/corpus/<harness>/ (run from the repository root).

Seeds are small, hand-picked starting points; libFuzzer mutates them and keeps what it learns
in build/fuzz/corpus/, never here. Needs dtc and the aarch64 cross assembler (tools/deps.sh)."""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
CROSS = os.environ.get("CROSS", "aarch64-linux-gnu-")


def put(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def dtb(path):
    return subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", path], check=True,
                          stdout=subprocess.PIPE).stdout


def dts_seeds():
    """Every configuration and the QEMU-virt-like fixture, for the reader and config_parse."""
    sources = [os.path.join("tests", "unit", "fixtures", "virt-gicv2.dts")]
    for d in ("configs", os.path.join("tests", "configs")):
        sources += sorted(os.path.join(d, f) for f in os.listdir(os.path.join(ROOT, d)) if f.endswith(".dts"))
    for src in sources:
        blob = dtb(os.path.join(ROOT, src))
        name = src.replace(os.sep, "_").replace(".dts", ".dtb")
        put("fdt", name, blob)
        if "fixtures" not in src:
            put("config", name, blob)


# A bus behind ranges, as on the Raspberry Pi 4 (VideoCore addresses in 1 cell under a 2-cell
# root, several entries) with an identity bus nested in it: fdt_reg's translation.
RANGES_DTS = """/dts-v1/;
/ {
    #address-cells = <2>; #size-cells = <1>;
    cpus { #address-cells = <1>; #size-cells = <0>;
        cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "spin-table"; cpu-release-addr = <0 0xd8>; }; };
    soc { #address-cells = <1>; #size-cells = <1>;
        ranges = <0x7e000000 0 0xfe000000 0x1800000 0x40000000 0 0xff800000 0x800000>;
        serial@7e201000 { compatible = "arm,pl011"; reg = <0x7e201000 0x200>; };
        gic@40041000 { compatible = "arm,gic-400"; reg = <0x40041000 0x1000 0x40042000 0x2000>; };
        bus@7e300000 { #address-cells = <1>; #size-cells = <1>; ranges;
            dev@7e300100 { reg = <0x7e300100 0x10>; }; }; };
    memory@0 { device_type = "memory"; reg = <0 0 0x3c000000>; };
};
"""


def ranges_seed():
    with tempfile.NamedTemporaryFile("w", suffix=".dts") as f:
        f.write(RANGES_DTS)
        f.flush()
        put("fdt", "ranges.dtb", dtb(f.name))


# One of each load/store class a64_decode_ldst knows, plus neighbours it must refuse.
A64 = """
    ldr x0, [x1]
    ldr w2, [x3, #8]
    ldrb w4, [x5, #4095]
    ldrh w6, [sp, #2]
    ldrsb x7, [x8]
    ldrsb w7, [x8]
    ldrsh x9, [x10, #-2]!
    ldrsw x11, [x12], #4
    str x13, [x14, #-256]!
    strb wzr, [x15], #255
    strh w16, [x17, x18]
    ldr x19, [x20, x21, lsl #3]
    ldr w22, [x23, w24, sxtw #2]
    ldrb w25, [x26, w27, uxtw]
    ldur x0, [x1, #-1]
    sttr w2, [x3, #7]
    ldtr x4, [x5]
    ldp x0, x1, [x2]
    ldp w3, w4, [sp, #-8]!
    stp x5, x6, [x7], #16
    ldpsw x8, x9, [x10, #8]
    ldnp x11, x12, [x13]
    stnp w14, w15, [x16, #4]
    ldr b0, [x1]
    ldr h2, [x3, #2]
    ldr s4, [x5], #4
    ldr d6, [x7, #8]!
    ldr q8, [x9, #16]
    str q10, [x11, x12, lsl #4]
    ldp s0, s1, [x2]
    ldp d3, d4, [x5, #16]!
    stp q6, q7, [sp, #-32]!
    ldar x0, [x1]
    stlr w2, [x3]
    ldarb w4, [x5]
    stlrh w6, [x7]
    ldxr x0, [x1]
    stxr w2, x3, [x4]
    prfm pldl1keep, [x0]
    ldr x0, =0x1234
    add x0, x1, x2
"""
A64_EXTRA = {
    # Encodings the assembler may not accept without feature flags.
    "ldapr_x0_x1": 0xf8bfc020,
    "ldlar_w0_x1": 0x88df7c20,
    "ldapur_x0_x1_m8": 0xd9580020,
    "stlur_w0_x1_4": 0x99004020,
    "ldr_x1_x1_post_unpredictable": 0xf8408421,
    "ldp_x0_x0_unpredictable": 0xa9400040,
}


def a64_seeds():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "i.s")
        obj = os.path.join(tmp, "i.o")
        raw = os.path.join(tmp, "i.bin")
        lines = [l.strip() for l in A64.strip().splitlines()]
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n.ltorg\n")
        subprocess.run([CROSS + "as", "-march=armv8.4-a", src, "-o", obj], check=True)
        subprocess.run([CROSS + "objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
        words = open(raw, "rb").read()
    for i, line in enumerate(lines):
        name = "".join(c if c.isalnum() else "_" for c in line).strip("_")
        insn = words[4 * i:4 * i + 4]
        # insn, control (window at the address), one register set, 8 memory bytes
        put("a64", "%02d_%s" % (i, name), insn + bytes([0x00, 1, 1]) + struct.pack("<Q", 0x1000) +
            bytes(range(0x10, 0x18)))
    for name, w in A64_EXTRA.items():
        put("a64", name, struct.pack("<I", w) + bytes([0x80, 0]))


def esr(ec, iss, il=1):
    return (ec << 26) | (il << 25) | iss


ESR = {
    # data aborts: ISV with SAS/SSE/SRT/SF/AR/WnR, ISV=0, CM, S1PTW, external abort, FnV
    "dabt_ldr_w3": esr(0x24, (1 << 24) | (2 << 22) | (3 << 16) | 0x06),
    "dabt_strb_x30_sf": esr(0x24, (1 << 24) | (30 << 16) | (1 << 15) | (1 << 6) | 0x07),
    "dabt_ldrsh_ar": esr(0x24, (1 << 24) | (1 << 22) | (1 << 21) | (5 << 16) | (1 << 14) | 0x05),
    "dabt_no_isv": esr(0x24, 0x07),
    "dabt_cm": esr(0x24, (1 << 8) | (1 << 6) | 0x06),
    "dabt_s1ptw": esr(0x24, (1 << 7) | 0x05),
    "dabt_sea": esr(0x24, (1 << 24) | 0x10),
    "dabt_fnv": esr(0x24, (1 << 24) | (1 << 10) | 0x06),
    "dabt_lpa2": esr(0x24, (1 << 24) | 0x2b),
    # MSR/MRS traps: ICC_SGI1R_EL1 write, PMCR_EL0 read, CNTP_CTL_EL0
    "sys_icc_sgi1r": esr(0x18, (3 << 20) | (5 << 17) | (0 << 14) | (12 << 10) | (2 << 5) | (11 << 1)),
    "sys_pmcr_read": esr(0x18, (3 << 20) | (0 << 17) | (3 << 14) | (9 << 10) | (7 << 5) | (12 << 1) | 1),
    "sys_cntp_ctl": esr(0x18, (3 << 20) | (1 << 17) | (3 << 14) | (14 << 10) | (1 << 5) | (2 << 1)),
    "hvc": esr(0x16, 0x0000),
    "wfe": esr(0x01, 0x1),
}


def esr_seeds():
    for name, v in ESR.items():
        put("esr", name, struct.pack("<QQQQ", v, 0x9000004, 0x90000 << 4, 0xffff000012345004))


def pgtable_seeds():
    # va_bits byte, then ops: (op, va kind, va m, [extra], size kind, size m, delta kind, m, attrs)
    m = lambda flags, va, size, delta, attr: bytes([flags]) + va + size + delta + bytes([attr])
    page = bytes([0, 4])                         # va kind 0: page 4
    blk = bytes([1, 1, 0])                       # va kind 1: 2 MiB #1, +0 pages
    gib = bytes([2, 1, 0])                       # va kind 2: 1 GiB #1
    top = bytes([3, 0])                          # last page of the range
    put("pgtable", "map_page_walk_unmap", bytes([23]) +
        m(0, page, bytes([0, 0]), bytes([1, 3]), 0) + bytes([6]) + page + bytes([4]) + page + bytes([0, 0]))
    put("pgtable", "map_2m_split_by_unmap", bytes([23]) +
        m(0, blk, bytes([1, 0]), bytes([2, 5]), 2) + bytes([4, 1, 1, 3]) + bytes([0, 0]) + bytes([6, 1, 1, 1]))
    put("pgtable", "map_1g_replace_page", bytes([15]) +
        m(1, gib, bytes([3, 0]), bytes([3, 2]), 0) + m(0x11, gib, bytes([0, 0]), bytes([1, 9]), 6))
    put("pgtable", "nomem_on_replace", bytes([23]) +
        m(0, blk, bytes([1, 0]), bytes([2, 1]), 0) + bytes([7, 0]) +
        m(0x10, bytes([1, 1, 3]), bytes([0, 3]), bytes([1, 7]), 1))
    put("pgtable", "top_of_range", bytes([7]) + m(0, top, bytes([0, 0]), bytes([0, 0]), 3) +
        bytes([6]) + top)


def s2walk_seeds():
    # VTCR_EL2, VTTBR_EL2, four IPAs, then the guest's RAM at address 0 (pages 0..3 here).
    vtcr32 = 32 | 1 << 6 | 0 << 16 | 1 << 31            # 32-bit IPA, start level 1, PS 32
    vtcr48 = 16 | 2 << 6 | 5 << 16 | 1 << 31            # 48-bit IPA, start level 0, PS 48
    ram = bytearray(4 * 4096)
    def d(page, idx, v):
        struct.pack_into("<Q", ram, page * 4096 + idx * 8, v)
    d(0, 0, 0x1000 | 3)                                # L1[0] -> L2 table at page 1
    d(0, 1, 0x80000000 | 1 << 10 | 3 << 6 | 0xf << 2 | 1)   # L1[1]: 1 GiB block, RW
    d(1, 0, 0x2000 | 3)                                # L2[0] -> L3 table at page 2
    d(1, 3, 0x200000 | 1 << 10 | 1 << 6 | 1 << 54 | 1)  # L2[3]: 2 MiB block, RO, XN
    d(2, 1, 0x3000 | 1 << 10 | 3 << 6 | 3)             # L3[1]: page 3, RW
    d(2, 2, 0x3000 | 3 << 6 | 3)                       # L3[2]: AF clear
    d(2, 3, 0x7000000 | 1 << 10 | 3)                   # L3[3]: page outside the RAM
    put("s2walk", "three_levels", struct.pack("<QQQQQQ", vtcr32, 0, 0x1234, 0x40001000, 0x654321, 0x2000)
        + bytes(ram))
    loop = bytearray(4096)
    for i in range(512):
        struct.pack_into("<Q", loop, i * 8, 3)         # every entry: table at address 0
    put("s2walk", "self_loop", struct.pack("<QQQQQQ", vtcr48, 0, 0x123456789, 0, 1 << 47, 0xfff) + bytes(loop))


# Non-magic inputs are recipes for fuzz_config: CPUs, IPA bits, reserved windows, /vms, count,
# then per VM: name, property masks, values.
CONFIG_RECIPES = {
    # 4 CPUs, 40-bit IPA, both GIC windows, /vms with two VMs: 'vm0' (4 MiB, 2 vCPUs on CPUs
    # 1 and 2, bootargs, one passthrough region, a debug device) and 'vm1' (minimal).
    "recipe_two_good_vms": bytes([3, 8, 2, 1, 2,
                                  0, 0xef, 0x13, 0, 0, 0, 1, 2, 1, 2, 0, 5, 1, 0x01, 2, 16, 0, 0,
                                  1, 0x05, 2, 0, 0, 0,
                                  1, 0x0f, 0x03, 0, 2, 0, 1, 1, 3, 0]),
    # 'vm0' as above, 'vm1' with its device inside its RAM, then 'vm0' again
    "recipe_dup_and_overlap": bytes([3, 8, 2, 1, 3,
                                     0, 0xef, 0x13, 0, 0, 0, 1, 2, 1, 2, 0, 5, 1, 0x01, 2, 16, 0, 0,
                                     1, 0x05, 2, 0, 0, 0,
                                     1, 0x8f, 0x03, 0, 0, 0, 1, 1, 3, 0, 1, 0x05, 0, 3, 0, 0,
                                     0, 0x0f, 0x03, 0, 0, 0, 1, 1, 3, 0]),
    "recipe_no_vms": bytes([3, 8, 2, 0]),
}


def config_seeds():
    for name, data in CONFIG_RECIPES.items():
        put("config", name, data)


# fuzz_virtq: byte 0 = RAM placement and size, byte 1 = number of 6-byte operations
# {op, arg, le32 val}, then the RAM image (layout in tests/fuzz/fuzz_virtq.c).
VQ_OPS = ("write32", "read32", "raw", "init", "setup_q", "notify", "offer", "poke16", "ack",
          "reset", "vmstate", "quiesce", "flush", "bemode", "fail")
VQ_RAM = {4096: 0, 8192: 1, 12288: 2, 16384: 3}
VQ_INDIRECT, VQ_EVENT_IDX, VQ_NEXT, VQ_WRITE, VQ_IND = 1 << 28, 1 << 29, 1, 2, 4


class VqSeed:
    """A driver's RAM image and operations; queue rings placed on 256-byte blocks."""

    def __init__(self, size=8192, place=0):
        self.ipa = {0: 0x40000000, 1: 0, 2: (1 << 64) - size, 3: 1 << 47}[place]
        self.flags = place | VQ_RAM[size] << 2
        self.ram = bytearray(size)
        self.ops = []

    def op(self, name, arg=0, val=0):
        self.ops.append(struct.pack("<BBI", VQ_OPS.index(name), arg, val & 0xffffffff))

    def desc(self, table, i, addr, length, flags=0, nxt=0):
        """Descriptor i of the table at RAM offset `table`; addr is a RAM offset."""
        struct.pack_into("<QIHH", self.ram, table + 16 * i, (self.ipa + addr) % (1 << 64), length, flags, nxt)

    def put16(self, off, v):
        struct.pack_into("<H", self.ram, off, v)

    def avail(self, off, heads, idx0=0, qsize=16):
        for k, h in enumerate(heads):
            self.put16(off + 4 + 2 * ((idx0 + k) % qsize), h)
        self.put16(off + 2, (idx0 + len(heads)) % 65536)

    def bring_up(self, feats, queues=((0, 4, 0x000, 0x100, 0x200),)):
        """INIT with `feats`, SETUP_Q for each (queue, log2 size, desc, avail, used), DRIVER_OK."""
        self.op("init", feats >> 32, feats)
        for q, log2, d, a, u in queues:
            self.op("setup_q", q, log2 | (d >> 8) << 4 | (a >> 8) << 10 | (u >> 8) << 16)
        self.op("write32", 0x70 // 4, 0xf)

    def data(self):
        return bytes([self.flags, len(self.ops)]) + b"".join(self.ops) + bytes(self.ram).rstrip(b"\0")


def virtq_seeds():
    V1 = 1 << 32
    seeds = {}

    s = VqSeed()                                    # an entropy-device-like exchange
    s.desc(0, 0, 0x1000, 16, VQ_NEXT, 1)
    s.desc(0, 1, 0x1100, 32, VQ_WRITE)
    s.desc(0, 2, 0x400, 48, VQ_IND)
    s.desc(0x400, 0, 0x1200, 8, VQ_NEXT, 1)
    s.desc(0x400, 1, 0x1300, 8, VQ_WRITE | VQ_NEXT, 2)
    s.desc(0x400, 2, 0x1400, 8, VQ_WRITE)
    s.avail(0x100, [0, 2])
    s.bring_up(V1 | VQ_INDIRECT)
    s.op("notify", 0)
    s.op("read32", 0x60 // 4)
    s.op("ack", 0, 1)
    s.op("offer", 2, 0)
    s.op("read32", 0x70 // 4)
    seeds["rng_like"] = s

    s = VqSeed()                                    # event index, deferred pushes, 2 queues
    for i in range(8):
        s.desc(0, i, 0x1000 + 0x40 * i, 0x40, VQ_WRITE)
        s.desc(0x800, i, 0x1800 + 0x10 * i, 0x10, 0 if i % 2 else VQ_NEXT, i + 1)
    s.avail(0x100, [0, 1, 2])
    s.put16(0x100 + 4 + 2 * 16, 1)                  # used_event
    s.bring_up(V1 | VQ_INDIRECT | VQ_EVENT_IDX, ((0, 4, 0x000, 0x100, 0x200), (1, 3, 0x800, 0x900, 0xa00)))
    s.op("bemode", 1)
    s.op("notify", 0)
    s.op("offer", 1, 0)
    s.op("offer", 3, 2)
    s.op("flush")
    s.op("bemode", 0x24)
    s.op("offer", 2, 3)
    s.op("read32", 0x60 // 4)
    seeds["event_idx_two_queues"] = s

    s = VqSeed()                                    # indexes about to wrap
    s.put16(0x200 + 2, 0xfffe)
    for i in range(4):
        s.desc(0, i, 0x1000 + 0x20 * i, 0x20, VQ_WRITE)
    s.avail(0x100, [0, 1, 2], idx0=0xfffe)
    s.bring_up(V1)
    s.op("notify", 0)
    s.op("offer", 2, 3)
    s.op("reset")
    s.bring_up(V1)
    s.op("notify", 0)
    seeds["wraparound"] = s

    s = VqSeed(4096, place=2)                       # RAM at the top of the address space
    s.desc(0, 0, 0xff0, 16, VQ_WRITE)
    s.desc(0, 1, 0xff0, 17, VQ_WRITE)
    s.avail(0x100, [0, 1])
    s.bring_up(V1)
    s.op("notify", 0)
    seeds["top_of_space"] = s

    s = VqSeed(16384)                               # the largest ring and indirect table
    for i in range(64):
        s.desc(0x2000, i, 0x3000 + i, 1, VQ_WRITE | (VQ_NEXT if i < 63 else 0), i + 1)
    s.desc(0, 255, 0x2000, 4096, VQ_IND)
    s.avail(0x1000, [255], qsize=256)
    s.bring_up(V1 | VQ_INDIRECT, ((0, 8, 0x000, 0x1000, 0x1400),))
    s.op("notify", 0)
    seeds["size_256_indirect_4096"] = s

    s = VqSeed()                                    # a ring refilled as fast as it is served
    s.desc(0, 3, 0x1000, 8, VQ_WRITE)
    s.avail(0x100, [3])
    s.bring_up(V1 | VQ_EVENT_IDX)
    s.op("bemode", 0x80)
    s.op("notify", 0)
    s.op("notify", 0)
    s.op("bemode", 0)
    s.op("notify", 0)
    seeds["notify_budget"] = s

    s = VqSeed()                                    # queue ready before FEATURES_OK
    s.op("write32", 0x70 // 4, 3)
    s.op("setup_q", 0, 4 | 1 << 10 | 2 << 16)
    s.op("read32", 0x70 // 4)
    s.op("ack", 0, 2)
    s.op("reset")
    s.bring_up(V1)
    seeds["ready_before_features_ok"] = s

    s = VqSeed()                                    # access sizes and the configuration space
    for arg, val in ((0x00, 0x00000000), (0x10, 0x70000000), (0x20, 0x00000000), (0x41, 0x00000000),
                     (0x01, 0x05000000), (0x11, 0x04000000), (0x21, 0x04000000), (0x31, 0x00000000),
                     (0x91, 0x02000001), (0xa0, 0x70000003), (0x8f, 0xfc000000), (0x40, 0x72000000)):
        s.op("raw", arg, val)
    for reg in (0, 1, 2, 3, 4, 0x34 // 4, 0xfc // 4, 0x100 // 4, 0x104 // 4):
        s.op("read32", reg)
    seeds["access_sizes"] = s

    # One driver error per seed, then a reset and a good chain.
    bad = {
        "loop": [(0, 0, 0x1000, 4, VQ_NEXT, 1), (0, 1, 0x1000, 4, VQ_NEXT, 0)],
        "next_beyond_queue": [(0, 0, 0x1000, 4, VQ_NEXT, 16)],
        "buffer_past_ram": [(0, 0, 0x1ff8, 16, 0, 0)],
        "readable_after_writable": [(0, 0, 0x1000, 4, VQ_WRITE | VQ_NEXT, 1), (0, 1, 0x1000, 4, 0, 0)],
        "nested_indirect": [(0, 0, 0x400, 16, VQ_IND, 0), (0x400, 0, 0x500, 16, VQ_IND, 0),
                            (0x500, 0, 0x1000, 4, 0, 0)],
        "indirect_next": [(0, 0, 0x400, 32, VQ_IND | VQ_NEXT, 1), (0x400, 0, 0x1000, 4, 0, 0)],
        "indirect_len": [(0, 0, 0x400, 24, VQ_IND, 0), (0x400, 0, 0x1000, 4, 0, 0)],
        "indirect_next_outside": [(0, 0, 0x400, 32, VQ_IND, 0), (0x400, 0, 0x1000, 4, VQ_NEXT, 2)],
    }
    for name, descs in bad.items():
        s = VqSeed()
        for d in descs:
            s.desc(*d)
        s.desc(0, 5, 0x1800, 64, VQ_WRITE)
        s.avail(0x100, [0])
        s.bring_up(V1 | VQ_INDIRECT)
        s.op("notify", 0)
        s.op("ack", 0, 2)
        s.op("reset")
        s.op("poke16", 0, 0x01040005)               # ring[0] = 5
        s.bring_up(V1 | VQ_INDIRECT)
        s.op("notify", 0)
        seeds["bad_" + name] = s

    s = VqSeed()                                    # an indirect table without the feature
    s.desc(0, 0, 0x400, 16, VQ_IND)
    s.desc(0x400, 0, 0x1000, 4)
    s.avail(0x100, [0])
    s.bring_up(V1)
    s.op("notify", 0)
    seeds["bad_indirect_not_negotiated"] = s

    for name, s in seeds.items():
        put("virtq", name, s.data())


class Vgic:
    """An input for fuzz_vgic: header, then operations (encodings in tests/fuzz/fuzz_vgic.c)."""

    def __init__(self, ver, nvcpu, npcpu, lrs, pre=4, spis=()):
        h1 = (lrs - 1) | (pre << 5 if ver == 3 else 0)
        self.b = bytes([(ver == 3) | (nvcpu - 1) << 1 | (npcpu - 1) << 4, h1, len(spis)])
        self.b += bytes(i - 32 for i in spis)
        self.ver = ver

    def op(self, *bs):
        self.b += bytes(bs)
        return self

    def mmio(self, v, off, val=None, size=4, redist=None, sgi=False):
        """A write (val given) or read; redist: the GICR of that vCPU (RD or SGI frame)."""
        sel = 0 if redist is None else 1 + redist
        op = (val is not None) << 4 | (size.bit_length() - 1) << 5 | 0x80
        self.op(op, v | sgi << 3 | sel << 4, off & 0xff, off >> 8)
        if val is not None:
            self.b += (val & ((1 << 8 * size) - 1)).to_bytes(size, "little")
        return self

    def dist(self, v, off, val=None, size=4):
        return self.mmio(v, off, val, size)

    def edge(self, intid, v=None, cpu=0):
        return self.op(5, (0x80 | v if v is not None else 0) | cpu << 3, intid)

    def level(self, intid, lvl, v=None):
        return self.op(6 | lvl << 4, 0x80 | v if v is not None else 0, intid)

    def device(self, i, line):
        return self.op(7 | line << 4, i)

    def ack(self, v):
        return self.op(8 | 1 << 4, v)                  # the highest-priority pending LR

    def eoi(self, v, n):
        return self.op(9, v | n << 3)

    def run(self, v, kind=0):                           # 0 exit+enter, 1 exit, 2 enter, 3 put+load
        return self.op(10 | kind << 4, v)

    def sgi1r(self, v, sgi, targets, irm=0, kind=0):
        return self.op(11 | kind << 4, v, sgi | irm << 4, targets & 0xff, targets >> 8)

    def timer(self, v, ctl):
        return self.op(12 | ctl << 4, v)

    def wfi(self, v):
        return self.op(13, v)

    def vmcr(self, v, val):
        return self.op(14, v, *val.to_bytes(4, "little"))

    def setup_v3(self, nvcpu, spis_to_enable=range(32, 96)):
        self.dist(0, 0x0, 3)                                            # GICD_CTLR
        for c in range(nvcpu):
            self.mmio(c, 0x14, 0, redist=c)                             # GICR_WAKER: awake
            self.mmio(c, 0x080, 0xffffffff, redist=c, sgi=True)         # IGROUPR0
            self.mmio(c, 0x100, 0xffffffff, redist=c, sgi=True)         # ISENABLER0
        for i in sorted(set(i // 32 for i in spis_to_enable)):
            self.dist(0, 0x080 + 4 * i, 0xffffffff).dist(0, 0x100 + 4 * i, 0xffffffff)
        return self

    def setup_v2(self, nvcpu, spis_to_enable=range(32, 96)):
        self.dist(0, 0x0, 3)
        for c in range(nvcpu):
            self.dist(c, 0x100, 0xffffffff)                             # private, banked
        for i in sorted(set(i // 32 for i in spis_to_enable)):
            self.dist(0, 0x100 + 4 * i, 0xffffffff)
        return self

    def guest_takes_all(self, v, lrs):
        for n in range(lrs):
            self.ack(v)
        for n in range(lrs):
            self.eoi(v, n)
        return self.run(v)


def vgic_seeds():
    # GICv3, 2 vCPUs on 2 CPUs, 4 LRs: SPIs routed to both, SGIs by target list and broadcast,
    # level lines with EOI maintenance, the timer, WFI, descheduling.
    s = Vgic(3, 2, 2, 4).setup_v3(2)
    s.dist(0, 0x6000 + 8 * 40, 1, size=8).dist(1, 0x6000 + 8 * 41, 1 << 31, size=8)
    for i, intid in enumerate(range(40, 48)):
        s.dist(0, 0x400 + intid, 0x10 * i, size=1)
    for intid in range(40, 48):
        s.edge(intid)
    s.sgi1r(0, 3, 0x2).sgi1r(1, 5, 0, irm=1).level(50, 1).level(20, 1, v=1)
    s.run(0).run(1).guest_takes_all(0, 4).guest_takes_all(1, 4).level(50, 0)
    s.timer(0, 5).run(0).wfi(0).guest_takes_all(0, 4).run(1, 3).wfi(1)
    put("vgic", "v3_two_vcpus", s.b)
    # GICv2, 4 vCPUs on 2 CPUs, 4 LRs: ITARGETSR, GICD_SGIR with each filter, SPENDSGIR.
    s = Vgic(2, 4, 2, 4).setup_v2(4)
    for intid in range(32, 40):
        s.dist(0, 0x800 + intid, 1 << (intid % 4), size=1)
        s.edge(intid)
    s.dist(0, 0xf00, 0x00030003).dist(1, 0xf00, 0x01000004).dist(2, 0xf00, 0x02000005)
    s.dist(3, 0xf20, 0x01010101).dist(3, 0xf10, 0x00000100)
    for v in range(4):
        s.run(v).guest_takes_all(v, 4)
    s.level(33, 1).run(1).guest_takes_all(1, 4).timer(2, 5).run(2).guest_takes_all(2, 4)
    put("vgic", "v2_four_vcpus", s.b)
    # Passthrough SPIs 40 and 77 (GICv3 and GICv2): device lines, HW list registers, the
    # guest's set/clear-pending and enable writes on them.
    for ver in (3, 2):
        s = Vgic(ver, 2, 1, 2, spis=(40, 77))
        (s.setup_v3 if ver == 3 else s.setup_v2)(2, spis_to_enable=(40, 77))
        if ver == 2:
            s.dist(0, 0x800 + 40, 1, size=1).dist(0, 0x800 + 77, 2, size=1)
        else:
            s.dist(0, 0x6000 + 8 * 77, 1, size=8)
        s.device(0, 1).device(1, 1).run(0).ack(0).device(0, 0).eoi(0, 0).eoi(0, 1).run(0)
        s.device(0, 1).dist(0, 0x280 + 4, 1 << 8).dist(0, 0x200 + 4, 1 << 8).device(0, 0)
        s.run(1).guest_takes_all(1, 2).dist(0, 0x180 + 8, 1 << 13).device(1, 1).run(1, 3)
        # pending in a list register, withdrawn (ICPENDR), then the vCPU is descheduled
        s.device(0, 1).run(0, 2).dist(0, 0x280 + 4, 1 << 8).run(0, 3).device(0, 0)
        put("vgic", "v%d_passthrough" % ver, s.b)
    # One vCPU, 2 LRs, 12 SPIs of scrambled priorities: refill by priority, eviction.
    for ver in (3, 2):
        s = Vgic(ver, 1, 1, 2)
        (s.setup_v3 if ver == 3 else s.setup_v2)(1)
        if ver == 2:
            for intid in range(64, 76):
                s.dist(0, 0x800 + intid, 1, size=1)
        for k, intid in enumerate(range(64, 76)):
            s.dist(0, 0x400 + intid, ((k * 5) % 12) << 3, size=1).edge(intid)
        s.run(0)
        for k in range(8):
            s.ack(0).run(0).eoi(0, 0).eoi(0, 1).run(0)
        put("vgic", "v%d_refill_2lrs" % ver, s.b)
    # The timer's PPI taken while the vCPU is out of the guest, then the guest clears its
    # pending state (ICPENDR) and takes what is left.
    for ver in (3, 2):
        s = Vgic(ver, 1, 1, 4)
        (s.setup_v3 if ver == 3 else s.setup_v2)(1)
        s.timer(0, 5).run(0, 1)
        if ver == 3:
            s.mmio(0, 0x280, 1 << 27, redist=0, sgi=True)
        else:
            s.dist(0, 0x280, 1 << 27)
        s.run(0).guest_takes_all(0, 4).timer(0, 0).run(0).guest_takes_all(0, 4)
        put("vgic", "v%d_timer_cpending" % ver, s.b)
    # The guest sets its own timer PPI pending (ISPENDR) once the timer made it a HW one.
    s = Vgic(3, 1, 1, 4).setup_v3(1)
    s.timer(0, 5).run(0).guest_takes_all(0, 4).timer(0, 0).run(0)
    s.mmio(0, 0x200, 1 << 27, redist=0, sgi=True).run(0).guest_takes_all(0, 4)
    put("vgic", "v3_timer_soft_pending", s.b)
    # Register corners that were wrong once: byte reads of GICR_TYPER, the reserved
    # ITARGETSR space of a redistributor, IGROUPR bits written back to 0.
    s = Vgic(3, 2, 2, 4)
    for off in (0x8, 0x9, 0xc):
        s.mmio(0, off, size=1, redist=1).mmio(0, off, size=2, redist=1)
    s.mmio(1, 0x800, 0x01010101, redist=0, sgi=True).mmio(1, 0x81c, 2, size=1, redist=1, sgi=True)
    s.dist(0, 0x084, 0xffffffff).dist(0, 0x084, 0x0000ffff).mmio(0, 0x080, 0xffffffff, redist=0, sgi=True)
    s.mmio(0, 0x080, 0, redist=0, sgi=True)
    put("vgic", "v3_register_corners", s.b)
    # Eight vCPUs sharing 3 CPUs (GICv3, 16 LRs): SGI broadcast, timers, put/load.
    s = Vgic(3, 8, 3, 16, pre=6).setup_v3(8)
    s.sgi1r(0, 1, 0, irm=1).sgi1r(7, 2, 0xff)
    for v in range(8):
        s.timer(v, 5).run(v, 3).vmcr(v, 0xf0000000 | v)
    for v in range(8):
        s.guest_takes_all(v, 3)
    put("vgic", "v3_eight_vcpus_three_cpus", s.b)


# fuzz_smccc: the function IDs of its table, in order (tests/fuzz/fuzz_smccc.c fids[]).
SMCCC_FIDS = [0x80000000, 0x80000001, 0x80008000, 0x80007fff, 0x80003fff, 0x8000ff00,
              0x84000000, 0x84000001, 0xc4000001, 0x84000002, 0x84000003, 0xc4000003, 0x84000004,
              0xc4000004, 0x84000005, 0xc4000005, 0x84000006, 0x84000007, 0xc4000007, 0x84000008,
              0x84000009, 0x8400000a]


def smccc_seeds():
    def call(fid, x1=(0, 0), x2=(0, 0), x3=(0, 0), vm=0, v=0, smc=False):
        """x: (kind, value): 0 small, 1 MPIDR of vCPU value, 2 RAM offset, 3 raw."""
        b = bytes([0x10 * smc, vm << 7 | v, SMCCC_FIDS.index(fid)])
        for kind, val in (x1, x2, x3):
            if kind == 0:
                b += bytes([val << 2])
            elif kind == 1:
                b += bytes([1 | val << 2])
            elif kind == 2:
                b += bytes([2 | 0x04 | 0x08]) + struct.pack("<I", val)
            else:
                b += bytes([3]) + struct.pack("<Q", val)
        return b + bytes([0, 0])
    sched = lambda vm, v: bytes([13, vm << 7 | v])
    finish = lambda vm: bytes([14, vm << 7])
    boot = (call(0x84000000) + call(0x80000000) + call(0x80000001, (3, 0x80000000)) +
            call(0x8400000a, (3, 0xc4000003)) + call(0x8400000a, (3, 0xc4000012)) +
            call(0xc4000003, (1, 1), (2, 0x1000), (0, 7)) + call(0xc4000004, (1, 1)) +
            sched(0, 1) + call(0xc4000004, (1, 1)) + call(0xc4000003, (1, 1), (2, 0x1000)) +
            call(0x84000003, (1, 2), (2, 0x2000), (3, 0xffffffff00000005)) +
            call(0xc4000003, (1, 3), (3, 0x3fffffff)) + call(0xc4000003, (1, 7), (2, 0)) +
            call(0xc4000004, (1, 2), (0, 1)) + call(0x84000002, vm=0, v=1) +
            call(0x84000006) + call(0xc4000001) + call(0x80008000) +
            call(0x84000009) + finish(0) + call(0x84000008, vm=1))
    # header: VM A 4 vCPUs, VM B 2; 16 MiB of RAM
    put("smccc", "hvc_boot_secondaries", bytes([3 | 1 << 3, 4]) + boot)
    put("smccc", "smc_boot_secondaries", bytes([3 | 1 << 3, 4]) +
        b"".join(call(f, (1, 1), (2, 0x4000), (0, 9), smc=True) for f in SMCCC_FIDS[:19] if f != 0x84000002) +
        sched(0, 1) +
        call(0xc4000004, (1, 1), smc=True) + call(0x84000002, v=1, smc=True))
    # other exception classes and exit kinds: WFI, WFE, MSR, data abort, instruction abort,
    # an unknown class, then IRQ and SError (which stops VM A)
    other = b""
    for ec, iss in ((0x01, 0), (0x01, 1), (0x18, 0x3ac00), (0x24, 0x1000046), (0x20, 0x10), (0x07, 0)):
        other += bytes([12, 0]) + struct.pack("<Q", ec << 26 | 1 << 25 | iss)
    other += bytes([12 | 0x10, 0]) + bytes(8) + bytes([1]) + bytes([12 | 0x10, 0]) + bytes(8) + bytes([3])
    put("smccc", "other_exits", bytes([1, 0x0b]) + other + call(0x80000000, vm=1))


def console_write(stream, data):
    """fuzz_console operations writing data to stream 0-2 (at most 31 bytes per operation)."""
    out = b""
    for i in range(0, len(data), 31):
        chunk = data[i:i + 31]
        out += bytes([stream | len(chunk) << 3]) + chunk
    return out


def console_seeds():
    focus_a, focus_b, log, redraw = bytes([4]), bytes([4 | 1 << 3]), bytes([7]), bytes([7 | 1 << 3])
    put("console", "busybox_prompt", console_write(0, b"\r\nguest# \x1b[6n") + console_write(0, b"ls")
        + log + redraw + console_write(0, b"\b\x1b[K\r\n"))
    put("console", "osc_dcs", console_write(1, b"x\x1b]0;title\x07\x1b]52;c;Zm9v\x1b\\\x1bPq#0\x1b\\y"))
    put("console", "csi_mix", console_write(0, b"\x1b[1;32mgreen\x1b[0m\x1b[3J\x1b[?25l\x1b[10;20H\x1b[2A"))
    put("console", "utf8", console_write(2, "caf\u00e9 \u20ac \U0001f600".encode() + b"\xc2\x9b\xed\xa0\x80\n"))
    put("console", "unfocused_flush", console_write(2, b"guest# ") + bytes([5 | 2 << 3]) + focus_b
        + console_write(2, b"echo hi\r\n") + focus_a + bytes([6 | 2 << 3]))
    put("console", "split", b"".join(console_write(k % 2, bytes([c])) for k, c in enumerate(b"\x1b[6n\x1b]0;t\x07ok\n")))


def control_seeds():
    """Byte 0: the three VMs' states (2 bits each) and the asking VM; byte 1: log length."""
    reqs = ["list", "log", "stats linux2", "stop linux2", "start echo", "pause linux1",
            "resume linux2", "reset echo", "stop"]
    for r in reqs:
        put("control", "seed-" + r.replace(" ", "_"), bytes([0x05, 0x10]) + r.encode())


def net_offload_seeds():
    """The 12-byte virtio_net_hdr, then the frame: TCP segmentation over IPv4 and IPv6, a
    checksum to finish, a plain frame."""
    def hdr(flags, gso, gso_size=0, start=0, off=0):
        return struct.pack("<BBHHHHH", flags, gso, 0, gso_size, start, off, 0)

    def tcp(v6, payload):
        eth = b"\x02" * 12 + (b"\x86\xdd" if v6 else b"\x08\x00")
        t = struct.pack(">HHIIBBHHH", 40000, 5001, 1, 0, 8 << 4, 0x18, 512, 0, 0) + b"\x01\x01" + b"\x08\x0a" + bytes(8)
        if v6:
            ip = struct.pack(">IHBB", 6 << 28, len(t) + payload, 6, 64) + bytes(range(32))
        else:
            ip = struct.pack(">BBHHHBBH", 0x45, 0, 20 + len(t) + payload, 1, 0x4000, 64, 6, 0) + bytes([10, 0, 0, 1, 10, 0, 0, 2])
        return eth + ip + t + bytes(i * 7 % 256 for i in range(payload))

    put("net_offload", "tso4", hdr(1, 1, 1448, 34, 16) + tcp(False, 4000))
    put("net_offload", "tso6", hdr(1, 4, 1428, 54, 16) + tcp(True, 3000))
    put("net_offload", "csum", hdr(1, 0, 0, 34, 16) + tcp(False, 200))
    put("net_offload", "plain", hdr(0, 0) + tcp(False, 64))


def main():
    dts_seeds()
    ranges_seed()
    a64_seeds()
    esr_seeds()
    pgtable_seeds()
    config_seeds()
    virtq_seeds()
    vgic_seeds()
    smccc_seeds()
    console_seeds()
    control_seeds()
    s2walk_seeds()
    net_offload_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
