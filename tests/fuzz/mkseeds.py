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


def main():
    dts_seeds()
    a64_seeds()
    esr_seeds()
    pgtable_seeds()
    config_seeds()
    virtq_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
